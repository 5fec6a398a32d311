"""Notices (SYS-5): a company's own notices and the per-user "don't show again" of pop-ups.

Platform-wide notices (company empty) are posted by the operator in /operator/; a company's users
with write permission on 공지사항 post notices for their own company only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Company, Notice, NoticeDismissal, User
from .selectors import notices_active


def _validate(*, title: str, body: str, starts_at: datetime, ends_at: datetime) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("제목을 입력하세요.")
    if not body.strip():
        errors["body"] = _("내용을 입력하세요.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("게시 종료는 게시 시작보다 뒤여야 합니다.")
    if errors:
        raise ValidationError(errors)


def notice_create(
    *, company: Company, user: User | None, title: str, body: str, starts_at: datetime, ends_at: datetime,
    is_popup: bool = True,
) -> Notice:
    _validate(title=title, body=body, starts_at=starts_at, ends_at=ends_at)
    return Notice.objects.create(
        company=company, title=title.strip(), body=body.strip(), starts_at=starts_at, ends_at=ends_at,
        is_popup=is_popup, created_by=user,
    )


def notice_update(
    *, notice: Notice, title: str, body: str, starts_at: datetime, ends_at: datetime, is_popup: bool,
) -> Notice:
    """Edit a company notice. A changed notice is shown again as a pop-up to everybody who dismissed it."""
    if notice.company_id is None:
        raise ValidationError(_("운영자가 게시한 공지는 수정할 수 없습니다."))
    _validate(title=title, body=body, starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        changed = (notice.title, notice.body) != (title.strip(), body.strip())
        notice.title, notice.body = title.strip(), body.strip()
        notice.starts_at, notice.ends_at, notice.is_popup = starts_at, ends_at, is_popup
        notice.save(update_fields=["title", "body", "starts_at", "ends_at", "is_popup"])
        if changed:
            notice.dismissals.all().delete()
    return notice


def notice_delete(*, notice: Notice) -> None:
    if notice.company_id is None:
        raise ValidationError(_("운영자가 게시한 공지는 삭제할 수 없습니다."))
    notice.delete()


def notice_dismiss(*, user: User, notice_ids: Iterable[int]) -> int:
    """Record that `user` has seen these pop-ups; only currently shown notices of the user's company
    (or platform-wide ones) count. Returns how many new dismissals were recorded."""
    ids = {int(i) for i in notice_ids}
    if not ids or user.company_id is None:
        return 0
    visible = list(notices_active(user.company).filter(pk__in=ids).values_list("pk", flat=True))
    created = NoticeDismissal.objects.bulk_create(
        [NoticeDismissal(notice_id=pk, user=user) for pk in visible], ignore_conflicts=True
    )
    return len(created)
