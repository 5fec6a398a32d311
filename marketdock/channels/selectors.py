"""Channel account reads. Every selector takes the company first and filters by it."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from marketdock.core.models import Company

from .models import ChannelAccount

EXPIRY_WARNING_DAYS = 30


def channel_accounts(company: Company) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(company=company)


def channel_account_get(company: Company, pk: int) -> ChannelAccount:
    return channel_accounts(company).get(pk=pk)


def channel_accounts_search(company: Company, *, kind: str = "", q: str = "", active: str = "",
                            expiring: bool = False, today: date | None = None) -> QuerySet[ChannelAccount]:
    qs = channel_accounts(company).annotate(order_count=Count("orders"))
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q)
    if active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    if expiring:
        qs = qs.filter(expiring_q(today))
    return qs.order_by("kind", "name", "id")


def expiring_q(today: date | None = None) -> Q:
    """Credentials that expired or expire within EXPIRY_WARNING_DAYS days (active accounts only)."""
    today = today or timezone.localdate()
    return Q(is_active=True, credentials_expire_on__isnull=False,
             credentials_expire_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS))


def channel_accounts_expiring(company: Company, *, today: date | None = None) -> QuerySet[ChannelAccount]:
    return channel_accounts(company).filter(expiring_q(today)).order_by("credentials_expire_on", "id")


def channel_account_name_taken(company: Company, name: str, *, exclude_pk: int | None = None) -> bool:
    qs = channel_accounts(company).filter(name=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()
