"""One lock order for stock rows (issue 11): two collection pages reserving overlapping SKU sets while
one SKU is sold out must not deadlock on PostgreSQL.

The pages are the same two orders in opposite order — page 1 [A, B, Z], page 2 [B, A, Z] — with Z
at 0, so neither page can be reserved as one batch and each decides order by order. The two
transactions run in threads that meet at a barrier before every write to the stock ledger, so both
take their locks step by step at the same moment: with the old per-order fallback (one
`stock_reserve` per order in page order) page 1 holds A and wants B while page 2 holds B and wants
A, which PostgreSQL breaks with "deadlock detected". Locking the page's whole set first, in (sku,
warehouse) order, leaves nothing to deadlock on: one page waits, then decides in memory."""

from __future__ import annotations

import threading
from itertools import count

import pytest
from django.db import connection, transaction

from marketdock.inventory import services
from marketdock.inventory.models import StockLevel
from marketdock.inventory.services import reservations
from marketdock.orders.models import ChannelStatus, MatchStatus, Order, OrderLine, OrderStatus, StockState
from marketdock.orders.services import orders_reserve
from tests.factories.catalog import make_set, make_sku, make_warehouse, receive

_ids = count(1)


def _order(skus) -> tuple[Order, list[OrderLine], dict[int, list[tuple[int, int]]]]:
    """An open, matched order (in memory, as a collection page holds it) with one line per SKU."""
    order = Order(pk=next(_ids), status=OrderStatus.NEW, stock_state=StockState.NONE)
    lines, components = [], {}
    for sku in skus:
        line = OrderLine(pk=next(_ids), order_id=order.pk, quantity=1, cancelled_quantity=0,
                         status=OrderStatus.NEW, channel_status=ChannelStatus.NEW,
                         match_status=MatchStatus.MATCHED, stock_state=StockState.NONE)
        lines.append(line)
        components[line.pk] = [(sku.pk, 1)]
    return order, lines, components


def _page(company, orders_skus):
    orders, lines_by_order, components = [], {}, {}
    for skus in orders_skus:
        order, lines, comps = _order(skus)
        orders.append(order)
        lines_by_order[order.pk] = lines
        components.update(comps)
    return orders, lines_by_order, components


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_pages_reserving_overlapping_skus_with_a_shortage_do_not_deadlock(company, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock deadlocks need PostgreSQL (SQLite serialises writers)")
    warehouse = make_warehouse(company)
    a, b, z = make_sku(company, "LOCK-A"), make_sku(company, "LOCK-B"), make_sku(company, "LOCK-Z")
    receive(company, a, warehouse, 1)
    receive(company, b, warehouse, 1)
    StockLevel.objects.get_or_create(company=company, sku=z, warehouse=warehouse)  # sold out: 0 on hand

    step = threading.Barrier(2, timeout=3)
    real_apply = reservations._apply

    def lockstep_apply(*args, **kwargs):
        try:
            step.wait()  # both transactions write to the ledger at the same moment
        except threading.BrokenBarrierError:
            pass  # the other one is waiting for our locks (or done): go on alone
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(reservations, "_apply", lockstep_apply)
    pages = [_page(company, [[a], [b], [z]]), _page(company, [[b], [a], [z]])]
    results: list[dict] = [{} for _ in pages]

    def collect(i: int) -> None:
        orders, lines_by_order, components = pages[i]
        try:
            with transaction.atomic():
                outcome = orders_reserve(company=company, orders=orders, lines_by_order=lines_by_order,
                                         components=components)
            results[i] = {"reserved": outcome.reserved, "short": outcome.short,
                          "states": [o.stock_state for o in orders]}
        except Exception as exc:  # a deadlock surfaces here as OperationalError
            results[i] = {"error": repr(exc)}
        finally:
            connection.close()

    threads = [threading.Thread(target=collect, args=(i,)) for i in range(len(pages))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    assert [r.get("error") for r in results] == [None, None]
    # one unit of A and one of B: exactly two orders get stock, every other order is short, Z never reserves
    assert sum(r["reserved"] for r in results) == 2
    assert sum(r["short"] for r in results) == 4
    assert all(r["states"][2] == StockState.SHORT for r in results)
    levels = {lv.sku_id: (lv.on_hand, lv.reserved) for lv in StockLevel.objects.filter(company=company)}
    assert levels == {a.pk: (1, 1), b.pk: (1, 1), z.pk: (0, 0)}
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0


def test_reserve_each_decides_groups_in_order_all_or_nothing_each(company):
    warehouse = make_warehouse(company)
    a, b, c = make_sku(company, "EACH-A"), make_sku(company, "EACH-B"), make_sku(company, "EACH-C")
    pair = make_set(company, "EACH-SET", [(a, 1), (b, 1)])
    receive(company, a, warehouse, 3)
    receive(company, b, warehouse, 2)
    results = services.stock_reserve_each(company=company, groups=[
        [(a.pk, None, 2, ("order_line", 1))],
        [(a.pk, None, 1, ("order_line", 2)), (a.pk, None, 1, ("order_line", 3)), (b.pk, None, 1, ("order_line", 4))],
        [(pair.pk, None, 1, ("order_line", 5))],  # A and B through the set
        [(c.pk, None, 1, ("order_line", 6))],  # never had stock
        [(999999, None, 1, ("order_line", 7))],  # unknown SKU: refused on its own
    ], reason="테스트")
    first, second, third, fourth, fifth = results
    assert {m.reference_id for m in first.movements} == {"1"}
    assert isinstance(second, services.InsufficientStock)  # A: 2 asked, 1 left after the first group
    assert [(s.sku_code, s.requested, s.available) for s in second.shortages] == [("EACH-A", 2, 1)]
    assert sorted((m.sku_id, m.reference_id) for m in third.movements) == [(a.pk, "5"), (b.pk, "5")]
    assert isinstance(fourth, services.InsufficientStock) and fourth.shortages[0].available == 0
    assert isinstance(fifth, services.StockInputError)
    levels = {lv.sku_id: (lv.on_hand, lv.reserved) for lv in StockLevel.objects.filter(company=company)}
    assert levels == {a.pk: (3, 3), b.pk: (2, 1)}
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0


def test_stock_lock_takes_the_rows_of_sets_by_their_components(company):
    warehouse = make_warehouse(company)
    a, b = make_sku(company, "LK-A"), make_sku(company, "LK-B")
    pair = make_set(company, "LK-SET", [(a, 1), (b, 2)])
    receive(company, a, warehouse, 1)
    receive(company, b, warehouse, 1)
    with transaction.atomic():
        assert services.stock_lock(company=company, lines=[(pair.pk, None, 5), (a.pk, warehouse.pk, 1)]) == 2
        assert services.stock_lock(company=company, lines=[(424242, None, 1)]) == 0  # unknown: the stock call says so
