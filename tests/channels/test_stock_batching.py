"""Stock writes in the marketplaces' batch shapes (MockTransport): Shopify sets many options in one
inventorySetQuantities and needs no lookup once it knows the variants' inventory items; Naver writes
a known product's option stock without reading it first, and products without options go together in
one multi-update (the published request shape)."""

from __future__ import annotations

import json

import httpx
import pytest

from marketdock.channels.connectors import naver, shopify
from marketdock.channels.connectors.models import KnownListing, KnownOption, StockUpdate
from tests.factories.channels import gql, naver_conn, naver_products, sample, shopify_conn


@pytest.fixture(autouse=True)
def _fresh_inventory_refs():
    shopify.INVENTORY_REFS.clear()
    yield
    shopify.INVENTORY_REFS.clear()


class FakeShopify:
    """Variant n has inventory item 10n at location 3; quantities are all or nothing, like Shopify."""

    def __init__(self, stock: dict[str, int]):
        self.stock = dict(stock)
        self.sets: list[list[dict]] = []

    def node(self, variant: str) -> dict | None:
        if variant not in self.stock:
            return None
        return {"id": f"gid://shopify/ProductVariant/{variant}", "legacyResourceId": variant,
                "inventoryItem": {"id": f"gid://shopify/InventoryItem/{variant}0", "inventoryLevels": {"nodes": [{
                    "location": {"id": "gid://shopify/Location/3"},
                    "quantities": [{"name": "available", "quantity": self.stock[variant]}]}]}}}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name, variables = gql(request)
        if name == "VariantsInventory":
            assert len(variables["ids"]) <= shopify.VARIANTS_PER_LOOKUP
            return httpx.Response(200, json={"data": {"nodes": [self.node(g.rsplit("/", 1)[1]) for g in variables["ids"]]}})
        assert name == "InventorySet", name
        quantities = variables["input"]["quantities"]
        if len(quantities) > 250:
            return httpx.Response(200, json={"errors": [{"message": "The input array size is too large",
                                                         "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]})
        self.sets.append(quantities)
        errors = []
        for i, q in enumerate(quantities):
            variant = q["inventoryItemId"].rsplit("/", 1)[1][:-1]
            if q["changeFromQuantity"] is not None and q["changeFromQuantity"] != self.stock[variant]:
                errors.append({"field": ["input", "quantities", str(i), "changeFromQuantity"],
                               "code": "CHANGE_FROM_QUANTITY_STALE", "message": "stale"})
        if errors:
            return httpx.Response(200, json={"data": {"inventorySetQuantities": {
                "inventoryAdjustmentGroup": None, "userErrors": errors}}})
        for q in quantities:
            self.stock[q["inventoryItemId"].rsplit("/", 1)[1][:-1]] = q["quantity"]
        return httpx.Response(200, json={"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": {"reason": "correction", "changes": []}, "userErrors": []}}})


def test_shopify_sets_every_option_of_a_push_in_one_mutation_and_looks_variants_up_once():
    shop = FakeShopify({str(v): 5 for v in range(101, 131)})
    conn, rec = shopify_conn(shop)
    items = [StockUpdate(product_id=f"9{v}", option_id=str(v), quantity=v % 7, expected_quantity=5)
             for v in range(101, 131)]
    result = conn.update_stock(items)
    assert sorted(result.applied) == sorted((i.product_id, i.option_id) for i in items)
    assert not result.conflicts and not result.failed
    assert [gql(r)[0] for r in rec.requests] == ["VariantsInventory", "InventorySet"]
    assert shop.sets[0] == [{"inventoryItemId": f"gid://shopify/InventoryItem/{v}0", "locationId": "gid://shopify/Location/3",
                             "quantity": v % 7, "changeFromQuantity": 5} for v in range(101, 131)]
    assert all(shop.stock[str(v)] == v % 7 for v in range(101, 131))

    # the next push (a new connector, as every delivery builds one) sends the mutation and nothing else
    conn2, rec2 = shopify_conn(shop)
    result = conn2.update_stock([StockUpdate(product_id="9101", option_id="101", quantity=9, expected_quantity=101 % 7)])
    assert result.applied == [("9101", "101")]
    assert [gql(r)[0] for r in rec2.requests] == ["InventorySet"]


def test_shopify_product_reads_teach_the_inventory_items_so_the_first_push_needs_no_lookup():
    product = {"id": "gid://shopify/Product/1", "legacyResourceId": "1", "title": "T", "status": "ACTIVE", "handle": "t",
               "variants": {"nodes": [{"id": "gid://shopify/ProductVariant/11", "legacyResourceId": "11", "title": "M",
                                       "sku": "A", "price": "19900", **{k: v for k, v in FakeShopify({"11": 2}).node("11")
                                                                        .items() if k == "inventoryItem"}}]}}
    shop = FakeShopify({"11": 2})

    def answer(request):
        if gql(request)[0] == "Product":
            return httpx.Response(200, json={"data": {"shop": {"currencyCode": "KRW"}, "product": product}})
        return shop(request)

    conn, rec = shopify_conn(answer)
    conn.get_listing("1")
    conn2, rec2 = shopify_conn(answer)
    assert conn2.update_stock([StockUpdate(product_id="1", option_id="11", quantity=4, expected_quantity=2)]).applied == [
        ("1", "11")]
    assert [gql(r)[0] for r in rec2.requests] == ["InventorySet"] and shop.stock["11"] == 4


def test_shopify_splits_at_250_quantities_and_reports_unknown_variants_and_conflicts():
    shop = FakeShopify({str(v): 1 for v in range(1000, 1300)})
    conn, rec = shopify_conn(shop)
    items = [StockUpdate(product_id="p", option_id=str(v), quantity=3, expected_quantity=1) for v in range(1000, 1300)]
    items[7] = StockUpdate(product_id="p", option_id="1007", quantity=3, expected_quantity=0)  # stale
    items.append(StockUpdate(product_id="p", option_id="5555", quantity=3))  # not at Shopify
    result = conn.update_stock(items)
    names = [gql(r)[0] for r in rec.requests]
    assert names.count("VariantsInventory") == 5  # 301 unknown variants in 100s, then one re-read of the stale one
    assert [len(q) for q in shop.sets] == [250, 249, 50]  # refused whole for the stale one, sent again without it
    assert result.conflicts == [("p", "1007", 1)]
    assert [(f.option_id, f.code) for f in result.failed] == [("5555", "NOT_FOUND")]
    assert len(result.applied) == 299 and shop.stock["1299"] == 3 and shop.stock["1007"] == 1


KNOWN = KnownListing(product_id="555", origin_product_id="777", price=19900,
                     options=[KnownOption(option_id="11", price_delta=0, stock=5),
                              KnownOption(option_id="12", price_delta=1000, stock=10)])


def test_naver_writes_a_known_product_without_reading_it():
    conn, rec = naver_conn(naver_products)
    conn.remember_listings([KNOWN])
    result = conn.update_stock([StockUpdate(product_id="555", option_id="12", quantity=3)])
    assert result.applied == [("555", "12")]
    calls = [(r.method, r.url.path) for r in rec.requests if not r.url.path.endswith("/oauth2/token")]
    assert calls == [("PUT", "/external/v1/products/origin-products/777/option-stock")]
    body = json.loads(rec.requests[-1].content)
    assert set(body) <= set(sample("naver/option-stock.request.schema-example.json"))
    assert body == {"productSalePrice": {"salePrice": 19900}, "optionInfo": {"optionCombinations": [
        {"id": 11, "stockQuantity": 5, "price": 0, "usable": True},
        {"id": 12, "stockQuantity": 3, "price": 1000, "usable": True}], "useStockManagement": True}}


def test_naver_reads_first_when_something_is_not_known_or_the_write_is_refused():
    # an option whose stock we do not know: read-modify-write keeps what Naver has for it
    conn, rec = naver_conn(naver_products)
    conn.remember_listings([KNOWN.model_copy(update={"options": [KnownOption(option_id="11", price_delta=0),
                                                                 KnownOption(option_id="12", price_delta=1000)]})])
    conn.update_stock([StockUpdate(product_id="555", option_id="12", quantity=3)])
    assert any(r.method == "GET" and r.url.path.endswith("/origin-products/777") for r in rec.requests)
    assert not any(r.url.path.endswith("/products/search") for r in rec.requests)  # the origin no was known
    combos = rec.bodies("/option-stock")[-1]["optionInfo"]["optionCombinations"]
    assert {c["id"]: c["stockQuantity"] for c in combos} == {11: 5, 12: 3}

    # Naver refuses what we believed (an option was removed there): read, then write what it has
    refused = []

    def answer(request):
        if request.url.path.endswith("/option-stock") and not refused:
            refused.append(request)
            return httpx.Response(400, json={"code": "BAD_REQUEST", "message": "존재하지 않는 옵션"})
        return naver_products(request)

    conn, rec = naver_conn(answer)
    conn.remember_listings([KNOWN.model_copy(update={"options": [*KNOWN.options, KnownOption(
        option_id="13", price_delta=0, stock=1)]})])
    result = conn.update_stock([StockUpdate(product_id="555", option_id="12", quantity=3)])
    assert result.applied == [("555", "12")] and len(refused) == 1
    combos = rec.bodies("/option-stock")[-1]["optionInfo"]["optionCombinations"]
    assert {c["id"] for c in combos} == {11, 12}


def test_naver_products_without_options_go_in_one_multi_update():
    bodies = []

    def answer(request):
        assert request.method == "PATCH" and request.url.path.endswith("/origin-products/multi-update")
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"code": "SUCCESS", "message": "ok", "data": {}})

    conn, rec = naver_conn(answer)
    conn.remember_listings([KnownListing(product_id=str(500 + i), origin_product_id=str(700 + i), price=1000)
                            for i in range(naver.MULTI_UPDATE_BATCH + 3)])
    result = conn.update_stock([StockUpdate(product_id=str(500 + i), option_id="", quantity=i)
                                for i in range(naver.MULTI_UPDATE_BATCH + 3)])
    assert len(result.applied) == naver.MULTI_UPDATE_BATCH + 3 and not result.failed
    assert [len(b["multiProductUpdateRequestVos"]) for b in bodies] == [naver.MULTI_UPDATE_BATCH, 3]
    vo = bodies[0]["multiProductUpdateRequestVos"][4]
    assert set(vo) <= set(sample("naver/multi-update.request.schema-example.json")["multiProductUpdateRequestVos"][0])
    assert vo == {"originProductNo": 704, "multiUpdateTypes": ["STOCK"], "stockQuantity": 4}


def test_naver_multi_update_refused_for_one_product_still_sends_the_others():
    def answer(request):
        vos = json.loads(request.content)["multiProductUpdateRequestVos"]
        if any(vo["originProductNo"] == 702 for vo in vos):
            return httpx.Response(400, json={"code": "BAD_REQUEST", "message": "상품이 존재하지 않습니다.",
                                             "invalidInputs": [{"name": "originProductNo", "type": "x", "message": "x"}]})
        return httpx.Response(200, json={"code": "SUCCESS", "data": {}})

    conn, rec = naver_conn(answer)
    conn.remember_listings([KnownListing(product_id=str(500 + i), origin_product_id=str(700 + i)) for i in range(4)])
    result = conn.update_stock([StockUpdate(product_id=str(500 + i), option_id="", quantity=1) for i in range(4)])
    assert sorted(result.applied) == [("500", ""), ("501", ""), ("503", "")]
    assert [(f.product_id, f.code) for f in result.failed] == [("502", "BAD_REQUEST")]
