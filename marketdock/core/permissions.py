"""Screen permissions (SYS-2). A user may read a screen when their role grants it; write needs the
`write` level. The company's main admin may do everything, including the admin-only screens."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .menu import screens_by_key
from .models import ScreenPermission, User

READ = ScreenPermission.Level.READ
WRITE = ScreenPermission.Level.WRITE


def screen_levels(user: User) -> dict[str, str]:
    """{screen key: 'read'|'write'} for this user, cached on the user object for the request."""
    cached = getattr(user, "_screen_levels", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or user.company_id is None:
        levels: dict[str, str] = {}
    elif user.is_company_admin:
        levels = {key: WRITE for key in screens_by_key()}
    elif user.role_id is None:
        levels = {}
    else:
        levels = dict(ScreenPermission.objects.filter(role_id=user.role_id).values_list("screen", "level"))
        admin_only = {k for k, s in screens_by_key().items() if s.admin_only}
        levels = {k: v for k, v in levels.items() if k not in admin_only}
    user._screen_levels = levels
    return levels


def can_read(user: User, screen: str) -> bool:
    return screen in screen_levels(user)


def can_write(user: User, screen: str) -> bool:
    return screen_levels(user).get(screen) == WRITE


def require(user: User, screen: str, *, write: bool = False) -> None:
    if screen not in screens_by_key():
        raise KeyError(f"unknown screen {screen!r}: add it to marketdock/core/menu.py")
    allowed = can_write(user, screen) if write else can_read(user, screen)
    if not allowed:
        if write:
            raise PermissionDenied(_("이 화면을 수정할 권한이 없습니다. 관리자에게 화면권한을 요청하세요."))
        raise PermissionDenied(_("이 화면을 볼 권한이 없습니다. 관리자에게 화면권한을 요청하세요."))
