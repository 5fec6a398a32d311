"""The marketplace's progress on collection: the marketplace's state is the truth (ORD-1, ORD-4).

Each connector declares its own status table (Naver productOrderStatus + placeOrderStatus + claims,
Coupang ordersheet statuses + cancel holds, Shopify financial + fulfilment status + cancelledAt) and
hands over a normalized `Progress` and pending `Claim` on every `ChannelOrder`. Here that progress
becomes the OMS status of the line:

    waiting, paid → 신규       confirmed → 주문확정        shipped → 출고완료
    in transit → 배송중         delivered, returned → 배송완료   cancelled → 취소

A line first collected in a later state takes that state at once; on re-collection the marketplace's
progress made outside marketdock (the seller acknowledged or dispatched in the marketplace's own
portal) moves the line and its order forward with an `OrderEvent` — never backward. What that means
for stock (goods that left without marketdock) is `reservation.outside_shipments_stock`. The
marketplace's tracking number and carrier are recorded.

A pending claim (취소요청/반품요청/교환요청) is kept on the line and rolled up to the order; the order
flow refuses to confirm, print or ship such a line (`claim_refusal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from marketdock.channels.connectors.models import ChannelOrder, Claim, Progress
from marketdock.core.models import Company

from .. import events
from ..hooks import carrier_keys_for
from ..models import (
    FLOW_SEQUENCE,
    SHIPPED_STATUSES,
    ClaimState,
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    status_label,
)

S = OrderStatus
RANK = {s: i for i, s in enumerate(FLOW_SEQUENCE)}

# the OMS status a line takes for each marketplace progress
PROGRESS_STATUS: dict[str, str] = {
    Progress.WAITING.value: S.NEW.value,
    Progress.PAID.value: S.NEW.value,
    Progress.CONFIRMED.value: S.CONFIRMED.value,
    Progress.SHIPPED.value: S.SHIPPED.value,
    Progress.IN_TRANSIT.value: S.IN_TRANSIT.value,
    Progress.DELIVERED.value: S.DELIVERED.value,
    Progress.RETURNED.value: S.DELIVERED.value,  # it left and came back: the claims screens handle the goods
    Progress.CANCELLED.value: S.CANCELLED.value,
}
CLAIM_STATE: dict[str, str] = {Claim.CANCEL.value: ClaimState.CANCEL.value, Claim.RETURN.value: ClaimState.RETURN.value,
                               Claim.EXCHANGE.value: ClaimState.EXCHANGE.value}


def oms_status(co: ChannelOrder) -> str:
    """The OMS status of a marketplace line by its progress (a fully cancelled quantity is 취소)."""
    if co.quantity > 0 and co.cancelled_quantity >= co.quantity:
        return S.CANCELLED.value
    return PROGRESS_STATUS.get(str(co.progress or Progress.PAID), S.NEW.value)


def claim_state(co: ChannelOrder) -> str:
    return CLAIM_STATE.get(str(co.claim or ""), "")


def is_forward(current: str, target: str) -> bool:
    """May a line in `current` be moved to `target` by the marketplace? Only forward on the flow; a line
    on hold only by a shipment (the goods left anyway); never out of 취소."""
    if current == S.CANCELLED or target == S.CANCELLED:
        return False
    if current == S.HOLD:
        return target in SHIPPED_STATUSES
    return target in RANK and current in RANK and RANK[target] > RANK[current]










# --- applying the marketplace's progress to lines ---------------------------------------------------


def shipment_apply(lines_cos: Sequence[tuple[OrderLine, ChannelOrder]], *, channel: str, now: datetime) -> None:
    """Record the marketplace's tracking number and carrier on lines it shipped (in memory)."""
    codes = {co.carrier_code for line, co in lines_cos if co.carrier_code}
    keys = carrier_keys_for(channel, codes) if codes else {}
    for line, co in lines_cos:
        if line.status not in SHIPPED_STATUSES:
            continue
        if co.tracking_number and not line.tracking_number:
            line.tracking_number = co.tracking_number[:30]
            line.carrier_key = keys.get(co.carrier_code, "")[:30]
            line.shipping_method = line.shipping_method or "parcel"
        line.shipped_at = line.shipped_at or co.dispatched_at or co.changed_at or now


def line_advance(line: OrderLine, co: ChannelOrder) -> str:
    """Move an existing line forward to the marketplace's progress; returns the old status when it
    moved, "" when not."""
    target = oms_status(co)
    if not is_forward(line.status, target):
        return ""
    old = line.status
    line.status = target
    return old


def order_advance(order: Order, lines: Sequence[OrderLine]) -> str:
    """An order follows its lines forward: to the least advanced of its active lines, when that is
    further than the order is. Returns the old status when it moved."""
    active = [ln for ln in lines if ln.status != S.CANCELLED]
    if not active:
        return ""
    if any(ln.status == S.HOLD for ln in active):
        return ""
    least = min((ln.status for ln in active), key=lambda s: RANK.get(s, 0))
    if not is_forward(order.status, least):
        return ""
    old = order.status
    order.status = least
    if old == S.HOLD:
        order.hold_from, order.hold_reason = "", ""
    if least in SHIPPED_STATUSES and order.shipped_at is None:
        order.shipped_at = max((ln.shipped_at for ln in active if ln.shipped_at), default=None)
    return old


def order_status_from_lines(order: Order, lines: Sequence[OrderLine]) -> None:
    """A new order's status: its least advanced active line (신규 when nothing says more)."""
    order.status = S.NEW
    order_advance(order, lines)


def progress_event(company: Company, order: Order, old: str, run_id: int, moved: Sequence[OrderLine],
                   now: datetime) -> OrderEvent:
    shipped = [ln for ln in moved if ln.status in SHIPPED_STATUSES and ln.tracking_number]
    what = ""
    if shipped:
        what = " (" + ", ".join(sorted({f"{ln.tracking_number}" for ln in shipped}))[:100] + ")"
    return events.event(company=company, order=order, kind=EventKind.MARKETPLACE_PROGRESS, at=now,
                        message=_("쇼핑몰에서 처리된 진행을 반영했습니다: %(old)s → %(new)s%(what)s") % {
                          "old": status_label(old), "new": status_label(order.status), "what": what},
                        data={"old": old, "new": order.status, "run": run_id, "lines": [ln.pk for ln in moved]})








# --- claims block the flow -----------------------------------------------------------------------------

def claim_refusal(lines: Sequence[OrderLine], action: str) -> str:
    """Why lines with a pending marketplace claim cannot go on ("" when none has one). `action` is the
    Korean word of what was asked (주문확정, 운송장 출력, 출고 …)."""
    pending = [ln for ln in lines if ln.claim and ln.status != S.CANCELLED]
    if not pending:
        return ""
    first = pending[0]
    return _("%(claim)s 중인 상품이 있어 %(action)s할 수 없습니다: %(name)s. 쇼핑몰에서 요청을 처리(승인 또는 거부)한 뒤 "
             "다시 수집하세요.") % {"claim": ClaimState(first.claim).label, "action": action,
                               "name": first.product_name[:60]}
