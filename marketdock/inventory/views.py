"""Inventory screens. Views parse the request, call selectors/services and render; nothing else."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKUStatus
from marketdock.core import downloads, params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import exports, selectors, services, tasks
from .charts import stock_history_chart
from .forms import (
    AdjustForm,
    CountSheetForm,
    InboundForm,
    ThresholdForm,
    TransferForm,
    WarehouseForm,
    XlsxUploadForm,
)
from .models import CountSheet, InboundOrder, MovementKind

PAGE_SIZES = (50, 100, 500)


def _page(request, qs, default: int = 50):
    size = params.id_param(request.GET.get("size")) or default
    if size not in PAGE_SIZES:
        size = default
    return Paginator(qs, size).get_page(request.GET.get("page")), size


def _period(request, default_days: int | None = None) -> tuple[date | None, date | None]:
    date_from, date_to = params.date_param(request.GET.get("from")), params.date_param(request.GET.get("to"))
    if default_days is not None and "from" not in request.GET and "to" not in request.GET:
        today = timezone.localdate()
        date_from, date_to = today - timedelta(days=default_days), today
    return date_from, date_to


def _quick_periods() -> list[tuple[str, str, str]]:
    today = timezone.localdate()
    return [
        (_("오늘"), today.isoformat(), today.isoformat()),
        (_("3일"), (today - timedelta(days=2)).isoformat(), today.isoformat()),
        (_("7일"), (today - timedelta(days=6)).isoformat(), today.isoformat()),
        (_("1개월"), (today - timedelta(days=30)).isoformat(), today.isoformat()),
    ]


# --- 재고현황 -------------------------------------------------------------------------------------


@screen_view("inventory.stock")
def stock(request):
    company = request.company
    whs = list(selectors.warehouses_active(company))
    warehouse_id = params.id_param(request.GET.get("warehouse"))
    filters = {
        "q": request.GET.get("q", "").strip(),
        "warehouse_id": warehouse_id,
        "status": request.GET.get("status", ""),
        "in_stock": request.GET.get("in_stock") == "1",
        "low": request.GET.get("low") == "1",
        "sort": request.GET.get("sort", "code"),
    }
    shown_whs = [] if warehouse_id else whs
    qs = selectors.stock_grid(company, per_warehouse=shown_whs, **filters)
    if request.GET.get("export") == "xlsx":
        headers = [_("SKU코드"), _("바코드"), _("상품명"), _("옵션")] + [f"{w.name} {_('가용')}" for w in shown_whs] + [
            _("현재고"), _("예약"), _("가용"), _("쇼핑몰 노출 가용"), _("입고예정"), _("안전재고"), _("발주점")]
        rows = (
            [s.code, s.barcode, s.product.name, s.option_text] + [getattr(s, f"wh_{w.pk}") for w in shown_whs]
            + [s.on_hand, s.reserved, s.available, s.channel_available, s.expected, s.safety_stock, s.reorder_point]
            for s in qs.iterator(chunk_size=500)
        )
        return exports.xlsx_response(_("재고현황"), exports.workbook_bytes(_("재고현황"), headers, rows))
    page, size = _page(request, qs)
    for row in page:
        row.wh_values = [getattr(row, f"wh_{w.pk}") for w in shown_whs]
    return render(request, "inventory/stock.html", {
        "page": page, "size": size, "page_sizes": PAGE_SIZES, "warehouses": whs, "shown_warehouses": shown_whs,
        "f": filters, "statuses": SKUStatus.choices,
    })


@screen_view("inventory.stock")
def stock_reconcile(request):
    if request.method != "POST":
        return redirect("inventory:stock")
    run = tasks.reconcile_stock.start(company=request.company, user=request.user, title=_("재고 재계산"))
    messages.info(request, _("재고 재계산을 시작했습니다. 결과는 작업 현황에서 확인하세요."))
    return redirect("core:job_detail", run.pk)


@screen_view("inventory.stock")
def sku_stock(request, sku_id: int):
    company = request.company
    sku = get_or_404(selectors.sku_get, company, sku_id)
    adjust_form = AdjustForm(company=company, prefix="adj")
    threshold_form = ThresholdForm(prefix="th", initial={"safety_stock": sku.safety_stock,
                                                          "reorder_point": sku.reorder_point})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "adjust":
            adjust_form = AdjustForm(request.POST, company=company, prefix="adj")
            if adjust_form.is_valid():
                d = adjust_form.cleaned_data
                try:
                    services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=d["warehouse"].pk,
                                          quantity=d["quantity"], reason=d["reason"], user=request.user)
                except services.StockError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("재고를 조정했습니다."))
                    return redirect("inventory:sku_stock", sku.pk)
        elif action == "thresholds":
            threshold_form = ThresholdForm(request.POST, prefix="th")
            if threshold_form.is_valid():
                services.sku_thresholds_update(company=company, sku=sku, **threshold_form.cleaned_data)
                messages.success(request, _("안전재고와 발주점을 저장했습니다."))
                return redirect("inventory:sku_stock", sku.pk)
        else:
            messages.error(request, _("알 수 없는 요청입니다."))
    days = params.id_param(request.GET.get("days")) or 90
    if days not in (30, 90, 365):
        days = 90
    warehouse_id = params.id_param(request.GET.get("warehouse"))
    history = selectors.sku_history(company, sku, days=days, warehouse_id=warehouse_id)
    levels = list(selectors.sku_levels(company, sku))
    return render(request, "inventory/sku_stock.html", {
        "sku": sku, "levels": levels,
        "totals": {"on_hand": sum(lv.on_hand for lv in levels), "reserved": sum(lv.reserved for lv in levels),
                   "available": sum(lv.available for lv in levels)},
        "expected": selectors.expected_for_sku(company, sku),
        "chart": stock_history_chart(history, label=_("%(code)s 현재고 추이") % {"code": sku.code}),
        "history": history, "days": days, "warehouse_id": warehouse_id,
        "warehouses": selectors.warehouses(company),
        "movements": selectors.movements(company, sku_id=sku.pk)[:50],
        "adjust_form": adjust_form, "threshold_form": threshold_form,
    })


# --- 재고수불부 -----------------------------------------------------------------------------------


@screen_view("inventory.ledger")
def ledger(request):
    company = request.company
    date_from, date_to = _period(request, default_days=30)
    filters = {
        "date_from": date_from, "date_to": date_to, "warehouse_id": params.id_param(request.GET.get("warehouse")),
        "kind": request.GET.get("kind", ""), "q": request.GET.get("q", "").strip(),
        "reference": request.GET.get("reference", "").strip(), "sku_id": params.id_param(request.GET.get("sku")),
    }
    qs = selectors.movements(company, **filters)
    if request.GET.get("export") == "xlsx":
        headers = [_("일시"), _("구분"), _("SKU코드"), _("상품명"), _("옵션"), _("창고"), _("수량"), _("예약 변동"),
                   _("현재고(후)"), _("예약(후)"), _("사유"), _("참조"), _("작업자")]
        rows = (
            [timezone.localtime(m.created_at).strftime("%Y-%m-%d %H:%M"), m.get_kind_display(), m.sku.code,
             m.sku.product.name, m.sku.option_text, m.warehouse.name, m.quantity, m.reserved_change, m.on_hand_after,
             m.reserved_after, m.reason, m.reference, str(m.user or "")]
            for m in qs.iterator(chunk_size=500)
        )
        return exports.xlsx_response(_("재고수불부"), exports.workbook_bytes(_("재고수불부"), headers, rows))
    page, size = _page(request, qs)
    return render(request, "inventory/ledger.html", {
        "page": page, "size": size, "page_sizes": PAGE_SIZES, "f": filters, "kinds": MovementKind.choices,
        "warehouses": selectors.warehouses(company), "quick_periods": _quick_periods(),
    })


# --- 창고관리 -------------------------------------------------------------------------------------


@screen_view("inventory.warehouses")
def warehouse_list(request):
    return render(request, "inventory/warehouse_list.html", {"warehouses": selectors.warehouses(request.company)})


def _warehouse_form(request, warehouse=None):
    company = request.company
    form = WarehouseForm(request.POST or None, instance=warehouse, company=company)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS}
        try:
            saved = services.warehouse_save(company=company, warehouse=warehouse, **values)
        except services.StockError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(name)s 창고를 저장했습니다.") % {"name": saved.name})
            return redirect("inventory:warehouse_list")
    return render(request, "inventory/warehouse_form.html", {"form": form, "warehouse": warehouse})


@screen_view("inventory.warehouses")
def warehouse_create(request):
    return _warehouse_form(request)


@screen_view("inventory.warehouses")
def warehouse_edit(request, pk: int):
    warehouse = get_or_404(selectors.warehouse_get, request.company, pk)
    return _warehouse_form(request, warehouse)


# --- 입고관리 -------------------------------------------------------------------------------------


@screen_view("inventory.inbound")
def inbound_list(request):
    company = request.company
    date_from, date_to = _period(request)
    filters = {"status": request.GET.get("status", ""), "warehouse_id": params.id_param(request.GET.get("warehouse")),
               "q": request.GET.get("q", "").strip(), "date_from": date_from, "date_to": date_to}
    page, size = _page(request, selectors.inbounds(company, **filters))
    return render(request, "inventory/inbound_list.html", {
        "page": page, "size": size, "page_sizes": PAGE_SIZES, "f": filters, "statuses": InboundOrder.Status.choices,
        "warehouses": selectors.warehouses(company), "quick_periods": _quick_periods(),
    })


@screen_view("inventory.inbound")
def inbound_create(request):
    company = request.company
    form = InboundForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inbound = services.inbound_create(
                company=company, warehouse=d["warehouse"], lines=d["lines"], user=request.user, supplier=d["supplier"],
                supplier_name=d["supplier_name"], expected_date=d["expected_date"], memo=d["memo"],
                registered=d["registered"],
            )
        except services.StockError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("입고 %(no)s를 등록했습니다.") % {"no": inbound.number})
            return redirect("inventory:inbound_detail", inbound.pk)
    return render(request, "inventory/inbound_form.html", {"form": form})


@screen_view("inventory.inbound")
def inbound_detail(request, pk: int):
    company = request.company
    inbound = get_or_404(selectors.inbound_get, company, pk)
    lines = list(selectors.inbound_lines(company, inbound))
    errors: dict[int, str] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "register":
                services.inbound_register(company=company, inbound=inbound, user=request.user)
                messages.success(request, _("입고등록으로 바꿨습니다."))
                return redirect("inventory:inbound_detail", inbound.pk)
            if action == "cancel":
                services.inbound_cancel(company=company, inbound=inbound, user=request.user)
                messages.success(request, _("입고를 취소했습니다."))
                return redirect("inventory:inbound_detail", inbound.pk)
            if action == "confirm":
                quantities: dict[int, int] = {}
                for line in lines:
                    raw = request.POST.get(f"confirm_{line.pk}", "").strip().replace(",", "")
                    if raw == "":
                        continue
                    if not raw.isdigit():
                        errors[line.pk] = _("0 이상의 정수를 입력하세요: %(v)s") % {"v": raw}
                        continue
                    quantities[line.pk] = int(raw)
                if not errors:
                    inbound = services.inbound_confirm(company=company, inbound=inbound, quantities=quantities,
                                                       user=request.user)
                    messages.success(request, _("입고를 확정했습니다 (%(s)s). 재고에 바로 반영되었습니다.") % {
                        "s": inbound.get_status_display()})
                    return redirect("inventory:inbound_detail", inbound.pk)
                messages.error(request, _("확정수량을 확인하세요."))
            else:
                messages.error(request, _("알 수 없는 요청입니다."))
        except services.StockError as exc:
            messages.error(request, str(exc))
    for line in lines:
        posted = request.POST.get(f"confirm_{line.pk}") if request.method == "POST" else None
        line.confirm_value = posted if posted is not None else line.remaining
        line.error = errors.get(line.pk, "")
    return render(request, "inventory/inbound_detail.html", {"inbound": inbound, "lines": lines})


INBOUND_TEMPLATE_HEADERS = services.INBOUND_XLSX_HEADERS
ROW_ERRORS_SHOWN = 20
# Bigger 입고확정 files run as a job with a progress bar (the page would otherwise wait on them).
INBOUND_JOB_ROWS = 2_000
INBOUND_JOB_BYTES = 256 * 1024


def _inbound_upload_job(request, data: bytes, name: str):
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .tasks import inbound_xlsx_confirm

    path = default_storage.save(f"inventory/{request.company.pk}/uploads/{uuid.uuid4().hex}.xlsx", ContentFile(data))
    run = inbound_xlsx_confirm.start(company=request.company, user=request.user,
                                     title=_("엑셀 입고확정: %(name)s") % {"name": name[:80]}, path=path, name=name[:200])
    return redirect("core:job_detail", run.pk)


def _row_errors_keep(request, key: str, errors) -> dict:
    """An upload's row errors: the first few for the page, all of them (bounded by the reader) kept
    in the session for the downloadable report."""
    rows = [{"row": e.row, "column": str(e.column), "value": "" if e.value is None else str(e.value)[:200],
             "message": str(e.message)} for e in errors]
    request.session[f"upload-errors:{key}"] = rows
    return {"row_errors": rows[:ROW_ERRORS_SHOWN], "row_errors_total": len(rows),
            "row_errors_url": f"{request.path}?errors=xlsx"}


def _row_errors_download(request, key: str, name: str):
    rows = request.session.get(f"upload-errors:{key}")
    if rows is None:
        raise Http404(_("내려받을 오류 목록이 없습니다. 파일을 다시 올리세요."))
    return exports.xlsx_response(name, downloads.errors_workbook_bytes(rows))


@screen_view("inventory.inbound")
def inbound_upload(request):
    company = request.company
    if request.GET.get("template") == "1":
        rows = []
        for inbound in selectors.inbounds(company, status="open")[:200]:
            for line in selectors.inbound_lines(company, inbound):
                rows.append([inbound.number, line.sku.code, line.remaining])
        data = exports.workbook_bytes(_("입고확정"), [str(h) for h in INBOUND_TEMPLATE_HEADERS], rows, widths=(20, 26, 12))
        return exports.xlsx_response(_("입고확정_양식"), data)
    if request.GET.get("errors") == "xlsx":
        return _row_errors_download(request, "inbound", _("입고확정_오류"))
    form = XlsxUploadForm(request.POST or None, request.FILES or None)
    row_errors = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            declared = services.inbound_xlsx_precheck(data)
            if (declared or 0) > INBOUND_JOB_ROWS or len(data) > INBOUND_JOB_BYTES:
                return _inbound_upload_job(request, data, form.cleaned_data["file"].name)
            result = services.inbound_confirm_xlsx(company=company, data=data, user=request.user)
        except services.ExcelRejected as exc:
            row_errors = _row_errors_keep(request, "inbound", exc.errors)
            messages.error(request, str(exc))
        except services.StockError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(rows)s행, 입고 %(n)s건, 수량 %(q)s개를 확정했습니다.") % {
                "rows": result["rows"], "n": result["inbounds"], "q": result["quantity"]})
            return redirect("inventory:inbound_list")
    return render(request, "inventory/inbound_upload.html", {"form": form, **(row_errors or {})})


# --- 재고실사 -------------------------------------------------------------------------------------


@screen_view("inventory.counts")
def count_list(request):
    company = request.company
    form = CountSheetForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            sheet = services.count_sheet_create(company=company, warehouse=form.cleaned_data["warehouse"],
                                                user=request.user, memo=form.cleaned_data["memo"])
        except services.StockError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("실사표 %(no)s를 만들었습니다.") % {"no": sheet.number})
            return redirect("inventory:count_detail", sheet.pk)
    filters = {"status": request.GET.get("status", ""), "warehouse_id": params.id_param(request.GET.get("warehouse"))}
    page, size = _page(request, selectors.count_sheets(company, **filters))
    return render(request, "inventory/count_list.html", {
        "page": page, "size": size, "page_sizes": PAGE_SIZES, "f": filters, "form": form,
        "statuses": CountSheet.Status.choices, "warehouses": selectors.warehouses(company),
    })


COUNT_HEADERS = services.COUNT_XLSX_HEADERS


@screen_view("inventory.counts")
def count_detail(request, pk: int):
    company = request.company
    sheet = get_or_404(selectors.count_sheet_get, company, pk)
    if request.GET.get("export") == "xlsx":
        rows = ([line.sku.code, line.sku.barcode, line.sku.product.name, line.sku.option_text, line.system_quantity,
                 line.counted_quantity] for line in selectors.count_lines(company, sheet))
        data = exports.workbook_bytes(sheet.number, [str(h) for h in COUNT_HEADERS], rows, widths=(20, 18, 30, 16, 10, 10))
        return exports.xlsx_response(_("재고실사_%(no)s") % {"no": sheet.number}, data)
    if request.GET.get("errors") == "xlsx":
        return _row_errors_download(request, f"count-{sheet.pk}", _("재고실사_%(no)s_오류") % {"no": sheet.number})
    upload_form = XlsxUploadForm()
    row_errors, line_errors = None, {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                counts: dict[int, int | None] = {}
                for key, raw in request.POST.items():
                    if not key.startswith("count_"):
                        continue
                    line_id = params.id_param(key[6:])
                    raw = raw.strip().replace(",", "")
                    if line_id is None:
                        continue
                    if raw == "":
                        counts[line_id] = None
                    elif params.int_param(raw, min_value=0) is not None:
                        counts[line_id] = params.int_param(raw, min_value=0)
                    else:
                        line_errors[line_id] = _("0 이상의 정수를 입력하세요 (최대 %(max)s): %(v)s") % {
                            "max": f"{params.INT32_MAX:,}", "v": raw[:30]}
                if line_errors:
                    messages.error(request, _("실사수량을 확인하세요. 아무것도 저장하지 않았습니다."))
                else:
                    n = services.count_sheet_set_counts(company=company, sheet=sheet, counts=counts)
                    messages.success(request, _("실사수량 %(n)s건을 저장했습니다.") % {"n": n})
                    return redirect(request.get_full_path())
            elif action == "upload":
                upload_form = XlsxUploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    try:
                        n = services.count_sheet_import_xlsx(company=company, sheet=sheet,
                                                             data=upload_form.cleaned_data["file"].read())
                    except services.ExcelRejected as exc:
                        row_errors = _row_errors_keep(request, f"count-{sheet.pk}", exc.errors)
                        messages.error(request, str(exc))
                    else:
                        messages.success(request, _("엑셀에서 실사수량 %(n)s건을 반영했습니다.") % {"n": n})
                        return redirect("inventory:count_detail", sheet.pk)
            elif action == "submit":
                services.count_sheet_submit(company=company, sheet=sheet, user=request.user)
                messages.success(request, _("반영을 요청했습니다. 매시 10분에 재고에 반영됩니다."))
                return redirect("inventory:count_detail", sheet.pk)
            elif action == "apply":
                result = services.count_sheet_apply(company=company, sheet=sheet, user=request.user)
                messages.success(request, _("실사 차이를 재고에 반영했습니다: %(n)s건 (+%(inc)s / −%(dec)s).") % {
                    "n": result["adjusted"], "inc": result["increase"], "dec": result["decrease"]})
                return redirect("inventory:count_detail", sheet.pk)
            elif action == "cancel":
                services.count_sheet_cancel(company=company, sheet=sheet)
                messages.success(request, _("실사표를 취소했습니다."))
                return redirect("inventory:count_detail", sheet.pk)
            else:
                messages.error(request, _("알 수 없는 요청입니다."))
        except services.StockError as exc:
            messages.error(request, str(exc))
        sheet = get_or_404(selectors.count_sheet_get, company, pk)
    only, q = request.GET.get("only", ""), request.GET.get("q", "").strip()
    page, size = _page(request, selectors.count_lines(company, sheet, q=q, only=only), default=100)
    for line in page:
        line.error = line_errors.get(line.pk, "")
        line.input_value = request.POST.get(f"count_{line.pk}", "") if line.error else line.counted_quantity
    lines = selectors.count_lines(company, sheet)
    summary = {
        "total": lines.count(),
        "counted": lines.filter(counted_quantity__isnull=False).count(),
        "diff": selectors.count_lines(company, sheet, only="diff").count(),
    }
    return render(request, "inventory/count_detail.html", {
        "sheet": sheet, "page": page, "size": size, "page_sizes": (100, 500), "only": only, "q": q,
        "summary": summary, "upload_form": upload_form, "line_errors": line_errors, **(row_errors or {}),
        "posted": request.POST if request.method == "POST" else {},
    })


# --- 재고이동 -------------------------------------------------------------------------------------


@screen_view("inventory.transfers")
def transfer_list(request):
    company = request.company
    date_from, date_to = _period(request)
    filters = {"warehouse_id": params.id_param(request.GET.get("warehouse")), "q": request.GET.get("q", "").strip(),
               "date_from": date_from, "date_to": date_to}
    page, size = _page(request, selectors.transfers(company, **filters))
    return render(request, "inventory/transfer_list.html", {
        "page": page, "size": size, "page_sizes": PAGE_SIZES, "f": filters,
        "warehouses": selectors.warehouses(company), "quick_periods": _quick_periods(),
    })


@screen_view("inventory.transfers")
def transfer_create(request):
    company = request.company
    form = TransferForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            transfer = services.transfer_create(company=company, from_warehouse=d["from_warehouse"],
                                                to_warehouse=d["to_warehouse"], lines=d["lines"], user=request.user,
                                                memo=d["memo"])
        except services.StockError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("재고이동 %(no)s를 처리했습니다.") % {"no": transfer.number})
            return redirect("inventory:transfer_detail", transfer.pk)
    return render(request, "inventory/transfer_form.html", {"form": form})


@screen_view("inventory.transfers")
def transfer_detail(request, pk: int):
    company = request.company
    transfer = get_or_404(selectors.transfer_get, company, pk)
    if request.method == "POST":
        return redirect("inventory:transfer_detail", transfer.pk)
    lines = transfer.lines.select_related("sku", "sku__product")
    return render(request, "inventory/transfer_detail.html", {"transfer": transfer, "lines": lines})


# --- 재고부족 -------------------------------------------------------------------------------------


@screen_view("inventory.low")
def low_stock(request):
    company = request.company
    filters = {"warehouse_id": params.id_param(request.GET.get("warehouse")), "q": request.GET.get("q", "").strip()}
    qs = selectors.low_stock(company, **filters)
    if request.GET.get("export") == "xlsx":
        headers = [_("SKU코드"), _("바코드"), _("상품명"), _("옵션"), _("현재고"), _("예약"), _("가용"), _("입고예정"),
                   _("안전재고"), _("발주점"), _("부족수량")]
        rows = ([s.code, s.barcode, s.product.name, s.option_text, s.on_hand, s.reserved, s.available, s.expected,
                 s.safety_stock, s.reorder_point, s.shortage] for s in qs.iterator(chunk_size=500))
        return exports.xlsx_response(_("재고부족"), exports.workbook_bytes(_("재고부족"), headers, rows))
    page, size = _page(request, qs)
    return render(request, "inventory/low_stock.html", {
        "page": page, "size": size, "page_sizes": PAGE_SIZES, "f": filters, "warehouses": selectors.warehouses(company),
    })
