"""What the marketplace is told about claims and inquiries, through the outbox in the caller's
transaction (same discipline as `orders.services.effects`):

    "claim_decision"  payload {"claim": <Claim pk>, "item": ClaimDecision as a dict}
    "inquiry_answer"  payload {"answer": <InquiryAnswer pk>, "item": InquiryAnswer (cs_models) as a dict}

The delivery handlers (registered from the claims app's ready()) call the connector's
`decide_claims` / `answer_inquiries` and write the result back on the claim / answer."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from marketdock.channels.connectors.cs_models import ClaimAction, ClaimDecision
from marketdock.channels.connectors.cs_models import InquiryAnswer as AnswerItem
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue, outbox_retry

from ..models import Claim, InquiryAnswer


def _key(kind: str, account_id: int, *parts: str) -> str:
    key = ":".join([kind, str(account_id), *parts])
    if len(key) <= 200:
        return key
    return f"{kind}:{account_id}:h:{hashlib.sha256(key.encode()).hexdigest()}"


def claim_decision_enqueue(*, claim: Claim, action: ClaimAction, reason_code: str = "", memo: str = "",
                           marketplace_carrier_code: str = "", tracking_number: str = "") -> OutboxMessage:
    """Queue one decision on `claim` for its marketplace (call inside the transaction that changes the
    claim). The same decision twice is one message; a failed one queued again is retried."""
    line = claim.line
    item = ClaimDecision(
        claim_id=claim.channel_claim_id, order_id=claim.order.channel_order_id, order_line_id=line.channel_line_id,
        kind=claim.type, action=action, quantity=claim.quantity, reason_code=reason_code, memo=memo,
        marketplace_carrier_code=marketplace_carrier_code, tracking_number=tracking_number)
    key = _key("claim_decision", claim.account_id, claim.channel_claim_id or f"line{line.pk}", action.value,
               tracking_number)
    message, created = outbox_enqueue(company=claim.company, account=claim.account, kind="claim_decision", key=key,
                                      payload={"claim": claim.pk, "item": item.model_dump(mode="json")},
                                      reference=f"claim:{claim.pk}")
    if not created and message.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD):
        outbox_retry(company=claim.company, message_ids=[message.pk])
    elif not created:  # the same decision again: already on its way or answered, its state stands
        return message
    claim.push_state, claim.push_error, claim.updated_at = "pending", "", timezone.now()
    claim.save(update_fields=["push_state", "push_error", "updated_at"])
    return message


def inquiry_answer_enqueue(*, answer: InquiryAnswer) -> OutboxMessage:
    """Queue `answer` (a new row per text written) for its inquiry's marketplace."""
    inquiry = answer.inquiry
    item = AnswerItem(inquiry_id=inquiry.channel_inquiry_id, kind=inquiry.kind, text=answer.text,
                      answer_id=inquiry.channel_answer_id if answer.is_edit else "")
    message, _created = outbox_enqueue(
        company=answer.company, account=inquiry.account, kind="inquiry_answer",
        key=_key("inquiry_answer", inquiry.account_id, inquiry.kind, inquiry.channel_inquiry_id, f"a{answer.pk}"),
        payload={"answer": answer.pk, "item": item.model_dump(mode="json")}, reference=f"inquiry:{inquiry.pk}")
    return message
