"""Common code forms (SYS-10): input parsing only; the rules live in services_codes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import BootstrapFormMixin


class CodeGroupForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("그룹코드"), max_length=30, help_text=_("영문 대문자, 숫자, _ (예: COLOR)"))
    name = forms.CharField(label=_("그룹명"), max_length=50)
    description = forms.CharField(label=_("설명"), max_length=200, required=False)


class CodeForm(forms.Form):
    """One code row of the inline grid; sort_order stays text so the service names a bad value."""

    code = forms.CharField(label=_("코드"), required=False, max_length=200)
    name = forms.CharField(label=_("코드명"), required=False, max_length=500)
    sort_order = forms.CharField(label=_("정렬순서"), required=False, max_length=20)
    is_active = forms.BooleanField(label=_("사용"), required=False)
