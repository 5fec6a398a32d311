"""Sales dashboard benchmark for `marketdock bench analytics`.

Fills the database (once; later runs reuse the rows) with generated orders of one company over 3
channel accounts, 2 years and 2,000 SKUs (bulk inserts; 1–3 lines per order; about 4% of lines
cancelled, some of them days later, 2.5% returned, 0.5% exchanged), builds the rollup from scratch
(`rollup_seconds`), then makes the changes a day brings (cancels and returns of older orders, new
orders today) and refreshes incrementally, and checks that a full rebuild gives exactly the same
rows (`rebuild_agrees`). Then requests the real screens through the Django test Client as a
logged-in user — 이번 달, a year by channel (monthly), the heat map, the channel comparison and the
top 50 products — and prints p50/p95 and the SQL queries per page (the same for every period).
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from datetime import timedelta

from marketdock.core.bench import register

COMPANY_CODE = "benchsales"
BATCH = 5000
SKUS = 2000
DAYS = 730
HOURS = [1, 1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 10, 9, 8, 8, 8, 9, 10, 11, 13, 14, 10, 4]  # KST hour weights


def add_arguments(parser) -> None:
    parser.add_argument("--lines", type=int, default=100_000, help="order lines in the benchmark company")
    parser.add_argument("--rounds", type=int, default=5, help="times each screen is requested")


def _company(out):
    from marketdock.catalog.models import SKU, Product
    from marketdock.channels.models import ChannelAccount, ChannelKind
    from marketdock.core.models import Company, User
    from marketdock.core.services import company_create

    company = Company.objects.filter(code=COMPANY_CODE).first()
    if company is None:
        company = company_create(code=COMPANY_CODE, name="매출 벤치마크", business_no="211-87-00014",
                                 admin_username="benchsales_admin", admin_password="bench-Pass-1234!")
    accounts = []
    for kind, name in ((ChannelKind.NAVER, "스마트스토어"), (ChannelKind.COUPANG, "쿠팡"),
                       (ChannelKind.ELEVENST, "11번가")):
        account, _created = ChannelAccount.objects.get_or_create(company=company, name=name, defaults={"kind": kind})
        accounts.append(account)
    have = SKU.objects.filter(company=company).count()
    if have < SKUS:
        out(f"creating {SKUS} SKUs")
        products = Product.objects.bulk_create([Product(company=company, code=f"BP{i:05d}", name=f"벤치 상품 {i}",
                                                        price=1000 * (5 + i % 60)) for i in range(SKUS)])
        if products[0].pk is None:
            products = list(Product.objects.filter(company=company, code__startswith="BP").order_by("code"))
        SKU.objects.bulk_create([SKU(company=company, product=p, code=f"BS{i:05d}", barcode=f"88{i:011d}")
                                 for i, p in enumerate(products)])
    skus = list(SKU.objects.filter(company=company).order_by("pk").values_list("pk", flat=True))[:SKUS]
    user = User.objects.get(username="benchsales_admin")
    return company, accounts, skus, user


def _fill(company, accounts, skus, target: int, out) -> int:
    """Insert generated orders until the company has `target` lines."""
    from django.db import connection, transaction
    from django.utils import timezone

    from marketdock.orders.models import Order, OrderLine, OrderLineComponent

    have = OrderLine.objects.filter(company=company).count()
    if have >= target:
        out(f"reusing {have} lines")
        return have
    rng = random.Random(have)
    now = timezone.now()
    start = time.perf_counter()
    n, seq = have, Order.objects.filter(company=company).count()
    hours = list(range(24))
    prices = [9900 + 1000 * (i % 60) for i in range(SKUS)]
    while n < target:
        orders, plans = [], []
        while len(plans) < BATCH and n < target:
            seq += 1
            account = accounts[rng.choices((0, 1, 2), (5, 3, 2))[0]]
            day = rng.randint(0, DAYS - 1)
            ordered = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0) \
                + timedelta(hours=rng.choices(hours, HOURS)[0] - 9, minutes=rng.randint(0, 59))
            ordered = min(ordered, now)
            k = min(rng.choices((1, 2, 3), (6, 3, 1))[0], target - n)
            lines = []
            for _i in range(k):
                sku_i = int(rng.paretovariate(1.2)) % SKUS
                qty = rng.choices((1, 2, 3), (8, 2, 1))[0]
                roll = rng.random()
                status, cstatus = ("cancelled", "cancelled") if roll < 0.04 else (
                    ("delivered", "returned") if roll < 0.065 else (
                        ("delivered", "exchange_requested") if roll < 0.07 else ("delivered", "delivered")))
                lines.append((skus[sku_i], qty, prices[sku_i] * qty, status, cstatus))
            shipped = None if all(ln[3] == "cancelled" for ln in lines) else ordered + timedelta(
                hours=rng.randint(4, 96))
            shipped = shipped if shipped and shipped < now else None
            order_status = "cancelled" if shipped is None and all(ln[3] == "cancelled" for ln in lines) else (
                "delivered" if shipped else "new")
            no = f"S{seq:09d}"
            orders.append(Order(company=company, account=account, channel_order_id=no, status=order_status,
                                ordered_at=ordered, paid_at=ordered, collected_at=ordered, changed_at=ordered,
                                total_amount=sum(ln[2] for ln in lines), shipping_fee=rng.choice((0, 0, 3000)),
                                shipped_at=shipped, line_count=k, is_matched=True, item_summary="벤치 상품"))
            plans.append((account, lines, shipped, ordered))
            n += k
        with transaction.atomic():
            created = Order.objects.bulk_create(orders, batch_size=BATCH)
            if created[0].pk is None:
                by_no = dict(Order.objects.filter(company=company, channel_order_id__in=[o.channel_order_id
                                                                                        for o in orders])
                             .values_list("channel_order_id", "pk"))
                for o in created:
                    o.pk = by_no[o.channel_order_id]
            line_rows, sku_of = [], []
            for o, (account, lines, shipped, ordered) in zip(created, plans, strict=True):
                due = (ordered + timedelta(days=2)).date()
                for i, (sku_id, qty, total, status, cstatus) in enumerate(lines):
                    line_rows.append(OrderLine(
                        company=company, order_id=o.pk, account=account, channel_line_id=f"{o.channel_order_id}-{i}",
                        product_name="벤치 상품", quantity=qty, unit_price=total // qty, total_amount=total,
                        status=status if status == "cancelled" or shipped else "new", channel_status=cstatus,
                        match_status="matched", shipped_at=shipped if status != "cancelled" else None,
                        dispatch_due=due, created_at=ordered, updated_at=ordered))
                    sku_of.append(sku_id)
            created_lines = OrderLine.objects.bulk_create(line_rows, batch_size=BATCH)
            if created_lines[0].pk is None:
                ids = dict(OrderLine.objects.filter(company=company, channel_line_id__in=[ln.channel_line_id
                                                                                         for ln in line_rows])
                           .values_list("channel_line_id", "pk"))
                for ln in created_lines:
                    ln.pk = ids[ln.channel_line_id]
            OrderLineComponent.objects.bulk_create([
                OrderLineComponent(company=company, line_id=ln.pk, sku_id=sku_id, quantity=1)
                for ln, sku_id in zip(created_lines, sku_of, strict=True)], batch_size=BATCH)
        out(f"  {n}/{target} lines ({time.perf_counter() - start:.0f}s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("orders_order", "orders_orderline", "orders_orderlinecomponent"):
                cur.execute(f"ANALYZE {table}")
    return n


def _digest(company) -> str:
    """A hash over every rollup row (ids aside), in key order: equal digests = equal rollups."""
    from .models import SalesDay, SalesHour, SalesProductDay, SalesProductMonth

    h = hashlib.sha256()
    for model, order in ((SalesHour, ("day", "account_id", "hour")), (SalesDay, ("day", "account_id")),
                         (SalesProductDay, ("day", "account_id", "sku_id")),
                         (SalesProductMonth, ("month", "account_id", "sku_id"))):
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        for row in model.objects.filter(company=company).order_by(*order).values_list(*names).iterator(10_000):
            h.update(repr(row).encode())
    return h.hexdigest()


def _day_changes(company, out) -> int:
    """A day's changes: cancels and returns arrive for older orders, new orders come in today."""
    from django.utils import timezone

    from marketdock.orders.models import OrderLine

    rng = random.Random(7)
    now = timezone.now()
    recent = OrderLine.objects.filter(company=company, channel_status="delivered",
                                      order__ordered_at__gte=now - timedelta(days=30)).order_by("pk")
    ids = list(recent.values_list("pk", flat=True)[:30_000])[::50][:600]
    cancel, back = ids[::2], ids[1::2]
    OrderLine.objects.filter(pk__in=cancel).update(status="cancelled", channel_status="cancelled", updated_at=now)
    OrderLine.objects.filter(pk__in=back).update(channel_status="returned", updated_at=now)
    OrderLine.objects.filter(pk__in=rng.sample(ids, min(50, len(ids)))).update(cancelled_quantity=1, updated_at=now)
    return len(ids)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(options: dict, out) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from marketdock.orders.models import Order

    from . import services
    from .models import RollupState, SalesDay, SalesHour, SalesProductDay, SalesProductMonth

    target, rounds = options["lines"], options["rounds"]
    if target < 1 or rounds < 1:
        raise ValueError("--lines and --rounds must be >= 1")
    company, accounts, skus, user = _company(out)
    began = time.perf_counter()
    lines = _fill(company, accounts, skus, target, out)
    fill_seconds = time.perf_counter() - began

    out("building the rollup from scratch")
    RollupState.objects.filter(company=company).delete()
    t0 = time.perf_counter()
    services.rollup_refresh(company)
    rollup_seconds = time.perf_counter() - t0
    out(f"  {rollup_seconds:.1f}s")
    changed = _day_changes(company, out)
    t0 = time.perf_counter()
    state = services.rollup_refresh(company)
    refresh_seconds = time.perf_counter() - t0
    incremental = _digest(company)
    t0 = time.perf_counter()
    services.rollup_rebuild(company)
    rebuild_seconds = time.perf_counter() - t0
    rebuilt = _digest(company)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("saleshour", "salesday", "salesproductday", "salesproductmonth"):
                cur.execute(f"ANALYZE analytics_{table}")
    rollup_rows = sum(m.objects.filter(company=company).count()
                      for m in (SalesHour, SalesDay, SalesProductDay, SalesProductMonth))

    views = {
        "month": ("analytics:sales", {"period": "month"}),
        "year_by_channel": ("analytics:sales", {"period": "year", "unit": "month"}),
        "heatmap": ("analytics:hourly", {"period": "year"}),
        "channel_compare": ("analytics:compare", {"period": "year"}),
        "top_products": ("analytics:sales", {"period": "90d", "top": "50"}),
    }
    # the same screens over other periods: the query count must not change with the period
    other_periods = {"month": {"period": "7d"}, "year_by_channel": {"period": "custom", "unit": "month",
                     "from": "2025-01-01", "to": "2026-12-31"}, "heatmap": {"period": "today"},
                     "channel_compare": {"period": "30d"}, "top_products": {"period": "quarter", "top": "50"}}
    times: dict[str, list[float]] = {name: [] for name in views}
    queries: dict[str, set[int]] = {name: set() for name in views}
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.get(reverse("analytics:sales"))  # warm up
        for _round in range(rounds):
            for name, (url_name, params) in views.items():
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(reverse(url_name), params)
                    times[name].append((time.perf_counter() - t0) * 1000)
                queries[name].add(len(ctx.captured_queries))
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status_code}")
        for name, (url_name, _params) in views.items():
            with CaptureQueriesContext(connection) as ctx:
                client.get(reverse(url_name), other_periods[name])
            queries[name].add(len(ctx.captured_queries))
    everything = [t for values in times.values() for t in values]
    return {
        "database": connection.vendor,
        "lines": lines,
        "orders": Order.objects.filter(company=company).count(),
        "fill_seconds": round(fill_seconds, 1),
        "rollup_rows": rollup_rows,
        "rollup_seconds": round(rollup_seconds, 1),
        "refresh_lines_changed": changed,
        "refresh_days": state.days,
        "refresh_seconds": round(refresh_seconds, 2),
        "rebuild_seconds": round(rebuild_seconds, 1),
        "rebuild_agrees": incremental == rebuilt,
        "p50_ms": round(statistics.median(everything), 1),
        "p95_ms": round(_pct(everything, 95), 1),
        "p95_ms_by_view": {k: round(_pct(v, 95), 1) for k, v in times.items()},
        "queries_per_page": {k: sorted(v)[0] if len(v) == 1 else sorted(v) for k, v in queries.items()},
        "queries_constant": all(len(v) == 1 for v in queries.values()),
    }


register("analytics", help="Fill N order lines over 3 channels, 2 years and 2,000 SKUs, build the sales rollup, check "
                           "a rebuild agrees with the incremental refresh, and time the dashboard screens.",
         add_arguments=add_arguments, run=run)
