"""Catalogue screens. Thin: parse input, call selectors/services, render."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import params
from marketdock.core.downloads import xlsx_response
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import excel, images, labels, options, selectors, services
from .forms import (
    CategoryForm,
    ExcelUploadForm,
    ImageBulkForm,
    ImageUploadForm,
    LabelForm,
    OptionAxesForm,
    ProductForm,
    SkuRowForm,
)
from .models import ProductStatus, ProductUpload, SKUStatus

PAGE_SIZES = (50, 100, 500)
SORT_CHOICES = (
    ("-created", gettext_lazy("최근 등록순")), ("-updated", gettext_lazy("최근 수정순")), ("code", gettext_lazy("상품코드순")), ("name", gettext_lazy("상품명순")),
    ("price", gettext_lazy("판매가 낮은순")), ("-price", gettext_lazy("판매가 높은순")),
)


# ---------------------------------------------------------------- product list


def _product_filters(request, company) -> dict:
    g = request.GET
    managed = g.get("managed", "")
    return {
        "q": g.get("q", "").strip(),
        "brand_id": params.id_param(g.get("brand")),
        "category_id": params.id_param(g.get("category")),
        "status": g.get("status", "") if g.get("status", "") in ProductStatus.values else "",
        "inventory_managed": {"1": True, "0": False}.get(managed),
        "sort": g.get("sort", "-created") or "-created",
    }


@screen_view("catalog.products")
def product_list(request):
    company = request.company
    results = None
    if request.method == "POST":
        ids = params.id_list(request.POST.getlist("product"))
        status = request.POST.get("status", "")
        if not ids:
            messages.error(request, _("상품을 하나 이상 선택하세요."))
        else:
            try:
                results = services.product_status_bulk(company=company, product_ids=ids, status=status)
                ok = sum(1 for r in results if r["ok"])
                messages.success(request, _("상태 변경: 성공 %(ok)s건, 실패 %(fail)s건") % {
                    "ok": ok, "fail": len(results) - ok})
            except services.CatalogError as exc:
                messages.error(request, str(exc))
    filters = _product_filters(request, company)
    qs = selectors.product_search(company, **filters).prefetch_related("images")
    size = params.size_param(request.GET.get("size"), PAGE_SIZES, 50)
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    return render(request, "catalog/product_list.html", {
        "page": page, "filters": filters, "size": size, "sizes": PAGE_SIZES, "results": results,
        "brands": selectors.brands(company), "categories": selectors.category_tree(company),
        "statuses": ProductStatus.choices, "category_paths": selectors.category_paths(company),
        "sort": filters["sort"], "sort_choices": SORT_CHOICES,
    })


@screen_view("catalog.products")
def product_export(request):
    company = request.company
    filters = _product_filters(request, company)
    qs = selectors.product_search(company, **filters).prefetch_related("skus")[:20000]
    wb = excel.export_workbook(qs, selectors.category_paths(company))
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    return xlsx_response(excel.workbook_bytes(wb), f"상품목록_{stamp}.xlsx")


# ---------------------------------------------------------------- product create / edit


def _rows_from_post(post, axes: list[dict]) -> tuple[list[dict], list[str]]:
    """The SKU grid rows as submitted, cleaned by SkuRowForm; problems as messages."""
    count = min(params.int_param(post.get("sku-count"), 0) or 0, options.MAX_COMBINATIONS)
    rows, problems = [], []
    for i in range(count):
        form = SkuRowForm(post, prefix=f"sku-{i}")
        if not form.is_valid():
            for field, errs in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                problems.extend(f"{i + 1}행 {label}: {e}" for e in errs)
            continue
        d = form.cleaned_data
        rows.append({
            "option_values": d["options"], "sku_id": d.get("id"), "code": d["code"], "barcode": d["barcode"],
            "price_delta": d["price_delta"], "status": d["status"], "is_set": d["is_set"], "is_gift": d["is_gift"],
            "safety_stock": d["safety_stock"], "reorder_point": d["reorder_point"],
        })
    return rows, problems


def _decorate(rows: list[dict], axes: list[dict], product_code: str, pattern: str) -> list[dict]:
    for n, row in enumerate(rows, start=1):
        row["n"] = n
        row["option_text"] = options.option_text(axes, row["option_values"])
        row["options_json"] = json.dumps(row["option_values"], ensure_ascii=False)
        row.setdefault("errors", [])
        if not row.get("placeholder"):
            row["placeholder"] = (
                product_code if not axes else
                options.sku_code(pattern, product_code=product_code or "?", n=n, axes=axes, values=row["option_values"])
            )
    return rows


def _merge_grid(axes, submitted: list[dict], existing, product_code: str, pattern: str) -> list[dict]:
    """Regenerate the full grid for new axes, keeping what was typed for combinations that stay."""
    grid = services.sku_grid_rows(axes=axes, existing=existing, product_code=product_code, pattern=pattern)
    typed = {options.option_key(r["option_values"]): r for r in submitted}
    for row in grid:
        prev = typed.get(row["option_key"])
        if prev:
            for key in ("sku_id", "code", "barcode", "price_delta", "status", "is_set", "is_gift", "safety_stock",
                        "reorder_point"):
                row[key] = prev.get(key, row[key])
    return grid


def _grid_from_skus(product) -> list[dict]:
    axes = product.option_axes or []
    rows = []
    for s in product.skus.all():
        if not _fits(s, axes):
            continue
        rows.append({
            "option_values": s.option_values or {}, "sku_id": s.pk, "code": s.code, "barcode": s.barcode,
            "price_delta": s.price_delta, "status": s.status, "is_set": s.is_set, "is_gift": s.is_gift,
            "safety_stock": s.safety_stock, "reorder_point": s.reorder_point, "sku": s,
        })
    return rows


def _fits(sku, axes) -> bool:
    values = sku.option_values or {}
    return set(values) == {a["name"] for a in axes} and all(values.get(a["name"]) in a["values"] for a in axes)


def _product_context(request, product, form, axes_form, rows, axes, pattern):
    company = request.company
    skus_by_id = {s.pk: s for s in product.skus.all()} if product else {}
    for row in rows:
        row["sku"] = skus_by_id.get(row.get("sku_id"))
    set_rows = []
    if product:
        for sku in product.skus.all():
            if sku.is_set:
                set_rows.append({"sku": sku, "components": list(selectors.set_component_rows(company, sku.pk))})
    leftovers = [s for s in skus_by_id.values() if s.pk not in {r.get("sku_id") for r in rows}]
    return {
        "product": product, "form": form, "axes_form": axes_form,
        "rows": _decorate(rows, axes, form["code"].value() or "", pattern),
        "sku_statuses": SKUStatus.choices, "set_rows": set_rows, "leftovers": leftovers,
        "images": list(selectors.product_images(company, product.pk)) if product else [],
        "image_form": ImageUploadForm(), "next": _next_url(request),
    }


def _code_from(text: str) -> str:
    """A product/SKU code from a seller code typed at a marketplace (no spaces or slashes)."""
    return re.sub(r"[\s/]+", "-", (text or "").strip()).strip("-")[:40]


def _axes_from_option(text: str) -> list[dict]:
    """Option axes from an order line's option text: '색상: 블랙 / 사이즈: M' → 색상=블랙, 사이즈=M;
    text without names → one axis 옵션 with that value."""
    text = " ".join((text or "").split())
    if not text:
        return []
    parts = [p.strip() for p in text.split("/") if p.strip()]
    named = [p.partition(":") for p in parts]
    if all(sep and name.strip() and value.strip() for name, sep, value in named) and len(named) <= options.MAX_AXES:
        axes = [{"name": name.strip()[:30], "values": [value.strip().replace(",", " ")]} for name, _s, value in named]
        if len({a["name"] for a in axes}) == len(axes):
            return axes
    return [{"name": _("옵션"), "values": [text.replace(",", " ")[:100]]}]


def _prefill(request) -> dict:
    """상품 등록 from an order line (미매칭): ?name=&option=&code=&option_code=&price= fill the new product."""
    get = request.GET
    code = _code_from(get.get("code", ""))
    initial = {"name": (get.get("name") or "").strip()[:200], "seller_code": (get.get("code") or "").strip()[:60],
               "code": code}
    price = get.get("price", "")
    if price.isdigit():
        initial["price"] = int(price)
    return {"initial": {k: v for k, v in initial.items() if v not in ("", None)},
            "axes": _axes_from_option(get.get("option", "")), "sku_code": _code_from(get.get("option_code", ""))}


def _next_url(request) -> str:
    return safe_next(request)


@screen_view("catalog.products")
def product_edit(request, pk: int | None = None):
    company = request.company
    product = get_or_404(selectors.product_get, company, pk) if pk else None
    if request.method != "POST":
        prefill = _prefill(request) if product is None else {"initial": {}, "axes": [], "sku_code": ""}
        form = ProductForm(instance=product, company=company, initial=prefill["initial"])
        axes = product.option_axes if product else prefill["axes"]
        axes_form = OptionAxesForm(initial=OptionAxesForm.initial_from_axes(axes))
        if product:
            rows = _grid_from_skus(product)
        else:
            rows = services.sku_grid_rows(axes=axes, existing=[], product_code=prefill["initial"].get("code", ""))
            if len(rows) == 1 and prefill["sku_code"]:
                rows[0]["code"] = prefill["sku_code"]
        return render(request, "catalog/product_form.html", _product_context(request, product, form, axes_form, rows, axes, ""))

    form = ProductForm(request.POST, instance=product, company=company)
    axes_form = OptionAxesForm(request.POST)
    axes_ok = axes_form.is_valid()
    axes = axes_form.cleaned_data.get("axes", []) if axes_ok else (product.option_axes if product else [])
    pattern = axes_form.cleaned_data.get("code_pattern", "") if axes_ok else ""
    submitted, problems = _rows_from_post(request.POST, axes)
    existing = list(product.skus.all()) if product else []
    code = (request.POST.get("code") or "").strip()
    combos = {options.option_key(c) for c in options.combinations(axes)}
    grid_changed = {options.option_key(r["option_values"]) for r in submitted} != combos
    regenerate = request.POST.get("action") == "regenerate"
    if axes_ok and regenerate:  # 단품 목록 만들기: show the new grid, save nothing
        rows = _merge_grid(axes, submitted, existing, code, pattern)
        ctx = _product_context(request, product, form, axes_form, rows, axes, pattern)
        if request.htmx:
            return render(request, "catalog/_sku_grid.html", ctx)
        return render(request, "catalog/product_form.html", ctx)
    rebuilt = axes_ok and grid_changed
    # 저장 with changed options saves in one click: the grid is rebuilt for the new options (what was
    # typed for combinations that stay is kept) and the message says what the rebuild did
    rows = _merge_grid(axes, submitted, existing, code, pattern) if rebuilt else submitted
    form_ok = form.is_valid()
    if not (form_ok and axes_ok) or problems:
        for p in problems:
            form.add_error(None, p)
        return render(request, "catalog/product_form.html",
                      _product_context(request, product, form, axes_form, rows, axes, pattern), status=400)
    sku_rows = [
        services.SkuRow(**{k: r[k] for k in ("option_values", "sku_id", "code", "barcode", "price_delta", "status",
                                              "is_set", "is_gift", "safety_stock", "reorder_point")})
        for r in rows
    ]
    try:
        saved = services.product_save(company=company, product=product, data=form.cleaned_data, axes=axes,
                                      rows=sku_rows, code_pattern=pattern)
    except services.CatalogError as exc:
        for e in exc.errors:
            if e.row is not None and e.row < len(rows):
                rows[e.row].setdefault("errors", []).append(e.message)
            elif e.field in form.fields:
                form.add_error(e.field, e.message)
            elif e.field in ("option_axes", "code_pattern"):
                axes_form.add_error(None, e.message)
            else:
                form.add_error(None, e.message)
        return render(request, "catalog/product_form.html",
                      _product_context(request, product, form, axes_form, rows, axes, pattern), status=400)
    messages.success(request, _("상품 %(code)s을(를) 저장했습니다 (단품 %(n)s개).") % {
        "code": saved.code, "n": saved.skus.exclude(status=SKUStatus.INACTIVE).count()})
    if rebuilt and existing:
        messages.info(request, _rebuild_summary(existing, saved))
    if product is None and _next_url(request):  # registered from another screen (미매칭): back there
        return redirect(_next_url(request))
    return redirect("catalog:product_edit", pk=saved.pk)


def _rebuild_summary(before: list, saved) -> str:
    """What rebuilding the SKU list for changed options did, in words: new SKUs, SKUs left out
    (deleted, or 사용안함 when something refers to them) and SKUs kept."""
    now = {s.pk: s for s in saved.skus.all()}
    old_ids = {s.pk for s in before}
    added = [s.code for pk, s in now.items() if pk not in old_ids]
    stopped = [s.code for s in before if s.pk in now and now[s.pk].status == SKUStatus.INACTIVE
               and s.status != SKUStatus.INACTIVE]
    deleted = [s.code for s in before if s.pk not in now]
    kept = len(old_ids & set(now)) - len(stopped)

    def names(codes: list[str]) -> str:
        return ", ".join(codes[:5]) + (_(" 외 %(n)s개") % {"n": len(codes) - 5} if len(codes) > 5 else "")

    parts = [_("옵션이 바뀌어 단품 목록을 다시 만들었습니다.")]
    if added:
        parts.append(_("새 단품 %(n)s개: %(codes)s.") % {"n": len(added), "codes": names(added)})
    if stopped:
        parts.append(_("사용안함으로 바꾼 단품 %(n)s개 (주문·재고 기록이 있어 남겨 둠): %(codes)s.")
                     % {"n": len(stopped), "codes": names(stopped)})
    if deleted:
        parts.append(_("삭제한 단품 %(n)s개: %(codes)s.") % {"n": len(deleted), "codes": names(deleted)})
    parts.append(_("그대로 둔 단품 %(n)s개.") % {"n": kept})
    return " ".join(str(p) for p in parts)


@screen_view("catalog.products", write=True)
def product_delete(request, pk: int):
    product = get_or_404(selectors.product_get, request.company, pk)
    if request.method != "POST":
        return redirect("catalog:product_edit", pk=pk)
    try:
        services.product_delete(company=request.company, product=product)
    except services.CatalogError as exc:
        messages.error(request, str(exc))
        return redirect("catalog:product_edit", pk=pk)
    messages.success(request, _("상품 %(code)s을(를) 삭제했습니다.") % {"code": product.code})
    return redirect("catalog:product_list")


@screen_view("catalog.products", write=True)
def sku_set(request, pk: int):
    sku = get_or_404(selectors.sku_get, request.company, pk)
    if request.method != "POST":
        return redirect("catalog:product_edit", pk=sku.product_id)
    refs = request.POST.getlist("component")
    qtys = request.POST.getlist("quantity")
    pairs = [(r, qtys[i] if i < len(qtys) else "1") for i, r in enumerate(refs)]
    try:
        services.set_components_replace(company=request.company, set_sku=sku, components=pairs)
        messages.success(request, _("세트 %(code)s의 구성을 저장했습니다.") % {"code": sku.code})
    except services.CatalogError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect(reverse("catalog:product_edit", args=[sku.product_id]) + "#sets")


# ---------------------------------------------------------------- images


@screen_view("catalog.products", write=True)
def product_images(request, pk: int):
    product = get_or_404(selectors.product_get, request.company, pk)
    if request.method != "POST":
        return redirect("catalog:product_edit", pk=pk)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("올릴 이미지 파일을 선택하세요."))
    else:
        for f in form.cleaned_data["files"]:
            try:
                if f.size > images.MAX_IMAGE_BYTES:
                    raise images.ImageRejected(_("%(name)s: 파일 크기가 %(size)s입니다. 이미지는 10MB 이하만 올릴 수 있습니다.") % {
                        "name": f.name, "size": images.mb(f.size)})
                services.product_image_add(company=request.company, product=product, name=f.name, data=f.read())
                messages.success(request, _("%(name)s: 등록했습니다.") % {"name": f.name})
            except images.ImageRejected as exc:
                messages.error(request, str(exc))
    return redirect(reverse("catalog:product_edit", args=[pk]) + "#images")


@screen_view("catalog.products", write=True)
def image_action(request, pk: int):
    image = get_or_404(selectors.product_image_get, request.company, pk)
    product_id = image.product_id
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "main":
            services.product_image_set_main(company=request.company, image=image)
        elif action in ("up", "down"):
            services.product_image_move(company=request.company, image=image, direction=-1 if action == "up" else 1)
        elif action == "delete":
            services.product_image_delete(company=request.company, image=image)
            messages.success(request, _("이미지를 삭제했습니다."))
    return redirect(reverse("catalog:product_edit", args=[product_id]) + "#images")


@screen_view("catalog.images")
def image_bulk(request):
    results = None
    form = ImageBulkForm()
    if request.method == "POST":
        form = ImageBulkForm(request.POST, request.FILES)
        if form.is_valid():
            results = services.image_bulk_upload(company=request.company, files=form.cleaned_data["files"])
            ok = sum(1 for r in results if r.ok)
            messages.info(request, _("이미지 일괄등록: 성공 %(ok)s건, 실패 %(fail)s건") % {"ok": ok, "fail": len(results) - ok})
            form = ImageBulkForm()
        else:
            messages.error(request, _("올릴 파일을 선택하세요."))
    return render(request, "catalog/image_bulk.html", {"form": form, "results": results})


# ---------------------------------------------------------------- barcodes


@screen_view("catalog.barcodes")
def barcodes(request):
    q = request.GET.get("q", "").strip()
    qs = selectors.sku_search(request.company, q=q)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "catalog/barcodes.html", {"page": page, "q": q})


@screen_view("catalog.barcodes", write=True)
def barcode_update(request, pk: int):
    sku = get_or_404(selectors.sku_get, request.company, pk)
    if request.method != "POST":
        return redirect("catalog:barcodes")
    error = ""
    value = request.POST.get("barcode", "")
    try:
        services.sku_barcode_update(company=request.company, sku=sku, barcode=value)
        saved = True
    except services.CatalogError as exc:
        error, saved = str(exc), False
        sku.barcode = value
    if request.htmx:
        return render(request, "catalog/_barcode_row.html", {"sku": sku, "error": error, "saved": saved},
                      status=200 if saved else 422)
    (messages.success if saved else messages.error)(request, _("바코드를 저장했습니다.") if saved else error)
    return redirect(reverse("catalog:barcodes") + f"?q={sku.code}")


# ---------------------------------------------------------------- categories


@screen_view("catalog.categories")
def category_list(request):
    company = request.company
    form = CategoryForm(company=company)
    if request.method == "POST":
        form = CategoryForm(request.POST, company=company)
        if form.is_valid():
            d = form.cleaned_data
            try:
                c = services.category_create(company=company, name=d["name"], parent=d["parent"],
                                             sort_order=d.get("sort_order") or 0)
                messages.success(request, _("분류 '%(name)s'을(를) 추가했습니다.") % {"name": c.name})
                return redirect("catalog:category_list")
            except services.CatalogError as exc:
                form.add_error(None, str(exc))
    nodes = selectors.category_tree(company)
    edit_forms = {
        n.category.pk: CategoryForm(company=company, exclude_id=n.category.pk, prefix=f"c{n.category.pk}",
                                    initial={"name": n.category.name, "parent": n.category.parent_id,
                                             "sort_order": n.category.sort_order})
        for n in nodes
    } if request.can_write else {}
    for n in nodes:
        n.form = edit_forms.get(n.category.pk)
    return render(request, "catalog/categories.html", {"form": form, "nodes": nodes},
                  status=400 if form.errors else 200)


@screen_view("catalog.categories", write=True)
def category_update(request, pk: int):
    company = request.company
    category = get_or_404(selectors.category_get, company, pk)
    if request.method != "POST":
        return redirect("catalog:category_list")
    form = CategoryForm(request.POST, company=company, exclude_id=pk, prefix=f"c{pk}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.category_update(company=company, category=category, name=d["name"], parent=d["parent"],
                                     sort_order=d.get("sort_order"))
            messages.success(request, _("분류를 수정했습니다."))
        except services.CatalogError as exc:
            messages.error(request, str(exc))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("catalog:category_list")


@screen_view("catalog.categories", write=True)
def category_delete(request, pk: int):
    company = request.company
    category = get_or_404(selectors.category_get, company, pk)
    if request.method == "POST":
        try:
            services.category_delete(company=company, category=category)
            messages.success(request, _("분류 '%(name)s'을(를) 삭제했습니다.") % {"name": category.name})
        except services.CatalogError as exc:
            messages.error(request, str(exc))
    return redirect("catalog:category_list")


# ---------------------------------------------------------------- Excel


@screen_view("catalog.excel")
def excel_page(request):
    form = ExcelUploadForm()
    if request.method == "POST":
        form = ExcelUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = services.product_upload_create(
                company=request.company, user=request.user, file=form.cleaned_data["file"],
                apply_valid_rows=form.cleaned_data["apply_valid_rows"],
            )
            return redirect("catalog:excel_upload", pk=upload.pk)
    recent = selectors.uploads(request.company)[:20]
    return render(request, "catalog/excel.html", {"form": form, "uploads": recent},
                  status=400 if form.errors else 200)


@screen_view("catalog.excel")
def excel_template(request):
    return xlsx_response(excel.workbook_bytes(excel.template_workbook()), "상품등록양식.xlsx")


@screen_view("catalog.excel", log=False)
def excel_upload(request, pk: int):
    upload = get_or_404(selectors.upload_get, request.company, pk)
    ctx = {"upload": upload, "run": upload.job, "errors": upload.errors[:500],
           "finished": upload.status != ProductUpload.Status.PENDING}
    if request.htmx:
        return render(request, "catalog/_upload_status.html", ctx)
    return render(request, "catalog/excel_upload.html", ctx)


@screen_view("catalog.excel")
def excel_errors(request, pk: int):
    upload = get_or_404(selectors.upload_get, request.company, pk)
    return xlsx_response(excel.errors_workbook_bytes(upload.errors), f"상품엑셀_오류_{upload.pk}.xlsx")


# ---------------------------------------------------------------- labels


@screen_view("catalog.labels")
def labels_page(request):
    company = request.company
    q = request.GET.get("q", "").strip()
    ids = params.id_list(request.GET.getlist("sku"))
    product_ids = params.id_list(request.GET.getlist("product"))
    if request.method == "POST":
        form = LabelForm(request.POST)
        items = []
        chosen = params.id_list(request.POST.getlist("sku"))
        skus = {s.pk: s for s in selectors.sku_search(company, ids=chosen)}
        for pk in chosen:
            sku = skus.get(pk)
            qty = params.int_param(request.POST.get(f"qty-{pk}"), 0) or 0
            if sku and qty > 0:
                items.append(labels.LabelItem(barcode=sku.barcode, name=sku.product.name, option_text=sku.option_text,
                                              code=sku.code, quantity=min(qty, labels.MAX_LABELS)))
        total = sum(i.quantity for i in items)
        if not form.is_valid() or not items:
            messages.error(request, _("인쇄할 단품과 수량(1 이상)을 선택하세요.") if form.is_valid() else _("용지를 선택하세요."))
        elif total > labels.MAX_LABELS:
            messages.error(request, _("한 번에 %(max)s장까지 인쇄할 수 있습니다 (요청 %(n)s장).") % {"max": labels.MAX_LABELS, "n": total})
        else:
            pdf = labels.labels_pdf(items, layout=form.cleaned_data["layout"], with_qr=form.cleaned_data["with_qr"],
                                    skip=form.cleaned_data.get("skip") or 0, title=_("바코드 라벨"))
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="labels_{timezone.localtime():%Y%m%d_%H%M}.pdf"'
            return response
    else:
        form = LabelForm()
    skus = []
    if q or ids or product_ids:
        qs = selectors.sku_search(company, q=q, ids=ids or None)
        if product_ids:
            qs = qs.filter(product_id__in=product_ids)
        skus = list(qs[:300])
    return render(request, "catalog/labels.html", {"form": form, "skus": skus, "q": q,
                                                   "ean": {s.pk: labels.is_ean13(s.barcode) for s in skus}})
