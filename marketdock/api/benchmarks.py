"""Open API benchmark for `marketdock bench api`.

Starts the real WSGI application on a threaded server bound to 127.0.0.1 (loopback only) and runs
`--clients` concurrent API clients against it: each registers tracking numbers (one order each, through
the order flow and the outbox) and stock adjustments (through the ledger), every write with an
`Idempotency-Key`; `--repeat` of the writes are sent twice at the same moment from two clients with the
same key. Meanwhile one client polls the change feed with a key of `--limited-rate` calls per minute,
so the rate limit answers 429 with Retry-After.

Figures: requests, ok (2xx), rate_limited (429), server_errors (5xx or no answer), duplicate_effects
(an order with more than one dispatch message, or a stock adjustment applied more than once — must be
0), p50_ms / p95_ms (per request, all requests).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from statistics import quantiles

from marketdock.core.bench import register

COMPANY_CODE = "bench-api"
CARRIER = "cj"


def add_arguments(parser) -> None:
    parser.add_argument("--clients", type=int, default=8, help="concurrent API clients (at most 32)")
    parser.add_argument("--orders", type=int, default=200, help="orders to register a tracking number for")
    parser.add_argument("--adjustments", type=int, default=400, help="stock adjustments")
    parser.add_argument("--repeat", type=float, default=0.25, help="share of writes sent twice with the same key")
    parser.add_argument("--limited-rate", type=int, default=60, help="per-minute limit of the polling key")
    parser.add_argument("--polls", type=int, default=150, help="change-feed calls with the limited key")
    parser.add_argument("--port", type=int, default=8171, help="loopback port of the benchmark server")
    parser.add_argument("--seed", type=int, default=7)


def _company():
    from marketdock.core.models import Company
    from marketdock.core.services import company_create

    return Company.objects.filter(code=COMPANY_CODE).first() or company_create(
        code=COMPANY_CODE, name="API 벤치", business_no="124-81-00998", admin_username="bench_api_admin",
        admin_password="bench-Pass-1234!")


def _tracking_numbers(n: int) -> list[str]:
    """Numbers the carrier's rule accepts (the check digit is the carrier's business)."""
    from marketdock.orders.services import FlowError, shipment_from_tracking

    out, candidate = [], 630100000000
    while len(out) < n:
        candidate += 1
        try:
            out.append(shipment_from_tracking(CARRIER, str(candidate)).number)
        except FlowError:
            continue
    return out


def _seed(company, n_orders: int, stamp: str, out):
    """SKUs with stock, and `n_orders` orders collected through the ingest and moved to 출고준비."""
    from datetime import UTC, datetime

    from marketdock.catalog.models import SKU, Product
    from marketdock.channels.connectors.models import ChannelOrder
    from marketdock.channels.models import ChannelAccount
    from marketdock.inventory import services as inventory
    from marketdock.orders import services as orders
    from marketdock.orders.models import Order, OrderStatus

    warehouse = inventory.warehouse_default(company) or inventory.warehouse_save(
        company=company, code="BENCH", name="벤치창고", is_default=True)
    products = Product.objects.bulk_create([Product(company=company, code=f"AP{stamp}-{i}", name=f"API 벤치 {i}")
                                            for i in range(20)])
    skus = SKU.objects.bulk_create([SKU(company=company, product=p, code=p.code, barcode=f"B{p.code}")
                                    for p in products])
    for sku in skus:
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=100_000,
                               reason="벤치 기초재고")
    account = ChannelAccount(company=company, kind="coupang", name=f"API 벤치 {stamp}", base_url="http://127.0.0.1:9",
                             auto_collect=False)
    account.set_credentials({"vendor_id": "A1", "access_key": "k", "secret_key": "s"})
    account.save()
    lines = [ChannelOrder(marketplace="coupang", order_id=f"{stamp}-{i}", order_line_id=f"{stamp}-{i}-1",
                          ordered_at=datetime.now(UTC), status="new", raw_status="ACCEPT", recipient_name="홍길동",
                          recipient_phone="010-1234-5678", recipient_address1="서울특별시 중구 세종대로 110",
                          seller_option_code=skus[i % len(skus)].code, product_name="API 벤치", quantity=1,
                          unit_price=10000, total_amount=10000) for i in range(n_orders)]
    run = orders.collection_run_open(account=account)
    for start in range(0, len(lines), 100):
        orders.channel_orders_ingest(account=account, orders=lines[start:start + 100], run=run)
    found = list(Order.objects.filter(company=company, account=account))
    for to in (OrderStatus.CONFIRMED, OrderStatus.READY):
        orders.order_transition(company=company, orders=found, to=to, user=None)
    out(f"{len(found)} orders ready, {len(skus)} SKUs")
    return account, [o.pk for o in found], [s.pk for s in skus]


def _serve(port: int):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), Quiet, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _jobs(order_ids, sku_ids, numbers, adjustments: int, repeat: float, stamp: str, rng) -> list:
    jobs = []
    for pk, number in zip(order_ids, numbers, strict=False):
        jobs.append(("POST", f"/api/v1/orders/{pk}/tracking", {"carrier": CARRIER, "number": number}, f"t-{stamp}-{pk}"))
    for n in range(adjustments):
        key = f"a-{stamp}-{n}"
        jobs.append(("POST", "/api/v1/stock/adjustments",
                     {"items": [{"sku_id": rng.choice(sku_ids), "quantity": rng.choice((-1, 1, 2)), "reason": key}]}, key))
    rng.shuffle(jobs)
    out = []
    for job in jobs:  # a repeated write goes in twice side by side, so two clients send it at once
        out.append(job)
        if rng.random() < repeat:
            out.append(job)
    return out


class _Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.codes: dict[int, int] = {}

    def add(self, status: int, ms: float) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.codes[status] = self.codes.get(status, 0) + 1


def _client(base: str, token: str, queue: list, lock, tally: _Tally) -> None:
    import httpx

    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        while True:
            with lock:
                if not queue:
                    return
                method, path, body, key = queue.pop()
            started = time.perf_counter()
            try:
                status = http.request(method, path, json=body, headers={"Idempotency-Key": key} if key else {}).status_code
            except httpx.HTTPError:
                status = 599
            tally.add(status, (time.perf_counter() - started) * 1000)


def _duplicates(company, stamp: str) -> int:
    from django.db.models import Count

    from marketdock.inventory.models import StockMovement
    from marketdock.orders.models import OrderEffect

    dispatch = OrderEffect.objects.filter(company=company, kind="dispatch", order__account__name=f"API 벤치 {stamp}") \
        .values("order_id").annotate(n=Count("id")).filter(n__gt=1).count()
    adjusted = StockMovement.objects.filter(company=company, reason__startswith=f"a-{stamp}-") \
        .values("reason").annotate(n=Count("id")).filter(n__gt=1).count()
    return dispatch + adjusted


def run(options, out) -> dict:
    import logging

    from django.db import connection

    from marketdock.api import services

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    rng, stamp = random.Random(options["seed"]), uuid.uuid4().hex[:6]
    company = _company()
    account, order_ids, sku_ids = _seed(company, options["orders"], stamp, out)
    writer = services.api_key_create(company=company, name=f"벤치 {stamp}", scopes=["orders:write", "stock:write"],
                                     rate_per_minute=100_000).token
    poller = services.api_key_create(company=company, name=f"벤치 폴링 {stamp}", scopes=["orders:read"],
                                     rate_per_minute=options["limited_rate"]).token
    queue = _jobs(order_ids, sku_ids, _tracking_numbers(len(order_ids)), options["adjustments"], options["repeat"],
                  stamp, rng)[::-1]
    polls = [("GET", "/api/v1/changes?size=10", None, "")] * options["polls"]
    server = _serve(options["port"])
    base, lock, poll_lock, tally = f"http://127.0.0.1:{options['port']}", threading.Lock(), threading.Lock(), _Tally()
    out(f"{len(queue)} writes by {options['clients']} clients, {len(polls)} polls with a {options['limited_rate']}/min key")
    started = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(base, writer, queue, lock, tally))
               for _ in range(max(1, min(32, options["clients"])))]
    threads.append(threading.Thread(target=_client, args=(base, poller, polls, poll_lock, tally)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    server.shutdown()
    cuts = quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    codes = tally.codes
    return {
        "requests": sum(codes.values()), "ok": sum(n for c, n in codes.items() if 200 <= c < 300),
        "rate_limited": codes.get(429, 0), "server_errors": sum(n for c, n in codes.items() if c >= 500),
        "duplicate_effects": _duplicates(company, stamp), "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1),
        "other_4xx": sum(n for c, n in codes.items() if 400 <= c < 500 and c != 429),
        "seconds": round(seconds, 1), "requests_per_s": round(sum(codes.values()) / seconds, 1),
        "clients": options["clients"], "database": connection.vendor,
    }


register("api", help="Concurrent API clients on loopback: tracking numbers and stock adjustments with idempotency "
                     "keys (some repeated at once) while a limited key hits the rate limit; no 5xx, no duplicate effect",
         add_arguments=add_arguments, run=run)
