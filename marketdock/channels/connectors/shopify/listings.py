"""Shopify listings: products, stock and price.

- Listings: `products` / `product` with variants and their first inventory level ("available").
- Stock: ONE `inventorySetQuantities` per push of up to 250 options, `changeFromQuantity` (compare-and-set)
  per quantity and `@idempotent` (both mandatory from 2026-04); the variants' inventory items and
  location are cached per shop (InventoryRefs: from product reads or one bulk `nodes` lookup), so a
  push needs no lookup request; a stale compare comes back as a conflict with the re-read quantity.
- Price: `productVariantsBulkUpdate`; sale status: `productUpdate` status ACTIVE/DRAFT; register and
  update: `productSet` (synchronous)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .. import values as v
from ..base import by_product, listing_failures
from ..errors import (
    BusinessError,
    MalformedPayload,
)
from ..models import (
    ChannelListing,
    ChannelListingOption,
    LineFailure,
    ListingDraft,
    ListingDraftOption,
    ListingPage,
    ListingUpdateResult,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .auth import MP
from .transport import (
    COST_BUCKET,
    COST_RESTORE_RATE,
    SHOP_QUERY,
    connection_nodes,
    gid_tail,
    to_gid,
    user_errors,
)

# inventorySetQuantities uses `changeFromQuantity` (compare-and-set) and the @idempotent directive,
# which exist from 2025-10 / 2026-01 and are mandatory from 2026-04 (API_VERSION is past that).
STOCK_STALE = "CHANGE_FROM_QUANTITY_STALE"
PRODUCTS_PAGE = 25
VARIANTS_PAGE = 100


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


class ShopifyListings:
    """Products, stock, price and sale status (mixed into ShopifyConnector)."""


    def _currency(self, data: Mapping[str, Any]) -> str:
        shop = data.get("shop") if isinstance(data.get("shop"), Mapping) else {}
        return str(shop.get("currencyCode") or "KRW")

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        data = self._graphql(PRODUCTS_QUERY, {"first": PRODUCTS_PAGE, "after": cursor or None})
        currency = self._currency(data)
        connection = data.get("products") or {}
        nodes = connection_nodes(connection, "data.products")
        listings = [parse_product(node, currency, f"data.products.nodes[{i}]") for i, node in enumerate(nodes)]
        for listing in listings:
            self._learn(listing)
        page_info = connection.get("pageInfo") or {}
        has_more = bool(page_info.get("hasNextPage"))
        return ListingPage(listings=listings, has_more=has_more,
                           next_cursor=page_info.get("endCursor") if has_more else None)

    def get_listing(self, product_id: str) -> ChannelListing:
        data = self._graphql(PRODUCT_QUERY, {"id": to_gid("Product", product_id)})
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
        levels = connection_nodes(item.get("inventoryLevels") or {"nodes": []}, "inventoryItem.inventoryLevels")
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
            nodes = connection_nodes((self._graphql(LOCATIONS_QUERY).get("locations") or {}), "data.locations")
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
        errors = user_errors(answer)
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
            data = self._graphql(VARIANTS_INVENTORY_QUERY, {"ids": [to_gid("ProductVariant", v) for v in chunk]},
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
            errors = user_errors(answer)
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
                variants = [{"id": to_gid("ProductVariant", option), "price": money_text(price, listing.currency)}
                            for option, price in targets.items()]
                answer = self._graphql(VARIANTS_PRICE, {"productId": to_gid("Product", product_id),
                                                        "variants": variants}).get("productVariantsBulkUpdate") or {}
                errors = user_errors(answer)
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
                    "id": to_gid("Product", item.product_id), "status": "ACTIVE" if item.on_sale else "DRAFT"}}
                ).get("productUpdate") or {}
                errors = user_errors(answer)
                if errors:
                    raise BusinessError("; ".join(e["message"] for e in errors), marketplace=MP, code="USER_ERROR")
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [""], exc))
                continue
            result.applied.append((item.product_id, ""))
        return result


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
    for i, variant in enumerate(connection_nodes(node.get("variants") or {}, p("variants"))):
        vp = f"{p('variants')}.nodes[{i}]"
        item = variant.get("inventoryItem") or {}
        levels = connection_nodes(item.get("inventoryLevels") or {"nodes": []}, f"{vp}.inventoryItem.inventoryLevels")
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
            variant["id"] = to_gid("ProductVariant", option.option_id)
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
        body["id"] = to_gid("Product", product_id)
    return body
