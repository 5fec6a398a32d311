"""Reading listings back from the channel to push the ones that drifted; the account's sync settings; the 동기화 현황 lag figures."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction

from marketdock.channels.connectors.errors import ConnectorError, UnsupportedOperation
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company

from ..models import Listing
from ..models_sync import ListingSyncState
from . import sync_transport
from .channel_stock import OPT_AUTO_RESUME, OPT_AUTO_STOP, channel_stock
from .dirty import listings_mark_dirty
from .push import _api_product_id, _states
from .sync_transport import _CountingTransport

logger = logging.getLogger(__name__)

LAG_WINDOW = timedelta(hours=24)  # the screen's lag figures


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
    conn = sync_transport._connector(account, transport)
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
