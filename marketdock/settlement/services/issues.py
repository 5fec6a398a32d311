"""The 정산 오류 queue's decisions: accept a difference with a note (closed), mark it for the marketplace
(disputed, to be asked about), reopen it; each decision is an event in the issue's history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import IssueState, SettlementIssue, SettlementIssueEvent

NOTE_MAX = 1000
# what each decision may follow (a resolved issue went away by itself: nothing to decide)
_FROM = {
    IssueState.ACCEPTED: (IssueState.OPEN, IssueState.DISPUTED),
    IssueState.DISPUTED: (IssueState.OPEN,),
    IssueState.OPEN: (IssueState.ACCEPTED, IssueState.DISPUTED),
}
_DONE = {IssueState.ACCEPTED: gettext_lazy("인정 처리"), IssueState.DISPUTED: gettext_lazy("쇼핑몰 문의로 표시"),
         IssueState.OPEN: gettext_lazy("다시 열기")}
_EVENT_CODE = {IssueState.ACCEPTED: "accepted", IssueState.DISPUTED: "disputed", IssueState.OPEN: "reopened"}


def issue_decide(*, issue: SettlementIssue, to: str, user, note: str = "") -> SettlementIssue:
    """Move the issue to `to` (accepted / disputed / open) with the user's note; Korean errors for a
    move that does not apply, a missing note on accept, or a note too long."""
    note = (note or "").strip()
    if to not in _FROM:
        raise ValidationError(_("알 수 없는 처리입니다."))
    if to == IssueState.ACCEPTED and not note:
        raise ValidationError(_("인정 처리에는 메모가 필요합니다 (왜 차이를 받아들이는지)."))
    if len(note) > NOTE_MAX:
        raise ValidationError(_("메모는 %(max)d자까지 입력할 수 있습니다.") % {"max": NOTE_MAX})
    with transaction.atomic():
        locked = SettlementIssue.objects.select_for_update().get(pk=issue.pk, company_id=issue.company_id)
        if locked.state not in _FROM[to]:
            raise ValidationError(_("현재 상태(%(state)s)에서는 %(action)s할 수 없습니다.")
                                  % {"state": locked.get_state_display(), "action": _DONE[to]})
        now = timezone.now()
        SettlementIssueEvent.objects.create(company_id=locked.company_id, issue=locked, old_state=locked.state,
                                            new_state=to, message=note, code=_EVENT_CODE[to], user=user, at=now)
        locked.state, locked.updated_at = to, now
        if note:
            locked.note = note
        locked.decided_at, locked.decided_by = (now, user) if to != IssueState.OPEN else (None, None)
        locked.save(update_fields=["state", "note", "updated_at", "decided_at", "decided_by"])
    return locked
