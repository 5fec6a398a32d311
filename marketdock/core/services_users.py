"""User and role state changes (SYS-2, SYS-3).

Every change here writes the account change log (who changed which field, old → new); unlocks
and temporary passwords also write the access log.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .menu import screens_by_key
from .models import AccessLog, Company, Role, ScreenPermission, User
from .services import access_log_record, account_change_record
from .sms import send_sms
from .validators import format_phone, normalize_phone

# AccountChangeLog.action values and their labels (the log screen shows the label).
ACTION_LABELS = {
    "user_create": gettext_lazy("사용자 등록"),
    "user_update": gettext_lazy("사용자 수정"),
    "user_deactivate": gettext_lazy("사용 중지"),
    "user_activate": gettext_lazy("사용 재개"),
    "user_unlock": gettext_lazy("잠금 해제"),
    "password_reset": gettext_lazy("임시 비밀번호 발급"),
    "password_recovered": gettext_lazy("비밀번호 찾기로 재설정"),
    "role_create": gettext_lazy("권한 등록"),
    "role_update": gettext_lazy("권한 수정"),
    "role_delete": gettext_lazy("권한 삭제"),
}

CHANNEL_EMAIL = "email"
CHANNEL_SMS = "sms"

_LEVEL_LABELS = {"": gettext_lazy("없음"), **dict(ScreenPermission.Level.choices)}


def _level_label(level: str) -> str:
    return str(_LEVEL_LABELS.get(level or "", level))


# --- temporary passwords --------------------------------------------------------------------------


def temporary_password_generate(user: User | None = None, length: int = 12) -> str:
    """A random password that satisfies AUTH_PASSWORD_VALIDATORS (upper, lower, digit, symbol)."""
    symbols = "!@#$%^*-_+"
    alphabet = string.ascii_letters + string.digits + symbols
    while True:
        chars = [
            secrets.choice(string.ascii_uppercase),
            secrets.choice(string.ascii_lowercase),
            secrets.choice(string.digits),
            secrets.choice(symbols),
        ] + [secrets.choice(alphabet) for _ in range(length - 4)]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


def contact_channels(user: User) -> list[str]:
    """Where a temporary password can go, the preferred first (e-mail, then SMS)."""
    channels = []
    if user.email:
        channels.append(CHANNEL_EMAIL)
    if user.phone:
        channels.append(CHANNEL_SMS)
    return channels


def deliver_to_user(*, user: User, channel: str, subject: str, text: str) -> str:
    """Send a message to the user's registered e-mail or phone; returns a short description of where
    it went. Raises ValidationError (nothing sent) with a clear reason."""
    if channel == CHANNEL_EMAIL:
        if not user.email:
            raise ValidationError(_("등록된 이메일이 없어 이메일로 보낼 수 없습니다."))
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception as exc:  # SMTP errors differ per backend; the admin must see a clear message
            raise ValidationError(_("이메일 발송에 실패했습니다: %(error)s") % {"error": exc.__class__.__name__})
        return _("이메일")
    if channel == CHANNEL_SMS:
        if not user.phone:
            raise ValidationError(_("등록된 휴대폰 번호가 없어 문자로 보낼 수 없습니다."))
        result = send_sms(to=normalize_phone(user.phone), text=text)
        if not result.ok:
            raise ValidationError(_("문자 발송에 실패했습니다: %(error)s") % {"error": result.error or "-"})
        return _("문자")
    raise ValidationError(_("발송 방법을 선택하세요."))


def _deliver_temporary_password(*, user: User, password: str, channel: str) -> str:
    """Send the password; returns a short description of where it went. Raises ValidationError."""
    text = _(
        "[marketdock] %(username)s 계정의 임시 비밀번호는 %(password)s 입니다. 로그인 후 새 비밀번호로 변경하세요."
    ) % {"username": user.username, "password": password}
    return deliver_to_user(user=user, channel=channel, subject=_("[marketdock] 임시 비밀번호 안내"), text=text)


def _axes_reset(username: str) -> int:
    from axes.utils import reset

    return reset(username=username)


def user_is_locked(user: User) -> bool:
    from .selectors import locked_usernames

    return user.company is not None and user.username in locked_usernames(user.company, [user.username])


def _issue_temporary_password(*, user: User, channel: str, request: HttpRequest | None, detail: str) -> str:
    """Set a temporary password (must be changed at next login), clear the lock, send it."""
    password = temporary_password_generate(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _axes_reset(user.username)
    where = _deliver_temporary_password(user=user, password=password, channel=channel)
    access_log_record(
        event=AccessLog.Event.PASSWORD_RESET, username=user.username, user=user, request=request,
        detail=f"{detail} ({where})",
    )
    return where


# --- users ----------------------------------------------------------------------------------------


def _clean_contact(*, email: str, phone: str) -> tuple[str, str]:
    email = (email or "").strip()
    phone = (phone or "").strip()
    if not email and not phone:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("휴대폰 번호와 이메일 중 하나는 반드시 입력하세요. 비밀번호를 잊었을 때 임시 비밀번호를 받을 곳입니다.")]}
        )
    if phone:
        phone = format_phone(phone)
    return email, phone


def _check_role(company: Company, role: Role | None) -> Role:
    if role is None:
        raise ValidationError({"role": [_("권한을 선택하세요.")]})
    if role.company_id != company.pk:
        raise ValidationError({"role": [_("이 회사의 권한이 아닙니다.")]})
    return role


def _check_user_limit(company: Company, *, adding: int = 1) -> None:
    limit = company.user_limit
    if limit is None:
        return
    active = User.objects.filter(company=company, is_active=True).count()
    if active + adding > limit:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_(
                "현재 요금제(%(plan)s)는 사용자를 최대 %(limit)d명까지 등록할 수 있습니다 (사용중 %(active)d명). "
                "사용하지 않는 사용자를 사용 중지하거나 요금제를 변경하세요."
            ) % {"plan": company.get_plan_display(), "limit": limit, "active": active}]}
        )


def user_create(
    *,
    company: Company,
    actor: User,
    username: str,
    name: str,
    role: Role,
    email: str = "",
    phone: str = "",
    password: str = "",
    channel: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Register a user of this company. Without `password` a temporary password is issued and sent
    to the user's contact. Either way the user must change it at first login.
    Returns (user, where the temporary password went or "")."""
    username = (username or "").strip()
    email, phone = _clean_contact(email=email, phone=phone)
    role = _check_role(company, role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("'%(username)s'는 이미 사용 중인 아이디입니다.") % {"username": username}]})
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        _check_user_limit(company)
        user = User(
            username=username, company=company, role=role, name=(name or "").strip(), email=email, phone=phone,
            is_active=True, must_change_password=True,
        )
        user.full_clean(exclude=["password"])
        where = ""
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages})
            user.set_password(password)
            user.save()
        else:
            user.set_unusable_password()
            user.save()
            where = _issue_temporary_password(
                user=user, channel=channel or contact_channels(user)[0], request=request, detail=_("사용자 등록"),
            )
        account_change_record(
            company=company, actor=actor, target_user=user, target_label=user.username, action="user_create",
            changes={
                _("이름"): ("", user.name), _("휴대폰"): ("", user.phone), _("이메일"): ("", user.email),
                _("권한"): ("", role.name),
            },
            request=request,
        )
    return user, where


def user_update(
    *,
    company: Company,
    actor: User,
    user: User,
    name: str,
    email: str,
    phone: str,
    role: Role,
    is_active: bool,
    request: HttpRequest | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change a user's name, contact, role and active flag. The main admin cannot demote or
    deactivate themself (or another main admin) here. Returns the changes made."""
    if user.company_id != company.pk:
        raise ValidationError(_("이 회사의 사용자가 아닙니다."))
    email, phone = _clean_contact(email=email, phone=phone)
    role = _check_role(company, role)
    if user.is_company_admin:
        if not is_active:
            raise ValidationError({"is_active": [_("주관리자 계정은 사용 중지할 수 없습니다.")]})
        if role.pk != user.role_id and role.builtin != Role.BUILTIN_ADMIN:
            raise ValidationError({"role": [_("주관리자의 권한은 관리자에서 바꿀 수 없습니다.")]})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if is_active and not locked.is_active:
            Company.objects.select_for_update().filter(pk=company.pk).first()
            _check_user_limit(company)
        old = {"name": locked.name, "email": locked.email, "phone": locked.phone, "role": locked.role,
               "is_active": locked.is_active}
        locked.name = (name or "").strip()
        locked.email = email
        locked.phone = phone
        locked.role = role
        locked.is_active = is_active
        locked.full_clean(exclude=["password"])
        locked.save(update_fields=["name", "email", "phone", "role", "is_active"])
        labels = {"name": _("이름"), "email": _("이메일"), "phone": _("휴대폰"), "role": _("권한")}
        changes: dict[str, tuple[Any, Any]] = {}
        for key, label in labels.items():
            before, after = old[key], getattr(locked, key)
            if before != after:
                changes[label] = (str(before) if before is not None else "", str(after))
        if changes:
            account_change_record(company=company, actor=actor, target_user=locked, target_label=locked.username,
                                  action="user_update", changes=changes, request=request)
        if old["is_active"] != is_active:
            account_change_record(
                company=company, actor=actor, target_user=locked, target_label=locked.username,
                action="user_activate" if is_active else "user_deactivate",
                changes={_("사용"): (_("사용") if old["is_active"] else _("중지"), _("사용") if is_active else _("중지"))},
                request=request,
            )
            changes[_("사용")] = (old["is_active"], is_active)
    for key in ("name", "email", "phone", "role", "is_active"):
        setattr(user, key, getattr(locked, key))
    return changes


def user_deactivate(*, company: Company, actor: User, user: User, request: HttpRequest | None = None) -> None:
    user_update(company=company, actor=actor, user=user, name=user.name, email=user.email, phone=user.phone,
                role=user.role, is_active=False, request=request)


def user_unlock(
    *, company: Company, actor: User, user: User, channel: str = "", request: HttpRequest | None = None
) -> str:
    """The main admin unlocks a user (or resets a forgotten password): the login lock is cleared and
    a temporary password goes to the user's e-mail or phone. Returns where it went."""
    if user.company_id != company.pk:
        raise ValidationError(_("이 회사의 사용자가 아닙니다."))
    if not user.is_active:
        raise ValidationError(_("사용 중지된 사용자입니다. 먼저 사용으로 바꾸세요."))
    channels = contact_channels(user)
    if not channels:
        raise ValidationError(_("등록된 이메일과 휴대폰이 없어 임시 비밀번호를 보낼 수 없습니다. 연락처를 먼저 등록하세요."))
    channel = channel or channels[0]
    if channel not in channels:
        raise ValidationError(_("선택한 방법으로 보낼 연락처가 등록되어 있지 않습니다."))
    was_locked = user_is_locked(user)
    with transaction.atomic():
        where = _issue_temporary_password(user=user, channel=channel, request=request,
                                          detail=_("관리자 %(admin)s 발급") % {"admin": actor.username})
        if was_locked:
            access_log_record(event=AccessLog.Event.UNLOCKED, username=user.username, user=user, request=request,
                              detail=_("관리자 %(admin)s 해제") % {"admin": actor.username})
            account_change_record(company=company, actor=actor, target_user=user, target_label=user.username,
                                  action="user_unlock", changes={_("잠김"): (_("잠김"), _("해제"))}, request=request)
        account_change_record(company=company, actor=actor, target_user=user, target_label=user.username,
                              action="password_reset", changes={_("임시 비밀번호"): ("", where)}, request=request)
    return where


def user_password_changed(*, user: User, request=None) -> None:
    """After the user set a new password themself: the temporary-password flag is cleared."""
    User.objects.filter(pk=user.pk).update(must_change_password=False, password_changed_at=timezone.now())
    user.must_change_password = False
    access_log_record(event=AccessLog.Event.PASSWORD_CHANGED, username=user.username, user=user, request=request)


# --- roles ----------------------------------------------------------------------------------------


def role_assignable_screens() -> list[str]:
    """Screens a role can grant: every menu screen except the main admin's own."""
    return [k for k, s in screens_by_key().items() if not s.admin_only]


def _clean_levels(levels: dict[str, str]) -> dict[str, str]:
    allowed = set(role_assignable_screens())
    valid_levels = set(ScreenPermission.Level.values)
    cleaned = {}
    for screen, level in (levels or {}).items():
        if not level:
            continue
        if screen not in allowed:
            raise ValidationError(_("'%(screen)s' 화면은 권한에 넣을 수 없습니다.") % {"screen": screen})
        if level not in valid_levels:
            raise ValidationError(_("'%(level)s'는 올바른 권한 수준이 아닙니다.") % {"level": level})
        cleaned[screen] = level
    return cleaned


def _check_role_name(company: Company, name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("권한명을 입력하세요.")]})
    qs = Role.objects.filter(company=company, name=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({"name": [_("'%(name)s' 권한이 이미 있습니다.") % {"name": name}]})
    return name


def role_create(
    *, company: Company, actor: User, name: str, description: str = "", levels: dict[str, str],
    request: HttpRequest | None = None,
) -> Role:
    name = _check_role_name(company, name)
    levels = _clean_levels(levels)
    with transaction.atomic():
        role = Role.objects.create(company=company, name=name, description=(description or "").strip()[:200])
        ScreenPermission.objects.bulk_create([ScreenPermission(role=role, screen=s, level=lv) for s, lv in levels.items()])
        changes: dict[str, tuple[Any, Any]] = {_("권한명"): ("", name)}
        changes.update({_screen_field(s): ("", _level_label(lv)) for s, lv in levels.items()})
        account_change_record(company=company, actor=actor, target_user=None, target_label=name,
                              action="role_create", changes=changes, request=request)
    return role


def _screen_field(screen: str) -> str:
    s = screens_by_key().get(screen)
    return f"{_('화면')}: {s.label if s else screen}"


def role_update(
    *, company: Company, actor: User, role: Role, name: str, description: str = "", levels: dict[str, str],
    request: HttpRequest | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Rename a custom role and replace its screen permissions. Built-in roles are fixed."""
    if role.company_id != company.pk:
        raise ValidationError(_("이 회사의 권한이 아닙니다."))
    if role.builtin:
        raise ValidationError(_("기본 권한(관리자/운영자/조회전용)은 바꿀 수 없습니다. 새 권한을 만들어 쓰세요."))
    name = _check_role_name(company, name, exclude_pk=role.pk)
    levels = _clean_levels(levels)
    description = (description or "").strip()[:200]
    with transaction.atomic():
        old_levels = dict(ScreenPermission.objects.filter(role=role).values_list("screen", "level"))
        changes: dict[str, tuple[Any, Any]] = {}
        if role.name != name:
            changes[_("권한명")] = (role.name, name)
        if role.description != description:
            changes[_("설명")] = (role.description, description)
        role.name, role.description = name, description
        role.save(update_fields=["name", "description"])
        for screen in sorted(set(old_levels) | set(levels), key=lambda k: list(screens_by_key()).index(k)
                             if k in screens_by_key() else 10_000):
            before, after = old_levels.get(screen, ""), levels.get(screen, "")
            if before == after:
                continue
            changes[_screen_field(screen)] = (_level_label(before), _level_label(after))
            if not after:
                ScreenPermission.objects.filter(role=role, screen=screen).delete()
            elif not before:
                ScreenPermission.objects.create(role=role, screen=screen, level=after)
            else:
                ScreenPermission.objects.filter(role=role, screen=screen).update(level=after)
        if changes:
            account_change_record(company=company, actor=actor, target_user=None, target_label=role.name,
                                  action="role_update", changes=changes, request=request)
    return changes


def role_delete(*, company: Company, actor: User, role: Role, request: HttpRequest | None = None) -> None:
    if role.company_id != company.pk:
        raise ValidationError(_("이 회사의 권한이 아닙니다."))
    if role.builtin:
        raise ValidationError(_("기본 권한(관리자/운영자/조회전용)은 삭제할 수 없습니다."))
    with transaction.atomic():
        in_use = User.objects.filter(role=role).count()
        if in_use:
            raise ValidationError(
                _("'%(name)s' 권한을 가진 사용자가 %(count)d명 있어 삭제할 수 없습니다. 먼저 사용자의 권한을 바꾸세요.")
                % {"name": role.name, "count": in_use}
            )
        account_change_record(company=company, actor=actor, target_user=None, target_label=role.name,
                              action="role_delete", changes={_("권한명"): (role.name, "")}, request=request)
        role.delete()
