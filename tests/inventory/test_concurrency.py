"""The oversell scenario of `marketdock bench oversell`, as a test: many workers reserve one unit of
the same SKU at the same moment, each thread on its own database connection, through the real
service. Exactly `stock` reservations succeed, the rest are refused as insufficient, and the ledger
agrees with the level. Runs on SQLite and on PostgreSQL (DATABASE_URL). Counts only, never time."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from marketdock.inventory import services
from marketdock.inventory.models import StockLevel, StockMovement
from tests.factories.catalog import make_set, make_sku, make_warehouse, receive

WORKERS = 6
STOCK = 15
ATTEMPTS_PER_WORKER = 8  # 48 attempts for 15 units


def _run_workers(target, n: int) -> list[dict]:
    start = threading.Barrier(n)
    results: list[dict] = [dict(ok=0, short=0, errors=[]) for _ in range(n)]

    def worker(i: int) -> None:
        try:
            start.wait()
            target(i, results[i])
        except Exception as exc:  # reported by the assertions below
            results[i]["errors"].append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_oversell(company):
    warehouse = make_warehouse(company)
    sku = make_sku(company, "HOT-ITEM")
    receive(company, sku, warehouse, STOCK)

    def reserve_many(i, out):
        for n in range(ATTEMPTS_PER_WORKER):
            try:
                services.stock_reserve(company=company, lines=[(sku.pk, None, 1, ("order", f"{i}-{n}"))])
                out["ok"] += 1
            except services.InsufficientStock:
                out["short"] += 1

    results = _run_workers(reserve_many, WORKERS)
    assert [r["errors"] for r in results] == [[]] * WORKERS
    assert sum(r["ok"] for r in results) == STOCK
    assert sum(r["short"] for r in results) == WORKERS * ATTEMPTS_PER_WORKER - STOCK
    lv = StockLevel.objects.get(sku=sku, warehouse=warehouse)
    assert (lv.on_hand, lv.reserved) == (STOCK, STOCK)
    assert StockMovement.objects.filter(sku=sku, kind="reserve").count() == STOCK
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_line_orders_in_opposite_order_do_not_deadlock_or_oversell(company):
    """Half the workers order (A, B), half (B, A), plus sets using both: rows are always locked in
    (sku, warehouse) order, so nobody deadlocks, and every order is all-or-nothing."""
    warehouse = make_warehouse(company)
    a, b = make_sku(company, "PAIR-A"), make_sku(company, "PAIR-B")
    pair_set = make_set(company, "PAIR-SET", [(a, 1), (b, 1)])
    receive(company, a, warehouse, 12)
    receive(company, b, warehouse, 12)

    def order_many(i, out):
        for n in range(6):
            if n % 3 == 2:
                lines = [(pair_set.pk, None, 1, ("order", f"{i}-{n}"))]
            elif i % 2:
                lines = [(a.pk, None, 1, ("order", f"{i}-{n}")), (b.pk, None, 1, ("order", f"{i}-{n}"))]
            else:
                lines = [(b.pk, None, 1, ("order", f"{i}-{n}")), (a.pk, None, 1, ("order", f"{i}-{n}"))]
            try:
                services.stock_reserve(company=company, lines=lines)
                out["ok"] += 1
            except services.InsufficientStock:
                out["short"] += 1

    results = _run_workers(order_many, WORKERS)
    assert [r["errors"] for r in results] == [[]] * WORKERS
    assert sum(r["ok"] for r in results) == 12  # each order takes one A and one B
    for sku in (a, b):
        lv = StockLevel.objects.get(sku=sku, warehouse=warehouse)
        assert (lv.on_hand, lv.reserved) == (12, 12)
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_set_to_counts_and_adjustments_never_compute_from_a_stale_figure(company):
    """An ERP sets on hand to a counted figure while other workers add stock: every set lands exactly on
    its figure (its movement's on-hand-after is the figure), and the level agrees with the ledger."""
    warehouse = make_warehouse(company)
    sku = make_sku(company, "COUNTED")
    receive(company, sku, warehouse, 10)
    targets: list[int] = []

    def set_or_add(i, out):
        for n in range(5):
            if i % 2:
                target = 100 * (1 + i * 5 + n)  # 100 apart: the adds (15 in all) never reach the next target
                targets.append(target)
                services.stock_set(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, on_hand=target,
                                   reason=f"set {target}")
            else:
                services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=1,
                                      reason="add")
            out["ok"] += 1

    results = _run_workers(set_or_add, WORKERS)
    assert [r["errors"] for r in results] == [[]] * WORKERS
    for target in targets:
        movement = StockMovement.objects.get(sku=sku, reason=f"set {target}")
        assert movement.on_hand_after == target
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0
