"""What every stage reads of a line and writes back to its order: the quantity still to ship, whether
a line is cancelled, the order's denormalized roll-up of its lines, and the refusal every order
action raises (`FlowError`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import OPEN_STATUSES, ChannelStatus, MatchStatus, Order, OrderLine, OrderStatus, StockState

CANCELLED_CHANNEL = frozenset({ChannelStatus.CANCELLED.value})
ORDER_ROLLUP_FIELDS = ["line_count", "item_summary", "search_text", "is_matched", "status", "stock_state", "claim",
                       "dispatch_due"]


class FlowError(Exception):
    """A change was refused; `str(exc)` is a Korean message for the user."""


@dataclass
class OrderOutcome:
    order: Order
    ok: bool
    message: str


@dataclass
class TransitionResult:
    """Per order: done or refused with the reason (bulk actions show these per row)."""

    outcomes: list[OrderOutcome] = field(default_factory=list)

    @property
    def ok_count(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def failed(self) -> list[OrderOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def __iter__(self):
        return iter(self.outcomes)


def line_effective_quantity(line: OrderLine) -> int:
    """Units still to ship: the quantity net of cancellations (0 once the marketplace cancelled the line)."""
    if line.channel_status in CANCELLED_CHANNEL:
        return 0
    return max(0, (line.quantity or 0) - (line.cancelled_quantity or 0))


def line_is_cancelled(line: OrderLine) -> bool:
    return line.channel_status in CANCELLED_CHANNEL or line.status == OrderStatus.CANCELLED or (
        line.quantity > 0 and line.cancelled_quantity >= line.quantity)


def _rollup_stock_state(lines: Sequence[OrderLine], active: Sequence[OrderLine]) -> str:
    states = {str(ln.stock_state) for ln in active}
    if not active:
        return StockState.RELEASED if any(ln.stock_state == StockState.RELEASED for ln in lines) else StockState.NONE
    if StockState.SHORT in states:
        return StockState.SHORT
    if states == {StockState.UNMANAGED.value}:
        return StockState.UNMANAGED
    if states <= {StockState.RESERVED.value, StockState.UNMANAGED.value, StockState.OUTSIDE.value} \
            and StockState.RESERVED.value in states:
        return StockState.RESERVED
    if StockState.DEDUCTED in states:
        return StockState.DEDUCTED
    if states <= {StockState.OUTSIDE.value, StockState.UNMANAGED.value}:
        return StockState.OUTSIDE
    return StockState.NONE


def order_rollup(order: Order, lines: Sequence[OrderLine]) -> None:
    """Recompute an order's denormalized fields from all its lines (in memory)."""
    lines = sorted(lines, key=lambda ln: (ln.pk or 0, ln.channel_line_id))
    order.line_count = len(lines)
    if lines:
        first = lines[0]
        summary = " ".join(x for x in (first.product_name, first.option_text) if x)
        if len(lines) > 1:
            summary += _(" 외 %(n)s건") % {"n": len(lines) - 1}
        order.item_summary = summary[:300]
    parts = [order.channel_order_id, order.bundle_id]
    for ln in lines:
        parts += [ln.product_name, ln.option_text, ln.seller_product_code, ln.seller_option_code, ln.channel_line_id]
    order.search_text = " ".join(dict.fromkeys(p for p in parts if p))
    active = [ln for ln in lines if not line_is_cancelled(ln)]
    order.is_matched = bool(lines) and all(ln.match_status == MatchStatus.MATCHED for ln in (active or lines))
    if lines and not active and order.status in OPEN_STATUSES:
        order.status = OrderStatus.CANCELLED
    order.claim = next((ln.claim for ln in active if ln.claim), "")
    dues = [ln.dispatch_due for ln in active if ln.dispatch_due and ln.status in OPEN_STATUSES]
    order.dispatch_due = min(dues) if dues else None
    order.stock_state = _rollup_stock_state(lines, active)
