"""Naver SmartStore — Naver Commerce API (커머스API).

- Token: POST /v1/oauth2/token (form) with client_secret_sign = base64(bcrypt(f"{client_id}_{ts_ms}",
  salt=client_secret)); Bearer token lives 3 h and is cached until 30 min before expiry; one
  refresh-and-retry on 401 GW.AUTHN.
- Changes: GET /v1/pay-order/seller/product-orders/last-changed-statuses, ≤24 h per call, paged by
  `more.moreFrom` + `more.moreSequence` with the same `lastChangedTo`.
- Details: POST /v1/pay-order/seller/product-orders/query, ≤300 productOrderIds per call.
- 발주확인: POST /v1/pay-order/seller/product-orders/confirm, ≤30 ids per call.
- 발송처리: POST /v1/pay-order/seller/product-orders/dispatch, ≤30 lines per call (DELIVERY with
  deliveryCompanyCode + trackingNumber; VISIT_RECEIPT / DIRECT_DELIVERY without); partial success.
- 발송지연: POST /v1/pay-order/seller/product-orders/{productOrderId}/delay, one line per call.
- Listings: POST /v1/products/search (pages of origin products with their channel products), then
  GET /v2/products/origin-products/{originProductNo} for option combinations with stock and price.
  The listing id the OMS uses is the channel product no (what orders carry); the origin product no
  is looked up (search by CHANNEL_PRODUCT_NO) and cached per connector.
- Stock/price: PUT /v1/products/origin-products/{no}/option-stock with every option combination of the
  product (Naver keeps only what the body lists). What the OMS already knows (`remember_listings`:
  origin no, every option with its price and stock, the sale price) is written without reading the
  product first; otherwise (or when Naver refuses the write as invalid) read-modify-write. Products
  without options: PATCH multi-update (type STOCK), many products per request. No compare-and-set.
- Sale status: PUT /v1/products/origin-products/{no}/change-status SALE | SUSPENSION.
- Register: POST /v2/products {originProduct, smartstoreChannelProduct} → originProductNo +
  smartstoreChannelProductNo; update: PUT /v2/products/origin-products/{no}.
The `+` of `+09:00` is always sent as %2B."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import bcrypt
import httpx
from pydantic import BaseModel, Field

from . import values as v
from .base import (
    Connector,
    by_product,
    decode_cursor,
    encode_cursor,
    listing_failures,
    parse_many,
    response_json,
    unique_lines,
)
from .errors import AuthError, BusinessError, MalformedPayload, TemporaryError
from .http import ApiClient, HttpOptions, unparsed_body
from .models import (
    Capabilities,
    ChangedStatus,
    ChannelCategory,
    ChannelListing,
    ChannelListingOption,
    ChannelOrder,
    Claim,
    ConfirmResult,
    ConnectionStatus,
    DelayItem,
    DelayResult,
    DispatchItem,
    DispatchResult,
    FetchWindow,
    KnownListing,
    LineFailure,
    ListingDraft,
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

MP = Marketplace.NAVER.value
BASE_URL = "https://api.commerce.naver.com/external"
TOKEN_PATH = "/v1/oauth2/token"
CHANGES_PATH = "/v1/pay-order/seller/product-orders/last-changed-statuses"
QUERY_PATH = "/v1/pay-order/seller/product-orders/query"
CONFIRM_PATH = "/v1/pay-order/seller/product-orders/confirm"
DISPATCH_PATH = "/v1/pay-order/seller/product-orders/dispatch"
DELAY_PATH = "/v1/pay-order/seller/product-orders/{id}/delay"
PRODUCTS_PATH = "/v2/products"
CATEGORIES_PATH = "/v1/categories"  # 전체 카테고리 조회: [{wholeCategoryName "a>b>c", id, name, last}]
PRODUCT_SEARCH_PATH = "/v1/products/search"
ORIGIN_PRODUCT_PATH = "/v2/products/origin-products/{no}"
OPTION_STOCK_PATH = "/v1/products/origin-products/{no}/option-stock"
MULTI_UPDATE_PATH = "/v1/products/origin-products/multi-update"
CHANGE_STATUS_PATH = "/v1/products/origin-products/{no}/change-status"
# multi-update: the documented types are SALE_PRICE, IMMEDIATE_DISCOUNT, STOCK, PRODUCT_STATUS_SALE,
# PRODUCT_STATUS_SUSPENSION; its `stockQuantity` is the PRODUCT's stock (no option combinations), so it
# serves products without options. No item limit is published: batches stay modest.
MULTI_UPDATE_STOCK = "STOCK"
MULTI_UPDATE_BATCH = 50
DISPATCH_BATCH = 30
LISTING_PAGE = 50
DELIVERY_METHODS = {"parcel": "DELIVERY", "visit": "VISIT_RECEIPT", "direct": "DIRECT_DELIVERY"}
DELAY_REASONS = ("PRODUCT_PREPARE", "CUSTOMER_REQUEST", "CUSTOM_BUILD", "RESERVED_DISPATCH", "OVERSEA_DELIVERY", "ETC")
SALE_STATUS = {"SALE": "on_sale", "OUTOFSTOCK": "sold_out"}  # everything else (SUSPENSION, WAIT, ...) = stopped
QUERY_BATCH = 300
CONFIRM_BATCH = 30
MAX_WINDOW = timedelta(hours=24)
TOKEN_REFRESH_MARGIN = timedelta(minutes=30)


class NaverCredentials(BaseModel):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    account_id: str = ""  # only for a solution acting for a seller (type=SELLER)


# --- signature -------------------------------------------------------------------------------

_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def canonical_salt(client_secret: str) -> str:
    """A bcrypt salt is 22 base64 chars = 132 bits for 128 bits of salt, so the last char carries
    only 2 bits. Java/Node ignore the 4 spare bits; pyca/bcrypt rejects a non-zero remainder (Naver's
    documented example secret has one). Clearing them changes nothing for real issued secrets."""
    if len(client_secret) < 29 or client_secret[0] != "$":
        return client_secret
    last = client_secret[28]
    index = _BCRYPT_ALPHABET.find(last)
    if index < 0:
        return client_secret
    return client_secret[:28] + _BCRYPT_ALPHABET[index & 0b110000] + client_secret[29:]


def client_secret_sign(client_id: str, client_secret: str, timestamp_ms: int) -> str:
    password = f"{client_id}_{timestamp_ms}".encode()
    try:
        hashed = bcrypt.hashpw(password, canonical_salt(client_secret).encode())
    except ValueError as exc:
        raise AuthError(f"client_secret 형식이 올바르지 않습니다 (bcrypt salt가 아님): {exc}", marketplace=MP) from exc
    return base64.b64encode(hashed).decode()


# --- token cache -----------------------------------------------------------------------------

class TokenCache:
    """Process-wide cache of Bearer tokens per (host, client_id, type, account). Naver hands out the
    same token while more than 30 minutes remain, so parallel processes need no lock for correctness."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, ...], tuple[str, datetime]] = {}

    def get(self, key: tuple[str, ...], now: datetime) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry and entry[1] - TOKEN_REFRESH_MARGIN > now:
            return entry[0]
        return None

    def put(self, key: tuple[str, ...], token: str, expires_at: datetime) -> None:
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def drop(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


TOKENS = TokenCache()


# --- parsing ---------------------------------------------------------------------------------

_STATUS = {
    "PAYMENT_WAITING": OrderStatus.HOLD,
    "PAYED": OrderStatus.NEW,  # CONFIRMED when placeOrderStatus == OK
    "DELIVERING": OrderStatus.IN_TRANSIT,
    "DELIVERED": OrderStatus.DELIVERED,
    "PURCHASE_DECIDED": OrderStatus.DELIVERED,
    "EXCHANGED": OrderStatus.DELIVERED,
    "CANCELED": OrderStatus.CANCELLED,
    "CANCELED_BY_NOPAYMENT": OrderStatus.CANCELLED,
    "RETURNED": OrderStatus.RETURNED,
}

_CLAIM_STATUS = {
    "CANCEL_REQUEST": OrderStatus.CANCEL_REQUESTED,
    "CANCELING": OrderStatus.CANCEL_REQUESTED,
    "ADMIN_CANCELING": OrderStatus.CANCEL_REQUESTED,
    "CANCEL_DONE": OrderStatus.CANCELLED,
    "ADMIN_CANCEL_DONE": OrderStatus.CANCELLED,
    "RETURN_REQUEST": OrderStatus.RETURN_REQUESTED,
    "RETURN_DONE": OrderStatus.RETURNED,
    "EXCHANGE_REQUEST": OrderStatus.EXCHANGE_REQUESTED,
    "EXCHANGE_REDELIVERING": OrderStatus.EXCHANGE_REQUESTED,
    "PURCHASE_DECISION_HOLDBACK": OrderStatus.HOLD,
    "PURCHASE_DECISION_REQUEST": OrderStatus.HOLD,
}
# Rejected/finished claims fall back to the product-order status.
_CLAIM_FALLBACK = {
    "CANCEL_REJECT", "RETURN_REJECT", "EXCHANGE_REJECT", "ADMIN_CANCEL_REJECT", "EXCHANGE_DONE",
    "PURCHASE_DECISION_HOLDBACK_RELEASE",
}


# A decided claim that ended only part of a line's quantity (quantityClaimCompatibility: remainQuantity > 0)
# does not end the line: the remaining units go on by the product-order status.
_PARTIAL_ENDS = {"CANCEL_DONE", "ADMIN_CANCEL_DONE", "RETURN_DONE"}


def canonical_status(product_order_status: str, claim_type: str, claim_status: str, place_order_status: str,
                     field: str = "productOrder.productOrderStatus", partial: bool = False) -> OrderStatus:
    if partial and claim_status in _PARTIAL_ENDS:
        claim_status = ""
    if claim_status in ("COLLECTING", "COLLECT_DONE"):
        if claim_type == "EXCHANGE":
            return OrderStatus.EXCHANGE_REQUESTED
        return OrderStatus.RETURN_REQUESTED
    if claim_status and claim_status not in _CLAIM_FALLBACK:
        if claim_status not in _CLAIM_STATUS:
            raise MalformedPayload(field.rsplit(".", 1)[0] + ".claimStatus", "알 수 없는 클레임 상태입니다",
                                   marketplace=MP, value=claim_status)
        return _CLAIM_STATUS[claim_status]
    if product_order_status not in _STATUS:
        raise MalformedPayload(field, "알 수 없는 주문 상태입니다", marketplace=MP, value=product_order_status)
    if product_order_status == "PAYED" and place_order_status == "OK":
        return OrderStatus.CONFIRMED
    return _STATUS[product_order_status]


# The status table: productOrderStatus → how far Naver has taken the line. "발주확인 done" is not a
# status at Naver: it is placeOrderStatus OK while the status stays PAYED (발송대기).
PROGRESS = {
    "PAYMENT_WAITING": Progress.WAITING,  # 입금대기
    "PAYED": Progress.PAID,  # 결제완료 (CONFIRMED with placeOrderStatus OK)
    "DELIVERING": Progress.IN_TRANSIT,  # 배송중 (발송처리 done)
    "DELIVERED": Progress.DELIVERED,  # 배송완료
    "PURCHASE_DECIDED": Progress.DELIVERED,  # 구매확정
    "EXCHANGED": Progress.DELIVERED,  # 교환 (the exchanged goods were delivered)
    "CANCELED": Progress.CANCELLED,
    "CANCELED_BY_NOPAYMENT": Progress.CANCELLED,
    "RETURNED": Progress.RETURNED,
}
# claimStatus → the claim still waiting for the seller's (or Naver's) decision. COLLECTING and
# COLLECT_DONE belong to a return or an exchange, told apart by claimType.
CLAIM_PENDING = {
    "CANCEL_REQUEST": Claim.CANCEL, "CANCELING": Claim.CANCEL, "ADMIN_CANCELING": Claim.CANCEL,
    "RETURN_REQUEST": Claim.RETURN, "EXCHANGE_REQUEST": Claim.EXCHANGE, "EXCHANGE_REDELIVERING": Claim.EXCHANGE,
}
# claimStatus of a decided claim → its end (None: the claim is over and the product-order status rules)
CLAIM_DECIDED = {
    "CANCEL_DONE": Progress.CANCELLED, "ADMIN_CANCEL_DONE": Progress.CANCELLED, "RETURN_DONE": Progress.RETURNED,
    "CANCEL_REJECT": None, "ADMIN_CANCEL_REJECT": None, "RETURN_REJECT": None, "EXCHANGE_REJECT": None,
    "EXCHANGE_DONE": None, "PURCHASE_DECISION_HOLDBACK": None, "PURCHASE_DECISION_REQUEST": None,
    "PURCHASE_DECISION_HOLDBACK_RELEASE": None,
}


def marketplace_state(product_order_status: str, claim_type: str, claim_status: str, place_order_status: str,
                      field: str = "productOrder.productOrderStatus", partial: bool = False) -> tuple[Progress, Claim]:
    """(progress, pending claim) of a product order by the tables above (`partial`: units remain after
    the claim, so a decided cancel/return ends only those units, not the line)."""
    if partial and claim_status in _PARTIAL_ENDS:
        claim_status = ""
    if product_order_status not in PROGRESS:
        raise MalformedPayload(field, "알 수 없는 주문 상태입니다", marketplace=MP, value=product_order_status)
    progress = PROGRESS[product_order_status]
    if progress == Progress.PAID and place_order_status == "OK":
        progress = Progress.CONFIRMED
    claim = Claim.NONE
    if claim_status in ("COLLECTING", "COLLECT_DONE"):
        claim = Claim.EXCHANGE if claim_type == "EXCHANGE" else Claim.RETURN
    elif claim_status in CLAIM_PENDING:
        claim = CLAIM_PENDING[claim_status]
    elif claim_status:
        if claim_status not in CLAIM_DECIDED:
            raise MalformedPayload(field.rsplit(".", 1)[0] + ".claimStatus", "알 수 없는 클레임 상태입니다",
                                   marketplace=MP, value=claim_status)
        progress = CLAIM_DECIDED[claim_status] or progress
    return progress, claim


def parse_product_order(item: Mapping[str, Any], prefix: str = "") -> ChannelOrder:
    """One element of the `product-orders/query` response `data` list ({order, productOrder, ...})."""
    order = v.obj(item, "order", prefix, marketplace=MP, required=True)
    po = v.obj(item, "productOrder", prefix, marketplace=MP, required=True)
    op = v.field_path(prefix, "order")
    pp = v.field_path(prefix, "productOrder")

    def f(obj: Mapping[str, Any], base: str, name: str) -> tuple[Any, str]:
        return obj.get(name), f"{base}.{name}"

    def txt(obj, base, name, required=False) -> str:
        value, path = f(obj, base, name)
        return v.text(value, path, marketplace=MP, required=required)

    def num(obj, base, name, required=False) -> int:
        value, path = f(obj, base, name)
        return v.integer(value, path, marketplace=MP, required=required)

    status_raw = txt(po, pp, "productOrderStatus", required=True)
    claim_type = txt(po, pp, "claimType")
    claim_status = txt(po, pp, "claimStatus")
    place = txt(po, pp, "placeOrderStatus")
    address = v.obj(po, "shippingAddress", pp, marketplace=MP)
    ap = f"{pp}.shippingAddress"
    quantity, remaining = _quantities(po, pp)
    partial = 0 < remaining < quantity
    progress, claim = marketplace_state(status_raw, claim_type, claim_status, place, f"{pp}.productOrderStatus",
                                        partial=partial)
    delivery = v.obj(item, "delivery", prefix, marketplace=MP)
    dp = v.field_path(prefix, "delivery")
    progress_shipped = progress in (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED, Progress.RETURNED)
    unit = num(po, pp, "unitPrice") + num(po, pp, "optionPrice")
    # units a cancel took off the line; units taken off by a return or an exchange left with the goods
    # and are the claims screens' business
    cancelled = 0 if claim_type in ("RETURN", "EXCHANGE") else quantity - remaining
    total_product = num(po, pp, "totalProductAmount") or unit * quantity
    total_payment = num(po, pp, "totalPaymentAmount")
    discount_value = po.get("productDiscountAmount")
    discount = (v.integer(discount_value, f"{pp}.productDiscountAmount", marketplace=MP) if discount_value is not None
                else max(0, total_product - total_payment))
    return ChannelOrder(
        marketplace=Marketplace.NAVER,
        order_id=txt(order, op, "orderId", required=True),
        order_line_id=txt(po, pp, "productOrderId", required=True),
        bundle_id=txt(po, pp, "packageNumber"),
        ordered_at=v.timestamp(order.get("orderDate"), f"{op}.orderDate", marketplace=MP),
        paid_at=v.timestamp(order.get("paymentDate"), f"{op}.paymentDate", marketplace=MP, required=False),
        status=canonical_status(status_raw, claim_type, claim_status, place, f"{pp}.productOrderStatus",
                                partial=partial),
        progress=progress,
        claim=claim,
        tracking_number=txt(delivery, dp, "trackingNumber") if progress_shipped else "",
        carrier_code=txt(delivery, dp, "deliveryCompany") if progress_shipped else "",
        dispatched_at=v.timestamp(delivery.get("sendDate"), f"{dp}.sendDate", marketplace=MP, required=False)
        if progress_shipped else None,
        raw_status=status_raw if status_raw != "PAYED" or not place else f"{status_raw}/{place}",
        raw_claim_status=f"{claim_type}:{claim_status}" if claim_type or claim_status else "",
        buyer_name=txt(order, op, "ordererName"),
        buyer_phone=txt(order, op, "ordererTel"),
        recipient_name=txt(address, ap, "name"),
        recipient_phone=txt(address, ap, "tel1") or txt(address, ap, "tel2"),
        recipient_postal_code=txt(address, ap, "zipCode"),
        recipient_address1=txt(address, ap, "baseAddress"),
        recipient_address2=txt(address, ap, "detailedAddress"),
        delivery_message=txt(po, pp, "shippingMemo"),
        channel_product_id=txt(po, pp, "productId"),
        channel_option_id=txt(po, pp, "optionCode"),
        product_name=txt(po, pp, "productName"),
        option_text=txt(po, pp, "productOption"),
        seller_product_code=txt(po, pp, "sellerProductCode"),
        seller_option_code=txt(po, pp, "optionManageCode"),
        quantity=quantity,
        cancelled_quantity=cancelled,
        currency="KRW",
        unit_price=unit,
        discount_amount=discount,
        total_amount=_remaining_amount(po, pp, remaining < quantity,
                                       total_payment if po.get("totalPaymentAmount") is not None
                                       else total_product - discount),
        shipping_fee=num(po, pp, "deliveryFeeAmount"),
        raw=dict(item),
    )


def _quantities(po: Mapping[str, Any], pp: str) -> tuple[int, int]:
    """(ordered, remaining) units of a product order. The connector asks with
    quantityClaimCompatibility=true, so `quantity` (like `initialQuantity`) is what was ordered and
    `remainQuantity` what is left after quantity claims (partial cancels)."""
    ordered = v.integer(po.get("quantity"), f"{pp}.quantity", marketplace=MP, required=True)
    if ordered < 0:
        raise MalformedPayload(f"{pp}.quantity", "음수입니다", marketplace=MP, value=ordered)
    if po.get("remainQuantity") is None:
        return ordered, ordered
    remaining = v.integer(po.get("remainQuantity"), f"{pp}.remainQuantity", marketplace=MP, required=True)
    if not 0 <= remaining <= ordered:
        raise MalformedPayload(f"{pp}.remainQuantity", f"0 이상 주문 수량({ordered}) 이하여야 합니다",
                               marketplace=MP, value=remaining)
    return ordered, remaining


def _remaining_amount(po: Mapping[str, Any], pp: str, reduced: bool, total: int) -> int:
    """What the buyer still pays for the line: `remainPaymentAmount` once a quantity claim took units off."""
    if reduced and po.get("remainPaymentAmount") is not None:
        return v.integer(po.get("remainPaymentAmount"), f"{pp}.remainPaymentAmount", marketplace=MP)
    return total


def parse_changed_status(row: Mapping[str, Any], prefix: str = "") -> ChangedStatus:
    def txt(name: str, required: bool = False) -> str:
        return v.text(row.get(name), v.field_path(prefix, name), marketplace=MP, required=required)

    claim_type, claim_status = txt("claimType"), txt("claimStatus")
    return ChangedStatus(
        marketplace=Marketplace.NAVER,
        order_id=txt("orderId", True),
        order_line_id=txt("productOrderId", True),
        changed_at=v.timestamp(row.get("lastChangedDate"), v.field_path(prefix, "lastChangedDate"), marketplace=MP),
        change_type=txt("lastChangedType"),
        raw_status=txt("productOrderStatus"),
        raw_claim_status=f"{claim_type}:{claim_status}" if claim_type or claim_status else "",
        address_changed=bool(row.get("receiverAddressChanged")),
    )


def _data(payload: Any, prefix: str = "data") -> Any:
    if not isinstance(payload, Mapping) or "data" not in payload:
        raise MalformedPayload(prefix, "응답에 data가 없습니다", marketplace=MP)
    return payload["data"]


def parse_changed_statuses(payload: Mapping[str, Any]) -> tuple[list[ChangedStatus], dict[str, str] | None]:
    """A whole last-changed-statuses response → (rows, more) where more = {moreFrom, moreSequence}."""
    data = _data(payload)
    if not isinstance(data, Mapping):
        raise MalformedPayload("data", "객체가 아닙니다", marketplace=MP, value=data)
    rows = data.get("lastChangeStatuses") or []
    if not isinstance(rows, list):
        raise MalformedPayload("data.lastChangeStatuses", "목록이 아닙니다", marketplace=MP, value=rows)
    parsed = [parse_changed_status(row, f"data.lastChangeStatuses[{i}]") for i, row in enumerate(rows)]
    more = data.get("more")
    if more:
        if not isinstance(more, Mapping) or not more.get("moreFrom"):
            raise MalformedPayload("data.more.moreFrom", "값이 없습니다", marketplace=MP, value=more)
        more = {"moreFrom": str(more["moreFrom"]), "moreSequence": str(more.get("moreSequence") or "")}
    return parsed, more or None


def _ids(item: Any) -> tuple[str, str]:
    if not isinstance(item, Mapping):
        return "", ""
    order = item.get("order") if isinstance(item.get("order"), Mapping) else {}
    po = item.get("productOrder") if isinstance(item.get("productOrder"), Mapping) else {}
    return str(order.get("orderId") or ""), str(po.get("productOrderId") or "")


def parse_query_response(payload: Mapping[str, Any]) -> tuple[list[ChannelOrder], list[RecordError]]:
    data = _data(payload)
    if not isinstance(data, list):
        raise MalformedPayload("data", "목록이 아닙니다", marketplace=MP, value=data)
    return parse_many(data, lambda item, path: [parse_product_order(item, path)], "data", _ids)


def parse_payload(payload: Any) -> list[ChannelOrder]:
    """Any Naver order payload (query response, its `data` list, or one element) → order lines.
    Strict: the first malformed record raises."""
    if isinstance(payload, Mapping) and "data" in payload:
        payload = payload["data"]
        prefix = "data"
    else:
        prefix = ""
    if isinstance(payload, list):
        return [parse_product_order(item, f"{prefix}[{i}]") for i, item in enumerate(payload)]
    if isinstance(payload, Mapping) and "productOrder" in payload:
        return [parse_product_order(payload, prefix)]
    raise MalformedPayload(prefix or "(최상위)", "상품주문(productOrder) 데이터가 아닙니다", marketplace=MP)


# --- client ----------------------------------------------------------------------------------

def _query(params: Sequence[tuple[str, str]]) -> str:
    return urlencode(list(params), quote_via=quote, safe=":")


class NaverConnector(Connector):
    marketplace = Marketplace.NAVER
    capabilities = Capabilities(confirm=True, confirm_batch=CONFIRM_BATCH, change_feed=True, max_window=MAX_WINDOW,
                                page_size=300, line_key="productOrderId", dispatch=True, delay=True, listings=True,
                                stock_update=True, price_update=True, sale_status=True, register_listing=True,
                                compare_and_set=False, categories=True)
    credentials_model = NaverCredentials
    DEFAULT_RATE = Rate(per_second=2.0, burst=4)  # the documented example: 2 rps per application

    def __init__(self, credentials: NaverCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, page_size: int = 300, token_cache: TokenCache | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.page_size = max(1, min(300, page_size))
        self.tokens = token_cache or TOKENS
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api = ApiClient(marketplace=MP, base_url=self.base_url, limiter_key=f"naver:{credentials.client_id}",
                             rate=self.DEFAULT_RATE, options=options)
        self._token_key = (self.base_url, credentials.client_id, "SELLER" if credentials.account_id else "SELF",
                           credentials.account_id)
        self._origin_nos: dict[str, str] = {}  # channel product no -> origin product no
        self._known: dict[str, KnownListing] = {}  # channel product no -> what the OMS told us

    # token
    def _issue_token(self) -> str:
        creds = self.credentials
        timestamp_ms = int(self.clock().timestamp() * 1000)
        form = {
            "client_id": creds.client_id,
            "timestamp": str(timestamp_ms),
            "client_secret_sign": client_secret_sign(creds.client_id, creds.client_secret, timestamp_ms),
            "grant_type": "client_credentials",
            "type": "SELLER" if creds.account_id else "SELF",
        }
        if creds.account_id:
            form["account_id"] = creds.account_id
        response = self.api.send("POST", TOKEN_PATH, data=form)
        if response.status_code != 200:
            code, message = _error_fields(response)
            raise AuthError(_auth_message(code, message, response.status_code), marketplace=MP, code=code,
                            status=response.status_code)
        body = response_json(response, MP)
        token = v.text(body.get("access_token") if isinstance(body, Mapping) else None, "access_token",
                       marketplace=MP, required=True)
        expires_in = v.integer(body.get("expires_in"), "expires_in", marketplace=MP, required=False, default=10800)
        self.tokens.put(self._token_key, token, self.clock() + timedelta(seconds=expires_in))
        return token

    def _token(self) -> str:
        return self.tokens.get(self._token_key, self.clock()) or self._issue_token()

    def _call(self, method: str, path: str, *, query: str = "", json: Any = None, idempotent: bool = True) -> Any:
        for attempt in (1, 2):
            token = self._token()
            response = self.api.send(method, path, query=query, json=json, idempotent=idempotent,
                                     headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
            if response.status_code == 401 and attempt == 1:
                self.tokens.drop(self._token_key)  # expired or revoked: fetch a new token once
                continue
            if response.status_code >= 400:
                _raise_for(response)
            return response_json(response, MP)
        raise AssertionError("unreachable")

    # interface
    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        # Naver speaks milliseconds: work on the window at that precision so slices meet exactly.
        end = window.end.replace(microsecond=window.end.microsecond // 1000 * 1000)
        state = decode_cursor(cursor, MP) or {
            "f": v.kst_iso(window.start), "t": v.kst_iso(min(end, window.start + MAX_WINDOW)), "s": "",
        }
        params = [("lastChangedFrom", state["f"]), ("lastChangedTo", state["t"])]
        if state.get("s"):
            params.append(("moreSequence", state["s"]))
        params.append(("limitCount", str(self.page_size)))
        payload = self._call("GET", CHANGES_PATH, query=_query(params))

        errors: list[RecordError] = []
        # A broken change row hides which line changed: refuse the page (raise) rather than skip it.
        rows, more = parse_changed_statuses(payload)
        changes = {}
        for row in rows:
            changes[row.order_line_id] = row  # last change wins
        orders: list[ChannelOrder] = []
        ids = list(changes)
        for start in range(0, len(ids), QUERY_BATCH):
            chunk_orders, chunk_errors = parse_query_response(self._call(
                "POST", QUERY_PATH, json={"productOrderIds": ids[start:start + QUERY_BATCH],
                                          "quantityClaimCompatibility": True}))
            errors.extend(chunk_errors)
            for order in chunk_orders:
                row = changes.get(order.order_line_id)
                if row is not None:
                    order = order.model_copy(update={"changed_at": row.changed_at,
                                                     "address_changed": order.address_changed or row.address_changed})
                orders.append(order)

        slice_end = v.timestamp(state["t"], "cursor.t", marketplace=MP)
        if more:
            next_state = {"f": more["moreFrom"], "t": state["t"], "s": more["moreSequence"]}
        elif slice_end < end:
            next_state = {"f": state["t"], "t": v.kst_iso(min(end, slice_end + MAX_WINDOW)), "s": ""}
        else:
            next_state = None
        return OrderPage(orders=orders, errors=errors, has_more=next_state is not None,
                         next_cursor=encode_cursor(next_state) if next_state else None)

    def get_order(self, order_line_id: str) -> ChannelOrder:
        orders, errors = parse_query_response(self._call(
            "POST", QUERY_PATH, json={"productOrderIds": [order_line_id], "quantityClaimCompatibility": True}))
        for order in orders:
            if order.order_line_id == order_line_id:
                return order
        if errors:
            raise MalformedPayload(errors[0].field, errors[0].message, marketplace=MP)
        raise BusinessError(f"상품주문을 찾을 수 없습니다: {order_line_id}", marketplace=MP, code="NOT_FOUND", status=404)

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        result = ConfirmResult()
        ids = list(dict.fromkeys(line_ids))
        for start in range(0, len(ids), CONFIRM_BATCH):
            chunk = ids[start:start + CONFIRM_BATCH]
            payload = self._call("POST", CONFIRM_PATH, json={"productOrderIds": chunk}, idempotent=False)
            data = _data(payload)
            if not isinstance(data, Mapping):
                raise MalformedPayload("data", "객체가 아닙니다", marketplace=MP, value=data)
            answered: set[str] = set()
            for i, ok in enumerate(data.get("successProductOrderInfos") or []):
                line = v.text(ok.get("productOrderId"), f"data.successProductOrderInfos[{i}].productOrderId",
                              marketplace=MP, required=True)
                answered.add(line)
                result.confirmed.append(line)
                if ok.get("isReceiverAddressChanged"):
                    result.address_changed.append(line)
            for i, bad in enumerate(data.get("failProductOrderInfos") or []):
                line = v.text(bad.get("productOrderId"), f"data.failProductOrderInfos[{i}].productOrderId",
                              marketplace=MP, required=True)
                answered.add(line)
                result.failed.append(LineFailure(order_line_id=line, code=str(bad.get("code") or ""),
                                                 message=str(bad.get("message") or "")))
            for line in chunk:
                if line not in answered:
                    result.failed.append(LineFailure(order_line_id=line, code="NO_ANSWER",
                                                     message="응답에 결과가 없습니다", retryable=True))
        return result

    # --- fulfilment ------------------------------------------------------------------------------

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        result = DispatchResult()
        sendable: list[dict[str, Any]] = []
        for item in unique_lines(items):
            problem = item.missing()
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            entry: dict[str, Any] = {"productOrderId": item.order_line_id,
                                     "deliveryMethod": DELIVERY_METHODS[item.method],
                                     "dispatchDate": v.kst_iso(item.shipped_at)}
            if item.method == "parcel":
                entry["deliveryCompanyCode"] = item.marketplace_carrier_code
                entry["trackingNumber"] = item.tracking_number
            sendable.append(entry)
        for start in range(0, len(sendable), DISPATCH_BATCH):
            chunk = sendable[start:start + DISPATCH_BATCH]
            payload = self._call("POST", DISPATCH_PATH, json={"dispatchProductOrders": chunk}, idempotent=False)
            ok, failed = _processing_result(payload, [entry["productOrderId"] for entry in chunk])
            result.sent.extend(ok)
            result.failed.extend(failed)
        return result

    def delay(self, items: Sequence[DelayItem]) -> DelayResult:
        result = DelayResult()
        for item in items:
            if item.reason_code not in DELAY_REASONS:
                result.failed.append(LineFailure(
                    order_line_id=item.order_line_id, code="INVALID_REASON",
                    message=f"네이버 발송지연 사유 코드가 아닙니다: {item.reason_code!r} "
                            f"(가능: {', '.join(DELAY_REASONS)})"))
                continue
            due = datetime.combine(item.expected_date, time(23, 59, 59), tzinfo=v.KST)
            body = {"dispatchDueDate": v.kst_iso(due), "delayedDispatchReason": item.reason_code,
                    "dispatchDelayedDetailedReason": item.message}
            try:
                payload = self._call("POST", DELAY_PATH.format(id=quote(item.order_line_id, safe="")), json=body,
                                     idempotent=False)
            except BusinessError as exc:  # one line refused (wrong state, bad date): the others go on
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code, message=exc.message))
                continue
            ok, failed = _processing_result(payload, [item.order_line_id])
            result.delayed.extend(ok)
            result.failed.extend(failed)
        return result

    # --- listings --------------------------------------------------------------------------------

    def _search(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        payload = self._call("POST", PRODUCT_SEARCH_PATH, json=dict(body))
        if not isinstance(payload, Mapping) or not isinstance(payload.get("contents"), list):
            raise MalformedPayload("contents", "상품 검색 결과 목록이 없습니다", marketplace=MP)
        return payload

    def _origin(self, origin_no: str) -> Mapping[str, Any]:
        payload = self._call("GET", ORIGIN_PRODUCT_PATH.format(no=quote(origin_no, safe="")))
        if not isinstance(payload, Mapping) or not isinstance(payload.get("originProduct"), Mapping):
            raise MalformedPayload("originProduct", "원상품 정보가 없습니다", marketplace=MP)
        return payload

    def _origin_no(self, channel_product_no: str) -> str:
        cached = self._origin_nos.get(channel_product_no)
        if cached:
            return cached
        payload = self._search({"searchKeywordType": "CHANNEL_PRODUCT_NO", "channelProductNos": [
            _as_int(channel_product_no, "channelProductNos")], "page": 1, "size": 1})
        for content in payload["contents"]:
            for channel in content.get("channelProducts") or []:
                if str(channel.get("channelProductNo")) == str(channel_product_no):
                    self._origin_nos[channel_product_no] = str(content.get("originProductNo"))
                    return self._origin_nos[channel_product_no]
        raise BusinessError(f"채널상품을 찾을 수 없습니다: {channel_product_no}", marketplace=MP, code="NOT_FOUND",
                            status=404)

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        state = decode_cursor(cursor, MP) or {"p": 1}
        page = int(state["p"])
        payload = self._search({"page": page, "size": LISTING_PAGE, "orderType": "NO"})
        listings = []
        for index, content in enumerate(payload["contents"]):
            origin_no = v.text(content.get("originProductNo"), f"contents[{index}].originProductNo", marketplace=MP,
                               required=True)
            channels = content.get("channelProducts") or []
            if not channels:
                continue
            channel_no = v.text(channels[0].get("channelProductNo"),
                                f"contents[{index}].channelProducts[0].channelProductNo", marketplace=MP, required=True)
            self._origin_nos[channel_no] = origin_no
            listings.append(parse_origin_product(self._origin(origin_no), channel_no, origin_no))
        total_pages = v.integer(payload.get("totalPages"), "totalPages", marketplace=MP, required=False, default=page)
        has_more = page < total_pages
        return ListingPage(listings=listings, has_more=has_more,
                           next_cursor=encode_cursor({"p": page + 1}) if has_more else None)

    def get_listing(self, product_id: str) -> ChannelListing:
        origin_no = self._origin_no(product_id)
        return parse_origin_product(self._origin(origin_no), product_id, origin_no)

    def list_categories(self) -> list[ChannelCategory]:
        payload = self._call("GET", CATEGORIES_PATH)
        if not isinstance(payload, list):
            raise MalformedPayload("(카테고리 목록)", "배열이 아닙니다", marketplace=MP, value=payload)
        return parse_categories(payload)

    def register_listing(self, draft: ListingDraft) -> ChannelListing:
        body = build_product_body(draft)
        payload = self._call("POST", PRODUCTS_PATH, json=body, idempotent=False)
        origin_no = str((payload or {}).get("originProductNo") or "")
        channel_no = str((payload or {}).get("smartstoreChannelProductNo") or "")
        if not origin_no or not channel_no:
            raise MalformedPayload("smartstoreChannelProductNo", "등록 결과에 상품번호가 없습니다", marketplace=MP,
                                   value=payload)
        self._origin_nos[channel_no] = origin_no
        return parse_origin_product(self._origin(origin_no), channel_no, origin_no)

    def update_listing(self, product_id: str, draft: ListingDraft) -> ChannelListing:
        origin_no = self._origin_no(product_id)
        current = self._origin(origin_no)
        body = build_product_body(draft, current=current)
        self._call("PUT", ORIGIN_PRODUCT_PATH.format(no=quote(origin_no, safe="")), json=body, idempotent=True)
        return parse_origin_product(self._origin(origin_no), product_id, origin_no)

    def _write_options(self, product_id: str, change: Callable[[Mapping[str, Any], dict[str, Any]], list[str]]
                       ) -> tuple[list[str], list[LineFailure]]:
        """Read the origin product, let `change` edit its option combinations / sale price (it returns
        the option ids it could not find), and write them back with one option-stock call."""
        origin_no = self._origin_no(product_id)
        product = self._origin(origin_no)["originProduct"]
        option_info = (product.get("detailAttribute") or {}).get("optionInfo") or {}
        body: dict[str, Any] = {
            "productSalePrice": {"salePrice": product.get("salePrice")},
            "optionInfo": {"optionCombinations": [
                {"id": c.get("id"), "stockQuantity": c.get("stockQuantity"), "price": c.get("price"),
                 "usable": c.get("usable", True)} for c in option_info.get("optionCombinations") or []],
                "useStockManagement": True},
        }
        missing = change(product, body)
        failures = [LineFailure(order_line_id=f"{product_id}:{option}", product_id=product_id, option_id=option,
                                code="NOT_FOUND", message=f"옵션을 찾을 수 없습니다: {option}") for option in missing]
        if not body["optionInfo"]["optionCombinations"]:
            body.pop("optionInfo")
            if "stockQuantity" in body:  # a product without options: stock goes through multi-update
                self._call("PATCH", MULTI_UPDATE_PATH, json={"multiProductUpdateRequestVos": [{
                    "originProductNo": _as_int(origin_no, "originProductNo"),
                    "multiUpdateTypes": [MULTI_UPDATE_STOCK], "stockQuantity": body.pop("stockQuantity")}]})
                if list(body) == ["productSalePrice"] and body["productSalePrice"]["salePrice"] == product.get(
                        "salePrice"):
                    return missing, failures
        body.pop("stockQuantity", None)
        self._call("PUT", OPTION_STOCK_PATH.format(no=quote(origin_no, safe="")), json=body)
        return missing, failures

    def remember_listings(self, listings: Sequence[KnownListing]) -> None:
        for known in listings:
            self._known[known.product_id] = known
            if known.origin_product_id:
                self._origin_nos[known.product_id] = known.origin_product_id

    def _known_body(self, product_id: str, wanted: Mapping[str, int]) -> dict[str, Any] | None:
        """The option-stock body built from what the OMS told us, or None when something it needs is
        not known (origin no, the sale price, every option's price and stock)."""
        known = self._known.get(product_id)
        if known is None or not known.options or known.price is None or product_id not in self._origin_nos:
            return None
        ids = {o.option_id for o in known.options}
        if not set(wanted) <= ids or not all(o.option_id.isdigit() for o in known.options):
            return None
        combos = []
        for option in known.options:
            stock = wanted.get(option.option_id, option.stock)
            if stock is None or option.price_delta is None:
                return None
            combos.append({"id": int(option.option_id), "stockQuantity": stock, "price": option.price_delta,
                           "usable": option.usable})
        return {"productSalePrice": {"salePrice": known.price},
                "optionInfo": {"optionCombinations": combos, "useStockManagement": True}}

    def _is_optionless(self, product_id: str, wanted: Mapping[str, int]) -> bool:
        known = self._known.get(product_id)
        return (known is not None and not known.options and product_id in self._origin_nos
                and set(wanted) <= {"", product_id} and len(wanted) == 1)

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """Per product with options: one option-stock PUT (without reading the product when it is
        known, see remember_listings). Products without options: one multi-update for up to
        MULTI_UPDATE_BATCH of them."""
        result = StockUpdateResult()
        optionless: list[tuple[str, int, list[str]]] = []  # (product id, quantity, option keys)
        for product_id, group in by_product(items).items():
            wanted = {item.option_id: item.quantity for item in group}
            if self._is_optionless(product_id, wanted):
                optionless.append((product_id, next(iter(wanted.values())), list(wanted)))
                continue
            body = self._known_body(product_id, wanted)
            if body is not None:
                try:
                    self._call("PUT", OPTION_STOCK_PATH.format(no=quote(self._origin_nos[product_id], safe="")),
                               json=body)
                except BusinessError as exc:
                    if exc.status != 400:
                        result.failed.extend(listing_failures(product_id, list(wanted), exc))
                        continue
                    self._known.pop(product_id, None)  # what we knew no longer fits: read and write below
                else:
                    for option in self._known[product_id].options:
                        if option.option_id in wanted:
                            option.stock = wanted[option.option_id]
                    result.applied.extend((product_id, o) for o in wanted)
                    continue

            def change(product: Mapping[str, Any], body: dict[str, Any], wanted=wanted, pid=product_id) -> list[str]:
                combos = {str(c["id"]): c for c in body.get("optionInfo", {}).get("optionCombinations", [])}
                if not combos and set(wanted) <= {"", pid}:
                    body["stockQuantity"] = next(iter(wanted.values()))
                    return []
                for option_id, quantity in wanted.items():
                    if option_id in combos:
                        combos[option_id]["stockQuantity"] = quantity
                return [o for o in wanted if o not in combos]

            try:
                missing, failures = self._write_options(product_id, change)
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, list(wanted), exc))
                continue
            result.failed.extend(failures)
            result.applied.extend((product_id, o) for o in wanted if o not in missing)
        for start in range(0, len(optionless), MULTI_UPDATE_BATCH):
            self._multi_update_stock(optionless[start:start + MULTI_UPDATE_BATCH], result)
        return result

    def _multi_update_stock(self, batch: Sequence[tuple[str, int, list[str]]], result: StockUpdateResult) -> None:
        """One multi-update (STOCK) for these products; if Naver refuses the request, each product is
        sent on its own so one bad product does not hold back the others."""
        try:
            vos = [{"originProductNo": _as_int(self._origin_nos[pid], "originProductNo"),
                    "multiUpdateTypes": [MULTI_UPDATE_STOCK], "stockQuantity": quantity} for pid, quantity, _k in batch]
            self._call("PATCH", MULTI_UPDATE_PATH, json={"multiProductUpdateRequestVos": vos})
        except BusinessError as exc:
            if len(batch) == 1:
                pid, _q, keys = batch[0]
                result.failed.extend(listing_failures(pid, keys, exc))
                return
            for entry in batch:
                self._multi_update_stock([entry], result)
            return
        for pid, _q, keys in batch:
            result.applied.extend((pid, key) for key in keys)

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        for product_id, group in by_product(items).items():
            def change(product: Mapping[str, Any], body: dict[str, Any], group=group) -> list[str]:
                combos = {str(c["id"]): c for c in body.get("optionInfo", {}).get("optionCombinations", [])}
                base = product.get("salePrice") or 0
                for item in group:  # the base price first: option totals are relative to it
                    if item.option_id is None:
                        base = item.price
                body["productSalePrice"] = {"salePrice": base}
                missing = []
                for item in group:
                    if item.option_id is None:
                        continue
                    if item.option_id not in combos:
                        missing.append(item.option_id)
                    else:
                        combos[item.option_id]["price"] = item.price - base
                return missing

            keys = [item.option_id or "" for item in group]
            try:
                missing, failures = self._write_options(product_id, change)
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, keys, exc))
                continue
            result.failed.extend(failures)
            result.applied.extend((product_id, key) for key in keys if key not in missing)
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        for item in items:
            try:
                origin_no = self._origin_no(item.product_id)
                body: dict[str, Any] = {"statusType": "SALE" if item.on_sale else "SUSPENSION"}
                if item.on_sale:
                    product = self._origin(origin_no)["originProduct"]
                    if product.get("statusType") == "OUTOFSTOCK":  # resuming from 품절 needs a stock
                        stock = _total_stock(product)
                        if stock <= 0:
                            result.failed.append(LineFailure(
                                order_line_id=f"{item.product_id}:", product_id=item.product_id, code="NO_STOCK",
                                message="품절 상품은 재고를 먼저 입력해야 판매를 재개할 수 있습니다"))
                            continue
                        body["stockQuantity"] = stock
                self._call("PUT", CHANGE_STATUS_PATH.format(no=quote(origin_no, safe="")), json=body)
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [""], exc))
                continue
            result.applied.append((item.product_id, ""))
        return result

    def test_connection(self) -> ConnectionStatus:
        self.tokens.drop(self._token_key)
        self._issue_token()
        now = self.clock()
        self._call("GET", CHANGES_PATH, query=_query([
            ("lastChangedFrom", v.kst_iso(now - timedelta(minutes=5))), ("lastChangedTo", v.kst_iso(now)),
            ("limitCount", "1")]))
        return ConnectionStatus(ok=True, account_name=self.credentials.account_id or self.credentials.client_id,
                                detail="토큰 발급과 주문 변경 조회에 성공했습니다")


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", unparsed_body(response)
    if not isinstance(body, Mapping):
        return "", unparsed_body(response)
    return str(body.get("code") or ""), str(body.get("message") or "")


def _auth_message(code: str, message: str, status: int) -> str:
    text = f"{code}: {message}" if code else (message or f"HTTP {status}")
    if code == "GW.IP_NOT_ALLOWED":
        text += " — 커머스API센터 애플리케이션에 이 서버의 고정 IP를 등록해야 합니다"
    return text


def _raise_for(response: httpx.Response) -> None:
    code, message = _error_fields(response)
    status = response.status_code
    if status in (401, 403):
        raise AuthError(_auth_message(code, message, status), marketplace=MP, code=code, status=status)
    if status >= 500:
        raise TemporaryError(f"{code}: {message}" if code else f"HTTP {status}", marketplace=MP, status=status)
    details = None
    try:
        body = response.json()
        details = body.get("invalidInputs") if isinstance(body, Mapping) else None
    except ValueError:
        pass
    raise BusinessError(f"{code}: {message}" if code else (message or f"HTTP {status}"), marketplace=MP, code=code,
                        status=status, details=details)



# --- fulfilment and listing helpers ------------------------------------------------------------

def _processing_result(payload: Any, sent_ids: Sequence[str]) -> tuple[list[str], list[LineFailure]]:
    """The common 처리 결과 (dispatch, delay): data{successProductOrderIds, failProductOrderInfos}.
    A line the answer does not mention is a retryable failure (the caller re-reads before retrying)."""
    data = _data(payload)
    if not isinstance(data, Mapping):
        raise MalformedPayload("data", "객체가 아닙니다", marketplace=MP, value=data)
    ok = [str(line) for line in data.get("successProductOrderIds") or []]
    failed: list[LineFailure] = []
    answered = set(ok)
    for i, bad in enumerate(data.get("failProductOrderInfos") or []):
        line = v.text(bad.get("productOrderId"), f"data.failProductOrderInfos[{i}].productOrderId", marketplace=MP,
                      required=True)
        answered.add(line)
        failed.append(LineFailure(order_line_id=line, code=str(bad.get("code") or ""),
                                  message=str(bad.get("message") or "")))
    for line in sent_ids:
        if line not in answered:
            failed.append(LineFailure(order_line_id=line, code="NO_ANSWER", message="응답에 결과가 없습니다",
                                      retryable=True))
    return [line for line in ok if line in set(sent_ids)], failed


def _as_int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BusinessError(f"{field}: 숫자 번호가 아닙니다 ({value!r})", marketplace=MP, code="BAD_ID") from None


def _total_stock(product: Mapping[str, Any]) -> int:
    combos = ((product.get("detailAttribute") or {}).get("optionInfo") or {}).get("optionCombinations") or []
    if combos:
        return sum(int(c.get("stockQuantity") or 0) for c in combos if c.get("usable", True))
    return int(product.get("stockQuantity") or 0)


def parse_origin_product(payload: Mapping[str, Any], channel_product_no: str, origin_no: str) -> ChannelListing:
    """GET /v2/products/origin-products/{no} → ChannelListing keyed by the channel product no."""
    product = v.obj(payload, "originProduct", "", marketplace=MP, required=True)
    p = "originProduct"
    detail = v.obj(product, "detailAttribute", p, marketplace=MP)
    option_info = v.obj(detail, "optionInfo", f"{p}.detailAttribute", marketplace=MP)
    combos = option_info.get("optionCombinations") or []
    options = []
    for i, combo in enumerate(combos):
        cp = f"{p}.detailAttribute.optionInfo.optionCombinations[{i}]"
        name = " / ".join(str(combo[key]) for key in ("optionName1", "optionName2", "optionName3", "optionName4")
                          if combo.get(key))
        options.append(ChannelListingOption(
            option_id=v.text(combo.get("id"), f"{cp}.id", marketplace=MP, required=True), name=name,
            stock=v.integer(combo.get("stockQuantity"), f"{cp}.stockQuantity", marketplace=MP, required=False),
            price_delta=v.integer(combo.get("price"), f"{cp}.price", marketplace=MP, required=False),
            seller_option_code=v.text(combo.get("sellerManagerCode"), f"{cp}.sellerManagerCode", marketplace=MP),
            raw=dict(combo)))
    raw_status = v.text(product.get("statusType"), f"{p}.statusType", marketplace=MP, required=True)
    status = SALE_STATUS.get(raw_status, "stopped")
    if status == "on_sale" and _total_stock(product) <= 0:
        status = "sold_out"
    seller_code = v.obj(detail, "sellerCodeInfo", f"{p}.detailAttribute", marketplace=MP)
    return ChannelListing(
        product_id=str(channel_product_no), origin_product_id=str(origin_no),
        name=v.text(product.get("name"), f"{p}.name", marketplace=MP),
        price=v.integer(product.get("salePrice"), f"{p}.salePrice", marketplace=MP),
        sale_status=status, raw_status=raw_status,
        seller_product_code=v.text(seller_code.get("sellerManagementCode"),
                                   f"{p}.detailAttribute.sellerCodeInfo.sellerManagementCode", marketplace=MP),
        category_id=v.text(product.get("leafCategoryId"), f"{p}.leafCategoryId", marketplace=MP),
        options=options, raw=dict(payload))


_FEE_TYPES = {"free": "FREE", "paid": "PAID", "conditional": "CONDITIONAL_FREE"}
_DRAFT_STATUS = {"on_sale": "SALE", "stopped": "SUSPENSION", "sold_out": "OUTOFSTOCK"}
def parse_categories(rows: Sequence[Any]) -> list[ChannelCategory]:
    """Naver's flat category list → nodes with their parent (found by the path "a>b>c" one level up)."""
    by_path: dict[str, str] = {}
    out: list[ChannelCategory] = []
    items = []
    for row in rows:
        if not isinstance(row, Mapping) or not row.get("id"):
            continue
        parts = [p.strip() for p in str(row.get("wholeCategoryName") or row.get("name") or "").split(">") if p.strip()]
        items.append((len(parts), parts, row))
    for _depth, parts, row in sorted(items, key=lambda x: x[0]):
        key = ">".join(parts)
        by_path[key] = str(row["id"])
        out.append(ChannelCategory(id=str(row["id"]), name=str(row.get("name") or (parts[-1] if parts else "")),
                                   path=" > ".join(parts), parent_id=by_path.get(">".join(parts[:-1]), ""),
                                   leaf=bool(row.get("last"))))
    return out


NAVER_REQUIRED_EXTRA = {
    "afterServiceInfo": "A/S 안내(afterServiceInfo: 전화번호, 안내문)",
    "originAreaInfo": "원산지(originAreaInfo)",
    "productInfoProvidedNotice": "상품정보제공고시(productInfoProvidedNotice)",
}


def build_product_body(draft: ListingDraft, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """ListingDraft → POST /v2/products body. Mandatory fields the draft lacks are taken from the
    current product on update; whatever is still missing raises BusinessError("DRAFT_INVALID")
    naming every missing field, before anything is sent."""
    old = (current or {}).get("originProduct") or {}
    old_detail = old.get("detailAttribute") or {}
    extra = dict(draft.extra)
    missing: list[str] = []
    category = draft.category_id or str(old.get("leafCategoryId") or "")
    if not category:
        missing.append("네이버 카테고리(leafCategoryId)")
    images = [{"url": url} for url in draft.image_urls]
    old_images = old.get("images") or {}
    if not images and not (old_images.get("representativeImage") or {}).get("url"):
        missing.append("대표 이미지")
    detail_content = draft.description_html or old.get("detailContent") or ""
    if not detail_content:
        missing.append("상세설명")
    for key, label in NAVER_REQUIRED_EXTRA.items():
        if not extra.get(key) and not old_detail.get(key):
            missing.append(label)
    if missing:
        raise BusinessError("네이버 상품 등록에 필요한 값이 없습니다: " + ", ".join(missing), marketplace=MP,
                            code="DRAFT_INVALID", details=missing)

    fee = draft.shipping
    delivery_fee: dict[str, Any] = {"deliveryFeeType": _FEE_TYPES[fee.fee_type], "deliveryFeePayType": "PREPAID"}
    if fee.fee_type != "free":
        delivery_fee["baseFee"] = fee.fee
    if fee.fee_type == "conditional":
        delivery_fee["freeConditionalAmount"] = fee.free_over
    delivery_info: dict[str, Any] = {
        "deliveryType": "DELIVERY", "deliveryAttributeType": "NORMAL", "deliveryFee": delivery_fee,
        "claimDeliveryInfo": {"returnDeliveryFee": fee.return_fee, "exchangeDeliveryFee": fee.exchange_fee},
    }
    if extra.get("deliveryCompany"):
        delivery_info["deliveryCompany"] = extra.pop("deliveryCompany")

    detail: dict[str, Any] = {key: extra.pop(key, None) or old_detail.get(key) for key in NAVER_REQUIRED_EXTRA}
    detail["minorPurchasable"] = extra.pop("minorPurchasable", old_detail.get("minorPurchasable", True))
    if draft.seller_product_code:
        detail["sellerCodeInfo"] = {"sellerManagementCode": draft.seller_product_code}
    stock = draft.stock
    if draft.options:
        groups = max(len(option.name.split(" / ")) for option in draft.options)
        if groups > 3:
            raise BusinessError("네이버 조합형 옵션은 옵션명을 ' / '로 3단계까지만 나눌 수 있습니다", marketplace=MP,
                                code="DRAFT_INVALID")
        names = list(extra.pop("optionGroupNames", None) or [f"옵션{i + 1}" for i in range(groups)])[:groups]
        combinations = []
        for option in draft.options:
            parts = option.name.split(" / ")
            combo: dict[str, Any] = {f"optionName{i + 1}": part for i, part in enumerate(parts)}
            combo.update({"stockQuantity": option.stock, "price": option.price_delta, "usable": True})
            if option.seller_option_code:
                combo["sellerManagerCode"] = option.seller_option_code
            if option.option_id:
                combo["id"] = _as_int(option.option_id, "option_id")
            combinations.append(combo)
        detail["optionInfo"] = {
            "optionCombinationSortType": "CREATE",
            "optionCombinationGroupNames": {f"optionGroupName{i + 1}": name for i, name in enumerate(names)},
            "optionCombinations": combinations, "useStockManagement": True}
        stock = sum(option.stock for option in draft.options)

    origin: dict[str, Any] = {
        "statusType": _DRAFT_STATUS[draft.sale_status], "saleType": "NEW", "leafCategoryId": category,
        "name": draft.name, "detailContent": detail_content,
        "images": ({"representativeImage": images[0], "optionalImages": images[1:]} if images else old_images),
        "salePrice": draft.price, "stockQuantity": stock, "deliveryInfo": delivery_info, "detailAttribute": detail,
    }
    channel = {"naverShoppingRegistration": bool(extra.pop("naverShoppingRegistration", False)),
               "channelProductDisplayStatusType": "ON" if draft.sale_status == "on_sale" else "SUSPENSION"}
    if draft.brand:
        detail.setdefault("naverShoppingSearchInfo", {"brandName": draft.brand})
    origin.update(extra)  # anything else the seller configured for Naver, as given
    return {"originProduct": origin, "smartstoreChannelProduct": channel}
