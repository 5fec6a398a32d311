"""Platform reads. Every function that returns company data takes the company first."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from .models import Company, JobRun, Notice, User, WorkerHeartbeat


def health() -> dict:
    status = {"db": "ok", "worker": "stale", "version": settings.VERSION}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:  # the health check must answer, whatever broke
        status["db"] = f"error: {exc.__class__.__name__}"
        return status
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS)
    last = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
    if last and last >= cutoff:
        status["worker"] = "ok"
    status["worker_last_seen"] = last.isoformat() if last else None
    return status


def company_users(company: Company) -> QuerySet[User]:
    return User.objects.filter(company=company).select_related("role")


def job_runs(company: Company) -> QuerySet[JobRun]:
    return JobRun.objects.filter(company=company).select_related("created_by")


def job_run_get(company: Company, pk: int) -> JobRun:
    return job_runs(company).get(pk=pk)


def notices_active(company: Company | None) -> QuerySet[Notice]:
    now = timezone.now()
    qs = Notice.objects.filter(starts_at__lte=now, ends_at__gte=now)
    if company is None:
        return qs.filter(company__isnull=True)
    from django.db.models import Q

    return qs.filter(Q(company__isnull=True) | Q(company=company))


def notices_to_show(user: User) -> QuerySet[Notice]:
    """Active pop-up notices this user has not dismissed yet (shown once per user)."""
    return (
        notices_active(user.company)
        .filter(is_popup=True)
        .exclude(dismissals__user=user)
        .order_by("starts_at")
    )


# --- notices (SYS-5) -------------------------------------------------------------------------


def notices_visible(company: Company, *, include_scheduled: bool = False) -> QuerySet[Notice]:
    """Current and past notices this company's users may read: platform-wide ones and its own.
    `include_scheduled` adds the company's own notices whose period has not started yet."""
    from django.db.models import Q

    started = Q(starts_at__lte=timezone.now())
    if include_scheduled:
        started |= Q(company=company)
    return Notice.objects.filter(Q(company__isnull=True) | Q(company=company)).filter(started)


def notice_get(company: Company, pk: int, *, include_scheduled: bool = False) -> Notice:
    return notices_visible(company, include_scheduled=include_scheduled).get(pk=pk)


def notice_own_get(company: Company, pk: int) -> Notice:
    """A notice the company itself posted (the only ones its users may edit or delete)."""
    return Notice.objects.filter(company=company).get(pk=pk)


# --- common codes (SYS-10) -------------------------------------------------------------------


def code_groups(company: Company):
    from django.db.models import Count, Q

    from .models import CommonCodeGroup

    return CommonCodeGroup.objects.filter(company=company).annotate(
        code_count=Count("codes"), active_count=Count("codes", filter=Q(codes__is_active=True))
    )


def code_group_get(company: Company, pk: int):
    from .models import CommonCodeGroup

    return CommonCodeGroup.objects.filter(company=company).get(pk=pk)


def codes_of_group(company: Company, group_id: int):
    from .models import CommonCode

    return CommonCode.objects.filter(company=company, group_id=group_id)


def code_get(company: Company, pk: int):
    from .models import CommonCode

    return CommonCode.objects.filter(company=company).select_related("group").get(pk=pk)


def code_choices(company: Company, group_code: str, active_only: bool = True) -> list[tuple[str, str]]:
    """[(code, name), ...] of one code group (e.g. "BRAND") in its sort order, for form choices
    and filters. An unknown group gives an empty list."""
    from .models import CommonCode

    qs = CommonCode.objects.filter(company=company, group__company=company, group__code=group_code)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("sort_order", "code").values_list("code", "name"))


# --- users, roles, account logs (SYS-2, SYS-3, SYS-4) -----------------------------------------------


def users_search(company: Company, *, q: str = "", status: str = "", role_id: int | None = None) -> QuerySet[User]:
    """사용자관리 list: search by id/name/phone/e-mail; status '' | 'active' | 'inactive'."""
    from django.db.models import Q

    qs = company_users(company).order_by("-is_company_admin", "username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q) | Q(email__icontains=q) | Q(phone__icontains=q))
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    if role_id:
        qs = qs.filter(role_id=role_id)
    return qs


def user_get(company: Company, pk: int) -> User:
    return company_users(company).get(pk=pk)


def locked_usernames(company: Company, usernames: list[str] | None = None) -> set[str]:
    """Usernames of this company's users that django-axes has locked (failures ≥ AXES_FAILURE_LIMIT)."""
    from axes.models import AccessAttempt
    from django.db.models import Sum

    names = list(usernames) if usernames is not None else list(company_users(company).values_list("username", flat=True))
    names = list(company_users(company).filter(username__in=names).values_list("username", flat=True))
    if not names:
        return set()
    rows = (
        AccessAttempt.objects.filter(username__in=names).values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {r["username"] for r in rows if (r["failures"] or 0) >= settings.AXES_FAILURE_LIMIT}


def roles_with_counts(company: Company) -> QuerySet:
    from django.db.models import Count

    from .models import Role

    return (
        Role.objects.filter(company=company)
        .annotate(user_count=Count("users", distinct=True), screen_count=Count("permissions", distinct=True))
        .order_by("id")
    )


def role_get(company: Company, pk: int):
    from .models import Role

    return Role.objects.filter(company=company).get(pk=pk)


def role_levels(company: Company, role) -> dict[str, str]:
    from .models import ScreenPermission

    return dict(ScreenPermission.objects.filter(role__company=company, role=role).values_list("screen", "level"))


def _period(qs: QuerySet, *, date_from=None, date_to=None, field: str = "at") -> QuerySet:
    """Filter by KST calendar dates (inclusive)."""
    from datetime import datetime, time

    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(**{f"{field}__gte": timezone.make_aware(datetime.combine(date_from, time.min), tz)})
    if date_to:
        qs = qs.filter(**{f"{field}__lt": timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)})
    return qs


def access_logs(company: Company, *, date_from=None, date_to=None, user_id: int | None = None,
                event: str = "") -> QuerySet:
    from .models import AccessLog

    qs = AccessLog.objects.filter(company=company).select_related("user")
    qs = _period(qs, date_from=date_from, date_to=date_to)
    if user_id:
        qs = qs.filter(user_id=user_id)
    if event:
        qs = qs.filter(event=event)
    return qs


def menu_access_logs(company: Company, *, date_from=None, date_to=None, user_id: int | None = None) -> QuerySet:
    from .models import MenuAccessLog

    qs = _period(MenuAccessLog.objects.filter(company=company).select_related("user"),
                 date_from=date_from, date_to=date_to)
    return qs.filter(user_id=user_id) if user_id else qs


def account_change_logs(company: Company, *, date_from=None, date_to=None, user_id: int | None = None) -> QuerySet:
    """Account changes; `user_id` matches the actor or the changed user."""
    from django.db.models import Q

    from .models import AccountChangeLog

    qs = _period(AccountChangeLog.objects.filter(company=company).select_related("actor", "target_user"),
                 date_from=date_from, date_to=date_to)
    return qs.filter(Q(actor_id=user_id) | Q(target_user_id=user_id)) if user_id else qs


def personal_data_download_logs(company: Company, *, date_from=None, date_to=None,
                                user_id: int | None = None) -> QuerySet:
    from .models import PersonalDataDownloadLog

    qs = _period(PersonalDataDownloadLog.objects.filter(company=company).select_related("user"),
                 date_from=date_from, date_to=date_to)
    return qs.filter(user_id=user_id) if user_id else qs


def lock_sources(company: Company, usernames: list[str]) -> dict[str, list[tuple[str, int]]]:
    """For each locked user of the company: the client addresses whose wrong passwords caused the lock,
    with their failure counts, most failures first (what the main admin sees before unlocking)."""
    from axes.models import AccessAttempt
    from django.db.models import Sum

    locked = locked_usernames(company, usernames)
    sources: dict[str, list[tuple[str, int]]] = {name: [] for name in locked}
    rows = (
        AccessAttempt.objects.filter(username__in=locked).values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start")).order_by("username", "-failures", "ip_address")
    )
    for row in rows:
        sources[row["username"]].append((row["ip_address"] or "-", row["failures"] or 0))
    return sources


def _window_wait(times: list, limit: int, window: timedelta, now) -> int:
    """Seconds until the oldest of the last `limit` events leaves the window (0 = under the limit)."""
    if limit <= 0 or len(times) < limit:
        return 0
    return max(1, int((times[limit - 1] + window - now).total_seconds()) + 1)


def login_throttle_wait(*, ip: str | None, username: str) -> int:
    """Seconds before another sign-in may be tried from this client address (0 = may try now): too many
    failed sign-ins from the address in the sliding window, or too many for this username from the
    address since its last successful sign-in (or new password)."""
    from .models import AccessLog

    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    username = username[:150]
    failures = AccessLog.objects.filter(event=AccessLog.Event.LOGIN_FAILED, ip=ip, at__gte=now - window).order_by("-at")
    per_ip = settings.LOGIN_THROTTLE_PER_IP
    per_user = settings.LOGIN_THROTTLE_PER_IP_USERNAME
    user_failures = failures.filter(username=username)
    last_success = (
        AccessLog.objects.filter(username=username, at__gte=now - window, event__in=[
            AccessLog.Event.LOGIN, AccessLog.Event.PASSWORD_CHANGED, AccessLog.Event.UNLOCKED])
        .order_by("-at").values_list("at", flat=True).first()
    )
    if last_success is not None:
        user_failures = user_failures.filter(at__gt=last_success)
    return max(
        _window_wait(list(failures.values_list("at", flat=True)[:per_ip]), per_ip, window, now),
        _window_wait(list(user_failures.values_list("at", flat=True)[:per_user]), per_user, window, now),
    )


def password_reset_requests_wait(*, ip: str | None) -> int:
    """Seconds before this client address may ask for another 비밀번호 찾기 code (0 = may ask now)."""
    from .models import AccessLog

    now = timezone.now()
    window = timedelta(hours=1)
    limit = settings.PASSWORD_RESET_PER_IP
    requests = (
        AccessLog.objects.filter(event__in=[AccessLog.Event.RESET_REQUESTED, AccessLog.Event.RESET_CODE_FAILED],
                                 ip=ip, at__gte=now - window)
        .order_by("-at").values_list("at", flat=True)[:limit]
    )
    return _window_wait(list(requests), limit, window, now)
