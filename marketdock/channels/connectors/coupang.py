"""Coupang WING Open API.

- Every request is signed: `Authorization: CEA algorithm=HmacSHA256, access-key=…, signed-date=…,
  signature=…` with signed-date = UTC `yyMMdd'T'HHmmss'Z'` and signature = hex HMAC-SHA256(secret,
  signed-date + METHOD + path + query) where query is exactly the encoded string sent, without '?'.
  A fresh signature per attempt (a reused signed-date is refused as expired).
- Orders: GET …/vendors/{vendorId}/ordersheets?createdAtFrom&createdAtTo&status&maxPerPage[&nextToken]
  by KST calendar day, ≤31 days per call, 50 per page, one status per call; follow nextToken.
- 발주확인 (상품준비중): PATCH …/vendors/{vendorId}/ordersheets/acknowledgement, ≤50 shipmentBoxIds.
v4 paths: the published samples and the acknowledgement endpoint are v4; v4 answers KST times
without an offset (parsed as KST), newer versions with offsets (parsed as given)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, Field

from . import values as v
from .base import Connector, decode_cursor, encode_cursor, parse_many, response_json
from .errors import AuthError, BusinessError, MalformedPayload, TemporaryError
from .http import ApiClient, HttpOptions
from .models import (
    Capabilities,
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

MP = Marketplace.COUPANG.value
BASE_URL = "https://api-gateway.coupang.com"
API_PREFIX = "/v2/providers/openapi/apis/api/v4/vendors"
PAGE_SIZE = 50
ACK_BATCH = 50
MAX_DAYS = 31
ALL_STATUSES = ("ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING")


class CoupangCredentials(BaseModel):
    vendor_id: str = Field(min_length=1)
    access_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1)


# --- signature -------------------------------------------------------------------------------

def signed_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%y%m%dT%H%M%SZ")


def signature(secret_key: str, signed: str, method: str, path: str, query: str) -> str:
    message = f"{signed}{method.upper()}{path}{query}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def authorization(access_key: str, secret_key: str, method: str, path: str, query: str, signed: str) -> str:
    return (f"CEA algorithm=HmacSHA256, access-key={access_key}, signed-date={signed}, "
            f"signature={signature(secret_key, signed, method, path, query)}")


# --- parsing ---------------------------------------------------------------------------------

_STATUS = {
    "ACCEPT": OrderStatus.NEW,
    "INSTRUCT": OrderStatus.CONFIRMED,
    "DEPARTURE": OrderStatus.SHIPPED,
    "DELIVERING": OrderStatus.IN_TRANSIT,
    "FINAL_DELIVERY": OrderStatus.DELIVERED,
    "NONE_TRACKING": OrderStatus.SHIPPED,  # 업체 직접 배송: shipped, not trackable
}


def line_id(shipment_box_id: str, vendor_item_id: str) -> str:
    return f"{shipment_box_id}-{vendor_item_id}"


def split_line_id(order_line_id: str) -> tuple[str, str]:
    box, sep, item = order_line_id.partition("-")
    if not sep or not box.isdigit() or not item.isdigit():
        raise BusinessError(f"쿠팡 주문라인 번호 형식이 아닙니다 (배송번호-옵션ID): {order_line_id!r}", marketplace=MP,
                            code="BAD_LINE_ID")
    return box, item


def parse_ordersheet(sheet: Mapping[str, Any], prefix: str = "") -> list[ChannelOrder]:
    """One ordersheet (a shipmentBox with its orderItems) → one ChannelOrder per item."""
    if not isinstance(sheet, Mapping):
        raise MalformedPayload(prefix or "(최상위)", "객체가 아닙니다", marketplace=MP, value=sheet)

    def path(name: str) -> str:
        return v.field_path(prefix, name)

    def txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
        return v.text(obj.get(name), v.field_path(base, name), marketplace=MP, required=required)

    box = txt(sheet, prefix, "shipmentBoxId", True)
    order_id = txt(sheet, prefix, "orderId", True)
    status_raw = txt(sheet, prefix, "status", True)
    if status_raw not in _STATUS:
        raise MalformedPayload(path("status"), "알 수 없는 주문 상태입니다", marketplace=MP, value=status_raw)
    ordered_at = v.timestamp(sheet.get("orderedAt"), path("orderedAt"), marketplace=MP)
    paid_at = v.timestamp(sheet.get("paidAt"), path("paidAt"), marketplace=MP, required=False)
    orderer = v.obj(sheet, "orderer", prefix, marketplace=MP)
    receiver = v.obj(sheet, "receiver", prefix, marketplace=MP)
    op, rp = path("orderer"), path("receiver")
    shipping = (v.integer(sheet.get("shippingPrice"), path("shippingPrice"), marketplace=MP, required=False)
                + v.integer(sheet.get("remotePrice"), path("remotePrice"), marketplace=MP, required=False))
    items = sheet.get("orderItems")
    if not isinstance(items, list) or not items:
        raise MalformedPayload(path("orderItems"), "주문 상품이 없습니다", marketplace=MP, value=items)

    lines: list[ChannelOrder] = []
    for index, item in enumerate(items):
        ip = f"{path('orderItems')}[{index}]"
        if not isinstance(item, Mapping):
            raise MalformedPayload(ip, "객체가 아닙니다", marketplace=MP, value=item)

        def num(name: str, required: bool = False, _item=item, _ip=ip) -> int:
            return v.integer(_item.get(name), f"{_ip}.{name}", marketplace=MP, required=required)

        quantity = num("shippingCount", True)
        cancelled = num("cancelCount")
        unit = num("salesPrice", True)
        order_price = num("orderPrice") if item.get("orderPrice") is not None else unit * quantity
        discount = num("discountPrice")
        if quantity < 0 or cancelled < 0:
            raise MalformedPayload(f"{ip}.shippingCount", "음수입니다", marketplace=MP, value=quantity)
        if item.get("canceled") is True or (quantity and cancelled >= quantity):
            status = OrderStatus.CANCELLED
        elif num("holdCountForCancel") > 0:
            status = OrderStatus.CANCEL_REQUESTED
        else:
            status = _STATUS[status_raw]
        vendor_item = txt(item, ip, "vendorItemId", True)
        lines.append(ChannelOrder(
            marketplace=Marketplace.COUPANG,
            order_id=order_id,
            order_line_id=line_id(box, vendor_item),
            bundle_id=box,
            ordered_at=ordered_at,
            paid_at=paid_at,
            status=status,
            raw_status=status_raw,
            buyer_name=txt(orderer, op, "name"),
            buyer_phone=txt(orderer, op, "ordererNumber") or txt(orderer, op, "safeNumber"),
            buyer_email=txt(orderer, op, "email"),
            recipient_name=txt(receiver, rp, "name"),
            recipient_phone=txt(receiver, rp, "receiverNumber") or txt(receiver, rp, "safeNumber"),
            recipient_postal_code=txt(receiver, rp, "postCode"),
            recipient_address1=txt(receiver, rp, "addr1"),
            recipient_address2=txt(receiver, rp, "addr2"),
            delivery_message=txt(sheet, prefix, "parcelPrintMessage"),
            channel_product_id=txt(item, ip, "sellerProductId"),
            channel_option_id=vendor_item,
            product_name=txt(item, ip, "sellerProductName") or txt(item, ip, "vendorItemPackageName"),
            option_text=txt(item, ip, "sellerProductItemName") or txt(item, ip, "vendorItemName"),
            seller_option_code=txt(item, ip, "externalVendorSkuCode"),
            quantity=quantity,
            cancelled_quantity=min(cancelled, quantity),
            currency="KRW",
            unit_price=unit,
            discount_amount=discount,
            total_amount=order_price - discount,
            shipping_fee=shipping if index == 0 else 0,
            raw=dict(sheet) if index == 0 else {k: val for k, val in sheet.items() if k != "orderItems"} | {
                "orderItems": [item]},
        ))
    return lines


def _ids(sheet: Any) -> tuple[str, str]:
    if not isinstance(sheet, Mapping):
        return "", ""
    items = sheet.get("orderItems") if isinstance(sheet.get("orderItems"), list) else []
    first = items[0] if items and isinstance(items[0], Mapping) else {}
    box = str(sheet.get("shipmentBoxId") or "")
    return str(sheet.get("orderId") or ""), line_id(box, str(first.get("vendorItemId") or "")) if box else ""


def _envelope(payload: Any) -> Any:
    if not isinstance(payload, Mapping) or "data" not in payload:
        raise MalformedPayload("data", "응답에 data가 없습니다", marketplace=MP)
    code = str(payload.get("code", "200"))
    if code != "200":
        raise BusinessError(str(payload.get("message") or code), marketplace=MP, code=code)
    return payload["data"]


def parse_list_response(payload: Mapping[str, Any]) -> tuple[list[ChannelOrder], list[RecordError], str]:
    data = _envelope(payload)
    sheets = data if isinstance(data, list) else [data]
    orders, errors = parse_many(sheets, parse_ordersheet, "data", _ids)
    return orders, errors, str(payload.get("nextToken") or "")


def parse_payload(payload: Any) -> list[ChannelOrder]:
    """Any Coupang ordersheet payload (list response, single response, one sheet) → order lines.
    Strict: the first malformed record raises."""
    prefix = ""
    if isinstance(payload, Mapping) and "data" in payload:
        payload, prefix = _envelope(payload), "data"
    if isinstance(payload, list):
        return [line for i, sheet in enumerate(payload) for line in parse_ordersheet(sheet, f"{prefix}[{i}]")]
    if isinstance(payload, Mapping) and "orderItems" in payload:
        return parse_ordersheet(payload, prefix)
    raise MalformedPayload(prefix or "(최상위)", "발주서(ordersheet) 데이터가 아닙니다", marketplace=MP)


# --- client ----------------------------------------------------------------------------------

class CoupangConnector(Connector):
    marketplace = Marketplace.COUPANG
    capabilities = Capabilities(confirm=True, confirm_batch=ACK_BATCH, change_feed=False,
                                max_window=timedelta(days=MAX_DAYS), page_size=PAGE_SIZE,
                                line_key="{shipmentBoxId}-{vendorItemId}")
    credentials_model = CoupangCredentials
    DEFAULT_RATE = Rate(per_second=5.0, burst=5)  # Coupang blocks at ~10 rps per vendor; stay well under

    def __init__(self, credentials: CoupangCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, statuses: Sequence[str] = ALL_STATUSES,
                 page_size: int = PAGE_SIZE, clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.statuses = tuple(statuses)
        unknown = set(self.statuses) - set(_STATUS)
        if unknown or not self.statuses:
            raise ValueError(f"unknown Coupang statuses: {sorted(unknown)}")
        self.page_size = max(1, min(PAGE_SIZE, page_size))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api = ApiClient(marketplace=MP, base_url=base_url or BASE_URL, limiter_key=f"coupang:{credentials.vendor_id}",
                             rate=self.DEFAULT_RATE, options=options,
                             default_headers={"X-Requested-By": credentials.vendor_id,
                                              "Content-Type": "application/json;charset=UTF-8"})
        self._prefix = f"{API_PREFIX}/{quote(credentials.vendor_id, safe='')}"

    def _sign(self, method: str, path: str, query: str) -> dict[str, str]:
        creds = self.credentials
        return {"Authorization": authorization(creds.access_key, creds.secret_key, method, path, query,
                                               signed_date(self.clock()))}

    def _call(self, method: str, path: str, *, params: Sequence[tuple[str, str]] = (), json: Any = None,
              idempotent: bool = True) -> Any:
        query = urlencode(list(params), quote_via=quote, safe=":")
        response = self.api.send(method, path, query=query, json=json, sign=self._sign, idempotent=idempotent)
        if response.status_code >= 400:
            _raise_for(response)
        return response_json(response, MP)

    def _list(self, status: str, day_from: date, day_to: date, next_token: str = "",
              page_size: int | None = None) -> Any:
        params = [("createdAtFrom", day_from.isoformat()), ("createdAtTo", day_to.isoformat()), ("status", status),
                  ("maxPerPage", str(page_size or self.page_size))]
        if next_token:
            params.append(("nextToken", next_token))
        return self._call("GET", f"{self._prefix}/ordersheets", params=params)

    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        first_day, last_day = v.kst_date(window.start), v.kst_date(window.end)
        state = decode_cursor(cursor, MP) or {"i": 0, "d": first_day.isoformat(), "n": ""}
        index, day_from = int(state["i"]), date.fromisoformat(state["d"])
        day_to = min(last_day, day_from + timedelta(days=MAX_DAYS - 1))
        orders, errors, next_token = parse_list_response(self._list(self.statuses[index], day_from, day_to, state["n"]))
        if next_token:
            following = {"i": index, "d": state["d"], "n": next_token}
        elif day_to < last_day:
            following = {"i": index, "d": (day_to + timedelta(days=1)).isoformat(), "n": ""}
        elif index + 1 < len(self.statuses):
            following = {"i": index + 1, "d": first_day.isoformat(), "n": ""}
        else:
            following = None
        return OrderPage(orders=orders, errors=errors, has_more=following is not None,
                         next_cursor=encode_cursor(following) if following else None)

    def get_order(self, order_line_id: str) -> ChannelOrder:
        box, _item = split_line_id(order_line_id)
        orders, errors, _ = parse_list_response(self._call("GET", f"{self._prefix}/ordersheets/{box}"))
        for order in orders:
            if order.order_line_id == order_line_id:
                return order
        if errors:
            raise MalformedPayload(errors[0].field, errors[0].message, marketplace=MP)
        raise BusinessError(f"발주서에 해당 옵션이 없습니다: {order_line_id}", marketplace=MP, code="NOT_FOUND", status=404)

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        by_box: dict[str, list[str]] = {}
        for line in dict.fromkeys(line_ids):
            box, _ = split_line_id(line)
            by_box.setdefault(box, []).append(line)
        result = ConfirmResult()
        boxes = list(by_box)
        for start in range(0, len(boxes), ACK_BATCH):
            chunk = boxes[start:start + ACK_BATCH]
            payload = self._call("PATCH", f"{self._prefix}/ordersheets/acknowledgement", idempotent=False,
                                 json={"vendorId": self.credentials.vendor_id,
                                       "shipmentBoxIds": [int(box) for box in chunk]})
            data = _envelope(payload)
            answers = data.get("responseList") if isinstance(data, Mapping) else None
            if not isinstance(answers, list):
                raise MalformedPayload("data.responseList", "목록이 아닙니다", marketplace=MP, value=answers)
            answered: set[str] = set()
            for i, answer in enumerate(answers):
                box = v.text(answer.get("shipmentBoxId"), f"data.responseList[{i}].shipmentBoxId", marketplace=MP,
                             required=True)
                if box not in by_box:
                    continue
                answered.add(box)
                for line in by_box[box]:
                    if answer.get("succeed") is True:
                        result.confirmed.append(line)
                    else:
                        result.failed.append(LineFailure(
                            order_line_id=line, code=str(answer.get("resultCode") or ""),
                            message=str(answer.get("resultMessage") or ""), retryable=bool(answer.get("retryRequired"))))
            for box in chunk:
                if box not in answered:
                    for line in by_box[box]:
                        result.failed.append(LineFailure(order_line_id=line, code="NO_ANSWER",
                                                         message="응답에 결과가 없습니다", retryable=True))
        return result

    def test_connection(self) -> ConnectionStatus:
        today = v.kst_date(self.clock())
        _envelope(self._list("ACCEPT", today, today, page_size=1))
        return ConnectionStatus(ok=True, account_name=self.credentials.vendor_id, detail="발주서 조회에 성공했습니다")


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    code, message = "", response.text[:200]
    try:
        body = response.json()
        if isinstance(body, Mapping):
            code = str(body.get("code") or "")
            message = str(body.get("message") or body.get("errorMessage") or message)
    except ValueError:
        if "Access Denied" in response.text:
            message = "Access Denied (쿠팡이 일시적으로 요청을 차단했습니다; 잠시 후 다시 시도하세요)"
    if status in (401, 403):
        hint = " — WING에 등록된 IP인지 확인하세요" if "ip" in message.lower() else ""
        raise AuthError(message + hint, marketplace=MP, code=code, status=status)
    if status >= 500:
        raise TemporaryError(f"HTTP {status}: {message}", marketplace=MP, status=status)
    raise BusinessError(message, marketplace=MP, code=code, status=status)
