"""Cafe24 connector (CH-5): item status table, pay_date windows halved before offset 15,000, the leaky
bucket read from X-Api-Call-Limit, 429, one refresh on 401, the pinned version header, 배송준비중 and
shipments with the mall's own carrier codes, and `channels normalize --kind cafe24` on every sample."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import call_command

from marketdock.channels.connectors import cafe24
from marketdock.channels.connectors.base import build_connector
from marketdock.channels.connectors.cafe24.auth import StaticTokens, TokenPair
from marketdock.channels.connectors.cafe24.fulfilment import carrier_code_for, carriers_from
from marketdock.channels.connectors.errors import AuthError, MalformedPayload, RateLimited
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.models import Claim, DispatchItem, FetchWindow, OrderStatus, Progress
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate

SAMPLES = Path(__file__).parent / "fixtures" / "cafe24"
CREDS = {"mall_id": "myshop", "cafe24_client_id": "AbCdEfGhIjKlMnOpQrStUv", "cafe24_client_secret": "s3cr3tS3cr3tS3cr3t"}
NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def item(code: str, status: str = "N10", **extra) -> dict:
    return {"order_item_code": code, "product_no": 11, "variant_code": "P000000L000A", "product_name": "텀블러",
            "option_value": "실버", "quantity": 2, "product_price": "18900.00", "option_price": "1000.00",
            "additional_discount_price": "500.00", "coupon_discount_price": "0.00", "order_status": status,
            "shipping_code": "D-20261206-0000001-00", **extra}


def order(order_id: str = "20261206-0000001", items: list | None = None, **extra) -> dict:
    return {"shop_no": 1, "currency": "KRW", "order_id": order_id, "order_date": "2026-12-06T10:00:00+09:00",
            "payment_date": "2026-12-06T10:01:00+09:00", "actual_order_amount": {"shipping_fee": "3000.00"},
            "buyer": {"name": "김구매", "cellphone": "010-1111-2222", "email": "b@example.com"},
            "receivers": [{"name": "이수령", "cellphone": "010-3333-4444", "zipcode": "06236",
                           "address1": "서울특별시 강남구 테헤란로 152", "address2": "21층", "shipping_message": "문 앞",
                           "shipping_code": "D-20261206-0000001-00"}],
            "items": items if items is not None else [item(f"{order_id}-01")], **extra}


def connector(handler, **kwargs):
    options = HttpOptions(transport=httpx.MockTransport(handler), limiter=LocalRateLimiter(), sleep=lambda s: None,
                          rate=Rate(1000, 1000), retry=RetryPolicy(attempts=3))
    return build_connector("cafe24", CREDS, base_url="https://myshop.cafe24api.com", options=options,
                           token_store=kwargs.pop("tokens", StaticTokens("tok-1")), **kwargs)


# --- status table and parsing ---------------------------------------------------------------

@pytest.mark.parametrize("code,status,progress,claim", [
    ("N00", OrderStatus.HOLD, Progress.WAITING, Claim.NONE),
    ("N10", OrderStatus.NEW, Progress.PAID, Claim.NONE),
    ("N20", OrderStatus.CONFIRMED, Progress.CONFIRMED, Claim.NONE),
    ("N30", OrderStatus.SHIPPED, Progress.SHIPPED, Claim.NONE),
    ("N40", OrderStatus.DELIVERED, Progress.DELIVERED, Claim.NONE),
    ("C00", OrderStatus.CANCEL_REQUESTED, Progress.PAID, Claim.CANCEL),
    ("C40", OrderStatus.CANCELLED, Progress.CANCELLED, Claim.NONE),
    ("R00", OrderStatus.RETURN_REQUESTED, Progress.DELIVERED, Claim.RETURN),
    ("R40", OrderStatus.RETURNED, Progress.RETURNED, Claim.NONE),
    ("E00", OrderStatus.EXCHANGE_REQUESTED, Progress.DELIVERED, Claim.EXCHANGE),
])
def test_each_item_status_maps_to_status_progress_and_claim(code, status, progress, claim):
    line = cafe24.parse_order(order(items=[item("20261206-0000001-01", code, tracking_no="123456789012",
                                                 shipping_company_code="0006")]))[0]
    assert (line.status, line.progress, line.claim, line.raw_status) == (status, progress, claim, code)
    assert (line.tracking_number == "123456789012") is (progress in (Progress.SHIPPED, Progress.DELIVERED))


def test_a_line_carries_money_buyer_receiver_and_ids():
    lines = cafe24.parse_order(order(items=[item("20261206-0000001-01"), item("20261206-0000001-02", "C00")]))
    first, second = lines
    assert first.order_id == "20261206-0000001" and first.order_line_id == "20261206-0000001-01"
    assert first.unit_price == 19900 and first.discount_amount == 500 and first.total_amount == 19900 * 2 - 500
    assert first.shipping_fee == 3000 and second.shipping_fee == 0  # the order's fee on its first line only
    assert first.paid_at == datetime(2026, 12, 6, 1, 1, tzinfo=UTC)
    assert (first.recipient_name, first.recipient_postal_code, first.delivery_message) == ("이수령", "06236", "문 앞")
    assert first.channel_option_id == "P000000L000A" and second.claim == Claim.CANCEL


def test_unknown_status_and_bad_money_name_the_field():
    with pytest.raises(MalformedPayload, match=r"order.items\[0\].order_status"):
        cafe24.parse_order(order(items=[item("20261206-0000001-01", "Z99")]))
    lines, errors, count = cafe24.parse_orders({"orders": [order(), order("20261206-0000002", items=[
        item("20261206-0000002-01", product_price="12,000")])]})
    assert count == 2 and len(lines) == 1 and errors[0].field == "orders[1].items[0].product_price"


# --- normalize on every published sample -----------------------------------------------------

def normalize(path: Path) -> list[dict]:
    out = io.StringIO()
    call_command("channels", "normalize", "--kind", "cafe24", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_normalize_reads_every_published_cafe24_sample():
    samples = sorted(SAMPLES.glob("*.json"))
    assert len(samples) == 4
    results = {p.name: normalize(p) for p in samples}
    assert results["orders.retrieve_an_order.response.json"] == []  # read without embed=items: no lines
    prepared = results["orders.update_status_multiple.response.json"]
    assert [r["order_line_ids"] for r in prepared][0] == ["20171207-0000021-01", "20171207-0000021-02"]
    assert {r["status"] for r in prepared} == {"prepare"}
    created = results["shipments.create_multiple.response.json"]
    assert created[0]["tracking_number"] == "101080903" and created[0]["carrier_code"] == "0001"
    assert [r["shipping_code"] for r in results["shipments.update_multiple.response.json"]] == [
        "D-20190108-0000791-00", "D-20190108-0000801-00"]


def test_normalize_the_sample_order_with_items_gives_its_lines(tmp_path):
    sample = json.loads((SAMPLES / "orders.retrieve_an_order.response.json").read_text())
    sample["order"]["items"] = [item("20170710-0000013-01", "N20")]
    path = tmp_path / "order.json"
    path.write_text(json.dumps(sample))
    lines = normalize(path)
    assert lines[0]["order_line_id"] == "20170710-0000013-01" and lines[0]["status"] == "confirmed"
    assert lines[0]["ordered_at"] == "2018-07-04T02:21:35Z"


# --- windows ---------------------------------------------------------------------------------

def test_a_window_too_deep_for_offset_15000_is_halved_and_paged_to_the_end():
    """count > max_offset + page_size → the piece is halved until each half can be paged; every order
    comes back exactly once and no request goes past the offset limit."""
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    stamps = [start + timedelta(minutes=7 * i) for i in range(60)]  # 60 orders over 7 hours
    offsets: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        if q["date_type"] != "pay_date":
            return httpx.Response(200, json={"count": 0} if request.url.path.endswith("count") else {"orders": []})
        lo = datetime.fromisoformat(q["start_date"]).replace(tzinfo=cafe24.auth.v.KST)
        hi = datetime.fromisoformat(q["end_date"]).replace(tzinfo=cafe24.auth.v.KST)
        inside = [s for s in stamps if lo <= s <= hi]
        if request.url.path.endswith("/count"):
            return httpx.Response(200, json={"count": len(inside)})
        offset, limit = int(q["offset"]), int(q["limit"])
        assert offset <= 20 and limit == 10
        offsets.append(offset)
        page = inside[offset:offset + limit]
        return httpx.Response(200, json={"orders": [order(f"20261201-{stamps.index(s):07d}", items=[
            item(f"20261201-{stamps.index(s):07d}-01")]) for s in page]})

    with connector(handler, page_size=10, max_offset=20) as conn:
        seen = [line.order_id for page in conn.iter_pages(FetchWindow(start=start, end=start + timedelta(hours=8)))
                for line in page.orders]
    assert sorted(seen) == sorted({f"20261201-{i:07d}" for i in range(60)})
    assert len(seen) == 60 and max(offsets) <= 20


def test_the_cursor_resumes_a_split_window_after_a_restart():
    start = datetime(2026, 12, 1, tzinfo=UTC)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count"):
            return httpx.Response(200, json={"count": 5})
        return httpx.Response(200, json={"orders": [order()]})

    window = FetchWindow(start=start, end=start + timedelta(days=200))  # over 3 months: three pieces
    with connector(handler) as conn:
        first = conn.fetch_orders(window)
    with connector(handler) as conn:  # a new process continues from the cursor
        pages = [first, *conn.iter_pages(window, first.next_cursor)]
    assert first.has_more and len(pages) == 3 * len(cafe24.connector.DATE_TYPES)


# --- transport: pinned version, leaky bucket, 429, 401 ----------------------------------------

def test_every_call_pins_the_api_version_and_the_bucket_level_holds_workers_back():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"store": {"shop_name": "내 쇼핑몰"}}, headers={"X-Api-Call-Limit": "39/40"})

    limiter = LocalRateLimiter()
    options = HttpOptions(transport=httpx.MockTransport(handler), limiter=limiter, sleep=lambda s: None,
                          rate=Rate(1000, 1000))
    with build_connector("cafe24", CREDS, options=options, token_store=StaticTokens("tok-1")) as conn:
        assert conn.test_connection().account_name == "내 쇼핑몰"
        assert conn.transport.last_call_limit == cafe24.CallLimit(39, 40)
        # 39 of 40 used: the next reservation waits until the bucket drained below 40 - headroom
        assert limiter.reserve(conn.api.limiter_key, Rate(1000, 1000)) == pytest.approx((39 - 35) / 2.0, abs=0.01)
    request = seen[0]
    assert request.headers["X-Cafe24-Api-Version"] == cafe24.API_VERSION
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert str(request.url).startswith("https://myshop.cafe24api.com/api/v2/admin/store")


@pytest.mark.parametrize("header,expected", [("3/40", (3, 40)), ("40/40", (40, 40)), (" 12 / 80 ", (12, 80)),
                                             ("", None), ("x/40", None), ("3/0", None)])
def test_call_limit_header_parsing(header, expected):
    parsed = cafe24.CallLimit.parse(header)
    assert (parsed.used, parsed.size) == expected if expected else parsed is None


def test_429_is_waited_out_and_retried_then_reported_when_it_persists():
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(429, json={"error": {"code": 429, "message": "Too many"}},
                                  headers={"X-Api-Call-Limit": "40/40"})
        return httpx.Response(200, json={"store": {"shop_name": "ok"}})

    with connector(handler) as conn:
        assert conn.test_connection().ok and calls["n"] == 2
    with connector(lambda r: httpx.Response(429, json={"error": {"code": 429, "message": "Too many"}})) as conn, \
            pytest.raises(RateLimited):
        conn.test_connection()


def test_a_refused_access_token_is_refreshed_once_and_the_call_retried():
    tokens = StaticTokens("old", "refresh-1")
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/oauth/token":
            form = parse_qs(request.content.decode())
            assert request.headers["Authorization"].startswith("Basic ") and form["grant_type"] == ["refresh_token"]
            issued.append(form["refresh_token"][0])
            return httpx.Response(200, json={"access_token": "new", "refresh_token": "refresh-2",
                                             "expires_at": "2026-12-07T11:00:00.000",
                                             "refresh_token_expires_at": "2026-12-21T09:00:00.000"})
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"error": {"code": 401, "message": "access_token time expired"}})
        return httpx.Response(200, json={"store": {"shop_name": "ok"}})

    with connector(handler, tokens=tokens) as conn:
        assert conn.test_connection().ok
    assert issued == ["refresh-1"] and (tokens.access_token, tokens.refresh_token) == ("new", "refresh-2")
    with connector(lambda r: httpx.Response(401, json={"error": {"code": 401, "message": "no"}}),
                   tokens=StaticTokens("x")) as conn, pytest.raises(AuthError, match="카페24"):
        conn.test_connection()


def test_token_answer_times_without_offset_are_kst():
    pair = cafe24.auth.token_pair({"access_token": "a", "refresh_token": "r", "expires_at": "2026-12-07T11:00:00.000",
                                   "refresh_token_expires_at": "2026-12-21T09:00:00.000"})
    assert isinstance(pair, TokenPair) and pair.expires_at == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert pair.refresh_expires_at == datetime(2026, 12, 21, 0, 0, tzinfo=UTC)


# --- fulfilment ------------------------------------------------------------------------------

def test_carrier_codes_come_from_the_mall_list_by_name():
    mall = carriers_from({"carriers": [{"shipping_carrier_code": "0091", "shipping_carrier": "CJ 대한통운"},
                                       {"shipping_carrier_code": "0019", "shipping_carrier": "롯데택배"}]})
    assert carrier_code_for("cj", mall) == "0091" and carrier_code_for("lotte", mall) == "0019"
    assert carrier_code_for("hanjin", mall) == ""


def test_confirm_and_dispatch_send_batches_and_report_each_line():
    sent: list[tuple[str, dict]] = []
    state = {"20261206-0000001-01": "N10", "20261206-0000001-02": "C00"}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path.startswith("/api/v2/admin/orders/"):
            return httpx.Response(200, json={"order": order(items=[item(code, st) for code, st in state.items()])})
        if path == "/api/v2/admin/carriers":
            return httpx.Response(200, json={"carriers": [{"shipping_carrier_code": "0006",
                                                           "shipping_carrier": "CJ대한통운"}]})
        body = json.loads(request.content)
        sent.append((f"{request.method} {path}", body))
        req = body["requests"][0]
        if path == "/api/v2/admin/orders":
            for code in req["order_item_code"]:
                state[code] = "N20"
            return httpx.Response(200, json={"orders": [{**req, "shop_no": 1}]})
        return httpx.Response(200, json={"shipments": [{**req, "shipping_code": "D-1"}]})

    with connector(handler) as conn:
        confirmed = conn.confirm_orders(["20261206-0000001-01", "20261206-0000001-02", "bad"])
        shipped = conn.dispatch([DispatchItem(order_line_id="20261206-0000001-01", carrier_code="cj",
                                              tracking_number="1234-5678-9012", shipped_at=NOW),
                                 DispatchItem(order_line_id="20261206-0000001-02", carrier_code="hanjin",
                                              tracking_number="123456789", shipped_at=NOW)])
    assert confirmed.confirmed == ["20261206-0000001-01"]
    assert {f.order_line_id: f.code for f in confirmed.failed} == {"bad": "BAD_LINE_ID",
                                                                  "20261206-0000001-02": "STATUS_C00"}
    assert sent[0] == ("PUT /api/v2/admin/orders", {"shop_no": 1, "requests": [
        {"order_id": "20261206-0000001", "process_status": "prepare", "order_item_code": ["20261206-0000001-01"]}]})
    assert shipped.sent == ["20261206-0000001-01"]
    assert "배송업체 목록에 hanjin" in shipped.failed[0].message
    assert sent[1][1]["requests"][0] == {"order_id": "20261206-0000001", "order_item_code": ["20261206-0000001-01"],
                                         "tracking_no": "123456789012", "shipping_company_code": "0006",
                                         "status": "shipping"}
