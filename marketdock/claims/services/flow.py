"""Our claim status flow (CS-1): the allowed moves and the one writer of a claim's status.

    요청 → 승인 / 거부 / 보류;  보류 → 요청 (보류 해제) / 승인 / 거부
    취소:  승인 → 완료 (the order line is cancelled and its stock given back at once)
    반품:  승인 → 회수중 → 입고검수 → 완료 (stock back only for what 입고검수 accepts)
    교환:  승인 → 회수중 → 입고검수 → 재발송 (a replacement order ships like any other) → 완료
    철회: the buyer withdrew it at the marketplace (from 요청, 보류, 승인 or 회수중)

Every move goes through `claim_move`: it checks the table, writes a `ClaimEvent` old → new with the
user, and stamps 처리자/처리일시 on decisions. The decisions themselves (and what they do to orders,
stock and the marketplace) are in `decisions`; each runs in one transaction with its outbox message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import User

from ..models import Claim, ClaimEvent, ClaimEventKind, ClaimStatus, ClaimType

S = ClaimStatus

ALLOWED: dict[str, frozenset[str]] = {str(k): frozenset(str(v) for v in vs) for k, vs in {
    S.REQUESTED: {S.APPROVED, S.REJECTED, S.HELD, S.WITHDRAWN},
    S.HELD: {S.REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN},
    S.APPROVED: {S.COLLECTING, S.COMPLETED, S.WITHDRAWN},
    S.COLLECTING: {S.INSPECTING, S.WITHDRAWN},
    S.INSPECTING: {S.COMPLETED, S.RESHIPPING},
    S.RESHIPPING: {S.COMPLETED},
    S.REJECTED: set(),
    S.COMPLETED: set(),
    S.WITHDRAWN: set(),
}.items()}
# moves only some claim types make
TYPE_ONLY: dict[tuple[str, str], frozenset[str]] = {
    (S.APPROVED.value, S.COMPLETED.value): frozenset({ClaimType.CANCEL.value}),
    (S.APPROVED.value, S.COLLECTING.value): frozenset({ClaimType.RETURN.value, ClaimType.EXCHANGE.value}),
    (S.INSPECTING.value, S.COMPLETED.value): frozenset({ClaimType.RETURN.value}),
    (S.INSPECTING.value, S.RESHIPPING.value): frozenset({ClaimType.EXCHANGE.value}),
}
DECISIONS = frozenset({S.APPROVED.value, S.REJECTED.value, S.HELD.value})


class ClaimError(Exception):
    """A claim change was refused; `str(exc)` is a Korean message for the user."""


@dataclass
class ClaimOutcome:
    """Per claim: done or refused with the reason (bulk actions show these per row)."""

    claim: Claim
    ok: bool
    message: str


def status_label(value: str) -> str:
    try:
        return str(ClaimStatus(value).label)
    except ValueError:
        return value


def move_refusal(claim: Claim, to: str) -> str:
    """Why `claim` cannot move to `to` ("" when it can)."""
    if to == claim.status:
        return _("이미 %(s)s 상태입니다.") % {"s": status_label(to)}
    types = TYPE_ONLY.get((claim.status, to))
    if to not in ALLOWED.get(claim.status, frozenset()) or (types is not None and claim.type not in types):
        return _("%(type)s %(old)s 상태에서는 %(new)s(으)로 바꿀 수 없습니다.") % {
            "type": claim.get_type_display(), "old": status_label(claim.status), "new": status_label(to)}
    return ""


def allowed_moves(claim: Claim) -> list[str]:
    return [s for s in ClaimStatus.values if not move_refusal(claim, s)]


def claim_event(claim: Claim, kind: str, message: str, user: User | None = None, old: str = "",
                new: str = "") -> ClaimEvent:
    return ClaimEvent.objects.create(company_id=claim.company_id, claim=claim, kind=kind, message=message[:1000],
                                     old_value=old[:100], new_value=new[:100],
                                     user=user if user is not None and user.pk else None)


def claim_move(claim: Claim, to: str, *, user: User | None, note: str = "") -> ClaimEvent:
    """Move a (locked) claim to `to` by the table; raises ClaimError."""
    refusal = move_refusal(claim, str(to))
    if refusal:
        raise ClaimError(refusal)
    old, now = claim.status, timezone.now()
    claim.status, claim.updated_at = str(to), now
    fields = ["status", "updated_at"]
    if to in DECISIONS:
        claim.decided_at, claim.decided_by = now, user if user is not None and user.pk else None
        fields += ["decided_at", "decided_by"]
    if to == S.COMPLETED:
        claim.completed_at = now
        fields.append("completed_at")
    if note:
        claim.decision_note = note[:1000]
        fields.append("decision_note")
    claim.save(update_fields=fields)
    text = _("%(old)s → %(new)s") % {"old": status_label(old), "new": status_label(to)}
    return claim_event(claim, ClaimEventKind.STATUS, text + (f" · {note[:300]}" if note else ""), user, old, str(to))
