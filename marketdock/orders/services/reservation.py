"""Every rule between orders and stock (INV-5): what a line holds, when it is reserved, deducted,
released or given back, and THE quantity helper (`component_units`: a component's units for the part
of the line still to ship).

`OrderLineComponent.quantity` is the SKU units for the whole line as ordered (per-unit × line quantity);
what is held follows the line's quantity net of cancellations.

Reservation (via `inventory.services.stock_reserve_each`) is all-or-nothing per order: an order
reserves only when every active line is matched. A page of orders is reserved in one pass over the
ledger — its stock rows locked at once in (sku, warehouse) order, each order decided in memory in page
order — so one short order never blocks the others and two pages never lock rows in opposite orders.
A short order is `StockState.SHORT` with an `OrderEvent` naming the SKU — not an error of the run.

The order flow (stock kept when the company has a default warehouse): at 출고준비 each line's stock is
deducted exactly once (`lines_deduct`: its reservation becomes a `shipment` movement; a line not yet
reserved is reserved and deducted in the same transaction; products not stock-managed are skipped).
Cancelling (`lines_give_back`) releases reservations and puts deducted stock of goods that never left
back on hand (`return` movement). Goods the marketplace shipped without marketdock
(`outside_shipments_stock`) hold nothing, or are deducted once when the company asks for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import Company, User
from marketdock.inventory.models import Warehouse
from marketdock.inventory.services import (
    InsufficientStock,
    StockError,
    StockLine,
    stock_deduct,
    stock_lock,
    stock_release,
    stock_reserve,
    stock_reserve_each,
    stock_return,
)

from .. import events
from ..models import (
    OPEN_STATUSES,
    SHIPPED_STATUSES,
    ChannelStatus,
    EventKind,
    MatchStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderLineComponent,
    OrderSettings,
    StockState,
)
from .lines import FlowError, line_effective_quantity, line_is_cancelled

# channel statuses of a line whose goods still have to leave the warehouse (stock is held for them)
RESERVABLE = frozenset(s.value for s in (ChannelStatus.NEW, ChannelStatus.CONFIRMED, ChannelStatus.READY,
                                         ChannelStatus.CANCEL_REQUESTED))
Components = dict[int, list[tuple[int, int]]]  # line id → [(sku id, units for the whole line as ordered)]


# --- the quantity helper ---------------------------------------------------------------------------------


def component_units(line: OrderLine, line_units: int, quantity: int | None = None) -> int:
    """A component's units for `quantity` of the line's ordered items (default: what is still to ship,
    net of cancellations). `line_units` is the component's quantity for the whole line as ordered."""
    if quantity is None:
        quantity = line_effective_quantity(line)
    return line_units * quantity // max(1, line.quantity)


def stock_lines_for(line: OrderLine, components: Iterable[tuple[int, int]],
                    quantity: int | None = None) -> list[StockLine]:
    """The ledger lines of `line` (one per SKU with units > 0) for `quantity` of its items."""
    out = []
    for sku_id, line_units in components:
        units = component_units(line, line_units, quantity)
        if units > 0:
            out.append(StockLine(sku_id, None, units, ("order_line", line.pk)))
    return out


def line_components(company: Company, lines: Sequence[OrderLine]) -> Components:
    out: Components = defaultdict(list)
    for line_id, sku_id, qty in OrderLineComponent.objects.filter(
            company=company, line_id__in=[ln.pk for ln in lines]).values_list("line_id", "sku_id", "quantity"):
        out[line_id].append((sku_id, qty))
    return out


def _held(result) -> set[str]:
    """The order lines a ledger result actually held stock for (not-managed products are skipped)."""
    return {m.reference_id for m in result.movements if m.reference_type == "order_line"}


# --- settings --------------------------------------------------------------------------------------------


def inventory_enabled(company: Company) -> bool:
    """Stock is held for orders when the company keeps stock: it has a default warehouse."""
    return Warehouse.objects.filter(company=company, is_default=True).exists()


def deduct_outside(company: Company) -> bool:
    return OrderSettings.objects.filter(company=company, deduct_outside_shipments=True).exists()


def order_settings(company: Company) -> OrderSettings:
    return OrderSettings.objects.filter(company=company).first() or OrderSettings(company=company)


def order_settings_save(*, company: Company, deduct_outside_shipments: bool) -> OrderSettings:
    settings_row = order_settings(company)
    settings_row.deduct_outside_shipments = bool(deduct_outside_shipments)
    settings_row.updated_at = timezone.now()
    settings_row.save()
    return settings_row


# --- reservation on collection and matching -----------------------------------------------------------


@dataclass
class ReserveOutcome:
    reserved: int = 0  # orders
    short: int = 0
    unmanaged: int = 0
    events: list[OrderEvent] = field(default_factory=list)
    changed_lines: list[OrderLine] = field(default_factory=list)


def _reserve_candidates(orders: Sequence[Order], lines_by_order: dict[int, list[OrderLine]],
                        components: Components) -> list[tuple[Order, list[OrderLine]]]:
    candidates: list[tuple[Order, list[OrderLine]]] = []
    for order in orders:
        if order.status not in OPEN_STATUSES:
            continue
        lines = lines_by_order.get(order.pk, [])
        # lines the marketplace already shipped hold nothing (their goods left without marketdock)
        active = [ln for ln in lines if not line_is_cancelled(ln) and line_effective_quantity(ln) > 0
                  and ln.status not in SHIPPED_STATUSES]
        if not active or any(ln.match_status != MatchStatus.MATCHED for ln in active):
            continue
        if any(ln.channel_status not in RESERVABLE for ln in active):
            continue
        todo = [ln for ln in active if ln.stock_state in (StockState.NONE, StockState.SHORT)]
        if todo and all(components.get(ln.pk) for ln in todo):
            candidates.append((order, todo))
    return candidates


def orders_reserve(*, company: Company, orders: Sequence[Order], lines_by_order: dict[int, list[OrderLine]],
                   components: Components, user: User | None = None, run_id: int | None = None) -> ReserveOutcome:
    """Hold stock for every order whose active lines are all matched and not yet held. Sets
    `stock_state` on lines and orders in memory (the caller saves them) and returns the events.
    `components` maps line id → [(sku id, units for the whole line)]."""
    out = ReserveOutcome()
    candidates = _reserve_candidates(orders, lines_by_order, components)
    if not candidates:
        return out

    def apply_ok(order: Order, todo: list[OrderLine], held_line_ids: set[str]) -> None:
        codes = []
        for ln in todo:
            ln.stock_state = StockState.RESERVED if str(ln.pk) in held_line_ids else StockState.UNMANAGED
            out.changed_lines.append(ln)
            codes.append(ln.pk)
        states = {str(ln.stock_state) for ln in lines_by_order[order.pk] if not line_is_cancelled(ln)}
        order.stock_state = StockState.UNMANAGED if states == {StockState.UNMANAGED.value} else StockState.RESERVED
        if order.stock_state == StockState.UNMANAGED:
            out.unmanaged += 1
            return
        out.reserved += 1
        out.events.append(events.event(company=company, order=order, kind=EventKind.STOCK_RESERVED, user=user,
                                       message=_("재고를 할당했습니다."), data={"lines": codes, "run": run_id}))

    def apply_short(order: Order, todo: list[OrderLine], exc: StockError) -> None:
        for ln in todo:
            ln.stock_state = StockState.SHORT
            out.changed_lines.append(ln)
        order.stock_state = StockState.SHORT
        out.short += 1
        data = {"run": run_id}
        if isinstance(exc, InsufficientStock):
            data["skus"] = [s.sku_code for s in exc.shortages]
        out.events.append(events.event(company=company, order=order, kind=EventKind.STOCK_SHORT, user=user,
                                       message=str(exc), data=data))

    # One pass over the ledger for the whole page (issue 11): the page's stock rows are locked at once
    # in (sku, warehouse) order, each order is decided in memory, first come first served.
    groups = [[sl for ln in todo for sl in stock_lines_for(ln, components[ln.pk])] for _o, todo in candidates]
    outcomes = stock_reserve_each(company=company, groups=groups, user=user, reason=_("주문 수집 재고할당"))
    for (order, todo), result in zip(candidates, outcomes, strict=True):
        if isinstance(result, StockError):
            apply_short(order, todo, result)
        else:
            apply_ok(order, todo, _held(result))
    return out


def order_lines_stock_lock(*, company: Company, lines: Sequence[OrderLine], components: Components) -> None:
    """Lock, in the one global (sku, warehouse) order, every stock row the matched `lines` hold or may
    reserve: a transaction that releases some lines and reserves others (a collection page) calls it
    before its first stock change, so it never takes stock rows in two different orders."""
    stock_lock(company=company, lines=[StockLine(sku_id, None, 1) for ln in lines
                                       for sku_id, _qty in components.get(ln.pk, [])])


def line_release(*, company: Company, line: OrderLine, components: list[tuple[int, int]], old_effective: int,
                 user: User | None = None) -> tuple[str, str]:
    """Give back what a line held beyond its current effective quantity (a marketplace cancel of
    the line, whole or partial). Returns (event kind, message)."""
    stock = stock_lines_for(line, components, old_effective - line_effective_quantity(line))
    if not stock:
        return "", ""
    try:
        stock_release(company=company, lines=stock, user=user, reason=_("쇼핑몰 취소 재고할당 해제"))
    except StockError as exc:
        return EventKind.STOCK_ERROR, _("재고할당 해제 실패: %(err)s") % {"err": exc}
    if line_effective_quantity(line) == 0:
        line.stock_state = StockState.RELEASED
    return EventKind.STOCK_RELEASED, _("쇼핑몰 취소로 재고할당을 해제했습니다: %(name)s") % {"name": line.product_name[:100]}


# --- the order flow: 출고준비 deducts, 취소 gives back ---------------------------------------------------


def lines_deduct(company: Company, lines: list[OrderLine], user: User | None) -> None:
    """출고준비: deduct each active line's stock once (reserve first where it is not reserved)."""
    todo = [ln for ln in lines if not line_is_cancelled(ln) and ln.stock_state not in (
        StockState.DEDUCTED, StockState.UNMANAGED)]
    if not todo:
        return
    comps = line_components(company, todo)
    unmatched = [ln for ln in todo if ln.match_status != MatchStatus.MATCHED or not comps.get(ln.pk)]
    if unmatched:
        raise FlowError(_("매칭되지 않은 상품이 있습니다: %(names)s") % {
            "names": ", ".join(ln.product_name[:40] for ln in unmatched[:3])})
    to_reserve = [sl for ln in todo if ln.stock_state != StockState.RESERVED for sl in stock_lines_for(ln, comps[ln.pk])]
    to_deduct = [sl for ln in todo for sl in stock_lines_for(ln, comps[ln.pk])]
    reason = _("출고준비 재고차감")
    try:
        stock_lock(company=company, lines=to_reserve + to_deduct)  # one lock order for both calls
        if to_reserve:
            stock_reserve(company=company, lines=to_reserve, user=user, reason=reason)
        result = stock_deduct(company=company, lines=to_deduct, user=user, reason=reason) if to_deduct else None
    except StockError as exc:
        raise FlowError(str(exc)) from None
    deducted = _held(result) if result else set()
    for ln in todo:
        ln.stock_state = StockState.DEDUCTED if str(ln.pk) in deducted else StockState.UNMANAGED


def lines_give_back(company: Company, lines: list[OrderLine], user: User | None) -> None:
    """취소: release reservations; put deducted stock of goods that never left back on hand."""
    held = [ln for ln in lines if ln.stock_state in (StockState.RESERVED, StockState.DEDUCTED)
            and ln.status not in SHIPPED_STATUSES]
    if not held:
        return
    comps = line_components(company, held)
    release = [sl for ln in held if ln.stock_state == StockState.RESERVED for sl in stock_lines_for(ln, comps[ln.pk])]
    back = [sl for ln in held if ln.stock_state == StockState.DEDUCTED for sl in stock_lines_for(ln, comps[ln.pk])]
    try:
        stock_lock(company=company, lines=release + back)  # one lock order for both calls
        if release:
            stock_release(company=company, lines=release, user=user, reason=_("주문 취소 재고할당 해제"))
        if back:
            stock_return(company=company, lines=back, user=user, reason=_("출고 전 주문 취소 재고 복원"))
    except StockError as exc:
        raise FlowError(_("재고를 되돌리지 못했습니다: %(err)s") % {"err": exc}) from None
    for ln in held:
        ln.stock_state = StockState.RELEASED


# --- goods that left without marketdock ---------------------------------------------------------------


def _outside_release(company: Company, line: OrderLine, stock: list[StockLine], user: User | None) -> str:
    """Setting off: release what the line holds; returns what happened (for the event)."""
    if line.stock_state == StockState.RESERVED and stock:
        try:
            stock_release(company=company, lines=stock, user=user, reason=_("쇼핑몰에서 직접 출고 재고할당 해제"))
        except StockError as exc:
            return _("재고할당 해제 실패: %(err)s") % {"err": exc}
        line.stock_state = StockState.OUTSIDE
        return _("재고할당을 해제했습니다")
    line.stock_state = StockState.OUTSIDE
    return _("재고를 할당·차감하지 않았습니다")


def _outside_deduct(company: Company, line: OrderLine, stock: list[StockLine], user: User | None) -> str:
    """Setting on: deduct the line's stock once; returns what happened (for the event)."""
    if line.match_status != MatchStatus.MATCHED or not stock:
        line.stock_state = StockState.OUTSIDE
        return _("매칭되지 않아 재고를 차감하지 못했습니다")
    try:
        if line.stock_state != StockState.RESERVED:
            stock_reserve(company=company, lines=stock, user=user, reason=_("쇼핑몰에서 직접 출고 재고차감"))
        result = stock_deduct(company=company, lines=stock, user=user, reason=_("쇼핑몰에서 직접 출고 재고차감"))
    except StockError as exc:
        if line.stock_state == StockState.RESERVED:
            try:
                stock_release(company=company, lines=stock, user=user, reason=_("쇼핑몰에서 직접 출고 재고할당 해제"))
            except StockError:
                pass
        line.stock_state = StockState.OUTSIDE
        return _("재고 차감 실패: %(err)s") % {"err": exc}
    line.stock_state = StockState.DEDUCTED if str(line.pk) in _held(result) else StockState.UNMANAGED
    return _("재고를 차감했습니다")


def outside_shipments_stock(*, company: Company, lines: Sequence[OrderLine], components: Components,
                            user: User | None, run_id: int, now: datetime, stock: bool = True,
                            ) -> tuple[list[OrderEvent], list[OrderLine]]:
    """Lines the marketplace shipped without marketdock: release what they hold (setting off) or deduct
    once (setting on). Lines already deducted, released or unmanaged are left alone, so running this
    again changes nothing. Returns (events, lines whose stock_state changed). Without stock keeping
    (`stock` False) only the events are written."""
    todo = [ln for ln in lines if ln.status in SHIPPED_STATUSES
            and ln.stock_state in (StockState.NONE, StockState.SHORT, StockState.RESERVED)]
    if not todo:
        return [], []
    if not stock:
        return [events.event(company=company, order_id=order_id, kind=EventKind.SHIPPED_OUTSIDE, at=now,
                             message=_("쇼핑몰에서 이미 출고된 상품입니다 (marketdock 밖에서 발송)."),
                             data={"run": run_id}) for order_id in dict.fromkeys(ln.order_id for ln in todo)], []
    deduct = deduct_outside(company)
    changed: list[OrderLine] = []
    by_order: dict[int, list[tuple[OrderLine, str]]] = defaultdict(list)
    for line in todo:
        before = line.stock_state
        stock_lines = stock_lines_for(line, components.get(line.pk) or [])
        what = (_outside_deduct if deduct else _outside_release)(company, line, stock_lines, user)
        if line.stock_state != before or line.stock_state == StockState.OUTSIDE:
            changed.append(line)
        by_order[line.order_id].append((line, what))
    rows = []
    for order_id, items in by_order.items():
        text = "; ".join(f"{ln.product_name[:40]}: {what}" for ln, what in items)
        rows.append(events.event(company=company, order_id=order_id, kind=EventKind.SHIPPED_OUTSIDE, at=now,
                                 message=_("쇼핑몰에서 이미 출고된 상품입니다 (marketdock 밖에서 발송). %(what)s")
                                 % {"what": text},
                                 data={"run": run_id, "lines": [ln.pk for ln, _w in items], "deduct": deduct}))
    return rows, changed
