"""Excel bulk status change and tracking upload (ORD-9, SHP-7), and the shipped-list download.

Upload: one row per order (or per order line, for a partial shipment) with 주문번호, optionally 쇼핑몰
and 주문상세번호, and 상태 and/or 택배사 + 송장번호 (+ 사유). Every row is checked first — the order
exists in this company, the carrier is known, the number is valid for the carrier, the move is legal
from the order's status (rows of one order are checked in sequence) — and then applied through
`order_transition`. All or nothing by default: one bad row and nothing changes; a refusal found only
while applying (e.g. stock short at 출고준비) rolls every row back too. Errors are per row and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from marketdock.core.downloads import new_workbook, workbook_file
from marketdock.core.models import Company, User
from marketdock.core.services import personal_data_download_record

from ..hooks import shipping
from ..models import SHIPPED_STATUSES, Order, OrderLine, OrderStatus, status_label
from ..selectors import OrderFilters, order_search
from .excel import OrderExcelError, read_table
from .lines import FlowError
from .progress import claim_refusal
from .shipments import METHOD_LABELS, shipment_from_tracking
from .transitions import CLAIM_ACTIONS, order_transition, transition_refusal

S = OrderStatus
MAX_ROWS = 5000

# field → accepted header texts (the first one is what the sheet download writes)
HEADERS: dict[str, tuple] = {
    "account": (gettext_lazy("쇼핑몰"), "쇼핑몰명", "판매처"),
    "order_no": (gettext_lazy("주문번호"), "order no", "order number"),
    "line_no": (gettext_lazy("주문상세번호"), "상품주문번호", "order line"),
    "status": (gettext_lazy("상태"), "주문상태", "status"),
    "carrier": (gettext_lazy("택배사"), "carrier"),
    "number": (gettext_lazy("송장번호"), "운송장번호", "tracking number", "tracking"),
    "reason": (gettext_lazy("사유"), "reason"),
}
UPLOAD_HEADERS = [HEADERS[k][0] for k in ("account", "order_no", "line_no", "status", "carrier", "number", "reason")]


class StatusExcelError(Exception):
    """The file as a whole cannot be used (Korean message)."""


@dataclass
class UploadResult:
    rows: int = 0
    applied: int = 0
    errors: list[dict] = field(default_factory=list)
    all_or_nothing: bool = True


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


def _statuses() -> dict[str, str]:
    out = {}
    for value, label in S.choices:
        out[_norm(value)] = value
        out[_norm(str(label))] = value
    return out


def _carriers() -> dict[str, object]:
    out: dict[str, object] = {}
    for c in shipping().carriers(active_only=True):
        for name in (c.key, c.name, c.name_en):
            if name:
                out[_norm(name)] = c
    return out


@dataclass
class _Row:
    number: int  # the sheet's row number (1-based)
    order: Order
    to: str | None
    tracking: tuple | None
    line: OrderLine | None
    reason: str


def _header(rows: list[list]) -> tuple[int, dict[str, int]]:
    wanted = {_norm(str(h)): key for key, names in HEADERS.items() for h in names}
    for i, row in enumerate(rows[:10]):
        cols = {}
        for j, cell in enumerate(row):
            key = wanted.get(_norm(_text(cell)))
            if key and key not in cols:
                cols[key] = j
        if "order_no" in cols:
            return i, cols
    raise StatusExcelError(_("제목 행에서 '주문번호' 열을 찾을 수 없습니다. 내려받은 양식의 제목 행을 그대로 두세요."))


class _Refused(Exception):
    """One row refused: the column (HEADERS key), the value shown and the reason."""

    def __init__(self, key: str, value: str, message: str) -> None:
        super().__init__(message)
        self.key, self.value, self.message = key, value, message


@dataclass
class _Sheet:
    """The uploaded sheet being checked: its columns, the orders it names, and each order's status as
    the rows before would leave it (rows of one order are checked in sequence)."""

    company: Company
    cols: dict[str, int]
    orders_by_no: dict[str, list[Order]]
    statuses: dict[str, str]
    carriers: dict[str, object]
    simulated: dict[int, str] = field(default_factory=dict)

    def cell(self, row, key: str) -> str:
        j = self.cols.get(key)
        return _text(row[j]) if j is not None and j < len(row) else ""


def _read(data: bytes, filename: str) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """The sheet's columns and its non-empty rows (with their row numbers)."""
    try:
        table = read_table(data, filename)
    except OrderExcelError as exc:
        raise StatusExcelError(str(exc)) from None
    header_at, cols = _header(table)
    if not ({"status", "number"} & cols.keys()):
        raise StatusExcelError(_("'상태' 또는 '송장번호' 열이 있어야 합니다."))
    body = [(header_at + 2 + i, row) for i, row in enumerate(table[header_at + 1:])
            if any(_text(c) for c in row)]
    if len(body) > MAX_ROWS:
        raise StatusExcelError(_("행이 %(max)s개를 넘습니다. 파일을 나눠 올리세요.") % {"max": MAX_ROWS})
    if not body:
        raise StatusExcelError(_("변경할 행이 없습니다."))
    return cols, body


def _row_order(sheet: _Sheet, row) -> Order:
    no, account = sheet.cell(row, "order_no"), sheet.cell(row, "account")
    if not no:
        raise _Refused("order_no", "", _("주문번호를 입력하세요."))
    candidates = [o for o in sheet.orders_by_no.get(no, []) if not account or o.account.name == account]
    if not candidates:
        raise _Refused("order_no", no, _("이 회사의 주문이 아닙니다: %(no)s") % {"no": no})
    if len(candidates) > 1:
        raise _Refused("account", account, _("같은 주문번호가 여러 쇼핑몰에 있습니다. 쇼핑몰 열을 채우세요."))
    return candidates[0]


def _row_target(sheet: _Sheet, row) -> str | None:
    status_text = sheet.cell(row, "status")
    if not status_text:
        return None
    to = sheet.statuses.get(_norm(status_text))
    if to is None:
        raise _Refused("status", status_text, _("알 수 없는 상태입니다. 다음 중 하나를 쓰세요: %(list)s") % {
            "list": ", ".join(str(lbl) for _v, lbl in S.choices)})
    return to


def _row_tracking(sheet: _Sheet, row) -> tuple | None:
    carrier_text, number = sheet.cell(row, "carrier"), sheet.cell(row, "number")
    if not (carrier_text or number):
        return None
    if not carrier_text:
        raise _Refused("carrier", "", _("택배사를 입력하세요."))
    if not number:
        raise _Refused("number", "", _("송장번호를 입력하세요."))
    carrier = sheet.carriers.get(_norm(carrier_text))
    if carrier is None:
        raise _Refused("carrier", carrier_text, _("알 수 없는 택배사입니다: %(c)s") % {"c": carrier_text})
    try:
        shipment = shipment_from_tracking(carrier, number)
    except FlowError as exc:
        raise _Refused("number", number, str(exc)) from None
    return shipment.carrier, shipment.number


def _row_line(sheet: _Sheet, row, order: Order, to: str) -> OrderLine | None:
    line_no = sheet.cell(row, "line_no")
    if not line_no:
        return None
    line = OrderLine.objects.filter(company=sheet.company, order=order, channel_line_id=line_no).first()
    if line is None:
        raise _Refused("line_no", line_no, _("이 주문의 주문상세번호가 아닙니다: %(no)s") % {"no": line_no})
    if to != S.SHIPPED:
        raise _Refused("line_no", line_no, _("주문상세번호별 처리는 출고(송장)에서만 할 수 있습니다."))
    return line


def _row_refusal(row_key: str, row_value: str, order: Order, current: str, to: str, line: OrderLine | None,
                 reason: str) -> None:
    """The flow's own rules, checked against the status the rows before leave the order in."""
    probe = Order(status=current, hold_from=order.hold_from)
    refusal = "" if (to == S.SHIPPED and current == S.READY and line is not None) else transition_refusal(probe, to)
    if refusal:
        raise _Refused(row_key, row_value, refusal)
    if to == S.HOLD and not reason:
        raise _Refused("reason", "", _("보류 사유를 입력하세요."))
    if to in CLAIM_ACTIONS and (order.claim or (line is not None and line.claim)):
        claimed = claim_refusal([line] if line is not None else list(order.lines.all()), CLAIM_ACTIONS[to])
        if claimed:
            raise _Refused(row_key, row_value, claimed)
    if to == S.SHIPPED and line is not None and line.status in SHIPPED_STATUSES:
        raise _Refused("line_no", line.channel_line_id, _("이미 출고된 상품입니다."))


def _check_row(sheet: _Sheet, n: int, row) -> _Row | None:
    """The change a row asks for (None: nothing to change); raises _Refused."""
    order = _row_order(sheet, row)
    current = sheet.simulated.get(order.pk, order.status)
    status_text, number, reason = sheet.cell(row, "status"), sheet.cell(row, "number"), sheet.cell(row, "reason")
    to = _row_target(sheet, row)
    tracking = _row_tracking(sheet, row)
    if tracking is not None:
        if current in SHIPPED_STATUSES and (to is None or to == current) and OrderLine.objects.filter(
                company=sheet.company, order=order, tracking_number=tracking[1]).exists():
            return None  # already shipped with this number (an unedited row of the downloaded sheet)
        if to is None or to == current:  # the downloaded sheet carries the current status
            to = S.SHIPPED
        elif to != S.SHIPPED:
            raise _Refused("status", status_text, _("송장번호가 있는 행의 상태는 비우거나 출고완료로 쓰세요."))
    if to is None or (to == current and tracking is None):
        return None  # nothing to change in this row (an unedited row of the downloaded sheet)
    line = _row_line(sheet, row, order, to)
    if to == S.SHIPPED and tracking is None:
        raise _Refused("number", "", _("출고완료로 바꾸려면 택배사와 송장번호를 입력하세요."))
    _row_refusal("status" if status_text else "number", status_text or number, order, current, to, line, reason)
    sheet.simulated[order.pk] = to if line is None else current
    return _Row(n, order, to, tracking, line, reason)


def _apply_rows(*, company: Company, user: User | None, good: list[_Row], result: UploadResult,
                err: Callable[..., None]) -> None:
    applied_rows: list[_Row] = []

    def apply_all() -> None:
        for r in good:
            outcome = order_transition(company=company, orders=[r.order], to=r.to, user=user,
                                       reason=r.reason or _("엑셀 일괄변경"), tracking=r.tracking,
                                       lines=[r.line] if r.line is not None else None).outcomes[0]
            if outcome.ok:
                applied_rows.append(r)
            else:
                err(r.number, "status" if r.to != S.SHIPPED else "number", status_label(r.to), outcome.message)

    if result.all_or_nothing:
        try:
            with transaction.atomic():
                apply_all()
                if result.errors:
                    raise _Rollback
        except _Rollback:
            result.applied = 0
            return
    else:
        apply_all()
    result.applied = len(applied_rows)


def status_upload_apply(*, company: Company, user: User | None, data: bytes, filename: str,
                        all_or_nothing: bool = True) -> UploadResult:
    """Check every row of an uploaded status/tracking sheet, then apply the good ones through the order
    flow (all of them or none, unless `all_or_nothing` is off); errors name the row and column."""
    cols, body = _read(data, filename)
    result = UploadResult(rows=len(body), all_or_nothing=all_or_nothing)
    label = {key: str(HEADERS[key][0]) for key in HEADERS}

    def err(n, key, value, message):
        result.errors.append({"row": n, "column": label[key], "value": value, "message": message})

    sheet = _Sheet(company=company, cols=cols, orders_by_no=defaultdict(list), statuses=_statuses(),
                   carriers=_carriers())
    nos = {sheet.cell(row, "order_no") for _n, row in body}
    for o in Order.objects.filter(company=company, channel_order_id__in=nos).select_related("account"):
        sheet.orders_by_no[o.channel_order_id].append(o)
    good: list[_Row] = []
    for n, row in body:
        try:
            checked = _check_row(sheet, n, row)
        except _Refused as exc:
            err(n, exc.key, exc.value, exc.message)
            continue
        if checked is not None:
            good.append(checked)
    if result.errors and all_or_nothing:
        return result
    _apply_rows(company=company, user=user, good=good, result=result, err=err)
    result.errors.sort(key=lambda e: e["row"])
    return result


class _Rollback(Exception):
    pass


# --- downloads ------------------------------------------------------------------------------------


@dataclass
class ExportFile:
    file: object
    filename: str
    rows: int


def _write(title: str, header: list[str], rows) -> tuple[object, int]:
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet(title)
    bold = Font(bold=True)
    cells = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        cells.append(c)
    ws.append(cells)
    n = 0
    for row in rows:
        ws.append(row)
        n += 1
    return workbook_file(wb), n


def _carrier_names() -> dict[str, str]:
    return {c.key: c.name for c in shipping().carriers(active_only=False)}


def status_sheet_export(*, company: Company, filters: OrderFilters) -> ExportFile:
    """One row per order of the filter: 쇼핑몰, 주문번호, (주문상세번호), 상품, 상태, 택배사, 송장번호, 사유 —
    edit 상태 or 택배사/송장번호 and upload it again. No personal data."""
    names = _carrier_names()
    orders = order_search(company, filters).select_related("account").order_by("-ordered_at", "-id")[:MAX_ROWS]
    tracking: dict[int, tuple[str, str]] = {}
    for order_id, key, number in OrderLine.objects.filter(
            company=company, order__in=orders.values("id")).exclude(tracking_number="").values_list(
            "order_id", "carrier_key", "tracking_number"):
        tracking.setdefault(order_id, (names.get(key, key), number))
    header = [str(HEADERS[k][0]) for k in ("account", "order_no", "line_no")] + [_("상품")] + [
        str(HEADERS[k][0]) for k in ("status", "carrier", "number", "reason")]
    rows = ([o.account.name, o.channel_order_id, "", o.item_summary, o.get_status_display(),
             *tracking.get(o.pk, ("", "")), ""] for o in orders)
    tmp, n = _write(_("상태변경"), header, rows)
    return ExportFile(tmp, f"주문상태_{timezone.localtime():%Y%m%d_%H%M}.xlsx", n)


def shipped_export(*, company: Company, user: User | None, filters: OrderFilters, request=None) -> ExportFile:
    """출고 내역: shipped lines (출고완료/배송중/배송완료 orders, or lines shipped ahead) with recipient and
    tracking number. Contains personal data: written to the personal-data download log."""
    names = _carrier_names()
    orders = order_search(company, filters)
    lines = (OrderLine.objects.filter(company=company, order__in=orders.values("id"), status__in=SHIPPED_STATUSES)
             .select_related("order__account").order_by("-shipped_at", "-id")[:50000])
    header = [_("쇼핑몰"), _("주문번호"), _("주문상세번호"), _("상품명"), _("옵션"), _("수량"), _("수령자"), _("수령자 전화"),
              _("우편번호"), _("주소"), _("배송방법"), _("택배사"), _("송장번호"), _("출고일시")]
    methods = {key: str(label) for key, label in METHOD_LABELS.items()}

    def rows():
        for ln in lines:
            o = ln.order
            yield [o.account.name, o.channel_order_id, ln.channel_line_id, ln.product_name, ln.option_text,
                   ln.quantity, o.recipient_name, o.recipient_phone, o.recipient_postal_code,
                   " ".join(x for x in (o.recipient_address1, o.recipient_address2) if x),
                   methods.get(ln.shipping_method, ln.shipping_method), names.get(ln.carrier_key, ln.carrier_key),
                   ln.tracking_number,
                   timezone.localtime(ln.shipped_at).strftime("%Y-%m-%d %H:%M") if ln.shipped_at else ""]

    tmp, n = _write(_("출고내역"), header, rows())
    filename = f"출고내역_{timezone.localtime():%Y%m%d_%H%M}.xlsx"
    if n:
        personal_data_download_record(company=company, user=user, screen="orders.list",
                                      description=_("출고내역 엑셀다운로드: %(n)s행") % {"n": n}, record_count=n,
                                      filters=filters.as_log(), file_name=filename, request=request)
    return ExportFile(tmp, filename, n)
