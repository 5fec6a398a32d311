from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.channels.selectors import channel_accounts
from marketdock.core.forms import BootstrapFormMixin

from .models import ShippingPolicy


class ShippingPolicyForm(BootstrapFormMixin, forms.Form):
    """Parses the 배송정보 form; the rules (fee type vs amounts, unique names, one default) are in
    services.shipping_policy_save."""

    account = forms.ModelChoiceField(label=_("쇼핑몰 계정"), queryset=None)
    name = forms.CharField(label=_("배송정보명"), max_length=100,
                           error_messages={"required": _("배송정보명을 입력하세요.")})
    fee_type = forms.ChoiceField(label=_("배송비 유형"), choices=ShippingPolicy.FeeType.choices)
    fee = forms.IntegerField(label=_("기본 배송비"), required=False, min_value=0)
    free_threshold = forms.IntegerField(label=_("무료배송 기준금액"), required=False, min_value=0)
    bundle_rule = forms.ChoiceField(label=_("묶음배송"), choices=ShippingPolicy.BundleRule.choices)
    return_fee = forms.IntegerField(label=_("반품 배송비(편도)"), required=False, min_value=0)
    exchange_fee = forms.IntegerField(label=_("교환 배송비(왕복)"), required=False, min_value=0)
    jeju_surcharge = forms.IntegerField(label=_("제주 추가배송비"), required=False, min_value=0)
    remote_surcharge = forms.IntegerField(label=_("도서산간 추가배송비"), required=False, min_value=0)
    is_default = forms.BooleanField(label=_("기본 배송정보"), required=False)

    def __init__(self, *args, company, instance_policy: ShippingPolicy | None = None, **kwargs):
        if instance_policy is not None and (not args or args[0] is None):
            kwargs.setdefault("initial", {f: getattr(instance_policy, f) for f in (
                "name", "fee_type", "fee", "free_threshold", "bundle_rule", "return_fee", "exchange_fee",
                "jeju_surcharge", "remote_surcharge", "is_default")} | {"account": instance_policy.account_id})
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = channel_accounts(company)
        if instance_policy is not None:
            self.fields["account"].disabled = True
            self.fields["account"].initial = instance_policy.account_id
