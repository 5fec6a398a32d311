"""The order status flow (ORD-4..7): the allowed moves and one small function per move.

Every change of an order's status goes through `order_transition`, which checks the move against
`ALLOWED`, applies it per order in its own savepoint (a bulk action gives a result per order and one
refused order never blocks the others), writes an `OrderEvent` with the user and the reason, and —
where the marketplace must hear about it — records an outbox message in the SAME transaction
(`effects`: 발주확인 on 주문확정, 송장전송 on 출고완료).

Stock (when the company keeps stock, i.e. has a default warehouse): confirmation requires every
active line matched; 출고준비 deducts each line's stock once; 취소 gives it back (`reservation`).

Moving back (documented rules):
- 주문확정 → 신규: the OMS status only (a 발주확인 already sent stays sent; confirming again sends nothing).
- 출고준비 → 주문확정 (e.g. to reprint): the stock stays deducted (the goods are picked); a later
  출고준비 deducts nothing more. The package's label is the packaging screen's business.
- 출고완료 → 출고준비: only while the marketplace has not received (and is not about to receive) the
  tracking number — no dispatch message pending, sending or sent. A failed one is set aside.
- 보류 → the status the order had before the hold (remembered), or 취소.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from marketdock.core.models import Company, User

from .. import events
from ..hooks import PackageShipment, shipment_taken
from ..models import (
    FLOW_SEQUENCE,
    SHIPPED_STATUSES,
    EventKind,
    MatchStatus,
    Order,
    OrderLine,
    OrderStatus,
    status_label,
)
from . import effects
from .lines import (
    ORDER_ROLLUP_FIELDS,
    FlowError,
    OrderOutcome,
    TransitionResult,
    line_is_cancelled,
    order_rollup,
)
from .progress import claim_refusal
from .reservation import inventory_enabled, lines_deduct, lines_give_back
from .shipments import shipment_for

S = OrderStatus

# The allowed moves (from → to). 보류 → X is further limited to the status before the hold (or 취소).
ALLOWED: dict[str, frozenset[str]] = {str(k): frozenset(str(v) for v in vs) for k, vs in {
    S.NEW: {S.CONFIRMED, S.HOLD, S.CANCELLED},
    S.CONFIRMED: {S.READY, S.NEW, S.HOLD, S.CANCELLED},
    S.READY: {S.SHIPPED, S.CONFIRMED, S.HOLD, S.CANCELLED},
    S.SHIPPED: {S.IN_TRANSIT, S.DELIVERED, S.READY},
    S.IN_TRANSIT: {S.DELIVERED},
    S.DELIVERED: set(),
    S.HOLD: {S.NEW, S.CONFIRMED, S.READY, S.CANCELLED},
    S.CANCELLED: set(),
}.items()}
# what a pending marketplace claim refuses, in the words of the refusal
CLAIM_ACTIONS = {S.CONFIRMED: pgettext_lazy("claim refusal", "주문확정"), S.READY: pgettext_lazy("claim refusal", "출고준비"),
                 S.SHIPPED: pgettext_lazy("claim refusal", "출고")}
LINE_FIELDS = ["status", "stock_state", "shipping_method", "carrier_key", "tracking_number", "shipped_at", "updated_at"]
ORDER_FIELDS = ORDER_ROLLUP_FIELDS + ["hold_from", "hold_reason", "shipped_at", "changed_at"]


def allowed_targets(order: Order) -> list[str]:
    """The statuses `order` may move to now (for the buttons of the detail screen)."""
    targets = ALLOWED.get(order.status, frozenset())
    if order.status == S.HOLD:
        targets = {t for t in targets if t in (order.hold_from, S.CANCELLED.value)}
    return [s for s in OrderStatus.values if s in targets]


def transition_refusal(order: Order, to: str) -> str:
    """Why `order` cannot move to `to` by the table ("" when it can)."""
    if to not in OrderStatus.values:
        return _("알 수 없는 상태입니다: %(s)s") % {"s": to}
    if to == order.status:
        return _("이미 %(s)s 상태입니다.") % {"s": status_label(to)}
    if to not in ALLOWED.get(order.status, frozenset()):
        return _("%(old)s 상태의 주문은 %(new)s(으)로 바꿀 수 없습니다.") % {
            "old": status_label(order.status), "new": status_label(to)}
    if order.status == S.HOLD and to != S.CANCELLED and to != order.hold_from:
        return _("보류 해제는 보류 전 상태(%(s)s)로만 돌아갑니다.") % {"s": status_label(order.hold_from or S.NEW)}
    return ""


# --- one move ----------------------------------------------------------------------------------------


@dataclass
class Move:
    """One order being moved (locked, fresh) with its lines; the move functions fill `moved` (lines
    to save) and may rewrite `summary`."""

    company: Company
    order: Order
    old: str
    to: str
    user: User | None
    reason: str
    lines: list[OrderLine]
    now: datetime
    line_ids: set[int] | None = None
    tracking: tuple[Any, str] | None = None
    method: str = "parcel"
    package: PackageShipment | None = None
    moved: list[OrderLine] = field(default_factory=list)
    summary: str = ""

    @property
    def active(self) -> list[OrderLine]:
        return [ln for ln in self.lines if not line_is_cancelled(ln)]

    @property
    def stock_on(self) -> bool:
        return inventory_enabled(self.company)

    def move_lines(self, target: str) -> None:
        """Lines follow the order (forward and back); lines already shipped keep their own progress."""
        for ln in self.active:
            if ln.status not in SHIPPED_STATUSES and ln.status != target:
                ln.status = target
                self.moved.append(ln)


def _resume(m: Move) -> None:
    """What every move off the hold/cancel branches needs: leave the hold, have a line to move."""
    if m.old == S.HOLD:  # back to where it was
        m.order.hold_from, m.order.hold_reason = "", ""
    if not m.active:
        raise FlowError(_("처리할 상품이 없습니다 (모두 취소됨)."))


def _refuse_claims(lines: Sequence[OrderLine], to: str) -> None:
    refusal = claim_refusal(lines, CLAIM_ACTIONS[to])
    if refusal:
        raise FlowError(refusal)


def _hold(m: Move) -> str:
    if not m.reason.strip():
        raise FlowError(_("보류 사유를 입력하세요."))
    m.order.hold_from, m.order.hold_reason = m.old, m.reason.strip()[:300]
    return S.HOLD


def _cancel(m: Move) -> str:
    active = m.active
    if any(ln.status in SHIPPED_STATUSES for ln in active):
        raise FlowError(_("이미 출고된 상품이 있어 주문을 취소할 수 없습니다."))
    if m.stock_on:
        lines_give_back(m.company, m.lines, m.user)
    for ln in active:
        ln.status = S.CANCELLED
        m.moved.append(ln)
    m.order.hold_from, m.order.hold_reason = "", ""
    return S.CANCELLED


def _back_to_new(m: Move) -> str:
    _resume(m)
    m.move_lines(S.NEW)
    return S.NEW


def _confirm(m: Move) -> str:
    _resume(m)
    active = m.active
    _refuse_claims(active, S.CONFIRMED)
    forward = m.old in (S.NEW, S.HOLD)
    if forward and m.stock_on:
        unmatched = [ln for ln in active if ln.match_status != MatchStatus.MATCHED]
        if unmatched:
            raise FlowError(_("매칭되지 않은 상품이 있어 주문확정할 수 없습니다: %(names)s") % {
                "names": ", ".join(ln.product_name[:40] for ln in unmatched[:3])})
    m.move_lines(S.CONFIRMED)
    if forward and effects.channel_confirms(m.order.account):
        # lines the marketplace still shows as 결제완료 (confirmed there already: nothing to send)
        pending = [ln for ln in active if ln.channel_status == "new"]
        if pending:
            effects.confirm_enqueue(company=m.company, order=m.order, lines=pending)
    return S.CONFIRMED


def _ready(m: Move) -> str:
    _resume(m)
    active = m.active
    _refuse_claims(active, S.READY)
    if m.old != S.SHIPPED:
        if m.stock_on:
            lines_deduct(m.company, active, m.user)
            m.moved.extend(active)
        m.move_lines(S.READY)
        return S.READY
    # 출고완료 → 출고준비: the lines take their number back off
    effects.dispatch_withdraw(m.company, m.order)
    for ln in active:
        ln.status, ln.tracking_number, ln.carrier_key, ln.shipped_at = S.READY, "", "", None
        m.moved.append(ln)
    m.order.shipped_at = None
    return S.READY


def _chosen_to_ship(m: Move) -> list[OrderLine]:
    chosen = [ln for ln in m.active if ln.status not in SHIPPED_STATUSES]
    if m.line_ids is not None:
        unknown = m.line_ids - {ln.pk for ln in m.lines}
        if unknown:
            raise FlowError(_("이 주문의 상품이 아닙니다: %(ids)s") % {"ids": ", ".join(map(str, sorted(unknown)))})
        chosen = [ln for ln in chosen if ln.pk in m.line_ids]
        if not chosen:
            raise FlowError(_("출고할 상품을 선택하세요 (이미 출고되었거나 취소된 상품은 제외)."))
    return chosen


def _ship(m: Move) -> str:
    """출고 (ORD-6 partial shipment: the order becomes 출고완료 when its last line ships)."""
    _resume(m)
    chosen = _chosen_to_ship(m)
    _refuse_claims(chosen, S.SHIPPED)
    shipment = shipment_for(m.company, m.order, tracking=m.tracking, method=m.method, package=m.package)
    at = shipment.shipped_at or m.now
    for ln in chosen:
        ln.status, ln.shipping_method, ln.shipped_at = S.SHIPPED, shipment.method, at
        ln.carrier_key = shipment.carrier.key if shipment.carrier is not None else ""
        ln.tracking_number = shipment.number
    m.moved.extend(chosen)
    taken = shipment_taken(company=m.company, order=m.order, lines=chosen, shipment=shipment)
    if not taken and m.order.account.kind not in effects.NO_API_CHANNELS:
        effects.dispatch_enqueue(company=m.company, order=m.order, lines=chosen, shipment=shipment)
    active = m.active
    if [ln for ln in active if ln.status not in SHIPPED_STATUSES]:  # the rest ships later
        m.summary = _("부분 출고 %(n)s/%(total)s개 상품 (%(what)s)") % {
            "n": len(chosen), "total": len(active), "what": shipment.label}
        m.move_lines(m.old)
        return m.old
    m.order.shipped_at = at
    m.summary += f" ({shipment.label})"
    return S.SHIPPED


def _advance_shipped(m: Move) -> str:
    """배송중 / 배송완료: shipped lines move on (never back)."""
    _resume(m)
    for ln in m.active:
        if ln.status in SHIPPED_STATUSES and FLOW_SEQUENCE.index(ln.status) < FLOW_SEQUENCE.index(m.to):
            ln.status = m.to
            m.moved.append(ln)
    return m.to


# one function per target status (the table above says from where)
MOVES: dict[str, Callable[[Move], str]] = {
    S.HOLD: _hold, S.CANCELLED: _cancel, S.NEW: _back_to_new, S.CONFIRMED: _confirm, S.READY: _ready,
    S.SHIPPED: _ship, S.IN_TRANSIT: _advance_shipped, S.DELIVERED: _advance_shipped,
}


def _save(m: Move, to: str) -> None:
    order = m.order
    if m.moved:
        for ln in m.moved:
            ln.updated_at = m.now
        OrderLine.objects.bulk_update(list({ln.pk: ln for ln in m.moved}.values()), LINE_FIELDS)
    order.status = to
    order_rollup(order, m.lines)
    if to != S.CANCELLED and order.status == S.CANCELLED and m.old != S.CANCELLED:
        order.status = to  # the rollup only cancels orders whose lines were all cancelled
    order.changed_at = m.now
    order.save(update_fields=ORDER_FIELDS)
    reason = m.reason.strip()
    text = m.summary + (f" · {reason}" if reason else "")
    events.record(company=m.company, order=order, kind=EventKind.STATUS, user=m.user,
                  message=_("상태 변경: %(s)s") % {"s": text},
                  data={"old": m.old, "new": order.status, "reason": reason[:300], "lines": [ln.pk for ln in m.moved]})


def apply_move(*, company: Company, order: Order, to: str, user: User | None, reason: str,
               line_ids: set[int] | None = None, tracking=None, method: str = "parcel",
               package: PackageShipment | None = None) -> tuple[Order, str]:
    """Move one (locked, fresh) order; returns (order, Korean summary). Raises FlowError."""
    refusal = transition_refusal(order, to)
    if refusal:
        raise FlowError(refusal)
    if line_ids is not None and to != S.SHIPPED:
        raise FlowError(_("상품별 처리는 출고(부분 출고)에서만 할 수 있습니다."))
    lines = list(OrderLine.objects.select_for_update().filter(company=company, order=order).order_by("id"))
    m = Move(company=company, order=order, old=order.status, to=to, user=user, reason=reason, lines=lines,
             now=timezone.now(), line_ids=line_ids, tracking=tracking, method=method, package=package,
             summary=_("%(old)s → %(new)s") % {"old": status_label(order.status), "new": status_label(to)})
    final = MOVES[to](m)
    _save(m, final)
    return order, m.summary


def copy_order(dst: Order, src: Order) -> None:
    if dst is src:
        return
    for f in Order._meta.concrete_fields:
        setattr(dst, f.attname, getattr(src, f.attname))


def order_transition(*, company: Company, orders: Sequence[Order], to: str, user: User | None, reason: str = "",
                     lines: Sequence[OrderLine] | None = None, tracking: tuple[Any, str] | None = None,
                     method: str = "parcel", package: PackageShipment | None = None) -> TransitionResult:
    """Move each order to `to` (per-order result; a refused order changes nothing).

    `lines`: ship only these lines now (partial shipment, `to=SHIPPED` only). For `to=SHIPPED` the
    tracking number comes from `tracking=(carrier or carrier key, number)` when given (validated
    against the carrier's rule), else from `package` / the order's package (shipping app), else
    `method="visit"|"direct"` ships without a number."""
    to = str(to)
    result = TransitionResult()
    line_ids = {ln.pk for ln in lines} if lines is not None else None
    for given in orders:
        if given.company_id != company.pk:
            result.outcomes.append(OrderOutcome(given, False, _("주문을 찾을 수 없습니다.")))
            continue
        try:
            with transaction.atomic():
                fresh = Order.objects.select_for_update().select_related("account").get(company=company, pk=given.pk)
                fresh, summary = apply_move(company=company, order=fresh, to=to, user=user, reason=reason,
                                            line_ids=line_ids, tracking=tracking, method=method, package=package)
        except Order.DoesNotExist:
            result.outcomes.append(OrderOutcome(given, False, _("주문을 찾을 수 없습니다.")))
            continue
        except FlowError as exc:
            result.outcomes.append(OrderOutcome(given, False, str(exc)))
            continue
        copy_order(given, fresh)
        result.outcomes.append(OrderOutcome(given, True, summary))
    return result


# --- hold and partial shipment (ORD-5, ORD-6) ------------------------------------------------------------


def order_hold(*, company: Company, orders: Sequence[Order], reason: str, user: User | None) -> TransitionResult:
    """보류 with a reason; the status before is remembered for `order_unhold`."""
    return order_transition(company=company, orders=orders, to=S.HOLD, user=user, reason=reason)


def order_unhold(*, company: Company, orders: Sequence[Order], user: User | None, reason: str = "") -> TransitionResult:
    """보류 해제: each order goes back to the status it had before the hold."""
    result = TransitionResult()
    for order in orders:
        if order.status != S.HOLD:
            result.outcomes.append(OrderOutcome(order, False, _("보류 중인 주문이 아닙니다.")))
            continue
        result.outcomes += order_transition(company=company, orders=[order], to=order.hold_from or S.NEW, user=user,
                                            reason=reason).outcomes
    return result


def order_ship_lines(*, company: Company, order: Order, lines: Sequence[OrderLine], user: User | None,
                     tracking: tuple[Any, str] | None = None, method: str = "parcel",
                     package: PackageShipment | None = None, reason: str = "") -> OrderOutcome:
    """부분 출고 (ORD-6): ship these lines now; the order becomes 출고완료 when its last line ships."""
    if order.status != S.READY:
        return OrderOutcome(order, False, _("출고준비 상태의 주문만 출고할 수 있습니다."))
    return order_transition(company=company, orders=[order], to=S.SHIPPED, user=user, reason=reason, lines=lines,
                            tracking=tracking, method=method, package=package).outcomes[0]
