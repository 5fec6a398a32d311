"""Naver SmartStore — Naver Commerce API (커머스API), one module per concern:

- `auth`: credentials, client_secret_sign (bcrypt), the token cache;
- `transport`: the authorised call (Bearer token, one refresh on 401), HTTP errors, the data envelope;
- `orders`: the status table, parsing, change feed + details collection, 발주확인;
- `fulfilment`: 발송처리 and 발송지연;
- `listings`: products, option stock, price, sale status, categories, register/update.

The connector class composes the concerns; every public name stays importable from
`marketdock.channels.connectors.naver`."""

from __future__ import annotations

from ..models import Capabilities, Marketplace
from ..ratelimit import Rate
from .auth import (
    BASE_URL,
    MP,
    TOKEN_PATH,
    TOKEN_REFRESH_MARGIN,
    TOKENS,
    NaverCredentials,
    TokenCache,
    canonical_salt,
    client_secret_sign,
)
from .claims import CLAIM_PATH, CLAIM_PROGRESS, NaverClaims, parse_claim, parse_claims
from .fulfilment import (
    DELAY_PATH,
    DELAY_REASONS,
    DELIVERY_METHODS,
    DISPATCH_BATCH,
    DISPATCH_PATH,
    NaverFulfilment,
)
from .inquiries import NaverInquiries
from .listings import (
    CATEGORIES_PATH,
    CHANGE_STATUS_PATH,
    LISTING_PAGE,
    MULTI_UPDATE_BATCH,
    MULTI_UPDATE_PATH,
    MULTI_UPDATE_STOCK,
    NAVER_REQUIRED_EXTRA,
    OPTION_STOCK_PATH,
    ORIGIN_PRODUCT_PATH,
    PRODUCT_SEARCH_PATH,
    PRODUCTS_PATH,
    SALE_STATUS,
    NaverListings,
    build_product_body,
    parse_categories,
    parse_origin_product,
)
from .orders import (
    CHANGES_PATH,
    CLAIM_DECIDED,
    CLAIM_PENDING,
    CONFIRM_BATCH,
    CONFIRM_PATH,
    MAX_WINDOW,
    PROGRESS,
    QUERY_BATCH,
    QUERY_PATH,
    NaverOrders,
    canonical_status,
    marketplace_state,
    parse_changed_status,
    parse_changed_statuses,
    parse_payload,
    parse_product_order,
    parse_query_response,
)
from .settlement import (
    CASE_PATH,
    COMMISSION_PATH,
    NaverSettlement,
    parse_case_response,
    parse_commissions,
)
from .transport import (
    NaverTransport,
    query_string,
    response_data,
)


class NaverConnector(NaverOrders, NaverFulfilment, NaverClaims, NaverListings, NaverInquiries, NaverSettlement, NaverTransport):
    marketplace = Marketplace.NAVER
    capabilities = Capabilities(confirm=True, confirm_batch=CONFIRM_BATCH, change_feed=True, max_window=MAX_WINDOW,
                                page_size=300, line_key="productOrderId", dispatch=True, delay=True, listings=True,
                                stock_update=True, price_update=True, sale_status=True, register_listing=True,
                                compare_and_set=False, categories=True, claims=True, claim_decisions=True, return_completion=True,
                                marketplace_collects=True,
                                inquiries=True, inquiry_answers=True, answer_edit=True,
                                settlements=True)
    credentials_model = NaverCredentials
    DEFAULT_RATE = Rate(per_second=2.0, burst=4)  # the documented example: 2 rps per application


__all__ = [
    "BASE_URL",
    "CASE_PATH",
    "COMMISSION_PATH",
    "NaverSettlement",
    "parse_case_response",
    "parse_commissions",
    "CATEGORIES_PATH",
    "CHANGES_PATH",
    "CLAIM_PATH",
    "CLAIM_PROGRESS",
    "CHANGE_STATUS_PATH",
    "CLAIM_DECIDED",
    "CLAIM_PENDING",
    "CONFIRM_BATCH",
    "CONFIRM_PATH",
    "DELAY_PATH",
    "DELAY_REASONS",
    "DELIVERY_METHODS",
    "DISPATCH_BATCH",
    "DISPATCH_PATH",
    "LISTING_PAGE",
    "MAX_WINDOW",
    "MP",
    "MULTI_UPDATE_BATCH",
    "MULTI_UPDATE_PATH",
    "MULTI_UPDATE_STOCK",
    "NAVER_REQUIRED_EXTRA",
    "NaverConnector",
    "NaverClaims",
    "NaverCredentials",
    "NaverFulfilment",
    "NaverInquiries",
    "NaverListings",
    "NaverOrders",
    "NaverTransport",
    "OPTION_STOCK_PATH",
    "ORIGIN_PRODUCT_PATH",
    "PRODUCTS_PATH",
    "PRODUCT_SEARCH_PATH",
    "PROGRESS",
    "QUERY_BATCH",
    "QUERY_PATH",
    "SALE_STATUS",
    "TOKENS",
    "TOKEN_PATH",
    "TOKEN_REFRESH_MARGIN",
    "TokenCache",
    "build_product_body",
    "canonical_salt",
    "canonical_status",
    "client_secret_sign",
    "marketplace_state",
    "parse_categories",
    "parse_changed_status",
    "parse_claim",
    "parse_claims",
    "parse_changed_statuses",
    "parse_origin_product",
    "parse_payload",
    "parse_product_order",
    "parse_query_response",
    "query_string",
    "response_data",
]
