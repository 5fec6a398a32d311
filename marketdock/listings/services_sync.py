"""Stock and price push to the channels (LST-7, INV-6) and what the 동기화 현황 screen reads.

Channel stock of one listing option = the available stock (on hand − reserved) of its mapped SKUs in
the active warehouses exposed to channels, divided by the units one sale takes (a set SKU is the
minimum over its components; a bundle option over all its SKUs), rounded down, then the listing's
allocation rule: all, fixed (at most N), percent (N % of it, rounded down), or buffer (N kept back).
A SKU marked 품절/사용안함 in the catalogue counts as 0. A listing of a product that is not
stock-managed pushes the stock typed in on the listing (nothing when none was typed).

How a change reaches the channel:

1. Every stock change (reservation, release, shipment, inbound, return, adjustment, count, transfer)
   passes `inventory.services._apply`, which calls `inventory.hooks.stock_changed` inside its
   transaction; `_stock_changed` here INSERTs one `ListingDirty` row per linked listing of the changed
   SKUs (directly or through a set), in that same transaction, and asks for a push cycle of the
   company right after the commit (debounced: at most one cycle scheduled per `DEBOUNCE_SECONDS`).
2. A push cycle (`stock_sync_cycle`) claims, per account and kind, committed dirty rows with a
   token and enqueues ONE outbox message for them (key `stock:<account>:<token>`) — unless a message
   of that account and kind is still undelivered: then the rows wait, and the in-flight message's
   delivery claims the next batch right away (no cycle delay). So an account never has two stock
   pushes queued, and a newer change never races an older one. A message is BOUNDED: it carries at
   most the listings the account's request budget writes in PUSH_WINDOW_SECONDS (the connector's
   `stock_push_capacity`, from its rate limit and how many listings — or options, where each option
   is its own write, as on Coupang — one request takes), so a change made now is in the next
   message, a few seconds away, never behind a whole account's re-sync.
   Change-driven rows are claimed first; rows of a full re-sync (`resync`: first connection,
   reconciliation, 전체 재고 동기화) only fill what budget is left, so a re-sync yields to changes.
   Messages are delivered per account (outbox `deliver_account` tasks), so one account's slow or
   failing channel holds one worker thread and never another account's push.
3. The outbox delivers the message through `stock_push_deliver`, which computes every claimed
   listing's channel stock NOW (so no stale value is ever sent, however long the message waited),
   skips options whose value the channel already holds, tells the connector what our rows know of the
   listings (`remember_listings`: marketplace product numbers, options, prices, stock — so it writes
   without reading first), and calls it once with all the rest (the connector batches in the
   marketplace's shape: Shopify one inventorySetQuantities per 250 options, Naver one option-stock per
   product with options and one multi-update for many without, Coupang one call per vendorItemId). Compare-and-set where the API offers it (Shopify changeFromQuantity):
   the expected value is what we last pushed; a conflict re-reads the channel's actual quantity and
   writes min(ours, actual) with that as the new expectation — an unexplained decrease on the channel
   is usually a sale not collected yet, and collection reserves it, which pushes again.
   Then auto stop-sale at 0 (listing → 품절) and resume on restock (only listings we stopped), per
   account setting. The claimed rows are deleted when the channel acknowledged; retryable item
   failures are released to the next cycle; whole-call failures (outage, 429) leave the message to
   the outbox's retries — the claimed rows stay, and the value is recomputed at the retry.
4. A periodic sweep (every minute) runs cycles that were missed and releases rows of messages that
   failed for good; a periodic reconciliation reads every listing back from the channel and pushes
   the ones that drifted.
"""

from __future__ import annotations

import logging
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU, SetComponent, SKUStatus
from marketdock.catalog.selectors import set_components
from marketdock.channels.connectors.errors import ConnectorError, UnsupportedOperation
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import (
    KnownListing,
    KnownOption,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from marketdock.channels.models import ChannelAccount, ChannelKind, OptionMapping
from marketdock.channels.services import connector_for
from marketdock.core.models import Company
from marketdock.inventory.hooks import on_stock_change
from marketdock.inventory.models import StockLevel
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue

from .models import AllocationRule, Listing, ListingOption, SaleStatus
from .models_sync import ListingDirty, ListingSyncState, SyncKind, SyncPush

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 1.0  # a change waits at most this long (+ the scheduler tick) before its cycle starts
PUSH_WINDOW_SECONDS = 3.0  # one push message carries what the account's rate budget writes in this long
MAX_LISTINGS_PER_MESSAGE = 1_000  # whatever the budget: the database work of one message stays short
FALLBACK_LISTINGS_PER_MESSAGE = 200  # a connector that cannot tell its capacity
RECLAIM_AFTER = timedelta(minutes=5)  # rows of a message that failed for good go out again after this
LAG_WINDOW = timedelta(hours=24)  # the screen's lag figures
KEEP_PUSHES = timedelta(days=7)
MAX_SET_DEPTH = 3

# ChannelAccount.options keys (set on the 동기화 현황 screen)
OPT_AUTO_STOP = "auto_stop_sale"
OPT_AUTO_RESUME = "auto_resume_sale"

IN_FLIGHT = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING)
GIVEN_UP = (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD)


# --- allocation and channel stock -------------------------------------------------------------


def allocate(available: int, rule: str, value: int) -> int:
    """The quantity a channel is shown out of `available` sellable units (never negative, rounded down).

    all: everything; fixed: at most `value`; percent: `value` % of it; buffer: all but `value`."""
    available = max(0, int(available))
    value = max(0, int(value or 0))
    if rule == AllocationRule.FIXED:
        return min(available, value)
    if rule == AllocationRule.PERCENT:
        return available * min(value, 100) // 100
    if rule == AllocationRule.BUFFER:
        return max(0, available - value)
    return available


def auto_stop_enabled(account: ChannelAccount) -> bool:
    return bool((account.options or {}).get(OPT_AUTO_STOP, True))


def auto_resume_enabled(account: ChannelAccount) -> bool:
    return bool((account.options or {}).get(OPT_AUTO_RESUME, True))


def sku_channel_available(company: Company, sku_ids: Iterable[int]) -> dict[int, int]:
    """Available stock (on hand − reserved) of plain SKUs in the active warehouses exposed to channels."""
    ids = set(sku_ids)
    if not ids:
        return {}
    rows = (
        StockLevel.objects.filter(company=company, sku_id__in=ids, warehouse__is_active=True,
                                  warehouse__exposed_to_channels=True)
        .order_by().values("sku_id").annotate(available=Sum(F("on_hand") - F("reserved")))
    )
    out = dict.fromkeys(ids, 0)
    for row in rows:
        out[row["sku_id"]] = max(0, row["available"] or 0)
    return out


def _leaves(company: Company, sku_ids: set[int]) -> dict[int, list[tuple[int, int]]]:
    """Each SKU as plain (non-set) SKUs × units: a plain SKU is [(itself, 1)], a set its components
    (nested sets expanded, MAX_SET_DEPTH deep)."""
    skus = {s.pk: s for s in SKU.objects.filter(company=company, pk__in=sku_ids).only("id", "is_set")}
    out: dict[int, list[tuple[int, int]]] = {}
    for sku_id in sku_ids:
        sku = skus.get(sku_id)
        out[sku_id] = [] if sku is None else ([(sku_id, 1)] if not sku.is_set else None)
    pending = {sid: [(sid, 1)] for sid, v in out.items() if v is None}
    for _depth in range(MAX_SET_DEPTH + 1):
        if not pending:
            break
        wanted = {cid for parts in pending.values() for cid, _q in parts}
        comps = set_components(company, wanted)
        nxt: dict[int, list[tuple[int, int]]] = {}
        for root, parts in pending.items():
            expanded: list[tuple[int, int]] = []
            unresolved = False
            for cid, qty in parts:
                if cid in comps:
                    expanded.extend((c, qty * q) for c, q in comps[cid])
                    unresolved = True
                else:
                    expanded.append((cid, qty))
            if unresolved:
                nxt[root] = expanded
            else:
                out[root] = expanded
        pending = nxt
    for root in pending:  # too deep or circular: sell nothing rather than guess
        out[root] = []
    # a set whose expansion ends in set SKUs without components has those as leaves: they hold no stock
    return out


@dataclass
class OptionStock:
    option_id: str
    quantity: int


@dataclass
class ListingStock:
    listing_id: int
    options: dict[str, int] = field(default_factory=dict)  # channel option id → quantity to show

    @property
    def total(self) -> int:
        return sum(self.options.values())


def channel_stock(company: Company, listings: Sequence[Listing]) -> dict[int, ListingStock]:
    """The stock each listing option should show on its channel right now (see module docstring).
    Options without an SKU mapping are absent (never pushed); an unmanaged product without typed stock
    gives an empty result. A few queries whatever the number of listings."""
    listings = [lst for lst in listings if lst.channel_product_id]
    if not listings:
        return {}
    by_key = {(lst.account_id, lst.channel_product_id): lst for lst in listings}
    options: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for acc, pid, oid, sku_id, qty in (
        OptionMapping.objects.filter(company=company, account_id__in={k[0] for k in by_key},
                                     channel_product_id__in={k[1] for k in by_key})
        .order_by("id").values_list("account_id", "channel_product_id", "channel_option_id", "sku_id", "quantity")
    ):
        lst = by_key.get((acc, pid))
        if lst is not None:
            options[lst.pk][oid].append((sku_id, qty))
    mapped = {sku_id for opts in options.values() for comps in opts.values() for sku_id, _q in comps}
    leaves = _leaves(company, mapped)
    leaf_ids = {leaf for parts in leaves.values() for leaf, _q in parts}
    info = {
        s["id"]: s for s in SKU.objects.filter(company=company, pk__in=leaf_ids | mapped)
        .values("id", "status", "product__inventory_managed")
    }
    available = sku_channel_available(company, leaf_ids)
    managed_products = dict(
        Listing.objects.filter(company=company, pk__in=[lst.pk for lst in listings])
        .values_list("id", "product__inventory_managed"))
    unmanaged_options: dict[int, set[str]] = defaultdict(set)
    for listing_id, oid in ListingOption.objects.filter(
            company=company, listing_id__in=[pk for pk, managed in managed_products.items() if not managed]
    ).values_list("listing_id", "channel_option_id"):
        unmanaged_options[listing_id].add(oid)
    out: dict[int, ListingStock] = {}
    for lst in listings:
        result = ListingStock(listing_id=lst.pk)
        out[lst.pk] = result
        if not managed_products.get(lst.pk, True):
            if lst.typed_stock is not None:
                for oid in set(options.get(lst.pk, {})) | unmanaged_options.get(lst.pk, set()) or {""}:
                    result.options[oid] = lst.typed_stock
            continue
        for oid, comps in options.get(lst.pk, {}).items():
            limits: list[int] = []
            for sku_id, units in comps:
                top = info.get(sku_id)
                if top is not None and top["status"] in (SKUStatus.SOLD_OUT, SKUStatus.INACTIVE):
                    limits.append(0)
                    continue
                parts = leaves.get(sku_id) or []
                if not parts:
                    limits.append(0)
                    continue
                for leaf, per in parts:
                    leaf_info = info.get(leaf)
                    if leaf_info is None:
                        limits.append(0)
                    elif not leaf_info["product__inventory_managed"]:
                        continue  # not stock-managed: never the limiting part
                    elif leaf_info["status"] in (SKUStatus.SOLD_OUT, SKUStatus.INACTIVE):
                        limits.append(0)
                    else:
                        limits.append(available.get(leaf, 0) // (per * units))
            if not limits:  # only unmanaged parts: the typed stock, if any
                if lst.typed_stock is None:
                    continue
                limits.append(lst.typed_stock)
            result.options[oid] = allocate(min(limits), lst.allocation_rule, lst.allocation_value)
    return out


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

    from .tasks_sync import stock_sync_company

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
        conn = _connector(account, _CountingTransport())
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


# --- delivery (outbox handlers) ---------------------------------------------------------------


class _CountingTransport(httpx.BaseTransport):
    """Counts the HTTP requests a connector sends (retries included) for the push record. The real
    transport (its TLS context) is made at the first request: sizing a message builds a connector
    that sends nothing."""

    def __init__(self) -> None:
        self.inner: httpx.HTTPTransport | None = None
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.inner is None:
            self.inner = httpx.HTTPTransport()
        return self.inner.handle_request(request)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()


def _connector(account: ChannelAccount, transport: _CountingTransport):
    return connector_for(account, options=HttpOptions(transport=transport))


def _api_product_id(listing: Listing) -> str:
    """The product id every connector listing call takes: the one orders carry (connector contract)."""
    return listing.channel_product_id


def _known_listings(company: Company, listings: Iterable[Listing], *, stocks: dict[int, ListingStock] | None = None,
                    states: dict[int, ListingSyncState] | None = None) -> list[KnownListing]:
    """What our rows know of these listings at their channel, for `Connector.remember_listings`: the
    marketplace's own product number (Naver originProductNo), the base price the channel holds (what we
    last pushed, else the last snapshot), every channel option (the snapshot's, else our option rows) with
    its price delta and the stock it holds or is about to get (computed now, else last pushed). Whatever
    is not known stays None and the connector reads the product before writing it."""
    listings = [lst for lst in listings if lst.channel_product_id]
    option_rows: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for listing_id, oid, delta in (ListingOption.objects.filter(company=company, listing_id__in=[x.pk for x in listings])
                                   .exclude(channel_option_id="").order_by("sort_order", "id")
                                   .values_list("listing_id", "channel_option_id", "price_delta")):
        option_rows[listing_id].append((oid, delta))
    out = []
    for lst in listings:
        snap = lst.channel_snapshot if isinstance(lst.channel_snapshot, dict) else {}
        state = (states or {}).get(lst.pk)
        computed = stocks[lst.pk].options if stocks and lst.pk in stocks else {}
        pushed = (state.stock_pushed or {}) if state is not None else {}
        price = state.price_pushed if state is not None and state.price_pushed is not None else snap.get("price")
        if isinstance(snap.get("options"), list) and snap.get("product_id") == lst.channel_product_id:
            pairs = [(str(o.get("option_id") or ""), o.get("price_delta")) for o in snap["options"] if isinstance(o, dict)]
        else:
            pairs = option_rows.get(lst.pk, [])
        options = [KnownOption(option_id=oid, price_delta=delta if isinstance(delta, int) else None,
                               stock=computed.get(oid, pushed.get(oid))) for oid, delta in pairs if oid]
        origin = lst.api_product_id or str(snap.get("origin_product_id") or "")
        out.append(KnownListing(product_id=_api_product_id(lst), origin_product_id=origin,
                                price=price if isinstance(price, int) else None, options=options))
    return out


@dataclass
class _Claimed:
    push: SyncPush | None
    rows: dict[int, datetime]  # listing id → earliest change (a re-sync row only when no change came)
    listings: dict[int, Listing]
    changed: set[int] = field(default_factory=set)  # listings with a stock change among their rows (lag figures)


def _claimed(message: OutboxMessage) -> _Claimed:
    company = message.company
    token = str((message.payload or {}).get("claim", ""))
    push = SyncPush.objects.filter(company=company, claim=token).first() if token else None
    first: dict[tuple[bool, int], datetime] = {}  # (re-sync?, listing id) → earliest row
    for listing_id, changed_at, resync in (ListingDirty.objects.filter(company=company, claim=token)
                                           .values_list("listing_id", "changed_at", "resync") if token else []):
        key = (resync, listing_id)
        if key not in first or changed_at < first[key]:
            first[key] = changed_at
    changed = {listing_id for resync, listing_id in first if not resync}
    rows = {listing_id: at for (resync, listing_id), at in first.items() if resync and listing_id not in changed}
    rows.update({listing_id: at for (resync, listing_id), at in first.items() if not resync})
    listings = {
        lst.pk: lst for lst in Listing.objects.filter(
            company=company, account_id=message.account_id, pk__in=list(rows), status=Listing.Status.LINKED)
        .exclude(channel_product_id="").select_related("product")
    }
    return _Claimed(push=push, rows=rows, listings=listings, changed=changed)


def _states(company: Company, listings: Iterable[Listing]) -> dict[int, ListingSyncState]:
    listings = list(listings)
    have = {s.listing_id: s for s in ListingSyncState.objects.filter(company=company,
                                                                     listing_id__in=[x.pk for x in listings])}
    missing = [ListingSyncState(company=company, listing=lst, account_id=lst.account_id)
               for lst in listings if lst.pk not in have]
    if missing:
        ListingSyncState.objects.bulk_create(missing, ignore_conflicts=True)
        have.update({s.listing_id: s for s in ListingSyncState.objects.filter(
            company=company, listing_id__in=[m.listing_id for m in missing])})
    return have


def _finish_rows(company: Company, token: str, *, done: Iterable[int], retry: Iterable[int]) -> None:
    done, retry = set(done), set(retry)
    if done:
        ListingDirty.objects.filter(company=company, claim=token, listing_id__in=done).delete()
    if retry:
        ListingDirty.objects.filter(company=company, claim=token, listing_id__in=retry).update(claim="")
    # anything else still claimed (a listing unlinked meanwhile) is dropped: there is nothing to push to
    ListingDirty.objects.filter(company=company, claim=token).delete()


def _record_push(push: SyncPush | None, *, now: datetime, **fields: Any) -> None:
    if push is None:
        return
    SyncPush.objects.filter(pk=push.pk).update(acked_at=now, **fields)


def _record_error(state: ListingSyncState, *, code: str, message: str, now: datetime) -> None:
    state.last_error = (message or code or _("알 수 없는 오류"))[:2000]
    state.last_error_code = (code or "")[:50]
    state.last_error_at = now


def _after_delivery(message: OutboxMessage) -> None:
    """In the delivery's transaction: rows of this account and kind that waited for this message go out
    in the next bounded message, enqueued right now (its delivery starts when this commits)."""
    if ListingDirty.objects.filter(company=message.company, account_id=message.account_id, kind=message.kind,
                                   claim="").exists():
        with transaction.atomic():
            _claim_next(message.company, message.account_id, message.kind, now=timezone.now(),
                        counts={"messages": 0, "waiting": 0}, delivering=message.pk)


def _fail_whole(push: SyncPush | None, exc: ConnectorError, transport: _CountingTransport) -> None:
    if push is not None:
        SyncPush.objects.filter(pk=push.pk).update(
            error=(getattr(exc, "message", "") or str(exc))[:2000], api_calls=F("api_calls") + transport.requests)


def stock_push_deliver(*, message: OutboxMessage) -> dict[str, Any]:
    """Deliver one stock push: current channel stock of every claimed listing, compare-and-set where the
    marketplace supports it, then auto stop-sale/resume. Raises the connector's error when the whole
    call failed (the outbox retries or marks it failed); per-item failures are recorded per listing."""
    company, account = message.company, message.account
    token = str((message.payload or {}).get("claim", ""))
    claimed = _claimed(message)
    transport = _CountingTransport()
    if not claimed.listings:
        _finish_rows(company, token, done=claimed.rows, retry=())
        _record_push(claimed.push, now=timezone.now(), status=SyncPush.Status.SENT, listings=0)
        _after_delivery(message)
        return {"listings": 0}
    stocks = channel_stock(company, list(claimed.listings.values()))
    states = _states(company, claimed.listings.values())
    conn = _connector(account, transport)
    conn.remember_listings(_known_listings(company, claimed.listings.values(), stocks=stocks, states=states))
    cas = bool(getattr(conn.capabilities, "compare_and_set", False))
    intended: dict[tuple[str, str], tuple[int, int]] = {}  # (product id, option id) → (listing id, qty)
    items: list[StockUpdate] = []
    skipped = 0
    for lst in claimed.listings.values():
        state = states[lst.pk]
        for oid, qty in stocks[lst.pk].options.items():
            pushed = (state.stock_pushed or {}).get(oid)
            if pushed == qty:
                skipped += 1
                continue
            key = (_api_product_id(lst), oid)
            intended[key] = (lst.pk, qty)
            items.append(StockUpdate(product_id=key[0], option_id=oid, quantity=qty,
                                     expected_quantity=pushed if cas else None))
    applied: dict[tuple[str, str], int] = {}
    failed: dict[int, tuple[str, str, bool]] = {}  # listing id → (code, message, retryable)
    conflicts = 0
    try:
        with conn:
            if items:
                result = conn.update_stock(items)
                for pid, oid in result.applied:
                    if (pid, oid) in intended:
                        applied[(pid, oid)] = intended[(pid, oid)][1]
                retry_items: list[StockUpdate] = []
                for pid, oid, actual in result.conflicts:
                    conflicts += 1
                    if (pid, oid) not in intended:
                        continue
                    listing_id, qty = intended[(pid, oid)]
                    if actual == qty:  # the channel already holds our value (e.g. a retried call had landed)
                        applied[(pid, oid)] = qty
                        continue
                    target = min(qty, max(0, actual))
                    intended[(pid, oid)] = (listing_id, target)
                    retry_items.append(StockUpdate(product_id=pid, option_id=oid, quantity=target,
                                                   expected_quantity=actual))
                retry_result = conn.update_stock(retry_items) if retry_items else StockUpdateResult()
                for pid, oid in retry_result.applied:
                    if (pid, oid) in intended:
                        applied[(pid, oid)] = intended[(pid, oid)][1]
                for pid, oid, _actual in retry_result.conflicts:  # raced again: the next cycle re-reads
                    conflicts += 1
                    if (pid, oid) in intended:
                        failed.setdefault(intended[(pid, oid)][0], ("CONFLICT", _("재고가 동시에 변경되어 다시 전송합니다."), True))
                for failure in list(result.failed) + list(retry_result.failed):
                    key = (failure.product_id, failure.option_id)
                    if key not in intended and ":" in failure.order_line_id:
                        key = tuple(failure.order_line_id.split(":", 1))
                    if key in intended:
                        failed[intended[key][0]] = (failure.code, failure.message, failure.retryable)
            sale = _auto_sale_status(conn, account, claimed.listings, stocks, states)
    except ConnectorError as exc:
        _fail_whole(claimed.push, exc, transport)
        raise
    now = timezone.now()
    with transaction.atomic():
        pushed_listings: set[int] = set()
        for (pid, oid), qty in applied.items():
            listing_id = intended[(pid, oid)][0]
            state = states[listing_id]
            state.stock_pushed = {**(state.stock_pushed or {}), oid: qty}
            state.stock_pushed_at = now
            pushed_listings.add(listing_id)
        lags = []
        for listing_id in pushed_listings & claimed.changed:
            lag_ms = max(0, int((now - claimed.rows[listing_id]).total_seconds() * 1000))
            states[listing_id].last_lag_ms = lag_ms
            lags.append(lag_ms)
        retry, done = set(), set()
        flagged = set(sale["applied"]) | set(sale["failed"])  # states whose sale status or error changes
        for listing_id in claimed.rows:
            if listing_id in failed:
                code, text, retryable = failed[listing_id]
                _record_error(states[listing_id], code=code, message=text, now=now)
                (retry if retryable else done).add(listing_id)
                flagged.add(listing_id)
            else:
                done.add(listing_id)
                if listing_id in pushed_listings and listing_id in states and states[listing_id].last_error:
                    states[listing_id].last_error = ""
                    states[listing_id].last_error_code = ""
                    flagged.add(listing_id)
        for listing_id, (code, text) in sale["failed"].items():
            _record_error(states[listing_id], code=code, message=text, now=now)
        # only what changed, in as few columns as it takes (a re-sync message writes a thousand rows)
        ListingSyncState.objects.bulk_update([states[i] for i in sorted(pushed_listings)],
                                             ["stock_pushed", "stock_pushed_at", "last_lag_ms"])
        ListingSyncState.objects.bulk_update([states[i] for i in sorted(flagged)],
                                             ["on_sale_pushed", "last_error", "last_error_code", "last_error_at"])
        for listing_id, status in sale["applied"].items():
            Listing.objects.filter(company=company, pk=listing_id).update(sale_status=status)
        _finish_rows(company, token, done=done, retry=retry)
        failed_count = len(failed) + len(sale["failed"])
        _record_push(
            claimed.push, now=now, listings=len(claimed.listings), items=len(items), skipped=skipped,
            api_calls=F("api_calls") + transport.requests, conflicts=conflicts, failed=failed_count, lags_ms=lags,
            status=SyncPush.Status.PARTIAL if failed_count else SyncPush.Status.SENT,
            error="; ".join(f"{c} {t}".strip() for c, t, _r in list(failed.values())[:5])[:2000],
        )
        _after_delivery(message)
    return {"listings": len(claimed.listings), "items": len(items), "applied": len(applied), "skipped": skipped,
            "conflicts": conflicts, "failed": len(failed), "stopped": sale["stopped"], "resumed": sale["resumed"],
            "api_calls": transport.requests}


def _auto_sale_status(conn, account: ChannelAccount, listings: dict[int, Listing], stocks: dict[int, ListingStock],
                      states: dict[int, ListingSyncState]) -> dict[str, Any]:
    """Stop selling a listing whose channel stock reached 0 (→ 품절) and resume one we stopped when
    stock is back, as the account's settings say. Listings stopped by hand (판매중지) are never resumed."""
    out: dict[str, Any] = {"applied": {}, "failed": {}, "stopped": 0, "resumed": 0}
    if not getattr(conn.capabilities, "sale_status", False):
        return out
    changes: dict[str, tuple[int, bool]] = {}
    for lst in listings.values():
        stock = stocks.get(lst.pk)
        if stock is None or not stock.options:
            continue
        if stock.total == 0 and lst.sale_status == SaleStatus.ON_SALE and auto_stop_enabled(account):
            changes[_api_product_id(lst)] = (lst.pk, False)
        elif stock.total > 0 and lst.sale_status == SaleStatus.SOLD_OUT and auto_resume_enabled(account):
            changes[_api_product_id(lst)] = (lst.pk, True)
    if not changes:
        return out
    result = conn.set_sale_status([SaleStatusUpdate(product_id=pid, on_sale=on) for pid, (_l, on) in changes.items()])
    for pid, _oid in result.applied:
        if pid in changes:
            listing_id, on = changes[pid]
            out["applied"][listing_id] = SaleStatus.ON_SALE if on else SaleStatus.SOLD_OUT
            states[listing_id].on_sale_pushed = on
            out["resumed" if on else "stopped"] += 1
    for failure in result.failed:
        pid = failure.product_id or failure.order_line_id.split(":", 1)[0]
        if pid in changes:
            out["failed"][changes[pid][0]] = (failure.code, failure.message)
    return out


def price_push_deliver(*, message: OutboxMessage) -> dict[str, Any]:
    """Deliver one price push: every claimed listing's CURRENT price (base price; options keep their
    deltas), skipping listings whose price the channel already has."""
    company, account = message.company, message.account
    token = str((message.payload or {}).get("claim", ""))
    claimed = _claimed(message)
    transport = _CountingTransport()
    states = _states(company, claimed.listings.values())
    items: dict[str, tuple[int, int]] = {}
    for lst in claimed.listings.values():
        if states[lst.pk].price_pushed != lst.price:
            items[_api_product_id(lst)] = (lst.pk, lst.price)
    applied: dict[int, int] = {}
    failed: dict[int, tuple[str, str, bool]] = {}
    try:
        if items:
            with _connector(account, transport) as conn:
                conn.remember_listings(_known_listings(company, claimed.listings.values(), states=states))
                result = conn.update_price([PriceUpdate(product_id=pid, price=price) for pid, (_l, price) in items.items()])
            for pid, _oid in result.applied:
                if pid in items:
                    applied[items[pid][0]] = items[pid][1]
            for failure in result.failed:
                pid = failure.product_id or failure.order_line_id.split(":", 1)[0]
                if pid in items:
                    failed[items[pid][0]] = (failure.code, failure.message, failure.retryable)
    except ConnectorError as exc:
        _fail_whole(claimed.push, exc, transport)
        raise
    now = timezone.now()
    with transaction.atomic():
        lags = []
        for listing_id, price in applied.items():
            state = states[listing_id]
            state.price_pushed, state.price_pushed_at = price, now
            if listing_id in claimed.changed:
                state.last_lag_ms = max(0, int((now - claimed.rows[listing_id]).total_seconds() * 1000))
                lags.append(state.last_lag_ms)
        retry = set()
        for listing_id, (code, text, retryable) in failed.items():
            _record_error(states[listing_id], code=code, message=text, now=now)
            if retryable:
                retry.add(listing_id)
        ListingSyncState.objects.bulk_update(
            list(states.values()),
            ["price_pushed", "price_pushed_at", "last_error", "last_error_code", "last_error_at", "last_lag_ms"])
        _finish_rows(company, token, done=set(claimed.rows) - retry, retry=retry)
        _record_push(claimed.push, now=now, listings=len(claimed.listings), items=len(items),
                     skipped=len(claimed.listings) - len(items), api_calls=F("api_calls") + transport.requests,
                     failed=len(failed), lags_ms=lags,
                     status=SyncPush.Status.PARTIAL if failed else SyncPush.Status.SENT,
                     error="; ".join(f"{c} {t}".strip() for c, t, _r in list(failed.values())[:5])[:2000])
        _after_delivery(message)
    return {"listings": len(claimed.listings), "items": len(items), "applied": len(applied), "failed": len(failed),
            "api_calls": transport.requests}


def listing_sale_status_push(*, company: Company, listings: Iterable[Listing]) -> list[OutboxMessage]:
    """Send the listings' current sale status (판매중 / 판매중지·품절) to their channels: one outbox message
    per account, in the caller's transaction. For a seller's own stop/resume on the listing screens."""
    by_account: dict[int, list[int]] = defaultdict(list)
    accounts: dict[int, ChannelAccount] = {}
    for lst in listings:
        if lst.company_id != company.pk or lst.status != Listing.Status.LINKED:
            continue
        by_account[lst.account_id].append(lst.pk)
        accounts[lst.account_id] = lst.account
    out = []
    with transaction.atomic():
        for account_id, ids in sorted(by_account.items()):
            token = uuid.uuid4().hex
            message, _created = outbox_enqueue(company=company, account=accounts[account_id], kind="sale_status",
                                               key=f"sale_status:{account_id}:{token}",
                                               payload={"listing_ids": sorted(ids)}, reference=f"sync:{token}")
            out.append(message)
    return out


def sale_status_deliver(*, message: OutboxMessage) -> dict[str, Any]:
    company = message.company
    ids = [int(i) for i in (message.payload or {}).get("listing_ids", [])]
    listings = list(Listing.objects.filter(company=company, account_id=message.account_id, pk__in=ids,
                                           status=Listing.Status.LINKED))
    if not listings:
        return {"listings": 0}
    transport = _CountingTransport()
    updates = {_api_product_id(lst): lst for lst in listings}
    with _connector(message.account, transport) as conn:
        conn.remember_listings(_known_listings(company, listings))
        result = conn.set_sale_status([SaleStatusUpdate(product_id=pid, on_sale=lst.sale_status == SaleStatus.ON_SALE)
                                       for pid, lst in updates.items()])
    states = _states(company, listings)
    now = timezone.now()
    applied = {pid for pid, _oid in result.applied}
    for pid, lst in updates.items():
        if pid in applied:
            states[lst.pk].on_sale_pushed = lst.sale_status == SaleStatus.ON_SALE
    for failure in result.failed:
        pid = failure.product_id or failure.order_line_id.split(":", 1)[0]
        if pid in updates:
            _record_error(states[updates[pid].pk], code=failure.code, message=failure.message, now=now)
    ListingSyncState.objects.bulk_update(list(states.values()),
                                         ["on_sale_pushed", "last_error", "last_error_code", "last_error_at"])
    return {"listings": len(listings), "applied": len(applied), "failed": len(result.failed),
            "api_calls": transport.requests}


def register_outbox_handlers() -> None:
    """Listings' outbox kinds, registered from ready() in the one registry of outbox kinds."""
    from marketdock.orders.services import register_effect_handler

    register_effect_handler("stock", _deliver_stock)
    register_effect_handler("price", _deliver_price)
    register_effect_handler("sale_status", _deliver_sale_status)


def _deliver_stock(message: OutboxMessage) -> dict:
    return stock_push_deliver(message=message)


def _deliver_price(message: OutboxMessage) -> dict:
    return price_push_deliver(message=message)


def _deliver_sale_status(message: OutboxMessage) -> dict:
    return sale_status_deliver(message=message)


# --- reconciliation ---------------------------------------------------------------------------


def stock_reconcile_account(*, account: ChannelAccount) -> dict[str, int]:
    """Read every listing back from the channel and push the ones whose stock differs from what it
    should show (drift: a change on the marketplace, a lost write, a warehouse newly exposed). What the
    channel holds becomes the compare-and-set expectation. Channels that cannot list their products get
    every linked listing pushed again."""
    company = account.company
    listings = {lst.channel_product_id: lst for lst in Listing.objects.filter(
        company=company, account=account, status=Listing.Status.LINKED).exclude(channel_product_id="")}
    by_api = {_api_product_id(lst): lst for lst in listings.values()}
    if not listings or not account.is_active or account.kind == ChannelKind.MANUAL:
        return {"checked": 0, "drifted": 0}
    stocks = channel_stock(company, list(listings.values()))
    states = _states(company, listings.values())
    drifted: list[Listing] = []
    transport = _CountingTransport()
    conn = _connector(account, transport)
    seen: set[int] = set()
    try:
        with conn:
            for remote in conn.iter_listings():
                lst = by_api.get(remote.product_id) or listings.get(remote.product_id)
                if lst is None or lst.pk in seen:
                    continue
                seen.add(lst.pk)
                actual = {o.option_id: o.stock for o in remote.options}
                want = stocks[lst.pk].options
                if any(actual.get(oid) != qty for oid, qty in want.items()):
                    states[lst.pk].stock_pushed = {oid: actual[oid] for oid in want if oid in actual}
                    drifted.append(lst)
    except UnsupportedOperation:
        for lst in listings.values():
            states[lst.pk].stock_pushed = {}
        drifted = list(listings.values())
    with transaction.atomic():
        ListingSyncState.objects.bulk_update([states[lst.pk] for lst in drifted], ["stock_pushed"])
        listings_mark_dirty(company=company, listings=drifted, resync=True)
    return {"checked": len(seen) or len(listings), "drifted": len(drifted), "api_calls": transport.requests}


def stock_reconcile_all() -> dict[str, int]:
    total = {"accounts": 0, "drifted": 0, "errors": 0}
    accounts = ChannelAccount.objects.filter(is_active=True).exclude(kind=ChannelKind.MANUAL).filter(
        pk__in=Listing.objects.filter(status=Listing.Status.LINKED).values("account_id")).select_related("company")
    for account in accounts:
        try:
            result = stock_reconcile_account(account=account)
        except ConnectorError as exc:
            logger.warning("stock reconciliation of account %s failed: %s", account.pk, exc)
            total["errors"] += 1
            continue
        total["accounts"] += 1
        total["drifted"] += result["drifted"]
    return total


# --- sync settings (동기화 현황 screen) -------------------------------------------------------


def account_sync_settings_update(*, company: Company, account: ChannelAccount, auto_stop: bool,
                                 auto_resume: bool) -> ChannelAccount:
    """Auto stop-sale at 0 and auto resume on restock, per account (kept in ChannelAccount.options)."""
    with transaction.atomic():
        account = ChannelAccount.objects.select_for_update().get(company=company, pk=account.pk)
        options = dict(account.options or {})
        options[OPT_AUTO_STOP] = bool(auto_stop)
        options[OPT_AUTO_RESUME] = bool(auto_resume)
        ChannelAccount.objects.filter(pk=account.pk).update(options=options)
        account.options = options
    return account


def lag_percentiles(lags_ms: Sequence[int]) -> tuple[float | None, float | None]:
    """(p50, p95) in seconds, or (None, None) without samples."""
    if not lags_ms:
        return None, None
    ordered = sorted(lags_ms)
    if len(ordered) == 1:
        return ordered[0] / 1000, ordered[0] / 1000
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return q[49] / 1000, q[94] / 1000
