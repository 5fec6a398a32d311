"""Sandbox side of the Shopify Admin GraphQL operations for fulfilment and listings (the root fields
sandbox/shopify.py routes here after the document validated against the schema): FulfillmentOrders, FulfillmentCreate, Products, Product,
VariantInventory, VariantsInventory (`nodes(ids:)` of variants), InventorySet (inventorySetQuantities, up to
250 quantities per call, with changeFromQuantity compare-and-set and the
@idempotent directive, required from 2026-04 as at Shopify), VariantsPrice, ProductStatus, ProductSet,
Locations. Business refusals come back as `userErrors`, as Shopify answers them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .state import Option, Order, Product, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

OPERATIONS = {"FulfillmentOrders", "FulfillmentCreate", "Products", "Product", "VariantInventory", "VariantsInventory",
              "InventorySet", "VariantsPrice", "ProductStatus", "ProductSet", "Locations"}
MAX_INPUT = 250  # Shopify's limit on input arrays (MAX_INPUT_SIZE_EXCEEDED) and on nodes(ids:)
# Cost points by Shopify's documented rules (object 1, connection 2 + first × its node's fields, mutation
# 10) for the stock operations, which a full re-sync sends by the hundred: a variant looked up through
# nodes(ids:) costs itself, its inventory item and inventoryLevels(first: 1) with location and quantities;
# inventorySetQuantities 10 + its returned group and changes. Other operations: 1 requested, 10 charged.
VARIANT_NODE_COST = 6
INVENTORY_SET_COST = 12


def requested_cost(root_fields: list[str], variables: dict[str, Any]) -> int:
    """The requested cost of a document that reads no orders, by its root fields."""
    if "nodes" in root_fields:
        ids = variables.get("ids")
        return VARIANT_NODE_COST * (len(ids) if isinstance(ids, list) else 1)
    if "inventorySetQuantities" in root_fields:
        return INVENTORY_SET_COST
    return 1


STALE = "CHANGE_FROM_QUANTITY_STALE"


class GraphQLError(Exception):
    """A top-level GraphQL error (the whole request refused)."""

    def __init__(self, message: str, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _tail(gid: Any) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def location_gid(shop: Shop) -> str:
    return f"gid://shopify/Location/{7_000_000 + shop.index}"


def _exponent(shop: Shop) -> int:
    return 0 if shop.currency == "KRW" else 2


def _money_text(shop: Shop, minor: int) -> str:
    exponent = _exponent(shop)
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f}"


def _minor(shop: Shop, text: Any) -> int | None:
    try:
        value = Decimal(str(text)).scaleb(_exponent(shop))
    except (InvalidOperation, ValueError):
        return None
    return int(value) if value == value.to_integral_value() and value >= 0 else None


def run(app: SandboxApp, shop: Shop, name: str, variables: dict[str, Any], query: str, version: str
        ) -> tuple[dict[str, Any], int]:
    handler = {
        "FulfillmentOrders": _fulfillment_orders, "FulfillmentCreate": _fulfillment_create, "Products": _products,
        "Product": _product, "VariantInventory": _variant_inventory, "VariantsInventory": _variants_inventory,
        "InventorySet": _inventory_set,
        "VariantsPrice": _variants_price, "ProductStatus": _product_status, "ProductSet": _product_set,
        "Locations": _locations,
    }[name]
    data = handler(app, shop, variables, query=query, version=version)
    if name == "VariantsInventory":  # the actual cost: what came back (an unknown id costs nothing)
        return data, VARIANT_NODE_COST * sum(1 for node in data["nodes"] if node)
    if name == "InventorySet":
        return data, INVENTORY_SET_COST
    return data, 10


# --- fulfilment ------------------------------------------------------------------------------

def _order(shop: Shop, gid: Any) -> Order | None:
    return next((o for o in shop.orders if o.order_no == _tail(gid)), None)


def remaining(order: Order, line) -> int:
    if order.status == "FULFILLED" or order.cancelled_at:
        return 0
    return max(0, line.quantity - line.fulfilled)


def _fulfillment_orders(app, shop, variables, **_) -> dict[str, Any]:
    order = _order(shop, variables.get("id"))
    if order is None:
        return {"order": None}
    open_qty = sum(remaining(order, line) for line in order.lines)
    status = "CANCELLED" if order.cancelled_at else ("OPEN" if open_qty else "CLOSED")
    return {"order": {"id": f"gid://shopify/Order/{order.order_no}", "fulfillmentOrders": {"nodes": [{
        "id": f"gid://shopify/FulfillmentOrder/{order.order_no}", "status": status,
        "lineItems": {"nodes": [{"id": f"gid://shopify/FulfillmentOrderLineItem/{line.line_no}",
                                 "remainingQuantity": remaining(order, line),
                                 "lineItem": {"id": f"gid://shopify/LineItem/{line.line_no}"}}
                                for line in order.lines]}}]}}}


def _fulfillment_create(app, shop, variables, **_) -> dict[str, Any]:
    fulfillment = variables.get("fulfillment") or {}
    groups = fulfillment.get("lineItemsByFulfillmentOrder") or []

    def fail(message: str) -> dict[str, Any]:
        return {"fulfillmentCreate": {"fulfillment": None, "userErrors": [
            {"field": ["fulfillment", "lineItemsByFulfillmentOrder"], "message": message}]}}

    if not groups:
        return fail("Line items by fulfillment order can't be blank")
    changes: list[tuple[Order, Any, int]] = []
    for group in groups:
        order = _order(shop, group.get("fulfillmentOrderId"))
        if order is None:
            return fail(f"Fulfillment order {group.get('fulfillmentOrderId')} does not exist.")
        lines = {line.line_no: line for line in order.lines}
        for entry in group.get("fulfillmentOrderLineItems") or []:
            line = lines.get(_tail(entry.get("id")))
            quantity = int(entry.get("quantity") or 0)
            if line is None:
                return fail(f"Fulfillment order line item {entry.get('id')} does not exist.")
            if quantity <= 0 or quantity > remaining(order, line):
                return fail("Invalid fulfillment order line item quantity requested.")
            changes.append((order, line, quantity))
    now = app.now()
    info = fulfillment.get("trackingInfo") or {}
    for _, line, quantity in changes:
        line.fulfilled += quantity
    touched = {id(order): order for order, _, _ in changes}.values()
    for order in touched:
        order.status = "FULFILLED" if all(remaining(order, line) == 0 for line in order.lines) else "PARTIALLY_FULFILLED"
        order.changed_at = now
    lines = [f"{order.order_no}-{line.line_no}" for order, line, _ in changes]
    number = str(info.get("number") or "")
    if number:
        app.state.ship(shop, carrier=str(info.get("company") or ""), number=number, lines=lines, at=now)
    shop.record(now, "dispatch", lines=lines, company=info.get("company"), number=number or None,
                url=info.get("url"), notifyCustomer=fulfillment.get("notifyCustomer"))
    return {"fulfillmentCreate": {"fulfillment": {
        "id": f"gid://shopify/Fulfillment/{app.state.new_id(6_000_000_000)}", "status": "SUCCESS",
        "trackingInfo": [{"company": info.get("company"), "number": number or None, "url": info.get("url")}]
        if info else []}, "userErrors": []}}


# --- products --------------------------------------------------------------------------------

def render_product(shop: Shop, product: Product) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Product/{product.product_id}", "legacyResourceId": product.product_id,
        "title": product.name, "status": "ACTIVE" if product.selling else "DRAFT", "handle": product.code.lower(),
        "descriptionHtml": product.registered.get("descriptionHtml", ""), "vendor": product.registered.get("vendor", ""),
        "variants": {"nodes": [{
            "id": f"gid://shopify/ProductVariant/{o.option_id}", "legacyResourceId": o.option_id, "title": o.name,
            "sku": o.sku, "price": _money_text(shop, product.price + o.extra_price),
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{o.option_id}", "inventoryLevels": {"nodes": [{
                "location": {"id": location_gid(shop)},
                "quantities": [{"name": "available", "quantity": o.stock}]}]}},
        } for o in product.options]},
    }


def _products(app, shop, variables, **_) -> dict[str, Any]:
    first = max(1, min(250, int(variables.get("first") or 50)))
    start = int(variables.get("after") or 0) if str(variables.get("after") or "0").isdigit() else 0
    page = shop.products[start:start + first]
    more = start + first < len(shop.products)
    return {"shop": {"currencyCode": shop.currency}, "products": {
        "pageInfo": {"hasNextPage": more, "endCursor": str(start + first) if page else None},
        "nodes": [render_product(shop, p) for p in page]}}


def _product(app, shop, variables, **_) -> dict[str, Any]:
    product = shop.product(_tail(variables.get("id")))
    return {"shop": {"currencyCode": shop.currency},
            "product": render_product(shop, product) if product else None}


def _locations(app, shop, variables, **_) -> dict[str, Any]:
    return {"locations": {"nodes": [{"id": location_gid(shop)}]}}


def _option(shop: Shop, gid: Any) -> tuple[Product, Option] | None:
    try:
        return shop.option(_tail(gid))
    except KeyError:
        return None


def _variant_inventory(app, shop, variables, **_) -> dict[str, Any]:
    found = _option(shop, variables.get("id"))
    if found is None:
        return {"productVariant": None}
    product, option = found
    node = render_product(shop, product)["variants"]["nodes"][product.options.index(option)]
    return {"productVariant": {"id": node["id"], "product": {"id": f"gid://shopify/Product/{product.product_id}"},
                               "inventoryItem": node["inventoryItem"]}}


def _variants_inventory(app, shop, variables, **_) -> dict[str, Any]:
    """nodes(ids: [...]) with `... on ProductVariant`: null for an id that is not a variant of this shop."""
    ids = variables.get("ids")
    if not isinstance(ids, list):
        raise GraphQLError("Variable $ids of type [ID!]! was provided invalid value", code="argumentLiteralsIncompatible")
    if len(ids) > MAX_INPUT:
        raise GraphQLError(f"The input array size of {len(ids)} is greater than the maximum allowed of {MAX_INPUT}.",
                           code="MAX_INPUT_SIZE_EXCEEDED")
    nodes = []
    for gid in ids:
        found = _option(shop, gid) if str(gid).startswith("gid://shopify/ProductVariant/") else None
        if found is None:
            nodes.append(None)
            continue
        product, option = found
        node = render_product(shop, product)["variants"]["nodes"][product.options.index(option)]
        nodes.append({"__typename": "ProductVariant", "id": node["id"], "legacyResourceId": node["legacyResourceId"],
                      "inventoryItem": node["inventoryItem"]})
    return {"nodes": nodes}


def _inventory_set(app, shop, variables, *, query: str, version: str) -> dict[str, Any]:
    strict = version >= "2026-04"
    key = str(variables.get("idempotencyKey") or "")
    if strict and ("@idempotent" not in query or not key):
        raise GraphQLError("The @idempotent directive is required for this mutation.")
    if key and key in shop.idempotency:
        return shop.idempotency[key]
    data = (variables.get("input") or {})
    name = data.get("name")
    errors: list[dict[str, Any]] = []
    if name not in ("available", "on_hand"):
        errors.append({"field": ["input", "name"], "message": "The quantity name must be either 'available' or 'on_hand'.",
                       "code": "INVALID_NAME"})
    targets = []
    if len(data.get("quantities") or []) > MAX_INPUT:
        raise GraphQLError(f"The input array size of {len(data['quantities'])} is greater than the maximum allowed "
                           f"of {MAX_INPUT}.", code="MAX_INPUT_SIZE_EXCEEDED")
    for i, entry in enumerate(data.get("quantities") or []):
        if strict and "changeFromQuantity" not in entry:
            raise GraphQLError(f"Variable $input of type InventorySetQuantitiesInput! was provided invalid value for "
                               f"quantities.{i}.changeFromQuantity (Expected value to not be null)")
        found = _option(shop, entry.get("inventoryItemId"))
        if found is None:
            errors.append({"field": ["input", "quantities", str(i), "inventoryItemId"],
                           "message": "The specified inventory item could not be found.", "code": "INVALID_INVENTORY_ITEM"})
            continue
        if entry.get("locationId") != location_gid(shop):
            errors.append({"field": ["input", "quantities", str(i), "locationId"],
                           "message": "The specified location could not be found.", "code": "INVALID_LOCATION"})
            continue
        quantity = entry.get("quantity")
        if not isinstance(quantity, int) or quantity < 0:
            errors.append({"field": ["input", "quantities", str(i), "quantity"],
                           "message": "The quantity must be zero or more.", "code": "INVALID_QUANTITY"})
            continue
        expected = entry.get("changeFromQuantity")
        if expected is not None and expected != found[1].stock:
            errors.append({"field": ["input", "quantities", str(i), "changeFromQuantity"],
                           "message": "The specified compare quantity does not match the current quantity.",
                           "code": STALE})
            continue
        targets.append((found, quantity))
    now = app.now()
    if errors:  # all or nothing, like Shopify
        shop.record(now, "stock_refused", codes=[e["code"] for e in errors])
        answer = {"inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}}
    else:
        changes = []
        for (product, option), quantity in targets:
            changes.append({"name": "available", "delta": quantity - option.stock, "quantityAfterChange": quantity})
            option.stock = quantity
            shop.record(now, "stock", product_id=product.product_id, options={option.option_id: quantity})
        answer = {"inventorySetQuantities": {"inventoryAdjustmentGroup": {"reason": data.get("reason"),
                                                                          "changes": changes}, "userErrors": []}}
    if key:
        shop.idempotency[key] = answer
    return answer


def _variants_price(app, shop, variables, **_) -> dict[str, Any]:
    product = shop.product(_tail(variables.get("productId")))
    if product is None:
        return {"productVariantsBulkUpdate": {"productVariants": None, "userErrors": [
            {"field": ["productId"], "message": "Product does not exist"}]}}
    by_id = {o.option_id: o for o in product.options}
    updates = []
    for i, entry in enumerate(variables.get("variants") or []):
        option = by_id.get(_tail(entry.get("id")))
        price = _minor(shop, entry.get("price"))
        if option is None:
            return {"productVariantsBulkUpdate": {"productVariants": None, "userErrors": [
                {"field": ["variants", str(i), "id"], "message": "Product variant does not exist"}]}}
        if price is None:
            return {"productVariantsBulkUpdate": {"productVariants": None, "userErrors": [
                {"field": ["variants", str(i), "price"], "message": "Price is invalid"}]}}
        updates.append((option, price))
    for option, price in updates:
        option.extra_price = price - product.price
    shop.record(app.now(), "price", product_id=product.product_id, options={o.option_id: p for o, p in updates})
    return {"productVariantsBulkUpdate": {"productVariants": [
        {"id": f"gid://shopify/ProductVariant/{o.option_id}", "price": _money_text(shop, p)} for o, p in updates],
        "userErrors": []}}


def _product_status(app, shop, variables, **_) -> dict[str, Any]:
    data = variables.get("product") or {}
    product = shop.product(_tail(data.get("id")))
    if product is None:
        return {"productUpdate": {"product": None, "userErrors": [{"field": ["id"], "message": "Product does not exist"}]}}
    if data.get("status") not in ("ACTIVE", "DRAFT", "ARCHIVED"):
        return {"productUpdate": {"product": None, "userErrors": [{"field": ["status"], "message": "Status is invalid"}]}}
    product.selling = data["status"] == "ACTIVE"
    shop.record(app.now(), "sale_status", product_id=product.product_id, status=data["status"])
    return {"productUpdate": {"product": {"id": f"gid://shopify/Product/{product.product_id}", "status": data["status"]},
                              "userErrors": []}}


def _product_set(app, shop, variables, **_) -> dict[str, Any]:
    data = variables.get("input") or {}

    def fail(field: list[str], message: str) -> dict[str, Any]:
        return {"productSet": {"product": None, "userErrors": [{"field": field, "message": message,
                                                                "code": "INVALID"}]}}

    if not data.get("title"):
        return fail(["input", "title"], "Title can't be blank")
    variants = data.get("variants") or []
    if not variants:
        return fail(["input", "variants"], "Variants can't be blank")
    option_names = [o.get("name") for o in data.get("productOptions") or []]
    product = shop.product(_tail(data["id"])) if data.get("id") else None
    if data.get("id") and product is None:
        return fail(["input", "id"], "Product does not exist")
    parsed = []
    for i, variant in enumerate(variants):
        names = [v.get("optionName") for v in variant.get("optionValues") or []]
        if names != option_names:
            return fail(["input", "variants", str(i), "optionValues"], "Option values must match the product options")
        price = _minor(shop, variant.get("price"))
        if price is None:
            return fail(["input", "variants", str(i), "price"], "Price is invalid")
        stock = sum(int(q.get("quantity") or 0) for q in variant.get("inventoryQuantities") or []
                    if q.get("locationId") == location_gid(shop))
        label = " / ".join(str(v.get("name")) for v in variant["optionValues"])
        parsed.append((variant, label, price, stock))
    now = app.now()
    created = product is None
    if product is None:
        product = Product(product_id=app.state.new_id(8_000_000_000), code="", name="", price=0, options=[])
        shop.products.append(product)
    base = min(price for _, _, price, _ in parsed)
    existing = {o.option_id: o for o in product.options}
    options = []
    for variant, label, price, stock in parsed:
        option = existing.get(_tail(variant.get("id"))) or Option(option_id=app.state.new_id(3_000_000_000), name="",
                                                                   sku="", extra_price=0)
        option.name, option.sku, option.extra_price, option.stock = label, str(variant.get("sku") or ""), price - base, stock
        options.append(option)
    product.name, product.price, product.options = data["title"], base, options
    product.code = str(data.get("handle") or product.code)
    product.selling = data.get("status", "ACTIVE") == "ACTIVE"
    product.registered = data
    shop.record(now, "register_listing" if created else "update_listing", product_id=product.product_id,
                name=product.name)
    return {"productSet": {"product": {"id": f"gid://shopify/Product/{product.product_id}"}, "userErrors": []}}
