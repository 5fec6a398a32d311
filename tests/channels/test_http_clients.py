"""The protocol clients against httpx.MockTransport: paging, token handling, signatures, 429 Retry-After,
5xx retries (reads only), auth errors carrying the marketplace's message. Sleeps are recorded, not slept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from marketdock.channels.connectors import coupang, naver, shopify
from marketdock.channels.connectors.errors import (
    AuthError,
    BusinessError,
    RateLimited,
    TemporaryError,
    UnsupportedOperation,
)
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.models import FetchWindow, OrderStatus
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from tests.factories.channels import NAVER_QUERY_ITEM

NOW = datetime(2024, 3, 2, 3, 0, tzinfo=UTC)


def options(handler, sleeps: list[float], attempts: int = 4) -> HttpOptions:
    return HttpOptions(transport=httpx.MockTransport(handler), limiter=LocalRateLimiter(), sleep=sleeps.append,
                       rate=Rate(1000, 1000), retry=RetryPolicy(attempts=attempts))


def naver_item(line_id: str) -> dict:
    item = json.loads(json.dumps(NAVER_QUERY_ITEM))
    item["productOrder"]["productOrderId"] = line_id
    return item


def naver_connector(handler, sleeps, **kwargs) -> naver.NaverConnector:
    creds = naver.NaverCredentials(client_id="cid", client_secret="$2a$04$abcdefghijklmnopqrstuu")
    return naver.NaverConnector(creds, options=options(handler, sleeps, **kwargs), token_cache=naver.TokenCache(),
                                clock=lambda: NOW, page_size=2)


def token_response(request: httpx.Request, token: str = "tok-1") -> httpx.Response:
    form = parse_qs(request.content.decode())
    assert form["grant_type"] == ["client_credentials"] and form["type"] == ["SELF"]
    assert form["client_secret_sign"] == [naver.client_secret_sign("cid", "$2a$04$abcdefghijklmnopqrstuu",
                                                                   int(form["timestamp"][0]))]
    return httpx.Response(200, json={"access_token": token, "expires_in": 10800, "token_type": "Bearer"})


# --- Naver ------------------------------------------------------------------------------------

def test_naver_pages_with_more_sequence_and_slices_24h_windows():
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        path = request.url.path
        if path.endswith("/oauth2/token"):
            return token_response(request)
        assert request.headers["Authorization"] == "Bearer tok-1"
        if path.endswith("/last-changed-statuses"):
            query = request.url.query.decode()
            assert "%2B09:00" in query and "+" not in query
            params = parse_qs(query)
            if params.get("moreSequence") == ["L3"]:
                rows = [{"orderId": "O2", "productOrderId": "L3", "lastChangedType": "PAYED",
                         "lastChangedDate": "2024-03-01T12:00:00.000+09:00", "productOrderStatus": "PAYED"}]
                return httpx.Response(200, json={"data": {"lastChangeStatuses": rows, "count": 1}})
            if params["lastChangedFrom"] == ["2024-03-01T09:00:00.000+09:00"]:
                rows = [{"orderId": "O1", "productOrderId": f"L{i}", "lastChangedType": "PAYED",
                         "lastChangedDate": "2024-03-01T10:00:00.000+09:00", "productOrderStatus": "PAYED",
                         "receiverAddressChanged": i == 2} for i in (1, 2)]
                return httpx.Response(200, json={"data": {"lastChangeStatuses": rows, "count": 2, "more": {
                    "moreFrom": "2024-03-01T12:00:00.000+09:00", "moreSequence": "L3"}}})
            return httpx.Response(200, json={"data": {"lastChangeStatuses": [], "count": 0}})
        if path.endswith("/product-orders/query"):
            ids = json.loads(request.content)["productOrderIds"]
            return httpx.Response(200, json={"data": [naver_item(i) for i in ids]})
        raise AssertionError(path)

    sleeps: list[float] = []
    conn = naver_connector(handler, sleeps)
    window = FetchWindow(start=datetime(2024, 3, 1, 0, 0, tzinfo=UTC), end=datetime(2024, 3, 2, 6, 0, tzinfo=UTC))
    pages = list(conn.iter_pages(window))
    lines = [o.order_line_id for p in pages for o in p.orders]
    assert lines == ["L1", "L2", "L3"]
    assert [o.address_changed for p in pages for o in p.orders] == [False, True, False]
    assert pages[0].orders[0].changed_at == datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
    change_calls = [parse_qs(c.url.query.decode()) for c in calls if c.url.path.endswith("last-changed-statuses")]
    # first slice: 24 h; `more` keeps lastChangedTo; then the remaining 6 h slice
    assert change_calls[0]["lastChangedTo"] == ["2024-03-02T09:00:00.000+09:00"]
    assert change_calls[1]["lastChangedFrom"] == ["2024-03-01T12:00:00.000+09:00"]
    assert change_calls[1]["lastChangedTo"] == change_calls[0]["lastChangedTo"]
    assert change_calls[2]["lastChangedFrom"] == ["2024-03-02T09:00:00.000+09:00"]
    assert change_calls[2]["lastChangedTo"] == ["2024-03-02T15:00:00.000+09:00"]
    assert len(change_calls) == 3 and not pages[-1].has_more
    assert sum(c.url.path.endswith("/oauth2/token") for c in calls) == 1  # the token is cached


def test_naver_refreshes_the_token_once_on_401():
    tokens = iter(["old", "new"])
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return token_response(request, next(tokens))
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"code": "GW.AUTHN", "message": "인증 실패"})
        return httpx.Response(200, json={"data": [naver_item("L9")]})

    conn = naver_connector(handler, [])
    assert conn.get_order("L9").order_line_id == "L9"
    assert seen == ["Bearer old", "Bearer new"]


def test_naver_token_refusal_carries_naver_message():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"code": "GW.IP_NOT_ALLOWED", "message": "호출이 허용되지 않은 IP입니다."})

    with pytest.raises(AuthError) as info:
        naver_connector(handler, []).test_connection()
    assert info.value.code == "GW.IP_NOT_ALLOWED"
    assert "호출이 허용되지 않은 IP입니다." in str(info.value) and "IP를 등록" in str(info.value)


def test_naver_honours_retry_after_on_429():
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}, json={"code": "GW.RATE_LIMIT", "message": "x"}),
                    httpx.Response(200, json={"data": [naver_item("L1")]})])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return token_response(request)
        return next(answers)

    sleeps: list[float] = []
    assert naver_connector(handler, sleeps).get_order("L1").order_line_id == "L1"
    assert max(sleeps) > 6.5  # waited out Retry-After before the retry


def test_naver_business_error_keeps_code_and_invalid_inputs():
    body = {"code": "BAD_REQUEST", "message": "잘못된 요청",
            "invalidInputs": [{"name": "fieldName", "message": "잘못된 값입니다.", "type": "typeMismatch"}]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return token_response(request)
        return httpx.Response(400, json=body)

    with pytest.raises(BusinessError) as info:
        naver_connector(handler, []).get_order("L1")
    assert info.value.code == "BAD_REQUEST" and info.value.details == body["invalidInputs"]


def test_naver_confirm_reports_per_line_and_is_not_retried_on_500():
    confirm_calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return token_response(request)
        confirm_calls.append(json.loads(request.content)["productOrderIds"])
        if len(confirm_calls) == 1:
            return httpx.Response(200, json={"data": {
                "successProductOrderInfos": [{"productOrderId": "A", "isReceiverAddressChanged": True}],
                "failProductOrderInfos": [{"productOrderId": "B", "code": "105306", "message": "이미 처리"}]}})
        return httpx.Response(500, json={"code": "GW.INTERNAL_SERVER_ERROR", "message": "boom"})

    conn = naver_connector(handler, [])
    result = conn.confirm_orders(["A", "B", "C"])
    assert result.confirmed == ["A"] and result.address_changed == ["A"]
    assert [(f.order_line_id, f.code) for f in result.failed] == [("B", "105306"), ("C", "NO_ANSWER")]
    with pytest.raises(TemporaryError):
        conn.confirm_orders(["D"])
    assert len(confirm_calls) == 2  # a write that may have reached Naver is not repeated blindly


# --- Coupang ----------------------------------------------------------------------------------

def coupang_connector(handler, sleeps, **kwargs) -> coupang.CoupangConnector:
    creds = coupang.CoupangCredentials(vendor_id="A00012345", access_key="ak", secret_key="sk")
    return coupang.CoupangConnector(creds, options=options(handler, sleeps), clock=lambda: NOW, **kwargs)


def check_signature(request: httpx.Request) -> None:
    header = request.headers["Authorization"]
    fields = dict(part.split("=", 1) for part in header.removeprefix("CEA ").split(", "))
    assert fields["algorithm"] == "HmacSHA256" and fields["access-key"] == "ak"
    assert fields["signed-date"] == "240302T030000Z"
    path, _, query = request.url.raw_path.decode().partition("?")
    assert fields["signature"] == coupang.signature("sk", fields["signed-date"], request.method, path, query)


def sheet(box: int, status: str = "ACCEPT") -> dict:
    return {"shipmentBoxId": box, "orderId": box * 10, "orderedAt": "2024-03-01T10:00:00", "paidAt": None,
            "status": status, "shippingPrice": 3000, "orderer": {"name": "김*수"},
            "receiver": {"name": "김*수", "addr1": "서울", "addr2": "1층", "postCode": "06236"},
            "orderItems": [{"vendorItemId": 7, "shippingCount": 2, "salesPrice": 1000, "orderPrice": 2000,
                            "discountPrice": 100, "sellerProductId": 55, "sellerProductName": "상품",
                            "sellerProductItemName": "옵션"}]}


def test_coupang_signs_every_request_and_pages_statuses_with_next_token():
    calls: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        check_signature(request)
        assert request.headers["X-Requested-By"] == "A00012345"
        params = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        calls.append(params)
        assert (params["createdAtFrom"], params["createdAtTo"]) == ("2024-03-01", "2024-03-02")
        if params["status"] == "ACCEPT" and "nextToken" not in params:
            return httpx.Response(200, json={"code": 200, "message": "OK", "data": [sheet(1)], "nextToken": "1"})
        if params["status"] == "ACCEPT":
            return httpx.Response(200, json={"code": 200, "message": "OK", "data": [sheet(2)], "nextToken": ""})
        return httpx.Response(200, json={"code": 200, "message": "OK", "data": [sheet(3, "INSTRUCT")], "nextToken": ""})

    conn = coupang_connector(handler, [], statuses=("ACCEPT", "INSTRUCT"))
    window = FetchWindow(start=datetime(2024, 3, 1, 0, 0, tzinfo=UTC), end=NOW)
    lines = [o for page in conn.iter_pages(window) for o in page.orders]
    assert [o.order_line_id for o in lines] == ["1-7", "2-7", "3-7"]
    assert [o.status for o in lines] == [OrderStatus.NEW, OrderStatus.NEW, OrderStatus.CONFIRMED]
    assert [(c["status"], c.get("nextToken")) for c in calls] == [("ACCEPT", None), ("ACCEPT", "1"), ("INSTRUCT", None)]
    assert lines[0].total_amount == 1900 and lines[0].discount_amount == 100


def test_coupang_invalid_signature_is_an_auth_error_with_coupangs_message():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"code": "ERROR", "message": "Invalid signature.", "transactionId": "t"})

    with pytest.raises(AuthError) as info:
        coupang_connector(handler, []).test_connection()
    assert info.value.message == "Invalid signature." and info.value.status == 401


def test_coupang_retries_5xx_on_reads_then_gives_up():
    count = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        return httpx.Response(504, json={"code": "ERROR", "message": "Request timed out"})

    sleeps: list[float] = []
    with pytest.raises(TemporaryError) as info:
        coupang_connector(handler, sleeps).get_order("1-7")
    assert count["n"] == 4 and info.value.status == 504
    assert len([s for s in sleeps if s > 0]) == 3  # backoff between the attempts


def test_coupang_retries_timeouts_on_reads():
    answers = iter(["timeout", "ok"])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(answers) == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"code": "200", "message": "OK", "data": sheet(1)})

    assert coupang_connector(handler, []).get_order("1-7").order_line_id == "1-7"


def test_coupang_acknowledgement_maps_partial_results_to_lines():
    published = json.loads(open(__file__.replace("test_http_clients.py", "fixtures/coupang/"
                                                 "delivery__product-preparation-processing.response.json")).read())

    def handler(request: httpx.Request) -> httpx.Response:
        check_signature(request)
        assert request.method == "PATCH" and request.url.path.endswith("/ordersheets/acknowledgement")
        assert json.loads(request.content) == {"vendorId": "A00012345", "shipmentBoxIds": [102391542, 102391599]}
        return httpx.Response(200, json=published)

    result = coupang_connector(handler, []).confirm_orders(["102391542-11", "102391599-22", "102391542-11"])
    assert result.confirmed == ["102391542-11"]
    [failure] = result.failed
    assert (failure.order_line_id, failure.code, failure.retryable) == ("102391599-22", "NOT_FOUND_SHIPMENT_BOX", True)


def test_coupang_persistent_429_becomes_rate_limited():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "2"}, json={"code": "ERROR", "message": "Too many"})

    with pytest.raises(RateLimited) as info:
        coupang_connector(handler, []).get_order("1-7")
    assert info.value.retry_after == 2


# --- Shopify ----------------------------------------------------------------------------------

def gql_order(order_id: int, lines: int = 1, line_start: int = 0, more_lines: bool = False) -> dict:
    money = {"shopMoney": {"amount": "12900.0", "currencyCode": "KRW"}}
    return {
        "id": f"gid://shopify/Order/{order_id}", "legacyResourceId": str(order_id),
        "createdAt": "2024-03-01T01:00:00Z", "processedAt": "2024-03-01T01:00:05Z", "updatedAt": "2024-03-01T02:00:00Z",
        "cancelledAt": None, "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
        "currencyCode": "KRW", "email": "a@example.com", "phone": None, "note": None,
        "customer": {"displayName": "홍길동"},
        "shippingAddress": {"name": "홍길동", "phone": "010-1111-2222", "zip": "06236", "address1": "서울",
                            "address2": "1층", "city": "", "province": "", "countryCodeV2": "KR"},
        "totalShippingPriceSet": {"shopMoney": {"amount": "3000.0", "currencyCode": "KRW"}},
        "lineItems": {"pageInfo": {"hasNextPage": more_lines, "endCursor": "LC1" if more_lines else None},
                      "nodes": [{"id": f"gid://shopify/LineItem/{order_id}{i}", "title": "티셔츠",
                                 "variantTitle": "L", "sku": f"TS-{i}", "quantity": 1, "currentQuantity": 1,
                                 "unfulfilledQuantity": 1, "originalUnitPriceSet": money, "totalDiscountSet": None,
                                 "discountedTotalSet": money, "product": {"legacyResourceId": "77"},
                                 "variant": {"legacyResourceId": "88", "sku": f"TS-{i}"}}
                                for i in range(line_start, line_start + lines)]},
    }


def shopify_connector(handler, sleeps) -> shopify.ShopifyConnector:
    creds = shopify.ShopifyCredentials(shop_domain="https://Demo.myshopify.com/", access_token="shpat_x")
    return shopify.ShopifyConnector(creds, options=options(handler, sleeps))


def cost(available: int, requested: int = 500) -> dict:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": 10,
                     "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": available, "restoreRate": 50}}}


def test_shopify_pages_by_cursor_waits_for_cost_and_retries_throttled():
    bodies: list[dict] = []
    answers = iter([
        {"data": {"orders": {"pageInfo": {"hasNextPage": True, "endCursor": "C1"}, "nodes": [gql_order(1)]}},
         "extensions": cost(100)},
        {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}], "extensions": cost(0)},
        {"data": {"orders": {"pageInfo": {"hasNextPage": False, "endCursor": "C2"}, "nodes": [gql_order(2)]}},
         "extensions": cost(900)},
    ])

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "demo.myshopify.com"
        assert request.url.path == f"/admin/api/{shopify.API_VERSION}/graphql.json"
        assert request.headers["X-Shopify-Access-Token"] == "shpat_x"
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=next(answers))

    sleeps: list[float] = []
    conn = shopify_connector(handler, sleeps)
    window = FetchWindow(start=datetime(2024, 3, 1, tzinfo=UTC), end=datetime(2024, 3, 2, tzinfo=UTC))
    pages = list(conn.iter_pages(window))
    assert [o.order_line_id for p in pages for o in p.orders] == ["1-10", "2-20"]
    assert bodies[0]["variables"]["query"] == ("updated_at:>='2024-03-01T00:00:00Z' AND "
                                               "updated_at:<='2024-03-02T00:00:00Z'")
    assert bodies[0]["variables"]["after"] is None and bodies[1]["variables"]["after"] == "C1"
    assert sleeps[0] == pytest.approx((500 - 100) / 50)  # waited for the bucket before page 2
    assert sleeps[1] == pytest.approx(500 / 50)  # THROTTLED: waited, then retried the same page
    first = pages[0].orders[0]
    assert (first.unit_price, first.total_amount, first.shipping_fee, first.currency) == (12900, 12900, 3000, "KRW")
    assert first.paid_at == datetime(2024, 3, 1, 1, 0, 5, tzinfo=UTC) and first.status == OrderStatus.NEW


def test_shopify_fetches_remaining_line_items_of_big_orders():
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["query"].startswith("query OrderLineItems"):
            assert body["variables"] == {"id": "gid://shopify/Order/5", "after": "LC1"}
            rest = gql_order(5, lines=2, line_start=20)["lineItems"]
            return httpx.Response(200, json={"data": {"order": {"lineItems": rest}}})
        node = gql_order(5, lines=20, more_lines=True)
        return httpx.Response(200, json={"data": {"orders": {"pageInfo": {"hasNextPage": False}, "nodes": [node]}}})

    page = shopify_connector(handler, []).fetch_orders(FetchWindow.last(timedelta(days=1)))
    assert len(page.orders) == 22 and page.orders[-1].order_line_id == "5-521"
    assert [o.shipping_fee for o in page.orders].count(3000) == 1  # bundle shipping on the first line only


def test_shopify_bad_token_is_auth_error_with_shopifys_message():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"errors": "[API] Invalid API key or access token (unrecognized login or "
                                                   "wrong password)"})

    with pytest.raises(AuthError) as info:
        shopify_connector(handler, []).test_connection()
    assert "Invalid API key or access token" in info.value.message


def test_shopify_has_no_confirm():
    conn = shopify_connector(lambda r: httpx.Response(500), [])
    assert conn.capabilities.confirm is False
    with pytest.raises(UnsupportedOperation):
        conn.confirm_orders(["1-1"])


def test_one_malformed_order_is_quarantined_and_the_page_goes_on():
    broken = gql_order(2)
    broken["createdAt"] = "yesterday"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"orders": {"pageInfo": {"hasNextPage": False},
                                                             "nodes": [gql_order(1), broken, gql_order(3)]}}})

    page = shopify_connector(handler, []).fetch_orders(FetchWindow.last(timedelta(days=1)))
    assert [o.order_id for o in page.orders] == ["1", "3"]
    [error] = page.errors
    assert error.field == "data.orders.nodes[1].createdAt" and error.order_id == "2"
    assert "yesterday" in error.message
