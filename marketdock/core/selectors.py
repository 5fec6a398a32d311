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
