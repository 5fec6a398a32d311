"""Fulfilment and listing methods of the three connectors against httpx.MockTransport: the request
each sends (method, path, auth header, body fields — compared with the marketplaces' published
examples in fixtures/), how each answer is read (the published response examples where they exist),
per-line failures, validation before sending, and Shopify's compare-and-set conflict."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from marketdock.channels.connectors import coupang, shopify
from marketdock.channels.connectors.errors import BusinessError
from marketdock.channels.connectors.models import (
    DelayItem,
    DispatchItem,
    ListingDraft,
    ListingDraftOption,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
)
from tests.factories.channels import (
    SHIPPED,
    coupang_conn,
    gql,
    naver_conn,
    naver_products,
    sample,
    shopify_conn,
)

# --- Naver -----------------------------------------------------------------------------------

def test_naver_dispatch_request_matches_the_published_example_and_reads_per_line_answers():
    def answer(request):
        ids = [e["productOrderId"] for e in json.loads(request.content)["dispatchProductOrders"]]
        return httpx.Response(200, json={"timestamp": "x", "data": {
            "successProductOrderIds": ids[:-1],
            "failProductOrderInfos": [{"productOrderId": ids[-1], "code": "104121", "message": "이미 사용된 송장번호"}]}})

    conn, rec = naver_conn(answer)
    items = [DispatchItem(order_line_id=f"20220405216912{i:02d}", carrier_code="cj", marketplace_carrier_code="CJGLS",
                          tracking_number="6300-1234-5678", shipped_at=SHIPPED) for i in range(31)]
    items.append(DispatchItem(order_line_id="2022040521691299", method="visit", shipped_at=SHIPPED))
    result = conn.dispatch(items)

    calls = [r for r in rec.requests if r.url.path.endswith("/dispatch")]
    assert len(calls) == 2  # ≤30 lines per call
    assert all(r.method == "POST" and r.url.path == "/external/v1/pay-order/seller/product-orders/dispatch"
               and r.headers["Authorization"] == "Bearer tok-1" for r in calls)
    first = json.loads(calls[0].content)["dispatchProductOrders"][0]
    published = sample("naver/dispatch_request.example.json")["dispatchProductOrders"][0]
    assert set(first) == set(published)
    assert first["deliveryMethod"] == "DELIVERY" and first["deliveryCompanyCode"] == "CJGLS"
    assert first["trackingNumber"] == "630012345678" and first["dispatchDate"] == "2024-03-02T12:17:35.000+09:00"
    visit = json.loads(calls[1].content)["dispatchProductOrders"][-1]
    assert visit == {"productOrderId": "2022040521691299", "deliveryMethod": "VISIT_RECEIPT",
                     "dispatchDate": "2024-03-02T12:17:35.000+09:00"}
    assert len(result.sent) == 30 and {f.code for f in result.failed} == {"104121"}


def test_naver_delay_body_matches_the_published_example_and_one_refusal_does_not_stop_the_rest():
    def answer(request):
        if "2022040521691282" in request.url.path:
            return httpx.Response(400, json={"code": "104105", "message": "발송기한 범위 초과"})
        line = request.url.path.split("/")[-2]
        return httpx.Response(200, json={"data": {"successProductOrderIds": [line], "failProductOrderInfos": []}})

    conn, rec = naver_conn(answer)
    result = conn.delay([
        DelayItem(order_line_id="2022040521691281", expected_date=date(2022, 6, 5), reason_code="PRODUCT_PREPARE",
                  message="상품 준비중입니다."),
        DelayItem(order_line_id="2022040521691282", expected_date=date(2022, 6, 5), reason_code="PRODUCT_PREPARE",
                  message="상품 준비중입니다."),
    ])
    body = rec.bodies("/delay")[0]
    assert set(body) == set(sample("naver/delay.request.example.json"))
    assert body["dispatchDueDate"].startswith("2022-06-05T") and body["dispatchDueDate"].endswith("+09:00")
    assert rec.requests[1].url.path == "/external/v1/pay-order/seller/product-orders/2022040521691281/delay"
    assert result.delayed == ["2022040521691281"]
    assert [(f.order_line_id, f.code) for f in result.failed] == [("2022040521691282", "104105")]


def test_naver_listing_and_option_stock_write_keep_the_other_options():
    conn, rec = naver_conn(naver_products)
    listing = conn.get_listing("555")
    assert (listing.product_id, listing.origin_product_id, listing.price, listing.sale_status) == ("555", "777", 19900,
                                                                                                   "on_sale")
    assert [(o.option_id, o.name, o.stock, o.price_delta, o.seller_option_code) for o in listing.options] == [
        ("11", "블랙 / M", 5, 0, "BK-M"), ("12", "블랙 / L", 10, 1000, "")]
    search = rec.bodies("/products/search")[0]
    assert search["searchKeywordType"] == "CHANNEL_PRODUCT_NO" and search["channelProductNos"] == [555]

    result = conn.update_stock([StockUpdate(product_id="555", option_id="12", quantity=3),
                                StockUpdate(product_id="555", option_id="99", quantity=1)])
    put = [r for r in rec.requests if r.url.path.endswith("/option-stock")]
    assert len(put) == 1 and put[0].method == "PUT"
    assert put[0].url.path == "/external/v1/products/origin-products/777/option-stock"
    body = json.loads(put[0].content)
    assert set(body) <= set(sample("naver/option-stock.request.schema-example.json"))
    combos = {c["id"]: c["stockQuantity"] for c in body["optionInfo"]["optionCombinations"]}
    assert combos == {11: 5, 12: 3}  # the untouched option is sent as it was
    assert result.applied == [("555", "12")] and [f.option_id for f in result.failed] == ["99"]


def test_naver_price_and_sale_status_requests():
    conn, rec = naver_conn(naver_products)
    conn.update_price([PriceUpdate(product_id="555", option_id=None, price=21000),
                       PriceUpdate(product_id="555", option_id="12", price=23000)])
    body = rec.bodies("/option-stock")[0]
    assert body["productSalePrice"] == {"salePrice": 21000}
    assert {c["id"]: c["price"] for c in body["optionInfo"]["optionCombinations"]} == {11: 0, 12: 2000}
    conn.set_sale_status([SaleStatusUpdate(product_id="555", on_sale=False)])
    status = rec.bodies("/change-status")[0]
    assert set(status) <= set(sample("naver/change-status.request.schema-example.json"))
    assert status == {"statusType": "SUSPENSION"}


def test_naver_register_refuses_an_incomplete_draft_before_sending():
    conn, rec = naver_conn(naver_products)
    with pytest.raises(BusinessError) as error:
        conn.register_listing(ListingDraft(name="후드티", price=39000, image_urls=["https://img/x.jpg"]))
    assert error.value.code == "DRAFT_INVALID"
    assert "카테고리" in error.value.message and "상품정보제공고시" in error.value.message
    assert "대표 이미지" not in error.value.message
    assert rec.requests == []


# --- Coupang ---------------------------------------------------------------------------------

def test_coupang_invoice_upload_matches_the_published_example_and_reads_its_answer():
    conn, rec = coupang_conn(lambda r: httpx.Response(200, json=sample(
        "coupang/delivery__invoice-upload-processing.response.json")))
    published = sample("coupang/delivery__invoice-upload-processing.request.json")
    items = [DispatchItem(order_line_id=f"{d['shipmentBoxId']}-{d['vendorItemId']}", order_id=str(d["orderId"]),
                          carrier_code="kdexp", marketplace_carrier_code=d["deliveryCompanyCode"],
                          tracking_number=d["invoiceNumber"], shipped_at=SHIPPED)
             for d in published["orderSheetInvoiceApplyDtos"]]
    result = conn.dispatch(items)
    request = rec.requests[0]
    assert request.method == "POST"
    assert request.url.path == "/v2/providers/openapi/apis/api/v4/vendors/A00034612/orders/invoices"
    assert request.headers["Authorization"].startswith("CEA algorithm=HmacSHA256, access-key=ak, signed-date=")
    assert json.loads(request.content) == published
    assert sorted(result.sent) == sorted(i.order_line_id for i in items) and result.failed == []


def test_coupang_dispatch_refuses_visit_and_a_missing_order_id_before_sending():
    conn, rec = coupang_conn(lambda r: httpx.Response(500))
    result = conn.dispatch([
        DispatchItem(order_line_id="606920263-3823839899", order_id="4000019469460", method="visit",
                     shipped_at=SHIPPED),
        DispatchItem(order_line_id="606920263-3834780191", carrier_code="cj", marketplace_carrier_code="CJGLS",
                     tracking_number="630012345678", shipped_at=SHIPPED),
    ])
    assert rec.requests == [] and result.sent == []
    assert ["방문수령" in result.failed[0].message, "orderId" in result.failed[1].message] == [True, True]


def coupang_products(request):
    path = request.url.path
    if path.endswith("/seller-products/152620911"):
        return httpx.Response(200, json=sample("coupang/product__lookup-seller-product.response.json"))
    if path.endswith("/seller-products"):
        if request.method == "POST":
            return httpx.Response(200, json=sample("coupang/product__create-seller-product.response.json"))
        page = sample("coupang/product__lookup-seller-product-list-paging.response.json")
        for row in page["data"]:
            row["sellerProductId"] = 152620911
        return httpx.Response(200, json=page)
    if path.endswith("/seller-products/427011919"):
        return httpx.Response(200, json=sample("coupang/product__lookup-seller-product.response.json"))
    if path.endswith("/inventories"):
        return httpx.Response(200, json=sample("coupang/product__lookup-quantity-price-status-by-product.response.json"))
    if "/quantities/" in path:
        return httpx.Response(200, json=sample("coupang/product__change-quantity-by-product.response.json"))
    if "/prices/" in path:
        if "/vendor-items/1/" in path:
            return httpx.Response(400, json={"code": "ERROR", "message": "가격 변경 범위를 초과했습니다."})
        return httpx.Response(200, json=sample("coupang/product__change-price-by-product.response.json"))
    if path.endswith("/sales/stop"):
        return httpx.Response(200, json=sample("coupang/product__change-sale-status-to-stop-by-product.response.json"))
    return httpx.Response(404, json={"code": "ERROR", "message": "no route"})


def test_coupang_listing_reads_the_published_product_and_pages_by_next_token():
    conn, rec = coupang_conn(coupang_products)
    page = conn.list_listings()
    assert page.has_more and page.next_cursor == "2"
    listing = page.listings[0]
    published = sample("coupang/product__lookup-seller-product.response.json")["data"]
    assert listing.product_id == "152620911" and listing.name == published["sellerProductName"]
    assert listing.category_id == str(published["displayCategoryCode"])
    assert [o.name for o in listing.options] == [i["itemName"] for i in published["items"]]
    assert all(o.option_id == "" for o in listing.options)  # not approved yet: no vendorItemId
    assert rec.requests[0].url.params["vendorId"] == "A00034612"
    assert not any("/inventories" in r.url.path for r in rec.requests)


def test_coupang_stock_price_and_status_go_per_vendor_item():
    conn, rec = coupang_conn(coupang_products)
    stock = conn.update_stock([StockUpdate(product_id="152620911", option_id="3000000000", quantity=12,
                                           expected_quantity=5)])
    assert stock.applied == [("152620911", "3000000000")] and stock.conflicts == []
    assert rec.requests[-1].method == "PUT" and rec.requests[-1].url.path == (
        "/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/3000000000/quantities/12")
    price = conn.update_price([PriceUpdate(product_id="152620911", option_id="3000000000", price=33000),
                               PriceUpdate(product_id="152620911", option_id="1", price=33000)])
    assert price.applied == [("152620911", "3000000000")]
    assert price.failed[0].message == "가격 변경 범위를 초과했습니다." and price.failed[0].option_id == "1"
    with pytest.raises(BusinessError):
        conn._product_call("GET", "/nowhere")
    status = conn.set_sale_status([SaleStatusUpdate(product_id="152620911", on_sale=False)])
    assert status.failed and "승인된 옵션" in status.failed[0].message  # the sample product has no vendorItemId yet


def test_coupang_register_builds_the_published_shape_and_reads_the_nested_id():
    conn, rec = coupang_conn(coupang_products)
    published = sample("coupang/product__create-seller-product.request.json")
    extra = {k: published[k] for k in coupang.COUPANG_REQUIRED_EXTRA if k in published}
    extra["notices"] = published["items"][0]["notices"]
    draft = ListingDraft(name=published["sellerProductName"], price=10000,
                         category_id=str(published["displayCategoryCode"]), image_urls=["https://img/a.jpg"],
                         options=[ListingDraftOption(name="200ml_1개", stock=100, seller_option_code="0001")],
                         extra=extra)
    listing = conn.register_listing(draft)
    body = rec.bodies("/seller-products")[0]
    assert rec.requests[0].method == "POST"
    missing = set(published) - set(body) - {"requiredDocuments", "extraInfoMessage", "manufacture"}
    assert missing == set()
    item = body["items"][0]
    assert set(published["items"][0]) - set(item) <= {"offerCondition", "offerDescription", "searchTags",
                                                      "extraProperties"}
    assert item["maximumBuyCount"] == 100 and item["salePrice"] == 10000
    assert rec.requests[1].url.path.endswith("/seller-products/427011919")
    assert listing.product_id == "152620911"  # what the (sample) read-back says


# --- Shopify ---------------------------------------------------------------------------------

def test_shopify_dispatch_fulfils_open_fulfillment_order_lines_with_tracking():
    def answer(request):
        name, variables = gql(request)
        if name == "FulfillmentOrders":
            return httpx.Response(200, json={"data": {"order": {"id": variables["id"], "fulfillmentOrders": {"nodes": [
                {"id": "gid://shopify/FulfillmentOrder/1", "status": "CLOSED", "lineItems": {"nodes": []}},
                {"id": "gid://shopify/FulfillmentOrder/2", "status": "OPEN", "lineItems": {"nodes": [
                    {"id": "gid://shopify/FulfillmentOrderLineItem/21", "remainingQuantity": 2,
                     "lineItem": {"id": "gid://shopify/LineItem/700"}},
                    {"id": "gid://shopify/FulfillmentOrderLineItem/22", "remainingQuantity": 0,
                     "lineItem": {"id": "gid://shopify/LineItem/701"}}]}}]}}}})
        return httpx.Response(200, json={"data": {"fulfillmentCreate": {
            "fulfillment": {"id": "gid://shopify/Fulfillment/9", "status": "SUCCESS"}, "userErrors": []}}})

    conn, rec = shopify_conn(answer)
    result = conn.dispatch([
        DispatchItem(order_line_id="450789469-700", carrier_code="cj", marketplace_carrier_code="CJ Logistics",
                     tracking_number="630012345678", tracking_url="https://trace.example/630012345678",
                     shipped_at=SHIPPED),
        DispatchItem(order_line_id="450789469-701", carrier_code="cj", marketplace_carrier_code="CJ Logistics",
                     tracking_number="630012345678", shipped_at=SHIPPED),
    ])
    assert all(r.headers["X-Shopify-Access-Token"] == "shpat_x" for r in rec.requests)
    assert gql(rec.requests[0])[1] == {"id": "gid://shopify/Order/450789469"}
    fulfillment = gql(rec.requests[1])[1]["fulfillment"]
    assert fulfillment == {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2",
                                         "fulfillmentOrderLineItems": [
                                             {"id": "gid://shopify/FulfillmentOrderLineItem/21", "quantity": 2}]}],
        "notifyCustomer": True,
        "trackingInfo": {"company": "CJ Logistics", "number": "630012345678",
                         "url": "https://trace.example/630012345678"}}
    assert result.sent == ["450789469-700"]
    assert [(f.order_line_id, f.code) for f in result.failed] == [("450789469-701", "NOTHING_TO_FULFILL")]


def test_shopify_stock_compare_and_set_conflict_reports_the_actual_quantity():
    shopify.INVENTORY_REFS.clear()
    levels = {"808950810": 8, "808950811": 8}  # variant → available (inventory item 55 + variant's last digit)
    sent = []

    def node(variant):
        return {"id": f"gid://shopify/ProductVariant/{variant}", "legacyResourceId": variant,
                "inventoryItem": {"id": f"gid://shopify/InventoryItem/55{variant[-1]}", "inventoryLevels": {"nodes": [{
                    "location": {"id": "gid://shopify/Location/3"},
                    "quantities": [{"name": "available", "quantity": levels[variant]}]}]}}}

    def answer(request):
        name, variables = gql(request)
        if name == "VariantsInventory":
            return httpx.Response(200, json={"data": {"nodes": [node(g.rsplit("/", 1)[1]) for g in variables["ids"]]}})
        sent.append((request, variables))
        quantities = variables["input"]["quantities"]
        errors = [{"field": ["input", "quantities", str(i), "changeFromQuantity"], "code": "CHANGE_FROM_QUANTITY_STALE",
                   "message": "The specified compare quantity does not match the current quantity."}
                  for i, q in enumerate(quantities)
                  if q["changeFromQuantity"] not in (None, levels["80895081" + q["inventoryItemId"][-1]])]
        if errors:  # all or nothing, like Shopify
            return httpx.Response(200, json={"data": {"inventorySetQuantities": {
                "inventoryAdjustmentGroup": None, "userErrors": errors}}})
        for q in quantities:
            levels["80895081" + q["inventoryItemId"][-1]] = q["quantity"]
        return httpx.Response(200, json={"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": {"reason": "correction", "changes": []}, "userErrors": []}}})

    conn, rec = shopify_conn(answer)
    result = conn.update_stock([StockUpdate(product_id="1", option_id="808950810", quantity=20, expected_quantity=10),
                                StockUpdate(product_id="1", option_id="808950811", quantity=4, expected_quantity=8)])
    assert result.conflicts == [("1", "808950810", 8)] and levels["808950810"] == 8
    assert result.applied == [("1", "808950811")] and levels["808950811"] == 4
    # one lookup, the batch (refused whole), the batch without the stale one, one re-read of the stale one
    assert [gql(r)[0] for r in rec.requests] == ["VariantsInventory", "InventorySet", "InventorySet",
                                                 "VariantsInventory"]
    request, variables = sent[0]
    assert request.url.path == f"/admin/api/{shopify.API_VERSION}/graphql.json"
    assert "@idempotent(key: $idempotencyKey)" in json.loads(request.content)["query"]
    assert variables["idempotencyKey"] and variables["idempotencyKey"] != sent[1][1]["idempotencyKey"]
    assert variables["input"]["name"] == "available"
    assert variables["input"]["quantities"] == [
        {"inventoryItemId": "gid://shopify/InventoryItem/550", "locationId": "gid://shopify/Location/3", "quantity": 20,
         "changeFromQuantity": 10},
        {"inventoryItemId": "gid://shopify/InventoryItem/551", "locationId": "gid://shopify/Location/3", "quantity": 4,
         "changeFromQuantity": 8}]
    assert sent[1][1]["input"]["quantities"] == [variables["input"]["quantities"][1]]


def test_shopify_price_keeps_variant_differences_and_status_uses_product_update():
    product = {"id": "gid://shopify/Product/1", "legacyResourceId": "1", "title": "T", "status": "ACTIVE",
               "handle": "t", "variants": {"nodes": [
                   {"id": "gid://shopify/ProductVariant/11", "legacyResourceId": "11", "title": "M", "sku": "A",
                    "price": "19900", "inventoryItem": {"id": "x", "inventoryLevels": {"nodes": []}}},
                   {"id": "gid://shopify/ProductVariant/12", "legacyResourceId": "12", "title": "L", "sku": "B",
                    "price": "20900", "inventoryItem": {"id": "y", "inventoryLevels": {"nodes": []}}}]}}

    def answer(request):
        name, _ = gql(request)
        if name == "Product":
            return httpx.Response(200, json={"data": {"shop": {"currencyCode": "KRW"}, "product": product}})
        key = {"VariantsPrice": "productVariantsBulkUpdate", "ProductStatus": "productUpdate"}[name]
        return httpx.Response(200, json={"data": {key: {"userErrors": []}}})

    conn, rec = shopify_conn(answer)
    assert conn.get_listing("1").sale_status == "sold_out"  # active but nothing in stock
    result = conn.update_price([PriceUpdate(product_id="1", price=25000)])
    assert result.applied == [("1", "")]
    variables = gql(rec.requests[-1])[1]
    assert variables["variants"] == [{"id": "gid://shopify/ProductVariant/11", "price": "25000"},
                                     {"id": "gid://shopify/ProductVariant/12", "price": "26000"}]
    conn.set_sale_status([SaleStatusUpdate(product_id="1", on_sale=False)])
    assert gql(rec.requests[-1])[1] == {"product": {"id": "gid://shopify/Product/1", "status": "DRAFT"}}
