"""A product and its SKU grid saved together (product_save), bulk status, deletion."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketdock.catalog.hooks import sku_availability_changed
from marketdock.core.models import Company

from .. import options as opt
from ..hooks import sku_codes_added
from ..images import image_files_delete
from ..models import SKU, Product, ProductStatus, SetComponent, SKUStatus
from .errors import BARCODE_RE, UNAVAILABLE, CatalogError, FieldError, _check_code

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
