"""The stock level change: one conditional UPDATE … RETURNING per line where the database has it,
and the same results (levels, ledger, shortages) through the two-statement fallback."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketdock.inventory import services
from marketdock.inventory.models import StockLevel, StockMovement
from marketdock.inventory.services import ledger
from tests.factories.catalog import make_sku, receive


@pytest.fixture(params=["returning", "fallback"])
def path(request, monkeypatch):
    if request.param == "fallback":  # as on a database whose UPDATE cannot return rows
        monkeypatch.setattr(ledger, "_RETURNING_VENDORS", frozenset())
    return request.param


def _story(company, warehouse) -> dict:
    a, b = make_sku(company, "RET-A"), make_sku(company, "RET-B")
    receive(company, a, warehouse, 10)
    receive(company, b, warehouse, 3)
    result = services.stock_reserve(company=company, lines=[(a.pk, None, 4, ("order_line", 1)),
                                                            (a.pk, None, 5, ("order_line", 2)),
                                                            (b.pk, None, 3, ("order_line", 3))])
    after = [(m.sku_id == a.pk, m.on_hand_after, m.reserved_after) for m in result.movements]
    with pytest.raises(services.InsufficientStock) as short:  # 1 of A left: the second line is short
        services.stock_reserve(company=company, lines=[(a.pk, None, 1, "order:9"), (a.pk, None, 1, "order:9"),
                                                       (b.pk, None, 1, "order:9")])
    with pytest.raises(services.InsufficientStock) as over_release:
        services.stock_release(company=company, lines=[(b.pk, None, 4, "order:9")])
    services.stock_deduct(company=company, lines=[(a.pk, None, 9, "ship:1")])
    levels = {("A" if lv.sku_id == a.pk else "B"): (lv.on_hand, lv.reserved) for lv in StockLevel.objects.filter(
        company=company)}
    ledger = {}
    for name, sku in (("A", a), ("B", b)):
        rows = StockMovement.objects.filter(company=company, sku=sku)
        ledger[name] = (sum(m.quantity for m in rows), sum(m.reserved_change for m in rows))
    return {"after": after, "short": str(short.value), "over_release": str(over_release.value),
            "levels": levels, "ledger": ledger}


@pytest.mark.django_db
def test_both_paths_give_the_same_levels_ledger_and_shortages(company, warehouse, path):
    story = _story(company, warehouse)
    assert story["after"] == [(True, 10, 4), (True, 10, 9), (False, 3, 3)]  # balances after each line, in order
    assert "RET-A" in story["short"] and "요청 1개, 가용 0개" in story["short"] and "RET-B" in story["short"]
    assert "RET-B" in story["over_release"] and "예약 3개" in story["over_release"]
    assert story["levels"] == {"A": (1, 0), "B": (3, 3)}
    assert story["ledger"] == story["levels"]


@pytest.mark.django_db
def test_a_reserved_line_costs_one_statement_on_the_level(company, warehouse):
    skus = [make_sku(company, f"ONE-{i}") for i in range(4)]
    for sku in skus:
        receive(company, sku, warehouse, 5)
    with CaptureQueriesContext(connection) as ctx:
        services.stock_reserve(company=company, lines=[(s.pk, None, 2, ("order_line", i)) for i, s in enumerate(skus)])
    level_sql = [q["sql"] for q in ctx.captured_queries if "inventory_stocklevel" in q["sql"]]
    assert len(level_sql) == 4
    assert all(sql.startswith("UPDATE") and "RETURNING" in sql for sql in level_sql)
    assert sorted(StockLevel.objects.filter(company=company).values_list("reserved", flat=True)) == [2, 2, 2, 2]
