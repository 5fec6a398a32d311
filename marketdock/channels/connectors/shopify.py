"""Shopify — Admin GraphQL API.

- POST https://{shop}/admin/api/{API_VERSION}/graphql.json with `X-Shopify-Access-Token`.
- The token: either a legacy custom app's static `shpat_` token, or (apps created in the Dev Dashboard,
  the only kind since 2026-01-01) the client-credentials grant: POST /admin/oauth/access_token with a
  form body {client_id, client_secret, grant_type=client_credentials} → {access_token, scope,
  expires_in} (24 h). Such tokens are kept in a TokenStore (per process by default; the channels app
  keeps them on the account row so every worker shares one token and one refresh), renewed
  TOKEN_REFRESH_MARGIN before expiry and once more on a 401.
- Orders by `updated_at` window (UTC `Z` in the search query), sortKey UPDATED_AT, cursor paging
  through `pageInfo { hasNextPage endCursor }`; line items beyond the first page are fetched per order.
- Cost-based throttling: after each call read `extensions.cost` (requestedQueryCost,
  throttleStatus.currentlyAvailable / restoreRate) and, before a call that would not fit, wait for the
  points it lacks at the restore rate (the stock calls tell their own cost; the connectors of a process
  share what the last response said, per shop); a `THROTTLED` error is retried a limited number of
  times after the computed wait. The stock push's message size and floor come from the documented
  cost limit (COST_RESTORE_RATE, COST_BUCKET), not from a request count.
- REST order shapes (webhooks `orders/create`, legacy REST) parse too: `parse_rest_order`.
Shopify has no 발주확인: `confirm_orders` raises UnsupportedOperation (capabilities.confirm False),
and no 발송지연 (`delay` raises UnsupportedOperation).
- 발송: the order's fulfillment orders → `fulfillmentCreate` with trackingInfo {company, number, url}.
- Listings: `products` / `product` with variants and their first inventory level ("available").
- Stock: ONE `inventorySetQuantities` per push of up to 250 options, `changeFromQuantity` (compare-and-set)
  per quantity and `@idempotent` (both mandatory from 2026-04); the variants' inventory items and
  location are cached per shop (InventoryRefs: from product reads or one bulk `nodes` lookup), so a
  push needs no lookup request; a stale compare comes back as a conflict with the re-read quantity.
- Price: `productVariantsBulkUpdate`; sale status: `productUpdate` status ACTIVE/DRAFT; register and
  update: `productSet` (synchronous)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, Field, field_validator, model_validator

from . import values as v
from .base import Connector, by_product, listing_failures, parse_many, response_json, unique_lines
from .errors import (
    AuthError,
    BusinessError,
    MalformedPayload,
    RateLimited,
    TemporaryError,
    UnsupportedOperation,
)
from .http import ApiClient, HttpOptions, unparsed_body
from .models import (
    Capabilities,
    ChannelListing,
    ChannelListingOption,
    ChannelOrder,
    Claim,
    ConfirmResult,
    ConnectionStatus,
    DispatchItem,
    DispatchResult,
    FetchWindow,
    LineFailure,
    ListingDraft,
    ListingDraftOption,
    ListingPage,
    ListingUpdateResult,
    Marketplace,
    OrderPage,
    OrderStatus,
    PriceUpdate,
    Progress,
    RecordError,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .ratelimit import Rate

MP = Marketplace.SHOPIFY.value
# The one pinned Admin API version, used by every call. Shopify releases a version each quarter and
# supports it for 12 months; 2026-07 is a stable version Shopify lists as supported (2025-07 is not any
# more). Moving it: read the release notes, run the contract tests, change this line.
API_VERSION = "2026-07"
TOKEN_PATH = "/admin/oauth/access_token"
TOKEN_LIFETIME = timedelta(hours=24)  # what Shopify documents when a response carries no expires_in
TOKEN_REFRESH_MARGIN = timedelta(minutes=30)
ORDERS_PAGE = 25
LINE_ITEMS_PAGE = 20  # 25 × (1 + 20) ≈ 527 requested points: under the 1000-point bucket
THROTTLE_RETRIES = 5
UTC_ZONE = ZoneInfo("UTC")


class ShopifyCredentials(BaseModel):
    shop_domain: str = Field(min_length=1)  # "my-shop.myshopify.com"
    access_token: str = ""  # a legacy custom app's static token
    client_id: str = ""  # a Dev Dashboard app: client id + secret for the client-credentials grant
    client_secret: str = ""

    @model_validator(mode="after")
    def _one_way_in(self) -> ShopifyCredentials:
        if not self.access_token and not (self.client_id and self.client_secret):
            raise ValueError("access_token or client_id + client_secret is required")
        return self

    @property
    def uses_client_credentials(self) -> bool:
        """The client-credentials grant wins when both are stored (the Dev Dashboard app is the newer)."""
        return bool(self.client_id and self.client_secret)

    @field_validator("shop_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.strip().removeprefix("https://").removeprefix("http://").strip("/")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", value):
            raise ValueError("shop_domain must look like my-shop.myshopify.com")
        return value.lower()


_LINE_FIELDS = """
        id name title variantTitle sku quantity currentQuantity unfulfilledQuantity
        originalUnitPriceSet { shopMoney { amount currencyCode } }
        totalDiscountSet { shopMoney { amount currencyCode } }
        discountedTotalSet { shopMoney { amount currencyCode } }
        product { legacyResourceId }
        variant { legacyResourceId sku }"""

_ORDER_FIELDS = f"""
      id legacyResourceId name createdAt processedAt updatedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus returnStatus currencyCode email phone note
      fulfillments(first: 20) {{ createdAt displayStatus trackingInfo {{ company number }} }}
      customer {{ displayName }}
      shippingAddress {{ name phone zip address1 address2 city province countryCodeV2 }}
      totalShippingPriceSet {{ shopMoney {{ amount currencyCode }} }}
      lineItems(first: {LINE_ITEMS_PAGE}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{{_LINE_FIELDS}
        }}
      }}"""

ORDERS_QUERY = f"""query Orders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{{_ORDER_FIELDS}
    }}
  }}
}}"""

ORDER_QUERY = f"""query Order($id: ID!) {{
  order(id: $id) {{{_ORDER_FIELDS}
  }}
}}"""

LINE_ITEMS_QUERY = f"""query OrderLineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: {LINE_ITEMS_PAGE}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{{_LINE_FIELDS}
      }}
    }}
  }}
}}"""

SHOP_QUERY = "query Shop { shop { name myshopifyDomain currencyCode } }"

# --- fulfilment and listings -------------------------------------------------------------------

# inventorySetQuantities uses `changeFromQuantity` (compare-and-set) and the @idempotent directive,
# which exist from 2025-10 / 2026-01 and are mandatory from 2026-04 (API_VERSION is past that).
STOCK_STALE = "CHANGE_FROM_QUANTITY_STALE"
PRODUCTS_PAGE = 25
VARIANTS_PAGE = 100

FULFILLMENT_ORDERS_QUERY = """query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 20) {
      nodes { id status lineItems(first: 250) { nodes { id remainingQuantity lineItem { id } } } }
    }
  }
}"""

FULFILLMENT_CREATE = """mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}"""

_PRODUCT_FIELDS = f"""
      id legacyResourceId title status handle descriptionHtml vendor
      variants(first: {VARIANTS_PAGE}) {{
        nodes {{
          id legacyResourceId title sku price
          inventoryItem {{ id inventoryLevels(first: 1) {{ nodes {{ location {{ id }} quantities(names: ["available"]) {{ name quantity }} }} }} }}
        }}
      }}"""

PRODUCTS_QUERY = f"""query Products($first: Int!, $after: String) {{
  shop {{ currencyCode }}
  products(first: $first, after: $after, sortKey: ID) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{{_PRODUCT_FIELDS}
    }}
  }}
}}"""

PRODUCT_QUERY = f"""query Product($id: ID!) {{
  shop {{ currencyCode }}
  product(id: $id) {{{_PRODUCT_FIELDS}
  }}
}}"""

# Many variants' inventory items in one request (nodes by id). 100 ids stay well under the 1000-point
# single-query limit (each variant costs its item, one level and its quantities).
VARIANTS_INVENTORY_QUERY = """query VariantsInventory($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ProductVariant {
      id legacyResourceId
      inventoryItem { id inventoryLevels(first: 1) { nodes { location { id } quantities(names: ["available"]) { name quantity } } } }
    }
  }
}"""
VARIANTS_PER_LOOKUP = 100
# Quantities per inventorySetQuantities call: Shopify caps input arrays at 250 elements.
QUANTITIES_PER_SET = 250
# The documented limit (shopify.dev, "GraphQL Admin API rate limits"): a leaky bucket of cost points per
# app and store, restoring 100 points/s on the standard plan (Advanced 200, Plus 1000); a query runs only
# when the bucket holds its requested cost, and no single query may cost more than 1000 points, the
# standard plan's bucket. The stock push's floor and message size are figured on these (a bigger plan
# only goes faster); the pacing itself follows what each response says (throttleStatus).
COST_RESTORE_RATE = 100.0
COST_BUCKET = 1000.0
# Requested cost by Shopify's documented rules (object 1, connection 2 + first × its node's fields,
# mutation 10): a looked-up variant costs itself, its inventory item and inventoryLevels(first: 1) with
# the level's location and quantities (2 + 1 × 2) = 6; inventorySetQuantities 10 + its returned
# adjustment group and changes = 12.
VARIANT_LOOKUP_COST = 6
INVENTORY_SET_COST = 12
# error codes that mean our cached inventory item / location no longer fit the variant
STALE_REFERENCE = {"INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "ITEM_NOT_STOCKED_AT_LOCATION"}

INVENTORY_SET = """mutation InventorySet($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""

VARIANTS_PRICE = """mutation VariantsPrice($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message }
  }
}"""

PRODUCT_STATUS = """mutation ProductStatus($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id status }
    userErrors { field message }
  }
}"""

PRODUCT_SET = """mutation ProductSet($input: ProductSetInput!, $synchronous: Boolean!) {
  productSet(input: $input, synchronous: $synchronous) {
    product { id }
    userErrors { field message code }
  }
}"""

LOCATIONS_QUERY = "query Locations { locations(first: 1) { nodes { id } } }"


# --- inventory item cache -------------------------------------------------------------------------

class InventoryRefs:
    """Per shop, each variant's (inventoryItem gid, location gid) — what inventorySetQuantities needs and
    a variant id alone does not give. Filled from every product read (list/get/register) and from one
    bulk `nodes` lookup of the variants a stock push does not know yet; shared by the connectors of a
    process (a push builds a new connector), so a normal push sends the mutation and nothing else.
    Bounded: past `limit` entries a shop's map starts over (the next push looks its variants up again)."""

    def __init__(self, limit: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._refs: dict[str, dict[str, tuple[str, str]]] = {}
        self._locations: dict[str, str] = {}
        self.limit = limit

    def get(self, shop: str, variant_id: str) -> tuple[str, str] | None:
        with self._lock:
            return self._refs.get(shop, {}).get(variant_id)

    def put(self, shop: str, variant_id: str, item: str, location: str) -> None:
        with self._lock:
            refs = self._refs.setdefault(shop, {})
            if len(refs) >= self.limit:
                refs.clear()
            refs[variant_id] = (item, location)

    def drop(self, shop: str, variant_id: str) -> None:
        with self._lock:
            self._refs.get(shop, {}).pop(variant_id, None)

    def location(self, shop: str) -> str:
        with self._lock:
            return self._locations.get(shop, "")

    def set_location(self, shop: str, location: str) -> None:
        with self._lock:
            self._locations[shop] = location

    def clear(self) -> None:
        with self._lock:
            self._refs.clear()
            self._locations.clear()


INVENTORY_REFS = InventoryRefs()


class CostBuckets:
    """Per rate limiter and shop, what the last response said of the cost bucket: (currently available,
    restore rate, maximum, when). A push message builds a new connector; through this it knows what the
    previous message spent and waits for exactly the points it lacks, by the restore rate, instead of
    sending blind into THROTTLED. Kept beside the request limiter (one per process, or the one a caller
    passes), so separate limiters never share a guess."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, float, float, float]]] = \
            weakref.WeakKeyDictionary()

    def note(self, limiter: Any, key: str, available: float, restore: float, maximum: float) -> None:
        with self._lock:
            self._seen.setdefault(limiter, {})[key] = (available, restore, maximum, self._clock())

    def estimate(self, limiter: Any, key: str) -> tuple[float, float] | None:
        """(points available now — restored since the last response, up to the maximum —, restore rate)."""
        with self._lock:
            seen = self._seen.get(limiter, {}).get(key)
        if seen is None:
            return None
        available, restore, maximum, at = seen
        return min(maximum, available + max(0.0, self._clock() - at) * restore), restore


COST_BUCKETS = CostBuckets()


# --- access tokens (client-credentials grant) -----------------------------------------------------

IssuedToken = tuple[str, datetime]  # (access token, expires at, UTC)


class TokenStore(Protocol):
    def token(self, issue: Callable[[], IssuedToken], *, rejected: str = "") -> str:
        """A token valid for at least TOKEN_REFRESH_MARGIN more, calling `issue` only when there is
        none (or only `rejected`, the one the shop just refused); one caller issues at a time."""


class MemoryTokenStore:
    """The default store: process-wide, per (shop URL, client id); one thread refreshes at a time."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._tokens: dict[tuple[str, str], IssuedToken] = {}
        self.clock = clock

    def for_key(self, key: tuple[str, str]) -> _KeyedTokenStore:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        return _KeyedTokenStore(self, key, lock)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


class _KeyedTokenStore:
    def __init__(self, parent: MemoryTokenStore, key: tuple[str, str], lock: threading.Lock) -> None:
        self.parent, self.key, self.lock = parent, key, lock

    def token(self, issue: Callable[[], IssuedToken], *, rejected: str = "") -> str:
        with self.lock:
            current = self.parent._tokens.get(self.key)
            if current and current[0] != rejected and current[1] - TOKEN_REFRESH_MARGIN > self.parent.clock():
                return current[0]
            issued = issue()
            self.parent._tokens[self.key] = issued
            return issued[0]


TOKENS = MemoryTokenStore()


def parse_token_response(body: Any, now: datetime) -> IssuedToken:
    """{access_token, scope, expires_in} → (token, expires at)."""
    if not isinstance(body, Mapping):
        raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=body)
    token = v.text(body.get("access_token"), "access_token", marketplace=MP, required=True)
    seconds = v.integer(body.get("expires_in"), "expires_in", marketplace=MP, required=False,
                        default=int(TOKEN_LIFETIME.total_seconds()))
    if seconds <= 0:
        raise MalformedPayload("expires_in", "0보다 커야 합니다", marketplace=MP, value=seconds)
    return token, now + timedelta(seconds=seconds)


# --- request authenticity (OAuth redirects, webhooks) -------------------------------------------

def oauth_hmac(params: Mapping[str, Any], secret: str) -> str:
    """Shopify's HMAC over OAuth/redirect query params: drop `hmac` (and legacy `signature`), sort,
    join `k=v` with '&' (array params `ids[]` become `ids=["2", "1"]`), HMAC-SHA256, hex."""
    def escape(text: str, key: bool = False) -> str:
        text = text.replace("%", "%25").replace("&", "%26")
        return text.replace("=", "%3D") if key else text

    parts = []
    for raw_key, value in params.items():
        if raw_key in ("hmac", "signature"):
            continue
        key = raw_key[:-2] if raw_key.endswith("[]") else raw_key
        if isinstance(value, (list, tuple)):
            value = "[" + ", ".join(f'"{item}"' for item in value) + "]"
        parts.append(f"{escape(key, key=True)}={escape(str(value))}")
    message = "&".join(sorted(parts))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_oauth_hmac(params: Mapping[str, Any], secret: str) -> bool:
    return hmac.compare_digest(oauth_hmac(params, secret), str(params.get("hmac") or ""))


def webhook_hmac(raw_body: bytes, secret: str) -> str:
    """The value Shopify sends in X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def verify_webhook(raw_body: bytes, header_value: str, secret: str) -> bool:
    return hmac.compare_digest(webhook_hmac(raw_body, secret), header_value or "")


# --- parsing ---------------------------------------------------------------------------------

def gid_tail(value: Any, field: str) -> str:
    text = v.text(value, field, marketplace=MP, required=True)
    tail = text.rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise MalformedPayload(field, "Shopify ID가 아닙니다", marketplace=MP, value=value)
    return tail


def order_gid(order_id: str) -> str:
    return f"gid://shopify/Order/{order_id}"


def line_id(order_id: str, line_item_id: str) -> str:
    return f"{order_id}-{line_item_id}"


def canonical_status(financial: str, fulfillment: str, cancelled: bool, line_unfulfilled: int | None,
                     field: str) -> OrderStatus:
    financial, fulfillment = financial.upper(), (fulfillment or "UNFULFILLED").upper()
    if cancelled or financial == "VOIDED":
        return OrderStatus.CANCELLED
    if financial == "REFUNDED":
        return OrderStatus.RETURNED
    if financial in ("PENDING", "EXPIRED"):
        return OrderStatus.HOLD
    mapping = {
        "UNFULFILLED": OrderStatus.NEW, "OPEN": OrderStatus.NEW, "PENDING_FULFILLMENT": OrderStatus.NEW,
        "SCHEDULED": OrderStatus.NEW, "IN_PROGRESS": OrderStatus.READY, "FULFILLED": OrderStatus.SHIPPED,
        "ON_HOLD": OrderStatus.HOLD, "REQUEST_DECLINED": OrderStatus.HOLD, "RESTOCKED": OrderStatus.RETURNED,
        "PARTIAL": OrderStatus.NEW, "PARTIALLY_FULFILLED": OrderStatus.NEW,
    }
    if fulfillment not in mapping:
        raise MalformedPayload(field, "알 수 없는 배송 상태입니다", marketplace=MP, value=fulfillment)
    if fulfillment in ("PARTIAL", "PARTIALLY_FULFILLED") and line_unfulfilled == 0:
        return OrderStatus.SHIPPED
    return mapping[fulfillment]


# The status tables. Progress by displayFinancialStatus first (a cancelled, voided or refunded order is
# over; an unpaid one waits), then by displayFulfillmentStatus; a fulfilment's displayStatus carries
# it on to in transit / delivered. Shopify buyers cannot ask to cancel: cancellations and refunds are
# decided ones; a return the buyer requested (returnStatus) is the pending claim.
FINANCIAL_PROGRESS = {
    "PENDING": Progress.WAITING, "EXPIRED": Progress.WAITING, "VOIDED": Progress.CANCELLED,
    "REFUNDED": Progress.CANCELLED,  # RETURNED when the goods had been fulfilled
    "AUTHORIZED": None, "PARTIALLY_PAID": None, "PAID": None, "PARTIALLY_REFUNDED": None,
}
FULFILLMENT_PROGRESS = {
    "UNFULFILLED": Progress.PAID, "OPEN": Progress.PAID, "PENDING_FULFILLMENT": Progress.PAID,
    "SCHEDULED": Progress.PAID, "IN_PROGRESS": Progress.CONFIRMED, "FULFILLED": Progress.SHIPPED,
    "ON_HOLD": Progress.WAITING, "REQUEST_DECLINED": Progress.WAITING, "RESTOCKED": Progress.RETURNED,
    "PARTIAL": Progress.PAID, "PARTIALLY_FULFILLED": Progress.PAID,  # SHIPPED for a line with nothing left
}
# a fulfilment's displayStatus (GraphQL) / shipment_status (REST) → progress after dispatch
SHIPMENT_PROGRESS = {
    "IN_TRANSIT": Progress.IN_TRANSIT, "OUT_FOR_DELIVERY": Progress.IN_TRANSIT, "ATTEMPTED_DELIVERY": Progress.IN_TRANSIT,
    "READY_FOR_PICKUP": Progress.IN_TRANSIT, "PICKED_UP": Progress.DELIVERED, "DELIVERED": Progress.DELIVERED,
}
RETURN_CLAIM = {"RETURN_REQUESTED": Claim.RETURN, "IN_PROGRESS": Claim.RETURN}
_SHIPPED = (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED)


def marketplace_state(financial: str, fulfillment: str, cancelled: bool, line_unfulfilled: int | None,
                      shipment_status: str = "", return_status: str = "",
                      field: str = "displayFulfillmentStatus") -> tuple[Progress, Claim]:
    """(progress, pending claim) of one line item by the tables above."""
    financial, fulfillment = financial.upper(), (fulfillment or "UNFULFILLED").upper()
    if fulfillment not in FULFILLMENT_PROGRESS:
        raise MalformedPayload(field, "알 수 없는 배송 상태입니다", marketplace=MP, value=fulfillment)
    progress = FULFILLMENT_PROGRESS[fulfillment]
    if fulfillment in ("PARTIAL", "PARTIALLY_FULFILLED") and line_unfulfilled == 0:
        progress = Progress.SHIPPED
    if progress == Progress.SHIPPED:
        progress = SHIPMENT_PROGRESS.get((shipment_status or "").upper(), progress)
    ended = Progress.CANCELLED if cancelled else FINANCIAL_PROGRESS.get(financial)
    if ended == Progress.CANCELLED and progress in _SHIPPED:
        ended = Progress.RETURNED  # refunded after it left: the goods come back (or stay with the buyer)
    if ended is not None:
        return ended, Claim.NONE
    return progress, RETURN_CLAIM.get((return_status or "").upper(), Claim.NONE)


def _last_fulfillment(nodes: Any, field: str) -> tuple[str, str, str, datetime | None]:
    """(company, number, displayStatus, createdAt) of the newest fulfilment with a tracking number."""
    if not isinstance(nodes, list):
        return "", "", "", None
    for index in range(len(nodes) - 1, -1, -1):
        node = nodes[index]
        if not isinstance(node, Mapping):
            continue
        infos = node.get("trackingInfo") if "trackingInfo" in node else [
            {"company": node.get("tracking_company"), "number": node.get("tracking_number")}]
        for info in infos or []:
            if isinstance(info, Mapping) and info.get("number"):
                at = v.timestamp(node.get("createdAt") or node.get("created_at"), f"{field}[{index}].createdAt",
                                 marketplace=MP, naive_tz=UTC_ZONE, required=False)
                status = node.get("displayStatus") or node.get("shipment_status") or ""
                return (v.text(info.get("company"), f"{field}[{index}].trackingInfo.company", marketplace=MP),
                        v.text(info.get("number"), f"{field}[{index}].trackingInfo.number", marketplace=MP),
                        str(status), at)
    return "", "", "", None


def _money(node: Any, field: str) -> tuple[int, str]:
    """A MoneyBag ({shopMoney{amount currencyCode}}) → (minor units, currency)."""
    if node is None:
        return 0, ""
    if not isinstance(node, Mapping) or not isinstance(node.get("shopMoney"), Mapping):
        raise MalformedPayload(field, "금액(shopMoney)이 아닙니다", marketplace=MP, value=node)
    shop_money = node["shopMoney"]
    currency = v.text(shop_money.get("currencyCode"), f"{field}.shopMoney.currencyCode", marketplace=MP, required=True)
    return v.minor_units(shop_money.get("amount"), currency, f"{field}.shopMoney.amount", marketplace=MP), currency


def _line_nodes(connection: Any, field: str) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        raise MalformedPayload(field, "목록이 아닙니다", marketplace=MP, value=connection)
    if "nodes" in connection:
        nodes = connection["nodes"]
    else:
        nodes = [edge.get("node") for edge in connection.get("edges") or [] if isinstance(edge, Mapping)]
    if not isinstance(nodes, list):
        raise MalformedPayload(f"{field}.nodes", "목록이 아닙니다", marketplace=MP, value=nodes)
    return nodes


def parse_graphql_order(node: Mapping[str, Any], prefix: str = "",
                        extra_lines: Sequence[Mapping[str, Any]] = ()) -> list[ChannelOrder]:
    """One GraphQL Order node → one ChannelOrder per line item."""
    if not isinstance(node, Mapping):
        raise MalformedPayload(prefix or "(최상위)", "객체가 아닙니다", marketplace=MP, value=node)

    def p(name: str) -> str:
        return v.field_path(prefix, name)

    def txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
        return v.text(obj.get(name), v.field_path(base, name), marketplace=MP, required=required)

    order_id = node.get("legacyResourceId") or gid_tail(node.get("id"), p("id"))
    order_id = v.text(order_id, p("legacyResourceId"), marketplace=MP, required=True)
    created = v.timestamp(node.get("createdAt"), p("createdAt"), marketplace=MP, naive_tz=UTC_ZONE)
    processed = v.timestamp(node.get("processedAt"), p("processedAt"), marketplace=MP, naive_tz=UTC_ZONE,
                            required=False)
    updated = v.timestamp(node.get("updatedAt"), p("updatedAt"), marketplace=MP, naive_tz=UTC_ZONE, required=False)
    financial = txt(node, prefix, "displayFinancialStatus")
    fulfillment = txt(node, prefix, "displayFulfillmentStatus")
    cancelled = bool(node.get("cancelledAt"))
    currency = txt(node, prefix, "currencyCode") or "KRW"
    company, number, shipment, shipped_at = _last_fulfillment(node.get("fulfillments"), p("fulfillments"))
    return_status = txt(node, prefix, "returnStatus")
    shipping, _ = _money(node.get("totalShippingPriceSet"), p("totalShippingPriceSet"))
    address = v.obj(node, "shippingAddress", prefix, marketplace=MP)
    ap = p("shippingAddress")
    customer = v.obj(node, "customer", prefix, marketplace=MP)
    lines = [*_line_nodes(node.get("lineItems"), p("lineItems")), *extra_lines]
    if not lines:
        raise MalformedPayload(p("lineItems"), "주문 상품이 없습니다", marketplace=MP)

    result = []
    for index, line in enumerate(lines):
        lp = f"{p('lineItems')}.nodes[{index}]"
        if not isinstance(line, Mapping):
            raise MalformedPayload(lp, "객체가 아닙니다", marketplace=MP, value=line)
        quantity = v.integer(line.get("quantity"), f"{lp}.quantity", marketplace=MP)
        current = line.get("currentQuantity")
        current_qty = quantity if current is None else v.integer(current, f"{lp}.currentQuantity", marketplace=MP)
        unfulfilled = line.get("unfulfilledQuantity")
        unfulfilled_qty = None if unfulfilled is None else v.integer(unfulfilled, f"{lp}.unfulfilledQuantity",
                                                                     marketplace=MP)
        unit, line_currency = _money(line.get("originalUnitPriceSet"), f"{lp}.originalUnitPriceSet")
        discount, _ = _money(line.get("totalDiscountSet"), f"{lp}.totalDiscountSet")
        total_value = line.get("discountedTotalSet")
        total = (_money(total_value, f"{lp}.discountedTotalSet")[0] if total_value is not None
                 else unit * quantity - discount)
        product = line.get("product") if isinstance(line.get("product"), Mapping) else {}
        variant = line.get("variant") if isinstance(line.get("variant"), Mapping) else {}
        status = canonical_status(financial, fulfillment, cancelled, unfulfilled_qty, p("displayFulfillmentStatus"))
        progress, claim = marketplace_state(financial, fulfillment, cancelled, unfulfilled_qty, shipment, return_status,
                                            p("displayFulfillmentStatus"))
        if not cancelled and quantity and current_qty == 0:
            status = OrderStatus.CANCELLED  # the line was removed/refunded to zero
            progress, claim = Progress.CANCELLED, Claim.NONE
        shipped = progress in _SHIPPED
        result.append(ChannelOrder(
            marketplace=Marketplace.SHOPIFY,
            order_id=order_id,
            order_line_id=line_id(order_id, gid_tail(line.get("id"), f"{lp}.id")),
            bundle_id=order_id,
            ordered_at=created,
            paid_at=processed if financial.upper() in ("PAID", "PARTIALLY_REFUNDED", "PARTIALLY_PAID") else None,
            changed_at=updated,
            status=status,
            raw_status=f"{financial}/{fulfillment}",
            raw_claim_status=f"RETURN:{return_status}" if claim else "",
            progress=progress,
            claim=claim,
            tracking_number=number if shipped else "",
            carrier_code=company if shipped else "",
            dispatched_at=shipped_at if shipped else None,
            buyer_name=txt(customer, p("customer"), "displayName") or txt(address, ap, "name"),
            buyer_phone=txt(node, prefix, "phone"),
            buyer_email=txt(node, prefix, "email"),
            recipient_name=txt(address, ap, "name"),
            recipient_phone=txt(address, ap, "phone"),
            recipient_postal_code=txt(address, ap, "zip"),
            recipient_address1=txt(address, ap, "address1"),
            recipient_address2=txt(address, ap, "address2"),
            recipient_city=txt(address, ap, "city"),
            recipient_region=txt(address, ap, "province"),
            recipient_country=txt(address, ap, "countryCodeV2") or "KR",
            delivery_message=txt(node, prefix, "note"),
            channel_product_id=str(product.get("legacyResourceId") or ""),
            channel_option_id=str(variant.get("legacyResourceId") or ""),
            product_name=txt(line, lp, "title") or txt(line, lp, "name"),
            option_text=txt(line, lp, "variantTitle"),
            seller_option_code=txt(line, lp, "sku") or v.text(variant.get("sku"), f"{lp}.variant.sku", marketplace=MP),
            quantity=quantity,
            cancelled_quantity=max(0, quantity - current_qty),
            currency=line_currency or currency,
            unit_price=unit,
            discount_amount=discount,
            total_amount=total,
            shipping_fee=shipping if index == 0 else 0,
            raw=dict(node),
        ))
    return result


def parse_rest_order(order: Mapping[str, Any], prefix: str = "") -> list[ChannelOrder]:
    """A REST/webhook order (`orders/create` payload, legacy REST) → one ChannelOrder per line item."""
    if not isinstance(order, Mapping):
        raise MalformedPayload(prefix or "(최상위)", "객체가 아닙니다", marketplace=MP, value=order)

    def p(name: str) -> str:
        return v.field_path(prefix, name)

    def txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
        return v.text(obj.get(name), v.field_path(base, name), marketplace=MP, required=required)

    order_id = txt(order, prefix, "id", True)
    currency = txt(order, prefix, "currency") or "KRW"
    created = v.timestamp(order.get("created_at"), p("created_at"), marketplace=MP, naive_tz=UTC_ZONE)
    processed = v.timestamp(order.get("processed_at"), p("processed_at"), marketplace=MP, naive_tz=UTC_ZONE,
                            required=False)
    updated = v.timestamp(order.get("updated_at"), p("updated_at"), marketplace=MP, naive_tz=UTC_ZONE, required=False)
    financial = txt(order, prefix, "financial_status")
    fulfillment = txt(order, prefix, "fulfillment_status") or "unfulfilled"
    cancelled = bool(order.get("cancelled_at"))
    company, number, shipment, shipped_at = _last_fulfillment(order.get("fulfillments"), p("fulfillments"))
    address = v.obj(order, "shipping_address", prefix, marketplace=MP)
    ap = p("shipping_address")
    customer = v.obj(order, "customer", prefix, marketplace=MP)
    cp = p("customer")
    shipping = 0
    for i, shipping_line in enumerate(order.get("shipping_lines") or []):
        shipping += v.minor_units(shipping_line.get("price"), currency, f"{p('shipping_lines')}[{i}].price",
                                  marketplace=MP)
    lines = order.get("line_items")
    if not isinstance(lines, list) or not lines:
        raise MalformedPayload(p("line_items"), "주문 상품이 없습니다", marketplace=MP, value=lines)
    buyer = " ".join(x for x in (txt(customer, cp, "first_name"), txt(customer, cp, "last_name")) if x)

    result = []
    for index, line in enumerate(lines):
        lp = f"{p('line_items')}[{index}]"
        if not isinstance(line, Mapping):
            raise MalformedPayload(lp, "객체가 아닙니다", marketplace=MP, value=line)
        quantity = v.integer(line.get("quantity"), f"{lp}.quantity", marketplace=MP)
        unit = v.minor_units(line.get("price"), currency, f"{lp}.price", marketplace=MP)
        discount = v.minor_units(line.get("total_discount"), currency, f"{lp}.total_discount", marketplace=MP)
        line_fulfillment = txt(line, lp, "fulfillment_status")
        status = canonical_status(financial or "paid", fulfillment, cancelled,
                                  0 if line_fulfillment == "fulfilled" else None, p("fulfillment_status"))
        progress, claim = marketplace_state(financial or "paid", fulfillment, cancelled,
                                            0 if line_fulfillment == "fulfilled" else None, shipment, "",
                                            p("fulfillment_status"))
        shipped = progress in _SHIPPED
        result.append(ChannelOrder(
            marketplace=Marketplace.SHOPIFY,
            order_id=order_id,
            order_line_id=line_id(order_id, txt(line, lp, "id", True)),
            bundle_id=order_id,
            ordered_at=created,
            paid_at=processed if financial in ("paid", "partially_refunded", "partially_paid") else None,
            changed_at=updated,
            status=status,
            raw_status=f"{financial.upper()}/{fulfillment.upper()}",
            progress=progress,
            claim=claim,
            tracking_number=number if shipped else "",
            carrier_code=company if shipped else "",
            dispatched_at=shipped_at if shipped else None,
            buyer_name=buyer or txt(address, ap, "name"),
            buyer_phone=txt(order, prefix, "phone") or txt(customer, cp, "phone"),
            buyer_email=txt(order, prefix, "email"),
            recipient_name=txt(address, ap, "name"),
            recipient_phone=txt(address, ap, "phone"),
            recipient_postal_code=txt(address, ap, "zip"),
            recipient_address1=txt(address, ap, "address1"),
            recipient_address2=txt(address, ap, "address2"),
            recipient_city=txt(address, ap, "city"),
            recipient_region=txt(address, ap, "province"),
            recipient_country=txt(address, ap, "country_code") or "KR",
            delivery_message=txt(order, prefix, "note"),
            channel_product_id=txt(line, lp, "product_id"),
            channel_option_id=txt(line, lp, "variant_id"),
            product_name=txt(line, lp, "title") or txt(line, lp, "name"),
            option_text=txt(line, lp, "variant_title"),
            seller_option_code=txt(line, lp, "sku"),
            quantity=quantity,
            currency=currency,
            unit_price=unit,
            discount_amount=discount,
            total_amount=unit * quantity - discount,
            shipping_fee=shipping if index == 0 else 0,
            raw=dict(order),
        ))
    return result


def parse_payload(payload: Any) -> list[ChannelOrder]:
    """Any Shopify order payload → order lines: GraphQL responses ({data:{orders}} / {data:{order}}),
    a GraphQL Order node, REST {order} / {orders:[…]}, or a webhook order body. Strict."""
    if isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping):
        data = payload["data"]
        if "orders" in data:
            return [line for i, node in enumerate(_line_nodes(data["orders"], "data.orders"))
                    for line in parse_graphql_order(node, f"data.orders.nodes[{i}]")]
        if "order" in data:
            return parse_graphql_order(data["order"], "data.order")
    if isinstance(payload, Mapping) and isinstance(payload.get("orders"), list):
        return [line for i, order in enumerate(payload["orders"]) for line in parse_rest_order(order, f"orders[{i}]")]
    if isinstance(payload, Mapping) and isinstance(payload.get("order"), Mapping):
        return parse_rest_order(payload["order"], "order")
    if isinstance(payload, Mapping) and "lineItems" in payload:
        return parse_graphql_order(payload)
    if isinstance(payload, Mapping) and "line_items" in payload:
        return parse_rest_order(payload)
    raise MalformedPayload("(최상위)", "Shopify 주문 데이터가 아닙니다", marketplace=MP)


def _ids(node: Any) -> tuple[str, str]:
    if not isinstance(node, Mapping):
        return "", ""
    return str(node.get("legacyResourceId") or str(node.get("id") or "").rsplit("/", 1)[-1]), ""


# --- client ----------------------------------------------------------------------------------

class ShopifyConnector(Connector):
    marketplace = Marketplace.SHOPIFY
    capabilities = Capabilities(confirm=False, change_feed=True, max_window=timedelta(days=3650),
                                page_size=ORDERS_PAGE, line_key="{orderId}-{lineItemId}", dispatch=True, delay=False,
                                listings=True, stock_update=True, price_update=True, sale_status=True,
                                register_listing=True, compare_and_set=True)
    credentials_model = ShopifyCredentials
    DEFAULT_RATE = Rate(per_second=4.0, burst=8)  # request pacing; points are handled by the cost logic

    def __init__(self, credentials: ShopifyCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, page_size: int = ORDERS_PAGE,
                 token_store: TokenStore | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.clock = clock or (lambda: datetime.now(UTC))
        self.page_size = max(1, min(ORDERS_PAGE, page_size))
        self.api = ApiClient(marketplace=MP, base_url=base_url or f"https://{credentials.shop_domain}",
                             limiter_key=f"shopify:{credentials.shop_domain}", rate=self.DEFAULT_RATE, options=options,
                             default_headers={"Content-Type": "application/json", "Accept": "application/json"})
        self._path = f"/admin/api/{API_VERSION}/graphql.json"
        self.token_store: TokenStore = token_store or TOKENS.for_key((self.api.base_url, credentials.client_id))
        self._location = ""
        self._available: float | None = None
        self._restore_rate = COST_RESTORE_RATE
        self._last_cost = 0.0

    def _pause_for_cost(self, cost: float) -> None:
        """Wait until the bucket holds `cost` points: for the points it lacks at the restore rate. Before
        this connector's first response, the last one another connector of this shop saw counts."""
        available, restore = self._available, self._restore_rate
        if available is None:
            available, restore = COST_BUCKETS.estimate(self.api.limiter, self.api.limiter_key) or (None, restore)
        if available is not None and cost > available and restore > 0:
            self.api.options.sleep((cost - available) / restore)

    def _issue_token(self) -> IssuedToken:
        """The client-credentials grant: one POST with a form body."""
        creds = self.credentials
        response = self.api.send("POST", TOKEN_PATH, data={
            "client_id": creds.client_id, "client_secret": creds.client_secret, "grant_type": "client_credentials"},
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}, idempotent=True)
        if response.status_code in (400, 401, 403, 404):
            _raise_for(response, auth=True)
        if response.status_code >= 400:
            _raise_for(response)
        return parse_token_response(response_json(response, MP), self.clock())

    def _access_token(self, rejected: str = "") -> str:
        if not self.credentials.uses_client_credentials:
            return self.credentials.access_token
        return self.token_store.token(self._issue_token, rejected=rejected)

    def _graphql(self, query: str, variables: Mapping[str, Any] | None = None, *,
                 path: str | None = None, cost: float | None = None) -> Mapping[str, Any]:
        """One GraphQL request. `cost`: its requested cost when the caller can tell (else the last
        query's is assumed), so a cheap mutation after an expensive read does not wait for the read's."""
        rejected, requested = "", cost
        for _attempt in range(THROTTLE_RETRIES + 1):
            self._pause_for_cost(self._last_cost if requested is None else requested)
            token = self._access_token(rejected)
            response = self.api.send("POST", path or self._path, json={"query": query, "variables": dict(variables or {})},
                                     headers={"X-Shopify-Access-Token": token})
            if response.status_code == 401 and self.credentials.uses_client_credentials and not rejected:
                rejected = token  # revoked or expired early: one new token, one retry
                continue
            if response.status_code >= 400:
                _raise_for(response)
            body = response_json(response, MP)
            if not isinstance(body, Mapping):
                raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=body)
            cost = (body.get("extensions") or {}).get("cost") or {}
            throttle = cost.get("throttleStatus") or {}
            if throttle:
                self._available = float(throttle.get("currentlyAvailable", 0))
                self._restore_rate = float(throttle.get("restoreRate") or self._restore_rate)
                COST_BUCKETS.note(self.api.limiter, self.api.limiter_key, self._available, self._restore_rate,
                                  float(throttle.get("maximumAvailable") or COST_BUCKET))
            if cost.get("requestedQueryCost") is not None:
                self._last_cost = float(cost["requestedQueryCost"])
            errors = body.get("errors") or []
            if isinstance(errors, str):
                raise BusinessError(errors, marketplace=MP)
            codes = [str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, Mapping)]
            if "THROTTLED" in codes:
                # wait for the points it lacked, at the restore rate (not a fixed pause nor a full bucket)
                wait = max(0.05, (self._last_cost - (self._available or 0)) / max(self._restore_rate, 1.0))
                self.api.options.sleep(wait)
                self._available = self._last_cost  # what the wait restored; the next response corrects it
                continue
            if errors:
                message = "; ".join(str(e.get("message")) for e in errors if isinstance(e, Mapping)) or str(errors)
                code = next((c for c in codes if c), "")
                if code == "ACCESS_DENIED":
                    raise AuthError(message, marketplace=MP, code=code)
                raise BusinessError(message, marketplace=MP, code=code)
            data = body.get("data")
            if not isinstance(data, Mapping):
                raise MalformedPayload("data", "응답에 data가 없습니다", marketplace=MP)
            return data
        raise RateLimited("Shopify 쿼리 비용 한도(THROTTLED)가 계속되어 중단했습니다", marketplace=MP,
                          retry_after=self._last_cost / max(self._restore_rate, 1.0))

    def _remaining_lines(self, node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        connection = node.get("lineItems") if isinstance(node, Mapping) else None
        page_info = (connection or {}).get("pageInfo") or {} if isinstance(connection, Mapping) else {}
        extra: list[Mapping[str, Any]] = []
        after = page_info.get("endCursor")
        while page_info.get("hasNextPage") and after:
            data = self._graphql(LINE_ITEMS_QUERY, {"id": node.get("id"), "after": after})
            connection = ((data.get("order") or {}).get("lineItems")) or {}
            extra.extend(_line_nodes(connection, "data.order.lineItems"))
            page_info = connection.get("pageInfo") or {}
            after = page_info.get("endCursor")
        return extra

    def _parse_nodes(self, nodes: Sequence[Any], prefix: str) -> tuple[list[ChannelOrder], list[RecordError]]:
        def parse(node: Any, path: str) -> list[ChannelOrder]:
            return parse_graphql_order(node, path, self._remaining_lines(node) if isinstance(node, Mapping) else ())

        return parse_many(nodes, parse, prefix, _ids)

    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        search = f"updated_at:>='{v.utc_z(window.start)}' AND updated_at:<='{v.utc_z(window.end)}'"
        data = self._graphql(ORDERS_QUERY, {"first": self.page_size, "after": cursor or None, "query": search})
        connection = data.get("orders")
        nodes = _line_nodes(connection, "data.orders")
        orders, errors = self._parse_nodes(nodes, "data.orders.nodes")
        page_info = connection.get("pageInfo") or {} if isinstance(connection, Mapping) else {}
        has_more = bool(page_info.get("hasNextPage"))
        end_cursor = page_info.get("endCursor") if has_more else None
        if has_more and not end_cursor:
            raise MalformedPayload("data.orders.pageInfo.endCursor", "다음 페이지 커서가 없습니다", marketplace=MP)
        return OrderPage(orders=orders, errors=errors, has_more=has_more, next_cursor=end_cursor)

    def get_order(self, order_line_id: str) -> ChannelOrder:
        order_id, sep, _ = order_line_id.partition("-")
        if not sep or not order_id.isdigit():
            raise BusinessError(f"Shopify 주문라인 번호 형식이 아닙니다 (주문ID-라인ID): {order_line_id!r}",
                                marketplace=MP, code="BAD_LINE_ID")
        node = self._graphql(ORDER_QUERY, {"id": order_gid(order_id)}).get("order")
        if not node:
            raise BusinessError(f"주문을 찾을 수 없습니다: {order_id}", marketplace=MP, code="NOT_FOUND", status=404)
        for order in parse_graphql_order(node, "data.order", self._remaining_lines(node)):
            if order.order_line_id == order_line_id:
                return order
        raise BusinessError(f"주문에 해당 라인이 없습니다: {order_line_id}", marketplace=MP, code="NOT_FOUND", status=404)

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        raise UnsupportedOperation("Shopify에는 발주확인 기능이 없습니다", marketplace=MP)

    # --- fulfilment ------------------------------------------------------------------------------

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """fulfillmentCreate per (order, tracking number): the order's open fulfillment orders are
        read first, and each line is fulfilled through the fulfillment-order line items that still
        have a remaining quantity. trackingInfo.company is the marketplace carrier code (free text at
        Shopify); `tracking_url` is sent too, because Korean carriers are not auto-linked."""
        result = DispatchResult()
        groups: dict[tuple[str, str, str, str], list[tuple[DispatchItem, str]]] = {}
        for item in unique_lines(items):
            order_id, sep, line_item = item.order_line_id.partition("-")
            problem = item.missing()
            if not sep or not order_id.isdigit() or not line_item.isdigit():
                problem = f"Shopify 주문라인 번호 형식이 아닙니다 (주문ID-라인ID): {item.order_line_id!r}"
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            key = (order_id, item.method, item.marketplace_carrier_code, item.tracking_number)
            groups.setdefault(key, []).append((item, line_item))
        for (order_id, method, company, number), group in groups.items():
            data = self._graphql(FULFILLMENT_ORDERS_QUERY, {"id": order_gid(order_id)})
            order = data.get("order")
            if not order:
                result.failed.extend(LineFailure(order_line_id=item.order_line_id, code="NOT_FOUND",
                                                 message=f"주문을 찾을 수 없습니다: {order_id}") for item, _ in group)
                continue
            open_lines: dict[str, list[tuple[str, str, int]]] = {}  # line item id -> [(fo id, fo line id, remaining)]
            for fo in _line_nodes(order.get("fulfillmentOrders") or {}, "data.order.fulfillmentOrders"):
                if str(fo.get("status") or "").upper() not in ("OPEN", "IN_PROGRESS", "SCHEDULED"):
                    continue
                for fo_line in _line_nodes(fo.get("lineItems") or {}, "fulfillmentOrders.lineItems"):
                    remaining = int(fo_line.get("remainingQuantity") or 0)
                    line_item_id = str((fo_line.get("lineItem") or {}).get("id") or "").rsplit("/", 1)[-1]
                    if remaining > 0:
                        open_lines.setdefault(line_item_id, []).append((fo["id"], fo_line["id"], remaining))
            by_fo: dict[str, list[dict[str, Any]]] = {}
            sending: list[str] = []
            for item, line_item in group:
                targets = open_lines.get(line_item)
                if not targets:
                    result.failed.append(LineFailure(order_line_id=item.order_line_id, code="NOTHING_TO_FULFILL",
                                                     message="발송할 수량이 남아 있지 않습니다 (이미 발송되었거나 취소됨)"))
                    continue
                wanted = item.quantity or sum(t[2] for t in targets)
                for fo_id, fo_line_id, remaining in targets:
                    if wanted <= 0:
                        break
                    take = min(wanted, remaining)
                    by_fo.setdefault(fo_id, []).append({"id": fo_line_id, "quantity": take})
                    wanted -= take
                sending.append(item.order_line_id)
            if not sending:
                continue
            fulfillment: dict[str, Any] = {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": lines}
                                                for fo, lines in by_fo.items()],
                "notifyCustomer": True,
            }
            if method == "parcel":
                info = {"company": company, "number": number}
                url = next((item.tracking_url for item, _ in group if item.tracking_url), "")
                if url:
                    info["url"] = url
                fulfillment["trackingInfo"] = info
            answer = self._graphql(FULFILLMENT_CREATE, {"fulfillment": fulfillment}).get("fulfillmentCreate") or {}
            errors = _user_errors(answer)
            if errors:
                message = "; ".join(e["message"] for e in errors)
                result.failed.extend(LineFailure(order_line_id=line, code="USER_ERROR", message=message)
                                     for line in sending)
            else:
                result.sent.extend(sending)
        return result

    # --- listings --------------------------------------------------------------------------------

    def _currency(self, data: Mapping[str, Any]) -> str:
        shop = data.get("shop") if isinstance(data.get("shop"), Mapping) else {}
        return str(shop.get("currencyCode") or "KRW")

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        data = self._graphql(PRODUCTS_QUERY, {"first": PRODUCTS_PAGE, "after": cursor or None})
        currency = self._currency(data)
        connection = data.get("products") or {}
        nodes = _line_nodes(connection, "data.products")
        listings = [parse_product(node, currency, f"data.products.nodes[{i}]") for i, node in enumerate(nodes)]
        for listing in listings:
            self._learn(listing)
        page_info = connection.get("pageInfo") or {}
        has_more = bool(page_info.get("hasNextPage"))
        return ListingPage(listings=listings, has_more=has_more,
                           next_cursor=page_info.get("endCursor") if has_more else None)

    def get_listing(self, product_id: str) -> ChannelListing:
        data = self._graphql(PRODUCT_QUERY, {"id": _gid("Product", product_id)})
        if not data.get("product"):
            raise BusinessError(f"상품을 찾을 수 없습니다: {product_id}", marketplace=MP, code="NOT_FOUND", status=404)
        return self._learn(parse_product(data["product"], self._currency(data), "data.product"))

    @property
    def _shop(self) -> str:
        return self.credentials.shop_domain

    def _learn(self, listing: ChannelListing) -> ChannelListing:
        """Keep each variant's inventory item and location from a product read (see InventoryRefs)."""
        for option in listing.options:
            self._learn_variant(option.option_id, option.raw)
        return listing

    def _learn_variant(self, variant_id: str, node: Mapping[str, Any]) -> int | None:
        """Cache one variant node's inventory item and location; its "available" quantity (None when the
        node has no inventory item)."""
        item = node.get("inventoryItem") if isinstance(node, Mapping) else None
        if not isinstance(item, Mapping) or not item.get("id"):
            return None
        levels = _line_nodes(item.get("inventoryLevels") or {"nodes": []}, "inventoryItem.inventoryLevels")
        location = str(((levels[0].get("location") or {}).get("id")) or "") if levels else ""
        if location:
            INVENTORY_REFS.set_location(self._shop, location)
        else:
            location = self._location_id()
        INVENTORY_REFS.put(self._shop, variant_id, str(item["id"]), location)
        return _available(levels[0]) if levels else 0

    def _location_id(self) -> str:
        location = self._location or INVENTORY_REFS.location(self._shop)
        if not location:
            nodes = _line_nodes((self._graphql(LOCATIONS_QUERY).get("locations") or {}), "data.locations")
            if not nodes:
                raise BusinessError("Shopify 매장에 재고 위치(location)가 없습니다", marketplace=MP, code="NO_LOCATION")
            location = str(nodes[0]["id"])
            INVENTORY_REFS.set_location(self._shop, location)
        self._location = location
        return location

    def _product_set(self, draft: ListingDraft, product_id: str | None) -> ChannelListing:
        currency = self._currency(self._graphql(SHOP_QUERY))
        payload = build_product_set(draft, currency, self._location_id(), product_id)
        answer = self._graphql(PRODUCT_SET, {"input": payload, "synchronous": True}).get("productSet") or {}
        errors = _user_errors(answer)
        if errors:
            raise BusinessError("; ".join(e["message"] for e in errors), marketplace=MP,
                                code=str(errors[0].get("code") or "USER_ERROR"), details=errors)
        product = answer.get("product") or {}
        return self.get_listing(gid_tail(product.get("id"), "data.productSet.product.id"))

    def register_listing(self, draft: ListingDraft) -> ChannelListing:
        return self._product_set(draft, None)

    def update_listing(self, product_id: str, draft: ListingDraft) -> ChannelListing:
        return self._product_set(draft, product_id)

    def _lookup_variants(self, variant_ids: Sequence[str]) -> dict[str, int]:
        """One `nodes` query per VARIANTS_PER_LOOKUP variants: caches their inventory item and location
        and returns each found variant's "available" quantity (variants Shopify does not know are
        absent)."""
        found: dict[str, int] = {}
        ids = list(dict.fromkeys(variant_ids))
        for start in range(0, len(ids), VARIANTS_PER_LOOKUP):
            chunk = ids[start:start + VARIANTS_PER_LOOKUP]
            data = self._graphql(VARIANTS_INVENTORY_QUERY, {"ids": [_gid("ProductVariant", v) for v in chunk]},
                                 cost=VARIANT_LOOKUP_COST * len(chunk))
            nodes = data.get("nodes")
            if not isinstance(nodes, list):
                raise MalformedPayload("data.nodes", "목록이 아닙니다", marketplace=MP, value=nodes)
            for variant_id, node in zip(chunk, nodes, strict=False):
                if not isinstance(node, Mapping) or not node.get("id"):
                    INVENTORY_REFS.drop(self._shop, variant_id)
                    continue
                available = self._learn_variant(variant_id, node)
                if available is not None:
                    found[variant_id] = available
        return found

    STOCK_LISTINGS_PER_CALL = QUANTITIES_PER_SET  # one inventorySetQuantities per 250 options
    STOCK_PER_OPTION = True

    def _stock_push_calls(self, listings: int) -> int:
        # a variant's inventory item is only known after one read (VARIANTS_PER_LOOKUP per query)
        listings = max(0, listings)
        return -(-listings // QUANTITIES_PER_SET) + -(-listings // VARIANTS_PER_LOOKUP)

    @staticmethod
    def _stock_push_cost(options: int) -> int:
        """Requested cost points of writing `options` variants' stock not pushed before: each variant's
        inventory item looked up, then one mutation per QUANTITIES_PER_SET."""
        options = max(0, options)
        return options * VARIANT_LOOKUP_COST + -(-options // QUANTITIES_PER_SET) * INVENTORY_SET_COST

    def stock_push_capacity(self, seconds: float) -> int:
        """Shopify limits by cost, not by requests: the options whose look-up and write cost what the
        bucket restores in `seconds` (COST_RESTORE_RATE), and no more than the request pacing sends."""
        points = COST_RESTORE_RATE * seconds
        options = int((points - INVENTORY_SET_COST) // VARIANT_LOOKUP_COST)
        while options > 1 and self._stock_push_cost(options) > points:
            options -= 1
        return max(1, min(options, super().stock_push_capacity(seconds)))

    def stock_push_floor(self, listings: int) -> float:
        """The documented minimum: the points the push requests beyond a full bucket (COST_BUCKET), at the
        standard plan's restore rate (our own request pacing is no documented limit and is not counted:
        where it is slower, the push is slower than the floor)."""
        return max(0.0, self._stock_push_cost(listings) - COST_BUCKET) / COST_RESTORE_RATE

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """inventorySetQuantities ("available"): ONE mutation for up to QUANTITIES_PER_SET options, each
        with changeFromQuantity = expected_quantity (None = no compare), one idempotency key per call.
        The variants' inventory items come from INVENTORY_REFS; the ones not known yet are looked up
        first in one bulk query. Shopify applies a mutation all or nothing: the quantities it refused
        come back — a stale compare (CHANGE_FROM_QUANTITY_STALE) as a conflict with the quantity
        re-read (one bulk query for all of them), anything else as a failure — and the rest is sent
        again in one more mutation."""
        result = StockUpdateResult()
        pending: list[StockUpdate] = []
        for item in items:
            if not str(item.option_id).isdigit() and not str(item.option_id).startswith("gid://"):
                result.failed.append(LineFailure(order_line_id=f"{item.product_id}:{item.option_id}",
                                                 product_id=item.product_id, option_id=item.option_id, code="BAD_ID",
                                                 message=f"Shopify ID가 아닙니다: {item.option_id!r}"))
            else:
                pending.append(item)
        unknown = [i.option_id for i in pending if INVENTORY_REFS.get(self._shop, i.option_id) is None]
        if unknown:
            self._lookup_variants(unknown)
        ready: list[StockUpdate] = []
        for item in pending:
            if INVENTORY_REFS.get(self._shop, item.option_id) is None:
                result.failed.append(LineFailure(
                    order_line_id=f"{item.product_id}:{item.option_id}", product_id=item.product_id,
                    option_id=item.option_id, code="NOT_FOUND", message=f"옵션(variant)을 찾을 수 없습니다: {item.option_id}"))
            else:
                ready.append(item)
        stale: list[StockUpdate] = []
        for start in range(0, len(ready), QUANTITIES_PER_SET):
            stale.extend(self._set_quantities(ready[start:start + QUANTITIES_PER_SET], result))
        if stale:
            actual = self._lookup_variants([item.option_id for item in stale])
            for item in stale:
                if item.option_id in actual:
                    result.conflicts.append((item.product_id, item.option_id, actual[item.option_id]))
                else:
                    result.failed.append(LineFailure(
                        order_line_id=f"{item.product_id}:{item.option_id}", product_id=item.product_id,
                        option_id=item.option_id, code="NOT_FOUND",
                        message=f"옵션(variant)을 찾을 수 없습니다: {item.option_id}"))
        return result

    def _set_quantities(self, batch: Sequence[StockUpdate], result: StockUpdateResult) -> list[StockUpdate]:
        """Send one batch (resending what an all-or-nothing refusal held back); returns the stale ones."""
        stale: list[StockUpdate] = []
        for _round in range(3):  # each round removes at least one refused quantity, or ends
            if not batch:
                break
            quantities = []
            for item in batch:
                inventory_item, location = INVENTORY_REFS.get(self._shop, item.option_id) or ("", "")
                quantities.append({"inventoryItemId": inventory_item, "locationId": location,
                                   "quantity": item.quantity, "changeFromQuantity": item.expected_quantity})
            try:
                answer = self._graphql(INVENTORY_SET, {
                    "input": {"name": "available", "reason": "correction", "quantities": quantities,
                              "referenceDocumentUri": f"marketdock://stock/{uuid.uuid4().hex}"},
                    "idempotencyKey": str(uuid.uuid4())}, cost=INVENTORY_SET_COST).get("inventorySetQuantities") or {}
            except BusinessError as exc:
                for item in batch:
                    result.failed.extend(listing_failures(item.product_id, [item.option_id], exc))
                return stale
            errors = _user_errors(answer)
            if not errors:
                result.applied.extend((item.product_id, item.option_id) for item in batch)
                return stale
            refused: set[int] = set()
            whole: list[dict[str, Any]] = []
            for error in errors:
                index = _quantity_index(error.get("field"), len(batch))
                if index is None:
                    whole.append(error)
                    continue
                refused.add(index)
                item = batch[index]
                code = str(error.get("code") or "USER_ERROR")
                if code == STOCK_STALE:
                    stale.append(item)
                    continue
                if code in STALE_REFERENCE:
                    INVENTORY_REFS.drop(self._shop, item.option_id)  # looked up again on the next push
                result.failed.append(LineFailure(
                    order_line_id=f"{item.product_id}:{item.option_id}", product_id=item.product_id,
                    option_id=item.option_id, code=code, message=str(error.get("message") or ""),
                    retryable=code in STALE_REFERENCE))
            if whole:  # refused as a whole (not about one quantity): nothing of this batch went in
                message = "; ".join(str(e.get("message") or "") for e in whole)
                code = str(whole[0].get("code") or "USER_ERROR")
                for index, item in enumerate(batch):
                    if index not in refused:
                        result.failed.append(LineFailure(
                            order_line_id=f"{item.product_id}:{item.option_id}", product_id=item.product_id,
                            option_id=item.option_id, code=code, message=message))
                return stale
            rest = [item for index, item in enumerate(batch) if index not in refused]
            if answer.get("inventoryAdjustmentGroup"):  # applied what it did not refuse
                result.applied.extend((item.product_id, item.option_id) for item in rest)
                return stale
            batch = rest
        for item in batch:  # still refused after the rounds (should not happen): the next push retries
            result.failed.append(LineFailure(
                order_line_id=f"{item.product_id}:{item.option_id}", product_id=item.product_id,
                option_id=item.option_id, code="NOT_APPLIED", message="재고가 반영되지 않았습니다", retryable=True))
        return stale

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        """productVariantsBulkUpdate per product. A product-level price moves every variant, keeping
        each one's difference to the cheapest."""
        result = ListingUpdateResult()
        for product_id, group in by_product(items).items():
            keys = [item.option_id or "" for item in group]
            try:
                listing = self.get_listing(product_id)
                targets: dict[str, int] = {}
                base = next((item.price for item in group if item.option_id is None), None)
                if base is not None:
                    targets.update({o.option_id: base + o.price_delta for o in listing.options})
                known = {o.option_id for o in listing.options}
                for item in group:
                    if item.option_id is not None:
                        if item.option_id not in known:
                            raise BusinessError(f"옵션(variant)을 찾을 수 없습니다: {item.option_id}", marketplace=MP,
                                                code="NOT_FOUND")
                        targets[item.option_id] = item.price
                variants = [{"id": _gid("ProductVariant", option), "price": money_text(price, listing.currency)}
                            for option, price in targets.items()]
                answer = self._graphql(VARIANTS_PRICE, {"productId": _gid("Product", product_id),
                                                        "variants": variants}).get("productVariantsBulkUpdate") or {}
                errors = _user_errors(answer)
                if errors:
                    raise BusinessError("; ".join(e["message"] for e in errors), marketplace=MP, code="USER_ERROR")
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, keys, exc))
                continue
            result.applied.extend((product_id, key) for key in keys)
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        """productUpdate status ACTIVE (판매) / DRAFT (판매중지: hidden from every sales channel)."""
        result = ListingUpdateResult()
        for item in items:
            try:
                answer = self._graphql(PRODUCT_STATUS, {"product": {
                    "id": _gid("Product", item.product_id), "status": "ACTIVE" if item.on_sale else "DRAFT"}}
                ).get("productUpdate") or {}
                errors = _user_errors(answer)
                if errors:
                    raise BusinessError("; ".join(e["message"] for e in errors), marketplace=MP, code="USER_ERROR")
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [""], exc))
                continue
            result.applied.append((item.product_id, ""))
        return result

    def test_connection(self) -> ConnectionStatus:
        shop = self._graphql(SHOP_QUERY).get("shop") or {}
        how = "클라이언트 자격증명 토큰" if self.credentials.uses_client_credentials else "액세스 토큰"
        return ConnectionStatus(ok=True, account_name=str(shop.get("name") or self.credentials.shop_domain),
                                detail=f"{shop.get('myshopifyDomain') or ''} · Admin API {API_VERSION} · {how}")


def _raise_for(response: httpx.Response, *, auth: bool = False) -> None:
    """`auth`: an answer of the token endpoint, where 400/404 mean the app's id or secret is wrong, or the
    app is not installed on this shop."""
    status = response.status_code
    message = unparsed_body(response)
    try:
        body = response.json()
        if isinstance(body, Mapping) and body.get("errors"):
            errors = body["errors"]
            message = errors if isinstance(errors, str) else str(errors)
    except ValueError:
        pass
    if auth:
        raise AuthError(f"액세스 토큰을 받지 못했습니다 (HTTP {status}: {message}) — Dev Dashboard 앱의 Client ID·"
                        "Secret이 맞는지, 앱이 이 상점에 설치되어 있는지 확인하세요", marketplace=MP, status=status,
                        code="TOKEN_REFUSED")
    if status in (401, 403):
        raise AuthError(message, marketplace=MP, status=status)
    if status >= 500:
        raise TemporaryError(f"HTTP {status}: {message}", marketplace=MP, status=status)
    raise BusinessError(message, marketplace=MP, status=status)


def _gid(kind: str, value: str) -> str:
    text = str(value)
    if text.startswith("gid://"):
        return text
    if not text.isdigit():
        raise BusinessError(f"Shopify ID가 아닙니다: {value!r}", marketplace=MP, code="BAD_ID")
    return f"gid://shopify/{kind}/{text}"


def _quantity_index(field: Any, size: int) -> int | None:
    """The quantities[] index a userError's field path points at (["input", "quantities", "3", ...])."""
    if not isinstance(field, (list, tuple)):
        return None
    parts = [str(p) for p in field]
    if "quantities" in parts:
        at = parts.index("quantities") + 1
        if at < len(parts) and parts[at].isdigit() and int(parts[at]) < size:
            return int(parts[at])
    return None


def _user_errors(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = answer.get("userErrors") or []
    return [dict(e) for e in errors if isinstance(e, Mapping)]


def _available(level: Mapping[str, Any]) -> int:
    for quantity in level.get("quantities") or []:
        if quantity.get("name") == "available":
            return int(quantity.get("quantity") or 0)
    return 0


def money_text(minor: int, currency: str) -> str:
    exponent = v.currency_exponent(currency)
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f}"


def parse_product(node: Mapping[str, Any], currency: str, prefix: str = "") -> ChannelListing:
    """A GraphQL Product node (with variants and their first inventory level) → ChannelListing."""
    def p(name: str) -> str:
        return v.field_path(prefix, name)

    product_id = str(node.get("legacyResourceId") or gid_tail(node.get("id"), p("id")))
    variants = []
    for i, variant in enumerate(_line_nodes(node.get("variants") or {}, p("variants"))):
        vp = f"{p('variants')}.nodes[{i}]"
        item = variant.get("inventoryItem") or {}
        levels = _line_nodes(item.get("inventoryLevels") or {"nodes": []}, f"{vp}.inventoryItem.inventoryLevels")
        price = v.minor_units(variant.get("price"), currency, f"{vp}.price", marketplace=MP)
        variants.append((ChannelListingOption(
            option_id=str(variant.get("legacyResourceId") or gid_tail(variant.get("id"), f"{vp}.id")),
            name=v.text(variant.get("title"), f"{vp}.title", marketplace=MP),
            stock=_available(levels[0]) if levels else 0,
            seller_option_code=v.text(variant.get("sku"), f"{vp}.sku", marketplace=MP), raw=dict(variant)), price))
    base = min((price for _, price in variants), default=0)
    raw_status = v.text(node.get("status"), p("status"), marketplace=MP, required=True).upper()
    options = [option.model_copy(update={"price_delta": price - base}) for option, price in variants]
    if raw_status != "ACTIVE":
        status = "stopped"
    elif sum(o.stock for o in options) <= 0:
        status = "sold_out"
    else:
        status = "on_sale"
    return ChannelListing(product_id=product_id, name=v.text(node.get("title"), p("title"), marketplace=MP),
                          price=base, currency=currency, sale_status=status, raw_status=raw_status,
                          seller_product_code=v.text(node.get("handle"), p("handle"), marketplace=MP),
                          options=options, raw=dict(node))


def build_product_set(draft: ListingDraft, currency: str, location_id: str, product_id: str | None) -> dict[str, Any]:
    """ListingDraft → ProductSetInput (options split on " / " into option groups; stock as
    "available" at the first location). Shopify needs no category or images."""
    options = draft.options or [ListingDraftOption(name="Default Title", stock=draft.stock,
                                                   seller_option_code=draft.seller_product_code)]
    groups = max(len(option.name.split(" / ")) for option in options)
    if groups > 3:
        raise BusinessError("Shopify 옵션은 ' / '로 3단계까지만 나눌 수 있습니다", marketplace=MP, code="DRAFT_INVALID")
    names = list(draft.extra.get("optionNames") or ([f"옵션{i + 1}" for i in range(groups)] if draft.options
                                                     else ["Title"]))[:groups]
    values: list[list[str]] = [[] for _ in range(groups)]
    variants = []
    for option in options:
        parts = option.name.split(" / ")
        if len(parts) != groups:
            raise BusinessError(f"옵션명의 단계 수가 다릅니다: {option.name!r}", marketplace=MP, code="DRAFT_INVALID")
        for i, part in enumerate(parts):
            if part not in values[i]:
                values[i].append(part)
        variant: dict[str, Any] = {
            "optionValues": [{"optionName": names[i], "name": part} for i, part in enumerate(parts)],
            "price": money_text(draft.price + option.price_delta, currency),
            "inventoryQuantities": [{"locationId": location_id, "name": "available", "quantity": option.stock}],
        }
        if option.seller_option_code:
            variant["sku"] = option.seller_option_code
        if option.option_id:
            variant["id"] = _gid("ProductVariant", option.option_id)
        variants.append(variant)
    body: dict[str, Any] = {
        "title": draft.name, "status": "ACTIVE" if draft.sale_status != "stopped" else "DRAFT",
        "productOptions": [{"name": name, "position": i + 1, "values": [{"name": value} for value in values[i]]}
                           for i, name in enumerate(names)],
        "variants": variants,
    }
    if draft.description_html:
        body["descriptionHtml"] = draft.description_html
    if draft.brand:
        body["vendor"] = draft.brand
    if draft.seller_product_code:
        body["handle"] = draft.seller_product_code.lower()
    if draft.image_urls:
        body["files"] = [{"originalSource": url, "contentType": "IMAGE"} for url in draft.image_urls]
    if product_id:
        body["id"] = _gid("Product", product_id)
    return body
