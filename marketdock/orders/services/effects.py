"""What the marketplace is told (SHP-4): outbox messages enqueued in the same transaction as the
order's change, the handlers that deliver them, and the answers written back onto the order.

    신규 → 주문확정       "confirm"  (발주확인; not for channels without one, e.g. Shopify)
    출고준비 → 출고완료   "dispatch" (송장전송: carrier + number, or 방문수령/직접배송 without a number)
    발송지연              "delay"    (new expected date + reason; Naver and Coupang only)

Each message is linked to its order by an `OrderEffect`; the handler records the marketplace's
answer per line (`effect_result_record`), so the order list can show "전송 실패" and retry.
Idempotency keys are the kind + account + the channel line ids (+ the tracking number or the new
date), so the same effect is never sent twice.

Payloads:  confirm {"line_ids": [channel line id, ...]}
           dispatch {"items": [DispatchItem as a dict, ...]}
           delay    {"items": [DelayItem as a dict, ...]}

Outcomes (marketdock.outbox.services decides by exception):
- RateLimited / TemporaryError propagate: the message is retried later (the connectors never retry a
  write whose request may have arrived; marketplaces answer an already-processed line per line).
- BusinessError / AuthError propagate: "failed" with the marketplace's message. A payload that
  cannot be read is a BusinessError too (nothing is sent).
- When every line was refused the message fails with the marketplace's messages, otherwise it is
  "sent" and its result lists the refused lines.
- A marketplace without the operation (Shopify 발주확인) answers "skipped" (sent, nothing to tell).

THE registry of outbox kinds is `OUTBOX_KINDS` below: every kind any app sends, with who delivers it.
The orders app registers its handlers at ready() (`register_order_handlers`); a higher app (listings:
stock, price, sale status) registers its own from its ready() with `register_effect_handler`, which
refuses a kind not listed here. The outbox dispatches by kind from that one registration.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ValidationError

from marketdock.channels.connectors.errors import BusinessError, ConnectorError, UnsupportedOperation
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import DelayItem, DispatchItem, LineFailure
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company, User
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import handler_for, outbox_enqueue, outbox_handler, outbox_retry

from .. import events
from ..hooks import shipping
from ..models import EventKind, Order, OrderEffect, OrderEvent, OrderLine
from .lines import FlowError, OrderOutcome, TransitionResult
from .shipments import Shipment

logger = logging.getLogger(__name__)

# every outbox kind, with the app that delivers it (one place lists them all)
OUTBOX_KINDS: dict[str, str] = {
    "confirm": "orders",  # 발주확인
    "dispatch": "orders",  # 송장전송 / 발송처리
    "delay": "orders",  # 발송지연
    "stock": "listings",  # 재고 전송
    "price": "listings",  # 가격 전송
    "sale_status": "listings",  # 판매상태 전송
    "claim_decision": "claims",  # 클레임 승인/거부/보류/재발송, 판매자 취소
    "inquiry_answer": "claims",  # 문의 답변 (등록/수정)
    "webhook": "saas",  # 웹훅 (판매자의 외부 시스템으로 이벤트 전송)
}
EFFECT_LABELS = {"confirm": gettext_lazy("발주확인"), "dispatch": gettext_lazy("송장전송"), "delay": gettext_lazy("발송지연")}

# channels with a 발송지연 operation (DelayItem): Naver and Coupang. Shopify has none.
DELAY_CHANNELS = frozenset({ChannelKind.NAVER.value, ChannelKind.COUPANG.value})
# channels without an API: nothing is sent, the OMS records the change only
NO_API_CHANNELS = frozenset({ChannelKind.MANUAL.value})
FAILED_MESSAGE = (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD)
FAILED_EFFECT_Q = Q(state=OrderEffect.State.FAILED) | (
    Q(message__status__in=FAILED_MESSAGE) & ~Q(state=OrderEffect.State.SUPERSEDED))


def effect_label(kind: str) -> str:
    return str(EFFECT_LABELS.get(kind, kind))


# --- the registry ------------------------------------------------------------------------------------


def register_effect_handler(kind: str, handler: Callable[[OutboxMessage], Any]) -> None:
    """Make `handler` the delivery of outbox messages of `kind` (called from an app's ready())."""
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"outbox kind {kind!r} is not listed in orders.services.effects.OUTBOX_KINDS")
    outbox_handler(kind)(handler)


def registered_kinds() -> dict[str, bool]:
    """{kind: has a handler now} for every listed kind."""
    return {kind: handler_for(kind) is not None for kind in OUTBOX_KINDS}


def register_order_handlers() -> None:
    register_effect_handler("confirm", deliver_confirm)
    register_effect_handler("dispatch", deliver_dispatch)
    register_effect_handler("delay", deliver_delay)


# --- channel capabilities ----------------------------------------------------------------------------


def channel_capability(account: ChannelAccount, name: str, default: bool) -> bool:
    """A flag of the account's connector class (e.g. `confirm`, `delay`); `default` where the
    connector does not declare it."""
    if account.kind in NO_API_CHANNELS:
        return False
    from marketdock.channels.connectors.base import connector_class

    try:
        caps = connector_class(account.kind).capabilities
    except ConnectorError:
        return default
    return bool(getattr(caps, name, default))


def channel_confirms(account: ChannelAccount) -> bool:
    return channel_capability(account, "confirm", True)  # Shopify: False (no 발주확인)


def delay_supported(account: ChannelAccount) -> bool:
    return account.kind in DELAY_CHANNELS and channel_capability(account, "delay", True)


# --- enqueue (inside the caller's transaction) ---------------------------------------------------------


def _effect_key(kind: str, account: ChannelAccount, line_ids: Sequence[str], extra: str = "") -> str:
    ids = ",".join(sorted(line_ids))
    key = f"{kind}:{account.pk}:{ids}" + (f":{extra}" if extra else "")
    if len(key) <= 200:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{kind}:{account.pk}:h:{digest}"


def effect_enqueue(*, company: Company, order: Order, kind: str, key: str, payload: dict) -> OrderEffect:
    message, created = outbox_enqueue(company=company, account=order.account, kind=kind, key=key, payload=payload,
                                      reference=f"order:{order.pk}")
    effect, _effect_created = OrderEffect.objects.get_or_create(
        company=company, order=order, message=message, defaults={"kind": kind})
    if not created and message.status in FAILED_MESSAGE and effect.state in (OrderEffect.State.SUPERSEDED,
                                                                             OrderEffect.State.FAILED):
        # the same write again after it failed (e.g. shipped again with the same number): send it again
        outbox_retry(company=company, message_ids=[message.pk])
        effect.state, effect.error, effect.updated_at = OrderEffect.State.PENDING, "", timezone.now()
        effect.save(update_fields=["state", "error", "updated_at"])
    return effect


def confirm_enqueue(*, company: Company, order: Order, lines: Sequence[OrderLine]) -> OrderEffect:
    line_ids = [ln.channel_line_id for ln in lines]
    return effect_enqueue(company=company, order=order, kind="confirm", key=_effect_key("confirm", order.account, line_ids),
                          payload={"line_ids": line_ids})


def dispatch_enqueue(*, company: Company, order: Order, lines: Sequence[OrderLine], shipment: Shipment) -> OrderEffect:
    carrier = shipment.carrier
    at = (shipment.shipped_at or timezone.now()).isoformat()
    items = [{
        "order_line_id": ln.channel_line_id, "order_id": order.channel_order_id, "method": shipment.method,
        "carrier_code": carrier.key if carrier is not None else "",
        "marketplace_carrier_code": carrier.code_for(order.account.kind) if carrier is not None else "",
        "tracking_number": shipment.number, "shipped_at": at,
    } for ln in lines]
    key = _effect_key("dispatch", order.account, [ln.channel_line_id for ln in lines], shipment.number or shipment.method)
    return effect_enqueue(company=company, order=order, kind="dispatch", key=key, payload={"items": items})


def delay_enqueue(*, company: Company, order: Order, lines: Sequence[OrderLine], expected: str, reason_code: str,
                  message: str) -> OrderEffect:
    items = [{"order_line_id": ln.channel_line_id, "order_id": order.channel_order_id, "expected_date": expected,
              "reason_code": reason_code, "message": message} for ln in lines]
    key = _effect_key("delay", order.account, [ln.channel_line_id for ln in lines], expected)
    return effect_enqueue(company=company, order=order, kind="delay", key=key, payload={"items": items})


def dispatch_withdraw(company: Company, order: Order) -> None:
    """출고완료 → 출고준비: refused once the marketplace has (or is about to have) the tracking number; a
    failed dispatch is set aside."""
    effects = list(OrderEffect.objects.filter(company=company, order=order, kind="dispatch")
                   .exclude(state=OrderEffect.State.SUPERSEDED).select_related("message"))
    live = [e for e in effects if e.message.status not in FAILED_MESSAGE and e.state != OrderEffect.State.FAILED]
    if live:
        raise FlowError(_("송장이 이미 쇼핑몰에 전송되었거나 전송 대기 중이라 출고준비로 되돌릴 수 없습니다."))
    OrderEffect.objects.filter(pk__in=[e.pk for e in effects]).update(
        state=OrderEffect.State.SUPERSEDED, updated_at=timezone.now())


# --- the handlers (outbox delivery, outside any transaction) --------------------------------------------


def connector_options(account) -> HttpOptions | None:
    """HTTP options for the account's connector (tests replace this)."""
    return None


def _connector(account):
    from marketdock.channels.services import connector_for

    return connector_for(account, options=connector_options(account))


def _items(model: type[BaseModel], message) -> list[Any]:
    raw = (message.payload or {}).get("items")
    if not isinstance(raw, list) or not raw:
        raise BusinessError("전송할 항목(items)이 없습니다", code="BAD_PAYLOAD")
    items = []
    for index, entry in enumerate(raw):
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BusinessError(f"items[{index}].{where}: {first['msg']}", code="BAD_PAYLOAD") from exc
    return items


def _finish(message, *, done: list[str], failed: list[LineFailure], extra: dict[str, Any] | None = None,
            result: Any = None) -> dict[str, Any]:
    effect_result_record(message.company, message, result)
    outcome = {"done": done, "failed": [f.model_dump(include={"order_line_id", "code", "message", "retryable"})
                                        for f in failed], **(extra or {})}
    if failed and not done:
        text = "; ".join(f"{f.order_line_id}: {f.message or f.code}" for f in failed)
        raise BusinessError(text[:1900], code=failed[0].code or "REFUSED")
    return outcome


def _resolve_carriers(message, items: list[DispatchItem]) -> list[DispatchItem]:
    """Fill what the caller left out from the carrier master: the marketplace's carrier code and
    (for Shopify, which cannot link Korean carriers) the carrier's tracking URL."""
    kind = message.account.kind
    carriers = {key: shipping().carrier(key) for key in {item.carrier_code for item in items if item.carrier_code}}
    resolved = []
    for item in items:
        carrier = carriers.get(item.carrier_code)
        update: dict[str, Any] = {}
        if carrier is not None and not item.marketplace_carrier_code and carrier.code_for(kind):
            update["marketplace_carrier_code"] = carrier.code_for(kind)
        if carrier is not None and not item.tracking_url and carrier.tracking_url_for(item.tracking_number):
            update["tracking_url"] = carrier.tracking_url_for(item.tracking_number)
        resolved.append(item.model_copy(update=update) if update else item)
    return resolved


def deliver_confirm(message) -> dict[str, Any]:
    line_ids = [str(i) for i in (message.payload or {}).get("line_ids") or []]
    if not line_ids:
        raise BusinessError("발주확인할 주문라인(line_ids)이 없습니다", code="BAD_PAYLOAD")
    with _connector(message.account) as conn:
        if not conn.capabilities.confirm:
            return {"skipped": True, "reason": "이 쇼핑몰에는 발주확인 기능이 없습니다", "done": []}
        result = conn.confirm_orders(line_ids)
    return _finish(message, done=result.confirmed, failed=result.failed,
                   extra={"address_changed": result.address_changed}, result=result)


def deliver_dispatch(message) -> dict[str, Any]:
    items = _resolve_carriers(message, _items(DispatchItem, message))
    with _connector(message.account) as conn:
        result = conn.dispatch(items)
    return _finish(message, done=result.sent, failed=result.failed, result=result)


def deliver_delay(message) -> dict[str, Any]:
    items = _items(DelayItem, message)
    with _connector(message.account) as conn:
        try:
            result = conn.delay(items)
        except UnsupportedOperation as exc:
            raise BusinessError(exc.message, code="UNSUPPORTED") from exc
    return _finish(message, done=result.delayed, failed=result.failed, result=result)


# --- answers and retries -------------------------------------------------------------------------------


def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _effect_of(company: Company, message: OutboxMessage) -> OrderEffect | None:
    effect = OrderEffect.objects.filter(company=company, message=message).select_related("order").first()
    if effect is not None:
        return effect
    ref = message.reference or ""
    if not ref.startswith("order:") or not ref[6:].isdigit():
        return None
    order = Order.objects.filter(company=company, pk=int(ref[6:])).first()
    if order is None:
        return None
    return OrderEffect.objects.create(company=company, order=order, message=message, kind=message.kind)


def effect_result_record(company: Company, message: OutboxMessage, result: Any) -> OrderEffect | None:
    """Write what the marketplace answered for an outbox message onto its order (called by the
    outbox handlers): `result` has `failed` ([LineFailure or dict: order_line_id, code, message])
    and, for 발주확인, `address_changed` (line ids whose address changed after collection)."""
    if message.company_id != company.pk:
        return None
    effect = _effect_of(company, message)
    if effect is None:
        return None
    failed = list(_get(result, "failed", None) or [])
    now = timezone.now()
    rows: list[OrderEvent] = []
    order = effect.order
    label = effect_label(effect.kind)
    if failed:
        effect.state = OrderEffect.State.FAILED
        effect.failed_lines = [str(_get(f, "order_line_id", "")) for f in failed]
        effect.error = "; ".join(
            f"{_get(f, 'order_line_id', '')}: {_get(f, 'message', '') or _get(f, 'code', '')}" for f in failed)[:2000]
        rows.append(events.event(company=company, order=order, kind=EventKind.EFFECT_FAILED, data={"message": message.pk},
                                 message=_("%(k)s 실패: %(e)s") % {"k": label, "e": effect.error}))
    else:
        effect.state, effect.error, effect.failed_lines = OrderEffect.State.SENT, "", []
        rows.append(events.event(company=company, order=order, kind=EventKind.EFFECT_SENT, data={"message": message.pk},
                                 message=_("%(k)s 전송 완료") % {"k": label}))
    effect.updated_at = now
    changed_ids = [str(x) for x in (_get(result, "address_changed", None) or [])]
    with transaction.atomic():
        effect.save(update_fields=["state", "failed_lines", "error", "updated_at"])
        if changed_ids:
            Order.objects.filter(pk=order.pk).update(address_changed=True, changed_at=now)
            rows.append(events.event(company=company, order=order, kind=EventKind.ADDRESS, data={"lines": changed_ids},
                                     message=_("쇼핑몰에서 배송지가 변경되었습니다. 운송장 출력 전에 주소를 다시 확인하세요.")))
        events.record_all(rows)
    return effect


def _retry_payload(effect: OrderEffect) -> dict:
    failed = set(effect.failed_lines)
    payload = effect.message.payload or {}
    if effect.kind == "confirm":
        return {"line_ids": [i for i in payload.get("line_ids", []) if i in failed]}
    return {"items": [i for i in payload.get("items", []) if i.get("order_line_id") in failed]}


def _effects_retry_one(company: Company, order: Order, user: User | None) -> OrderOutcome:
    with transaction.atomic():
        effects = list(OrderEffect.objects.select_for_update().filter(company=company, order=order)
                       .filter(FAILED_EFFECT_Q).select_related("message", "order__account"))
        if not effects:
            return OrderOutcome(order, False, _("다시 보낼 실패한 전송이 없습니다."))
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
            effect_enqueue(company=company, order=effect.order, kind=effect.kind, key=key, payload=_retry_payload(effect))
            effect.state, effect.updated_at = OrderEffect.State.SUPERSEDED, now
            effect.save(update_fields=["state", "updated_at"])
        events.record(company=company, order=order, kind=EventKind.EFFECT_RETRY, user=user,
                      message=_("쇼핑몰 전송 재시도: %(n)s건") % {"n": len(effects)})
    return OrderOutcome(order, True, _("다시 전송합니다 (%(n)s건).") % {"n": len(effects)})


def order_effects_retry(*, company: Company, orders: Iterable[Order], user: User | None) -> TransitionResult:
    """다시 전송: failed writes of each order are sent again — a message the marketplace refused as a
    whole is retried as it is; the lines it refused inside a delivered message go in a new message."""
    result = TransitionResult()
    for order in orders:
        if order.company_id != company.pk:
            result.outcomes.append(OrderOutcome(order, False, _("주문을 찾을 수 없습니다.")))
            continue
        result.outcomes.append(_effects_retry_one(company, order, user))
    return result
