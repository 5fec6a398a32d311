"""Delivery of outbox kind "claim_decision" (payload {"claim": pk, "item": ClaimDecision dict}),
registered from the claims app's ready() with `orders.services.register_effect_handler`.

The handler builds the account's connector, calls `decide_claims` with the one decision and writes
the answer on the claim: push_state "sent" or "failed", push_error (the marketplace's own message)
and a ClaimEvent PUSH_SENT / PUSH_FAILED. Outcomes follow the outbox rules:
- RateLimited / TemporaryError propagate: the message is retried later (the claim stays "pending";
  when the outbox gives up after its last attempt the claim is marked failed);
- a refusal (per item or BusinessError / AuthError / unsupported) is recorded and raised as
  BusinessError, so the message is "failed" with the marketplace's message until someone retries it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from pydantic import ValidationError

from marketdock.channels.connectors.cs_models import ClaimDecision
from marketdock.channels.connectors.errors import BusinessError, ConnectorError, UnsupportedOperation
from marketdock.channels.connectors.http import HttpOptions
from marketdock.outbox.errors import TemporaryFailure, Throttled
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import MAX_ATTEMPTS

from ..models import Claim, ClaimEvent, ClaimEventKind

ACTION_LABELS = {
    "approve": pgettext_lazy("claim action", "승인"), "reject": pgettext_lazy("claim action", "거부"),
    "hold": pgettext_lazy("claim action", "보류"), "release_hold": pgettext_lazy("claim action", "보류 해제"),
    "reship": pgettext_lazy("claim action", "재발송"), "seller_cancel": pgettext_lazy("claim action", "판매자 취소"),
    "complete": pgettext_lazy("claim action", "반품 완료"), "receive": pgettext_lazy("claim action", "교환 수거 완료"),
}


def connector_options(account) -> HttpOptions | None:
    """HTTP options for the account's connector (tests replace this)."""
    return None


def _connector(account):
    from marketdock.channels.services import connector_for

    return connector_for(account, options=connector_options(account))


def claim_push_record(claim: Claim | None, *, action: str, ok: bool, error: str = "") -> None:
    """Write the marketplace's answer to a decision on the claim (state, error, history)."""
    if claim is None:
        return
    label = ACTION_LABELS.get(action, action)
    now = timezone.now()
    claim.push_state, claim.push_error, claim.updated_at = ("sent", "", now) if ok else ("failed", error[:1000], now)
    claim.save(update_fields=["push_state", "push_error", "updated_at"])
    ClaimEvent.objects.create(
        company_id=claim.company_id, claim=claim, kind=ClaimEventKind.PUSH_SENT if ok else ClaimEventKind.PUSH_FAILED,
        new_value=action, created_at=now,
        message=(_("%(a)s 전송 완료") % {"a": label}) if ok else (_("%(a)s 전송 실패: %(e)s") % {"a": label, "e": error})[:1000])


def deliver_claim_decision(message: OutboxMessage) -> dict[str, Any]:
    payload = message.payload or {}
    claim = Claim.objects.filter(company_id=message.company_id, pk=payload.get("claim")).first()
    try:
        item = ClaimDecision.model_validate(payload.get("item") or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        text = f"item.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        claim_push_record(claim, action=str((payload.get("item") or {}).get("action", "")), ok=False, error=text)
        raise BusinessError(text, code="BAD_PAYLOAD") from exc
    action = item.action.value
    try:
        with _connector(message.account) as conn:
            if not conn.capabilities.claim_decisions:
                raise UnsupportedOperation(_("이 쇼핑몰은 클레임 처리 API가 없습니다. 쇼핑몰 관리자 화면에서 처리하세요."),
                                           marketplace=message.account.kind)
            result = conn.decide_claims([item])
    except (Throttled, TemporaryFailure) as exc:
        if message.attempts >= MAX_ATTEMPTS:  # the outbox gives up now: say so on the claim
            claim_push_record(claim, action=action, ok=False, error=getattr(exc, "message", "") or str(exc))
        raise
    except ConnectorError as exc:
        claim_push_record(claim, action=action, ok=False, error=exc.message)
        raise
    if result.failed:
        text = "; ".join(f.message or f.code for f in result.failed)
        claim_push_record(claim, action=action, ok=False, error=text)
        raise BusinessError(text[:1900], code=result.failed[0].code or "REFUSED")
    claim_push_record(claim, action=action, ok=True)
    return {"done": result.done, "action": action, "claim": claim.pk if claim else None}
