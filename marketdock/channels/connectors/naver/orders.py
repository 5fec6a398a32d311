"""Naver orders: collection and the status table.

- Changes: GET /v1/pay-order/seller/product-orders/last-changed-statuses, ≤24 h per call, paged by
  `more.moreFrom` + `more.moreSequence` with the same `lastChangedTo`.
- Details: POST /v1/pay-order/seller/product-orders/query, ≤300 productOrderIds per call.
- 발주확인: POST /v1/pay-order/seller/product-orders/confirm, ≤30 ids per call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from .. import values as v
from ..base import (
    decode_cursor,
    encode_cursor,
    parse_many,
)
from ..errors import BusinessError, MalformedPayload
from ..models import (
    ChangedStatus,
    ChannelOrder,
    Claim,
    ConfirmResult,
    ConnectionStatus,
    FetchWindow,
    LineFailure,
    Marketplace,
    OrderPage,
    OrderStatus,
    Progress,
    RecordError,
)
from .auth import MP
from .transport import query_string, response_data

CHANGES_PATH = "/v1/pay-order/seller/product-orders/last-changed-statuses"
QUERY_PATH = "/v1/pay-order/seller/product-orders/query"
CONFIRM_PATH = "/v1/pay-order/seller/product-orders/confirm"

QUERY_BATCH = 300
CONFIRM_BATCH = 30
MAX_WINDOW = timedelta(hours=24)

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


def _due_date(value: Any, field: str):
    """shippingDueDate ("2022-06-05T12:17:35.000+09:00") → its KST date, None when absent."""
    moment = v.timestamp(value, field, marketplace=MP, required=False)
    return v.kst_date(moment) if moment else None


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
        dispatch_due=_due_date(po.get("shippingDueDate"), f"{pp}.shippingDueDate"),
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


def parse_changed_statuses(payload: Mapping[str, Any]) -> tuple[list[ChangedStatus], dict[str, str] | None]:
    """A whole last-changed-statuses response → (rows, more) where more = {moreFrom, moreSequence}."""
    data = response_data(payload)
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
    data = response_data(payload)
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


class NaverOrders:
    """Order collection and 발주확인 (mixed into NaverConnector)."""

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
        payload = self._call("GET", CHANGES_PATH, query=query_string(params))

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
            data = response_data(payload)
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
        self._call("GET", CHANGES_PATH, query=query_string([
            ("lastChangedFrom", v.kst_iso(now - timedelta(minutes=5))), ("lastChangedTo", v.kst_iso(now)),
            ("limitCount", "1")]))
        return ConnectionStatus(ok=True, account_name=self.credentials.account_id or self.credentials.client_id,
                                detail="토큰 발급과 주문 변경 조회에 성공했습니다")
