"""Fulfilment and listings against the sandbox over real HTTP, driven by the real connectors:
dispatch moves the order to shipped (re-collection sees it) and feeds tracking events, delay is
recorded, listings read back exactly the sandbox's ground truth, stock/price/sale-status writes change
it, Shopify's compare-and-set refuses a stale expectation, registration validates before sending."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from marketdock.channels.connectors.errors import BusinessError, TemporaryError, UnsupportedOperation
from marketdock.channels.connectors.models import (
    DelayItem,
    DispatchItem,
    ListingDraft,
    ListingDraftOption,
    OrderStatus,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
)
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.sandbox import connect, listings_truth, received, set_faults

PROTOCOL_SHOPS = ["naver-demo", "coupang-demo", "shopify-demo"]
CARRIER = {"naver": "CJGLS", "coupang": "CJGLS", "shopify": "CJ Logistics"}
DRAFT_EXTRA = {
    "naver": {"afterServiceInfo": {"afterServiceTelephoneNumber": "02-1234-5678", "afterServiceGuideContent": "평일 10-17시"},
              "originAreaInfo": {"originAreaCode": "00"},
              "productInfoProvidedNotice": {"productInfoProvidedNoticeType": "ETC"}},
    "coupang": {"vendorUserId": "wing-id", "outboundShippingPlaceCode": "74010", "returnCenterCode": "1000274592",
                "returnChargeName": "반품지", "companyContactNumber": "02-1234-5678", "returnZipCode": "06236",
                "returnAddress": "서울특별시 강남구 테헤란로 152", "returnAddressDetail": "21층",
                "afterServiceInformation": "A/S 1544-0000", "afterServiceContactNumber": "1544-0000",
                "deliveryCompanyCode": "CJGLS",
                "notices": [{"noticeCategoryName": "기타 재화", "noticeCategoryDetailName": "품명 및 모델명",
                             "content": "상세페이지 참조"}]},
    "shopify": {},
}


@pytest.fixture
def sandbox():
    state = SandboxState(seed=7, order_rate=0, initial_orders=30)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def shippable(state, code: str):
    shop = state.shops[code]
    for order in shop.orders:
        if shop.protocol == "naver" and order.status == "PAYED" and not order.claim_type:
            return shop, order
        if shop.protocol == "coupang" and order.status == "INSTRUCT":
            return shop, order
        if (shop.protocol == "shopify" and order.status == "UNFULFILLED" and order.financial == "PAID"
                and not order.cancelled_at):
            return shop, order
    raise AssertionError(f"no shippable order in {code}")


def items_for(shop, order, number: str, **overrides) -> list[DispatchItem]:
    return [DispatchItem(order_line_id=line, order_id=order.order_no, carrier_code="cj",
                         marketplace_carrier_code=overrides.get("code", CARRIER[shop.protocol]), tracking_number=number,
                         shipped_at=datetime.now(UTC)) for line in shop.line_ids(order)]


@pytest.mark.parametrize("code", PROTOCOL_SHOPS)
def test_dispatch_ships_the_order_feeds_tracking_and_refuses_a_second_time(sandbox, code):
    state, base = sandbox
    conn = connect(base, code)
    shop, order = shippable(state, code)
    lines = shop.line_ids(order)

    result = conn.dispatch(items_for(shop, order, "630012345678"))
    assert sorted(result.sent) == sorted(lines) and result.failed == []
    calls = received(base, code, "dispatch")
    assert len(calls) == 1
    # re-collection sees the shipment
    assert conn.get_order(lines[0]).status in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT)
    # tracking: picked up now, delivered after four stages; by OMS key and by marketplace code alike
    events = httpx.get(f"{base}/_sandbox/tracking/cj/630012345678").json()["events"]
    assert [e["status"] for e in events] == ["picked_up"]
    later = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    late = httpx.get(f"{base}/_sandbox/tracking/{CARRIER[shop.protocol]}/630012345678", params={"now": later}).json()
    assert [e["status"] for e in late["events"]] == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert httpx.get(f"{base}/_sandbox/tracking/hanjin/630012345678").status_code == 404
    assert httpx.get(f"{base}/_sandbox/tracking/cj/999999999999").status_code == 404

    again = conn.dispatch(items_for(shop, order, "630012345678"))
    assert again.sent == [] and sorted(f.order_line_id for f in again.failed) == sorted(lines)
    assert all(f.message for f in again.failed)


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo"])
def test_dispatch_with_an_unknown_carrier_code_fails_per_line_with_the_marketplace_message(sandbox, code):
    state, base = sandbox
    conn = connect(base, code)
    shop, order = shippable(state, code)
    result = conn.dispatch(items_for(shop, order, "630012345678", code="LOGEN"))
    assert result.sent == []
    assert {f.code for f in result.failed} <= {"104119", "INVALID_DELIVERY_COMPANY"}
    assert len(result.failed) == len(shop.line_ids(order))
    assert state.shipments == {}
    assert shippable(state, code)[1] is order  # still waiting to ship


def test_dispatch_item_without_tracking_number_is_refused_before_sending(sandbox):
    state, base = sandbox
    conn = connect(base, "naver-demo")
    shop, order = shippable(state, "naver-demo")
    item = DispatchItem(order_line_id=shop.line_ids(order)[0], carrier_code="cj", marketplace_carrier_code="CJGLS",
                        tracking_number="", shipped_at=datetime.now(UTC))
    result = conn.dispatch([item])
    assert result.failed[0].code == "INVALID_ITEM" and "송장번호" in result.failed[0].message
    assert received(base, "naver-demo", "dispatch") == []


def test_dispatch_under_a_500_outage_raises_temporary_and_does_not_resend(sandbox):
    state, base = sandbox
    conn = connect(base, "coupang-demo")
    shop, order = shippable(state, "coupang-demo")
    set_faults(base, "coupang-demo", error_500_every=1)
    with pytest.raises(TemporaryError):
        conn.dispatch(items_for(shop, order, "630012345678"))
    assert state.shops["coupang-demo"].calls == 1  # a write is never retried blindly
    set_faults(base, "coupang-demo", error_500_every=0)
    assert conn.dispatch(items_for(shop, order, "630012345678")).failed == []


def test_naver_delay_is_recorded_and_bad_reasons_never_leave(sandbox):
    state, base = sandbox
    conn = connect(base, "naver-demo")
    shop, order = shippable(state, "naver-demo")
    line = shop.line_ids(order)[0]
    result = conn.delay([
        DelayItem(order_line_id=line, expected_date=date.today() + timedelta(days=5), reason_code="PRODUCT_PREPARE",
                  message="입고 지연으로 5일 후 발송합니다"),
        DelayItem(order_line_id=line, expected_date=date.today() + timedelta(days=5), reason_code="SOMETIME",
                  message="x"),
    ])
    assert result.delayed == [line]
    assert result.failed[0].code == "INVALID_REASON"
    calls = received(base, "naver-demo", "delay")
    assert [c["productOrderId"] for c in calls] == [line] and calls[0]["reason"] == "PRODUCT_PREPARE"


@pytest.mark.parametrize("code", ["coupang-demo", "shopify-demo"])
def test_delay_is_unsupported_where_the_marketplace_has_no_such_api(sandbox, code):
    _state, base = sandbox
    conn = connect(base, code)
    assert conn.capabilities.delay is False
    with pytest.raises(UnsupportedOperation):
        conn.delay([DelayItem(order_line_id="1-2", expected_date=date.today(), reason_code="ETC", message="x")])


@pytest.mark.parametrize("code", PROTOCOL_SHOPS + ["shopify-demo2"])
def test_listings_read_back_exactly_the_sandbox_ground_truth(sandbox, code):
    _state, base = sandbox
    conn = connect(base, code)
    listings = {listing.product_id: listing for listing in conn.iter_listings()}
    truth = listings_truth(base, code)
    assert set(listings) == set(truth)
    for product_id, product in truth.items():
        listing = listings[product_id]
        assert listing.name == product["name"]
        assert listing.sale_status == product["sale_status"]
        by_option = {o.option_id: o for o in listing.options}
        assert set(by_option) == {o["option_id"] for o in product["options"]}
        for option in product["options"]:
            got = by_option[option["option_id"]]
            assert got.stock == option["stock"]
            assert listing.price + got.price_delta == product["price"] + option["extra_price"]
            assert got.seller_option_code == option["sku"] or code.startswith("naver")


@pytest.mark.parametrize("code", PROTOCOL_SHOPS)
def test_stock_price_and_sale_status_updates_change_the_ground_truth(sandbox, code):
    _state, base = sandbox
    conn = connect(base, code)
    product = next(iter(listings_truth(base, code).values()))
    pid = product["product_id"]
    first, second = product["options"][0], product["options"][1]

    stock = conn.update_stock([
        StockUpdate(product_id=pid, option_id=first["option_id"], quantity=7, expected_quantity=first["stock"]),
        StockUpdate(product_id=pid, option_id=second["option_id"], quantity=0),
        StockUpdate(product_id=pid, option_id="1", quantity=3),
    ])
    assert set(stock.applied) == {(pid, first["option_id"]), (pid, second["option_id"])}
    assert [(f.product_id, f.option_id) for f in stock.failed] == [(pid, "1")]
    after = listings_truth(base, code)[pid]
    assert [o["stock"] for o in after["options"][:2]] == [7, 0]

    new_total = product["price"] + second["extra_price"] + 1000
    price = conn.update_price([PriceUpdate(product_id=pid, option_id=second["option_id"], price=new_total)])
    assert price.applied == [(pid, second["option_id"])] and price.failed == []
    after = listings_truth(base, code)[pid]
    assert after["price"] + after["options"][1]["extra_price"] == new_total

    status = conn.set_sale_status([SaleStatusUpdate(product_id=pid, on_sale=False)])
    assert status.applied == [(pid, "")]
    assert listings_truth(base, code)[pid]["sale_status"] == "stopped"
    assert conn.get_listing(pid).sale_status == "stopped"
    conn.set_sale_status([SaleStatusUpdate(product_id=pid, on_sale=True)])
    assert listings_truth(base, code)[pid]["sale_status"] == "on_sale"
    operations = [r["operation"] for r in received(base, code)]
    assert {"stock", "price", "sale_status"} <= set(operations)


def test_shopify_stock_compare_and_set_refuses_a_stale_expectation_and_reports_the_actual(sandbox):
    state, base = sandbox
    conn = connect(base, "shopify-demo")
    assert conn.capabilities.compare_and_set is True
    product = next(iter(listings_truth(base, "shopify-demo").values()))
    option = product["options"][0]
    # someone sold two meanwhile: the marketplace holds less than the OMS believes
    state.shops["shopify-demo"].option(option["option_id"])[1].stock = option["stock"] - 2
    result = conn.update_stock([StockUpdate(product_id=product["product_id"], option_id=option["option_id"],
                                            quantity=50, expected_quantity=option["stock"])])
    assert result.applied == [] and result.failed == []
    assert result.conflicts == [(product["product_id"], option["option_id"], option["stock"] - 2)]
    assert listings_truth(base, "shopify-demo")[product["product_id"]]["options"][0]["stock"] == option["stock"] - 2
    # with the right expectation it goes through
    ok = conn.update_stock([StockUpdate(product_id=product["product_id"], option_id=option["option_id"],
                                        quantity=50, expected_quantity=option["stock"] - 2)])
    assert ok.applied == [(product["product_id"], option["option_id"])]
    assert listings_truth(base, "shopify-demo")[product["product_id"]]["options"][0]["stock"] == 50


def test_shopify_inventory_mutation_without_idempotency_is_refused_like_shopify(sandbox):
    _state, base = sandbox
    token = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"]
                 if s["code"] == "shopify-demo")["credentials"]["access_token"]
    query = ("mutation InventorySet($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
             "{ userErrors { field message code } } }")
    body = httpx.post(f"{base}/admin/api/2026-04/graphql.json", headers={"X-Shopify-Access-Token": token},
                      json={"query": query, "variables": {"input": {"name": "available", "reason": "correction",
                                                                  "quantities": []}}}).json()
    assert "@idempotent" in body["errors"][0]["message"]


@pytest.mark.parametrize("code", PROTOCOL_SHOPS)
def test_register_listing_validates_the_draft_then_creates_the_product(sandbox, code):
    _state, base = sandbox
    conn = connect(base, code)
    protocol = code.split("-")[0]
    before = set(listings_truth(base, code))
    if protocol != "shopify":
        with pytest.raises(BusinessError) as missing:
            conn.register_listing(ListingDraft(name="신상 후드티", price=39000))
        assert missing.value.code == "DRAFT_INVALID" and "카테고리" in missing.value.message
        assert received(base, code, "register_listing") == []
    draft = ListingDraft(name="신상 후드티", price=39000, category_id="50000803",
                         image_urls=["https://img.example.com/hood.jpg"], description_html="<p>따뜻한 후드티</p>",
                         options=[ListingDraftOption(name="블랙 / M", stock=5, seller_option_code="HOOD-BK-M"),
                                  ListingDraftOption(name="블랙 / L", stock=2, price_delta=2000,
                                                     seller_option_code="HOOD-BK-L")],
                         extra=DRAFT_EXTRA[protocol])
    listing = conn.register_listing(draft)
    truth = listings_truth(base, code)
    assert set(truth) - before == {listing.product_id}
    created = truth[listing.product_id]
    assert created["name"] == "신상 후드티"
    assert sorted((o["name"], o["stock"], created["price"] + o["extra_price"]) for o in created["options"]) == [
        ("블랙 / L", 2, 41000), ("블랙 / M", 5, 39000)]
    assert {o.name for o in listing.options} == {"블랙 / M", "블랙 / L"}

    changed = conn.update_listing(listing.product_id, draft.model_copy(update={
        "name": "신상 후드티 (재입고)", "options": [o.model_copy(update={"option_id": listing.options[i].option_id})
                                              for i, o in enumerate(draft.options)]}))
    assert changed.product_id == listing.product_id and changed.name == "신상 후드티 (재입고)"
    assert listings_truth(base, code)[listing.product_id]["name"] == "신상 후드티 (재입고)"
