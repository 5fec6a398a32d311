"""Demo step: default commission rules and payout schedules for the demo accounts, a few store sales at
the demo store (when it has stock), then the expected settlement of the demo orders and the sales rollup.

`demo_first_settlement` is a start-up step of `marketdock serve` (`make run`): once the sandbox
marketplace answers and before the web app starts, each demo account whose marketplace has a settlement
API and that never imported its settlement collects its orders (first) and imports + reconciles its
settlement (then), through the same services as the jobs, so 정산 내역 and the 정산 오류 queue are filled
when the first screen opens instead of at the first 5-minute refresh."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
from django.db.models import F, Min
from django.utils import timezone

from marketdock.channels.connectors.base import connector_class
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.demo import sandbox_url
from marketdock.channels.models import ChannelAccount
from marketdock.channels.services import connector_for
from marketdock.core.demo import DEMO_COMPANIES
from marketdock.inventory.models import StockLevel, Warehouse
from marketdock.orders.models import Order
from marketdock.orders.services import CollectionError, CollectionFailed, collection_execute

from . import services
from .models import PaymentMethod, SettlementRun, StoreSale
from .tasks_import import DAILY_DAYS

SANDBOX_WAIT_SECONDS = 30  # how long the start-up step waits for the sandbox process to answer
COLLECTED_WAIT_SECONDS = 60  # how long it waits for the worker's own first collection of an account


def _store_sales(company, out: list[str]) -> None:
    store = Warehouse.objects.filter(company=company, kind=Warehouse.Kind.STORE, is_active=True).first()
    if store is None or StoreSale.objects.filter(company=company).exists():
        return
    levels = list(StockLevel.objects.filter(company=company, warehouse=store, on_hand__gte=F("reserved") + 2)
                  .select_related("sku__product").order_by("sku_id")[:3])
    today = timezone.localdate()
    methods = [PaymentMethod.CARD, PaymentMethod.CASH, PaymentMethod.GIFT_CARD]
    for n, level in enumerate(levels):
        sku = level.sku
        price = max(1000, sku.product.price + sku.price_delta)
        services.store_sale_create(company=company, user=None, warehouse=store, sold_on=today - timedelta(days=n),
                                   payment_method=methods[n % 3], sale_discount=1000 if n == 1 else 0,
                                   items=[services.SaleItem(sku.pk, 1, price)])
    if levels:
        out.append(f"{company.code}: {len(levels)} store sales at {store.name}")


def demo_settlement(company, out: list[str]) -> None:
    _store_sales(company, out)
    result = services.settlement_refresh(company)
    out.append(f"settlement of {company.code}: {result['lines']} lines, {result['days']} days")


def _settles(kind: str) -> bool:
    try:
        return bool(connector_class(kind).capabilities.settlements)
    except ConnectorError:
        return False


def first_settlement_accounts() -> list[ChannelAccount]:
    """The demo companies' active sandbox accounts with a settlement API that never imported settlement."""
    imported = SettlementRun.objects.filter(what=SettlementRun.What.IMPORT).values("account_id")
    accounts = (ChannelAccount.objects.filter(company__code__in=[c[0] for c in DEMO_COMPANIES], is_active=True,
                                              base_url=sandbox_url())
                .exclude(pk__in=imported).select_related("company").order_by("company__code", "pk"))
    return [a for a in accounts if _settles(a.kind)]


def _sandbox_answers(url: str, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while True:
        try:
            if httpx.get(f"{url}/_sandbox/shops", timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _collected_elsewhere(account: ChannelAccount, wait: float = COLLECTED_WAIT_SECONDS) -> bool:
    """The worker started at the same time is collecting the account: wait for it to finish."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        account.refresh_from_db(fields=["collected_until"])
        if account.collected_until is not None:
            return True
        time.sleep(1)
    return False


def demo_first_settlement(log: Callable[[str], None] = lambda line: None, *, wait: float | None = None) -> int:
    """Collect, then import and reconcile the settlement of each demo account `first_settlement_accounts`
    names (nothing to do, and no waiting, on a demo that already imported). Returns the accounts imported."""
    accounts = first_settlement_accounts()
    if not accounts:
        return 0
    began = time.monotonic()
    if wait is None:
        wait = 0 if os.environ.get("MARKETDOCK_SANDBOX", "1").strip() == "0" else SANDBOX_WAIT_SECONDS
    if not _sandbox_answers(sandbox_url(), wait):
        log(f"demo settlement: the sandbox at {sandbox_url()} does not answer; the 5-minute refresh imports later")
        return 0
    today = timezone.localdate()
    done = 0
    companies = []
    for account in accounts:
        label = f"demo settlement: {account.company.code} {account.name}"
        if account.collected_until is None:  # orders first: reconciling without them finds every row unknown
            try:
                ledger = collection_execute(account_id=account.pk, trigger="schedule")
            except (CollectionError, CollectionFailed) as exc:
                log(f"{label}: order collection failed ({exc}); the schedule collects and imports later")
                continue
            if ledger.get("skipped") and not _collected_elsewhere(account):
                log(f"{label}: another collection still holds the account; the 5-minute refresh imports later")
                continue
            log(f"{label}: {ledger.get('created', 0)} orders collected")
        # from the day of its oldest order (nothing of ours settles earlier; the daily import reads its 35 days
        # from tomorrow on): a few days of calls instead of 35 at the marketplace's rate
        first = Order.objects.filter(company_id=account.company_id, account=account).aggregate(
            first=Min("ordered_at"))["first"]
        start = max(today - timedelta(days=DAILY_DAYS), timezone.localdate(first) if first else today)
        # the local sandbox answers in milliseconds: a stuck call gives up in seconds, not the production minutes
        connector = connector_for(account, options=HttpOptions(timeout=httpx.Timeout(10.0, connect=3.0),
                                                               retry=RetryPolicy(attempts=2)))
        try:
            stored, recon = services.settlement_import_reconcile(account, start, today, trigger="schedule",
                                                                 connector=connector)
        finally:
            connector.close()
        log(f"{label}: {stored.seen} settlement rows imported, {recon.matched} matched, "
            f"{recon.differences} differences")
        done += 1
        if account.company not in companies:
            companies.append(account.company)
    for company in companies:  # the sales rollup of the days the new orders touched
        services.settlement_refresh(company)
    log(f"demo settlement: {done} accounts imported and reconciled in {time.monotonic() - began:.1f}s")
    return done
