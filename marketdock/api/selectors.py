"""Reads for the API key and API log screens (always company-scoped)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from marketdock.core.models import Company

from .models import ApiCall, ApiKey


def api_keys(company: Company) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(company=company).select_related("created_by")


def api_key_get(company: Company, pk: int) -> ApiKey:
    return api_keys(company).get(pk=pk)


def _kst(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_default_timezone())


def api_calls(company: Company, *, key_id: int | None = None, date_from: date | None = None,
              date_to: date | None = None, status: str = "") -> QuerySet[ApiCall]:
    qs = ApiCall.objects.filter(company=company).select_related("key")
    if key_id:
        qs = qs.filter(key_id=key_id)
    if date_from:
        qs = qs.filter(at__gte=_kst(date_from))
    if date_to:
        qs = qs.filter(at__lt=_kst(date_to + timedelta(days=1)))
    if status == "error":
        qs = qs.filter(status__gte=400)
    elif status == "ok":
        qs = qs.filter(status__lt=400)
    return qs.order_by("-at", "-id")


def claims(company: Company, *, status: str = "", type: str = ""):
    """Claims of the company for the API list (the CS screens keep their own filters)."""
    from marketdock.claims.models import Claim

    qs = Claim.objects.filter(company=company)
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    return qs


def inquiries(company: Company, *, status: str = ""):
    from marketdock.claims.models import Inquiry

    qs = Inquiry.objects.filter(company=company)
    return qs.filter(status=status) if status else qs
