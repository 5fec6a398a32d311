"""Shopify orders: collection and the status table.

Orders by `updated_at` window (UTC `Z` in the search query), sortKey UPDATED_AT, cursor paging through
`pageInfo { hasNextPage endCursor }`; line items beyond the first page are fetched per order. REST
order shapes (webhooks `orders/create`, legacy REST) parse too: `parse_rest_order`. Shopify has no
발주확인: `confirm_orders` raises UnsupportedOperation (capabilities.confirm False)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .. import values as v
from ..base import parse_many
from ..errors import (
    BusinessError,
    MalformedPayload,
    UnsupportedOperation,
)
from ..models import (
    ChannelOrder,
    Claim,
    ConfirmResult,
    FetchWindow,
    Marketplace,
    OrderPage,
    OrderStatus,
    Progress,
    RecordError,
)
from .auth import MP
from .transport import connection_nodes, gid_tail, next_page_query, order_gid

LINE_ITEMS_PAGE = 20  # 25 × (1 + 20) ≈ 527 requested points: under the 1000-point bucket

UTC_ZONE = ZoneInfo("UTC")


_LINE_FIELDS = """
        id name title variantTitle sku quantity currentQuantity unfulfilledQuantity
        originalUnitPriceSet { shopMoney { amount currencyCode } }
        totalDiscountSet { shopMoney { amount currencyCode } }
        discountedTotalSet { shopMoney { amount currencyCode } }
        product { legacyResourceId }
        variant { legacyResourceId sku }"""

_ORDER_FIELDS = f"""
      id legacyResourceId name createdAt processedAt updatedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus returnStatus currencyCode email phone note
      fulfillments(first: 20) {{ createdAt displayStatus trackingInfo {{ company number }} }}
      customer {{ displayName }}
      shippingAddress {{ name phone zip address1 address2 city province countryCodeV2 }}
      totalShippingPriceSet {{ shopMoney {{ amount currencyCode }} }}
      lineItems(first: {LINE_ITEMS_PAGE}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{{_LINE_FIELDS}
        }}
      }}"""

ORDERS_QUERY = f"""query Orders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{{_ORDER_FIELDS}
    }}
  }}
}}"""

ORDER_QUERY = f"""query Order($id: ID!) {{
  order(id: $id) {{{_ORDER_FIELDS}
  }}
}}"""

LINE_ITEMS_QUERY = next_page_query("OrderLineItems", "order", "lineItems", LINE_ITEMS_PAGE, _LINE_FIELDS)


def line_id(order_id: str, line_item_id: str) -> str:
    return f"{order_id}-{line_item_id}"


def canonical_status(financial: str, fulfillment: str, cancelled: bool, line_unfulfilled: int | None,
                     field: str) -> OrderStatus:
    financial, fulfillment = financial.upper(), (fulfillment or "UNFULFILLED").upper()
    if cancelled or financial == "VOIDED":
        return OrderStatus.CANCELLED
    if financial == "REFUNDED":
        return OrderStatus.RETURNED
    if financial in ("PENDING", "EXPIRED"):
        return OrderStatus.HOLD
    mapping = {
        "UNFULFILLED": OrderStatus.NEW, "OPEN": OrderStatus.NEW, "PENDING_FULFILLMENT": OrderStatus.NEW,
        "SCHEDULED": OrderStatus.NEW, "IN_PROGRESS": OrderStatus.READY, "FULFILLED": OrderStatus.SHIPPED,
        "ON_HOLD": OrderStatus.HOLD, "REQUEST_DECLINED": OrderStatus.HOLD, "RESTOCKED": OrderStatus.RETURNED,
        "PARTIAL": OrderStatus.NEW, "PARTIALLY_FULFILLED": OrderStatus.NEW,
    }
    if fulfillment not in mapping:
        raise MalformedPayload(field, "알 수 없는 배송 상태입니다", marketplace=MP, value=fulfillment)
    if fulfillment in ("PARTIAL", "PARTIALLY_FULFILLED") and line_unfulfilled == 0:
        return OrderStatus.SHIPPED
    return mapping[fulfillment]


# The status tables. Progress by displayFinancialStatus first (a cancelled, voided or refunded order is
# over; an unpaid one waits), then by displayFulfillmentStatus; a fulfilment's displayStatus carries
# it on to in transit / delivered. Shopify buyers cannot ask to cancel: cancellations and refunds are
# decided ones; a return the buyer requested (returnStatus) is the pending claim.
FINANCIAL_PROGRESS = {
    "PENDING": Progress.WAITING, "EXPIRED": Progress.WAITING, "VOIDED": Progress.CANCELLED,
    "REFUNDED": Progress.CANCELLED,  # RETURNED when the goods had been fulfilled
    "AUTHORIZED": None, "PARTIALLY_PAID": None, "PAID": None, "PARTIALLY_REFUNDED": None,
}
FULFILLMENT_PROGRESS = {
    "UNFULFILLED": Progress.PAID, "OPEN": Progress.PAID, "PENDING_FULFILLMENT": Progress.PAID,
    "SCHEDULED": Progress.PAID, "IN_PROGRESS": Progress.CONFIRMED, "FULFILLED": Progress.SHIPPED,
    "ON_HOLD": Progress.WAITING, "REQUEST_DECLINED": Progress.WAITING, "RESTOCKED": Progress.RETURNED,
    "PARTIAL": Progress.PAID, "PARTIALLY_FULFILLED": Progress.PAID,  # SHIPPED for a line with nothing left
}
# a fulfilment's displayStatus (GraphQL) / shipment_status (REST) → progress after dispatch
SHIPMENT_PROGRESS = {
    "IN_TRANSIT": Progress.IN_TRANSIT, "OUT_FOR_DELIVERY": Progress.IN_TRANSIT, "ATTEMPTED_DELIVERY": Progress.IN_TRANSIT,
    "READY_FOR_PICKUP": Progress.IN_TRANSIT, "PICKED_UP": Progress.DELIVERED, "DELIVERED": Progress.DELIVERED,
}
RETURN_CLAIM = {"RETURN_REQUESTED": Claim.RETURN, "IN_PROGRESS": Claim.RETURN}
_SHIPPED = (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED)


def marketplace_state(financial: str, fulfillment: str, cancelled: bool, line_unfulfilled: int | None,
                      shipment_status: str = "", return_status: str = "",
                      field: str = "displayFulfillmentStatus") -> tuple[Progress, Claim]:
    """(progress, pending claim) of one line item by the tables above."""
    financial, fulfillment = financial.upper(), (fulfillment or "UNFULFILLED").upper()
    if fulfillment not in FULFILLMENT_PROGRESS:
        raise MalformedPayload(field, "알 수 없는 배송 상태입니다", marketplace=MP, value=fulfillment)
    progress = FULFILLMENT_PROGRESS[fulfillment]
    if fulfillment in ("PARTIAL", "PARTIALLY_FULFILLED") and line_unfulfilled == 0:
        progress = Progress.SHIPPED
    if progress == Progress.SHIPPED:
        progress = SHIPMENT_PROGRESS.get((shipment_status or "").upper(), progress)
    ended = Progress.CANCELLED if cancelled else FINANCIAL_PROGRESS.get(financial)
    if ended == Progress.CANCELLED and progress in _SHIPPED:
        ended = Progress.RETURNED  # refunded after it left: the goods come back (or stay with the buyer)
    if ended is not None:
        return ended, Claim.NONE
    return progress, RETURN_CLAIM.get((return_status or "").upper(), Claim.NONE)


def _last_fulfillment(nodes: Any, field: str) -> tuple[str, str, str, datetime | None]:
    """(company, number, displayStatus, createdAt) of the newest fulfilment with a tracking number."""
    if not isinstance(nodes, list):
        return "", "", "", None
    for index in range(len(nodes) - 1, -1, -1):
        node = nodes[index]
        if not isinstance(node, Mapping):
            continue
        infos = node.get("trackingInfo") if "trackingInfo" in node else [
            {"company": node.get("tracking_company"), "number": node.get("tracking_number")}]
        for info in infos or []:
            if isinstance(info, Mapping) and info.get("number"):
                at = v.timestamp(node.get("createdAt") or node.get("created_at"), f"{field}[{index}].createdAt",
                                 marketplace=MP, naive_tz=UTC_ZONE, required=False)
                status = node.get("displayStatus") or node.get("shipment_status") or ""
                return (v.text(info.get("company"), f"{field}[{index}].trackingInfo.company", marketplace=MP),
                        v.text(info.get("number"), f"{field}[{index}].trackingInfo.number", marketplace=MP),
                        str(status), at)
    return "", "", "", None


def _money(node: Any, field: str) -> tuple[int, str]:
    """A MoneyBag ({shopMoney{amount currencyCode}}) → (minor units, currency)."""
    if node is None:
        return 0, ""
    if not isinstance(node, Mapping) or not isinstance(node.get("shopMoney"), Mapping):
        raise MalformedPayload(field, "금액(shopMoney)이 아닙니다", marketplace=MP, value=node)
    shop_money = node["shopMoney"]
    currency = v.text(shop_money.get("currencyCode"), f"{field}.shopMoney.currencyCode", marketplace=MP, required=True)
    return v.minor_units(shop_money.get("amount"), currency, f"{field}.shopMoney.amount", marketplace=MP), currency


def parse_graphql_order(node: Mapping[str, Any], prefix: str = "",
                        extra_lines: Sequence[Mapping[str, Any]] = ()) -> list[ChannelOrder]:
    """One GraphQL Order node → one ChannelOrder per line item."""
    if not isinstance(node, Mapping):
        raise MalformedPayload(prefix or "(최상위)", "객체가 아닙니다", marketplace=MP, value=node)

    def p(name: str) -> str:
        return v.field_path(prefix, name)

    def txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
        return v.text(obj.get(name), v.field_path(base, name), marketplace=MP, required=required)

    order_id = node.get("legacyResourceId") or gid_tail(node.get("id"), p("id"))
    order_id = v.text(order_id, p("legacyResourceId"), marketplace=MP, required=True)
    created = v.timestamp(node.get("createdAt"), p("createdAt"), marketplace=MP, naive_tz=UTC_ZONE)
    processed = v.timestamp(node.get("processedAt"), p("processedAt"), marketplace=MP, naive_tz=UTC_ZONE,
                            required=False)
    updated = v.timestamp(node.get("updatedAt"), p("updatedAt"), marketplace=MP, naive_tz=UTC_ZONE, required=False)
    financial = txt(node, prefix, "displayFinancialStatus")
    fulfillment = txt(node, prefix, "displayFulfillmentStatus")
    cancelled = bool(node.get("cancelledAt"))
    currency = txt(node, prefix, "currencyCode") or "KRW"
    company, number, shipment, shipped_at = _last_fulfillment(node.get("fulfillments"), p("fulfillments"))
    return_status = txt(node, prefix, "returnStatus")
    shipping, _ = _money(node.get("totalShippingPriceSet"), p("totalShippingPriceSet"))
    address = v.obj(node, "shippingAddress", prefix, marketplace=MP)
    ap = p("shippingAddress")
    customer = v.obj(node, "customer", prefix, marketplace=MP)
    lines = [*connection_nodes(node.get("lineItems"), p("lineItems")), *extra_lines]
    if not lines:
        raise MalformedPayload(p("lineItems"), "주문 상품이 없습니다", marketplace=MP)

    result = []
    for index, line in enumerate(lines):
        lp = f"{p('lineItems')}.nodes[{index}]"
        if not isinstance(line, Mapping):
            raise MalformedPayload(lp, "객체가 아닙니다", marketplace=MP, value=line)
        quantity = v.integer(line.get("quantity"), f"{lp}.quantity", marketplace=MP)
        current = line.get("currentQuantity")
        current_qty = quantity if current is None else v.integer(current, f"{lp}.currentQuantity", marketplace=MP)
        unfulfilled = line.get("unfulfilledQuantity")
        unfulfilled_qty = None if unfulfilled is None else v.integer(unfulfilled, f"{lp}.unfulfilledQuantity",
                                                                     marketplace=MP)
        unit, line_currency = _money(line.get("originalUnitPriceSet"), f"{lp}.originalUnitPriceSet")
        discount, _ = _money(line.get("totalDiscountSet"), f"{lp}.totalDiscountSet")
        total_value = line.get("discountedTotalSet")
        total = (_money(total_value, f"{lp}.discountedTotalSet")[0] if total_value is not None
                 else unit * quantity - discount)
        product = line.get("product") if isinstance(line.get("product"), Mapping) else {}
        variant = line.get("variant") if isinstance(line.get("variant"), Mapping) else {}
        status = canonical_status(financial, fulfillment, cancelled, unfulfilled_qty, p("displayFulfillmentStatus"))
        progress, claim = marketplace_state(financial, fulfillment, cancelled, unfulfilled_qty, shipment, return_status,
                                            p("displayFulfillmentStatus"))
        if not cancelled and quantity and current_qty == 0:
            status = OrderStatus.CANCELLED  # the line was removed/refunded to zero
            progress, claim = Progress.CANCELLED, Claim.NONE
        shipped = progress in _SHIPPED
        result.append(ChannelOrder(
            marketplace=Marketplace.SHOPIFY,
            order_id=order_id,
            order_line_id=line_id(order_id, gid_tail(line.get("id"), f"{lp}.id")),
            bundle_id=order_id,
            ordered_at=created,
            paid_at=processed if financial.upper() in ("PAID", "PARTIALLY_REFUNDED", "PARTIALLY_PAID") else None,
            changed_at=updated,
            status=status,
            raw_status=f"{financial}/{fulfillment}",
            raw_claim_status=f"RETURN:{return_status}" if claim else "",
            progress=progress,
            claim=claim,
            tracking_number=number if shipped else "",
            carrier_code=company if shipped else "",
            dispatched_at=shipped_at if shipped else None,
            buyer_name=txt(customer, p("customer"), "displayName") or txt(address, ap, "name"),
            buyer_phone=txt(node, prefix, "phone"),
            buyer_email=txt(node, prefix, "email"),
            recipient_name=txt(address, ap, "name"),
            recipient_phone=txt(address, ap, "phone"),
            recipient_postal_code=txt(address, ap, "zip"),
            recipient_address1=txt(address, ap, "address1"),
            recipient_address2=txt(address, ap, "address2"),
            recipient_city=txt(address, ap, "city"),
            recipient_region=txt(address, ap, "province"),
            recipient_country=txt(address, ap, "countryCodeV2") or "KR",
            delivery_message=txt(node, prefix, "note"),
            channel_product_id=str(product.get("legacyResourceId") or ""),
            channel_option_id=str(variant.get("legacyResourceId") or ""),
            product_name=txt(line, lp, "title") or txt(line, lp, "name"),
            option_text=txt(line, lp, "variantTitle"),
            seller_option_code=txt(line, lp, "sku") or v.text(variant.get("sku"), f"{lp}.variant.sku", marketplace=MP),
            quantity=quantity,
            cancelled_quantity=max(0, quantity - current_qty),
            currency=line_currency or currency,
            unit_price=unit,
            discount_amount=discount,
            total_amount=total,
            shipping_fee=shipping if index == 0 else 0,
            raw=dict(node),
        ))
    return result


def parse_rest_order(order: Mapping[str, Any], prefix: str = "") -> list[ChannelOrder]:
    """A REST/webhook order (`orders/create` payload, legacy REST) → one ChannelOrder per line item."""
    if not isinstance(order, Mapping):
        raise MalformedPayload(prefix or "(최상위)", "객체가 아닙니다", marketplace=MP, value=order)

    def p(name: str) -> str:
        return v.field_path(prefix, name)

    def txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
        return v.text(obj.get(name), v.field_path(base, name), marketplace=MP, required=required)

    order_id = txt(order, prefix, "id", True)
    currency = txt(order, prefix, "currency") or "KRW"
    created = v.timestamp(order.get("created_at"), p("created_at"), marketplace=MP, naive_tz=UTC_ZONE)
    processed = v.timestamp(order.get("processed_at"), p("processed_at"), marketplace=MP, naive_tz=UTC_ZONE,
                            required=False)
    updated = v.timestamp(order.get("updated_at"), p("updated_at"), marketplace=MP, naive_tz=UTC_ZONE, required=False)
    financial = txt(order, prefix, "financial_status")
    fulfillment = txt(order, prefix, "fulfillment_status") or "unfulfilled"
    cancelled = bool(order.get("cancelled_at"))
    company, number, shipment, shipped_at = _last_fulfillment(order.get("fulfillments"), p("fulfillments"))
    address = v.obj(order, "shipping_address", prefix, marketplace=MP)
    ap = p("shipping_address")
    customer = v.obj(order, "customer", prefix, marketplace=MP)
    cp = p("customer")
    shipping = 0
    for i, shipping_line in enumerate(order.get("shipping_lines") or []):
        shipping += v.minor_units(shipping_line.get("price"), currency, f"{p('shipping_lines')}[{i}].price",
                                  marketplace=MP)
    lines = order.get("line_items")
    if not isinstance(lines, list) or not lines:
        raise MalformedPayload(p("line_items"), "주문 상품이 없습니다", marketplace=MP, value=lines)
    buyer = " ".join(x for x in (txt(customer, cp, "first_name"), txt(customer, cp, "last_name")) if x)

    result = []
    for index, line in enumerate(lines):
        lp = f"{p('line_items')}[{index}]"
        if not isinstance(line, Mapping):
            raise MalformedPayload(lp, "객체가 아닙니다", marketplace=MP, value=line)
        quantity = v.integer(line.get("quantity"), f"{lp}.quantity", marketplace=MP)
        unit = v.minor_units(line.get("price"), currency, f"{lp}.price", marketplace=MP)
        discount = v.minor_units(line.get("total_discount"), currency, f"{lp}.total_discount", marketplace=MP)
        line_fulfillment = txt(line, lp, "fulfillment_status")
        status = canonical_status(financial or "paid", fulfillment, cancelled,
                                  0 if line_fulfillment == "fulfilled" else None, p("fulfillment_status"))
        progress, claim = marketplace_state(financial or "paid", fulfillment, cancelled,
                                            0 if line_fulfillment == "fulfilled" else None, shipment, "",
                                            p("fulfillment_status"))
        shipped = progress in _SHIPPED
        result.append(ChannelOrder(
            marketplace=Marketplace.SHOPIFY,
            order_id=order_id,
            order_line_id=line_id(order_id, txt(line, lp, "id", True)),
            bundle_id=order_id,
            ordered_at=created,
            paid_at=processed if financial in ("paid", "partially_refunded", "partially_paid") else None,
            changed_at=updated,
            status=status,
            raw_status=f"{financial.upper()}/{fulfillment.upper()}",
            progress=progress,
            claim=claim,
            tracking_number=number if shipped else "",
            carrier_code=company if shipped else "",
            dispatched_at=shipped_at if shipped else None,
            buyer_name=buyer or txt(address, ap, "name"),
            buyer_phone=txt(order, prefix, "phone") or txt(customer, cp, "phone"),
            buyer_email=txt(order, prefix, "email"),
            recipient_name=txt(address, ap, "name"),
            recipient_phone=txt(address, ap, "phone"),
            recipient_postal_code=txt(address, ap, "zip"),
            recipient_address1=txt(address, ap, "address1"),
            recipient_address2=txt(address, ap, "address2"),
            recipient_city=txt(address, ap, "city"),
            recipient_region=txt(address, ap, "province"),
            recipient_country=txt(address, ap, "country_code") or "KR",
            delivery_message=txt(order, prefix, "note"),
            channel_product_id=txt(line, lp, "product_id"),
            channel_option_id=txt(line, lp, "variant_id"),
            product_name=txt(line, lp, "title") or txt(line, lp, "name"),
            option_text=txt(line, lp, "variant_title"),
            seller_option_code=txt(line, lp, "sku"),
            quantity=quantity,
            currency=currency,
            unit_price=unit,
            discount_amount=discount,
            total_amount=unit * quantity - discount,
            shipping_fee=shipping if index == 0 else 0,
            raw=dict(order),
        ))
    return result


def parse_payload(payload: Any) -> list[ChannelOrder]:
    """Any Shopify order payload → order lines: GraphQL responses ({data:{orders}} / {data:{order}}),
    a GraphQL Order node, REST {order} / {orders:[…]}, or a webhook order body. Strict."""
    if isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping):
        data = payload["data"]
        if "orders" in data:
            return [line for i, node in enumerate(connection_nodes(data["orders"], "data.orders"))
                    for line in parse_graphql_order(node, f"data.orders.nodes[{i}]")]
        if "order" in data:
            return parse_graphql_order(data["order"], "data.order")
    if isinstance(payload, Mapping) and isinstance(payload.get("orders"), list):
        return [line for i, order in enumerate(payload["orders"]) for line in parse_rest_order(order, f"orders[{i}]")]
    if isinstance(payload, Mapping) and isinstance(payload.get("order"), Mapping):
        return parse_rest_order(payload["order"], "order")
    if isinstance(payload, Mapping) and "lineItems" in payload:
        return parse_graphql_order(payload)
    if isinstance(payload, Mapping) and "line_items" in payload:
        return parse_rest_order(payload)
    raise MalformedPayload("(최상위)", "Shopify 주문 데이터가 아닙니다", marketplace=MP)


def _ids(node: Any) -> tuple[str, str]:
    if not isinstance(node, Mapping):
        return "", ""
    return str(node.get("legacyResourceId") or str(node.get("id") or "").rsplit("/", 1)[-1]), ""


class ShopifyOrders:
    """Order collection (mixed into ShopifyConnector)."""

    def _remaining_lines(self, node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        connection = node.get("lineItems") if isinstance(node, Mapping) else None
        page_info = (connection or {}).get("pageInfo") or {} if isinstance(connection, Mapping) else {}
        extra: list[Mapping[str, Any]] = []
        after = page_info.get("endCursor")
        while page_info.get("hasNextPage") and after:
            data = self._graphql(LINE_ITEMS_QUERY, {"id": node.get("id"), "after": after})
            connection = ((data.get("order") or {}).get("lineItems")) or {}
            extra.extend(connection_nodes(connection, "data.order.lineItems"))
            page_info = connection.get("pageInfo") or {}
            after = page_info.get("endCursor")
        return extra

    def _parse_nodes(self, nodes: Sequence[Any], prefix: str) -> tuple[list[ChannelOrder], list[RecordError]]:
        def parse(node: Any, path: str) -> list[ChannelOrder]:
            return parse_graphql_order(node, path, self._remaining_lines(node) if isinstance(node, Mapping) else ())

        return parse_many(nodes, parse, prefix, _ids)

    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        search = f"updated_at:>='{v.utc_z(window.start)}' AND updated_at:<='{v.utc_z(window.end)}'"
        data = self._graphql(ORDERS_QUERY, {"first": self.page_size, "after": cursor or None, "query": search})
        connection = data.get("orders")
        nodes = connection_nodes(connection, "data.orders")
        orders, errors = self._parse_nodes(nodes, "data.orders.nodes")
        page_info = connection.get("pageInfo") or {} if isinstance(connection, Mapping) else {}
        has_more = bool(page_info.get("hasNextPage"))
        end_cursor = page_info.get("endCursor") if has_more else None
        if has_more and not end_cursor:
            raise MalformedPayload("data.orders.pageInfo.endCursor", "다음 페이지 커서가 없습니다", marketplace=MP)
        return OrderPage(orders=orders, errors=errors, has_more=has_more, next_cursor=end_cursor)

    def get_order(self, order_line_id: str) -> ChannelOrder:
        order_id, sep, _ = order_line_id.partition("-")
        if not sep or not order_id.isdigit():
            raise BusinessError(f"Shopify 주문라인 번호 형식이 아닙니다 (주문ID-라인ID): {order_line_id!r}",
                                marketplace=MP, code="BAD_LINE_ID")
        node = self._graphql(ORDER_QUERY, {"id": order_gid(order_id)}).get("order")
        if not node:
            raise BusinessError(f"주문을 찾을 수 없습니다: {order_id}", marketplace=MP, code="NOT_FOUND", status=404)
        for order in parse_graphql_order(node, "data.order", self._remaining_lines(node)):
            if order.order_line_id == order_line_id:
                return order
        raise BusinessError(f"주문에 해당 라인이 없습니다: {order_line_id}", marketplace=MP, code="NOT_FOUND", status=404)

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        raise UnsupportedOperation("Shopify에는 발주확인 기능이 없습니다", marketplace=MP)
