"""The product Excel upload (CAT-9): every row checked with the screen's rules, applied in one transaction."""

from __future__ import annotations

import os
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from marketdock.core.models import Company

from ..models import Product, ProductStatus, ProductUpload, TaxType
from .categories import brand_resolve
from .errors import CatalogError
from .products import SkuRow, product_save

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
    from ..tasks import product_excel_import

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
    from .. import excel, selectors

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
    from ..forms import ProductForm

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
    from ..forms import SkuRowForm

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
