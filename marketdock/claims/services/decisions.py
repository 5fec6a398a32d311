"""Decisions on a claim (CS-1): 승인 / 거부 / 보류 / 보류 해제, 회수 도착, and sending a refused decision again.

Each decision on one claim is one transaction: the move (`flow.claim_move`, with its `ClaimEvent`), its
consequences for the order and stock (`consequences`), and — for a claim collected from the channel —
the decision queued for the marketplace (`effects.claim_decision_enqueue`). A refused decision
changes nothing. Bulk decisions give one result per claim; one refused claim never blocks another.

Where the marketplace picks returned and exchanged goods up itself (`Capabilities.marketplace_collects`:
Naver, Coupang) its approve call is not our request-stage 승인 — for a return it is the refund (Naver
반품 승인, Coupang 반품승인), for an exchange the receipt (교환 수거 완료 / 입고확인). So 승인 of such a
return or exchange sends nothing: the claim moves to 회수중 here (the history says who approved), the
marketplace collects, and its step goes out when the goods are in — an exchange's RECEIVE at 회수 도착,
a return's COMPLETE at 입고검수 (`inspection`). Cancels, and returns elsewhere (Shopify
returnApproveRequest, 11st), send their approval as before; 거부 and 보류 always go out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from marketdock.channels.connectors.cs_models import ClaimAction
from marketdock.core.models import Company, User
from marketdock.orders.services import FlowError
from marketdock.orders.services.effects import channel_capability
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_retry

from ..models import Claim, ClaimEventKind, ClaimSource, ClaimStatus, ClaimType
from . import consequences
from .effects import claim_decision_enqueue
from .flow import ClaimError, ClaimOutcome, claim_event, claim_move

S = ClaimStatus
FAILED_MESSAGE = (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD)


def tells_marketplace(claim: Claim) -> bool:
    """Decisions on a claim collected from the channel go back to it; manual claims stay here."""
    return claim.source == ClaimSource.CHANNEL and bool(claim.channel_claim_id)


def marketplace_collects(claim: Claim) -> bool:
    """A return or exchange whose marketplace picks the goods up itself: our 승인 is not sent to it."""
    return (claim.type in (ClaimType.RETURN, ClaimType.EXCHANGE) and tells_marketplace(claim)
            and channel_capability(claim.account, "marketplace_collects", False))


def _locked(company: Company, claim: Claim) -> Claim:
    if claim.company_id != company.pk:
        raise ClaimError(_("클레임을 찾을 수 없습니다."))
    try:
        return (Claim.objects.select_for_update(of=("self",)).select_related("order", "line", "account")
                .get(company=company, pk=claim.pk))
    except Claim.DoesNotExist:
        raise ClaimError(_("클레임을 찾을 수 없습니다.")) from None


def _run(company: Company, claims: Sequence[Claim], step: Callable[[Claim], str]) -> list[ClaimOutcome]:
    out: list[ClaimOutcome] = []
    for given in claims:
        try:
            with transaction.atomic():
                claim = _locked(company, given)
                message = step(claim)
        except (ClaimError, FlowError) as exc:
            out.append(ClaimOutcome(given, False, str(exc)))
            continue
        for f in Claim._meta.concrete_fields:
            setattr(given, f.attname, getattr(claim, f.attname))
        out.append(ClaimOutcome(given, True, message))
    return out


def _enqueue(claim: Claim, action: ClaimAction, note: str = "") -> None:
    if tells_marketplace(claim):
        claim_decision_enqueue(claim=claim, action=action, reason_code=claim.reason_code, memo=note)


def _approve(claim: Claim, user: User | None, note: str) -> str:
    claim_move(claim, S.APPROVED, user=user, note=note)
    if marketplace_collects(claim):  # its approve would refund (a return) or say the goods are in (an exchange)
        claim_event(claim, ClaimEventKind.NOTE, _("쇼핑몰이 직접 회수합니다: 승인은 쇼핑몰에 보내지 않고, 상품이 "
                                                  "도착하면(교환 회수 도착 · 반품 입고검수) 쇼핑몰 처리를 보냅니다."), user)
    else:
        _enqueue(claim, ClaimAction.APPROVE, note)
    if claim.type == ClaimType.CANCEL:
        done = consequences.cancel_apply(claim, user)
        claim_move(claim, S.COMPLETED, user=user)
        return _("취소를 승인했습니다. %(what)s") % {"what": done}
    claim_move(claim, S.COLLECTING, user=user)
    # only 반품 and 교환 reach here (a cancel returned above): both take 을
    return _("%(type)s을 승인했습니다. 상품이 도착하면 입고검수하세요.") % {"type": claim.get_type_display()}


def claims_approve(*, company: Company, claims: Sequence[Claim], user: User | None, note: str = "") -> list[ClaimOutcome]:
    """승인: a cancel cancels the line and gives its stock back at once; a return or exchange waits for
    the goods (회수중)."""
    return _run(company, claims, lambda c: _approve(c, user, note.strip()))


def claims_reject(*, company: Company, claims: Sequence[Claim], user: User | None, reason: str) -> list[ClaimOutcome]:
    """거부, with the reason the buyer (and the marketplace) is given."""
    reason = reason.strip()

    def step(claim: Claim) -> str:
        if not reason:
            raise ClaimError(_("거부 사유를 입력하세요."))
        claim_move(claim, S.REJECTED, user=user, note=reason)
        _enqueue(claim, ClaimAction.REJECT, reason)
        return _("거부했습니다.")
    return _run(company, claims, step)


def claims_hold(*, company: Company, claims: Sequence[Claim], user: User | None, reason: str) -> list[ClaimOutcome]:
    """보류, with a reason."""
    reason = reason.strip()

    def step(claim: Claim) -> str:
        if not reason:
            raise ClaimError(_("보류 사유를 입력하세요."))
        claim_move(claim, S.HELD, user=user, note=reason)
        _enqueue(claim, ClaimAction.HOLD, reason)
        return _("보류했습니다.")
    return _run(company, claims, step)


def claims_release_hold(*, company: Company, claims: Sequence[Claim], user: User | None,
                        note: str = "") -> list[ClaimOutcome]:
    """보류 해제: back to 요청, waiting for a decision."""
    def step(claim: Claim) -> str:
        claim_move(claim, S.REQUESTED, user=user, note=note.strip())
        _enqueue(claim, ClaimAction.RELEASE_HOLD, note.strip())
        return _("보류를 해제했습니다.")
    return _run(company, claims, step)


def claims_receive(*, company: Company, claims: Sequence[Claim], user: User | None) -> list[ClaimOutcome]:
    """회수 도착: the returned goods arrived; they wait for 입고검수. For an exchange the marketplace
    collected itself, its receipt step (RECEIVE: Naver 교환 수거 완료, Coupang 입고확인) goes out now."""
    def step(claim: Claim) -> str:
        claim_move(claim, S.INSPECTING, user=user)
        if claim.type == ClaimType.EXCHANGE and marketplace_collects(claim):
            _enqueue(claim, ClaimAction.RECEIVE)
        return _("회수 상품이 도착했습니다. 입고검수를 하세요.")
    return _run(company, claims, step)


def claim_push_retry(*, company: Company, claim: Claim, user: User | None) -> ClaimOutcome:
    """다시 전송: decisions the marketplace refused (or that gave up) are sent again."""
    def step(locked: Claim) -> str:
        ids = list(OutboxMessage.objects.filter(company=company, reference=f"claim:{locked.pk}",
                                                status__in=FAILED_MESSAGE).values_list("pk", flat=True))
        if not ids:
            raise ClaimError(_("다시 보낼 실패한 전송이 없습니다."))
        outbox_retry(company=company, message_ids=ids)
        locked.push_state, locked.push_error = "pending", ""
        locked.save(update_fields=["push_state", "push_error"])
        claim_event(locked, ClaimEventKind.NOTE, _("쇼핑몰 재전송: %(n)s건") % {"n": len(ids)}, user)
        return _("다시 전송합니다 (%(n)s건).") % {"n": len(ids)}
    return _run(company, [claim], step)[0]
