from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.channels.selectors import channel_accounts
from marketdock.core import params
from marketdock.core.forms import BootstrapFormMixin

from .models import ShippingPolicy


class ShippingPolicyForm(BootstrapFormMixin, forms.Form):
    """Parses the 배송정보 form; the rules (fee type vs amounts, unique names, one default) are in
    services.shipping_policy_save."""

    account = forms.ModelChoiceField(label=_("쇼핑몰 계정"), queryset=None)
    name = forms.CharField(label=_("배송정보명"), max_length=100,
                           error_messages={"required": _("배송정보명을 입력하세요.")})
    fee_type = forms.ChoiceField(label=_("배송비 유형"), choices=ShippingPolicy.FeeType.choices)
    fee = forms.IntegerField(label=_("기본 배송비"), required=False, min_value=0, max_value=params.AMOUNT_MAX)
    free_threshold = forms.IntegerField(label=_("무료배송 기준금액"), required=False, min_value=0, max_value=params.AMOUNT_MAX)
    bundle_rule = forms.ChoiceField(label=_("묶음배송"), choices=ShippingPolicy.BundleRule.choices)
    return_fee = forms.IntegerField(label=_("반품 배송비(편도)"), required=False, min_value=0, max_value=params.AMOUNT_MAX)
    exchange_fee = forms.IntegerField(label=_("교환 배송비(왕복)"), required=False, min_value=0, max_value=params.AMOUNT_MAX)
    jeju_surcharge = forms.IntegerField(label=_("제주 추가배송비"), required=False, min_value=0, max_value=params.AMOUNT_MAX)
    remote_surcharge = forms.IntegerField(label=_("도서산간 추가배송비"), required=False, min_value=0, max_value=params.AMOUNT_MAX)
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


class ListingFieldsForm(BootstrapFormMixin, forms.Form):
    """The 상품등록 기본정보 inputs of one marketplace (built from services_fields.FIELD_SPECS). It only
    parses; every rule and message is in services_fields.account_listing_fields_update."""

    def __init__(self, *args, kind: str, carriers: list[tuple[str, str]], specs=None, **kwargs):
        from .services_fields import listing_field_specs

        super().__init__(*args, **kwargs)
        self.specs = specs if specs is not None else listing_field_specs(kind)
        for spec in self.specs:
            attrs = {"data-testid": f"lf-{spec.name}"}
            attrs["class"] = {"checkbox": "form-check-input", "select": "form-select"}.get(spec.widget, "form-control")
            if spec.widget == "checkbox":
                field = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs=attrs))
            elif spec.widget == "select":
                choices = list(spec.choices) or list(carriers)
                current = str(self.initial.get(spec.name) or "")
                if current and current not in {str(c) for c, _label in choices}:
                    choices.append((current, current))  # a value saved before (kept selectable)
                if choices:  # a CharField: the service checks the value and names the field
                    field = forms.CharField(required=False, widget=forms.Select(
                        attrs=attrs, choices=[("", _("선택하세요"))] + choices))
                else:  # no carrier master rows: the marketplace's code typed in
                    attrs["class"] = "form-control"
                    field = forms.CharField(required=False, widget=forms.TextInput(attrs=attrs))
            elif spec.widget in ("textarea", "urls"):
                attrs["rows"] = 6 if spec.name in ("description_html", "notice_lines") else 3
                field = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs=attrs))
            elif spec.widget == "number":
                attrs["inputmode"] = "numeric"
                field = forms.CharField(required=False, widget=forms.TextInput(attrs=attrs))
            else:
                field = forms.CharField(required=False, widget=forms.TextInput(attrs=attrs))
            field.label = spec.label
            field.help_text = spec.help
            field.required_mark = spec.required
            self.fields[spec.name] = field

    @property
    def groups(self) -> list[tuple[str, list]]:
        out: dict[str, list] = {}
        for spec in self.specs:
            out.setdefault(str(spec.group), []).append(self[spec.name])
        return list(out.items())
