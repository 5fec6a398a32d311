"""The sandbox's settlement endpoints over real HTTP, read by the real connectors: every settled row
of the sandbox's ledger arrives once with its amounts, paging works, bad requests get the marketplace's
own error body, and the truth endpoint lists the deliberate differences by kind."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from marketdock.channels.connectors.errors import BusinessError
from marketdock.sandbox import settlement_api
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.sandbox import connect


@pytest.fixture
def sandbox():
    state = SandboxState(seed=11, order_rate=0, initial_orders=60)
    app = SandboxApp(state)
    server, base = serve_in_thread(app)
    yield app, base
    server.shutdown()
    server.server_close()


def _all(conn, start, end):
    rows, pages, cursor = [], 0, None
    while True:
        page = conn.fetch_settlements(start, end, cursor)
        pages += 1
        assert not page.errors
        rows.extend(page.records)
        if not page.has_more:
            return rows, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo", "shopify-demo", "shopify-demo2"])
def test_connector_reads_the_whole_ledger_with_its_amounts(sandbox, code):
    app, base = sandbox
    conn = connect(base, code)
    shop = app.state.shops[code]
    today = settlement_api.today(app)
    start, end = today - timedelta(days=10), today + (timedelta(days=-1) if shop.protocol == "coupang" else timedelta())
    ledger = [r for r in settlement_api.ledger(app, shop).rows if start <= r["settle_date"] <= end]
    rows, pages = _all(conn, start, end)
    assert ledger and pages >= 2
    assert sum(r.payout_amount for r in rows) == sum(r["payout"] for r in ledger)
    assert sum(r.sale_commission + r.payment_commission + r.shipping_commission for r in rows) == \
        sum(r["sale_commission"] + r["payment_commission"] + r["shipping_commission"] for r in ledger)
    assert {r.currency for r in rows} == {shop.currency}
    assert len({r.record_id for r in rows}) == len(rows)  # no row twice across pages
    sale_keys = {r["key"] for r in ledger if r["kind"] == "sale"}
    assert sale_keys <= {r.key for r in rows}


def test_truth_lists_seeded_differences_and_the_share_is_configurable(sandbox):
    app, base = sandbox
    truth = httpx.get(f"{base}/_sandbox/shops/naver-demo/settlements").json()
    assert set(truth["seeded"]) == {"commission", "missing", "late", "extra_fee"}
    assert truth["seeded_total"] > 0
    flat = [k for keys in truth["seeded"].values() for k in keys]
    assert len(flat) == len(set(flat))  # one kind per key
    quiet = httpx.post(f"{base}/_sandbox/shops/naver-demo/settlements", json={"share": 0}).json()
    assert quiet["seeded_total"] == 0
    assert httpx.post(f"{base}/_sandbox/shops/naver-demo/settlements", json={"share": 2}).status_code == 400


def test_a_seeded_commission_difference_reaches_the_connector(sandbox):
    app, base = sandbox
    shop = app.state.shops["naver-demo"]
    httpx.post(f"{base}/_sandbox/shops/naver-demo/settlements", json={"share": 0.2})
    seeded = settlement_api.ledger(app, shop).seeded["commission"]
    assert seeded
    today = settlement_api.today(app)
    rows, _pages = _all(connect(base, "naver-demo"), today - timedelta(days=10), today)
    by_key = {r.key: r for r in rows if r.kind == "sale"}
    for key in seeded:
        row = by_key[key]
        assert row.sale_commission > row.sale_amount * 2 // 100  # more than the 2 % rate


def test_bad_requests_get_each_marketplace_error_body(sandbox):
    app, base = sandbox
    today = settlement_api.today(app)
    with pytest.raises(BusinessError, match="오늘 이전"):
        connect(base, "coupang-demo")._call("GET", settlement_api.COUPANG_REVENUE, params=[
            ("vendorId", app.state.shops["coupang-demo"].credentials["vendor_id"]),
            ("recognitionDateFrom", today.isoformat()), ("recognitionDateTo", today.isoformat())])
    with pytest.raises(BusinessError) as caught:
        connect(base, "naver-demo")._call("GET", "/v1/pay-settle/settle/case", query="searchDate=x&periodType=y")
    assert caught.value.code == "BAD_REQUEST" and {d["name"] for d in caught.value.details} == {"searchDate",
                                                                                                 "periodType"}
