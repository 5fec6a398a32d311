"""Outbox handlers that tell the marketplace what happened to an order: 발주확인 ("confirm"),
발송처리/송장 전송 ("dispatch") and 발송지연 ("delay"). The order flow enqueues them in the same
transaction as the state change (marketdock.orders.services_flow); the outbox delivers them here,
outside any transaction.

Payloads:  confirm {"line_ids": [channel line id, ...]}
           dispatch {"items": [DispatchItem as a dict, ...]}
           delay    {"items": [DelayItem as a dict, ...]}

Outcomes (marketdock.outbox.services decides by exception):
- RateLimited / TemporaryError propagate: the message is retried later (the connectors never retry a
  write whose request may have arrived; marketplaces answer an already-processed line per line).
- BusinessError / AuthError propagate: "failed" with the marketplace's message. A payload that
  cannot be read is a BusinessError too (nothing is sent).
- Per-line answers are recorded onto the order through
  `services_flow.effect_result_record(company, message, result)`; when every line was refused the
  message fails with the marketplace's messages, otherwise it is "sent" and its result lists the
  refused lines.
- A marketplace without the operation (Shopify 발주확인) answers "skipped" (sent, nothing to tell)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ValidationError

from marketdock.channels.connectors.errors import BusinessError, UnsupportedOperation
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import DelayItem, DispatchItem, LineFailure
from marketdock.channels.services import connector_for
from marketdock.outbox.services import outbox_handler

logger = logging.getLogger(__name__)

def connector_options(account) -> HttpOptions | None:
    """HTTP options for the account's connector (tests replace this)."""
    return None


def _connector(account):
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

def _record(message, result: Any) -> None:
    """Hand the per-line answer to the order flow when it offers `effect_result_record`."""
    try:
        from marketdock.orders import services_flow
    except ImportError:  # pragma: no cover - the order flow is part of the app
        return
    recorder = getattr(services_flow, "effect_result_record", None)
    if recorder is not None:
        recorder(message.company, message, result)

def _finish(message, *, done: list[str], failed: list[LineFailure], extra: dict[str, Any] | None = None,
            result: Any = None) -> dict[str, Any]:
    _record(message, result)
    outcome = {"done": done, "failed": [f.model_dump(include={"order_line_id", "code", "message", "retryable"})
                                        for f in failed], **(extra or {})}
    if failed and not done:
        text = "; ".join(f"{f.order_line_id}: {f.message or f.code}" for f in failed)
        raise BusinessError(text[:1900], code=failed[0].code or "REFUSED")
    return outcome

def _resolve_carriers(message, items: list[DispatchItem]) -> list[DispatchItem]:
    """Fill what the caller left out from the carrier master: the marketplace's carrier code and
    (for Shopify, which cannot link Korean carriers) the carrier's tracking URL."""
    from marketdock.shipping.models import Carrier

    kind = message.account.kind
    keys = {item.carrier_code for item in items if item.carrier_code}
    carriers = {c.key: c for c in Carrier.objects.filter(key__in=keys).prefetch_related("channel_codes")}
    resolved = []
    for item in items:
        carrier = carriers.get(item.carrier_code)
        update: dict[str, Any] = {}
        if carrier is not None and not item.marketplace_carrier_code:
            code = next((c.code for c in carrier.channel_codes.all() if c.channel == kind), "")
            if code:
                update["marketplace_carrier_code"] = code
        if carrier is not None and not item.tracking_url and carrier.tracking_url and item.tracking_number:
            update["tracking_url"] = carrier.tracking_url + item.tracking_number
        resolved.append(item.model_copy(update=update) if update else item)
    return resolved

@outbox_handler("confirm")
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

@outbox_handler("dispatch")
def deliver_dispatch(message) -> dict[str, Any]:
    items = _resolve_carriers(message, _items(DispatchItem, message))
    with _connector(message.account) as conn:
        result = conn.dispatch(items)
    return _finish(message, done=result.sent, failed=result.failed, result=result)

@outbox_handler("delay")
def deliver_delay(message) -> dict[str, Any]:
    items = _items(DelayItem, message)
    with _connector(message.account) as conn:
        try:
            result = conn.delay(items)
        except UnsupportedOperation as exc:
            raise BusinessError(exc.message, code="UNSUPPORTED") from exc
    return _finish(message, done=result.delayed, failed=result.failed, result=result)
