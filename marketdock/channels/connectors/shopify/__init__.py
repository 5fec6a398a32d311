"""Shopify — Admin GraphQL API, one module per concern:

- `auth`: the pinned API_VERSION, credentials (static token or the client-credentials grant), the
  token store, OAuth/webhook HMAC;
- `transport`: the GraphQL call, HTTP errors, cost-based throttling, ID helpers;
- `orders`: order queries, the status table, parsing (GraphQL and REST shapes), collection;
- `fulfilment`: 발송 through fulfillment orders (`fulfillmentCreate`);
- `listings`: products, stock (`inventorySetQuantities`), price, sale status, register/update.

The connector class composes the concerns; every public name stays importable from
`marketdock.channels.connectors.shopify`."""

from __future__ import annotations

from datetime import timedelta

from ..models import Capabilities, Marketplace
from ..ratelimit import Rate
from .auth import (
    API_VERSION,
    MP,
    TOKEN_LIFETIME,
    TOKEN_PATH,
    TOKEN_REFRESH_MARGIN,
    TOKENS,
    IssuedToken,
    MemoryTokenStore,
    ShopifyCredentials,
    TokenStore,
    oauth_hmac,
    parse_token_response,
    verify_oauth_hmac,
    verify_webhook,
    webhook_hmac,
)
from .claims import CLAIMS_QUERY, RETURN_PROGRESS, ShopifyClaims, parse_claims_page, parse_order_claims
from .fulfilment import (
    FULFILLMENT_CREATE,
    FULFILLMENT_ORDERS_QUERY,
    ShopifyFulfilment,
)
from .listings import (
    INVENTORY_REFS,
    INVENTORY_SET,
    INVENTORY_SET_COST,
    LOCATIONS_QUERY,
    PRODUCT_QUERY,
    PRODUCT_SET,
    PRODUCT_STATUS,
    PRODUCTS_PAGE,
    PRODUCTS_QUERY,
    QUANTITIES_PER_SET,
    STALE_REFERENCE,
    STOCK_STALE,
    VARIANT_LOOKUP_COST,
    VARIANTS_INVENTORY_QUERY,
    VARIANTS_PAGE,
    VARIANTS_PER_LOOKUP,
    VARIANTS_PRICE,
    InventoryRefs,
    ShopifyListings,
    build_product_set,
    money_text,
    parse_product,
)
from .orders import (
    FINANCIAL_PROGRESS,
    FULFILLMENT_PROGRESS,
    LINE_ITEMS_PAGE,
    LINE_ITEMS_QUERY,
    ORDER_QUERY,
    ORDERS_QUERY,
    RETURN_CLAIM,
    SHIPMENT_PROGRESS,
    UTC_ZONE,
    ShopifyOrders,
    canonical_status,
    line_id,
    marketplace_state,
    parse_graphql_order,
    parse_payload,
    parse_rest_order,
)
from .settlement import (
    BALANCE_TRANSACTIONS_QUERY,
    PAYOUTS_QUERY,
    ShopifySettlement,
    parse_balance_transaction,
    parse_graphql_payout,
    parse_rest_payout,
    parse_rest_transaction,
    parse_rest_transactions,
)
from .transport import (
    COST_BUCKET,
    COST_BUCKETS,
    COST_RESTORE_RATE,
    ORDERS_PAGE,
    SHOP_QUERY,
    THROTTLE_RETRIES,
    CostBuckets,
    ShopifyTransport,
    connection_nodes,
    gid_tail,
    order_gid,
    to_gid,
    user_errors,
)


class ShopifyConnector(ShopifyOrders, ShopifyFulfilment, ShopifyClaims, ShopifyListings, ShopifySettlement,
                       ShopifyTransport):
    marketplace = Marketplace.SHOPIFY
    capabilities = Capabilities(confirm=False, change_feed=True, max_window=timedelta(days=3650),
                                page_size=ORDERS_PAGE, line_key="{orderId}-{lineItemId}", dispatch=True, delay=False,
                                listings=True, stock_update=True, price_update=True, sale_status=True,
                                register_listing=True, compare_and_set=True, claims=True, claim_decisions=True, return_completion=True,
                                settlements=True)
    credentials_model = ShopifyCredentials
    DEFAULT_RATE = Rate(per_second=4.0, burst=8)  # request pacing; points are handled by the cost logic


__all__ = [
    "CLAIMS_QUERY",
    "RETURN_PROGRESS",
    "ShopifyClaims",
    "parse_claims_page",
    "parse_order_claims",
    "COST_BUCKET", "COST_BUCKETS", "COST_RESTORE_RATE", "CostBuckets", "INVENTORY_SET_COST", "VARIANT_LOOKUP_COST",
    "API_VERSION",
    "BALANCE_TRANSACTIONS_QUERY", "PAYOUTS_QUERY", "ShopifySettlement", "parse_balance_transaction",
    "parse_graphql_payout", "parse_rest_payout", "parse_rest_transaction", "parse_rest_transactions",
    "FINANCIAL_PROGRESS",
    "FULFILLMENT_CREATE",
    "FULFILLMENT_ORDERS_QUERY",
    "FULFILLMENT_PROGRESS",
    "INVENTORY_REFS",
    "INVENTORY_SET",
    "InventoryRefs",
    "IssuedToken",
    "LINE_ITEMS_PAGE",
    "LINE_ITEMS_QUERY",
    "LOCATIONS_QUERY",
    "MP",
    "MemoryTokenStore",
    "ORDERS_PAGE",
    "ORDERS_QUERY",
    "ORDER_QUERY",
    "PRODUCTS_PAGE",
    "PRODUCTS_QUERY",
    "PRODUCT_QUERY",
    "PRODUCT_SET",
    "PRODUCT_STATUS",
    "QUANTITIES_PER_SET",
    "RETURN_CLAIM",
    "SHIPMENT_PROGRESS",
    "SHOP_QUERY",
    "STALE_REFERENCE",
    "STOCK_STALE",
    "ShopifyConnector",
    "ShopifyCredentials",
    "ShopifyFulfilment",
    "ShopifyListings",
    "ShopifyOrders",
    "ShopifyTransport",
    "THROTTLE_RETRIES",
    "TOKENS",
    "TOKEN_LIFETIME",
    "TOKEN_PATH",
    "TOKEN_REFRESH_MARGIN",
    "TokenStore",
    "UTC_ZONE",
    "VARIANTS_INVENTORY_QUERY",
    "VARIANTS_PAGE",
    "VARIANTS_PER_LOOKUP",
    "VARIANTS_PRICE",
    "build_product_set",
    "canonical_status",
    "connection_nodes",
    "gid_tail",
    "line_id",
    "marketplace_state",
    "money_text",
    "oauth_hmac",
    "order_gid",
    "parse_graphql_order",
    "parse_payload",
    "parse_product",
    "parse_rest_order",
    "parse_token_response",
    "to_gid",
    "user_errors",
    "verify_oauth_hmac",
    "verify_webhook",
    "webhook_hmac",
]
