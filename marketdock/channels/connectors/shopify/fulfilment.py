"""Shopify fulfilment: 발송 = the order's fulfillment orders → `fulfillmentCreate` with trackingInfo
{company, number, url}. Shopify has no 발송지연 (`delay` raises UnsupportedOperation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base import unique_lines
from ..models import (
    DispatchItem,
    DispatchResult,
    LineFailure,
)
from .transport import connection_nodes, order_gid, user_errors

FULFILLMENT_ORDERS_QUERY = """query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 20) {
      nodes { id status lineItems(first: 250) { nodes { id remainingQuantity lineItem { id } } } }
    }
  }
}"""

FULFILLMENT_CREATE = """mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}"""


class ShopifyFulfilment:
    """발송처리 (mixed into ShopifyConnector)."""

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """fulfillmentCreate per (order, tracking number): the order's open fulfillment orders are
        read first, and each line is fulfilled through the fulfillment-order line items that still
        have a remaining quantity. trackingInfo.company is the marketplace carrier code (free text at
        Shopify); `tracking_url` is sent too, because Korean carriers are not auto-linked."""
        result = DispatchResult()
        groups: dict[tuple[str, str, str, str], list[tuple[DispatchItem, str]]] = {}
        for item in unique_lines(items):
            order_id, sep, line_item = item.order_line_id.partition("-")
            problem = item.missing()
            if not sep or not order_id.isdigit() or not line_item.isdigit():
                problem = f"Shopify 주문라인 번호 형식이 아닙니다 (주문ID-라인ID): {item.order_line_id!r}"
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            key = (order_id, item.method, item.marketplace_carrier_code, item.tracking_number)
            groups.setdefault(key, []).append((item, line_item))
        for (order_id, method, company, number), group in groups.items():
            data = self._graphql(FULFILLMENT_ORDERS_QUERY, {"id": order_gid(order_id)})
            order = data.get("order")
            if not order:
                result.failed.extend(LineFailure(order_line_id=item.order_line_id, code="NOT_FOUND",
                                                 message=f"주문을 찾을 수 없습니다: {order_id}") for item, _ in group)
                continue
            open_lines: dict[str, list[tuple[str, str, int]]] = {}  # line item id -> [(fo id, fo line id, remaining)]
            for fo in connection_nodes(order.get("fulfillmentOrders") or {}, "data.order.fulfillmentOrders"):
                if str(fo.get("status") or "").upper() not in ("OPEN", "IN_PROGRESS", "SCHEDULED"):
                    continue
                for fo_line in connection_nodes(fo.get("lineItems") or {}, "fulfillmentOrders.lineItems"):
                    remaining = int(fo_line.get("remainingQuantity") or 0)
                    line_item_id = str((fo_line.get("lineItem") or {}).get("id") or "").rsplit("/", 1)[-1]
                    if remaining > 0:
                        open_lines.setdefault(line_item_id, []).append((fo["id"], fo_line["id"], remaining))
            by_fo: dict[str, list[dict[str, Any]]] = {}
            sending: list[str] = []
            for item, line_item in group:
                targets = open_lines.get(line_item)
                if not targets:
                    result.failed.append(LineFailure(order_line_id=item.order_line_id, code="NOTHING_TO_FULFILL",
                                                     message="발송할 수량이 남아 있지 않습니다 (이미 발송되었거나 취소됨)"))
                    continue
                wanted = item.quantity or sum(t[2] for t in targets)
                for fo_id, fo_line_id, remaining in targets:
                    if wanted <= 0:
                        break
                    take = min(wanted, remaining)
                    by_fo.setdefault(fo_id, []).append({"id": fo_line_id, "quantity": take})
                    wanted -= take
                sending.append(item.order_line_id)
            if not sending:
                continue
            fulfillment: dict[str, Any] = {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": lines}
                                                for fo, lines in by_fo.items()],
                "notifyCustomer": True,
            }
            if method == "parcel":
                info = {"company": company, "number": number}
                url = next((item.tracking_url for item, _ in group if item.tracking_url), "")
                if url:
                    info["url"] = url
                fulfillment["trackingInfo"] = info
            answer = self._graphql(FULFILLMENT_CREATE, {"fulfillment": fulfillment}).get("fulfillmentCreate") or {}
            errors = user_errors(answer)
            if errors:
                message = "; ".join(e["message"] for e in errors)
                result.failed.extend(LineFailure(order_line_id=line, code="USER_ERROR", message=message)
                                     for line in sending)
            else:
                result.sent.extend(sending)
        return result
