"""Stock push benchmark for `marketdock bench stocksync`.

Runs the sandbox marketplace in this process, creates `--skus` SKUs with stock and lists each one on
`--channels` sandbox shops of different protocols (Naver, Coupang, Shopify), then makes `--changes`
random stock changes through the real inventory services (reserve / release / inbound / adjust) at
`--rate` changes per second while a real Huey consumer (the default worker settings: debounced push
cycles, outbox delivery, the minute sweep) pushes to the sandbox over HTTP. It then waits until nothing
is left to push and compares every option's stock at the sandbox with the computed channel stock.

Figures: api_calls (HTTP requests the sandbox received during the run), push_cycles (push messages
delivered), listing_pushes (listings whose stock was written), lag_p50_s / lag_p95_s (stock change
committed → the channel acknowledged the write, per pushed listing, oldest waiting change counted),
final_mismatches (options whose sandbox stock differs from what the OMS computes at the end).
Per channel also api_calls_per_listing_push, and for the first full push of every listing (a re-sync:
it yields to stock changes) full_push_s (marks committed → the account's last listing acknowledged) beside
floor_s, the fewest seconds the connector's documented limits allow for it (`stock_push_floor`: the
requests it needs at the sustained rate), and full_push_vs_floor (target ≤ 1.2).

`--api-rate` sets the connectors' client-side request rate (requests/s per account) for this run; 0
keeps each connector's production default (Naver 2/s, Coupang 5/s — half of Coupang's 10/s block
threshold —, Shopify 4/s with 250 quantities per mutation, under its cost bucket: 100 points/s restored,
a variant's inventory look-up 6 points, a mutation 12, which the sandbox charges like Shopify), which
bounds how many listings a channel can take per second whatever the OMS does. The hourly reconciliation stays off during the run (it
would read every listing back); the minute sweeps run as in production.
"""

from __future__ import annotations

import random
import time

from marketdock.core.bench import register

PROTOCOL_ORDER = ("naver", "coupang", "shopify")


def add_arguments(parser) -> None:
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=3, help="sandbox shops (one per protocol, then repeats)")
    parser.add_argument("--changes", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=100.0, help="stock changes per second (0 = as fast as possible)")
    parser.add_argument("--api-rate", type=float, default=100.0,
                        help="connector requests per second per account (0 = the connectors' production defaults)")
    parser.add_argument("--settle", type=float, default=600.0, help="seconds to wait for quiescence at most")
    parser.add_argument("--seed", type=int, default=7)


def _company():
    from marketdock.core.models import Company
    from marketdock.core.services import company_create

    company = Company.objects.filter(code="bench-sync").first()
    if company is None:
        company = company_create(code="bench-sync", name="재고전송 벤치", business_no="124-81-00998",
                                 admin_username="bench_sync_admin", admin_password="bench-Pass-1234!")
    return company


def _seed_catalog(company, n: int, stamp: str, rng: random.Random, out):
    from marketdock.catalog.models import SKU, Product
    from marketdock.inventory import services as inventory
    from marketdock.inventory.models import Warehouse

    warehouse = Warehouse.objects.filter(company=company, is_default=True).first() or inventory.warehouse_save(
        company=company, code="BENCH", name="벤치창고")
    products = Product.objects.bulk_create([
        Product(company=company, code=f"SS{stamp}-{i:05d}", name=f"벤치 상품 {i}", price=10000)
        for i in range(n)])
    skus = SKU.objects.bulk_create([
        SKU(company=company, product=p, code=p.code, barcode=f"B{stamp}{i:05d}") for i, p in enumerate(products)])
    out(f"{n} SKUs created; initial stock…")
    for sku in skus:
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk,
                               quantity=rng.randint(5, 60), reason="벤치 기초재고")
    return warehouse, skus


def _seed_channels(company, state, base_url: str, skus, channels: int, stamp: str, out):
    """One account per sandbox shop; each SKU listed on it (a product with one option) in the sandbox's
    own state, and linked in the OMS (Listing with the channel snapshot an import takes, ListingOption,
    OptionMapping) like a 데이터 이관."""
    from django.utils import timezone

    from marketdock.channels.models import ChannelAccount, OptionMapping
    from marketdock.listings.models import Listing, ListingOption
    from marketdock.sandbox.state import Option, Product

    listed = [s for s in state.shops.values() if s.protocol in PROTOCOL_ORDER]  # shops with listing APIs
    shops = sorted(listed, key=lambda s: (s.index, PROTOCOL_ORDER.index(s.protocol)))[:channels]
    accounts = []
    for shop in shops:
        account = ChannelAccount(company=company, kind=shop.protocol, name=f"{shop.code}-{stamp}",
                                 base_url=base_url, auto_collect=False)
        account.set_credentials(shop.credentials)
        account.save()
        accounts.append((account, shop))
        listings, options = [], []
        for sku in skus:
            pid = state.new_id(8_000_000_000 if shop.protocol != "naver" else 9_000_000_000)
            oid = state.new_id(3_000_000_000)
            with state.lock:
                shop.products.append(Product(product_id=pid, code=sku.code, name=f"{sku.code} @{shop.code}",
                                             price=10000, options=[Option(option_id=oid, name="기본", sku=sku.code,
                                                                          extra_price=0, stock=0)]))
            origin = str(int(pid) + 1) if shop.protocol == "naver" else ""
            snapshot = {"product_id": pid, "origin_product_id": origin, "name": f"{sku.code} @{shop.code}",
                        "price": 10000, "sale_status": "sold_out", "options": [
                            {"option_id": oid, "name": "기본", "stock": 0, "price_delta": 0,
                             "seller_option_code": sku.code}]}
            listings.append(Listing(company=company, account=account, product_id=sku.product_id,
                                    channel_product_id=pid, api_product_id=origin, name=f"{sku.code} @{shop.code}",
                                    price=10000, status=Listing.Status.LINKED, channel_snapshot=snapshot,
                                    last_synced_at=timezone.now()))
            options.append((sku, oid))
        Listing.objects.bulk_create(listings)
        ListingOption.objects.bulk_create([
            ListingOption(company=company, listing=lst, channel_option_id=oid, name="기본", sku=sku)
            for lst, (sku, oid) in zip(listings, options, strict=True)])
        OptionMapping.objects.bulk_create([
            OptionMapping(company=company, account=account, channel_product_id=lst.channel_product_id,
                          channel_option_id=oid, sku=sku, source=OptionMapping.Source.LISTING)
            for lst, (sku, oid) in zip(listings, options, strict=True)])
        out(f"{shop.code} ({shop.protocol}): {len(listings)} listings")
    return accounts


def _change(company, warehouse, skus, rng: random.Random, reserved: dict[int, int], n: int) -> str:
    from marketdock.inventory import services as inventory
    from marketdock.inventory.services import StockError

    sku = rng.choice(skus)
    roll = rng.random()
    try:
        if roll < 0.45:
            qty = rng.randint(1, 3)
            inventory.stock_reserve(company=company, lines=[(sku.pk, warehouse.pk, qty, ("bench", n))])
            reserved[sku.pk] = reserved.get(sku.pk, 0) + qty
            return "reserve"
        if roll < 0.65 and reserved.get(sku.pk):
            qty = rng.randint(1, reserved[sku.pk])
            inventory.stock_release(company=company, lines=[(sku.pk, warehouse.pk, qty, ("bench", n))])
            reserved[sku.pk] -= qty
            return "release"
        if roll < 0.85:
            inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk,
                                   quantity=rng.randint(1, 10), reason="벤치 입고", kind="adjustment")
            return "inbound"
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=-1,
                               reason="벤치 조정")
        return "adjust"
    except StockError:
        return "refused"


def run(options: dict, out) -> dict:
    """The stock-sync benchmark, one scripted scenario read top to bottom: sandbox and shop set up,
    random stock changes pushed by a real worker, the figures measured and reported. Over 100 lines
    because it is a script: each step's figures are read against the ones before it."""
    import logging

    from django.utils import timezone

    from marketdock.channels.connectors.http import HttpOptions
    from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
    from marketdock.channels.hosts import operator_allow
    from marketdock.channels.services import connector_for
    from marketdock.core.jobs import run_consumer_in_thread, stop_consumer
    from marketdock.listings import services
    from marketdock.listings.models import Listing
    from marketdock.listings.models_sync import ListingDirty, SyncPush
    from marketdock.outbox.models import OutboxMessage
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the figures
    rng = random.Random(options["seed"])  # noqa: S311 - a benchmark's workload, not security
    stamp = timezone.now().strftime("%m%d%H%M%S")
    state = SandboxState(seed=options["seed"], order_rate=0, initial_orders=0)
    server, base_url = serve_in_thread(SandboxApp(state))
    operator_allow(base_url)
    api_rate = float(options["api_rate"] or 0)
    if api_rate:
        limiter = LocalRateLimiter()

        def _connector(account, transport):
            return connector_for(account, options=HttpOptions(transport=transport, limiter=limiter,
                                                              rate=Rate(api_rate, max(1, int(api_rate)))))

        services.sync_transport._connector = _connector
    reconcile_all = services.stock_reconcile_all
    services.stock_reconcile_all = lambda: {"accounts": 0, "drifted": 0, "errors": 0}  # see the docstring
    consumer = None
    try:
        company = _company()
        warehouse, skus = _seed_catalog(company, options["skus"], stamp, rng, out)
        accounts = _seed_channels(company, state, base_url, skus, options["channels"], stamp, out)
        account_ids = [a.pk for a, _s in accounts]
        out("first full push…")
        consumer = run_consumer_in_thread(workers=_default_workers(), periodic=True)
        services.listings_mark_dirty(company=company, listings=Listing.objects.filter(account_id__in=account_ids),
                                          resync=True)
        full_started = timezone.now()  # the marks are committed: the push can start
        services.dirty._kick(company.pk, force=True)
        _settle(company, account_ids, options["settle"], out)
        full_push = _full_push_figures(company, accounts, full_started)
        run_started = timezone.now()
        calls_before = {s.code: s.calls for _a, s in accounts}
        out(f"{options['changes']} changes at {options['rate'] or 'max'}/s…")
        reserved: dict[int, int] = {}
        kinds: dict[str, int] = {}
        t0 = time.monotonic()
        for n in range(options["changes"]):
            if options["rate"]:
                wait = t0 + n / options["rate"] - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            kind = _change(company, warehouse, skus, rng, reserved, n)
            kinds[kind] = kinds.get(kind, 0) + 1
        changes_seconds = time.monotonic() - t0
        out("waiting for the channels to catch up…")
        settled = _settle(company, account_ids, options["settle"], out)
        stop_consumer(consumer)
        consumer = None
        pushes = list(SyncPush.objects.filter(company=company, account_id__in=account_ids, created_at__gte=run_started,
                                              kind="stock"))
        lags = [lag for p in pushes for lag in (p.lags_ms or [])]
        p50, p95 = services.lag_percentiles(lags)
        listing_pushes = len(lags)
        api_calls = sum(s.calls - calls_before[s.code] for _a, s in accounts)
        mismatches, per_channel = _compare(company, state, accounts)
        for account, shop in accounts:
            mine = [p for p in pushes if p.account_id == account.pk]
            channel_lags = [lag for p in mine for lag in (p.lags_ms or [])]
            c50, c95 = services.lag_percentiles(channel_lags)
            calls = shop.calls - calls_before[shop.code]
            per_channel[f"{shop.code} ({shop.protocol})"].update({
                "api_calls": calls, "listing_pushes": len(channel_lags), "push_cycles": len(mine),
                "api_calls_per_listing_push": round(calls / len(channel_lags), 2) if channel_lags else None,
                "lag_p50_s": round(c50, 2) if c50 is not None else None,
                "lag_p95_s": round(c95, 2) if c95 is not None else None, **full_push[account.pk]})
        return {
            "skus": options["skus"], "channels": len(accounts), "changes": options["changes"], "change_kinds": kinds,
            "changes_seconds": round(changes_seconds, 1), "api_rate": api_rate or "connector defaults",
            "api_calls": api_calls, "push_cycles": len(pushes), "listing_pushes": listing_pushes,
            "api_calls_per_listing_push": round(api_calls / listing_pushes, 2) if listing_pushes else None,
            "max_listing_pushes_per_cycle_per_listing": 1,
            "lag_p50_s": round(p50, 2) if p50 is not None else None,
            "lag_p95_s": round(p95, 2) if p95 is not None else None,
            "lag_max_s": round(max(lags) / 1000, 2) if lags else None,
            "settled": settled, "final_mismatches": mismatches, "per_channel": per_channel,
            "left_dirty": ListingDirty.objects.filter(company=company).count(),
            "outbox_failed": OutboxMessage.objects.filter(company=company, status__in=["failed", "dead"]).count(),
        }
    finally:
        if consumer is not None:
            stop_consumer(consumer)
        services.stock_reconcile_all = reconcile_all
        server.shutdown()
        server.server_close()


def _full_push_figures(company, accounts, started) -> dict[int, dict]:
    """Per account: how long the first full push took (marked → last listing acknowledged), its API
    calls, and the floor the connector's documented limits allow for that many listings."""
    from django.db.models import Max, Sum

    from marketdock.listings import services
    from marketdock.listings.models import Listing
    from marketdock.listings.models_sync import SyncPush

    out = {}
    for account, _shop in accounts:
        n = Listing.objects.filter(company=company, account=account).count()
        agg = SyncPush.objects.filter(company=company, account=account, created_at__gte=started).aggregate(
            last=Max("acked_at"), calls=Sum("api_calls"))
        with services.sync_transport._connector(account, services.sync_transport._CountingTransport()) as conn:
            floor = conn.stock_push_floor(n)
        took = (agg["last"] - started).total_seconds() if agg["last"] else None
        out[account.pk] = {
            "full_push_listings": n, "full_push_api_calls": agg["calls"] or 0,
            "floor_s": round(floor, 2), "full_push_s": round(took, 2) if took is not None else None,
            "full_push_vs_floor": round(took / floor, 2) if took is not None and floor > 0 else None}
    return out


def _default_workers() -> int:
    from django.conf import settings

    return int(settings.HUEY.get("consumer", {}).get("workers", 4))


def _settle(company, account_ids, limit: float, out) -> bool:
    from marketdock.listings.models_sync import ListingDirty
    from marketdock.outbox.models import OutboxMessage

    deadline = time.monotonic() + limit
    quiet = 0
    while time.monotonic() < deadline:
        busy = ListingDirty.objects.filter(company=company, account_id__in=account_ids).exists() or \
            OutboxMessage.objects.filter(company=company, status__in=["pending", "sending"]).exists()
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return True
        time.sleep(0.5)
    out("did not settle in time")
    return False


def _compare(company, state, accounts) -> tuple[int, dict]:
    from marketdock.listings.models import Listing
    from marketdock.listings.services import channel_stock

    total = 0
    per_channel = {}
    for account, shop in accounts:
        listings = list(Listing.objects.filter(company=company, account=account))
        want = channel_stock(company, listings)
        with state.lock:
            have = {(p.product_id, o.option_id): o.stock for p in shop.products for o in p.options}
        bad = sum(1 for lst in listings for oid, qty in want[lst.pk].options.items()
                  if have.get((lst.channel_product_id, oid)) != qty)
        per_channel[f"{shop.code} ({shop.protocol})"] = {"listings": len(listings), "mismatches": bad}
        total += bad
    return total, per_channel


register("stocksync", help="stock push on change to 3 sandbox channels: api calls, lag, final mismatches",
         add_arguments=add_arguments, run=run)
