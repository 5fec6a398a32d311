"""Every read of the claims screens, always company-scoped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from marketdock.channels.models import ChannelAccount
from marketdock.core.business_days import add_business_days
from marketdock.core.models import User
from marketdock.inventory.models import Warehouse

from .models import (
    OVERDUE_BUSINESS_DAYS,
    RETURNING_STATUSES,
    WAITING_DECISION_STATUSES,
    Claim,
    ClaimEvent,
    ClaimInspection,
    ClaimStatus,
)


@dataclass
class ClaimFilters:
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    assignee: str = ""  # "" all, "none" unassigned, or a user id
    overdue: bool = False
    push_failed: bool = False  # decisions the marketplace refused
    q: str = ""


def claims(company) -> QuerySet[Claim]:
    return Claim.objects.filter(company=company).select_related("order", "line", "account", "assignee", "decided_by")


def claim_get(company, pk: int) -> Claim:
    return claims(company).select_related("exchange_sku", "reship_order").get(pk=pk)


def claims_by_ids(company, ids: list[int]) -> QuerySet[Claim]:
    return claims(company).filter(pk__in=ids)


def _overdue_since(kind: str, today: date) -> date:
    """The latest request date (KST) whose decision deadline has passed by `today`."""
    days = OVERDUE_BUSINESS_DAYS[kind]
    d = today
    while add_business_days(d, days) >= today:
        d -= timedelta(days=1)
    return d


def overdue_q(now: datetime | None = None) -> Q:
    """Claims still waiting for a decision past their type's deadline (`OVERDUE_BUSINESS_DAYS`)."""
    today = timezone.localdate(now or timezone.now())
    q = Q(pk__in=[])
    for kind in OVERDUE_BUSINESS_DAYS:
        last = _overdue_since(kind, today)
        before = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
        q |= Q(type=kind, requested_at__lt=before)
    return q & Q(status__in=WAITING_DECISION_STATUSES)


def is_overdue(claim: Claim, now: datetime | None = None) -> bool:
    if claim.status not in WAITING_DECISION_STATUSES or claim.type not in OVERDUE_BUSINESS_DAYS:
        return False
    return timezone.localdate(claim.requested_at) <= _overdue_since(claim.type, timezone.localdate(now or timezone.now()))


def claim_list(company, f: ClaimFilters) -> QuerySet[Claim]:
    qs = claims(company)
    if f.types:
        qs = qs.filter(type__in=f.types)
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.account_ids:
        qs = qs.filter(account_id__in=f.account_ids)
    if f.start:
        qs = qs.filter(requested_at__gte=timezone.make_aware(datetime.combine(f.start, time.min)))
    if f.end:
        qs = qs.filter(requested_at__lt=timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min)))
    if f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee.isdigit():
        qs = qs.filter(assignee_id=int(f.assignee))
    if f.overdue:
        qs = qs.filter(overdue_q())
    if f.push_failed:
        qs = qs.filter(push_state="failed")
    if f.q:
        qs = qs.filter(Q(order__channel_order_id__icontains=f.q) | Q(channel_claim_id__icontains=f.q)
                       | Q(line__product_name__icontains=f.q))
    return qs.order_by("-requested_at", "-id")


def inspection_queue(company) -> QuerySet[Claim]:
    """Returns and exchanges on their way back (회수중) or arrived and waiting for 입고검수."""
    return claims(company).filter(status__in=RETURNING_STATUSES).order_by("requested_at", "id")


def claim_events(company, claim: Claim) -> QuerySet[ClaimEvent]:
    return ClaimEvent.objects.filter(company=company, claim=claim).select_related("user").order_by("created_at", "id")


def claim_inspections(company, claim: Claim) -> QuerySet[ClaimInspection]:
    return ClaimInspection.objects.filter(company=company, claim=claim).select_related("sku", "warehouse")


def order_claims(company, order) -> QuerySet[Claim]:
    return claims(company).filter(order=order)


def channel_accounts(company) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(company=company).order_by("name", "id")


def company_users(company) -> QuerySet[User]:
    return User.objects.filter(company=company, is_active=True).order_by("username")


def warehouses(company) -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(company=company).order_by("-is_default", "name", "id")


def tile_counts(company) -> dict[str, int]:
    base = Claim.objects.filter(company=company)
    return {
        "waiting": base.filter(status__in=WAITING_DECISION_STATUSES).count(),
        "inspecting": base.filter(status=ClaimStatus.INSPECTING).count(),
        "overdue": base.filter(overdue_q()).count(),
    }
