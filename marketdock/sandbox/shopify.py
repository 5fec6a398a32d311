"""Sandbox side of the Shopify Admin GraphQL API. Every document is parsed, validated against
Shopify's published Admin schema (sandbox/shopify_graphql.py) and executed by its root fields
(orders, order, shop, products, ... — ROOT_FIELDS), whatever the operation is called; only the fields
the document selected come back. X-Shopify-Access-Token check (the shop's legacy static token or a token of its Dev Dashboard app),
`updated_at` search filter, cursor paging, a cost bucket (1000 points, restoring 100/s: Shopify's
standard plan) answering THROTTLED when a query's requested cost does not fit; the stock operations cost
what Shopify's documented rules give them (shopify_listings.requested_cost).

Token endpoint: POST /admin/oauth/access_token with a form body {client_id, client_secret,
grant_type=client_credentials} → {access_token, scope, expires_in: 86399} (a new token on every call).
Versions: a quarterly YYYY-MM (or unstable); one older than the oldest supported is answered by the
oldest supported one, as Shopify does ("fall forward"), and the response says which in
X-Shopify-API-Version. Whatever version the path names, requests are validated against the one
vendored schema (shopify_graphql.SCHEMA_VERSION, the connector's pinned version)."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql.execution.values import get_argument_values, get_directive_values

from . import settlement_api, shopify_claims
from . import shopify_graphql as gql
from . import shopify_listings as listings
from .http import Request, Response, utc_z
from .state import Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

PATH = re.compile(r"^/admin/api/(?P<version>\d{4}-(?:01|04|07|10)|unstable)/graphql\.json$")
TOKEN_PATH = "/admin/oauth/access_token"
OLDEST_SUPPORTED = "2026-01"
TOKEN_TTL = timedelta(seconds=86399)
SCOPES = "read_orders,write_orders,read_products,write_products,read_inventory,write_inventory,read_fulfillments,write_fulfillments"
UPDATED_MIN = re.compile(r"updated_at:>='([^']+)'")
UPDATED_MAX = re.compile(r"updated_at:<='([^']+)'")
LINE_FIRST = re.compile(r"lineItems\(first:\s*(\d+)")
BUCKET_MAX = 1000.0
RESTORE_RATE = 100.0
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def _token(app: SandboxApp, req: Request) -> Response:
    if req.method != "POST":
        return Response(405, {"errors": "Method Not Allowed"})
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return Response(400, {"error": "invalid_request",
                              "error_description": "The request body must be application/x-www-form-urlencoded"})
    form = req.form()
    shop = next((s for s in app.state.shops.values()
                 if s.protocol == "shopify" and s.app.get("client_id") == form.get("client_id")), None)
    if form.get("grant_type") != "client_credentials":
        return Response(400, {"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"})
    if shop is None or not secrets.compare_digest(shop.app["client_secret"], form.get("client_secret", "")):
        return Response(400, {"error": "invalid_client", "error_description": "Client authentication failed"})
    if app.fault(shop) == "error_500":
        return Response(500, {"errors": "Internal Server Error"})
    now = app.now()
    token = f"shpat_{secrets.token_hex(16)}"
    with app.state.lock:
        app.state.shopify_tokens[token] = (shop.code, now + TOKEN_TTL)
        app.state.shopify_token_requests += 1
    return Response(200, {"access_token": token, "scope": SCOPES, "expires_in": int(TOKEN_TTL.total_seconds())})


def _shop_by_token(app: SandboxApp, token: str) -> Shop | None:
    entry = app.state.shopify_tokens.get(token) if token else None
    if entry and entry[1] > app.now():
        return app.state.shops[entry[0]]
    return next((s for s in app.state.shops.values()
                 if s.protocol == "shopify" and s.credentials["access_token"] == token), None)


def handle(app: SandboxApp, req: Request) -> Response | None:
    if req.path == TOKEN_PATH:
        return _token(app, req)
    path_match = PATH.match(req.path)
    if not path_match:
        if req.path.startswith("/admin/api/"):
            return Response(404, {"errors": "Not Found"})
        return None
    if req.method != "POST":
        return Response(405, {"errors": "Method Not Allowed"})
    shop = _shop_by_token(app, req.headers.get("x-shopify-access-token", ""))
    if shop is None:
        return Response(401, {"errors": INVALID_TOKEN}, {"WWW-Authenticate": 'Basic Realm="Shopify API Authentication"'})
    version = path_match["version"]
    if version != "unstable" and version < OLDEST_SUPPORTED:
        version = OLDEST_SUPPORTED  # falls forward to the oldest supported version
    response = _graphql(app, req, shop, version)
    response.headers = {**(response.headers or {}), "X-Shopify-API-Version": version}
    return response


def _graphql(app: SandboxApp, req: Request, shop: Shop, version: str) -> Response:
    fault = app.fault(shop)
    try:
        body = req.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return Response(400, {"errors": {"query": "Required parameter missing or invalid"}})
    query, variables = body["query"], body.get("variables") or {}
    if not isinstance(variables, dict):
        return Response(200, {"errors": [{"message": "Variables must be an object",
                                          "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]})
    try:
        document, _coerced = gql.prepare(query, variables, body.get("operationName"))
    except gql.Refused as exc:
        return Response(200, {"errors": exc.errors})
    unknown = [name for name in document.root_fields if name not in ROOT_FIELDS[document.kind]]
    if unknown:
        return Response(200, {"errors": [{"message": f"The sandbox does not implement {document.kind} field {name!r}",
                                          "extensions": {"code": "UNSUPPORTED_BY_SANDBOX"}} for name in unknown]})
    orders_read = {"orders", "order"} & set(document.root_fields)
    first = int(variables.get("first") or 1) if "orders" in document.root_fields else 1
    line_first = int(LINE_FIRST.search(query).group(1)) if LINE_FIRST.search(query) else 0
    requested = 2 + first * (1 + line_first) if orders_read else \
        listings.requested_cost(document.root_fields, variables)

    with app.state.lock:
        now = time.monotonic()
        if shop.points_at:
            shop.available_points = min(BUCKET_MAX, shop.available_points + (now - shop.points_at) * RESTORE_RATE)
        shop.points_at = now
        if fault == "error_500":
            return Response(500, {"errors": "Internal Server Error"})
        if fault == "rate_limit" or requested > shop.available_points:
            # the rate_limit fault throttles this one call as if the bucket were empty
            status = _cost(shop, requested, 0)
            if fault == "rate_limit":
                status["throttleStatus"]["currentlyAvailable"] = 0
            return Response(200, {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": status}})
        spent: list[int] = []
        result = gql.run(document, variables, _root(app, shop, query, version, spent))
        actual = sum(spent) or 1
        errors = gql.execution_errors(result)
        if any(isinstance(e.original_error, listings.GraphQLError) for e in result.errors or []):
            return Response(200, {"errors": errors})  # a refusal of the whole request: no data
        shop.available_points = max(0.0, shop.available_points - actual)
        answer: dict[str, Any] = {"data": result.data}
        if errors:
            answer["errors"] = errors
        answer["extensions"] = {"cost": _cost(shop, requested, actual)}
        return Response(200, answer)


# The root fields the sandbox answers, by operation type; the rest of the schema validates but is
# refused as UNSUPPORTED_BY_SANDBOX.
ROOT_FIELDS = {
    "query": {"orders", "order", "return", "shop", "products", "product", "productVariant", "nodes", "locations",
              "shopifyPaymentsAccount"},
    "mutation": {"fulfillmentCreate", "inventorySetQuantities", "productVariantsBulkUpdate", "productUpdate",
                 "productSet", "returnApproveRequest", "returnDeclineRequest", "returnClose", "orderCancel"},
}


def _root(app: SandboxApp, shop: Shop, query: str, version: str, spent: list[int]) -> dict[str, Any]:
    """Root field resolvers `(info, **arguments)` over the sandbox state; nested fields are read from
    the dicts they return (only what the document selected reaches the answer)."""

    def orders(info, **args):
        data, actual = _orders(app, shop, args, query, _line_args(info)[0])
        spent.append(actual)
        return data["orders"]

    def order(info, **args):
        found = _find(shop, args.get("id"))
        if found is None:
            spent.append(1)
            return None
        line_first, after = _line_args(info)
        asked = {s.name.value for s in info.field_nodes[0].selection_set.selections if hasattr(s, "name")}
        if "displayFulfillmentStatus" in asked:  # the order's state was read: collected
            found.collected = True
        node = render_order(app, shop, found, line_first)
        start = int((_uncursor(after) or [0])[0])
        node["lineItems"] = _line_connection(shop, found, line_first or 1, start)
        node["fulfillmentOrders"] = (listings.run(app, shop, "FulfillmentOrders", {"id": args.get("id")}, query,
                                                  version)[0]["order"] or {}).get("fulfillmentOrders")
        spent.append(1 + min(line_first, len(found.lines)))
        return node

    def shop_field(info, **args):
        spent.append(1)
        return {"name": f"{shop.code} (sandbox)", "myshopifyDomain": shop.credentials["shop_domain"],
                "currencyCode": shop.currency}

    def listing(name: str, key: str, variables=None):
        def resolve(info, **args):
            data, cost = listings.run(app, shop, name, variables(info, args) if variables else args, query, version)
            spent.append(cost)
            return data[key]
        return resolve

    def idempotent(info, args):
        directive = gql.schema().get_directive("idempotent")
        values = get_directive_values(directive, info.field_nodes[0], info.variable_values) if directive else None
        return {**args, "idempotencyKey": (values or {}).get("key")}

    variant_nodes = listing("VariantsInventory", "nodes")

    def nodes(info, **args):
        if settlement_api.is_payout_lookup(args.get("ids")):
            spent.append(len(args["ids"]))
            return settlement_api.shopify_payouts(app, shop, args["ids"])
        return variant_nodes(info, **args)

    def payments_account(info, **args):
        spent.append(10)
        return settlement_api.shopify_account(app, shop, _connection_args(info, "balanceTransactions"))

    return {
        "orders": orders, "order": order, "shop": shop_field, "shopifyPaymentsAccount": payments_account,
        "products": listing("Products", "products"), "product": listing("Product", "product"),
        "productVariant": listing("VariantInventory", "productVariant"),
        "nodes": nodes, "locations": listing("Locations", "locations"),
        "fulfillmentCreate": listing("FulfillmentCreate", "fulfillmentCreate"),
        "inventorySetQuantities": listing("InventorySet", "inventorySetQuantities", idempotent),
        "productVariantsBulkUpdate": listing("VariantsPrice", "productVariantsBulkUpdate"),
        "productUpdate": listing("ProductStatus", "productUpdate"),
        "productSet": listing("ProductSet", "productSet"),
        **shopify_claims.resolvers(app, shop, spent),
    }


def _connection_args(info, name: str) -> dict[str, Any]:
    """The arguments of the connection field `name` selected under this root field."""
    parent = info.schema.get_type(info.return_type.of_type.name if hasattr(info.return_type, "of_type")
                                  else info.return_type.name)
    for selection in info.field_nodes[0].selection_set.selections:
        if getattr(selection, "name", None) and selection.name.value == name:
            return get_argument_values(parent.fields[name], selection, info.variable_values)
    return {}


def _line_args(info) -> tuple[int, str | None]:
    """lineItems(first:, after:) as the document asks them under this field (0, None when not asked)."""
    order_type = gql.schema().get_type("Order")
    nodes = [info.field_nodes[0]]
    while nodes:
        node = nodes.pop()
        for selection in (node.selection_set.selections if node.selection_set else []):
            if getattr(selection, "name", None) and selection.name.value == "lineItems":
                args = get_argument_values(order_type.fields["lineItems"], selection, info.variable_values)
                return int(args.get("first") or 0), args.get("after")
            if getattr(selection, "selection_set", None):
                nodes.append(selection)
    return 0, None


def _cost(shop: Shop, requested: float, actual: float) -> dict[str, Any]:
    return {"requestedQueryCost": requested, "actualQueryCost": actual or None, "throttleStatus": {
        "maximumAvailable": BUCKET_MAX, "currentlyAvailable": int(shop.available_points), "restoreRate": RESTORE_RATE}}


def _money(shop: Shop, minor: int) -> dict[str, Any]:
    exponent = 0 if shop.currency == "KRW" else 2
    amount = Decimal(minor).scaleb(-exponent)
    return {"shopMoney": {"amount": f"{amount:.{max(exponent, 1)}f}", "currencyCode": shop.currency}}


def _cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


def _uncursor(value: str | None) -> list[Any] | None:
    if not value:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(value.encode()))
    except ValueError:
        return None


def _line_node(shop: Shop, order: Order, line) -> dict[str, Any]:
    product, option = shop.option(line.option_id)
    unfulfilled = listings.remaining(order, line) if not order.cancelled_at else line.quantity
    return {
        "id": f"gid://shopify/LineItem/{line.line_no}", "name": f"{product.name} - {option.name}",
        "title": product.name, "variantTitle": option.name, "sku": option.sku, "quantity": line.quantity,
        "currentQuantity": 0 if order.cancelled_at else line.quantity, "unfulfilledQuantity": unfulfilled,
        "originalUnitPriceSet": _money(shop, line.unit_price),
        "totalDiscountSet": _money(shop, line.discount * line.quantity),
        "discountedTotalSet": _money(shop, (line.unit_price - line.discount) * line.quantity),
        "product": {"legacyResourceId": product.product_id},
        "variant": {"legacyResourceId": option.option_id, "sku": option.sku},
    }


def _line_connection(shop: Shop, order: Order, first: int, start: int = 0) -> dict[str, Any]:
    lines = order.lines[start:start + first]
    more = start + first < len(order.lines)
    return {"pageInfo": {"hasNextPage": more, "endCursor": _cursor(start + first) if lines else None},
            "nodes": [_line_node(shop, order, line) for line in lines]}


def render_order(app: SandboxApp, shop: Shop, order: Order, line_first: int) -> dict[str, Any]:
    malformed = order.seq == app.state.malformed_seq(shop)
    return {
        "id": f"gid://shopify/Order/{order.order_no}", "legacyResourceId": order.order_no, "name": f"#{1000 + order.seq}",
        "createdAt": "yesterday" if malformed else utc_z(order.ordered_at), "processedAt": utc_z(order.paid_at),
        "updatedAt": utc_z(order.changed_at), "cancelledAt": utc_z(order.cancelled_at),
        "displayFinancialStatus": order.financial, "displayFulfillmentStatus": order.status,
        "returnStatus": "NO_RETURN", "cancelReason": shopify_claims.cancel_reason(shop, order),
        "returns": shopify_claims.returns(shop, order),
        "fulfillments": [{"createdAt": utc_z(order.changed_at), "displayStatus": "IN_TRANSIT",
                          "trackingInfo": [{"company": "CJ Logistics", "number": f"7{order.seq:011d}"}]}]
        if order.status == "FULFILLED" else [],
        "currencyCode": shop.currency, "email": order.buyer_email, "phone": order.buyer_phone,
        "note": order.message or None, "customer": {"displayName": order.buyer_name},
        "shippingAddress": {"name": order.recipient_name, "phone": order.recipient_phone, "zip": order.postal_code,
                            "address1": order.address1, "address2": order.address2, "city": "", "province": "",
                            "countryCodeV2": "KR"},
        "totalShippingPriceSet": _money(shop, order.shipping_fee),
        "lineItems": _line_connection(shop, order, line_first or 1),
    }


def _parse_bound(pattern: re.Pattern, query: str) -> datetime | None:
    found = pattern.search(query)
    if not found:
        return None
    try:
        return datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
    except ValueError:
        return None


def _orders(app: SandboxApp, shop: Shop, variables: dict[str, Any], query: str, line_first: int):
    first = max(1, min(250, int(variables.get("first") or 50)))
    search = str(variables.get("query") or "")
    low, high = _parse_bound(UPDATED_MIN, search), _parse_bound(UPDATED_MAX, search)
    # Shopify compares at second precision
    def key(o: Order) -> tuple[str, int]:
        return utc_z(o.changed_at), int(o.order_no)

    matching = sorted((o for o in shop.orders
                       if (low is None or o.changed_at.replace(microsecond=0) >= low)
                       and (high is None or o.changed_at.replace(microsecond=0) <= high)), key=key)
    after = _uncursor(variables.get("after"))
    begin = 0
    if after:
        begin = next((i for i, o in enumerate(matching) if key(o) > (after[0], after[1])), len(matching))
    page = matching[begin:begin + first]
    nodes = [render_order(app, shop, o, line_first) for o in page]
    if shop.faults.duplicate_items and after and begin > 0:
        nodes.insert(0, render_order(app, shop, matching[begin - 1], line_first))
    for order in page:
        order.collected = True
    end_cursor = _cursor(*key(page[-1])) if page else None
    data = {"orders": {"pageInfo": {"hasNextPage": begin + first < len(matching), "endCursor": end_cursor},
                       "nodes": nodes}}
    actual = 2 + sum(1 + min(line_first, len(o.lines)) for o in page)
    return data, actual


def _find(shop: Shop, gid: Any) -> Order | None:
    tail = str(gid or "").rsplit("/", 1)[-1]
    return next((o for o in shop.orders if o.order_no == tail), None)
