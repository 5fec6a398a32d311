"""Catalogue forms: input shape and field rules only. The product screen and the Excel upload use
the same forms, so a row in a file is held to exactly the rules of the screen."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.core import uploads
from marketdock.core.forms import BootstrapFormMixin

from . import options as opt
from . import selectors
from .models import Product, SKUStatus

MAX_WON = 1_000_000_000


class ProductForm(BootstrapFormMixin, forms.ModelForm):
    price = forms.IntegerField(label=_("판매가"), min_value=0, max_value=MAX_WON)
    cost = forms.IntegerField(label=_("원가"), min_value=0, max_value=MAX_WON, required=False)

    class Meta:
        model = Product
        fields = ["code", "seller_code", "name", "brand", "category", "price", "cost", "tax_type", "status",
                  "inventory_managed", "memo"]
        widgets = {"memo": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["brand"].queryset = selectors.brands(company)
        self.fields["brand"].empty_label = _("(없음)")
        self.fields["category"].queryset = selectors.categories(company)
        paths = selectors.category_paths(company)
        self.fields["category"].choices = [("", _("(없음)"))] + sorted(
            ((pk, path) for pk, path in paths.items()), key=lambda x: x[1]
        )
        self.fields["code"].help_text = _("영문/숫자 권장, 공백과 / 불가. 회사 안에서 중복될 수 없습니다.")
        self.fields["code"].widget.attrs["data-testid"] = "product-code"
        self.fields["name"].widget.attrs["data-testid"] = "product-name"
        self.fields["price"].widget.attrs["data-testid"] = "product-price"

    def clean_cost(self):
        return self.cleaned_data.get("cost") or 0

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()

    def _post_clean(self):
        # model-level uniqueness needs the company, which the service checks; keep field validation only
        pass


class OptionAxesForm(BootstrapFormMixin, forms.Form):
    axis_name_1 = forms.CharField(label=_("옵션명 1"), required=False, max_length=30)
    axis_values_1 = forms.CharField(label=_("옵션값 1"), required=False, max_length=2000)
    axis_name_2 = forms.CharField(label=_("옵션명 2"), required=False, max_length=30)
    axis_values_2 = forms.CharField(label=_("옵션값 2"), required=False, max_length=2000)
    axis_name_3 = forms.CharField(label=_("옵션명 3"), required=False, max_length=30)
    axis_values_3 = forms.CharField(label=_("옵션값 3"), required=False, max_length=2000)
    code_pattern = forms.CharField(
        label=_("단품코드 규칙"), required=False, max_length=60,
        help_text=_("비우면 {code}-{n}. 예: {code}-{n3}, {code}-{opt1}-{opt2}"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        examples = {1: (_("색상"), _("블랙, 화이트")), 2: (_("사이즈"), _("S, M, L")), 3: (_("소재"), "")}
        for i in range(1, opt.MAX_AXES + 1):
            name, values = examples[i]
            self.fields[f"axis_name_{i}"].widget.attrs.update(
                {"placeholder": _("옵션명 %(i)s (예: %(ex)s)") % {"i": i, "ex": name}, "data-testid": f"axis-name-{i}",
                 "style": "max-width:11rem"})
            self.fields[f"axis_values_{i}"].widget.attrs.update(
                {"placeholder": _("값, 쉼표로 구분 (예: %(ex)s)") % {"ex": values} if values else _("값, 쉼표로 구분"),
                 "data-testid": f"axis-values-{i}"})

    @classmethod
    def initial_from_axes(cls, axes: list[dict]) -> dict:
        initial = {}
        for i, axis in enumerate(axes[: opt.MAX_AXES], start=1):
            initial[f"axis_name_{i}"] = axis["name"]
            initial[f"axis_values_{i}"] = ", ".join(axis["values"])
        return initial

    def clean(self):
        data = super().clean()
        raw = [
            {"name": data.get(f"axis_name_{i}", ""), "values": opt.split_values(data.get(f"axis_values_{i}", ""))}
            for i in range(1, opt.MAX_AXES + 1)
        ]
        try:
            data["axes"] = opt.normalize_axes(raw)
            data["code_pattern"] = opt.validate_pattern(data.get("code_pattern", ""))
        except opt.AxisError as exc:
            raise forms.ValidationError(str(exc))
        return data


class SkuRowForm(forms.Form):
    """One SKU grid row (screen: prefix sku-<i>; Excel: one row)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    options = forms.CharField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(label=_("단품코드"), required=False, max_length=60)
    barcode = forms.CharField(label=_("바코드"), required=False, max_length=60)
    price_delta = forms.IntegerField(label=_("옵션가"), required=False, min_value=-MAX_WON, max_value=MAX_WON)
    status = forms.ChoiceField(label=_("단품상태"), choices=SKUStatus.choices, required=False)
    is_set = forms.BooleanField(label=_("세트"), required=False)
    is_gift = forms.BooleanField(label=_("사은품"), required=False)
    safety_stock = forms.IntegerField(label=_("안전재고"), required=False, min_value=0, max_value=10_000_000)
    reorder_point = forms.IntegerField(label=_("발주점"), required=False, min_value=0, max_value=10_000_000)

    def clean_options(self):
        raw = self.cleaned_data.get("options") or "{}"
        try:
            values = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("옵션값을 읽을 수 없습니다. 화면을 새로고침하세요."))
        if not isinstance(values, dict):
            raise forms.ValidationError(_("옵션값을 읽을 수 없습니다. 화면을 새로고침하세요."))
        return {str(k): str(v) for k, v in values.items()}

    def clean(self):
        data = super().clean()
        data["code"] = (data.get("code") or "").strip()
        data["barcode"] = (data.get("barcode") or "").strip()
        data["price_delta"] = data.get("price_delta") or 0
        data["status"] = data.get("status") or SKUStatus.ACTIVE
        data["safety_stock"] = data.get("safety_stock") or 0
        data["reorder_point"] = data.get("reorder_point") or 0
        return data


class CategoryForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("분류명"), max_length=60)
    parent = forms.TypedChoiceField(label=_("상위 분류"), required=False, coerce=int, empty_value=None)
    sort_order = forms.IntegerField(label=_("정렬순서"), required=False, min_value=0, max_value=100000)

    def __init__(self, *args, company, exclude_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        nodes = selectors.category_tree(company)
        blocked = selectors.category_descendant_ids(company, exclude_id) if exclude_id else set()
        self.fields["parent"].choices = [("", _("(최상위)"))] + [
            (n.category.pk, n.path) for n in nodes if n.category.pk not in blocked
        ]

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        try:
            return selectors.category_get(self.company, pk)
        except Exception:
            raise forms.ValidationError(_("상위 분류를 찾을 수 없습니다."))


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ImageUploadForm(BootstrapFormMixin, forms.Form):
    files = MultiFileField(label=_("이미지 파일 (JPG/PNG, 10MB 이하)"))


class ImageBulkForm(BootstrapFormMixin, forms.Form):
    files = MultiFileField(label=_("이미지 파일 여러 개 또는 zip 파일"))


class ExcelUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("엑셀 파일 (.xlsx)"))
    apply_valid_rows = forms.BooleanField(
        label=_("오류가 없는 상품만 반영 (체크하지 않으면 오류가 하나라도 있을 때 아무것도 반영하지 않습니다)"),
        required=False,
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("엑셀 파일(.xlsx)만 올릴 수 있습니다. 엑셀에서 '다른 이름으로 저장 → Excel 통합 문서'로 저장하세요."))
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("엑셀 파일은 20MB 이하만 올릴 수 있습니다."))
        from .excel import MAX_FILE_BYTES, MAX_ROWS

        try:
            uploads.precheck_xlsx(f, max_rows=MAX_ROWS + 1, max_bytes=MAX_FILE_BYTES, shown_limit=MAX_ROWS)
        except uploads.UploadRejected as exc:
            raise forms.ValidationError(str(exc)) from None
        return f


LABEL_LAYOUT_CHOICES = [
    ("a4_3x8", _("A4 라벨지 3×8 (24칸, 70×37mm)")),
    ("a4_4x10", _("A4 라벨지 4×10 (40칸, 48.5×25.4mm)")),
    ("a4_5x13", _("A4 라벨지 5×13 (65칸, 38×21mm)")),
    ("single_50x30", _("개별 라벨 50×30mm (라벨 프린터)")),
]


class LabelForm(BootstrapFormMixin, forms.Form):
    layout = forms.ChoiceField(label=_("용지"), choices=LABEL_LAYOUT_CHOICES)
    with_qr = forms.BooleanField(label=_("QR 코드 같이 인쇄"), required=False)
    skip = forms.IntegerField(label=_("앞에서 건너뛸 칸 수"), required=False, min_value=0, max_value=64,
                              help_text=_("이미 쓴 라벨지를 다시 쓸 때"))
