"""Catalogue state changes and rules: products and their SKU grid, barcodes, sets, categories,
images. Every function takes keyword-only arguments and works for one company."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketdock.catalog.hooks import sku_availability_changed
from marketdock.core.models import CommonCode, Company

from . import options as opt
from .hooks import sku_codes_added
from .images import (
    MAX_IMAGE_BYTES,
    MAX_ZIP_BYTES,
    BulkResult,
    CheckedImage,
    ImageRejected,
    image_check,
    image_files_delete,
    iter_zip,
    match_product,
    mb,
    thumbnail_bytes,
)
from .models import (
    SKU,
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductUpload,
    SetComponent,
    SKUStatus,
    TaxType,
)

UNAVAILABLE = (SKUStatus.SOLD_OUT, SKUStatus.INACTIVE)  # such a SKU sells nothing on the channels
BARCODE_RE = re.compile(r"^[\x21-\x7E]{1,60}$")
CODE_RE = re.compile(r"^[^\s/\\]{1,60}$")


@dataclass
class FieldError:
    field: str
    message: str
    row: int | None = None  # index into the SKU rows given to product_save
    value: str = ""


class CatalogError(Exception):
    """One or more rule violations; nothing was changed."""

    def __init__(self, errors: list[FieldError] | str, field_name: str = "__all__"):
        if isinstance(errors, str):
            errors = [FieldError(field_name, errors)]
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))

    @property
    def messages(self) -> list[str]:
        return [e.message for e in self.errors]


# ---------------------------------------------------------------- categories


def _category_siblings_clash(company: Company, *, name: str, parent: Category | None, exclude_id: int | None) -> bool:
    qs = Category.objects.filter(company=company, parent=parent, name=name)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def _category_clean(company: Company, *, name: str, parent: Category | None, exclude_id: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise CatalogError(_("분류명을 입력하세요."), "name")
    if len(name) > 60:
        raise CatalogError(_("분류명은 60자 이하로 입력하세요."), "name")
    if ">" in name:
        raise CatalogError(_("분류명에는 '>'를 쓸 수 없습니다 (분류 경로 구분자)."), "name")
    if parent is not None and parent.company_id != company.pk:
        raise CatalogError(_("상위 분류를 찾을 수 없습니다."), "parent")
    if _category_siblings_clash(company, name=name, parent=parent, exclude_id=exclude_id):
        raise CatalogError(_("같은 위치에 '%(name)s' 분류가 이미 있습니다.") % {"name": name}, "name")
    return name


def category_create(*, company: Company, name: str, parent: Category | None = None, sort_order: int = 0) -> Category:
    name = _category_clean(company, name=name, parent=parent, exclude_id=None)
    return Category.objects.create(company=company, name=name, parent=parent, sort_order=sort_order)


def category_update(
    *, company: Company, category: Category, name: str, parent: Category | None, sort_order: int | None = None
) -> Category:
    """Rename and/or move a category; a category cannot move under itself or its descendants."""
    from .selectors import category_descendant_ids

    name = _category_clean(company, name=name, parent=parent, exclude_id=category.pk)
    if parent is not None and parent.pk in category_descendant_ids(company, category.pk):
        raise CatalogError(_("분류를 자기 자신이나 하위 분류 아래로 옮길 수 없습니다."), "parent")
    category.name = name
    category.parent = parent
    if sort_order is not None:
        category.sort_order = sort_order
    category.save(update_fields=["name", "parent", "sort_order"])
    return category


def category_delete(*, company: Company, category: Category) -> None:
    if Category.objects.filter(company=company, parent=category).exists():
        raise CatalogError(_("하위 분류가 있는 분류는 삭제할 수 없습니다. 하위 분류를 먼저 옮기거나 삭제하세요."))
    count = Product.objects.filter(company=company, category=category).count()
    if count:
        raise CatalogError(
            _("상품 %(n)s개가 이 분류에 속해 있어 삭제할 수 없습니다. 상품의 분류를 먼저 바꾸세요.") % {"n": count}
        )
    category.delete()


# ---------------------------------------------------------------- products and SKUs


@dataclass
class SkuRow:
    """One row of the SKU grid as submitted (form or Excel)."""

    option_values: dict[str, str] = field(default_factory=dict)
    sku_id: int | None = None
    code: str = ""
    barcode: str = ""
    price_delta: int = 0
    status: str = SKUStatus.ACTIVE
    is_set: bool | None = False  # None = keep what the existing SKU has (Excel)
    is_gift: bool | None = False
    safety_stock: int = 0
    reorder_point: int = 0


PRODUCT_FIELDS = (
    "code", "seller_code", "name", "brand", "category", "price", "cost", "tax_type", "status",
    "inventory_managed", "memo",
)


def sku_is_referenced(sku: SKU) -> bool:
    """True when any other row (a set, stock, an order line, a listing...) points at this SKU.

    Checked generically over every reverse relation so apps added later are covered too; the
    SKU's own set components (deleted with it) do not count."""
    for rel in SKU._meta.related_objects:
        if rel.related_model is SetComponent and rel.field.name == "set_sku":
            continue
        accessor = rel.field.name
        if rel.many_to_many:
            if rel.related_model._default_manager.filter(**{accessor: sku}).exists():
                return True
            continue
        if rel.related_model._default_manager.filter(**{accessor: sku.pk}).exists():
            return True
    return False


def sku_grid_rows(*, axes: list[dict], existing: list[SKU], product_code: str, pattern: str = "") -> list[dict]:
    """The full grid for these axes, keeping what existing SKUs already have (matched by option
    values). Used by the product screen to (re)generate the grid before saving."""
    by_key = {opt.option_key(s.option_values or {}): s for s in existing}
    rows: list[dict] = []
    for n, values in enumerate(opt.combinations(axes), start=1):
        sku = by_key.get(opt.option_key(values))
        if sku is None and not values and len(existing) == 1 and not existing[0].option_values:
            sku = existing[0]
        rows.append({
            "n": n,
            "option_values": values,
            "option_text": opt.option_text(axes, values),
            "option_key": opt.option_key(values),
            "sku_id": sku.pk if sku else None,
            "code": sku.code if sku else "",
            "barcode": sku.barcode if sku else "",
            "price_delta": sku.price_delta if sku else 0,
            "status": sku.status if sku else SKUStatus.ACTIVE,
            "is_set": sku.is_set if sku else False,
            "is_gift": sku.is_gift if sku else False,
            "safety_stock": sku.safety_stock if sku else 0,
            "reorder_point": sku.reorder_point if sku else 0,
            "placeholder": "" if sku else (
                product_code if not values and not pattern else
                opt.sku_code(pattern, product_code=product_code or "?", n=n, axes=axes, values=values)
            ),
        })
    return rows


def _check_code(value: str, *, field_name: str, label: str, row: int | None = None) -> FieldError | None:
    if not CODE_RE.match(value):
        return FieldError(
            field_name, _("%(label)s '%(v)s'에는 공백이나 '/'를 쓸 수 없고 60자 이하여야 합니다.") % {"label": label, "v": value},
            row, value,
        )
    return None


def product_save(
    *,
    company: Company,
    product: Product | None,
    data: dict,
    axes: list[dict],
    rows: list[SkuRow] | None = None,
    code_pattern: str = "",
) -> Product:
    """Create or update a product and its SKU grid in one transaction.

    `rows` is the complete SKU list for the product (None = generate the full grid from `axes`,
    keeping existing SKUs). Existing SKUs matched by id, code, then option values are updated;
    new rows become new SKUs (code from the pattern, barcode = code unless given); existing SKUs
    left out are deleted, or deactivated (사용안함) when anything references them.
    Raises CatalogError listing every problem; nothing is saved then."""
    try:
        axes = opt.normalize_axes(axes)
    except opt.AxisError as exc:
        raise CatalogError([FieldError("option_axes", str(exc))])
    try:
        pattern = opt.validate_pattern(code_pattern)
    except opt.AxisError as exc:
        raise CatalogError([FieldError("code_pattern", str(exc))])

    code, errors = _product_fields_check(company=company, product=product, data=data)
    existing = list(product.skus.all()) if product else []
    if rows is None:
        rows = [
            SkuRow(
                option_values=r["option_values"], sku_id=r["sku_id"], code=r["code"], barcode=r["barcode"],
                price_delta=r["price_delta"], status=r["status"], is_set=r["is_set"], is_gift=r["is_gift"],
                safety_stock=r["safety_stock"], reorder_point=r["reorder_point"],
            )
            for r in sku_grid_rows(axes=axes, existing=existing, product_code=code, pattern=pattern)
        ]
    if not rows:
        errors.append(FieldError("skus", _("단품이 하나 이상 있어야 합니다.")))
    matched = _rows_match(rows=rows, axes=axes, existing=existing, data=data, errors=errors)
    if errors:
        raise CatalogError(errors)

    # codes: explicit ones first, then generated ones that avoid everything taken
    keep_ids = {s.pk for s in matched if s is not None}
    other_codes = set(
        SKU.objects.filter(company=company).exclude(pk__in=keep_ids).values_list("code", flat=True)
    )
    other_barcodes = set(
        SKU.objects.filter(company=company).exclude(pk__in=keep_ids).values_list("barcode", flat=True)
    )
    _rows_assign_codes(rows=rows, axes=axes, pattern=pattern, code=code, other_codes=other_codes)
    errors = _rows_check_codes(rows=rows, matched=matched, other_codes=other_codes, other_barcodes=other_barcodes)
    if errors:
        raise CatalogError(errors)
    try:
        return _product_write(company=company, product=product, data=data, code=code, axes=axes, rows=rows,
                              existing=existing, matched=matched, keep_ids=keep_ids)
    except IntegrityError:
        raise CatalogError(_("다른 사용자가 같은 코드나 바코드를 방금 저장했습니다. 다시 시도하세요."))


def _product_fields_check(*, company: Company, product: Product | None, data: dict) -> tuple[str, list[FieldError]]:
    """The product's own code, brand and category checked: (the stripped code, the problems)."""
    errors: list[FieldError] = []
    code = (data.get("code") or "").strip()
    if not code:
        errors.append(FieldError("code", _("상품코드를 입력하세요.")))
    elif err := _check_code(code, field_name="code", label=_("상품코드")):
        errors.append(err)
    elif Product.objects.filter(company=company, code=code).exclude(pk=product.pk if product else None).exists():
        errors.append(FieldError("code", _("상품코드 '%(code)s'은(는) 이미 다른 상품에서 쓰고 있습니다.") % {"code": code}, None, code))
    brand = data.get("brand")
    if brand is not None and (brand.company_id != company.pk or brand.group.code != "BRAND"):
        errors.append(FieldError("brand", _("브랜드를 찾을 수 없습니다.")))
    category = data.get("category")
    if category is not None and category.company_id != company.pk:
        errors.append(FieldError("category", _("분류를 찾을 수 없습니다.")))
    return code, errors


def _rows_match(*, rows: list[SkuRow], axes: list[dict], existing: list[SKU], data: dict,
                errors: list[FieldError]) -> list[SKU | None]:
    """Check each row's option values, status and stock numbers (problems appended to `errors`) and
    find the existing SKU it updates (by id, code, then option values; None = a new SKU)."""
    existing_by_id = {s.pk: s for s in existing}
    existing_by_code = {s.code: s for s in existing}
    existing_by_key = {opt.option_key(s.option_values or {}): s for s in existing}
    axis_names = [a["name"] for a in axes]
    axis_values = {a["name"]: set(a["values"]) for a in axes}
    seen_keys: dict[str, int] = {}
    matched: list[SKU | None] = []
    used_existing: set[int] = set()
    for i, row in enumerate(rows):
        values = {str(k): str(v) for k, v in (row.option_values or {}).items()}
        row.option_values = values
        if set(values) != set(axis_names):
            errors.append(FieldError(
                "option_values",
                _("옵션값이 상품의 옵션(%(axes)s)과 맞지 않습니다.") % {"axes": ", ".join(axis_names) or _("옵션 없음")},
                i, opt.option_text(axes, values) or str(values),
            ))
        else:
            for name, value in values.items():
                if value not in axis_values[name]:
                    errors.append(FieldError("option_values", _("옵션 '%(axis)s'에 '%(value)s' 값이 없습니다.") % {
                        "axis": name, "value": value}, i, value))
        key = opt.option_key(values)
        if key in seen_keys:
            errors.append(FieldError("option_values", _("옵션 조합 '%(text)s'이(가) 두 번 있습니다.") % {
                "text": opt.option_text(axes, values) or "-"}, i))
        seen_keys[key] = i
        sku = None
        if row.sku_id:
            sku = existing_by_id.get(int(row.sku_id))
            if sku is None:
                errors.append(FieldError("sku_id", _("단품을 찾을 수 없습니다. 화면을 새로고침하세요."), i))
        if sku is None and row.code and row.code in existing_by_code:
            sku = existing_by_code[row.code]
        if sku is None:
            sku = existing_by_key.get(key)
        if sku is not None and sku.pk in used_existing:
            sku = None
        if sku is not None:
            used_existing.add(sku.pk)
        matched.append(sku)
        if row.is_set is None:
            row.is_set = sku.is_set if sku else False
        if row.is_gift is None:
            row.is_gift = sku.is_gift if sku else False
        if row.status not in SKUStatus.values:
            errors.append(FieldError("status", _("단품 상태 '%(v)s'이(가) 올바르지 않습니다.") % {"v": row.status}, i, row.status))
        if row.safety_stock < 0 or row.reorder_point < 0:
            errors.append(FieldError("safety_stock", _("안전재고와 발주점은 0 이상이어야 합니다."), i))
        if data.get("price") is not None and int(data.get("price") or 0) + int(row.price_delta or 0) < 0:
            errors.append(FieldError("price_delta", _("옵션가를 더한 판매가가 0원보다 작습니다."), i, str(row.price_delta)))
    return matched


def _rows_assign_codes(*, rows: list[SkuRow], axes: list[dict], pattern: str, code: str, other_codes: set[str]) -> None:
    """Give every row without a code one from the pattern that avoids every code taken."""
    row_codes = [(r.code or "").strip() for r in rows]
    taken = other_codes | {c for c in row_codes if c}
    for i, row in enumerate(rows):
        row.code = row_codes[i]
        if row.code:
            continue
        if not axes and len(rows) == 1 and code not in taken:
            row.code = code
        else:
            n = i + 1
            candidate = opt.sku_code(pattern, product_code=code, n=n, axes=axes, values=row.option_values)
            if candidate in taken:
                if "{n" in (pattern or opt.DEFAULT_CODE_PATTERN):
                    n = len(rows)
                    while candidate in taken:
                        n += 1
                        candidate = opt.sku_code(pattern, product_code=code, n=n, axes=axes, values=row.option_values)
                else:
                    base, k = candidate, 1
                    while candidate in taken:
                        k += 1
                        candidate = f"{base}-{k}"
            row.code = candidate
        taken.add(row.code)


def _rows_check_codes(*, rows: list[SkuRow], matched: list[SKU | None], other_codes: set[str],
                      other_barcodes: set[str]) -> list[FieldError]:
    """Codes and barcodes well-formed and unique (in the rows and the company); set/gift flags possible."""
    errors: list[FieldError] = []
    seen_codes: dict[str, int] = {}
    seen_barcodes: dict[str, int] = {}
    for i, row in enumerate(rows):
        row.barcode = (row.barcode or "").strip() or row.code
        if err := _check_code(row.code, field_name="code", label=_("단품코드"), row=i):
            errors.append(err)
        elif row.code in seen_codes:
            errors.append(FieldError("code", _("단품코드 '%(c)s'이(가) 두 번 있습니다.") % {"c": row.code}, i, row.code))
        elif row.code in other_codes:
            errors.append(FieldError("code", _("단품코드 '%(c)s'은(는) 이미 다른 단품에서 쓰고 있습니다.") % {"c": row.code}, i, row.code))
        seen_codes[row.code] = i
        if not BARCODE_RE.match(row.barcode):
            errors.append(FieldError("barcode", _("바코드 '%(b)s'에는 공백이나 한글을 쓸 수 없고 60자 이하여야 합니다.") % {
                "b": row.barcode}, i, row.barcode))
        elif row.barcode in seen_barcodes:
            errors.append(FieldError("barcode", _("바코드 '%(b)s'이(가) 두 번 있습니다.") % {"b": row.barcode}, i, row.barcode))
        elif row.barcode in other_barcodes:
            errors.append(FieldError("barcode", _("바코드 '%(b)s'은(는) 이미 다른 단품에서 쓰고 있습니다.") % {
                "b": row.barcode}, i, row.barcode))
        seen_barcodes[row.barcode] = i
        sku = matched[i]
        if row.is_set and sku is not None and sku.used_in_sets.exists():
            errors.append(FieldError("is_set", _("단품 '%(c)s'은(는) 다른 세트의 구성품이라 세트로 지정할 수 없습니다.") % {
                "c": row.code}, i))
        if row.is_set and row.is_gift:
            errors.append(FieldError("is_gift", _("세트상품은 사은품으로 지정할 수 없습니다."), i))
    return errors


def _product_write(*, company: Company, product: Product | None, data: dict, code: str, axes: list[dict],
                   rows: list[SkuRow], existing: list[SKU], matched: list[SKU | None], keep_ids: set[int]) -> Product:
    """Save the checked product and rows in one transaction and tell the hooks (IntegrityError passes up)."""
    # what each existing SKU could sell on the channels before (status, set flag, product stock management)
    managed_before = (Product.objects.filter(company=company, pk=product.pk).values_list("inventory_managed", flat=True)
                      .first() if product is not None and product.pk else None)
    availability_before = {s.pk: (s.status in UNAVAILABLE, s.is_set) for s in existing}
    with transaction.atomic():
        if product is None:
            product = Product(company=company)
        for name in PRODUCT_FIELDS:
            if name in data:
                setattr(product, name, data[name])
        product.code = code
        product.option_axes = axes
        product.save()
        leftovers = [s for s in existing if s.pk not in keep_ids]
        # free codes/barcodes of leftovers that are deleted before rows take them over
        for sku in leftovers:
            if sku_is_referenced(sku):
                if sku.status != SKUStatus.INACTIVE:
                    sku.status = SKUStatus.INACTIVE
                    sku.save(update_fields=["status"])
            else:
                sku.delete()
        coded = _skus_write(company=company, product=product, axes=axes, rows=rows, matched=matched)
        if managed_before is not None and managed_before != product.inventory_managed:
            changed = set(availability_before)
        else:
            changed = {s.pk for s in leftovers if s.pk in availability_before and not availability_before[s.pk][0]}
            changed |= {s.pk for s in matched if s is not None and s.pk in availability_before
                        and availability_before[s.pk] != (s.status in UNAVAILABLE, s.is_set)}
        # listeners (the listings app) mark the channel listings of these SKUs for a stock push
        sku_availability_changed(company, changed)
        # listeners (the orders app) match the waiting order lines whose seller code is a new code
        sku_codes_added(company, coded)
    return product


def _skus_write(*, company: Company, product: Product, axes: list[dict], rows: list[SkuRow],
                matched: list[SKU | None]) -> set[int]:
    """Write the rows onto their SKUs (new ones created); the ids of SKUs with a code they did not have."""
    # codes may move between kept SKUs (A↔B): park changed ones first so unique keys never clash
    moving = [
        s.pk for i, s in enumerate(matched)
        if s is not None and (s.code != rows[i].code or s.barcode != rows[i].barcode)
    ]
    for pk in moving:
        SKU.objects.filter(pk=pk).update(code=f"~{pk}", barcode=f"~{pk}")
    coded: set[int] = set()  # SKUs with a code they did not have (new, or the code changed)
    for i, row in enumerate(rows):
        sku = matched[i] or SKU(company=company, product=product)
        new_code = matched[i] is None or matched[i].pk in moving
        sku.code = row.code
        sku.barcode = row.barcode
        sku.option_values = row.option_values
        sku.option_text = opt.option_text(axes, row.option_values)
        sku.price_delta = int(row.price_delta or 0)
        sku.status = row.status
        sku.is_gift = bool(row.is_gift)
        sku.safety_stock = int(row.safety_stock or 0)
        sku.reorder_point = int(row.reorder_point or 0)
        sku.sort_order = i
        if sku.is_set and not row.is_set:
            SetComponent.objects.filter(company=company, set_sku=sku).delete()
        sku.is_set = bool(row.is_set)
        sku.save()
        if new_code:
            coded.add(sku.pk)
    return coded


def product_status_bulk(*, company: Company, product_ids: list[int], status: str) -> list[dict]:
    """Change the sale status of several products; one result per requested id."""
    if status not in ProductStatus.values:
        raise CatalogError(_("상태를 선택하세요."), "status")
    products = {p.pk: p for p in Product.objects.filter(company=company, pk__in=product_ids)}
    results = []
    for pk in product_ids:
        p = products.get(pk)
        if p is None:
            results.append({"id": pk, "code": "-", "ok": False, "message": _("상품을 찾을 수 없습니다.")})
            continue
        old = p.get_status_display()
        p.status = status
        p.save(update_fields=["status", "updated_at"])
        results.append({"id": pk, "code": p.code, "ok": True, "message": f"{old} → {p.get_status_display()}"})
    return results


def product_delete(*, company: Company, product: Product) -> None:
    """Delete a product whose SKUs nothing references; otherwise refuse (set it to 단종 instead)."""
    for sku in product.skus.all():
        if sku_is_referenced(sku):
            raise CatalogError(
                _("단품 '%(c)s'이(가) 재고·세트·주문 등에서 쓰이고 있어 삭제할 수 없습니다. 상태를 '단종'으로 바꾸세요.")
                % {"c": sku.code}
            )
    with transaction.atomic():
        images = list(product.images.all())
        product.delete()
    for img in images:
        image_files_delete(img)


# ---------------------------------------------------------------- barcodes


def sku_barcode_update(*, company: Company, sku: SKU, barcode: str) -> SKU:
    barcode = (barcode or "").strip()
    if not barcode:
        raise CatalogError(_("바코드를 입력하세요."), "barcode")
    if not BARCODE_RE.match(barcode):
        raise CatalogError(_("바코드 '%(b)s'에는 공백이나 한글을 쓸 수 없고 60자 이하여야 합니다.") % {"b": barcode}, "barcode")
    clash = SKU.objects.filter(company=company, barcode=barcode).exclude(pk=sku.pk).select_related("product").first()
    if clash is not None:
        raise CatalogError(
            _("바코드 '%(b)s'은(는) 이미 단품 %(code)s (%(name)s)에서 쓰고 있습니다.")
            % {"b": barcode, "code": clash.code, "name": clash.display_name},
            "barcode",
        )
    sku.barcode = barcode
    try:
        with transaction.atomic():
            sku.save(update_fields=["barcode"])
    except IntegrityError:
        raise CatalogError(_("바코드 '%(b)s'은(는) 이미 다른 단품에서 쓰고 있습니다.") % {"b": barcode}, "barcode")
    return sku


# ---------------------------------------------------------------- sets


def set_components_replace(*, company: Company, set_sku: SKU, components: list[tuple[str, int]]) -> list[SetComponent]:
    """Make `set_sku` a set of the given (SKU code or barcode, quantity) pairs, replacing any
    previous composition. A set cannot contain itself or another set, nor be part of another set."""
    errors: list[FieldError] = []
    if set_sku.company_id != company.pk:
        raise CatalogError(_("단품을 찾을 수 없습니다."))
    if set_sku.used_in_sets.exists():
        raise CatalogError(_("단품 '%(c)s'은(는) 다른 세트의 구성품이라 세트가 될 수 없습니다.") % {"c": set_sku.code})
    if set_sku.is_gift:
        raise CatalogError(_("사은품은 세트로 만들 수 없습니다. 사은품 표시를 먼저 끄세요."))
    resolved: list[tuple[SKU, int]] = []
    seen: set[int] = set()
    for i, (ref, qty) in enumerate(components):
        ref = (ref or "").strip()
        if not ref:
            continue
        sku = (
            SKU.objects.filter(company=company, code=ref).first()
            or SKU.objects.filter(company=company, barcode=ref).first()
        )
        if sku is None:
            errors.append(FieldError("component", _("구성 단품 '%(r)s'을(를) 찾을 수 없습니다.") % {"r": ref}, i, ref))
            continue
        try:
            qty = int(qty)
        except (TypeError, ValueError):
            qty = 0
        if qty < 1 or qty > 9999:
            errors.append(FieldError("quantity", _("'%(r)s'의 수량은 1~9999 사이로 입력하세요.") % {"r": ref}, i, str(qty)))
            continue
        if sku.pk == set_sku.pk:
            errors.append(FieldError("component", _("세트는 자기 자신을 구성품으로 넣을 수 없습니다."), i, ref))
            continue
        if sku.is_set:
            errors.append(FieldError("component", _("'%(r)s'은(는) 세트상품이라 다른 세트의 구성품이 될 수 없습니다.") % {
                "r": ref}, i, ref))
            continue
        if sku.pk in seen:
            errors.append(FieldError("component", _("구성 단품 '%(r)s'이(가) 두 번 있습니다. 수량을 합쳐 한 줄로 적으세요.") % {
                "r": ref}, i, ref))
            continue
        seen.add(sku.pk)
        resolved.append((sku, qty))
    if not errors and not resolved:
        errors.append(FieldError("component", _("구성 단품을 하나 이상 입력하세요.")))
    if errors:
        raise CatalogError(errors)
    with transaction.atomic():
        SetComponent.objects.filter(company=company, set_sku=set_sku).delete()
        created = [
            SetComponent.objects.create(company=company, set_sku=set_sku, component=sku, quantity=qty)
            for sku, qty in resolved
        ]
        if not set_sku.is_set:
            set_sku.is_set = True
            set_sku.save(update_fields=["is_set"])
        sku_availability_changed(company, {set_sku.pk})  # the set's sellable quantity follows its components
    return created


def sku_gift_set(*, company: Company, sku: SKU, is_gift: bool) -> SKU:
    if sku.company_id != company.pk:
        raise CatalogError(_("단품을 찾을 수 없습니다."))
    if is_gift and sku.is_set:
        raise CatalogError(_("세트상품은 사은품으로 지정할 수 없습니다."))
    sku.is_gift = is_gift
    sku.save(update_fields=["is_gift"])
    return sku


# ---------------------------------------------------------------- brands (common codes)


def brand_resolve(*, company: Company, text: str) -> CommonCode | None:
    """A BRAND common code by its code or its name (Excel upload); None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    qs = CommonCode.objects.filter(company=company, group__code="BRAND")
    return qs.filter(code=text).first() or qs.filter(name=text).first()


# ---------------------------------------------------------------- images


def product_image_add(
    *, company: Company, product: Product, name: str, data: bytes, checked: CheckedImage | None = None,
    sort_order: int | None = None, make_main: bool | None = None,
) -> tuple[ProductImage, bool]:
    """Validate and store one image (+ thumbnail). An image with the same original file name on the
    same product is replaced. Returns (image, replaced)."""
    if product.company_id != company.pk:
        raise ImageRejected(_("상품을 찾을 수 없습니다."))
    checked = checked or image_check(name, data)
    thumb, thumb_ext = thumbnail_bytes(checked)
    stem = uuid.uuid4().hex
    base_name = os.path.basename(name)[:255]
    with transaction.atomic():
        old = ProductImage.objects.filter(company=company, product=product, original_name=base_name).first()
        existing = ProductImage.objects.filter(company=company, product=product)
        if sort_order is None:
            sort_order = old.sort_order if old else (max([i.sort_order for i in existing] or [0]) + 1)
        has_main = existing.filter(is_main=True).exclude(pk=old.pk if old else None).exists()
        main = (not has_main) if make_main is None else make_main
        if main:
            existing.update(is_main=False)
        image = ProductImage(
            company=company, product=product, sort_order=sort_order, is_main=main or bool(old and old.is_main),
            original_name=base_name, size_bytes=len(checked.data), width=checked.width, height=checked.height,
        )
        image.image.save(f"{stem}.{checked.ext}", ContentFile(checked.data), save=False)
        image.thumbnail.save(f"{stem}_t.{thumb_ext}", ContentFile(thumb), save=False)
        image.save()
        if old:
            image_files_delete(old)
            old.delete()
    return image, old is not None


def product_image_set_main(*, company: Company, image: ProductImage) -> None:
    with transaction.atomic():
        ProductImage.objects.filter(company=company, product_id=image.product_id).update(is_main=False)
        ProductImage.objects.filter(company=company, pk=image.pk).update(is_main=True)


def product_image_move(*, company: Company, image: ProductImage, direction: int) -> None:
    """Move an image one place earlier (-1) or later (+1) in the product's order."""
    images = list(ProductImage.objects.filter(company=company, product_id=image.product_id).order_by("sort_order", "id"))
    idx = next(i for i, img in enumerate(images) if img.pk == image.pk)
    other = idx + (1 if direction > 0 else -1)
    if 0 <= other < len(images):
        images[idx], images[other] = images[other], images[idx]
    with transaction.atomic():
        for order, img in enumerate(images, start=1):
            if img.sort_order != order:
                ProductImage.objects.filter(pk=img.pk).update(sort_order=order)


def product_image_delete(*, company: Company, image: ProductImage) -> None:
    product_id, was_main = image.product_id, image.is_main
    with transaction.atomic():
        image.delete()
        if was_main:
            nxt = ProductImage.objects.filter(company=company, product_id=product_id).order_by("sort_order", "id").first()
            if nxt:
                ProductImage.objects.filter(pk=nxt.pk).update(is_main=True)
    image_files_delete(image)


def image_bulk_upload(*, company: Company, files: list) -> list[BulkResult]:
    """Store many images at once: each uploaded file (or each file inside an uploaded zip) is matched
    to a product by its name (`<product code>.jpg` = main image, `<product code>_<n>.jpg` = image n).
    Returns one result per file; a bad file never stops the others."""
    results: list[BulkResult] = []
    cache: dict[str, Product | None] = {}
    entries: list[tuple[str, bytes | None, str]] = []
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "file")
        if name.lower().endswith(".zip"):
            if getattr(f, "size", 0) > MAX_ZIP_BYTES:
                entries.append((name, None, _("%(name)s: 압축 파일은 300MB 이하만 올릴 수 있습니다.") % {"name": name}))
                continue
            entries.extend(iter_zip(name, f))
        else:
            if getattr(f, "size", 0) > MAX_IMAGE_BYTES:
                entries.append((name, None, _("%(name)s: 파일 크기가 %(size)s입니다. 이미지는 10MB 이하만 올릴 수 있습니다.") % {
                    "name": name, "size": mb(f.size)}))
                continue
            entries.append((name, f.read(MAX_IMAGE_BYTES + 1), ""))
    for name, data, error in entries:
        if data is None:
            results.append(BulkResult(name, False, error))
            continue
        product, n = match_product(company, name, cache)
        if product is None:
            results.append(BulkResult(name, False, _(
                "%(name)s: 파일 이름과 같은 상품코드의 상품이 없습니다. 파일 이름을 '상품코드.jpg' 또는 '상품코드_2.jpg'로 바꾸세요."
            ) % {"name": name}))
            continue
        try:
            checked = image_check(name, data)
            _img, replaced = product_image_add(
                company=company, product=product, name=name, data=data, checked=checked,
                sort_order=n if n is not None else 0, make_main=True if n is None else None,
            )
        except ImageRejected as exc:
            results.append(BulkResult(name, False, str(exc), product.code))
            continue
        msg = _("교체했습니다") if replaced else (_("대표 이미지로 등록했습니다") if n is None else _("%(n)s번 이미지로 등록했습니다") % {"n": n})
        results.append(BulkResult(name, True, msg, product.code))
    return results


# ---------------------------------------------------------------- Excel upload (CAT-9)

_TRUE = {"y", "yes", "true", "1", "o", "예", "함", "사용", "관리"}
_FALSE = {"n", "no", "false", "0", "x", "아니오", "안함", "사용안함", "미관리"}
_PRODUCT_KEYS = ("name", "seller_code", "brand", "category", "price", "cost", "tax_type", "status",
                 "inventory_managed", "memo")


def _yes_no(text: str) -> bool | None:
    t = (text or "").strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    return None


def _norm_path(text: str) -> str:
    return " > ".join(p.strip() for p in (text or "").split(">") if p.strip())


def product_upload_create(*, company: Company, user, file, apply_valid_rows: bool) -> ProductUpload:
    """Store an uploaded product Excel file and start the import job (validated again in the job)."""
    from .tasks import product_excel_import

    upload = ProductUpload(
        company=company, created_by=user, apply_valid_rows=apply_valid_rows,
        original_name=os.path.basename(file.name)[:255],
    )
    upload.file.save(f"{uuid.uuid4().hex}.xlsx", file, save=False)
    upload.save()
    run = product_excel_import.start(
        company=company, user=user, title=_("상품 엑셀등록: %(name)s") % {"name": upload.original_name},
        upload_id=upload.pk,
    )
    upload.job = run
    upload.save(update_fields=["job"])
    return upload


def product_upload_process(*, upload: ProductUpload, progress=None, log=None) -> dict:
    """Validate every row of an uploaded product file with the screen's rules and apply it.

    All products are saved inside one transaction (each in its own savepoint) so rules that span
    products (a barcode used twice in the file) are caught too. If any row fails, nothing is kept —
    unless the upload asked to apply valid rows; then every product whose rows are all valid is kept
    and the others are skipped. Errors are stored on the upload (row, column, value, message)."""
    from . import excel, selectors

    company = upload.company
    cols = {c.key: c.header for c in excel.columns()}
    maps = excel.label_maps()
    errors: list[dict] = []

    def err(row: int | None, key: str, message: str, value: str = "") -> None:
        errors.append({"row": row, "column": cols.get(key, key), "value": value, "message": message})

    try:
        with upload.file.open("rb") as fh:
            parsed = excel.read_upload(fh)
    except OSError:
        parsed = excel.ParsedFile([], {}, _("업로드한 파일을 찾을 수 없습니다. 다시 올리세요."))
    if parsed.error:
        err(None, "", parsed.error)
        upload.status = ProductUpload.Status.FAILED
        upload.errors = errors
        upload.error_rows = 0
        upload.save()
        return {"status": upload.status, "errors": 1}

    groups: dict[str, list] = {}
    for row in parsed.rows:
        code = row.values.get("code", "")
        if not code:
            err(row.number, "code", _("상품코드를 입력하세요."))
            continue
        groups.setdefault(code, []).append(row)

    path_to_id = {_norm_path(path): pk for pk, path in selectors.category_paths(company).items()}
    counts = {"created": 0, "updated": 0, "skipped": 0}
    total_groups = len(groups)
    with transaction.atomic():
        for gi, (code, rows) in enumerate(groups.items(), start=1):
            before = len(errors)
            existing = Product.objects.filter(company=company, code=code).first()
            form = _upload_product_form(company=company, code=code, rows=rows, existing=existing, err=err,
                                        cols=cols, maps=maps, path_to_id=path_to_id)
            axis_names, axes = _upload_axes(rows=rows, err=err)
            sku_rows = _upload_sku_rows(rows=rows, axis_names=axis_names, err=err, cols=cols, maps=maps)
            if len(errors) == before:
                _upload_product_save(company=company, existing=existing, form=form, axes=axes, rows=rows,
                                     sku_rows=sku_rows, err=err)
            if len(errors) == before:
                counts["updated" if existing else "created"] += 1
            else:
                counts["skipped"] += 1
            if progress:
                progress(gi, total_groups, **counts)
        applied = not errors or upload.apply_valid_rows
        if not applied:
            transaction.set_rollback(True)
    return _upload_finish(upload=upload, parsed=parsed, errors=errors, applied=applied, counts=counts,
                          total_groups=total_groups, log=log)


def _upload_product_form(*, company: Company, code: str, rows: list, existing: Product | None, err, cols: dict,
                         maps: dict, path_to_id: dict):
    """The product screen's form filled from one product's rows (over what the product has now);
    product-level values: first non-blank wins, a different non-blank value later is an error."""
    from .forms import ProductForm

    merged: dict[str, tuple[str, int]] = {}
    for row in rows:
        for key in _PRODUCT_KEYS:
            value = row.values.get(key, "")
            if not value:
                continue
            if key not in merged:
                merged[key] = (value, row.number)
            elif merged[key][0] != value:
                err(row.number, key, _("같은 상품코드(%(code)s)의 %(row)s행과 값이 다릅니다 ('%(a)s' ≠ '%(b)s').") % {
                    "code": code, "row": merged[key][1], "a": merged[key][0], "b": value}, value)
    first = rows[0].number
    data = {
        "code": code, "seller_code": existing.seller_code if existing else "",
        "name": existing.name if existing else "", "brand": existing.brand_id if existing else "",
        "category": existing.category_id if existing else "", "price": existing.price if existing else "",
        "cost": existing.cost if existing else 0, "tax_type": existing.tax_type if existing else TaxType.TAXABLE,
        "status": existing.status if existing else ProductStatus.ON_SALE,
        "inventory_managed": existing.inventory_managed if existing else True,
        "memo": existing.memo if existing else "",
    }
    for key, (value, number) in merged.items():
        if key == "brand":
            brand = brand_resolve(company=company, text=value)
            if brand is None:
                err(number, key, _("브랜드 '%(v)s'이(가) 공통코드(BRAND)에 없습니다.") % {"v": value}, value)
            else:
                data["brand"] = brand.pk
        elif key == "category":
            pk = path_to_id.get(_norm_path(value))
            if pk is None:
                err(number, key, _("분류 '%(v)s'을(를) 찾을 수 없습니다. 카테고리 화면에서 먼저 만드세요 (예: 의류 > 상의).") % {
                    "v": value}, value)
            else:
                data["category"] = pk
        elif key in ("tax_type", "status"):
            mapped = maps[key].get(value) or (value if value in maps[key].values() else None)
            if mapped is None:
                err(number, key, _("'%(v)s'은(는) 쓸 수 없습니다. %(allowed)s 중 하나를 적으세요.") % {
                    "v": value, "allowed": "/".join(maps[key])}, value)
            else:
                data[key] = mapped
        elif key == "inventory_managed":
            yn = _yes_no(value)
            if yn is None:
                err(number, key, _("재고관리는 Y 또는 N으로 적으세요."), value)
            else:
                data[key] = yn
        else:
            data[key] = value
    form_data = {k: v for k, v in data.items() if v is not None}
    if not form_data.get("inventory_managed"):
        form_data.pop("inventory_managed", None)  # unchecked checkbox
    form = ProductForm(data=form_data, company=company)
    if not form.is_valid():
        for fname, msgs in form.errors.items():
            for msg in msgs:
                err(merged.get(fname, ("", first))[1], fname if fname != "__all__" else "",
                    f"{cols.get(fname, fname)}: {msg}", str(form_data.get(fname, "")))
    return form


def _upload_axes(*, rows: list, err) -> tuple[list[str], list[dict]]:
    """Option axes from one product's rows (names from the first row that names them)."""
    axis_names: list[str] = []
    for i in range(1, 4):
        name = next((r.values.get(f"axis_name_{i}", "") for r in rows if r.values.get(f"axis_name_{i}")), "")
        axis_names.append(name)
    axes: list[dict] = []
    for i, name in enumerate(axis_names, start=1):
        if not name:
            continue
        values: list[str] = []
        for r in rows:
            other = r.values.get(f"axis_name_{i}", "")
            if other and other != name:
                err(r.number, f"axis_name_{i}", _("같은 상품의 옵션명%(i)s이(가) 행마다 다릅니다 ('%(a)s' ≠ '%(b)s').") % {
                    "i": i, "a": name, "b": other}, other)
            v = r.values.get(f"axis_value_{i}", "")
            if not v:
                err(r.number, f"axis_value_{i}", _("옵션 '%(name)s'의 값을 입력하세요.") % {"name": name})
            elif v not in values:
                values.append(v)
        axes.append({"name": name, "values": values})
    return axis_names, axes


def _upload_sku_rows(*, rows: list, axis_names: list[str], err, cols: dict, maps: dict) -> list[SkuRow]:
    """One SkuRow per valid file row, checked with the screen's SKU row form."""
    from .forms import SkuRowForm

    sku_rows: list[SkuRow] = []
    for r in rows:
        option_values = {}
        for i, name in enumerate(axis_names, start=1):
            if name:
                option_values[name] = r.values.get(f"axis_value_{i}", "")
        status_text = r.values.get("sku_status", "")
        sku_status = maps["sku_status"].get(status_text) or (status_text if status_text in maps["sku_status"].values()
                                                            else None)
        if status_text and sku_status is None:
            err(r.number, "sku_status", _("'%(v)s'은(는) 쓸 수 없습니다. %(allowed)s 중 하나를 적으세요.") % {
                "v": status_text, "allowed": "/".join(maps["sku_status"])}, status_text)
        gift = _yes_no(r.values.get("is_gift", "")) if r.values.get("is_gift") else None
        if r.values.get("is_gift") and gift is None:
            err(r.number, "is_gift", _("사은품은 Y 또는 N으로 적으세요."), r.values.get("is_gift", ""))
        sku_form = SkuRowForm(data={
            "code": r.values.get("sku_code", ""), "barcode": r.values.get("barcode", ""),
            "price_delta": r.values.get("price_delta", ""), "status": sku_status or "",
            "is_gift": "on" if gift else "", "safety_stock": r.values.get("safety_stock", ""),
            "reorder_point": r.values.get("reorder_point", ""),
        })
        key_map = {"code": "sku_code", "status": "sku_status"}
        if not sku_form.is_valid():
            for fname, msgs in sku_form.errors.items():
                key = key_map.get(fname, fname)
                for msg in msgs:
                    err(r.number, key, f"{cols.get(key, key)}: {msg}", r.values.get(key, ""))
            continue
        d = sku_form.cleaned_data
        sku_rows.append(SkuRow(
            option_values=option_values, code=d["code"], barcode=d["barcode"], price_delta=d["price_delta"],
            status=d["status"], is_gift=gift, safety_stock=d["safety_stock"],
            reorder_point=d["reorder_point"], is_set=None,
        ))
    return sku_rows


def _upload_product_save(*, company: Company, existing: Product | None, form, axes: list[dict], rows: list,
                         sku_rows: list[SkuRow], err) -> None:
    """Save one product in its own savepoint; its rule violations become row errors."""
    try:
        with transaction.atomic():
            product_save(company=company, product=existing, data=form.cleaned_data, axes=axes, rows=sku_rows)
    except CatalogError as exc:
        for e in exc.errors:
            if e.row is not None:
                number = rows[e.row].number
                key = {"code": "sku_code", "status": "sku_status", "option_values": "axis_value_1"}.get(
                    e.field, e.field)
            else:
                number = rows[0].number
                key = {"option_axes": "axis_name_1"}.get(e.field, e.field)
            err(number, key, e.message, e.value)


def _upload_finish(*, upload: ProductUpload, parsed, errors: list[dict], applied: bool, counts: dict,
                   total_groups: int, log) -> dict:
    """Store the outcome on the upload and log one summary line."""
    created, updated, skipped = counts["created"], counts["updated"], counts["skipped"]
    error_rows = len({e["row"] for e in errors if e["row"]})
    upload.total_rows = len(parsed.rows)
    upload.error_rows = error_rows
    upload.errors = errors[:5000]
    if not errors:
        upload.status = ProductUpload.Status.APPLIED
    elif applied and (created or updated):
        upload.status = ProductUpload.Status.PARTIAL
    else:
        upload.status = ProductUpload.Status.REJECTED
    if applied:
        upload.created_products, upload.updated_products, upload.skipped_products = created, updated, skipped
    else:
        upload.created_products = upload.updated_products = 0
        upload.skipped_products = total_groups
    upload.save()
    if log:
        log(_("전체 %(rows)s행, 신규 %(c)s · 수정 %(u)s · 제외 %(s)s 상품, 오류 %(e)s행") % {
            "rows": upload.total_rows, "c": upload.created_products, "u": upload.updated_products,
            "s": upload.skipped_products, "e": error_rows})
    return {"status": upload.status, "created": upload.created_products, "updated": upload.updated_products,
            "skipped": upload.skipped_products, "error_rows": error_rows}
