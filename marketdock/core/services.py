"""Platform state changes: companies, logs, heartbeats. User/role services live in `services_users.py`."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .accesslog import redact_path
from .models import (
    AccessLog,
    AccountChangeLog,
    Company,
    MenuAccessLog,
    PersonalDataDownloadLog,
    User,
    WorkerHeartbeat,
)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    ip = request.META.get("REMOTE_ADDR")
    # X-Forwarded-For is trusted only behind a configured reverse proxy (it is trivially forged otherwise):
    # the right-most address that is not one of our proxies is the client.
    trusted = getattr(settings, "TRUSTED_PROXIES", [])
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and ip in trusted:
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            ip = hop
            if hop not in trusted:
                break
    return ip or None


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return (request.META.get("HTTP_USER_AGENT") or "")[:300]


def access_log_record(
    *, event: str, username: str, user: User | None = None, request: HttpRequest | None = None, detail: str = ""
) -> AccessLog:
    if user is None and username:
        user = User.objects.filter(username=username).select_related("company").first()
    return AccessLog.objects.create(
        company_id=user.company_id if user else None,
        user=user,
        username=username[:150],
        event=event,
        ip=client_ip(request),
        user_agent=user_agent(request),
        detail=detail[:300],
    )


def menu_access_record(*, user: User, screen: str, request: HttpRequest) -> None:
    MenuAccessLog.objects.create(
        company_id=user.company_id, user=user, screen=screen, path=redact_path(request.get_full_path())[:300],
        ip=client_ip(request),
    )


def account_change_record(
    *,
    company: Company,
    actor: User | None,
    target_user: User | None,
    target_label: str,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Write one row per changed field (or a single row for an action without fields)."""
    ip = client_ip(request)
    rows = []
    if changes:
        for field, (old, new) in changes.items():
            rows.append(
                AccountChangeLog(
                    company=company, actor=actor, target_user=target_user, target_label=target_label[:150],
                    action=action, field=field, old_value=str(old if old is not None else "")[:500],
                    new_value=str(new if new is not None else "")[:500], ip=ip,
                )
            )
    else:
        rows.append(
            AccountChangeLog(company=company, actor=actor, target_user=target_user, target_label=target_label[:150],
                             action=action, ip=ip)
        )
    AccountChangeLog.objects.bulk_create(rows)


def personal_data_download_record(
    *,
    company: Company,
    user: User | None,
    screen: str,
    description: str,
    record_count: int,
    filters: dict | None = None,
    file_name: str = "",
    request: HttpRequest | None = None,
) -> PersonalDataDownloadLog:
    """Every export that contains personal data (buyers' or users') must call this."""
    return PersonalDataDownloadLog.objects.create(
        company=company, user=user, screen=screen, description=description[:300], record_count=record_count,
        filters=filters or {}, file_name=file_name[:200], ip=client_ip(request),
    )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_heartbeat(name: str | None = None) -> None:
    name = name or worker_name()
    now = timezone.now()
    # Every worker thread of one process beats under the same name at start-up: insert-if-missing
    # must not fail when two of them race.
    if not WorkerHeartbeat.objects.filter(worker=name).update(last_seen=now):
        WorkerHeartbeat.objects.bulk_create(
            [WorkerHeartbeat(worker=name, last_seen=now, started_at=now)], ignore_conflicts=True
        )


# --- companies ------------------------------------------------------------------------------

BUILTIN_ROLES = (
    # key, name, level for every (non admin-only) screen
    ("admin", "관리자", "write"),
    ("operator", "운영자", "write"),
    ("viewer", "조회전용", "read"),
)

DEFAULT_CODE_GROUPS = (
    ("BRAND", "브랜드", "상품의 브랜드"),
    ("SEASON", "시즌", "상품 시즌 (예: 26SS)"),
    ("SUPPLIER", "매입처", "입고 거래처"),
)

def builtin_roles_ensure(company: Company):
    """Create (or complete) the built-in roles 관리자/운영자/조회전용 with every current screen."""
    from .menu import screens_by_key
    from .models import Role, ScreenPermission

    roles = {}
    for key, name, level in BUILTIN_ROLES:
        role, _ = Role.objects.get_or_create(company=company, builtin=key, defaults={"name": name})
        existing = set(role.permissions.values_list("screen", flat=True))
        ScreenPermission.objects.bulk_create(
            [
                ScreenPermission(role=role, screen=s.key, level=level)
                for s in screens_by_key().values()
                if s.key not in existing and not s.admin_only
            ]
        )
        roles[key] = role
    return roles


def company_create(
    *, code: str, name: str, business_no: str, admin_username: str, admin_password: str,
    admin_email: str = "", admin_phone: str = "", admin_name: str = "", plan: str = "base",
) -> Company:
    """A new tenant with its built-in roles, default code groups and its main administrator."""
    from .models import CommonCodeGroup
    from .validators import normalize_business_no

    with transaction.atomic():
        company = Company(code=code, name=name, business_no=normalize_business_no(business_no), plan=plan)
        company.full_clean()
        company.save()
        roles = builtin_roles_ensure(company)
        for gcode, gname, desc in DEFAULT_CODE_GROUPS:
            CommonCodeGroup.objects.get_or_create(
                company=company, code=gcode, defaults={"name": gname, "description": desc, "is_system": True}
            )
        admin = User(
            username=admin_username, company=company, role=roles["admin"], is_company_admin=True,
            email=admin_email, phone=admin_phone, name=admin_name or admin_username,
            password_changed_at=timezone.now(),
        )
        admin.set_password(admin_password)
        admin.save()
    return company
