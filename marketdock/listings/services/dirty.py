"""Dirty marks: every stock change marks the linked listings in its own transaction (the stock hook) and asks for a push cycle after the commit (debounced)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from marketdock.catalog.models import SetComponent
from marketdock.channels.models import OptionMapping
from marketdock.core.models import Company
from marketdock.inventory.hooks import on_stock_change

from ..models import Listing
from ..models_sync import ListingDirty, SyncKind
from .channel_stock import MAX_SET_DEPTH

DEBOUNCE_SECONDS = 1.0  # a change waits at most this long (+ the scheduler tick) before its cycle starts


# --- marking listings dirty -------------------------------------------------------------------


def _affected_listings(company: Company, sku_ids: set[int]) -> list[tuple[int, int]]:
    """(listing id, account id) of the linked listings whose stock depends on `sku_ids`."""
    affected, frontier = set(sku_ids), set(sku_ids)
    for _depth in range(MAX_SET_DEPTH):
        parents = set(SetComponent.objects.filter(company=company, component_id__in=frontier)
                      .values_list("set_sku_id", flat=True)) - affected
        if not parents:
            break
        affected |= parents
        frontier = parents
    keys = set(OptionMapping.objects.filter(company=company, sku_id__in=affected)
               .values_list("account_id", "channel_product_id"))
    if not keys:
        return []
    return [
        (pk, acc) for pk, acc, pid in Listing.objects.filter(
            company=company, status=Listing.Status.LINKED, account_id__in={k[0] for k in keys},
            channel_product_id__in={k[1] for k in keys},
        ).values_list("id", "account_id", "channel_product_id")
        if (acc, pid) in keys
    ]


def _insert_dirty(company: Company, pairs: Iterable[tuple[int, int]], kind: str, *, resync: bool = False) -> int:
    now = timezone.now()
    rows = [ListingDirty(company=company, listing_id=lid, account_id=acc, kind=kind, changed_at=now, resync=resync)
            for lid, acc in sorted(set(pairs))]
    if not rows:
        return 0
    ListingDirty.objects.bulk_create(rows)
    _schedule_on_commit(company.pk)
    return len(rows)


@on_stock_change
def _stock_changed(*, company: Company, sku_ids: set[int]) -> None:
    """inventory hook: runs inside the stock change's transaction."""
    _insert_dirty(company, _affected_listings(company, sku_ids), SyncKind.STOCK)


def listings_mark_dirty(*, company: Company, listings: Iterable[Listing], kind: str = SyncKind.STOCK,
                        resync: bool = False) -> int:
    """Ask for a push of these listings' stock (or price, kind="price"): call it in the transaction that
    changes what the channel should show (typed stock, allocation rule, price, a listing newly linked).
    `resync` marks a full re-sync (first connection, reconciliation): it goes out after every waiting
    change of the account."""
    if kind not in SyncKind.values:
        raise ValueError(f"unknown sync kind {kind!r}")
    pairs = [(lst.pk, lst.account_id) for lst in listings
             if lst.company_id == company.pk and lst.status == Listing.Status.LINKED]
    return _insert_dirty(company, pairs, kind, resync=resync)


def listings_mark_dirty_for_skus(*, company: Company, sku_ids: Iterable[int]) -> int:
    """Ask for a stock push of every listing that sells these SKUs (e.g. after a SKU status change)."""
    return _insert_dirty(company, _affected_listings(company, set(sku_ids)), SyncKind.STOCK)


# --- scheduling -------------------------------------------------------------------------------

_scheduled_until: dict[int, float] = {}


def _kick(company_id: int, *, force: bool = False) -> None:
    """Start a push cycle for the company soon: at once in immediate mode (tests) or when forced, else a
    Huey task DEBOUNCE_SECONDS later, scheduled at most once per DEBOUNCE_SECONDS per process (changes in
    between are committed before that cycle claims, so they ride along)."""
    import time

    from huey.contrib.djhuey import HUEY

    from ..tasks_sync import stock_sync_company

    if HUEY.immediate:
        stock_sync_company(company_id)
        return
    now = time.monotonic()
    if force:
        stock_sync_company(company_id)
        return
    if _scheduled_until.get(company_id, 0.0) > now:
        return
    _scheduled_until[company_id] = now + DEBOUNCE_SECONDS
    stock_sync_company.schedule(args=(company_id,), delay=DEBOUNCE_SECONDS)


def _schedule_on_commit(company_id: int, *, force: bool = False) -> None:
    """Once per transaction and company. `force` skips the debounce."""
    pending = getattr(connection, "run_on_commit", [])
    for entry in pending:
        fn = entry[1] if len(entry) > 1 else None
        if getattr(fn, "_listings_company", None) == company_id:
            return

    def callback() -> None:
        _kick(company_id, force=force)

    callback._listings_company = company_id
    transaction.on_commit(callback, robust=True)
