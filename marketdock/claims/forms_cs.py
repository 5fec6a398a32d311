"""Forms of 담당자 배정 규칙 and 문자 발송 (the company's users, accounts and senders only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.channels import selectors as channel_selectors

from . import selectors_cs as selectors
from .models import AssignmentRule

_SELECT = {"class": "form-select form-select-sm"}


class UserChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class SenderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from marketdock.core.validators import format_phone

        return f"{format_phone(obj.number)} {obj.label}".strip()


class AssignmentRuleForm(forms.Form):
    mode = forms.ChoiceField(label=_("방식"), choices=AssignmentRule.Mode.choices, widget=forms.Select(attrs=_SELECT))
    target = forms.ChoiceField(label=_("대상"), choices=AssignmentRule.Target.choices,
                               widget=forms.Select(attrs=_SELECT))
    account = forms.ModelChoiceField(label=_("쇼핑몰"), queryset=None, required=False,
                                     empty_label=_("(쇼핑몰별 배정에서 선택)"), widget=forms.Select(attrs=_SELECT))
    users = UserChoice(label=_("담당자"), queryset=None,
                       widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 5}))
    is_active = forms.BooleanField(label=_("사용"), required=False, initial=True)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = channel_selectors.channel_accounts(company).order_by("name", "pk")
        self.fields["users"].queryset = selectors.assignable_users(company)


class SenderForm(forms.Form):
    number = forms.CharField(label=_("발신번호"), max_length=20,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                           "placeholder": "02-1234-5678", "inputmode": "tel"}))
    label = forms.CharField(label=_("이름"), max_length=60, required=False,
                            widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


class SmsForm(forms.Form):
    sender = SenderChoice(label=_("발신번호"), queryset=None, empty_label=None, widget=forms.Select(attrs=_SELECT))
    text = forms.CharField(label=_("내용"), max_length=1000, widget=forms.Textarea(
        attrs={"class": "form-control", "rows": 5, "data-testid": "sms-text"}),
        help_text=_("변수: {구매자} {주문번호} {송장번호} {상품명} — 받는 사람마다 채워서 보냅니다."))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        senders = selectors.verified_senders(company)
        self.fields["sender"].queryset = senders
        default = senders.filter(is_default=True).first()
        if default:
            self.fields["sender"].initial = default.pk
