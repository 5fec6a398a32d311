"""Delivering a push message (the outbox handlers for stock, price and sale status): values computed now, sent in the marketplace's batches, results recorded, auto stop/resume."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.models import (
    KnownListing,
    KnownOption,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue

from ..models import Listing, ListingOption, SaleStatus
from ..models_sync import ListingDirty, ListingSyncState, SyncPush
from . import sync_transport
from .channel_stock import ListingStock, auto_resume_enabled, auto_stop_enabled, channel_stock
from .push_queue import _claim_next
from .sync_transport import _CountingTransport


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
    conn = sync_transport._connector(account, transport)
    conn.remember_listings(_known_listings(company, claimed.listings.values(), stocks=stocks, states=states))
    cas = bool(getattr(conn.capabilities, "compare_and_set", False))
    intended, items, skipped = _stock_items(claimed, stocks, states, cas=cas)
    try:
        with conn:
            applied, failed, conflicts = _stock_send(conn, items, intended)
            sale = _auto_sale_status(conn, account, claimed.listings, stocks, states)
    except ConnectorError as exc:
        _fail_whole(claimed.push, exc, transport)
        raise
    _stock_record(message, claimed, states, token=token, intended=intended, applied=applied, failed=failed,
                  sale=sale, counts={"items": len(items), "skipped": skipped, "conflicts": conflicts},
                  transport=transport)
    return {"listings": len(claimed.listings), "items": len(items), "applied": len(applied), "skipped": skipped,
            "conflicts": conflicts, "failed": len(failed), "stopped": sale["stopped"], "resumed": sale["resumed"],
            "api_calls": transport.requests}


def _stock_items(claimed: _Claimed, stocks: dict[int, ListingStock], states: dict[int, ListingSyncState], *,
                 cas: bool) -> tuple[dict[tuple[str, str], tuple[int, int]], list[StockUpdate], int]:
    """The updates to send: every option whose value the channel does not hold yet (the expected value
    is what we last pushed where the marketplace compares-and-sets); (intended, items, skipped)."""
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
    return intended, items, skipped


def _stock_send(conn, items: list[StockUpdate], intended: dict[tuple[str, str], tuple[int, int]]
                ) -> tuple[dict[tuple[str, str], int], dict[int, tuple[str, str, bool]], int]:
    """Send the updates; a compare-and-set conflict is written again as min(ours, actual) with the
    channel's value as the expectation. (applied, failed by listing id, conflicts)."""
    applied: dict[tuple[str, str], int] = {}
    failed: dict[int, tuple[str, str, bool]] = {}  # listing id → (code, message, retryable)
    conflicts = 0
    if not items:
        return applied, failed, conflicts
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
    return applied, failed, conflicts


def _stock_record(message: OutboxMessage, claimed: _Claimed, states: dict[int, ListingSyncState], *, token: str,
                  intended: dict, applied: dict, failed: dict, sale: dict, counts: dict, transport) -> None:
    """Record what the channel accepted in one transaction: pushed values and lags, errors, sale
    statuses, the claimed rows done or released, the push's figures; then claim the next batch."""
    company = message.company
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
            claimed.push, now=now, listings=len(claimed.listings), items=counts["items"], skipped=counts["skipped"],
            api_calls=F("api_calls") + transport.requests, conflicts=counts["conflicts"], failed=failed_count,
            lags_ms=lags, status=SyncPush.Status.PARTIAL if failed_count else SyncPush.Status.SENT,
            error="; ".join(f"{c} {t}".strip() for c, t, _r in list(failed.values())[:5])[:2000],
        )
        _after_delivery(message)


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
            with sync_transport._connector(account, transport) as conn:
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
    with sync_transport._connector(message.account, transport) as conn:
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
