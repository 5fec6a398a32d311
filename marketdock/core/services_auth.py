"""Sign-in protection and 비밀번호 찾기 (SYS-3).

- Throttling comes before any lock: a client address that failed too often (in total, or for one
  username) is answered 429 without the password being checked, so one address cannot lock other
  people's accounts (the limits are in settings, the count in `selectors.login_throttle_wait`).
- When an account does get locked (5 wrong passwords), its owner is told by e-mail or SMS, with the
  addresses the failures came from.
- 비밀번호 찾기 proves ownership of the registered contact: a short-lived one-time code goes there
  and nothing about the account changes until the code is entered with a new password. The request
  only records itself and enqueues a job, so the answer takes the same time whatever was entered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AccessLog, PasswordResetCode, User
from .services import access_log_record, account_change_record, client_ip, user_agent
from .services_users import (
    CHANNEL_EMAIL,
    CHANNEL_SMS,
    _axes_reset,
    deliver_to_user,
    user_is_locked,
)
from .validators import normalize_phone

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


# --- sign-in throttling and the lock notice ---------------------------------------------------------


def login_throttled_record(*, username: str, request: HttpRequest) -> None:
    """One access-log row per address and minute while it is throttled (a flood adds no more rows)."""
    ip = client_ip(request)
    recent = timezone.now() - timedelta(minutes=1)
    if not AccessLog.objects.filter(event=AccessLog.Event.THROTTLED, ip=ip, at__gte=recent).exists():
        AccessLog.objects.create(event=AccessLog.Event.THROTTLED, username=username[:150], ip=ip,
                                 user_agent=user_agent(request), detail=_("로그인 실패가 많아 잠시 제한"))
    logger.warning("sign-in throttled for %s", ip)


def account_locked_notify(*, username: str) -> None:
    """The account just got locked: its owner hears about it (a job sends it after the commit)."""
    from . import tasks

    user = User.objects.filter(username=username, is_active=True, company__isnull=False).first()
    if user is None or not (user.email or user.phone):
        return
    transaction.on_commit(lambda: tasks.account_locked_notice(user.pk))


def lock_sources_text(user: User) -> str:
    from axes.models import AccessAttempt

    ips = list(
        AccessAttempt.objects.filter(username=user.username).order_by("-failures_since_start")
        .values_list("ip_address", flat=True)[:5]
    )
    return ", ".join(ip or "-" for ip in ips) or "-"


def account_locked_notice_send(user_id: int) -> bool:
    """E-mail (or SMS when there is no e-mail) to the owner of a locked account."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    text = _(
        "[marketdock] %(username)s 계정이 비밀번호 5회 연속 오류로 잠겼습니다. 시도한 IP: %(ips)s. "
        "본인이 시도한 것이 아니라면 회사의 주관리자에게 알리세요. 주관리자가 잠금을 해제하거나, "
        "로그인 화면의 '비밀번호를 잊으셨나요?'에서 인증번호를 받아 새 비밀번호를 설정하면 풀립니다."
    ) % {"username": user.username, "ips": lock_sources_text(user)}
    channel = CHANNEL_EMAIL if user.email else CHANNEL_SMS
    try:
        deliver_to_user(user=user, channel=channel, subject=_("[marketdock] 계정 잠김 안내"), text=text)
    except ValidationError as exc:
        logger.warning("lock notice to user %s failed: %s", user.pk, " ".join(exc.messages))
        return False
    return True


# --- 비밀번호 찾기 ----------------------------------------------------------------------------------


def _code_hash(user_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"reset:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def password_reset_request(*, username: str, contact: str, request: HttpRequest) -> None:
    """Record the request (the per-address limit counts these rows) and enqueue the lookup and the
    sending. Does not look at the account: the answer is the same, in the same time, for any input."""
    from . import tasks

    ip = client_ip(request)
    AccessLog.objects.create(event=AccessLog.Event.RESET_REQUESTED, username=(username or "")[:150], ip=ip,
                             user_agent=user_agent(request))
    tasks.password_reset_code(username=username, contact=contact, ip=ip)


def _matching_channel(user: User, contact: str) -> str:
    contact = (contact or "").strip()
    if "@" in contact:
        return CHANNEL_EMAIL if user.email and user.email.lower() == contact.lower() else ""
    digits = normalize_phone(contact)
    return CHANNEL_SMS if user.phone and digits and normalize_phone(user.phone) == digits else ""


def password_reset_code_send(*, username: str, contact: str, ip: str | None = None) -> bool:
    """(The job.) When username and contact match an active user: a new one-time code (earlier unused
    ones die) goes to that contact. At most one a minute and PASSWORD_RESET_CODES_PER_USER an hour per
    user. Returns whether a code was sent; nothing about the account changes either way."""
    username = (username or "").strip()
    user = User.objects.filter(username=username, is_active=True, company__isnull=False).first()
    if user is None:
        return False
    channel = _matching_channel(user, contact)
    if not channel:
        return False
    now = timezone.now()
    codes = PasswordResetCode.objects.filter(user=user)
    if (codes.filter(created_at__gte=now - timedelta(minutes=1)).exists()
            or codes.filter(created_at__gte=now - timedelta(hours=1)).count() >= settings.PASSWORD_RESET_CODES_PER_USER):
        logger.info("reset code for user %s not sent: per-user limit", user.pk)
        return False
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.PASSWORD_RESET_CODE_MINUTES
    with transaction.atomic():
        codes.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        row = PasswordResetCode.objects.create(user=user, code_hash=_code_hash(user.pk, code), channel=channel,
                                               created_at=now, expires_at=now + timedelta(minutes=minutes), ip=ip)
    text = _(
        "[marketdock] %(username)s 계정의 비밀번호 찾기 인증번호는 %(code)s 입니다. %(minutes)s분 안에 입력하세요. "
        "요청하지 않았다면 이 안내를 무시하세요. 비밀번호는 바뀌지 않았습니다."
    ) % {"username": user.username, "code": code, "minutes": minutes}
    try:
        deliver_to_user(user=user, channel=channel, subject=_("[marketdock] 비밀번호 찾기 인증번호"), text=text)
    except ValidationError as exc:
        row.delete()
        logger.warning("reset code to user %s not delivered: %s", user.pk, " ".join(exc.messages))
        return False
    return True


def _code_refused(*, username: str, user: User | None, request: HttpRequest) -> ValidationError:
    AccessLog.objects.create(
        event=AccessLog.Event.RESET_CODE_FAILED, username=username[:150], user=user,
        company_id=user.company_id if user else None, ip=client_ip(request), user_agent=user_agent(request),
    )
    return ValidationError({"code": _("인증번호가 맞지 않거나 만료되었습니다. 새 인증번호가 필요하면 비밀번호 찾기를 다시 하세요.")})


def password_reset_confirm(*, username: str, code: str, new_password: str, request: HttpRequest) -> User:
    """The code proves ownership: the new password is set, the code is spent (and every other open
    code dies), a lock is cleared. A wrong code counts against that code (dead after MAX_ATTEMPTS)."""
    username = (username or "").strip()
    code = (code or "").strip()
    now = timezone.now()
    user = User.objects.filter(username=username, is_active=True, company__isnull=False).first()
    row = None
    if user is not None:
        row = (PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now,
                                                attempts__lt=PasswordResetCode.MAX_ATTEMPTS)
               .order_by("-created_at").first())
    if row is None or not hmac.compare_digest(row.code_hash, _code_hash(user.pk, code)):
        if row is not None:
            PasswordResetCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        raise _code_refused(username=username, user=user, request=request)
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages})
    with transaction.atomic():
        # single use even when two requests race with the same code
        if not PasswordResetCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
            raise _code_refused(username=username, user=user, request=request)
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        was_locked = user_is_locked(user)
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = now
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        _axes_reset(user.username)
        if was_locked:
            access_log_record(event=AccessLog.Event.UNLOCKED, username=user.username, user=user, request=request,
                              detail=_("비밀번호 찾기로 해제"))
        access_log_record(event=AccessLog.Event.PASSWORD_CHANGED, username=user.username, user=user,
                          request=request, detail=_("비밀번호 찾기 인증번호로 재설정"))
        account_change_record(company=user.company, actor=None, target_user=user, target_label=user.username,
                              action="password_recovered", changes={_("비밀번호"): ("", _("비밀번호 찾기"))},
                              request=request)
    return user
