"""The marketplace's own progress on a claim moves ours (for claim collection to call after it stored
the marketplace's state): the marketplace's state is the truth about what happened there, so a claim
it approved, rejected, withdrew or collected follows — forward only, through the same moves and
consequences as our own decisions, and without telling the marketplace what it told us.

    requested → (nothing)          held → 보류            rejected → 거부        withdrawn → 철회
    approved / completed (cancel) → 승인 → 완료, the line cancelled and its stock given back (once)
    approved / collecting (return, exchange) → 승인 → 회수중
    collected / completed (return, exchange) → … → 입고검수 (stock only comes back through 입고검수)
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketdock.core.models import Company, User

from ..models import Claim, ClaimStatus, ClaimType
from . import consequences
from .decisions import _run
from .flow import ClaimOutcome, claim_move, move_refusal

S = ClaimStatus
# the marketplace's progress (cs_models.ClaimProgress) → the furthest status of ours it implies, per type
TARGETS: dict[str, dict[str, str]] = {
    ClaimType.CANCEL.value: {"held": S.HELD, "rejected": S.REJECTED, "withdrawn": S.WITHDRAWN,
                             "approved": S.COMPLETED, "completed": S.COMPLETED},
    ClaimType.RETURN.value: {"held": S.HELD, "rejected": S.REJECTED, "withdrawn": S.WITHDRAWN, "approved": S.COLLECTING,
                             "collecting": S.COLLECTING, "collected": S.INSPECTING, "completed": S.INSPECTING},
    ClaimType.EXCHANGE.value: {"held": S.HELD, "rejected": S.REJECTED, "withdrawn": S.WITHDRAWN,
                               "approved": S.COLLECTING, "collecting": S.COLLECTING, "collected": S.INSPECTING,
                               "reshipped": S.INSPECTING, "completed": S.INSPECTING},
}
# how to get from each status of ours to the target, one move at a time
PATH = (S.REQUESTED, S.APPROVED, S.COLLECTING, S.INSPECTING)


def _steps(claim: Claim, target: str) -> list[str]:
    if target in (S.HELD, S.REJECTED, S.WITHDRAWN):
        return [target] if not move_refusal(claim, target) else []
    if claim.type == ClaimType.CANCEL:
        return [S.APPROVED, S.COMPLETED] if claim.status in (S.REQUESTED, S.HELD) else []
    start = S.REQUESTED if claim.status == S.HELD else claim.status
    if start not in PATH or PATH.index(start) >= PATH.index(target):
        return []
    return list(PATH[PATH.index(start) + 1:PATH.index(target) + 1])


def claim_follow_channel(*, company: Company, claim: Claim, progress: str, user: User | None = None) -> ClaimOutcome:
    """Move `claim` forward to what the marketplace's `progress` implies (nothing when it implies
    nothing new, e.g. it is behind us)."""
    def step(locked: Claim) -> str:
        target = TARGETS.get(locked.type, {}).get(str(progress))
        moves = _steps(locked, target) if target else []
        for to in moves:
            claim_move(locked, to, user=user, note=_("쇼핑몰에서 처리됨"))
            if to == S.APPROVED and locked.type == ClaimType.CANCEL:
                consequences.cancel_apply(locked, user)
        return _("쇼핑몰 진행을 반영했습니다.") if moves else _("바뀐 것이 없습니다.")
    return _run(company, [claim], step)[0]
