"""Inventory benchmarks for `marketdock bench`.

`oversell`: one SKU with `--stock` units; `--workers` separate OS processes (spawned, each with its
own database connection) make `--attempts` 1-unit reservations in total through the real
`stock_reserve` service, all at the same moment. Correct means exactly `--stock` succeed, nothing is
oversold and the ledger agrees with the stock level afterwards, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback

from marketdock.core.bench import register


def add_arguments(parser) -> None:
    parser.add_argument("--workers", type=int, default=8, help="OS processes reserving at the same time")
    parser.add_argument("--stock", type=int, default=100, help="units on hand before the run")
    parser.add_argument("--attempts", type=int, default=400, help="1-unit reservations attempted in total")


def _worker(index: int, company_id: int, sku_id: int, warehouse_id: int, attempts: int, ready, start, results) -> None:
    """One OS process: its own Django and its own connection, reserving 1 unit `attempts` times."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketdock.settings")
    import django

    django.setup()
    from django.db import connections

    connections.close_all()  # never share a connection inherited from the parent
    from marketdock.core.models import Company
    from marketdock.inventory.services import InsufficientStock, StockLine, stock_reserve

    counts = {"ok": 0, "insufficient": 0, "errors": 0, "error_samples": []}
    try:
        company = Company.objects.get(pk=company_id)
        ready.put(index)
        start.wait()
        for i in range(attempts):
            try:
                stock_reserve(company=company, lines=[StockLine(sku_id, warehouse_id, 1, ("bench", f"{index}-{i}"))])
                counts["ok"] += 1
            except InsufficientStock:
                counts["insufficient"] += 1
            except Exception as exc:  # counted and reported: a benchmark must finish and say what broke
                counts["errors"] += 1
                if len(counts["error_samples"]) < 3:
                    counts["error_samples"].append(f"{exc.__class__.__name__}: {exc}"[:300])
    except Exception:
        counts["errors"] += 1
        counts["error_samples"].append(traceback.format_exc(limit=3)[-300:])
        ready.put(index)
    finally:
        connections.close_all()
        results.put(counts)


def _setup(stock: int):
    from django.utils import timezone

    from marketdock.catalog.models import SKU, Product
    from marketdock.core.models import Company
    from marketdock.core.services import company_create

    from . import services
    from .models import Warehouse

    company = Company.objects.filter(code="bench").first()
    if company is None:
        company = company_create(code="bench", name="벤치마크", business_no="124-81-00998",
                                 admin_username="bench_admin", admin_password="bench-Pass-1234!")
    warehouse = Warehouse.objects.filter(company=company, is_default=True).first()
    if warehouse is None:
        warehouse = services.warehouse_save(company=company, code="BENCH", name="벤치창고")
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    product = Product.objects.create(company=company, code=f"BENCH-{stamp}", name="벤치마크 상품")
    sku = SKU.objects.create(company=company, product=product, code=f"BENCH-{stamp}", barcode=f"BENCH-{stamp}")
    if stock:
        services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=stock,
                              reason="벤치마크 기초재고")
    return company, warehouse, sku


def run(options: dict, out) -> dict:
    from django.db import connection, connections

    from . import services
    from .models import StockLevel, StockMovement

    workers, stock, attempts = options["workers"], options["stock"], options["attempts"]
    if workers < 1 or stock < 0 or attempts < 1:
        raise ValueError("--workers and --attempts must be >= 1, --stock >= 0")
    company, warehouse, sku = _setup(stock)
    out(f"{connection.vendor}: SKU {sku.code} with {stock} units, {workers} processes, {attempts} attempts")
    connections.close_all()  # children must not inherit an open connection

    ctx = multiprocessing.get_context("spawn")
    ready, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
    shares = [attempts // workers + (1 if i < attempts % workers else 0) for i in range(workers)]
    procs = [
        ctx.Process(target=_worker, args=(i, company.pk, sku.pk, warehouse.pk, n, ready, start, results))
        for i, n in enumerate(shares)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    began = time.perf_counter()
    start.set()
    collected = [results.get(timeout=600) for _ in procs]
    seconds = time.perf_counter() - began
    for p in procs:
        p.join(timeout=60)

    ok = sum(c["ok"] for c in collected)
    level = StockLevel.objects.get(company=company, sku=sku, warehouse=warehouse)
    reserve_moves = StockMovement.objects.filter(company=company, sku=sku, kind="reserve").count()
    drift = services.stock_levels_reconcile(company=company, fix=False)["drift"]
    samples = [s for c in collected for s in c["error_samples"]][:3]
    return {
        "database": connection.vendor,
        "workers": workers,
        "stock": stock,
        "attempts": attempts,
        "reserved": level.reserved,
        "succeeded": ok,
        "oversold": max(0, ok - stock, level.reserved - stock),
        "failed_insufficient": sum(c["insufficient"] for c in collected),
        "errors": sum(c["errors"] for c in collected),
        "error_samples": samples,
        "ledger_reserve_movements": reserve_moves,
        "drift": drift,
        "seconds": round(seconds, 3),
        "reservations_per_s": round(ok / seconds, 1) if seconds else None,
        "attempts_per_s": round(attempts / seconds, 1) if seconds else None,
    }


register("oversell", help="Concurrent 1-unit reservations of one SKU from many OS processes: nothing may oversell.",
         add_arguments=add_arguments, run=run)
