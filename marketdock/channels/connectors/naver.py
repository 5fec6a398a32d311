"""Naver SmartStore — Naver Commerce API (커머스API).

- Token: POST /v1/oauth2/token (form) with client_secret_sign = base64(bcrypt(f"{client_id}_{ts_ms}",
  salt=client_secret)); Bearer token lives 3 h and is cached until 30 min before expiry; one
  refresh-and-retry on 401 GW.AUTHN.
- Changes: GET /v1/pay-order/seller/product-orders/last-changed-statuses, ≤24 h per call, paged by
  `more.moreFrom` + `more.moreSequence` with the same `lastChangedTo`.
- Details: POST /v1/pay-order/seller/product-orders/query, ≤300 productOrderIds per call.
- 발주확인: POST /v1/pay-order/seller/product-orders/confirm, ≤30 ids per call.
The `+` of `+09:00` is always sent as %2B."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import bcrypt
import httpx
from pydantic import BaseModel, Field

from . import values as v
from .base import Connector, decode_cursor, encode_cursor, parse_many, response_json
from .errors import AuthError, BusinessError, MalformedPayload, TemporaryError
from .http import ApiClient, HttpOptions
from .models import (
    Capabilities,
    ChangedStatus,
    ChannelOrder,
    ConfirmResult,
    ConnectionStatus,
    FetchWindow,
    LineFailure,
    Marketplace,
    OrderPage,
    OrderStatus,
    RecordError,
)
from .ratelimit import Rate

MP = Marketplace.NAVER.value
BASE_URL = "https://api.commerce.naver.com/external"
TOKEN_PATH = "/v1/oauth2/token"
CHANGES_PATH = "/v1/pay-order/seller/product-orders/last-changed-statuses"
QUERY_PATH = "/v1/pay-order/seller/product-orders/query"
CONFIRM_PATH = "/v1/pay-order/seller/product-orders/confirm"
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


def canonical_status(product_order_status: str, claim_type: str, claim_status: str, place_order_status: str,
                     field: str = "productOrder.productOrderStatus") -> OrderStatus:
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
    unit = num(po, pp, "unitPrice") + num(po, pp, "optionPrice")
    quantity = num(po, pp, "quantity", required=True)
    if quantity < 0:
        raise MalformedPayload(f"{pp}.quantity", "음수입니다", marketplace=MP, value=quantity)
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
        status=canonical_status(status_raw, claim_type, claim_status, place, f"{pp}.productOrderStatus"),
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
        currency="KRW",
        unit_price=unit,
        discount_amount=discount,
        total_amount=total_payment if po.get("totalPaymentAmount") is not None else total_product - discount,
        shipping_fee=num(po, pp, "deliveryFeeAmount"),
        raw=dict(item),
    )


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
                                page_size=300, line_key="productOrderId")
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
        return "", response.text[:200]
    if not isinstance(body, Mapping):
        return "", str(body)[:200]
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

