"""Coupang WING Open API.

- Every request is signed: `Authorization: CEA algorithm=HmacSHA256, access-key=…, signed-date=…,
  signature=…` with signed-date = UTC `yyMMdd'T'HHmmss'Z'` and signature = hex HMAC-SHA256(secret,
  signed-date + METHOD + path + query) where query is exactly the encoded string sent, without '?'.
  A fresh signature per attempt (a reused signed-date is refused as expired).
- Orders: GET …/vendors/{vendorId}/ordersheets?createdAtFrom&createdAtTo&status&maxPerPage[&nextToken]
  by KST calendar day, ≤31 days per call, 50 per page, one status per call; follow nextToken.
- 발주확인 (상품준비중): PATCH …/vendors/{vendorId}/ordersheets/acknowledgement, ≤50 shipmentBoxIds.
- 송장 업로드: POST …/v4/vendors/{vendorId}/orders/invoices, one element per vendorItemId, answered
  per shipmentBoxId (responseList). 발송지연 has no documented endpoint (UnsupportedOperation).
- Products (`/v2/providers/seller_api/apis/api/v1/marketplace`): GET seller-products (nextToken
  paging) and seller-products/{sellerProductId} (items with vendorItemId); stock/price/sale state per
  vendor item: GET vendor-items/{id}/inventories, PUT …/quantities/{n}, …/prices/{n},
  …/sales/stop|resume; POST/PUT seller-products to register/update. No compare-and-set.
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
from .errors import AuthError, BusinessError, MalformedPayload, TemporaryError, UnsupportedOperation
from .http import ApiClient, HttpOptions, unparsed_body
from .models import (
    Capabilities,
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

MP = Marketplace.COUPANG.value
BASE_URL = "https://api-gateway.coupang.com"
API_PREFIX = "/v2/providers/openapi/apis/api/v4/vendors"
PAGE_SIZE = 50
ACK_BATCH = 50
INVOICE_BATCH = 50
LISTING_PAGE = 50
SELLER_PREFIX = "/v2/providers/seller_api/apis/api/v1/marketplace"
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


# The status table: ordersheet status → how far Coupang has taken the shipment box. Cancellations are
# per item: `canceled` / cancelCount ≥ shippingCount is a decided cancel; holdCountForCancel > 0 is a
# cancel request (출고중지요청, RU) waiting for the seller — never ship it meanwhile.
PROGRESS = {
    "ACCEPT": Progress.PAID,  # 결제완료
    "INSTRUCT": Progress.CONFIRMED,  # 상품준비중 (발주확인 done)
    "DEPARTURE": Progress.SHIPPED,  # 배송지시 (송장 등록)
    "DELIVERING": Progress.IN_TRANSIT,  # 배송중
    "FINAL_DELIVERY": Progress.DELIVERED,  # 배송완료
    "NONE_TRACKING": Progress.SHIPPED,  # 업체 직접 배송 (추적 불가)
}
SHIPPED_PROGRESS = (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED)


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
        progress, claim = PROGRESS[status_raw], Claim.NONE
        if item.get("canceled") is True or (quantity and cancelled >= quantity):
            status, progress = OrderStatus.CANCELLED, Progress.CANCELLED
        elif num("holdCountForCancel") > 0:
            status, claim = OrderStatus.CANCEL_REQUESTED, Claim.CANCEL
        else:
            status = _STATUS[status_raw]
        shipped = progress in SHIPPED_PROGRESS
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
            raw_claim_status=f"holdCountForCancel:{num('holdCountForCancel')}" if claim else "",
            progress=progress,
            claim=claim,
            tracking_number=txt(sheet, prefix, "invoiceNumber") if shipped else "",
            carrier_code=txt(sheet, prefix, "deliveryCompanyName") if shipped else "",
            dispatched_at=v.timestamp(sheet.get("inTrasitDateTime"), path("inTrasitDateTime"), marketplace=MP,
                                      required=False) if shipped else None,
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
                                line_key="{shipmentBoxId}-{vendorItemId}", dispatch=True, delay=False, listings=True,
                                stock_update=True, price_update=True, sale_status=True, register_listing=True,
                                compare_and_set=False, categories=True)
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

    # --- fulfilment ------------------------------------------------------------------------------

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """송장 업로드 (INSTRUCT → DEPARTURE): one element per vendorItemId, answered per shipment box.
        "direct" is sent as deliveryCompanyCode DIRECT (업체직송, not tracked; the tracking number, or
        the shipment box id when there is none, as invoiceNumber). Coupang has no 방문수령."""
        result = DispatchResult()
        lines_by_box: dict[str, list[str]] = {}
        dtos: list[dict[str, Any]] = []
        for item in unique_lines(items):
            try:
                box, vendor_item = split_line_id(item.order_line_id)
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code, message=exc.message))
                continue
            problem = item.missing()
            if item.method == "visit":
                problem = "쿠팡은 방문수령 발송처리를 지원하지 않습니다"
            if not problem and not item.order_id.isdigit():
                problem = f"쿠팡 주문번호(orderId)가 필요합니다: {item.order_id!r}"
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            direct = item.method == "direct"
            dtos.append({
                "shipmentBoxId": int(box), "orderId": int(item.order_id), "vendorItemId": int(vendor_item),
                "deliveryCompanyCode": "DIRECT" if direct else item.marketplace_carrier_code,
                "invoiceNumber": (item.tracking_number or box) if direct else item.tracking_number,
                "splitShipping": False, "preSplitShipped": False, "estimatedShippingDate": "",
            })
            lines_by_box.setdefault(box, []).append(item.order_line_id)
        for start in range(0, len(dtos), INVOICE_BATCH):
            chunk = dtos[start:start + INVOICE_BATCH]
            payload = self._call("POST", f"{self._prefix}/orders/invoices", idempotent=False,
                                 json={"vendorId": self.credentials.vendor_id, "orderSheetInvoiceApplyDtos": chunk})
            boxes = list(dict.fromkeys(str(dto["shipmentBoxId"]) for dto in chunk))
            lines = {box: [line for line in lines_by_box[box]
                           if any(f"{dto['shipmentBoxId']}-{dto['vendorItemId']}" == line for dto in chunk)]
                     for box in boxes}
            ok, failed = _box_results(payload, lines)
            result.sent.extend(ok)
            result.failed.extend(failed)
        return result

    def delay(self, items: Sequence[DelayItem]) -> DelayResult:
        raise UnsupportedOperation("쿠팡 WING Open API에는 발송지연 안내 API가 문서화되어 있지 않습니다 — "
                                   "WING에서 출고예정일을 변경하세요", marketplace=MP)

    # --- listings --------------------------------------------------------------------------------

    def _product_call(self, method: str, path: str, *, params: Sequence[tuple[str, str]] = (), json: Any = None,
                      idempotent: bool = True) -> Any:
        payload = self._call(method, f"{SELLER_PREFIX}{path}", params=params, json=json, idempotent=idempotent)
        if not isinstance(payload, Mapping):
            raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=payload)
        code = str(payload.get("code", ""))
        if code not in ("SUCCESS", "200", "OK"):
            raise BusinessError(str(payload.get("message") or code or "쿠팡이 요청을 거절했습니다"), marketplace=MP,
                                code=code)
        return payload

    def list_categories(self) -> list[ChannelCategory]:
        """노출 카테고리 목록조회: GET …/meta/display-categories → data = the root node, children in `child`."""
        payload = self._product_call("GET", "/meta/display-categories")
        root = payload.get("data")
        if not isinstance(root, Mapping):
            raise MalformedPayload("data", "카테고리 트리가 아닙니다", marketplace=MP, value=root)
        return parse_display_categories(root)

    def _item_inventory(self, vendor_item_id: str) -> Mapping[str, Any]:
        payload = self._product_call("GET", f"/vendor-items/{quote(vendor_item_id, safe='')}/inventories")
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise MalformedPayload("data", "재고 정보가 없습니다", marketplace=MP, value=data)
        return data

    def _seller_product(self, product_id: str) -> Mapping[str, Any]:
        payload = self._product_call("GET", f"/seller-products/{quote(product_id, safe='')}")
        data = payload.get("data")
        if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
            raise MalformedPayload("data.items", "상품 옵션 목록이 없습니다", marketplace=MP, value=data)
        return data

    def _listing(self, data: Mapping[str, Any]) -> ChannelListing:
        inventories = {}
        for item in data["items"]:
            if item.get("vendorItemId"):
                inventories[str(item["vendorItemId"])] = self._item_inventory(str(item["vendorItemId"]))
        return parse_seller_product(data, inventories)

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        params = [("vendorId", self.credentials.vendor_id), ("maxPerPage", str(LISTING_PAGE))]
        if cursor:
            params.append(("nextToken", cursor))
        payload = self._product_call("GET", "/seller-products", params=params)
        rows = payload.get("data")
        if not isinstance(rows, list):
            raise MalformedPayload("data", "목록이 아닙니다", marketplace=MP, value=rows)
        listings = [self.get_listing(v.text(row.get("sellerProductId"), f"data[{i}].sellerProductId",
                                            marketplace=MP, required=True)) for i, row in enumerate(rows)]
        next_token = str(payload.get("nextToken") or "")
        return ListingPage(listings=listings, has_more=bool(next_token), next_cursor=next_token or None)

    def get_listing(self, product_id: str) -> ChannelListing:
        return self._listing(self._seller_product(product_id))

    def register_listing(self, draft: ListingDraft) -> ChannelListing:
        body = build_seller_product(draft, self.credentials.vendor_id)
        payload = self._product_call("POST", "/seller-products", json=body, idempotent=False)
        data = payload.get("data")
        if isinstance(data, Mapping):  # some documented answers nest {code, data: id}
            data = data.get("data")
        product_id = v.text(data, "data", marketplace=MP, required=True)
        return self.get_listing(product_id)

    def update_listing(self, product_id: str, draft: ListingDraft) -> ChannelListing:
        current = self._seller_product(product_id)
        body = build_seller_product(draft, self.credentials.vendor_id, current=current)
        body["sellerProductId"] = _int(product_id, "sellerProductId")
        self._product_call("PUT", "/seller-products", json=body)
        return self.get_listing(product_id)

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """PUT …/vendor-items/{vendorItemId}/quantities/{quantity} per option; no compare-and-set
        (expected_quantity is ignored — capabilities.compare_and_set is False)."""
        result = StockUpdateResult()
        for item in items:
            try:
                self._product_call("PUT", f"/vendor-items/{_int(item.option_id, 'vendorItemId')}"
                                          f"/quantities/{item.quantity}")
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [item.option_id], exc))
                continue
            result.applied.append((item.product_id, item.option_id))
        return result

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        """Per vendor item. A product-level price (option_id None) moves every option, keeping each
        option's difference to the cheapest one. Coupang refuses moves beyond −50 %…+100 %."""
        result = ListingUpdateResult()
        for product_id, group in by_product(items).items():
            targets: dict[str, int] = {}
            try:
                if any(item.option_id is None for item in group):
                    listing = self.get_listing(product_id)
                    base = next(item.price for item in group if item.option_id is None)
                    targets.update({o.option_id: base + o.price_delta for o in listing.options if o.option_id})
                targets.update({item.option_id: item.price for item in group if item.option_id is not None})
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, [i.option_id for i in group], exc))
                continue
            failed_options: set[str] = set()
            for option_id, price in targets.items():
                try:
                    self._product_call("PUT", f"/vendor-items/{_int(option_id, 'vendorItemId')}/prices/{price}")
                except BusinessError as exc:
                    failed_options.add(option_id)
                    result.failed.extend(listing_failures(product_id, [option_id], exc))
            for item in group:
                if (item.option_id is None and not failed_options) or (
                        item.option_id is not None and item.option_id not in failed_options):
                    result.applied.append((product_id, item.option_id or ""))
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        """판매중지/재개 of every vendor item of the product."""
        result = ListingUpdateResult()
        for item in items:
            action = "resume" if item.on_sale else "stop"
            try:
                data = self._seller_product(item.product_id)
                vendor_items = [str(i["vendorItemId"]) for i in data["items"] if i.get("vendorItemId")]
                if not vendor_items:
                    raise BusinessError("승인된 옵션(vendorItemId)이 없어 판매상태를 바꿀 수 없습니다", marketplace=MP,
                                        code="NOT_APPROVED")
                for vendor_item in vendor_items:
                    self._product_call("PUT", f"/vendor-items/{vendor_item}/sales/{action}")
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [""], exc))
                continue
            result.applied.append((item.product_id, ""))
        return result

    def test_connection(self) -> ConnectionStatus:
        today = v.kst_date(self.clock())
        _envelope(self._list("ACCEPT", today, today, page_size=1))
        return ConnectionStatus(ok=True, account_name=self.credentials.vendor_id, detail="발주서 조회에 성공했습니다")


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    code, message = "", unparsed_body(response)
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


# --- fulfilment and listing helpers ------------------------------------------------------------

def _int(value: str | None, field: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise BusinessError(f"{field}: 숫자 번호가 아닙니다 ({value!r})", marketplace=MP, code="BAD_ID") from None


def _box_results(payload: Any, lines_by_box: Mapping[str, list[str]]) -> tuple[list[str], list[LineFailure]]:
    """A batch answer (data.responseList per shipmentBoxId) → per-line outcome."""
    data = _envelope(payload)
    answers = data.get("responseList") if isinstance(data, Mapping) else None
    if not isinstance(answers, list):
        raise MalformedPayload("data.responseList", "목록이 아닙니다", marketplace=MP, value=answers)
    ok: list[str] = []
    failed: list[LineFailure] = []
    answered: set[str] = set()
    for i, answer in enumerate(answers):
        box = v.text(answer.get("shipmentBoxId"), f"data.responseList[{i}].shipmentBoxId", marketplace=MP,
                     required=True)
        if box not in lines_by_box:
            continue
        answered.add(box)
        for line in lines_by_box[box]:
            if answer.get("succeed") is True:
                ok.append(line)
            else:
                failed.append(LineFailure(order_line_id=line, code=str(answer.get("resultCode") or ""),
                                          message=str(answer.get("resultMessage") or ""),
                                          retryable=bool(answer.get("retryRequired"))))
    for box, lines in lines_by_box.items():
        if box not in answered:
            failed.extend(LineFailure(order_line_id=line, code="NO_ANSWER", message="응답에 결과가 없습니다",
                                      retryable=True) for line in lines)
    return ok, failed


def parse_seller_product(data: Mapping[str, Any], inventories: Mapping[str, Mapping[str, Any]]) -> ChannelListing:
    """GET seller-products/{id} `data` (+ each vendor item's inventories answer) → ChannelListing.
    Options not yet approved have no vendorItemId: option_id "" (they cannot be updated yet)."""
    options: list[tuple[ChannelListingOption, int, bool]] = []
    for i, item in enumerate(data["items"]):
        ip = f"data.items[{i}]"
        vendor_item = v.text(item.get("vendorItemId"), f"{ip}.vendorItemId", marketplace=MP)
        inventory = inventories.get(vendor_item) or {}
        price = v.integer(inventory.get("salePrice", item.get("salePrice")), f"{ip}.salePrice", marketplace=MP)
        stock = v.integer(inventory.get("amountInStock", item.get("maximumBuyCount")), f"{ip}.amountInStock",
                          marketplace=MP, required=False)
        on_sale = bool(inventory.get("onSale", True))
        options.append((ChannelListingOption(
            option_id=vendor_item, name=v.text(item.get("itemName"), f"{ip}.itemName", marketplace=MP),
            stock=stock, seller_option_code=v.text(item.get("externalVendorSku"), f"{ip}.externalVendorSku",
                                                   marketplace=MP), raw=dict(item)), price, on_sale))
    base = min((price for _, price, _ in options), default=0)
    selling = [option for option, _, on_sale in options if on_sale]
    if not selling:
        status = "stopped"
    elif sum(option.stock for option in selling) <= 0:
        status = "sold_out"
    else:
        status = "on_sale"
    return ChannelListing(
        product_id=v.text(data.get("sellerProductId"), "data.sellerProductId", marketplace=MP, required=True),
        name=v.text(data.get("sellerProductName"), "data.sellerProductName", marketplace=MP),
        price=base, sale_status=status, raw_status=v.text(data.get("statusName"), "data.statusName", marketplace=MP),
        seller_product_code=v.text(data.get("externalVendorSkuCode") or data.get("sellerProductCode"),
                                   "data.externalVendorSkuCode", marketplace=MP),
        category_id=v.text(data.get("displayCategoryCode"), "data.displayCategoryCode", marketplace=MP),
        options=[option.model_copy(update={"price_delta": price - base}) for option, price, _ in options],
        raw=dict(data))


def parse_display_categories(root: Mapping[str, Any]) -> list[ChannelCategory]:
    """Coupang's display category tree (root "ROOT" with `child` lists) → nodes, parents first;
    categories not ACTIVE are left out."""
    out: list[ChannelCategory] = []
    stack: list[tuple[Mapping[str, Any], str, list[str]]] = [
        (child, "", []) for child in reversed(root.get("child") or []) if isinstance(child, Mapping)]
    while stack:
        node, parent, names = stack.pop()
        code = str(node.get("displayItemCategoryCode") or "")
        if not code or str(node.get("status") or "ACTIVE") != "ACTIVE":
            continue
        path = [*names, str(node.get("name") or code)]
        children = [c for c in node.get("child") or [] if isinstance(c, Mapping)]
        out.append(ChannelCategory(id=code, name=path[-1], path=" > ".join(path), parent_id=parent,
                                   leaf=not children))
        stack.extend((child, code, path) for child in reversed(children))
    return out


COUPANG_REQUIRED_EXTRA = {
    "vendorUserId": "WING 로그인 ID(vendorUserId)",
    "outboundShippingPlaceCode": "출고지 코드(outboundShippingPlaceCode)",
    "returnCenterCode": "반품지 코드(returnCenterCode)",
    "returnChargeName": "반품지명(returnChargeName)",
    "companyContactNumber": "반품지 연락처(companyContactNumber)",
    "returnZipCode": "반품지 우편번호(returnZipCode)",
    "returnAddress": "반품지 주소(returnAddress)",
    "returnAddressDetail": "반품지 상세주소(returnAddressDetail)",
    "afterServiceInformation": "A/S 안내(afterServiceInformation)",
    "afterServiceContactNumber": "A/S 전화번호(afterServiceContactNumber)",
    "deliveryCompanyCode": "택배사 코드(deliveryCompanyCode)",
    "notices": "상품고시정보(notices)",
}
_COUPANG_FEES = {"free": "FREE", "paid": "NOT_FREE", "conditional": "CONDITIONAL_FREE"}


def build_seller_product(draft: ListingDraft, vendor_id: str, current: Mapping[str, Any] | None = None
                         ) -> dict[str, Any]:
    """ListingDraft → POST/PUT seller-products body. Coupang needs a display category, images, the
    seller's WING id, 출고지/반품지 codes and the notice (고시) fields per category: they come from the
    draft (`category_id`, `image_urls`, `extra`) or, on update, from the current product; whatever is
    missing raises BusinessError("DRAFT_INVALID") naming it, before anything is sent."""
    old = dict(current or {})
    old_items = old.get("items") or []
    extra = dict(draft.extra)
    missing: list[str] = []
    category = draft.category_id or str(old.get("displayCategoryCode") or "")
    if not category:
        missing.append("쿠팡 노출 카테고리(displayCategoryCode)")
    old_images = (old_items[0].get("images") if old_items else None) or []
    if not draft.image_urls and not old_images:
        missing.append("대표 이미지")
    values: dict[str, Any] = {}
    for key, label in COUPANG_REQUIRED_EXTRA.items():
        value = extra.pop(key, None)
        if value in (None, "", []):
            value = old.get(key) if key != "notices" else (old_items[0].get("notices") if old_items else None)
        if value in (None, "", []):
            missing.append(label)
        values[key] = value
    if not category.isdigit() and category:
        missing.append(f"쿠팡 카테고리 코드는 숫자입니다 ({category!r})")
    if missing:
        raise BusinessError("쿠팡 상품 등록에 필요한 값이 없습니다: " + ", ".join(missing), marketplace=MP,
                            code="DRAFT_INVALID", details=missing)

    images = ([{"imageOrder": i, "imageType": "REPRESENTATION" if i == 0 else "DETAIL", "vendorPath": url}
               for i, url in enumerate(draft.image_urls)] or old_images)
    contents = [{"contentsType": "HTML", "contentDetails": [{"content": draft.description_html, "detailType": "TEXT"}]}
                ] if draft.description_html else (old_items[0].get("contents") if old_items else [])
    notices = values.pop("notices")
    old_by_vendor = {str(i.get("vendorItemId")): i for i in old_items if i.get("vendorItemId")}
    options = draft.options or [ListingDraftOption(name=draft.name, stock=draft.stock,
                                                   seller_option_code=draft.seller_product_code)]
    items = []
    for option in options:
        item: dict[str, Any] = {
            "itemName": option.name, "originalPrice": draft.price + option.price_delta,
            "salePrice": draft.price + option.price_delta, "maximumBuyCount": option.stock,
            "maximumBuyForPerson": 0, "maximumBuyForPersonPeriod": 1,
            "outboundShippingTimeDay": int(extra.get("outboundShippingTimeDay", 2)), "unitCount": 1,
            "adultOnly": "EVERYONE", "taxType": extra.get("taxType", "TAX"),
            "parallelImported": "NOT_PARALLEL_IMPORTED", "overseasPurchased": "NOT_OVERSEAS_PURCHASED",
            "pccNeeded": False, "externalVendorSku": option.seller_option_code, "emptyBarcode": True,
            "emptyBarcodeReason": "바코드 없음", "barcode": "", "modelNo": "",
            "certifications": [{"certificationType": "NOT_REQUIRED", "certificationCode": ""}],
            "images": images, "notices": notices, "contents": contents,
            "attributes": [{"attributeTypeName": "옵션", "attributeValueName": option.name}] if draft.options else [],
        }
        previous = old_by_vendor.get(option.option_id)
        if previous:
            item["vendorItemId"] = int(option.option_id)
            item["sellerProductItemId"] = previous.get("sellerProductItemId")
        items.append(item)
    fee = draft.shipping
    body: dict[str, Any] = {
        "displayCategoryCode": int(category), "sellerProductName": draft.name, "vendorId": vendor_id,
        "saleStartedAt": old.get("saleStartedAt") or datetime.now(v.KST).strftime("%Y-%m-%dT%H:%M:%S"), "saleEndedAt": "2099-01-01T23:59:59",
        "displayProductName": draft.name, "brand": draft.brand, "generalProductName": draft.name,
        "productGroup": extra.pop("productGroup", old.get("productGroup") or ""),
        "deliveryMethod": "SEQUENCIAL",
        "deliveryChargeType": _COUPANG_FEES[fee.fee_type], "deliveryCharge": fee.fee if fee.fee_type != "free" else 0,
        "freeShipOverAmount": fee.free_over if fee.fee_type == "conditional" else 0,
        "deliveryChargeOnReturn": fee.return_fee, "returnCharge": fee.return_fee,
        "remoteAreaDeliverable": "N", "unionDeliveryType": "UNION_DELIVERY", "returnChargeVendor": "N",
        "requested": bool(extra.pop("requested", True)), "items": items, **values,
    }
    extra.pop("outboundShippingTimeDay", None)
    extra.pop("taxType", None)
    body.update(extra)
    return body
