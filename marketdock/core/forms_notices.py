"""Notice form (SYS-5): input checks only; the rules live in services_notices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import BootstrapFormMixin

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class NoticeForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("제목"), max_length=200)
    body = forms.CharField(label=_("내용"), widget=forms.Textarea(attrs={"rows": 8}))
    starts_at = forms.DateTimeField(
        label=_("게시 시작"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("날짜와 시각을 YYYY-MM-DD HH:mm 형식으로 입력하세요.")},
    )
    ends_at = forms.DateTimeField(
        label=_("게시 종료"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("날짜와 시각을 YYYY-MM-DD HH:mm 형식으로 입력하세요.")},
    )
    is_popup = forms.BooleanField(label=_("로그인 후 팝업으로 표시"), required=False, initial=True)
