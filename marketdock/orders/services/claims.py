"""What a decided claim does to orders (asked by the claims app, which decides the claims; orders never
imports claims):

- `order_line_cancel`: a cancel approved before the line shipped (a buyer's cancel request, a
  seller's sold-out cancel). The line's cancelled quantity becomes at least the one given; what the
  line still holds in stock beyond its quantity left to ship is given back — reservations released,
  stock deducted at 출고준비 for goods that never left put back on hand (`return` movement). What the
  line holds is read from the ledger (its `order_line` movements), not from the line's state, so a
  cancel approved twice, or reported by the marketplace's collection as well (which releases
  reservations itself, `reservation.line_release`), never gives stock back twice.
- `order_reship_create`: an exchange's replacement as an order of its own (same channel account and
  recipient, one line matched to the chosen SKU, 주문확정, stock reserved), so it goes through packages,
  labels and the scan check like any other order.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.selectors import set_components
from marketdock.core.models import Company, User
from marketdock.inventory.models import StockMovement
from marketdock.inventory.services import StockError, StockLine, stock_lock, stock_release, stock_return

from .. import events
from ..models import (
    SHIPPED_STATUSES,
    ChannelStatus,
    EventKind,
    MatchSource,
    MatchStatus,
    Order,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    StockState,
    status_label,
)
from .lines import ORDER_ROLLUP_FIELDS, FlowError, line_effective_quantity, order_rollup
from .reservation import component_units, line_components, orders_reserve

LINE_FIELDS = ["status", "cancelled_quantity", "stock_state", "updated_at"]


def _physical_units(company: Company, line: OrderLine) -> dict[int, int]:
    """{physical SKU id: units} the line's quantity still to ship needs (sets expanded)."""
    comps = line_components(company, [line]).get(line.pk, [])
    sets = set_components(company, {sku_id for sku_id, _units in comps})
    out: dict[int, int] = defaultdict(int)
    for sku_id, line_units in comps:
        units = component_units(line, line_units)
        for physical, per in sets.get(sku_id, [(sku_id, 1)]):
            out[physical] += units * per
    return out


def line_stock_held(company: Company, line: OrderLine) -> dict[tuple[int, int], tuple[int, int]]:
    """{(sku id, warehouse id): (reserved, deducted and still in the warehouse)} for a line that has not
    shipped, from its ledger movements."""
    rows = (StockMovement.objects.filter(company=company, reference_type="order_line", reference_id=str(line.pk))
            .values("sku_id", "warehouse_id").annotate(r=Sum("reserved_change"), q=Sum("quantity")))
    return {(row["sku_id"], row["warehouse_id"]): (max(0, row["r"] or 0), max(0, -(row["q"] or 0))) for row in rows}


def _give_back(company: Company, line: OrderLine, user: User | None) -> tuple[int, int]:
    """Release / put back what the line holds beyond its quantity still to ship. (released, returned)."""
    held = line_stock_held(company, line)
    if not held:
        return 0, 0
    # lock the rows first (collection locks them before its own releases), then read what is held
    # again: a release committed meanwhile by a collection of the same cancel is seen, never repeated
    stock_lock(company=company, lines=[StockLine(sku_id, wh_id, 1) for sku_id, wh_id in sorted(held)])
    held = line_stock_held(company, line)
    need = _physical_units(company, line)
    release: list[StockLine] = []
    back: list[StockLine] = []
    for (sku_id, warehouse_id), (reserved, deducted) in sorted(held.items()):
        keep = need.get(sku_id, 0)
        excess = max(0, reserved + deducted - keep)
        need[sku_id] = max(0, keep - reserved - deducted)
        rel = min(reserved, excess)
        ret = min(deducted, excess - rel)
        ref = ("order_line", line.pk)
        if rel:
            release.append(StockLine(sku_id, warehouse_id, rel, ref))
        if ret:
            back.append(StockLine(sku_id, warehouse_id, ret, ref))
    try:
        if release:
            stock_release(company=company, lines=release, user=user, reason=_("클레임 취소 재고할당 해제"))
        if back:
            stock_return(company=company, lines=back, user=user, reason=_("출고 전 취소 재고 복원"))
    except StockError as exc:
        raise FlowError(_("재고를 되돌리지 못했습니다: %(err)s") % {"err": exc}) from None
    return sum(s.quantity for s in release), sum(s.quantity for s in back)


def order_line_cancel(*, company: Company, line: OrderLine, cancelled_quantity: int, user: User | None,
                      reason: str = "") -> Order:
    """Cancel a line (in part or whole) before it ships; see the module's docstring. Runs in the
    caller's transaction (a savepoint); raises FlowError (nothing changed) when the line has shipped."""
    if line.company_id != company.pk:
        raise FlowError(_("주문을 찾을 수 없습니다."))
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("account").get(company=company, pk=line.order_id)
        lines = list(OrderLine.objects.select_for_update().filter(company=company, order=order).order_by("id"))
        ln = next(x for x in lines if x.pk == line.pk)
        if ln.status in SHIPPED_STATUSES:
            raise FlowError(_("이미 출고된 상품은 취소할 수 없습니다. 반품으로 처리하세요."))
        now, old_status = timezone.now(), order.status
        ln.cancelled_quantity = min(ln.quantity, max(ln.cancelled_quantity, cancelled_quantity))
        if line_effective_quantity(ln) == 0:
            ln.status = OrderStatus.CANCELLED
        released, returned = _give_back(company, ln, user)
        if (released or returned) and line_effective_quantity(ln) == 0:
            ln.stock_state = StockState.RELEASED
        ln.updated_at = now
        OrderLine.objects.filter(pk=ln.pk).update(**{f: getattr(ln, f) for f in LINE_FIELDS})
        order_rollup(order, lines)
        order.changed_at = now
        if order.status == OrderStatus.CANCELLED:
            order.hold_from, order.hold_reason = "", ""
        order.save(update_fields=ORDER_ROLLUP_FIELDS + ["changed_at", "hold_from", "hold_reason"])
        text = _("상품 취소: %(name)s %(n)s개") % {"name": ln.product_name[:80], "n": ln.cancelled_quantity}
        if old_status != order.status:
            text += " · " + _("%(old)s → %(new)s") % {"old": status_label(old_status), "new": status_label(order.status)}
        if reason:
            text += f" · {reason[:200]}"
        events.record(company=company, order=order, line=ln, kind=EventKind.STATUS, user=user, message=text,
                      data={"old": old_status, "new": order.status, "lines": [ln.pk]})
        if released or returned:
            events.record(company=company, order=order, line=ln, kind=EventKind.STOCK_RELEASED, user=user,
                          message=_("취소로 재고를 되돌렸습니다: 할당해제 %(r)s개, 재고복원 %(b)s개") % {"r": released, "b": returned},
                          data={"released": released, "returned": returned})
    line.status, line.cancelled_quantity, line.stock_state = ln.status, ln.cancelled_quantity, ln.stock_state
    return order


def order_reship_create(*, company: Company, source: OrderLine, sku_id: int, quantity: int, suffix: str,
                        user: User | None, reason: str = "") -> Order:
    """The replacement of an exchange as an order of its own (see the module's docstring). `suffix`
    makes its order number (원주문번호-suffix) unique per claim; creating it again returns the same."""
    if source.company_id != company.pk:
        raise FlowError(_("주문을 찾을 수 없습니다."))
    src = Order.objects.select_related("account").get(company=company, pk=source.order_id)
    number = f"{src.channel_order_id}-{suffix}"[:100]
    existing = Order.objects.filter(company=company, account=src.account, channel_order_id=number).first()
    if existing is not None:
        return existing
    from marketdock.catalog.models import SKU

    sku = SKU.objects.select_related("product").filter(company=company, pk=sku_id).first()
    if sku is None:
        raise FlowError(_("교환 SKU를 찾을 수 없습니다."))
    now = timezone.now()
    copy = {f: getattr(src, f) for f in (
        "bundle_id", "buyer_name", "buyer_phone", "buyer_email", "recipient_name", "recipient_phone",
        "recipient_postal_code", "recipient_address1", "recipient_address2", "recipient_country", "delivery_message",
        "currency", "buyer_phone_digits", "recipient_phone_digits")}
    with transaction.atomic():
        order = Order.objects.create(company=company, account=src.account, channel_order_id=number,
                                     status=OrderStatus.CONFIRMED, ordered_at=now, paid_at=now, collected_at=now,
                                     changed_at=now, total_amount=0, **copy)
        line = OrderLine.objects.create(
            company=company, order=order, account=src.account, channel_line_id=f"{source.channel_line_id}-{suffix}"[:120],
            channel_product_id=source.channel_product_id, channel_option_id=source.channel_option_id,
            product_name=sku.product.name[:300], option_text=sku.option_text[:300], seller_product_code=sku.product.code,
            seller_option_code=sku.code, quantity=quantity, currency=source.currency, status=OrderStatus.CONFIRMED,
            channel_status=ChannelStatus.CONFIRMED, match_status=MatchStatus.MATCHED, match_source=MatchSource.MANUAL,
            dispatch_due=timezone.localdate(), created_at=now, updated_at=now)
        OrderLineComponent.objects.create(company=company, line=line, sku=sku, quantity=quantity)
        outcome = orders_reserve(company=company, orders=[order], lines_by_order={order.pk: [line]},
                                 components={line.pk: [(sku.pk, quantity)]}, user=user)
        line.save(update_fields=["stock_state"])
        order_rollup(order, [line])
        order.save(update_fields=ORDER_ROLLUP_FIELDS)
        events.record_all(outcome.events)
        events.record(company=company, order=order, kind=EventKind.STATUS, user=user,
                      message=_("교환 재발송 주문 (원주문 %(no)s)%(why)s") % {
                          "no": src.channel_order_id, "why": f" · {reason[:200]}" if reason else ""},
                      data={"source_order": src.pk, "source_line": source.pk})
    return order
