"""Inbound orders (INV-3): created, registered, confirmed into stock (by screen or Excel), cancelled."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core import uploads
from marketdock.core.models import CommonCode, Company, User

from ..models import InboundLine, InboundOrder, MovementKind, Warehouse
from ..selectors import sku_lookup
from .errors import ExcelRejected, RowError, StockInputError, _Op
from .ledger import _apply, _create_numbered, _stock_skus
from .xlsx import INBOUND_XLSX_KEYS, XLSX_MAX_ROWS, _cell_int, _cell_text, _read_xlsx, _too_many_errors


def inbound_create(
    *, company: Company, warehouse: Warehouse, lines: Sequence[tuple[int, int]], user: User | None = None,
    supplier: CommonCode | None = None, supplier_name: str = "", expected_date: date | None = None, memo: str = "",
    registered: bool = False,
) -> InboundOrder:
    """입고예정 (or 입고등록 when the goods are already there) with SKU × quantity lines."""
    if warehouse.company_id != company.pk:
        raise StockInputError(_("창고를 찾을 수 없습니다."))
    if supplier is not None and (supplier.company_id != company.pk or supplier.group.code != "SUPPLIER"):
        raise StockInputError(_("매입처를 찾을 수 없습니다."))
    totals = _stock_skus(company, lines, what=_("입고"))
    with transaction.atomic():
        inbound = _create_numbered(
            InboundOrder, company, "IN", warehouse=warehouse, supplier=supplier, supplier_name=supplier_name.strip(),
            expected_date=expected_date, memo=memo.strip(), created_by=user if user and user.pk else None,
            status=InboundOrder.Status.REGISTERED if registered else InboundOrder.Status.PLANNED,
        )
        InboundLine.objects.bulk_create(
            [InboundLine(company=company, inbound=inbound, sku_id=sku_id, quantity=qty) for sku_id, qty in totals.items()]
        )
    return inbound


def _lock_inbound(company: Company, inbound: InboundOrder) -> InboundOrder:
    return InboundOrder.objects.select_for_update().select_related("warehouse").get(company=company, pk=inbound.pk)


def inbound_register(*, company: Company, inbound: InboundOrder, user: User | None = None) -> InboundOrder:
    """입고예정 → 입고등록 (the goods arrived and are being checked)."""
    with transaction.atomic():
        inbound = _lock_inbound(company, inbound)
        if inbound.status != InboundOrder.Status.PLANNED:
            raise StockInputError(_("입고예정 상태에서만 입고등록할 수 있습니다 (현재: %(s)s).") % {"s": inbound.get_status_display()})
        inbound.status = InboundOrder.Status.REGISTERED
        inbound.save(update_fields=["status"])
    return inbound


def inbound_confirm(*, company: Company, inbound: InboundOrder, quantities: dict[int, int] | None = None,
                    user: User | None = None) -> InboundOrder:
    """입고확정: raise stock at once by the confirmed quantity of each line (`quantities` = {line id:
    qty}; None confirms every remaining quantity). Partial confirmation leaves the order 부분확정."""
    with transaction.atomic():
        inbound = _lock_inbound(company, inbound)
        if not inbound.is_open:
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 확정할 수 없습니다.") % {"no": inbound.number,
                                                                                   "s": inbound.get_status_display()})
        lines = {line.pk: line for line in inbound.lines.select_related("sku")}
        if quantities is None:
            quantities = {pk: line.remaining for pk, line in lines.items() if line.remaining}
        confirm: list[tuple[InboundLine, int]] = []
        for line_id, qty in quantities.items():
            line = lines.get(line_id)
            if line is None:
                raise StockInputError(_("입고 품목을 찾을 수 없습니다: %(id)s") % {"id": line_id})
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
                raise StockInputError(_("%(code)s: 확정수량은 0 이상의 정수여야 합니다.") % {"code": line.sku.code})
            if qty > line.remaining:
                raise StockInputError(_("%(code)s: 확정수량 %(q)s개가 남은 예정수량 %(r)s개보다 많습니다.") % {
                    "code": line.sku.code, "q": qty, "r": line.remaining})
            if qty:
                confirm.append((line, qty))
        if not confirm:
            raise StockInputError(_("확정할 수량을 입력하세요."))
        ops = [
            _Op(sku_id=line.sku_id, warehouse_id=inbound.warehouse_id, kind=MovementKind.INBOUND, on_hand=qty, reserved=0,
                reason=_("입고확정 %(no)s") % {"no": inbound.number}, reference_type="inbound",
                reference_id=inbound.number, requested=qty)
            for line, qty in confirm
        ]
        _apply(company, ops, user=user, skus={line.sku_id: line.sku for line, _q in confirm},
               warehouses={inbound.warehouse_id: inbound.warehouse})
        for line, qty in confirm:
            InboundLine.objects.filter(pk=line.pk).update(confirmed_quantity=F("confirmed_quantity") + qty)
            line.confirmed_quantity += qty
        complete = all(line.remaining == 0 for line in lines.values())
        inbound.status = InboundOrder.Status.CONFIRMED if complete else InboundOrder.Status.PARTIAL
        inbound.confirmed_at = timezone.now()
        inbound.save(update_fields=["status", "confirmed_at"])
    return inbound


def inbound_cancel(*, company: Company, inbound: InboundOrder, user: User | None = None) -> InboundOrder:
    """Cancel what is still expected. Quantities already confirmed stay in stock (they are in the ledger)."""
    with transaction.atomic():
        inbound = _lock_inbound(company, inbound)
        if not inbound.is_open:
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 취소할 수 없습니다.") % {"no": inbound.number,
                                                                                   "s": inbound.get_status_display()})
        inbound.status = InboundOrder.Status.CANCELLED
        inbound.save(update_fields=["status"])
    return inbound


def _inbound_wrong_form() -> str:
    return _("이 파일은 입고 양식이 아닙니다. 입고확정 화면에서 양식을 내려받아 1행 제목(입고번호, SKU코드 또는 바코드, "
             "확정수량)을 그대로 두고 2행부터 입력하세요.")


def inbound_xlsx_precheck(data: bytes) -> int | None:
    """Size, unpacked size, declared rows and header of an 입고확정 file, without reading its rows:
    ExcelRejected at once for a file that cannot be this form. Returns the declared row count."""
    try:
        with uploads.open_xlsx(data, max_rows=XLSX_MAX_ROWS + 1, shown_limit=XLSX_MAX_ROWS) as sheet:
            first = next(sheet.rows(), None)
            if first is None or not uploads.header_has(first[1], INBOUND_XLSX_KEYS):
                raise ExcelRejected([RowError(1, _("제목 행"), "", _inbound_wrong_form())])
            return sheet.declared_rows
    except uploads.UploadRejected as exc:
        raise ExcelRejected([RowError(0, _("파일"), "", str(exc))]) from None


def inbound_confirm_xlsx(*, company: Company, data: bytes, user: User | None = None, progress=None) -> dict:
    """입고확정 by Excel: columns 입고번호 / SKU코드 또는 바코드 / 수량. Every row is checked first;
    if any row is wrong, ExcelRejected lists them all and nothing is applied. `progress(done, total)`
    is told how far the check has got (a job's progress bar)."""
    rows = _read_xlsx(data, keys=INBOUND_XLSX_KEYS, wrong_form=_inbound_wrong_form())
    if not rows:
        raise ExcelRejected([RowError(0, _("파일"), "", _("2행부터 입고번호, SKU코드, 수량을 입력하세요."))])
    numbers = {_cell_text(v[0]) if len(v) > 0 else "" for _n, v in rows}
    inbounds = {i.number: i for i in InboundOrder.objects.filter(company=company, number__in=numbers)}
    lines_by_inbound: dict[int, dict[int, InboundLine]] = defaultdict(dict)
    for line in InboundLine.objects.filter(company=company, inbound__in=inbounds.values()):
        lines_by_inbound[line.inbound_id][line.sku_id] = line
    skus = sku_lookup(company, [_cell_text(v[1]) if len(v) > 1 else "" for _n, v in rows])
    errors: list[RowError] = []
    plan: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # inbound id → line id → qty
    for i, (number, values) in enumerate(rows, start=1):
        if _too_many_errors(errors, number):
            break
        if progress is not None and i % 500 == 0:
            progress(i, len(rows) + 1)
        values = tuple(values) + (None,) * (3 - len(values))
        no, key, qty_raw = _cell_text(values[0]), _cell_text(values[1]), values[2]
        inbound = inbounds.get(no)
        if not no:
            errors.append(RowError(number, _("입고번호"), no, _("입고번호가 비어 있습니다.")))
            continue
        if inbound is None:
            errors.append(RowError(number, _("입고번호"), no, _("입고번호를 찾을 수 없습니다.")))
            continue
        if not inbound.is_open:
            errors.append(RowError(number, _("입고번호"), no, _("%(s)s 상태라 확정할 수 없습니다.") % {
                "s": inbound.get_status_display()}))
            continue
        sku = skus.get(key)
        if sku is None:
            errors.append(RowError(number, _("SKU코드/바코드"), key, _("SKU를 찾을 수 없습니다.")))
            continue
        line = lines_by_inbound[inbound.pk].get(sku.pk)
        if line is None:
            errors.append(RowError(number, _("SKU코드/바코드"), key, _("%(no)s에 없는 품목입니다.") % {"no": no}))
            continue
        qty = _cell_int(qty_raw)
        if qty is None or qty <= 0:
            errors.append(RowError(number, _("수량"), qty_raw, _("1 이상의 정수를 입력하세요.")))
            continue
        plan[inbound.pk][line.pk] += qty
        if plan[inbound.pk][line.pk] > line.remaining:
            errors.append(RowError(number, _("수량"), qty_raw, _("남은 예정수량 %(r)s개를 넘습니다.") % {"r": line.remaining}))
    if errors:
        raise ExcelRejected(errors)
    by_pk = {i.pk: i for i in inbounds.values()}
    confirmed = 0
    with transaction.atomic():
        for inbound_pk in sorted(plan):
            inbound_confirm(company=company, inbound=by_pk[inbound_pk], quantities=dict(plan[inbound_pk]), user=user)
            confirmed += sum(plan[inbound_pk].values())
    return {"rows": len(rows), "inbounds": len(plan), "quantity": confirmed}
