"""Reads for the 동기화 현황 screen. Every selector takes the company first and filters by it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company
from marketdock.outbox.models import OutboxMessage

from .models_sync import ListingDirty, ListingSyncState, SyncKind, SyncPush
from .services import (
    LAG_WINDOW,
    auto_resume_enabled,
    auto_stop_enabled,
    lag_percentiles,
    push_rate,
)


@dataclass
class AccountSync:
    account: ChannelAccount
    last_push_at: datetime | None = None
    pending_listings: int = 0  # stock: change-driven + re-sync
    pending_changes: int = 0  # listings waiting because their stock changed (go out first)
    pending_resync: int = 0  # listings waiting only for a full re-sync (yield to changes)
    pending_price: int = 0
    listings_per_second: float | None = None  # what the account's rate budget writes
    clears_in_s: float | None = None  # estimate: the waiting stock pushes are all written by then

    @property
    def clears_in_sec(self) -> int | None:
        return None if self.clears_in_s is None else max(1, math.ceil(self.clears_in_s))

    @property
    def clears_in_min(self) -> int | None:
        return None if self.clears_in_s is None else max(1, math.ceil(self.clears_in_s / 60))
    in_flight: OutboxMessage | None = None
    failed_pushes: int = 0
    listing_errors: int = 0
    lag_p50_s: float | None = None
    lag_p95_s: float | None = None
    lag_samples: int = 0
    pushes_24h: int = 0
    auto_stop: bool = True
    auto_resume: bool = True
    recent: list[SyncPush] = field(default_factory=list)


def sync_accounts(company: Company) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(company=company).exclude(kind=ChannelKind.MANUAL).order_by("kind", "name", "id")


def sync_account_get(company: Company, pk: int) -> ChannelAccount:
    return sync_accounts(company).get(pk=pk)


def sync_overview(company: Company, *, now: datetime | None = None) -> list[AccountSync]:
    """One row per API-connected account: last acknowledged push, listings waiting (stock changes and
    full re-sync apart, with when the backlog clears at the account's rate budget), the undelivered push
    (and why it waits), failures, and the measured lag (change → channel acknowledged, 24 h)."""
    now = now or timezone.now()
    accounts = list(sync_accounts(company))
    rows = {a.pk: AccountSync(account=a, auto_stop=auto_stop_enabled(a), auto_resume=auto_resume_enabled(a))
            for a in accounts}
    for row in (ListingDirty.objects.filter(company=company).order_by().values("account_id", "kind")
                .annotate(n=Count("listing_id", distinct=True),
                          changes=Count("listing_id", distinct=True, filter=Q(resync=False)))):
        target = rows.get(row["account_id"])
        if target is None:
            continue
        if row["kind"] == SyncKind.PRICE:
            target.pending_price = row["n"]
        else:
            target.pending_listings = row["n"]
            target.pending_changes = row["changes"]
            target.pending_resync = row["n"] - row["changes"]
    for target in rows.values():
        if target.pending_listings and target.account.is_active:
            target.listings_per_second = push_rate(target.account)
            target.clears_in_s = target.pending_listings / target.listings_per_second
    for row in (SyncPush.objects.filter(company=company, acked_at__isnull=False)
                .exclude(status=SyncPush.Status.FAILED).order_by().values("account_id").annotate(last=Max("acked_at"))):
        if row["account_id"] in rows:
            rows[row["account_id"]].last_push_at = row["last"]
    for message in (OutboxMessage.objects.filter(company=company, kind__in=["stock", "price", "sale_status"],
                                                 status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING])
                    .order_by("created_at")):
        target = rows.get(message.account_id)
        if target is not None and target.in_flight is None:
            target.in_flight = message
    since = now - LAG_WINDOW
    lags: dict[int, list[int]] = {a.pk: [] for a in accounts}
    for push in SyncPush.objects.filter(company=company, created_at__gte=since).order_by("-created_at"):
        target = rows.get(push.account_id)
        if target is None:
            continue
        target.pushes_24h += 1
        lags[push.account_id].extend(push.lags_ms or [])
        if push.status in (SyncPush.Status.FAILED, SyncPush.Status.PARTIAL) or (
                push.status == SyncPush.Status.PENDING and push.error):
            target.failed_pushes += 1
        if len(target.recent) < 5:
            target.recent.append(push)
    for account_id, n in (ListingSyncState.objects.filter(company=company).exclude(last_error="").order_by()
                          .values_list("account_id").annotate(n=Count("id"))):
        if account_id in rows:
            rows[account_id].listing_errors = n
    for account_id, samples in lags.items():
        rows[account_id].lag_p50_s, rows[account_id].lag_p95_s = lag_percentiles(samples)
        rows[account_id].lag_samples = len(samples)
    return [rows[a.pk] for a in accounts]


def sync_failures(company: Company, *, account: ChannelAccount | None = None, limit: int = 200) -> list[dict]:
    """Listings whose last push the marketplace refused (its message), and pushes that failed whole,
    newest first."""
    out: list[dict] = []
    states = (ListingSyncState.objects.filter(company=company).exclude(last_error="")
              .select_related("listing", "account").order_by("-last_error_at"))
    pushes = (SyncPush.objects.filter(company=company)
              .filter(Q(status__in=[SyncPush.Status.FAILED, SyncPush.Status.PARTIAL])
                      | Q(status=SyncPush.Status.PENDING) & ~Q(error=""))
              .select_related("account", "message").order_by("-created_at"))
    if account is not None:
        states = states.filter(account=account)
        pushes = pushes.filter(account=account)
    for state in states[:limit]:
        out.append({"at": state.last_error_at, "account": state.account, "listing": state.listing,
                    "code": state.last_error_code, "message": state.last_error, "push": None})
    for push in pushes[:limit]:
        message = push.message
        text = push.error or (message.last_error if message else "")
        out.append({"at": push.acked_at or push.created_at, "account": push.account, "listing": None,
                    "code": message.last_error_code if message else "", "message": text, "push": push})
    out.sort(key=lambda row: row["at"] or timezone.now(), reverse=True)
    return out[:limit]
