"""Coupang WING Open API, one module per concern:

- `auth`: credentials and the HMAC request signature;
- `transport`: the signed call, HTTP errors, the response envelope, per-shipment-box batch answers;
- `orders`: the status table, ordersheet parsing, collection, 발주확인;
- `fulfilment`: 송장 업로드 (발송지연 is not documented: UnsupportedOperation);
- `listings`: seller products, vendor-item stock/price/sale state, categories, register/update.

The connector class composes the concerns; every public name stays importable from
`marketdock.channels.connectors.coupang`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from ..http import ApiClient, HttpOptions
from ..models import Capabilities, Marketplace
from ..ratelimit import Rate
from .auth import (
    BASE_URL,
    MP,
    CoupangCredentials,
    authorization,
    signature,
    signed_date,
)
from .claims import (
    EXCHANGE_PROGRESS,
    RECEIPT_PROGRESS,
    CoupangClaims,
    parse_claim_list,
    parse_exchange,
    parse_receipt,
)
from .fulfilment import (
    INVOICE_BATCH,
    CoupangFulfilment,
)
from .inquiries import CoupangInquiries
from .listings import (
    COUPANG_REQUIRED_EXTRA,
    LISTING_PAGE,
    SELLER_PREFIX,
    CoupangListings,
    build_seller_product,
    parse_display_categories,
    parse_seller_product,
)
from .orders import (
    ACK_BATCH,
    ALL_STATUSES,
    MAX_DAYS,
    ORDERSHEET_STATUS,
    PAGE_SIZE,
    PROGRESS,
    SHIPPED_PROGRESS,
    CoupangOrders,
    line_id,
    parse_list_response,
    parse_ordersheet,
    parse_payload,
    split_line_id,
)
from .settlement import (
    PAYOUTS_PATH,
    REVENUE_PATH,
    CoupangSettlement,
    parse_payouts_response,
    parse_revenue_response,
)
from .transport import (
    API_PREFIX,
    CoupangTransport,
    box_results,
    envelope,
)


class CoupangConnector(CoupangOrders, CoupangFulfilment, CoupangClaims, CoupangListings, CoupangInquiries, CoupangSettlement,
                       CoupangTransport):
    marketplace = Marketplace.COUPANG
    capabilities = Capabilities(confirm=True, confirm_batch=ACK_BATCH, change_feed=False,
                                max_window=timedelta(days=MAX_DAYS), page_size=PAGE_SIZE,
                                line_key="{shipmentBoxId}-{vendorItemId}", dispatch=True, delay=False, listings=True,
                                stock_update=True, price_update=True, sale_status=True, register_listing=True,
                                compare_and_set=False, categories=True, claims=True, claim_decisions=True, return_completion=True,
                                marketplace_collects=True,
                                inquiries=True, inquiry_answers=True,
                                settlements=True)
    credentials_model = CoupangCredentials
    DEFAULT_RATE = Rate(per_second=5.0, burst=5)  # Coupang blocks at ~10 rps per vendor; stay well under
    STOCK_PER_OPTION = True  # one quantities PUT per vendor item

    def __init__(self, credentials: CoupangCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, statuses: Sequence[str] = ALL_STATUSES,
                 page_size: int = PAGE_SIZE, clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.statuses = tuple(statuses)
        unknown = set(self.statuses) - set(ORDERSHEET_STATUS)
        if unknown or not self.statuses:
            raise ValueError(f"unknown Coupang statuses: {sorted(unknown)}")
        self.page_size = max(1, min(PAGE_SIZE, page_size))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api = ApiClient(marketplace=MP, base_url=base_url or BASE_URL, limiter_key=f"coupang:{credentials.vendor_id}",
                             rate=self.DEFAULT_RATE, options=options,
                             default_headers={"X-Requested-By": credentials.vendor_id,
                                              "Content-Type": "application/json;charset=UTF-8"})
        self._prefix = f"{API_PREFIX}/{quote(credentials.vendor_id, safe='')}"
        self._vendor_items: dict[str, list[str]] = {}  # seller product id → its vendorItemIds (remember_listings)


__all__ = [
    "ACK_BATCH",
    "ALL_STATUSES",
    "API_PREFIX",
    "BASE_URL",
    "COUPANG_REQUIRED_EXTRA",
    "EXCHANGE_PROGRESS",
    "RECEIPT_PROGRESS",
    "CoupangClaims",
    "CoupangConnector",
    "CoupangSettlement",
    "PAYOUTS_PATH",
    "REVENUE_PATH",
    "parse_payouts_response",
    "parse_revenue_response",
    "CoupangCredentials",
    "CoupangFulfilment",
    "CoupangInquiries",
    "CoupangListings",
    "CoupangOrders",
    "CoupangTransport",
    "INVOICE_BATCH",
    "LISTING_PAGE",
    "MAX_DAYS",
    "MP",
    "ORDERSHEET_STATUS",
    "PAGE_SIZE",
    "PROGRESS",
    "SELLER_PREFIX",
    "SHIPPED_PROGRESS",
    "authorization",
    "box_results",
    "build_seller_product",
    "envelope",
    "line_id",
    "parse_claim_list",
    "parse_display_categories",
    "parse_exchange",
    "parse_receipt",
    "parse_list_response",
    "parse_ordersheet",
    "parse_payload",
    "parse_seller_product",
    "signature",
    "signed_date",
    "split_line_id",
]
