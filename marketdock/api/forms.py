from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SCOPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("이름"), max_length=100)
    scopes = forms.MultipleChoiceField(label=_("권한"), choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple)
    allowed_ips = forms.CharField(label=_("허용 IP (한 줄에 하나, 비우면 모든 IP)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(label=_("만료일 (비우면 만료 없음)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    rate_per_minute = forms.IntegerField(label=_("분당 호출 한도"), min_value=1, max_value=100_000, initial=600)
