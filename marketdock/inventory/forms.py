"""Inventory forms: input parsing and validation only; the views hand the cleaned data to services."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.core import params
from marketdock.core.forms import BootstrapFormMixin

from . import selectors
from .models import Warehouse

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class WarehouseForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "kind", "postal_code", "address", "phone", "sender_name", "exposed_to_channels",
                  "is_default", "is_active"]

    def __init__(self, *args, company, **kwargs):
        self.company = company
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]+", code):
            raise forms.ValidationError(_("창고코드는 영문, 숫자, -, _ 만 쓸 수 있습니다."))
        clash = selectors.warehouses(self.company).filter(code=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("창고코드 %(code)s가 이미 있습니다.") % {"code": code})
        return code

    def validate_unique(self):
        """Uniqueness per company is checked in clean_code (the form has no company field)."""


def parse_sku_lines(company, text: str, *, label: str) -> list[tuple[int, int]]:
    """Lines of "SKU코드(또는 바코드) 수량" (comma, tab or space separated) → [(sku_id, qty)].
    Raises ValidationError listing every wrong line."""
    errors: list[str] = []
    parsed: list[tuple[int, str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[,\t ]+", line) if p]
        if len(parts) < 2:
            errors.append(_("%(n)s번째 줄 '%(line)s': SKU코드와 수량을 함께 입력하세요.") % {"n": number, "line": line})
            continue
        parsed.append((number, " ".join(parts[:-1]), parts[-1]))
    skus = selectors.sku_lookup(company, [key for _n, key, _q in parsed])
    result: list[tuple[int, int]] = []
    for number, key, qty_text in parsed:
        sku = skus.get(key)
        if sku is None:
            errors.append(_("%(n)s번째 줄: SKU '%(key)s'를 찾을 수 없습니다.") % {"n": number, "key": key})
            continue
        qty = params.int_param(qty_text, min_value=1, max_value=params.QUANTITY_MAX)
        if qty is None:
            errors.append(_("%(n)s번째 줄: 수량 '%(q)s'는 1 이상 %(max)s 이하의 정수여야 합니다.") % {
                "n": number, "q": qty_text[:30], "max": f"{params.QUANTITY_MAX:,}"})
            continue
        result.append((sku.pk, qty))
    if errors:
        raise forms.ValidationError(errors)
    if not result:
        raise forms.ValidationError(_("%(what)s 품목을 한 줄에 하나씩 입력하세요 (예: ABC-001 10).") % {"what": label})
    return result


class _CompanyForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, company, **kwargs):
        self.company = company
        super().__init__(*args, **kwargs)
        default = selectors.warehouses_active(company).filter(is_default=True).first()
        for name in ("warehouse", "from_warehouse", "to_warehouse"):
            if name in self.fields:
                self.fields[name].queryset = selectors.warehouses_active(company)
                if default and name != "to_warehouse" and not self.is_bound:
                    self.fields[name].initial = default.pk


class InboundForm(_CompanyForm):
    warehouse = forms.ModelChoiceField(label=_("입고창고"), queryset=Warehouse.objects.none())
    supplier = forms.ModelChoiceField(label=_("매입처"), queryset=None, required=False,
                                      help_text=_("공통코드 매입처(SUPPLIER)에서 고르거나 아래에 직접 입력하세요."))
    supplier_name = forms.CharField(label=_("매입처 (직접입력)"), max_length=100, required=False)
    expected_date = forms.DateField(label=_("입고예정일"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                    validators=[params.validate_sane_date])
    registered = forms.BooleanField(label=_("바로 입고등록 (물건이 도착함)"), required=False)
    memo = forms.CharField(label=_("메모"), max_length=300, required=False)
    lines = forms.CharField(
        label=_("품목"), widget=forms.Textarea(attrs={"rows": 6, "placeholder": "ABC-001 10\nABC-002 5"}),
        help_text=_("한 줄에 하나씩: SKU코드 또는 바코드, 수량"),
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["supplier"].queryset = selectors.suppliers(company)

    def clean_lines(self):
        return parse_sku_lines(self.company, self.cleaned_data["lines"], label=_("입고"))


class TransferForm(_CompanyForm):
    from_warehouse = forms.ModelChoiceField(label=_("보내는 창고"), queryset=Warehouse.objects.none())
    to_warehouse = forms.ModelChoiceField(label=_("받는 창고"), queryset=Warehouse.objects.none())
    memo = forms.CharField(label=_("메모"), max_length=300, required=False)
    lines = forms.CharField(
        label=_("품목"), widget=forms.Textarea(attrs={"rows": 6, "placeholder": "ABC-001 3"}),
        help_text=_("한 줄에 하나씩: SKU코드 또는 바코드, 수량"),
    )

    def clean_lines(self):
        return parse_sku_lines(self.company, self.cleaned_data["lines"], label=_("이동"))

    def clean(self):
        data = super().clean()
        if data.get("from_warehouse") and data.get("from_warehouse") == data.get("to_warehouse"):
            self.add_error("to_warehouse", _("보내는 창고와 받는 창고가 같습니다."))
        return data


class CountSheetForm(_CompanyForm):
    warehouse = forms.ModelChoiceField(label=_("창고"), queryset=Warehouse.objects.none())
    memo = forms.CharField(label=_("메모"), max_length=300, required=False)


class AdjustForm(_CompanyForm):
    warehouse = forms.ModelChoiceField(label=_("창고"), queryset=Warehouse.objects.none())
    quantity = forms.IntegerField(label=_("조정수량 (+/−)"), help_text=_("늘리려면 양수, 줄이려면 음수"),
                                  min_value=-params.QUANTITY_MAX, max_value=params.QUANTITY_MAX)
    reason = forms.CharField(label=_("사유"), max_length=200)

    def clean_quantity(self):
        qty = self.cleaned_data["quantity"]
        if qty == 0:
            raise forms.ValidationError(_("0이 아닌 수량을 입력하세요."))
        return qty


class ThresholdForm(BootstrapFormMixin, forms.Form):
    safety_stock = forms.IntegerField(label=_("안전재고"), min_value=0, max_value=params.QUANTITY_MAX)
    reorder_point = forms.IntegerField(label=_("발주점"), min_value=0, max_value=params.QUANTITY_MAX)


class XlsxUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("엑셀 파일 (xlsx)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("xlsx 파일만 올릴 수 있습니다: %(name)s") % {"name": f.name})
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("파일이 너무 큽니다 (최대 5MB)."))
        return f
