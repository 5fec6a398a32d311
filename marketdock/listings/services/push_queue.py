"""Push cycles: dirty rows claimed per account and kind into ONE bounded outbox message at a time, within the account's request budget; the periodic sweep."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, Count, Max, Min, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue

from ..models import ListingOption
from ..models_sync import ListingDirty, SyncPush
from . import sync_transport
from .sync_transport import _CountingTransport

PUSH_WINDOW_SECONDS = 3.0  # one push message carries what the account's rate budget writes in this long
MAX_LISTINGS_PER_MESSAGE = 1_000  # whatever the budget: the database work of one message stays short
FALLBACK_LISTINGS_PER_MESSAGE = 200  # a connector that cannot tell its capacity
RECLAIM_AFTER = timedelta(minutes=5)  # rows of a message that failed for good go out again after this
KEEP_PUSHES = timedelta(days=7)

IN_FLIGHT = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING)
GIVEN_UP = (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD)


# --- push cycle -------------------------------------------------------------------------------


def _release_abandoned(company: Company, *, now: datetime) -> int:
    """Rows claimed by a message that failed for good (or vanished) go back to the queue."""
    released = 0
    stale = (
        SyncPush.objects.filter(company=company, status=SyncPush.Status.PENDING)
        .filter(Q(message__isnull=True) | Q(message__status=OutboxMessage.Status.SENT)
                | Q(message__status__in=GIVEN_UP, message__claimed_at__lt=now - RECLAIM_AFTER))
        .select_related("message")
    )
    for push in stale:
        released += ListingDirty.objects.filter(company=company, claim=push.claim).update(claim="")
        message = push.message
        error = (message.last_error if message is not None else "") or _("전송이 중단되어 다시 보냅니다.")
        SyncPush.objects.filter(pk=push.pk, status=SyncPush.Status.PENDING).update(
            status=SyncPush.Status.FAILED, error=error[:2000], acked_at=now)
    return released


def _capacity(account: ChannelAccount, seconds: float) -> tuple[int | None, bool]:
    """(listings — or options, when the marketplace's unit is the option — the account's connector writes
    in `seconds` at its rate limit (None: it cannot tell), whether its unit is the option)."""
    try:
        conn = sync_transport._connector(account, _CountingTransport())
    except Exception:  # noqa: BLE001 - unreadable credentials: the delivery reports it
        return None, False
    with conn:
        capacity = getattr(conn, "stock_push_capacity", None)
        per_option = bool(getattr(conn, "STOCK_PER_OPTION", False))
        return (int(capacity(seconds)) if callable(capacity) else None), per_option


def push_budget(account: ChannelAccount) -> tuple[int, bool]:
    """What one push message of this account carries: (units, units are options) — what its connector's
    rate budget writes in PUSH_WINDOW_SECONDS, at least 1, at most MAX_LISTINGS_PER_MESSAGE."""
    units, per_option = _capacity(account, PUSH_WINDOW_SECONDS)
    units = FALLBACK_LISTINGS_PER_MESSAGE if units is None else units
    return max(1, min(MAX_LISTINGS_PER_MESSAGE, units)), per_option


def push_capacity(account: ChannelAccount) -> int:
    """Single-option listings one push message of this account carries."""
    return push_budget(account)[0]


def push_rate(account: ChannelAccount) -> float:
    """Single-option listings per second the account's stock pushes sustain (the 동기화 현황 estimate)."""
    hour, _per_option = _capacity(account, 3600.0)
    if hour is None:
        return FALLBACK_LISTINGS_PER_MESSAGE / PUSH_WINDOW_SECONDS
    return min(hour / 3600.0, MAX_LISTINGS_PER_MESSAGE / PUSH_WINDOW_SECONDS)


def _within_budget(company: Company, listing_ids: list[int], budget: int, per_option: bool) -> list[int]:
    """The leading listings whose units (1 each, or their channel options) fit in `budget` (always one)."""
    if not per_option:
        return listing_ids[:budget]
    options = dict(ListingOption.objects.filter(company=company, listing_id__in=listing_ids).order_by()
                   .values_list("listing_id").annotate(n=Count("id")))
    chosen, used = [], 0
    for listing_id in listing_ids:
        units = max(1, options.get(listing_id, 1))
        if chosen and used + units > budget:
            break
        chosen.append(listing_id)
        used += units
    return chosen


def _claim_next(company: Company, account_id: int, kind: str, *, now: datetime, counts: dict[str, int],
                delivering: int | None = None) -> OutboxMessage | None:
    """In the caller's transaction: claim the next bounded batch of the account's waiting rows of `kind`
    (change-driven listings first, oldest first, then re-sync ones) and enqueue its push message.
    `delivering` is the message whose delivery asks (it does not count as in flight)."""
    account = ChannelAccount.objects.select_for_update().filter(company=company, pk=account_id).first()
    if account is None:
        return None
    waiting = ListingDirty.objects.filter(company=company, account=account, kind=kind, claim="")
    if not account.is_active or account.kind == ChannelKind.MANUAL:
        # nothing to push to; the reconciliation pushes everything once the account is back in use
        waiting.delete()
        return None
    in_flight = OutboxMessage.objects.filter(company=company, account=account, kind=kind, status__in=IN_FLIGHT)
    if delivering is not None:
        in_flight = in_flight.exclude(pk=delivering)
    if in_flight.exists():
        counts["waiting"] += 1
        return None
    budget, per_option = push_budget(account)
    chosen = _within_budget(company, list(
        waiting.order_by().values("listing_id")
        .annotate(first=Min("id"), changed=Max(Case(When(resync=False, then=1), default=0)))
        .order_by("-changed", "first").values_list("listing_id", flat=True)[:budget]), budget, per_option)
    token = uuid.uuid4().hex
    if not chosen or not waiting.filter(listing_id__in=chosen).update(claim=token):
        return None
    message, _created = outbox_enqueue(company=company, account=account, kind=kind,
                                       key=f"{kind}:{account.pk}:{token}", payload={"claim": token},
                                       reference=f"sync:{token}")
    SyncPush.objects.create(company=company, account=account, kind=kind, claim=token, message=message,
                            created_at=now)
    counts["messages"] += 1
    return message


def stock_sync_cycle(*, company: Company) -> dict[str, int]:
    """Claim a bounded batch of every account's committed dirty rows and enqueue one push per account and
    kind (none for an account whose previous push of that kind is still undelivered: its delivery
    claims the next batch)."""
    now = timezone.now()
    counts = {"messages": 0, "waiting": 0, "released": _release_abandoned(company, now=now)}
    groups = set(ListingDirty.objects.filter(company=company, claim="").order_by()
                 .values_list("account_id", "kind").distinct())
    for account_id, kind in sorted(groups):
        with transaction.atomic():
            _claim_next(company, account_id, kind, now=now, counts=counts)
    return counts


def companies_with_dirty() -> list[int]:
    return list(ListingDirty.objects.order_by().values_list("company_id", flat=True).distinct())


def stock_sync_sweep() -> dict[str, int]:
    """The every-minute safety net: cycles for every company with waiting or abandoned work."""
    total = {"companies": 0, "messages": 0}
    ids = set(companies_with_dirty()) | set(
        SyncPush.objects.filter(status=SyncPush.Status.PENDING).order_by().values_list("company_id", flat=True))
    for company in Company.objects.filter(pk__in=ids):
        result = stock_sync_cycle(company=company)
        total["companies"] += 1
        total["messages"] += result["messages"]
    SyncPush.objects.filter(created_at__lt=timezone.now() - KEEP_PUSHES).exclude(status=SyncPush.Status.PENDING).delete()
    return total
