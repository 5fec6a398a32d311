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

from .models import Order, OrderLine, OrderStatus
from .selectors import OrderFilters, order_search
from .services_excel import OrderExcelError, read_table
from .services_flow import (
    CLAIM_ACTIONS,
    SHIPPED_LIKE,
    FlowError,
    order_transition,
    shipment_from_tracking,
    status_label,
    transition_refusal,
)
from .services_progress import claim_refusal

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
    from marketdock.shipping.selectors import carriers

    out: dict[str, object] = {}
    for c in carriers(active_only=True):
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


def status_upload_apply(*, company: Company, user: User | None, data: bytes, filename: str,
                        all_or_nothing: bool = True) -> UploadResult:
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
    result = UploadResult(rows=len(body), all_or_nothing=all_or_nothing)
    label = {key: str(HEADERS[key][0]) for key in HEADERS}

    def cell(row, key) -> str:
        j = cols.get(key)
        return _text(row[j]) if j is not None and j < len(row) else ""

    nos = {cell(row, "order_no") for _n, row in body}
    orders_by_no: dict[str, list[Order]] = defaultdict(list)
    for o in Order.objects.filter(company=company, channel_order_id__in=nos).select_related("account"):
        orders_by_no[o.channel_order_id].append(o)
    statuses, carriers = _statuses(), _carriers()
    simulated: dict[int, str] = {}
    good: list[_Row] = []

    def err(n, key, value, message):
        result.errors.append({"row": n, "column": label[key], "value": value, "message": message})

    for n, row in body:
        no, account = cell(row, "order_no"), cell(row, "account")
        if not no:
            err(n, "order_no", "", _("주문번호를 입력하세요."))
            continue
        candidates = [o for o in orders_by_no.get(no, []) if not account or o.account.name == account]
        if not candidates:
            err(n, "order_no", no, _("이 회사의 주문이 아닙니다: %(no)s") % {"no": no})
            continue
        if len(candidates) > 1:
            err(n, "account", account, _("같은 주문번호가 여러 쇼핑몰에 있습니다. 쇼핑몰 열을 채우세요."))
            continue
        order = candidates[0]
        current = simulated.get(order.pk, order.status)
        status_text, carrier_text, number = cell(row, "status"), cell(row, "carrier"), cell(row, "number")
        line_no, reason = cell(row, "line_no"), cell(row, "reason")
        to = None
        if status_text:
            to = statuses.get(_norm(status_text))
            if to is None:
                err(n, "status", status_text, _("알 수 없는 상태입니다. 다음 중 하나를 쓰세요: %(list)s") % {
                    "list": ", ".join(str(lbl) for _v, lbl in S.choices)})
                continue
        tracking = None
        if carrier_text or number:
            if not carrier_text:
                err(n, "carrier", "", _("택배사를 입력하세요."))
                continue
            if not number:
                err(n, "number", "", _("송장번호를 입력하세요."))
                continue
            carrier = carriers.get(_norm(carrier_text))
            if carrier is None:
                err(n, "carrier", carrier_text, _("알 수 없는 택배사입니다: %(c)s") % {"c": carrier_text})
                continue
            try:
                shipment = shipment_from_tracking(carrier, number)
            except FlowError as exc:
                err(n, "number", number, str(exc))
                continue
            tracking = (shipment.carrier, shipment.number)
            if current in SHIPPED_LIKE and (to is None or to == current) and OrderLine.objects.filter(
                    company=company, order=order, tracking_number=shipment.number).exists():
                continue  # already shipped with this number (an unedited row of the downloaded sheet)
            if to is None or to == current:  # the downloaded sheet carries the current status
                to = S.SHIPPED
            elif to != S.SHIPPED:
                err(n, "status", status_text, _("송장번호가 있는 행의 상태는 비우거나 출고완료로 쓰세요."))
                continue
        if to is None or (to == current and tracking is None):
            continue  # nothing to change in this row (an unedited row of the downloaded sheet)
        line = None
        if line_no:
            line = OrderLine.objects.filter(company=company, order=order, channel_line_id=line_no).first()
            if line is None:
                err(n, "line_no", line_no, _("이 주문의 주문상세번호가 아닙니다: %(no)s") % {"no": line_no})
                continue
            if to != S.SHIPPED:
                err(n, "line_no", line_no, _("주문상세번호별 처리는 출고(송장)에서만 할 수 있습니다."))
                continue
        if to == S.SHIPPED and tracking is None:
            err(n, "number", "", _("출고완료로 바꾸려면 택배사와 송장번호를 입력하세요."))
            continue
        probe = Order(status=current, hold_from=order.hold_from)
        refusal = "" if (to == S.SHIPPED and current == S.READY and line is not None) else transition_refusal(probe, to)
        if refusal:
            err(n, "status" if status_text else "number", status_text or number, refusal)
            continue
        if to == S.HOLD and not reason:
            err(n, "reason", "", _("보류 사유를 입력하세요."))
            continue
        if to in CLAIM_ACTIONS and (order.claim or (line is not None and line.claim)):
            claimed = claim_refusal([line] if line is not None else list(order.lines.all()), CLAIM_ACTIONS[to])
            if claimed:
                err(n, "status" if status_text else "number", status_text or number, claimed)
                continue
        if to == S.SHIPPED and line is not None and line.status in SHIPPED_LIKE:
            err(n, "line_no", line_no, _("이미 출고된 상품입니다."))
            continue
        simulated[order.pk] = to if line is None else current
        good.append(_Row(n, order, to, tracking, line, reason))

    if result.errors and all_or_nothing:
        return result
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

    if all_or_nothing:
        try:
            with transaction.atomic():
                apply_all()
                if result.errors:
                    raise _Rollback
        except _Rollback:
            result.applied = 0
            result.errors.sort(key=lambda e: e["row"])
            return result
    else:
        apply_all()
    result.applied = len(applied_rows)
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
    from marketdock.shipping.models import Carrier

    return dict(Carrier.objects.values_list("key", "name"))


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
    lines = (OrderLine.objects.filter(company=company, order__in=orders.values("id"), status__in=SHIPPED_LIKE)
             .select_related("order__account").order_by("-shipped_at", "-id")[:50000])
    header = [_("쇼핑몰"), _("주문번호"), _("주문상세번호"), _("상품명"), _("옵션"), _("수량"), _("수령자"), _("수령자 전화"),
              _("우편번호"), _("주소"), _("배송방법"), _("택배사"), _("송장번호"), _("출고일시")]
    methods = {"parcel": _("택배"), "visit": _("방문수령"), "direct": _("직접배송")}

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
