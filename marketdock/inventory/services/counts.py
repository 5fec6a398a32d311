"""Physical count sheets (INV-4): created, counted (screen or Excel), submitted, applied (now or scheduled), cancelled."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU, SKUStatus
from marketdock.core.models import Company, User

from ..models import CountLine, CountSheet, MovementKind, StockLevel, Warehouse
from .errors import ExcelRejected, RowError, StockError, StockInputError, _Op
from .ledger import _apply, _create_numbered
from .xlsx import COUNT_XLSX_KEYS, _cell_int, _cell_text, _read_xlsx, _too_many_errors

# --- physical count (INV-4) ----------------------------------------------------------------------


def _countable_skus(company: Company, warehouse: Warehouse):
    """Stock-managed, non-set SKUs in use, plus any SKU that still has stock in the warehouse."""
    with_stock = StockLevel.objects.filter(company=company, warehouse=warehouse).exclude(on_hand=0).values("sku_id")
    return (
        SKU.objects.filter(company=company, is_set=False, product__inventory_managed=True)
        .filter(Q(status__in=[SKUStatus.ACTIVE, SKUStatus.SOLD_OUT]) | Q(pk__in=with_stock))
        .select_related("product").order_by("code")
    )


def count_sheet_create(*, company: Company, warehouse: Warehouse, user: User | None = None, memo: str = "") -> CountSheet:
    """A count sheet with every stock-managed SKU and its on-hand quantity right now (전산재고)."""
    if warehouse.company_id != company.pk:
        raise StockInputError(_("창고를 찾을 수 없습니다."))
    with transaction.atomic():
        sheet = _create_numbered(CountSheet, company, "CNT", warehouse=warehouse, memo=memo.strip(),
                                 created_by=user if user and user.pk else None)
        on_hand = dict(StockLevel.objects.filter(company=company, warehouse=warehouse).values_list("sku_id", "on_hand"))
        CountLine.objects.bulk_create(
            [CountLine(company=company, sheet=sheet, sku=sku, system_quantity=on_hand.get(sku.pk, 0))
             for sku in _countable_skus(company, warehouse)]
        )
    return sheet


def _editable_sheet(company: Company, sheet: CountSheet) -> CountSheet:
    sheet = CountSheet.objects.select_for_update().select_related("warehouse").get(company=company, pk=sheet.pk)
    if not sheet.is_editable:
        raise StockInputError(_("%(no)s은(는) %(s)s 상태라 수정할 수 없습니다.") % {"no": sheet.number,
                                                                               "s": sheet.get_status_display()})
    return sheet


def count_sheet_set_counts(*, company: Company, sheet: CountSheet, counts: dict[int, int | None]) -> int:
    """Record counted quantities typed in the screen ({line id: qty or None for not counted})."""
    with transaction.atomic():
        sheet = _editable_sheet(company, sheet)
        lines = {line.pk: line for line in CountLine.objects.filter(sheet=sheet, pk__in=list(counts))}
        changed = []
        for line_id, qty in counts.items():
            line = lines.get(line_id)
            if line is None:
                raise StockInputError(_("실사 품목을 찾을 수 없습니다: %(id)s") % {"id": line_id})
            if qty is not None and (not isinstance(qty, int) or isinstance(qty, bool) or qty < 0):
                raise StockInputError(_("실사수량은 0 이상의 정수여야 합니다."))
            if line.counted_quantity != qty:
                line.counted_quantity = qty
                changed.append(line)
        CountLine.objects.bulk_update(changed, ["counted_quantity"])
    return len(changed)


def count_sheet_import_xlsx(*, company: Company, sheet: CountSheet, data: bytes) -> int:
    """Counted quantities from the downloaded sheet (columns SKU코드, 바코드, 상품명, 옵션,
    전산재고, 실사수량). A blank 실사수량 leaves the line uncounted. All rows or none."""
    rows = _read_xlsx(data, keys=COUNT_XLSX_KEYS, wrong_form=_(
        "이 파일은 재고실사 양식이 아닙니다. 실사표 화면에서 엑셀을 내려받아 1행 제목을 그대로 두고 실사수량만 입력하세요."))
    if not rows:
        raise ExcelRejected([RowError(0, _("파일"), "", _("실사표에 입력된 행이 없습니다."))])
    lines = {line.sku.code: line for line in CountLine.objects.filter(company=company, sheet=sheet).select_related("sku")}
    by_barcode = {line.sku.barcode: line for line in lines.values() if line.sku.barcode}
    errors: list[RowError] = []
    counts: dict[int, int | None] = {}
    seen: dict[int, int] = {}
    for number, values in rows:
        if _too_many_errors(errors, number):
            break
        values = tuple(values) + (None,) * (6 - len(values))
        code, barcode, qty_raw = _cell_text(values[0]), _cell_text(values[1]), values[5]
        line = lines.get(code) or (by_barcode.get(barcode) if barcode else None)
        if line is None:
            errors.append(RowError(number, _("SKU코드"), code or barcode, _("이 실사표에 없는 SKU입니다.")))
            continue
        if line.pk in seen:
            errors.append(RowError(number, _("SKU코드"), code, _("%(row)s행과 중복됩니다.") % {"row": seen[line.pk]}))
            continue
        seen[line.pk] = number
        if _cell_text(qty_raw) == "":
            continue
        qty = _cell_int(qty_raw)
        if qty is None or qty < 0:
            errors.append(RowError(number, _("실사수량"), qty_raw, _("0 이상의 정수를 입력하세요.")))
            continue
        counts[line.pk] = qty
    if errors:
        raise ExcelRejected(errors)
    return count_sheet_set_counts(company=company, sheet=sheet, counts=counts)


def count_sheet_submit(*, company: Company, sheet: CountSheet, user: User | None = None) -> CountSheet:
    """Ask for the difference to be applied by the next hourly run (at :10)."""
    with transaction.atomic():
        sheet = _editable_sheet(company, sheet)
        if not sheet.lines.filter(counted_quantity__isnull=False).exists():
            raise StockInputError(_("실사수량이 입력된 품목이 없습니다."))
        sheet.status = CountSheet.Status.SCHEDULED
        sheet.scheduled_at = timezone.now()
        sheet.error = ""
        sheet.save(update_fields=["status", "scheduled_at", "error"])
    return sheet


def count_sheet_apply(*, company: Company, sheet: CountSheet, user: User | None = None) -> dict:
    """Apply counted − system for every counted line as `count` movements, all or nothing. A
    decrease that would take reserved stock is refused (InsufficientStock names the SKUs)."""
    with transaction.atomic():
        sheet = CountSheet.objects.select_for_update().select_related("warehouse").get(company=company, pk=sheet.pk)
        if sheet.status not in (CountSheet.Status.DRAFT, CountSheet.Status.SCHEDULED, CountSheet.Status.FAILED):
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 반영할 수 없습니다.") % {"no": sheet.number,
                                                                                   "s": sheet.get_status_display()})
        lines = list(sheet.lines.filter(counted_quantity__isnull=False).select_related("sku"))
        if not lines:
            raise StockInputError(_("실사수량이 입력된 품목이 없습니다."))
        ops = [
            _Op(sku_id=line.sku_id, warehouse_id=sheet.warehouse_id, kind=MovementKind.COUNT, on_hand=line.difference,
                reserved=0, reason=_("재고실사 %(no)s (전산 %(sys)s → 실사 %(cnt)s)") % {
                    "no": sheet.number, "sys": line.system_quantity, "cnt": line.counted_quantity},
                reference_type="count", reference_id=sheet.number, requested=abs(line.difference))
            for line in lines if line.difference
        ]
        movements = _apply(company, ops, user=user, skus={line.sku_id: line.sku for line in lines},
                           warehouses={sheet.warehouse_id: sheet.warehouse})
        sheet.status = CountSheet.Status.APPLIED
        sheet.applied_at = timezone.now()
        sheet.error = ""
        sheet.save(update_fields=["status", "applied_at", "error"])
    return {"lines": len(lines), "adjusted": len(movements),
            "increase": sum(m.quantity for m in movements if m.quantity > 0),
            "decrease": -sum(m.quantity for m in movements if m.quantity < 0)}


def count_sheet_mark_failed(*, company: Company, sheet: CountSheet, error: str) -> None:
    CountSheet.objects.filter(company=company, pk=sheet.pk).update(status=CountSheet.Status.FAILED, error=error[:2000])


def count_sheets_apply_scheduled(*, company: Company, user: User | None = None, log=None) -> dict:
    """The :10 run: apply every sheet waiting for it; a refused sheet is marked 반영실패 with the reason."""
    applied = failed = 0
    for sheet in CountSheet.objects.filter(company=company, status=CountSheet.Status.SCHEDULED).order_by("id"):
        try:
            result = count_sheet_apply(company=company, sheet=sheet, user=user)
        except StockError as exc:
            count_sheet_mark_failed(company=company, sheet=sheet, error=str(exc))
            failed += 1
            if log:
                log(f"{sheet.number}: {exc}")
        else:
            applied += 1
            if log:
                log(f"{sheet.number}: {result['adjusted']}")
    return {"applied": applied, "failed": failed}


def count_sheet_cancel(*, company: Company, sheet: CountSheet) -> CountSheet:
    with transaction.atomic():
        sheet = CountSheet.objects.select_for_update().get(company=company, pk=sheet.pk)
        if sheet.status in (CountSheet.Status.APPLIED, CountSheet.Status.CANCELLED):
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 취소할 수 없습니다.") % {"no": sheet.number,
                                                                                   "s": sheet.get_status_display()})
        sheet.status = CountSheet.Status.CANCELLED
        sheet.save(update_fields=["status"])
    return sheet
