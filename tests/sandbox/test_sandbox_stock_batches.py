"""The sandbox answers the batched stock writes like the marketplaces: Naver's multi-update (many
products, documented types only, checked whole before anything changes, with the usual auth and
faults) and Shopify's inventorySetQuantities of many quantities (all or nothing, at most 250) with the
variants looked up in one `nodes` query."""

from __future__ import annotations

import httpx
import pytest

from marketdock.channels.connectors.errors import TemporaryError
from marketdock.channels.connectors.models import StockUpdate
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import Option, Product, SandboxState
from tests.factories.sandbox import connect, listings_truth, received, set_faults


@pytest.fixture
def sandbox():
    state = SandboxState(seed=11, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def single_option_products(state, code: str, n: int) -> list[Product]:
    shop = state.shops[code]
    products = []
    with state.lock:
        for i in range(n):
            product = Product(product_id=state.new_id(9_000_000_000), code=f"MU-{i}", name=f"단일 {i}", price=5000,
                              options=[Option(option_id=state.new_id(3_000_000_000), name="단일", sku=f"MU-{i}",
                                              extra_price=0, stock=1)])
            shop.products.append(product)
            products.append(product)
    return products


def naver_patch(conn, body) -> httpx.Response:
    return conn.api.send("PATCH", "/v1/products/origin-products/multi-update", json=body,
                         headers={"Authorization": f"Bearer {conn._token()}"})


def test_naver_multi_update_sets_many_products_in_one_request(sandbox):
    state, base = sandbox
    products = single_option_products(state, "naver-demo", 3)
    conn = connect(base, "naver-demo")
    before = len(received(base, "naver-demo", "stock"))
    answer = naver_patch(conn, {"multiProductUpdateRequestVos": [
        {"originProductNo": int(p.origin_no), "multiUpdateTypes": ["STOCK"], "stockQuantity": 10 + i}
        for i, p in enumerate(products)]})
    assert answer.status_code == 200
    truth = listings_truth(base, "naver-demo")
    assert [truth[p.product_id]["options"][0]["stock"] for p in products] == [10, 11, 12]
    assert len(received(base, "naver-demo", "stock")) == before + 3


def test_naver_multi_update_refuses_the_whole_request_for_one_bad_entry(sandbox):
    state, base = sandbox
    products = single_option_products(state, "naver-demo", 2)
    multi = next(p for p in state.shops["naver-demo"].products if len(p.options) > 1)
    conn = connect(base, "naver-demo")
    for bad, name in [({"originProductNo": int(products[1].origin_no), "multiUpdateTypes": ["STOCK_QUANTITY"],
                        "stockQuantity": 3}, "multiUpdateTypes"),
                      ({"originProductNo": int(multi.origin_no), "multiUpdateTypes": ["STOCK"], "stockQuantity": 3},
                       "stockQuantity"),
                      ({"originProductNo": 1, "multiUpdateTypes": ["STOCK"], "stockQuantity": 3}, "originProductNo")]:
        answer = naver_patch(conn, {"multiProductUpdateRequestVos": [
            {"originProductNo": int(products[0].origin_no), "multiUpdateTypes": ["STOCK"], "stockQuantity": 9}, bad]})
        assert answer.status_code == 400
        assert answer.json()["invalidInputs"][0]["name"] == f"multiProductUpdateRequestVos[1].{name}"
        assert listings_truth(base, "naver-demo")[products[0].product_id]["options"][0]["stock"] == 1  # nothing applied


def test_naver_multi_update_keeps_the_auth_and_faults(sandbox):
    state, base = sandbox
    products = single_option_products(state, "naver-demo", 1)
    conn = connect(base, "naver-demo")
    token = conn._token()
    denied = httpx.patch(f"{base}/external/v1/products/origin-products/multi-update",
                         headers={"Authorization": "Bearer wrong"}, json={"multiProductUpdateRequestVos": []})
    assert denied.status_code == 401 and token
    set_faults(base, "naver-demo", error_500_rate=1.0)
    from marketdock.channels.connectors.models import KnownListing

    conn.remember_listings([KnownListing(product_id=products[0].product_id, origin_product_id=products[0].origin_no)])
    with pytest.raises(TemporaryError):
        conn.update_stock([StockUpdate(product_id=products[0].product_id, option_id="", quantity=4)])


def test_shopify_many_quantities_in_one_mutation_all_or_nothing(sandbox):
    from marketdock.channels.connectors import shopify

    shopify.INVENTORY_REFS.clear()
    state, base = sandbox
    conn = connect(base, "shopify-demo")
    truth = listings_truth(base, "shopify-demo")
    options = [(pid, o["option_id"], o["stock"]) for pid, p in truth.items() for o in p["options"]]
    assert len(options) > 2
    calls = state.shops["shopify-demo"].calls
    result = conn.update_stock([StockUpdate(product_id=pid, option_id=oid, quantity=stock + 1, expected_quantity=stock)
                                for pid, oid, stock in options])
    assert len(result.applied) == len(options) and not result.conflicts
    assert state.shops["shopify-demo"].calls - calls == 2  # one nodes lookup, one mutation
    after = listings_truth(base, "shopify-demo")
    assert all(o["stock"] == stock + 1 for pid, oid, stock in options
               for o in after[pid]["options"] if o["option_id"] == oid)
    # a stale one refuses the whole mutation at the sandbox; the connector sends the rest again
    pid, oid, stock = options[0]
    state.shops["shopify-demo"].option(oid)[1].stock = 0
    result = conn.update_stock([StockUpdate(product_id=p, option_id=o, quantity=s + 2, expected_quantity=s + 1)
                                for p, o, s in options])
    assert result.conflicts == [(pid, oid, 0)] and len(result.applied) == len(options) - 1
    assert received(base, "shopify-demo", "stock_refused")[-1]["codes"] == ["CHANGE_FROM_QUANTITY_STALE"]


def test_shopify_refuses_more_than_250_quantities_like_shopify(sandbox):
    _state, base = sandbox
    token = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"]
                 if s["code"] == "shopify-demo")["credentials"]["access_token"]
    query = ("mutation InventorySet($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) { "
             "inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) { userErrors { field message code } } }")
    quantities = [{"inventoryItemId": f"gid://shopify/InventoryItem/{i}", "locationId": "x", "quantity": 1,
                   "changeFromQuantity": None} for i in range(251)]
    body = httpx.post(f"{base}/admin/api/2026-04/graphql.json", headers={"X-Shopify-Access-Token": token},
                      json={"query": query, "variables": {"idempotencyKey": "k1", "input": {
                          "name": "available", "reason": "correction", "quantities": quantities}}}).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
