"""Forms of the order list, Excel settings and order upload screens (input cleaning only; rules
live in services)."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core import params
from marketdock.core.forms import BootstrapFormMixin
from marketdock.core.validators import validate_phone

from .services.excel import BUILTIN_MAPPINGS, UPLOAD_FIELDS


class UploadForm(BootstrapFormMixin, forms.Form):
    account = forms.ModelChoiceField(label=_("쇼핑몰 계정"), queryset=None, empty_label=_("선택하세요"))
    mapping = forms.ChoiceField(label=_("매핑"))
    file = forms.FileField(label=_("파일(.xlsx, .csv)"))
    skip_bad_rows = forms.BooleanField(label=_("오류 행은 빼고 나머지만 등록"), required=False)

    def __init__(self, *args, accounts, mappings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        choices = [(f"builtin:{code}", str(b.name)) for code, b in BUILTIN_MAPPINGS.items()]
        choices += [(f"user:{m.pk}", f"{m.account.name} · {m.name}") for m in mappings]
        self.fields["mapping"].choices = choices


class UploadMappingForm(BootstrapFormMixin, forms.Form):
    account = forms.ModelChoiceField(label=_("쇼핑몰 계정"), queryset=None, empty_label=_("선택하세요"))
    name = forms.CharField(label=_("매핑명"), max_length=100)
    header_row = forms.IntegerField(label=_("제목 행"), min_value=1, max_value=20, initial=1)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        for f in UPLOAD_FIELDS:
            self.fields[f"col_{f.key}"] = forms.CharField(
                label=f.label, required=False, max_length=100,
                help_text=_("필수") if f.required else "",
            )
            self.fields[f"col_{f.key}"].widget.attrs.update({"class": "form-control form-control-sm",
                                                              "placeholder": _("파일의 열 제목")})

    def column_fields(self):
        return [(f, self[f"col_{f.key}"]) for f in UPLOAD_FIELDS]

    def columns(self) -> dict[str, str]:
        return {f.key: self.cleaned_data.get(f"col_{f.key}", "") for f in UPLOAD_FIELDS}


class ManualOrderForm(BootstrapFormMixin, forms.Form):
    account = forms.ModelChoiceField(label=_("쇼핑몰 계정"), queryset=None, empty_label=_("선택하세요"))
    order_id = forms.CharField(label=_("주문번호"), max_length=100, required=False,
                               help_text=_("비우면 자동으로 붙입니다."))
    ordered_at = forms.DateTimeField(label=_("주문일시"), initial=lambda: timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                                     input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"],
                                     validators=[params.validate_sane_date])
    buyer_name = forms.CharField(label=_("주문자"), max_length=100, required=False)
    buyer_phone = forms.CharField(label=_("주문자 전화"), max_length=30, required=False, validators=[validate_phone])
    recipient_name = forms.CharField(label=_("수령자"), max_length=100)
    recipient_phone = forms.CharField(label=_("수령자 전화"), max_length=30, validators=[validate_phone])
    postal_code = forms.CharField(label=_("우편번호"), max_length=10, required=False)
    address1 = forms.CharField(label=_("주소"), max_length=300)
    address2 = forms.CharField(label=_("상세주소"), max_length=300, required=False)
    delivery_message = forms.CharField(label=_("배송메시지"), max_length=300, required=False)
    shipping_fee = forms.IntegerField(label=_("배송비"), min_value=0, max_value=params.AMOUNT_MAX, initial=0,
                                      required=False)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts


class ManualLineForm(BootstrapFormMixin, forms.Form):
    product_name = forms.CharField(label=_("상품명"), max_length=300)
    option_text = forms.CharField(label=_("옵션"), max_length=300, required=False)
    seller_product_code = forms.CharField(label=_("판매자상품코드"), max_length=100, required=False)
    quantity = forms.IntegerField(label=_("수량"), min_value=1, max_value=params.QUANTITY_MAX,
                                  widget=forms.NumberInput(attrs={"placeholder": "1"}))
    unit_price = forms.IntegerField(label=_("판매가"), min_value=0, max_value=params.AMOUNT_MAX, required=False,
                                    widget=forms.NumberInput(attrs={"placeholder": "0"}))


ManualLineFormSet = formset_factory(ManualLineForm, extra=3, max_num=20, min_num=1, validate_min=True)
