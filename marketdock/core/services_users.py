"""User and role state changes (SYS-2, SYS-3)."""

from __future__ import annotations

from django.utils import timezone

from .models import AccessLog, User
from .services import access_log_record


def user_password_changed(*, user: User, request=None) -> None:
    """After the user set a new password themself: the temporary-password flag is cleared."""
    User.objects.filter(pk=user.pk).update(must_change_password=False, password_changed_at=timezone.now())
    user.must_change_password = False
    access_log_record(event=AccessLog.Event.PASSWORD_CHANGED, username=user.username, user=user, request=request)
