"""Coupang orders: collection and the status table.

Orders: GET …/vendors/{vendorId}/ordersheets?createdAtFrom&createdAtTo&status&maxPerPage[&nextToken]
by KST calendar day, ≤31 days per call, 50 per page, one status per call; follow nextToken.
발주확인 (상품준비중): PATCH …/vendors/{vendorId}/ordersheets/acknowledgement, ≤50 shipmentBoxIds.
v4 paths: the published samples and the acknowledgement endpoint are v4; v4 answers KST times
without an offset (parsed as KST), newer versions with offsets (parsed as given)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from .. import values as v
from ..base import (
    decode_cursor,
    encode_cursor,
    parse_many,
)
from ..errors import BusinessError, MalformedPayload
from ..models import (
    ChannelOrder,
    Claim,
    ConfirmResult,
    ConnectionStatus,
    FetchWindow,
    Marketplace,
    OrderPage,
    OrderStatus,
    Progress,
    RecordError,
)
from .auth import MP
from .transport import box_results, envelope

PAGE_SIZE = 50
ACK_BATCH = 50

MAX_DAYS = 31
ALL_STATUSES = ("ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING")


# --- parsing ---------------------------------------------------------------------------------

ORDERSHEET_STATUS = {
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


def _estimated_shipping(value: Any, field: str) -> date | None:
    """estimatedShippingDate ("2017-10-16", "" when the seller has not set one) → date."""
    text = v.text(value, field, marketplace=MP)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MalformedPayload(field, "날짜 형식이 아닙니다", marketplace=MP, value=value) from None


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
    if status_raw not in ORDERSHEET_STATUS:
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
            status = ORDERSHEET_STATUS[status_raw]
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
            dispatch_due=_estimated_shipping(item.get("estimatedShippingDate"), f"{ip}.estimatedShippingDate"),
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


def parse_list_response(payload: Mapping[str, Any]) -> tuple[list[ChannelOrder], list[RecordError], str]:
    data = envelope(payload)
    sheets = data if isinstance(data, list) else [data]
    orders, errors = parse_many(sheets, parse_ordersheet, "data", _ids)
    return orders, errors, str(payload.get("nextToken") or "")


def parse_payload(payload: Any) -> list[ChannelOrder]:
    """Any Coupang ordersheet payload (list response, single response, one sheet) → order lines.
    Strict: the first malformed record raises."""
    prefix = ""
    if isinstance(payload, Mapping) and "data" in payload:
        payload, prefix = envelope(payload), "data"
    if isinstance(payload, list):
        return [line for i, sheet in enumerate(payload) for line in parse_ordersheet(sheet, f"{prefix}[{i}]")]
    if isinstance(payload, Mapping) and "orderItems" in payload:
        return parse_ordersheet(payload, prefix)
    raise MalformedPayload(prefix or "(최상위)", "발주서(ordersheet) 데이터가 아닙니다", marketplace=MP)


class CoupangOrders:
    """Order collection and 발주확인 (mixed into CoupangConnector)."""

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
            ok, failed = box_results(payload, {box: by_box[box] for box in chunk})
            result.confirmed.extend(ok)
            result.failed.extend(failed)
        return result


    def test_connection(self) -> ConnectionStatus:
        today = v.kst_date(self.clock())
        envelope(self._list("ACCEPT", today, today, page_size=1))
        return ConnectionStatus(ok=True, account_name=self.credentials.vendor_id, detail="발주서 조회에 성공했습니다")
