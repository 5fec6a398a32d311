"""The order status flow (ORD-4..7) and the channel effects it causes (SHP-4).

Every change of an order's status goes through `order_transition`, which checks the move against
`ALLOWED`, applies it per order in its own savepoint (a bulk action gives a result per order and one
refused order never blocks the others), writes an `OrderEvent` with the user and the reason, and —
where the marketplace must hear about it — records an outbox message in the SAME transaction:

    신규 → 주문확정       "confirm"  (발주확인; not for channels without one, e.g. Shopify)
    출고준비 → 출고완료   "dispatch" (송장전송: carrier + number, or 방문수령/직접배송 without a number)
    발송지연              "delay"    (new expected date + reason; Naver and Coupang only)

Each message is linked to its order by an `OrderEffect`; the marketplace's answer per line is written
back by the outbox handler through `effect_result_record`, so the order list can show "전송 실패"
and retry. Idempotency keys are the kind + account + the channel line ids (+ the tracking number or
the new date), so the same effect is never sent twice.

Stock (when the company keeps stock, i.e. has a default warehouse): confirmation requires every
active line matched; at 출고준비 each line's stock is deducted exactly once (its reservation becomes a
`shipment` movement; a line not yet reserved is reserved and deducted in the same transaction;
products not stock-managed are skipped). Cancelling releases reservations, and puts deducted stock
of goods that never left back on hand (`return` movement).

Moving back (documented rules):
- 주문확정 → 신규: the OMS status only (a 발주확인 already sent stays sent; confirming again sends nothing).
- 출고준비 → 주문확정 (e.g. to reprint): the stock stays deducted (the goods are picked); a later
  출고준비 deducts nothing more. The package's label is the packaging screen's business.
- 출고완료 → 출고준비: only while the marketplace has not received (and is not about to receive) the
  tracking number — no dispatch message pending, sending or sent. A failed one is set aside.
- 보류 → the status the order had before the hold (remembered), or 취소.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company, User
from marketdock.inventory.services import (
    StockError,
    StockLine,
    stock_deduct,
    stock_lock,
    stock_release,
    stock_reserve,
    stock_return,
)
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue, outbox_retry

from .models import (
    DueSource,
    Order,
    OrderEffect,
    OrderEvent,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    StockState,
)
from .services_collect import buyer_key, phone_digits
from .services_match import (
    ORDER_ROLLUP_FIELDS,
    TO_SHIP,
    MatchStatus,
    inventory_enabled,
    line_effective_quantity,
    line_is_cancelled,
    order_rollup,
)
from .services_progress import claim_refusal

S = OrderStatus

# The allowed moves (from → to). 보류 → X is further limited to the status before the hold (or 취소).
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.CONFIRMED, S.HOLD, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.READY, S.NEW, S.HOLD, S.CANCELLED}),
    S.READY: frozenset({S.SHIPPED, S.CONFIRMED, S.HOLD, S.CANCELLED}),
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.DELIVERED, S.READY}),
    S.IN_TRANSIT: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.HOLD: frozenset({S.NEW, S.CONFIRMED, S.READY, S.CANCELLED}),
    S.CANCELLED: frozenset(),
}
ALLOWED = {str(k): frozenset(str(v) for v in vs) for k, vs in ALLOWED.items()}
# statuses an order can be delayed / edited in (its goods have not left)
BEFORE_SHIPPING = frozenset({S.NEW.value, S.CONFIRMED.value, S.READY.value, S.HOLD.value})
SHIPPED_LIKE = frozenset({S.SHIPPED.value, S.IN_TRANSIT.value, S.DELIVERED.value})
LINE_ORDER = [S.NEW.value, S.CONFIRMED.value, S.READY.value, S.SHIPPED.value, S.IN_TRANSIT.value, S.DELIVERED.value]

# channels with a 발송지연 operation (DelayItem): Naver and Coupang. Shopify has none.
DELAY_CHANNELS = frozenset({ChannelKind.NAVER.value, ChannelKind.COUPANG.value})
# channels without an API: nothing is sent, the OMS records the change only
NO_API_CHANNELS = frozenset({ChannelKind.MANUAL.value})

METHODS = ("parcel", "visit", "direct")
# what a pending marketplace claim refuses, in the words of the refusal
CLAIM_ACTIONS = {S.CONFIRMED: pgettext_lazy("claim refusal", "주문확정"), S.READY: pgettext_lazy("claim refusal", "출고준비"),
                 S.SHIPPED: pgettext_lazy("claim refusal", "출고")}
METHOD_LABELS = {"parcel": gettext_lazy("택배"), "visit": gettext_lazy("방문수령"), "direct": gettext_lazy("직접배송")}
FAILED_MESSAGE = (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD)


class DelayReason:
    """발송지연 사유 (Naver's `delayedDispatchReason` codes; the connectors map them)."""

    CHOICES = (
        ("PRODUCT_PREPARE", gettext_lazy("상품 준비중")),
        ("CUSTOMER_REQUEST", gettext_lazy("고객 요청")),
        ("CUSTOM_BUILD", gettext_lazy("주문 제작")),
        ("RESERVED_DISPATCH", gettext_lazy("예약 발송")),
        ("OVERSEA_DELIVERY", gettext_lazy("해외 배송")),
        ("ETC", gettext_lazy("기타")),
    )
    VALUES = frozenset(c for c, _label in CHOICES)


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


def status_label(value: str) -> str:
    try:
        return str(OrderStatus(value).label)
    except ValueError:
        return value


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


# --- shipments ------------------------------------------------------------------------------


@dataclass
class Shipment:
    """How lines leave: method, carrier (shipping.Carrier, parcel only) and tracking number."""

    method: str = "parcel"
    carrier: Any = None
    number: str = ""
    shipped_at: datetime | None = None


def _carrier(value) -> Any:
    from marketdock.shipping.models import Carrier

    if isinstance(value, Carrier):
        return value
    try:
        return Carrier.objects.prefetch_related("channel_codes").get(key=str(value))
    except Carrier.DoesNotExist:
        raise FlowError(_("알 수 없는 택배사입니다: %(c)s") % {"c": value}) from None


def shipment_from_tracking(carrier, number: str) -> Shipment:
    """A parcel shipment from a typed/uploaded (carrier, number): the number is checked against
    the carrier's rule (length, check digit) and normalised."""
    from marketdock.shipping.services import ShippingError, tracking_number_validate

    carrier = _carrier(carrier)
    try:
        normal = tracking_number_validate(carrier=carrier, number=str(number or ""))
    except ShippingError as exc:
        raise FlowError(str(exc)) from None
    return Shipment(method="parcel", carrier=carrier, number=normal)


def _shipment_for(company: Company, order: Order, *, tracking, method: str, package) -> Shipment:
    if tracking is not None:
        carrier, number = tracking
        return shipment_from_tracking(carrier, number)
    if package is None and method == "parcel":
        try:
            from marketdock.shipping.selectors import package_for_order
        except ImportError:  # the packaging screens are not installed
            package_for_order = None
        package = package_for_order(company, order) if package_for_order else None
    if package is not None:
        pm = getattr(package, "method", "parcel") or "parcel"
        if pm == "parcel":
            number = getattr(package, "tracking_number", "") or ""
            carrier = getattr(package, "carrier", None)
            if not number or carrier is None:
                raise FlowError(_("묶음에 송장번호가 없습니다. 운송장을 먼저 출력하세요."))
            return Shipment(method="parcel", carrier=carrier, number=number,
                            shipped_at=getattr(package, "shipped_at", None))
        return Shipment(method=pm, shipped_at=getattr(package, "shipped_at", None))
    if method in ("visit", "direct"):
        return Shipment(method=method)
    if method not in METHODS:
        raise FlowError(_("알 수 없는 배송방법입니다: %(m)s") % {"m": method})
    raise FlowError(_("송장번호가 없습니다. 운송장을 출력하거나 송장번호를 입력하세요."))


# --- outbox effects ---------------------------------------------------------------------------


def _effect_key(kind: str, account: ChannelAccount, line_ids: Sequence[str], extra: str = "") -> str:
    ids = ",".join(sorted(line_ids))
    key = f"{kind}:{account.pk}:{ids}" + (f":{extra}" if extra else "")
    if len(key) <= 200:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{kind}:{account.pk}:h:{digest}"


def _effect_enqueue(*, company: Company, order: Order, kind: str, key: str, payload: dict) -> OrderEffect:
    message, created = outbox_enqueue(company=company, account=order.account, kind=kind, key=key, payload=payload,
                                      reference=f"order:{order.pk}")
    effect, effect_created = OrderEffect.objects.get_or_create(
        company=company, order=order, message=message, defaults={"kind": kind})
    if not created and message.status in FAILED_MESSAGE and effect.state in (OrderEffect.State.SUPERSEDED,
                                                                             OrderEffect.State.FAILED):
        # the same write again after it failed (e.g. shipped again with the same number): send it again
        outbox_retry(company=company, message_ids=[message.pk])
        effect.state, effect.error, effect.updated_at = OrderEffect.State.PENDING, "", timezone.now()
        effect.save(update_fields=["state", "error", "updated_at"])
    return effect


def _confirm_payload(lines: Sequence[OrderLine]) -> dict:
    return {"line_ids": [ln.channel_line_id for ln in lines]}


def _channel_capability(account: ChannelAccount, name: str, default: bool) -> bool:
    """A flag of the account's connector class (e.g. `confirm`, `delay`); `default` where the
    connector does not declare it."""
    if account.kind in NO_API_CHANNELS:
        return False
    from marketdock.channels.connectors.base import connector_class
    from marketdock.channels.connectors.errors import ConnectorError

    try:
        caps = connector_class(account.kind).capabilities
    except ConnectorError:
        return default
    return bool(getattr(caps, name, default))


def _channel_confirms(account: ChannelAccount) -> bool:
    return _channel_capability(account, "confirm", True)  # Shopify: False (no 발주확인)


def _dispatch_items(order: Order, lines: Sequence[OrderLine], shipment: Shipment) -> list[dict]:
    carrier = shipment.carrier
    at = (shipment.shipped_at or timezone.now()).isoformat()
    return [{
        "order_line_id": ln.channel_line_id, "order_id": order.channel_order_id, "method": shipment.method,
        "carrier_code": carrier.key if carrier is not None else "",
        "marketplace_carrier_code": carrier.code_for(order.account.kind) if carrier is not None else "",
        "tracking_number": shipment.number, "shipped_at": at,
    } for ln in lines]


# --- stock ------------------------------------------------------------------------------------


def _components(company: Company, lines: Sequence[OrderLine]) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for line_id, sku_id, qty in OrderLineComponent.objects.filter(
            company=company, line_id__in=[ln.pk for ln in lines]).values_list("line_id", "sku_id", "quantity"):
        out[line_id].append((sku_id, qty))
    return out


def _stock_lines(line: OrderLine, comps: list[tuple[int, int]]) -> list[StockLine]:
    ordered = max(1, line.quantity)
    effective = line_effective_quantity(line)
    return [StockLine(sku_id, None, qty * effective // ordered, ("order_line", line.pk))
            for sku_id, qty in comps if qty * effective // ordered > 0]


def _held(result) -> set[str]:
    return {m.reference_id for m in result.movements if m.reference_type == "order_line"}


def _deduct(company: Company, lines: list[OrderLine], user: User | None) -> None:
    """출고준비: deduct each active line's stock once (reserve first where it is not reserved)."""
    todo = [ln for ln in lines if not line_is_cancelled(ln) and ln.stock_state not in (
        StockState.DEDUCTED, StockState.UNMANAGED)]
    if not todo:
        return
    comps = _components(company, todo)
    unmatched = [ln for ln in todo if ln.match_status != MatchStatus.MATCHED or not comps.get(ln.pk)]
    if unmatched:
        raise FlowError(_("매칭되지 않은 상품이 있습니다: %(names)s") % {
            "names": ", ".join(ln.product_name[:40] for ln in unmatched[:3])})
    to_reserve = [sl for ln in todo if ln.stock_state != StockState.RESERVED for sl in _stock_lines(ln, comps[ln.pk])]
    to_deduct = [sl for ln in todo for sl in _stock_lines(ln, comps[ln.pk])]
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


def _give_back(company: Company, lines: list[OrderLine], user: User | None) -> None:
    """취소: release reservations; put deducted stock of goods that never left back on hand."""
    held = [ln for ln in lines if ln.stock_state in (StockState.RESERVED, StockState.DEDUCTED)
            and ln.status not in SHIPPED_LIKE]
    if not held:
        return
    comps = _components(company, held)
    release = [sl for ln in held if ln.stock_state == StockState.RESERVED for sl in _stock_lines(ln, comps[ln.pk])]
    back = [sl for ln in held if ln.stock_state == StockState.DEDUCTED for sl in _stock_lines(ln, comps[ln.pk])]
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


# --- the transition ---------------------------------------------------------------------------


LINE_FIELDS = ["status", "stock_state", "shipping_method", "carrier_key", "tracking_number", "shipped_at", "updated_at"]
ORDER_FIELDS = ORDER_ROLLUP_FIELDS + ["hold_from", "hold_reason", "shipped_at", "changed_at"]


def _event(company, order, kind, message, user, data=None, line=None) -> OrderEvent:
    return OrderEvent(company=company, order=order, line=line, kind=kind, message=message[:500],
                      user=user if user and user.pk else None, data=data or {})


def _apply_one(*, company: Company, order: Order, to: str, user: User | None, reason: str,
               line_ids: set[int] | None, tracking, method: str, package) -> tuple[Order, str]:
    """Move one (locked, fresh) order; returns (order, Korean summary). Raises FlowError."""
    refusal = transition_refusal(order, to)
    if refusal:
        raise FlowError(refusal)
    now = timezone.now()
    lines = list(OrderLine.objects.select_for_update().filter(company=company, order=order).order_by("id"))
    active = [ln for ln in lines if not line_is_cancelled(ln)]
    old = order.status
    events: list[OrderEvent] = []
    stock_on = inventory_enabled(company)
    summary = _("%(old)s → %(new)s") % {"old": status_label(old), "new": status_label(to)}
    moved: list[OrderLine] = []

    if line_ids is not None and to != S.SHIPPED:
        raise FlowError(_("상품별 처리는 출고(부분 출고)에서만 할 수 있습니다."))

    if to == S.HOLD:
        if not reason.strip():
            raise FlowError(_("보류 사유를 입력하세요."))
        order.hold_from, order.hold_reason = old, reason.strip()[:300]
    elif to == S.CANCELLED:
        if any(ln.status in SHIPPED_LIKE for ln in active):
            raise FlowError(_("이미 출고된 상품이 있어 주문을 취소할 수 없습니다."))
        if stock_on:
            _give_back(company, lines, user)
        for ln in active:
            ln.status = S.CANCELLED
            moved.append(ln)
        order.hold_from, order.hold_reason = "", ""
    else:
        target = to
        if old == S.HOLD:  # back to where it was
            order.hold_from, order.hold_reason = "", ""
        if not active:
            raise FlowError(_("처리할 상품이 없습니다 (모두 취소됨)."))
        if target in (S.CONFIRMED, S.READY):
            refusal = claim_refusal(active, CLAIM_ACTIONS[target])
            if refusal:
                raise FlowError(refusal)
        if target == S.CONFIRMED and old in (S.NEW, S.HOLD) and stock_on:
            unmatched = [ln for ln in active if ln.match_status != MatchStatus.MATCHED]
            if unmatched:
                raise FlowError(_("매칭되지 않은 상품이 있어 주문확정할 수 없습니다: %(names)s") % {
                    "names": ", ".join(ln.product_name[:40] for ln in unmatched[:3])})
        if target == S.READY and old != S.SHIPPED and stock_on:
            _deduct(company, active, user)
            moved.extend(active)
        if target == S.READY and old == S.SHIPPED:
            _dispatch_undo(company, order)
        if target == S.SHIPPED:
            chosen = [ln for ln in active if ln.status not in SHIPPED_LIKE]
            if line_ids is not None:
                unknown = line_ids - {ln.pk for ln in lines}
                if unknown:
                    raise FlowError(_("이 주문의 상품이 아닙니다: %(ids)s") % {"ids": ", ".join(map(str, sorted(unknown)))})
                chosen = [ln for ln in chosen if ln.pk in line_ids]
                if not chosen:
                    raise FlowError(_("출고할 상품을 선택하세요 (이미 출고되었거나 취소된 상품은 제외)."))
            refusal = claim_refusal(chosen, CLAIM_ACTIONS[S.SHIPPED])
            if refusal:
                raise FlowError(refusal)
            shipment = _shipment_for(company, order, tracking=tracking, method=method, package=package)
            at = shipment.shipped_at or now
            for ln in chosen:
                ln.status, ln.shipping_method, ln.shipped_at = S.SHIPPED, shipment.method, at
                ln.carrier_key = shipment.carrier.key if shipment.carrier is not None else ""
                ln.tracking_number = shipment.number
            moved.extend(chosen)
            if order.account.kind not in NO_API_CHANNELS:
                _effect_enqueue(company=company, order=order, kind="dispatch",
                                key=_effect_key("dispatch", order.account, [ln.channel_line_id for ln in chosen],
                                                shipment.number or shipment.method),
                                payload={"items": _dispatch_items(order, chosen, shipment)})
            what = shipment.number and f"{shipment.carrier.name} {shipment.number}" or str(METHOD_LABELS[shipment.method])
            remaining = [ln for ln in active if ln.status not in SHIPPED_LIKE]
            if remaining:  # partial shipment: the order stays where it is, the rest ships later
                target = old
                summary = _("부분 출고 %(n)s/%(total)s개 상품 (%(what)s)") % {
                    "n": len(chosen), "total": len(active), "what": what}
            else:
                order.shipped_at = at
                summary += f" ({what})"
        # lines follow the order (forward and back); shipped lines keep their own progress
        for ln in active:
            if target == S.SHIPPED:
                continue
            if target in (S.IN_TRANSIT, S.DELIVERED):
                if ln.status in SHIPPED_LIKE and LINE_ORDER.index(ln.status) < LINE_ORDER.index(target):
                    ln.status = target
                    moved.append(ln)
            elif target == S.READY and old == S.SHIPPED:
                ln.status, ln.tracking_number, ln.carrier_key, ln.shipped_at = S.READY, "", "", None
                moved.append(ln)
            elif ln.status not in SHIPPED_LIKE and ln.status != target:
                ln.status = target
                moved.append(ln)
        if target == S.READY and old == S.SHIPPED:
            order.shipped_at = None
        if target == S.CONFIRMED and old in (S.NEW, S.HOLD) and _channel_confirms(order.account):
            # lines the marketplace still shows as 결제완료 (confirmed there already: nothing to send)
            pending = [ln for ln in active if ln.channel_status == "new"]
            if pending:
                _effect_enqueue(company=company, order=order, kind="confirm",
                                key=_effect_key("confirm", order.account, [ln.channel_line_id for ln in pending]),
                                payload=_confirm_payload(pending))
        to = target

    if moved:
        for ln in moved:
            ln.updated_at = now
        OrderLine.objects.bulk_update(list({ln.pk: ln for ln in moved}.values()), LINE_FIELDS)
    order.status = to
    order_rollup(order, lines)
    if to != S.CANCELLED and order.status == S.CANCELLED and old != S.CANCELLED:
        order.status = to  # the rollup only cancels orders whose lines were all cancelled
    order.changed_at = now
    order.save(update_fields=ORDER_FIELDS)
    text = summary + (f" · {reason.strip()}" if reason.strip() else "")
    events.append(_event(company, order, "status", _("상태 변경: %(s)s") % {"s": text}, user,
                         {"old": old, "new": order.status, "reason": reason.strip()[:300],
                          "lines": [ln.pk for ln in moved]}))
    OrderEvent.objects.bulk_create(events)
    return order, summary


def _dispatch_undo(company: Company, order: Order) -> None:
    """출고완료 → 출고준비: refused once the marketplace has (or is about to have) the tracking number."""
    effects = list(OrderEffect.objects.filter(company=company, order=order, kind="dispatch")
                   .exclude(state=OrderEffect.State.SUPERSEDED).select_related("message"))
    live = [e for e in effects if e.message.status not in FAILED_MESSAGE and e.state != OrderEffect.State.FAILED]
    if live:
        raise FlowError(_("송장이 이미 쇼핑몰에 전송되었거나 전송 대기 중이라 출고준비로 되돌릴 수 없습니다."))
    OrderEffect.objects.filter(pk__in=[e.pk for e in effects]).update(
        state=OrderEffect.State.SUPERSEDED, updated_at=timezone.now())


def _copy(dst: Order, src: Order) -> None:
    if dst is src:
        return
    for f in Order._meta.concrete_fields:
        setattr(dst, f.attname, getattr(src, f.attname))


def order_transition(*, company: Company, orders: Sequence[Order], to: str, user: User | None, reason: str = "",
                     lines: Sequence[OrderLine] | None = None, tracking: tuple[Any, str] | None = None,
                     method: str = "parcel", package: Any = None) -> TransitionResult:
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
                fresh, summary = _apply_one(company=company, order=fresh, to=to, user=user, reason=reason,
                                            line_ids=line_ids, tracking=tracking, method=method, package=package)
        except Order.DoesNotExist:
            result.outcomes.append(OrderOutcome(given, False, _("주문을 찾을 수 없습니다.")))
            continue
        except FlowError as exc:
            result.outcomes.append(OrderOutcome(given, False, str(exc)))
            continue
        _copy(given, fresh)
        result.outcomes.append(OrderOutcome(given, True, summary))
    return result


# --- hold, delay, partial shipment, recipient edit (ORD-5..7) ------------------------------------


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
                     tracking: tuple[Any, str] | None = None, method: str = "parcel", package: Any = None,
                     reason: str = "") -> OrderOutcome:
    """부분 출고 (ORD-6): ship these lines now; the order becomes 출고완료 when its last line ships."""
    if order.status != S.READY:
        return OrderOutcome(order, False, _("출고준비 상태의 주문만 출고할 수 있습니다."))
    return order_transition(company=company, orders=[order], to=S.SHIPPED, user=user, reason=reason, lines=lines,
                            tracking=tracking, method=method, package=package).outcomes[0]


def delay_supported(account: ChannelAccount) -> bool:
    return account.kind in DELAY_CHANNELS and _channel_capability(account, "delay", True)


def order_delay(*, company: Company, orders: Sequence[Order], expected_date: date, reason_code: str, message: str,
                user: User | None, hold: bool = False) -> TransitionResult:
    """발송지연 (ORD-7): a new expected ship date and reason, sent to Naver and Coupang (outbox "delay");
    refused for Shopify, which has no such operation; recorded only for channels without an API."""
    message = (message or "").strip()
    result = TransitionResult()
    problem = ""
    if reason_code not in DelayReason.VALUES:
        problem = _("발송지연 사유를 고르세요.")
    elif not isinstance(expected_date, date) or expected_date < timezone.localdate():
        problem = _("발송예정일은 오늘 이후 날짜여야 합니다.")
    elif not message:
        problem = _("발송지연 상세사유를 입력하세요 (구매자에게 안내됩니다).")
    elif len(message) > 300:
        problem = _("발송지연 상세사유는 300자 이내로 입력하세요.")
    if problem:
        result.outcomes = [OrderOutcome(o, False, problem) for o in orders]
        return result
    label = dict(DelayReason.CHOICES)[reason_code]
    for given in orders:
        try:
            with transaction.atomic():
                order = Order.objects.select_for_update().select_related("account").get(company=company, pk=given.pk)
                if order.status not in BEFORE_SHIPPING:
                    raise FlowError(_("%(s)s 상태의 주문은 발송지연을 할 수 없습니다.") % {"s": status_label(order.status)})
                if order.account.kind not in DELAY_CHANNELS and order.account.kind not in NO_API_CHANNELS:
                    raise FlowError(_("%(channel)s은(는) 발송지연 안내를 지원하지 않습니다.") % {
                        "channel": order.account.get_kind_display()})
                active = [ln for ln in OrderLine.objects.filter(company=company, order=order).order_by("id")
                          if not line_is_cancelled(ln) and ln.status not in SHIPPED_LIKE]
                if not active:
                    raise FlowError(_("발송지연할 상품이 없습니다."))
                order.expected_ship_date, order.delay_reason_code, order.delay_message = expected_date, reason_code, message
                order.changed_at = timezone.now()
                for ln in active:  # the new expected date is the lines' 출고기한 from now on
                    ln.dispatch_due, ln.dispatch_due_source = expected_date, DueSource.DELAY
                OrderLine.objects.bulk_update(active, ["dispatch_due", "dispatch_due_source"])
                dues = [ln.dispatch_due for ln in OrderLine.objects.filter(company=company, order=order)
                        if ln.dispatch_due and ln.status in TO_SHIP and not line_is_cancelled(ln)]
                order.dispatch_due = min(dues) if dues else None
                order.save(update_fields=["expected_ship_date", "delay_reason_code", "delay_message", "changed_at",
                                          "dispatch_due"])
                sent = order.account.kind in DELAY_CHANNELS
                if sent:
                    items = [{"order_line_id": ln.channel_line_id, "order_id": order.channel_order_id,
                              "expected_date": expected_date.isoformat(), "reason_code": reason_code,
                              "message": message} for ln in active]
                    _effect_enqueue(company=company, order=order, kind="delay",
                                    key=_effect_key("delay", order.account, [ln.channel_line_id for ln in active],
                                                    expected_date.isoformat()),
                                    payload={"items": items})
                text = _("발송지연: %(d)s, %(r)s · %(m)s") % {"d": expected_date.isoformat(), "r": label, "m": message}
                if not sent:
                    text += " " + _("(쇼핑몰 전송 없음)")
                OrderEvent.objects.create(company=company, order=order, kind="delay", message=text[:500],
                                          user=user if user and user.pk else None,
                                          data={"expected_date": expected_date.isoformat(), "reason": reason_code,
                                                "message": message})
                if hold and order.status != S.HOLD:
                    _apply_one(company=company, order=order, to=S.HOLD, user=user, reason=text, line_ids=None,
                               tracking=None, method="parcel", package=None)
        except Order.DoesNotExist:
            result.outcomes.append(OrderOutcome(given, False, _("주문을 찾을 수 없습니다.")))
            continue
        except FlowError as exc:
            result.outcomes.append(OrderOutcome(given, False, str(exc)))
            continue
        _copy(given, order)
        result.outcomes.append(OrderOutcome(given, True, _("발송지연 %(d)s") % {"d": expected_date.isoformat()}))
    return result


EDITABLE_FIELDS = {
    "buyer_name": 100, "buyer_phone": 30, "buyer_email": 200, "recipient_name": 100, "recipient_phone": 30,
    "recipient_postal_code": 10, "recipient_address1": 300, "recipient_address2": 300, "delivery_message": 300,
}
ADDRESS_EDIT_FIELDS = ("recipient_postal_code", "recipient_address1", "recipient_address2")


def order_recipient_update(*, company: Company, order: Order, fields: dict[str, str], user: User | None,
                           reason: str = "") -> list[str]:
    """Edit buyer/recipient information (ORD-5) with a change log: one OrderEvent listing the changed
    fields, old → new values kept in its data (the history shows them to users allowed to see
    personal data). Saving the address confirms it (clears the "주소 변경" warning). Returns the names
    of the fields that changed."""
    from marketdock.core.validators import normalize_phone

    if order.company_id != company.pk:
        raise FlowError(_("주문을 찾을 수 없습니다."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise FlowError(_("바꿀 수 없는 항목입니다: %(f)s") % {"f": ", ".join(sorted(unknown))})
    clean: dict[str, str] = {}
    for name, value in fields.items():
        value = " ".join(str(value or "").split())
        if len(value) > EDITABLE_FIELDS[name]:
            raise FlowError(_("%(f)s은(는) %(n)s자 이내로 입력하세요.") % {
                "f": Order._meta.get_field(name).verbose_name, "n": EDITABLE_FIELDS[name]})
        if name.endswith("_phone") and value and not 9 <= len(normalize_phone(value)) <= 12:
            raise FlowError(_("전화번호 '%(v)s' 형식이 올바르지 않습니다. 예: 010-1234-5678") % {"v": value})
        clean[name] = value
    if "recipient_name" in clean and not clean["recipient_name"]:
        raise FlowError(_("수령자 이름을 입력하세요."))
    if "recipient_address1" in clean and not clean["recipient_address1"]:
        raise FlowError(_("주소를 입력하세요."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(company=company, pk=order.pk)
        if order.status in SHIPPED_LIKE or order.status == S.CANCELLED:
            raise FlowError(_("%(s)s 상태의 주문은 주문자/수령자 정보를 바꿀 수 없습니다.") % {"s": status_label(order.status)})
        changed = {name: (getattr(order, name), value) for name, value in clean.items() if getattr(order, name) != value}
        address_touched = any(f in clean for f in ADDRESS_EDIT_FIELDS)
        if not changed and not (address_touched and order.address_changed):
            return []
        for name, (_old, new) in changed.items():
            setattr(order, name, new)
        order.buyer_phone_digits = phone_digits(order.buyer_phone)
        order.recipient_phone_digits = phone_digits(order.recipient_phone)
        order.buyer_key = buyer_key(order.buyer_name, order.buyer_phone, company.pk)
        if address_touched:
            order.address_changed = False
        order.changed_at = timezone.now()
        order.save(update_fields=list(changed) + ["buyer_phone_digits", "recipient_phone_digits", "buyer_key",
                                                  "address_changed", "changed_at"])
        labels = ", ".join(str(Order._meta.get_field(n).verbose_name) for n in changed) or _("주소 확인")
        OrderEvent.objects.create(
            company=company, order=order, kind="edit", user=user if user and user.pk else None,
            message=(_("주문자/수령자 정보 변경: %(f)s") % {"f": labels}
                     + (f" · {reason.strip()}" if reason.strip() else ""))[:500],
            data={"changes": {n: {"old": o, "new": v} for n, (o, v) in changed.items()}, "reason": reason.strip()})
    return list(changed)


# --- effect results and retries -----------------------------------------------------------------


def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def effect_result_record(company: Company, message: OutboxMessage, result: Any) -> OrderEffect | None:
    """Write what the marketplace answered for an outbox message onto its order (called by the
    outbox handlers): `result` has `failed` ([LineFailure or dict: order_line_id, code, message])
    and, for 발주확인, `address_changed` (line ids whose address changed after collection)."""
    if message.company_id != company.pk:
        return None
    effect = OrderEffect.objects.filter(company=company, message=message).select_related("order").first()
    if effect is None:
        ref = message.reference or ""
        if not ref.startswith("order:") or not ref[6:].isdigit():
            return None
        order = Order.objects.filter(company=company, pk=int(ref[6:])).first()
        if order is None:
            return None
        effect = OrderEffect.objects.create(company=company, order=order, message=message, kind=message.kind)
    failed = list(_get(result, "failed", None) or [])
    now = timezone.now()
    events: list[OrderEvent] = []
    order = effect.order
    kind_label = {"confirm": _("발주확인"), "dispatch": _("송장전송"), "delay": _("발송지연")}.get(effect.kind, effect.kind)
    if failed:
        effect.state = OrderEffect.State.FAILED
        effect.failed_lines = [str(_get(f, "order_line_id", "")) for f in failed]
        effect.error = "; ".join(
            f"{_get(f, 'order_line_id', '')}: {_get(f, 'message', '') or _get(f, 'code', '')}" for f in failed)[:2000]
        events.append(_event(company, order, "effect_failed", _("%(k)s 실패: %(e)s") % {
            "k": kind_label, "e": effect.error}, None, {"message": message.pk}))
    else:
        effect.state, effect.error, effect.failed_lines = OrderEffect.State.SENT, "", []
        events.append(_event(company, order, "effect_sent", _("%(k)s 전송 완료") % {"k": kind_label}, None,
                             {"message": message.pk}))
    effect.updated_at = now
    changed_ids = [str(x) for x in (_get(result, "address_changed", None) or [])]
    with transaction.atomic():
        effect.save(update_fields=["state", "failed_lines", "error", "updated_at"])
        if changed_ids:
            Order.objects.filter(pk=order.pk).update(address_changed=True, changed_at=now)
            events.append(_event(company, order, "address", _(
                "쇼핑몰에서 배송지가 변경되었습니다. 운송장 출력 전에 주소를 다시 확인하세요."), None,
                {"lines": changed_ids}))
        OrderEvent.objects.bulk_create(events)
    return effect


FAILED_EFFECT_Q = Q(state=OrderEffect.State.FAILED) | (
    Q(message__status__in=FAILED_MESSAGE) & ~Q(state=OrderEffect.State.SUPERSEDED))


def _retry_payload(effect: OrderEffect) -> dict:
    failed = set(effect.failed_lines)
    payload = effect.message.payload or {}
    if effect.kind == "confirm":
        return {"line_ids": [i for i in payload.get("line_ids", []) if i in failed]}
    return {"items": [i for i in payload.get("items", []) if i.get("order_line_id") in failed]}


def order_effects_retry(*, company: Company, orders: Iterable[Order], user: User | None) -> TransitionResult:
    """다시 전송: failed writes of each order are sent again — a message the marketplace refused as a
    whole is retried as it is; the lines it refused inside a delivered message go in a new message."""
    result = TransitionResult()
    for order in orders:
        if order.company_id != company.pk:
            result.outcomes.append(OrderOutcome(order, False, _("주문을 찾을 수 없습니다.")))
            continue
        with transaction.atomic():
            effects = list(OrderEffect.objects.select_for_update().filter(company=company, order=order)
                           .filter(FAILED_EFFECT_Q).select_related("message", "order__account"))
            if not effects:
                result.outcomes.append(OrderOutcome(order, False, _("다시 보낼 실패한 전송이 없습니다.")))
                continue
            now = timezone.now()
            for effect in effects:
                if effect.message.status in FAILED_MESSAGE:
                    outbox_retry(company=company, message_ids=[effect.message_id])
                    effect.state, effect.error, effect.updated_at = OrderEffect.State.PENDING, "", now
                    effect.save(update_fields=["state", "error", "updated_at"])
                    continue
                n = OrderEffect.objects.filter(company=company, order=order, kind=effect.kind).count()
                key = effect.message.key
                key = (key if len(key) <= 190 else hashlib.sha256(key.encode()).hexdigest()) + f":r{n}"
                _effect_enqueue(company=company, order=effect.order, kind=effect.kind, key=key,
                                payload=_retry_payload(effect))
                effect.state, effect.updated_at = OrderEffect.State.SUPERSEDED, now
                effect.save(update_fields=["state", "updated_at"])
            OrderEvent.objects.create(company=company, order=order, kind="effect_retry",
                                      user=user if user and user.pk else None,
                                      message=_("쇼핑몰 전송 재시도: %(n)s건") % {"n": len(effects)})
        result.outcomes.append(OrderOutcome(order, True, _("다시 전송합니다 (%(n)s건).") % {"n": len(effects)}))
    return result
