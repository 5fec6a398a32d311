"""`marketdock bench orderlist`: discovered from `orders/benchmarks_orderlist.py`, fills the database
once (a second run reuses the rows), walks the real list screen and reports a constant query count
per page. Speed itself is measured by running the benchmark by hand, never asserted here."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from marketdock.core import bench
from marketdock.orders.models import Order, OrderLine


def test_discovered_beside_the_app_benchmarks_module():
    assert "orderlist" in bench.discover()


@pytest.mark.django_db
def test_orderlist_fills_reuses_and_reports_constant_queries():
    out, err = StringIO(), StringIO()
    call_command("bench", "orderlist", "--orders", "700", "--pages", "4", "--rounds", "1", "--json", "--no-migrate",
                 stdout=out, stderr=err)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["orders"] == 700 and Order.objects.count() == 700 and OrderLine.objects.count() == 700
    assert result["deep_pages_followed"] == 4
    assert result["queries_constant"] is True and isinstance(result["queries_per_page"], int)
    assert {"p50_ms", "p95_ms", "p95_ms_by_scenario"} <= set(result)
    out = StringIO()
    call_command("bench", "orderlist", "--orders", "700", "--pages", "1", "--rounds", "1", "--json", "--no-migrate",
                 stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue().strip().splitlines()[-1])["orders"] == 700
    assert Order.objects.count() == 700  # reused, not filled again
