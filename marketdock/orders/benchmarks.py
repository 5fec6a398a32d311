"""Order collection benchmarks for `marketdock bench`.

`ingest`: generated Coupang ordersheet pages (raw JSON as the marketplace sends it: 1–3 items per
shipment box, Korean names; a third of the items match a SKU by listing mapping, a third by seller
code, a third not at all; stock present) go through the real path in-process — `parse_list_response`
→ `channel_orders_ingest` (upsert → match → reserve) — one transaction per page, streamed (pages are
generated one at a time, nothing is kept). Then the same pages again (all unchanged), then a plain
batched insert of the same order and line rows into the same tables for comparison.

`chaos`: collection from the sandbox marketplace over HTTP with every fault on (429, 500, timeouts,
duplicates across pages, a malformed order) in a child process that is SIGKILLed midway; after the
claim's lease runs out the collection runs again. The database must then hold exactly the sandbox's
orders: `duplicates` and `lost` are 0 and `quarantined` equals the malformed records.
"""

from __future__ import annotations

import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from marketdock.core.bench import register

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "지우", "하은", "도윤", "서윤", "예준", "지호", "수아", "지민", "현우", "유진", "건우", "채원"]
ADDRESSES = [("06236", "서울특별시 강남구 테헤란로 152", "강남파이낸스센터 21층"),
             ("13529", "경기도 성남시 분당구 판교역로 166", "카카오판교아지트 B동"),
             ("48058", "부산광역시 해운대구 센텀중앙로 79", "센텀사이언스파크 1203호"),
             ("61945", "광주광역시 서구 내방로 111", "102동 1504호")]
PRODUCTS = ["기모 트레이닝 팬츠", "구스 경량 점퍼", "섬유향수 500ml", "무선 충전 패드", "스테인리스 텀블러 473ml",
            "유기농 현미 4kg"]
N_OPTIONS = 300  # vendor items; i % 3 == 0 mapped, == 1 seller code, == 2 unmatched
PAGE = 50  # Coupang's page size


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


def _sku_code(i: int) -> str:
    return f"BN-{i:04d}"


def ordersheet(seq: int, base: datetime) -> dict:
    """One Coupang ordersheet (a shipment box), deterministic per seq."""
    rng = random.Random(seq)  # noqa: S311 - benchmark data
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    postal, addr1, addr2 = rng.choice(ADDRESSES)
    phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"
    ordered = base + timedelta(seconds=seq)
    items = []
    for opt in rng.sample(range(N_OPTIONS), rng.choice((1, 1, 2, 3))):
        qty = rng.choice((1, 1, 1, 2, 3))
        price = 10_000 + (opt % 50) * 500
        items.append({
            "vendorItemId": 3_000_000_000 + opt, "sellerProductId": 8_000_000 + opt // 3,
            "sellerProductName": PRODUCTS[opt % len(PRODUCTS)], "sellerProductItemName": f"옵션 {opt}",
            "externalVendorSkuCode": _sku_code(opt) if opt % 3 == 1 else "",
            "shippingCount": qty, "salesPrice": price, "orderPrice": price * qty, "discountPrice": 0,
            "cancelCount": 0, "holdCountForCancel": 0,
        })
    kst = ordered.astimezone().strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "shipmentBoxId": 900_000_000_000 + seq, "orderId": 200_000_000_000 + seq, "orderedAt": kst, "paidAt": kst,
        "status": "ACCEPT", "shippingPrice": 3000 if seq % 2 else 0, "remotePrice": 0,
        "orderer": {"name": name, "email": f"b{seq}@example.com", "safeNumber": phone},
        "receiver": {"name": name, "safeNumber": phone, "addr1": addr1, "addr2": addr2, "postCode": postal},
        "parcelPrintMessage": "문 앞에 놓아주세요", "orderItems": items,
    }


def pages(total: int, base: datetime) -> Iterator[dict]:
    for start in range(0, total, PAGE):
        yield {"code": "200", "message": "OK",
               "data": [ordersheet(seq, base) for seq in range(start, min(total, start + PAGE))], "nextToken": ""}


def _setup(company_code: str | None = None):
    """A fresh company per run (earlier runs' orders would be duplicates of this run's buyers)."""
    from django.utils import timezone

    from marketdock.catalog.models import SKU, Product
    from marketdock.channels.models import ChannelAccount, OptionMapping
    from marketdock.core.models import Company
    from marketdock.inventory import services as inv

    company_code = company_code or "bench-" + timezone.now().strftime("%m%d%H%M%S%f")
    # a bare company (no users: a password hash would dominate the peak memory figure)
    company = Company.objects.create(code=company_code, name="벤치마크", business_no="124-81-00998")
    warehouse = inv.warehouse_default(company) or inv.warehouse_save(company=company, code="BENCH", name="벤치창고")
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    account = ChannelAccount(company=company, kind="coupang", name=f"벤치 {stamp}")
    account.set_credentials({"vendor_id": "A00000000", "access_key": "bench", "secret_key": "bench"})
    account.save()
    if not SKU.objects.filter(company=company, code=_sku_code(0)).exists():
        product = Product.objects.create(company=company, code="BENCH-ORDERS", name="벤치 주문상품")
        SKU.objects.bulk_create([SKU(company=company, product=product, code=_sku_code(i), barcode=f"BNB-{i:04d}")
                                 for i in range(N_OPTIONS)])
        for pk in SKU.objects.filter(company=company, code__startswith="BN-").values_list("pk", flat=True):
            inv.stock_adjust(company=company, sku_id=pk, warehouse_id=warehouse.pk, quantity=100_000_000,
                             reason="벤치마크 기초재고")
    skus = dict(SKU.objects.filter(company=company, code__startswith="BN-").values_list("code", "pk"))
    OptionMapping.objects.bulk_create([
        OptionMapping(company=company, account=account, channel_product_id=str(8_000_000 + i // 3),
                      channel_option_id=str(3_000_000_000 + i), sku_id=skus[_sku_code(i)], quantity=1 + (i % 2))
        for i in range(0, N_OPTIONS, 3)])
    return company, account


def ingest_add_arguments(parser) -> None:
    parser.add_argument("--orders", type=int, default=20000, help="orders (shipment boxes) to ingest")


# a plain batched insert of the same rows into the same tables (another account), twice: orders +
# lines only, and every row the ingest writes (orders, lines, components, events, stock movements)
def _raw_insert(company, account, total: int, base: datetime, *, everything: bool) -> float:
    from django.db import reset_queries, transaction

    from marketdock.catalog.models import SKU
    from marketdock.channels.connectors.coupang import parse_list_response
    from marketdock.channels.models import ChannelAccount
    from marketdock.inventory.models import StockMovement, Warehouse
    from marketdock.orders import events
    from marketdock.orders.models import Order, OrderLine, OrderLineComponent
    from marketdock.orders.services import payload_hash
    from marketdock.orders.services.ingest import _header_values, _line_values

    raw_account = ChannelAccount.objects.create(company=company, kind="coupang",
                                                name=f"{account.name} raw{int(everything)}")
    skus = dict(SKU.objects.filter(company=company, code__startswith="BN-").values_list("code", "pk"))
    warehouse = Warehouse.objects.get(company=company, is_default=True)
    seconds = 0.0
    for payload in pages(total, base):
        orders, _errors, _ = parse_list_response(payload)
        heads: dict[str, Order] = {}
        rows: list[tuple[str, dict]] = []
        for co in orders:
            heads.setdefault(co.order_id, Order(company=company, account=raw_account, channel_order_id=co.order_id,
                                                **_header_values(co)))
            rows.append((co.order_id, dict(_line_values(co, payload_hash(co)), channel_line_id=co.order_line_id)))
        began = time.perf_counter()
        with transaction.atomic():
            Order.objects.bulk_create(list(heads.values()))
            lines = OrderLine.objects.bulk_create([
                OrderLine(company=company, account=raw_account, order=heads[oid], **values) for oid, values in rows])
            if everything:
                sku_of = [skus[_sku_code(int(ln.channel_option_id) - 3_000_000_000)] for ln in lines]
                OrderLineComponent.objects.bulk_create([
                    OrderLineComponent(company=company, line=ln, sku_id=sku, quantity=ln.quantity)
                    for ln, sku in zip(lines, sku_of, strict=True)])
                events.record_all([events.event(company=company, order=o, kind="collected", message="주문 수집")
                                   for o in heads.values()])
                StockMovement.objects.bulk_create([
                    StockMovement(company=company, sku_id=sku, warehouse=warehouse, kind="reserve", quantity=0,
                                  reserved_change=0, on_hand_after=0, reserved_after=0,  # same row shape, no drift
                                  reference_type="order_line", reference_id=str(ln.pk))
                    for ln, sku in zip(lines, sku_of, strict=True)])
        seconds += time.perf_counter() - began
        reset_queries()
    return seconds


def ingest_run(options: dict, out) -> dict:
    """Ingest throughput: first collection, re-collection, and a plain batched insert for comparison."""
    from django.db import connection, reset_queries

    from marketdock.channels.connectors.coupang import parse_list_response
    from marketdock.orders.models import (
        CollectionRun,
        Order,
        StockState,
    )
    from marketdock.orders.services import channel_orders_ingest, collection_run_open

    total = options["orders"]
    if total < 1:
        raise ValueError("--orders must be >= 1")
    company, account = _setup()
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    out(f"{connection.vendor}: {total} orders in pages of {PAGE}")

    def feed(run) -> tuple[float, int]:
        seconds, lines = 0.0, 0
        for payload in pages(total, base):
            began = time.perf_counter()
            orders, errors, _ = parse_list_response(payload)
            channel_orders_ingest(account=account, orders=orders, run=run, errors=errors)
            seconds += time.perf_counter() - began
            lines += len(orders)
            reset_queries()
        return seconds, lines

    run = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
    first_seconds, lines = feed(run)
    run.refresh_from_db()
    out(f"first ingest: {first_seconds:.1f}s created={run.created} quarantined={run.quarantined}")
    again = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
    recollect_seconds, _ = feed(again)
    again.refresh_from_db()
    out(f"re-collect: {recollect_seconds:.1f}s unchanged={again.unchanged}")

    raw_seconds = _raw_insert(company, account, total, base, everything=False)
    raw_all_seconds = _raw_insert(company, account, total, base, everything=True)

    created = Order.objects.filter(company=company, account=account).count()
    states = dict(Order.objects.filter(company=company, account=account).values_list("stock_state")
                  .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id")).order_by())
    matched = Order.objects.filter(company=company, account=account, is_matched=True).count()
    return {
        "database": connection.vendor,
        "orders": total,
        "lines": lines,
        "db_orders": created,
        "matched_orders": matched,
        "reserved_orders": states.get(StockState.RESERVED, 0),
        "unchanged_on_recollect": again.unchanged,
        "seconds": round(first_seconds, 2),
        "orders_per_s": round(total / first_seconds, 1),
        "recollect_seconds": round(recollect_seconds, 2),
        "recollect_orders_per_s": round(total / recollect_seconds, 1),
        "raw_insert_seconds": round(raw_seconds, 2),
        "raw_insert_orders_per_s": round(total / raw_seconds, 1),
        "raw_insert_rows": "orders + order lines",
        "ratio_to_raw": round(raw_seconds / first_seconds, 3),
        "raw_insert_all_rows_orders_per_s": round(total / raw_all_seconds, 1),
        "raw_insert_all_rows": "orders + lines + components + events + stock movements",
        "ratio_to_raw_all_rows": round(raw_all_seconds / first_seconds, 3),
        "recollect_speedup": round(first_seconds / recollect_seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


register("ingest", help="Order upsert → match → reserve throughput on generated Coupang pages, re-collection, "
                        "and a plain batched insert for comparison.", add_arguments=ingest_add_arguments, run=ingest_run)


# --- chaos -------------------------------------------------------------------------------------------

CHAOS_SHOPS = ("naver-demo", "coupang-demo", "shopify-demo", "elevenst-demo", "cafe24-demo", "gmarket-demo",
               "auction-demo")
# 11st's order lists have no paging (one answer per list and ≤ 7-day window): its page size is not used
CHAOS_PAGE_SIZES = {"naver": 7, "coupang": 5, "shopify": 8, "elevenst": 0, "cafe24": 6,
                    "gmarket": 20, "auction": 20}  # ESM: 1 order lookup per 5 s, so fewer, larger pages
# the protocol each sandbox shop speaks: G마켓 and 옥션 are the one ESM Trading API
CHAOS_PROTOCOLS = {"naver": "naver", "coupang": "coupang", "shopify": "shopify", "elevenst": "elevenst",
                   "cafe24": "cafe24", "gmarket": "esm", "auction": "esm"}
# ESM answers a second order lookup within 5 s per seller ID with ResultCode 3000, and the connector paces
# itself at 1 call per 5.3 s. Chaos is about faults and a killed worker, not that pacing: unless
# --esm-real-interval is given the sandbox lifts the interval and the worker uses this rate for ESM.
CHAOS_ESM_RATE = 20.0
PROTOCOL_FIGURES = ("sandbox_orders", "sandbox_lines", "orders", "lines", "duplicates", "lost", "extra",
                    "quarantined", "malformed", "killed_after_pages", "runs")


def chaos_add_arguments(parser) -> None:
    parser.add_argument("--orders-per-shop", type=int, default=60, help="sandbox orders per shop")
    parser.add_argument("--kill-after-pages", type=int, default=3, help="SIGKILL the worker after this many pages")
    parser.add_argument("--shops", default=",".join(CHAOS_SHOPS),
                        help="comma-separated sandbox shops to collect from (default: one of each protocol)")
    parser.add_argument("--esm-real-interval", action="store_true",
                        help="keep ESM's 1 order lookup per 5 s (slow: several minutes per G마켓/옥션 shop)")
    parser.add_argument("--child-account", type=int, default=0, help=argparse_hidden())
    parser.add_argument("--child-esm-rate", type=float, default=0.0, help=argparse_hidden())


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def _child(account_id: int, esm_rate: float = 0.0) -> dict:
    """The worker process: one collection with short HTTP timeouts (the sandbox's timeouts are longer);
    with `esm_rate` the ESM connector paces itself at that rate instead of 1 call per 5.3 s."""
    import httpx

    from marketdock.channels.connectors.http import HttpOptions
    from marketdock.channels.connectors.ratelimit import Rate
    from marketdock.orders.services import collection

    rate = Rate(per_second=esm_rate, burst=1) if esm_rate else None
    collection.connector_options = lambda account: HttpOptions(
        timeout=httpx.Timeout(1.0, connect=2.0), rate=rate if CHAOS_PROTOCOLS.get(account.kind) == "esm" else None)
    return collection.collection_execute(account_id=account_id)


def chaos_run(options: dict, out) -> dict:
    import httpx
    from django.db import connection
    from django.utils import timezone

    from marketdock.channels.hosts import operator_allow
    from marketdock.channels.models import ChannelAccount
    from marketdock.orders.models import CollectionRun, Order, OrderLine, QuarantinedRecord
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    if options.get("child_account"):
        return _child(options["child_account"], options.get("child_esm_rate") or 0.0)
    company, _account = _setup()
    state = SandboxState(seed=int(time.time()) % 100000, order_rate=0, initial_orders=options["orders_per_shop"])
    server, base = serve_in_thread(SandboxApp(state), port=0)
    operator_allow(base)
    shops = {s["code"]: s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"]}
    codes = [code.strip() for code in options["shops"].split(",") if code.strip()]
    unknown = [code for code in codes if code not in shops]
    if unknown or not codes:
        raise ValueError(f"unknown sandbox shop(s): {', '.join(unknown) or '(none given)'}; "
                         f"known: {', '.join(sorted(shops))}")
    esm_rate = 0.0 if options.get("esm_real_interval") else CHAOS_ESM_RATE
    totals = {"sandbox_orders": 0, "sandbox_lines": 0, "db_orders": 0, "db_lines": 0, "duplicates": 0, "lost": 0,
              "extra": 0, "quarantined": 0, "malformed": 0, "killed_after_pages": 0, "runs": 0}
    per_shop = {}
    per_protocol: dict[str, dict] = {}
    try:
        for code in codes:
            info = shops[code]
            faults = {"rate_limit_every": 5, "retry_after": 1, "error_500_every": 7, "timeout_every": 11,
                      "timeout_seconds": 1.5, "duplicate_items": True, "malformed_order": True}
            if CHAOS_PROTOCOLS[info["protocol"]] == "esm" and esm_rate:
                faults["esm_lookup_interval"] = 0
            httpx.post(f"{base}/_sandbox/shops/{code}/faults", json=faults).raise_for_status()
            stamp = timezone.now().strftime("%H%M%S%f")
            account = ChannelAccount(company=company, kind=info["protocol"], name=f"chaos {code} {stamp}",
                                     base_url=base, options={"page_size": CHAOS_PAGE_SIZES[info["protocol"]]},
                                     collected_until=timezone.now() - timedelta(days=4))
            account.set_credentials(info["credentials"])
            account.save()
            if info["protocol"] == "cafe24":  # OAuth: the pair the consent would give (seeded, no browser)
                from marketdock.channels.demo import seed_sandbox_cafe24_tokens

                seed_sandbox_cafe24_tokens(account, code, state.seed, access_valid=True)
            command = [sys.executable, "-m", "marketdock.manage", "bench", "chaos", "--no-migrate", "--json",
                       "--child-account", str(account.pk), "--child-esm-rate", str(esm_rate)]
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            killed_at = 0
            deadline = time.monotonic() + 300
            while child.poll() is None and time.monotonic() < deadline:
                pages = sum(CollectionRun.objects.filter(account=account).values_list("pages", flat=True))
                if pages >= options["kill_after_pages"]:
                    child.send_signal(signal.SIGKILL)
                    killed_at = pages
                    break
                time.sleep(0.05)
            child.wait(timeout=60)
            out(f"{code}: worker killed after {killed_at} pages (exit {child.returncode})")
            # the dead worker's claim ends with its lease; then the next worker collects again
            ChannelAccount.objects.filter(pk=account.pk).update(next_collect_at=timezone.now() - timedelta(seconds=1))
            again = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if again.returncode != 0:
                raise RuntimeError(f"second collection failed: {again.stderr[-2000:]}")
            truth = httpx.get(f"{base}/_sandbox/shops/{code}/orders").json()
            good = [o for o in truth["orders"] if not o["malformed"]]
            bad = [o for o in truth["orders"] if o["malformed"]]
            want = {line for o in good for line in o["line_ids"]}
            have = list(OrderLine.objects.filter(account=account).values_list("channel_line_id", flat=True))
            orders = list(Order.objects.filter(account=account).values_list("channel_order_id", flat=True))
            quarantined = set(QuarantinedRecord.objects.filter(account=account).values_list("channel_order_id",
                                                                                            flat=True))
            shop = {
                "sandbox_orders": len(good), "sandbox_lines": len(want), "db_orders": len(set(orders)),
                "db_lines": len(set(have)),
                "duplicates": (len(have) - len(set(have))) + (len(orders) - len(set(orders))),
                "lost": len(want - set(have)), "extra": len(set(have) - want),
                "quarantined": len(quarantined), "malformed": len(bad),
                "killed_after_pages": killed_at, "runs": CollectionRun.objects.filter(account=account).count(),
            }
            per_shop[code] = shop
            for key, value in shop.items():
                totals[key] += value
            protocol = per_protocol.setdefault(CHAOS_PROTOCOLS[info["protocol"]],
                                               {"shops": [], **dict.fromkeys(PROTOCOL_FIGURES, 0)})
            protocol["shops"].append(code)
            for key in PROTOCOL_FIGURES:
                protocol[key] += shop[{"orders": "db_orders", "lines": "db_lines"}.get(key, key)]
            out(f"{code}: {shop}")
    finally:
        server.shutdown()
        server.server_close()
    return {"database": connection.vendor, "protocols": list(per_protocol), **totals,
            "per_protocol": per_protocol, "shops": per_shop,
            "faults": "429 every 5th call, 500 every 7th, timeout every 11th, duplicates across pages, "
                      "a malformed order, worker SIGKILLed midway",
            "esm_lookup_interval": "real (5 s)" if not esm_rate else
            f"lifted in the sandbox; ESM worker paced at {esm_rate:g} calls/s"}


register("chaos", help="Collect from the sandbox over HTTP with every fault on and the worker SIGKILLed midway: "
                       "0 duplicates, 0 lost.", add_arguments=chaos_add_arguments, run=chaos_run)
