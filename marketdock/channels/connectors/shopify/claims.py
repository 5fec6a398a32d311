"""Shopify claims: returns (and exchanges, which are returns with exchange line items) and order
cancellations, read from the orders updated in the window; decisions through the Admin GraphQL API.

- A return line item is one claim `{returnId}:{returnLineItemId}` on the order line of its fulfilment
  line item; a cancelled order is one completed cancel claim per line `cancel-{orderId}-{lineItemId}`.
  Shopify buyers cannot ask to cancel: cancels are the seller's (or Shopify's, for fraud).
- Decisions: returnApproveRequest (approve a requested return), returnDeclineRequest (reject, with a
  ReturnDeclineReason), orderCancel (판매자 취소: Shopify cancels whole orders, restocking and refunding),
  returnClose (COMPLETE: the goods of an OPEN return came back and were inspected → CLOSED; the refund
  stays the seller's in the Shopify admin, as this connector never refunds a return).
  Shopify has no hold and no re-ship call for returns: those are refused here with the reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from .. import values as v
from ..cs_models import (
    ChannelClaim,
    ClaimAction,
    ClaimDecision,
    ClaimDecisionResult,
    ClaimKind,
    ClaimPage,
    ClaimProgress,
    ClaimRequester,
)
from ..errors import MalformedPayload
from ..models import FetchWindow, LineFailure, Marketplace, RecordError
from .auth import MP
from .orders import line_id
from .transport import connection_nodes, gid_tail, next_page_query, order_gid, user_errors

CLAIMS_PAGE = 10  # orders per page: their returns and line items stay well under the cost bucket
LINES_PAGE = 20  # line items (and return line items) per page; the rest are read page by page
RETURNS_PAGE = 10
_RETURN_FIELDS = f"""
          id name status createdAt closedAt
          decline {{ reason note }}
          exchangeLineItems(first: 5) {{ nodes {{ id }} }}
          returnLineItems(first: {LINES_PAGE}) {{
            pageInfo {{ hasNextPage endCursor }}
            nodes {{{{RETURN_LINE_FIELDS}}}}
          }}"""
_RETURN_LINE_FIELDS = """
              id quantity returnReason returnReasonNote customerNote
              ... on ReturnLineItem { fulfillmentLineItem { lineItem { id } } }"""
_RETURN_FIELDS = _RETURN_FIELDS.replace("{RETURN_LINE_FIELDS}", _RETURN_LINE_FIELDS)
CLAIMS_QUERY = f"""query OrderClaims($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id legacyResourceId updatedAt cancelledAt cancelReason currencyCode
      lineItems(first: {LINES_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id quantity }} }}
      returns(first: {RETURNS_PAGE}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{{_RETURN_FIELDS}
        }}
      }}
    }}
  }}
}}"""
# the pages after the first of an order's nested connections
CLAIM_LINES_QUERY = next_page_query("OrderClaimLines", "order", "lineItems", LINES_PAGE, " id quantity")
RETURNS_QUERY = next_page_query("OrderReturns", "order", "returns", RETURNS_PAGE, _RETURN_FIELDS)
RETURN_LINES_QUERY = next_page_query("ReturnLines", "return", "returnLineItems", LINES_PAGE, _RETURN_LINE_FIELDS)
RETURN_APPROVE = """mutation ReturnApprove($input: ReturnApproveRequestInput!) {
  returnApproveRequest(input: $input) { return { id status } userErrors { field message } }
}"""
RETURN_DECLINE = """mutation ReturnDecline($input: ReturnDeclineRequestInput!) {
  returnDeclineRequest(input: $input) { return { id status } userErrors { field message } }
}"""
RETURN_CLOSE = """mutation ReturnClose($id: ID!) {
  returnClose(id: $id) { return { id status } userErrors { field message } }
}"""
ORDER_CANCEL = """mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, restock: true, refund: true, notifyCustomer: true,
              staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""

# THE status table: Shopify ReturnStatus → how far Shopify has taken the return
RETURN_PROGRESS: dict[str, ClaimProgress] = {
    "REQUESTED": ClaimProgress.REQUESTED,  # the buyer asked; the seller approves or declines
    "OPEN": ClaimProgress.APPROVED,  # approved, items on their way back / being processed
    "CLOSED": ClaimProgress.COMPLETED,
    "DECLINED": ClaimProgress.REJECTED,
    "CANCELED": ClaimProgress.WITHDRAWN,
}


def _unless_done(answer: Mapping[str, Any], done: tuple[str, ...]) -> list[dict[str, Any]]:
    """The mutation's user errors, none when the return already stands where the decision takes it: a
    retry after an answer lost on the way (a timeout) finds its own decision applied."""
    errors = user_errors(answer)
    status = (answer.get("return") or {}).get("status") if isinstance(answer.get("return"), Mapping) else None
    return [] if errors and status in done else errors


DECLINE_REASONS = ("FINAL_SALE", "RETURN_PERIOD_ENDED", "OTHER")
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF")


def _cancel_claims(node: Mapping[str, Any], prefix: str, order_id: str) -> list[ChannelClaim]:
    at = v.timestamp(node.get("cancelledAt"), f"{prefix}.cancelledAt", marketplace=MP)
    reason = v.text(node.get("cancelReason"), f"{prefix}.cancelReason", marketplace=MP)
    requester = {"CUSTOMER": ClaimRequester.BUYER, "FRAUD": ClaimRequester.MARKETPLACE}.get(
        reason, ClaimRequester.SELLER)
    claims = []
    for i, line in enumerate(connection_nodes(node.get("lineItems") or {}, f"{prefix}.lineItems")):
        item = gid_tail(line.get("id"), f"{prefix}.lineItems.nodes[{i}].id")
        claims.append(ChannelClaim(
            marketplace=Marketplace.SHOPIFY, claim_id=f"cancel-{order_id}-{item}", kind=ClaimKind.CANCEL,
            order_id=order_id, order_line_id=line_id(order_id, item),
            quantity=max(1, v.integer(line.get("quantity"), f"{prefix}.lineItems.nodes[{i}].quantity",
                                      marketplace=MP)),
            progress=ClaimProgress.COMPLETED, raw_status=f"CANCELLED:{reason}", requester=requester,
            reason_code=reason, requested_at=at, decided_at=at, completed_at=at,
            currency=str(node.get("currencyCode") or "KRW"), raw={"order": order_id, "cancelReason": reason}))
    return claims


def _return_claims(ret: Mapping[str, Any], prefix: str, order_id: str, currency: str) -> list[ChannelClaim]:
    return_id = gid_tail(ret.get("id"), f"{prefix}.id")
    status = v.text(ret.get("status"), f"{prefix}.status", marketplace=MP, required=True)
    if status not in RETURN_PROGRESS:
        raise MalformedPayload(f"{prefix}.status", "알 수 없는 반품 상태입니다", marketplace=MP, value=status)
    exchange = bool(connection_nodes(ret.get("exchangeLineItems") or {"nodes": []}, f"{prefix}.exchangeLineItems"))
    requested = v.timestamp(ret.get("createdAt"), f"{prefix}.createdAt", marketplace=MP)
    closed = v.timestamp(ret.get("closedAt"), f"{prefix}.closedAt", marketplace=MP, required=False)
    claims = []
    for i, item in enumerate(connection_nodes(ret.get("returnLineItems") or {}, f"{prefix}.returnLineItems")):
        ip = f"{prefix}.returnLineItems.nodes[{i}]"
        line = ((item.get("fulfillmentLineItem") or {}).get("lineItem") or {}).get("id")
        if line is None:
            continue  # an unverified line item (not from a fulfilment): no order line to hang it on
        item_id = gid_tail(line, f"{ip}.fulfillmentLineItem.lineItem.id")
        claims.append(ChannelClaim(
            marketplace=Marketplace.SHOPIFY, claim_id=f"{return_id}:{gid_tail(item.get('id'), f'{ip}.id')}",
            kind=ClaimKind.EXCHANGE if exchange else ClaimKind.RETURN, order_id=order_id,
            order_line_id=line_id(order_id, item_id),
            quantity=max(1, v.integer(item.get("quantity"), f"{ip}.quantity", marketplace=MP)),
            progress=RETURN_PROGRESS[status], raw_status=status,
            reason_code=v.text(item.get("returnReason"), f"{ip}.returnReason", marketplace=MP),
            reason_text=v.text(item.get("customerNote"), f"{ip}.customerNote", marketplace=MP)
            or v.text(item.get("returnReasonNote"), f"{ip}.returnReasonNote", marketplace=MP),
            requested_at=requested, completed_at=closed, currency=currency, raw=dict(ret)))
    return claims


def parse_order_claims(node: Mapping[str, Any], prefix: str = "") -> list[ChannelClaim]:
    """One order node of CLAIMS_QUERY → its cancel and return claims."""
    order_id = v.text(node.get("legacyResourceId"), f"{prefix}.legacyResourceId", marketplace=MP, required=True)
    claims = _cancel_claims(node, prefix, order_id) if node.get("cancelledAt") else []
    currency = str(node.get("currencyCode") or "KRW")
    for i, ret in enumerate(connection_nodes(node.get("returns") or {"nodes": []}, f"{prefix}.returns")):
        claims.extend(_return_claims(ret, f"{prefix}.returns.nodes[{i}]", order_id, currency))
    return claims


def parse_claims_page(nodes: Sequence[Any], prefix: str) -> tuple[list[ChannelClaim], list[RecordError]]:
    claims: list[ChannelClaim] = []
    errors: list[RecordError] = []
    for i, node in enumerate(nodes):
        path = f"{prefix}[{i}]"
        try:
            claims.extend(parse_order_claims(node, path))
        except MalformedPayload as exc:
            errors.append(RecordError(order_id=str((node or {}).get("legacyResourceId") or ""), field=exc.field,
                                      message=str(exc), raw=dict(node) if isinstance(node, Mapping) else {}))
        except ValidationError as exc:
            errors.append(RecordError(order_id=str((node or {}).get("legacyResourceId") or ""), field=path,
                                      message=exc.errors()[0]["msg"], raw=dict(node)))
    return claims, errors


def _rest(connection: Any) -> str | None:
    """The cursor of a nested connection's next page (None when it has none or the page is not a
    connection: the parser reports that)."""
    page_info = connection.get("pageInfo") if isinstance(connection, Mapping) else None
    if isinstance(page_info, Mapping) and page_info.get("hasNextPage") and page_info.get("endCursor"):
        return str(page_info["endCursor"])
    return None


class ShopifyClaims:
    """fetch_claims / decide_claims (mixed into ShopifyConnector)."""

    def _follow(self, query: str, gid: Any, root: str, field: str, connection: Mapping[str, Any]) -> dict[str, Any]:
        """`connection` with the nodes of all its further pages (read by `query` on `root(id: gid)`)."""
        nodes = list(connection.get("nodes") or [])
        after = _rest(connection)
        while after:
            data = self._graphql(query, {"id": gid, "after": after})
            page = (data.get(root) or {}).get(field) if isinstance(data.get(root), Mapping) else None
            nodes.extend(connection_nodes(page, f"data.{root}.{field}"))
            after = _rest(page)
        return {**connection, "nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": None}}

    def _complete(self, node: Any) -> Any:
        """An order node of CLAIMS_QUERY with every page of its nested connections: the line items of a
        cancelled order (one cancel claim per line), its returns, and each return's line items."""
        if not isinstance(node, Mapping) or not node.get("id"):
            return node
        node = dict(node)
        if node.get("cancelledAt") and _rest(node.get("lineItems")):
            node["lineItems"] = self._follow(CLAIM_LINES_QUERY, node["id"], "order", "lineItems", node["lineItems"])
        if _rest(node.get("returns")):
            node["returns"] = self._follow(RETURNS_QUERY, node["id"], "order", "returns", node["returns"])
        returns = node.get("returns")
        if isinstance(returns, Mapping) and isinstance(returns.get("nodes"), list) and any(
                _rest((ret or {}).get("returnLineItems")) for ret in returns["nodes"] if isinstance(ret, Mapping)):
            node["returns"] = {**returns, "nodes": [
                {**ret, "returnLineItems": self._follow(RETURN_LINES_QUERY, ret.get("id"), "return", "returnLineItems",
                                                        ret["returnLineItems"])}
                if isinstance(ret, Mapping) and _rest(ret.get("returnLineItems")) else ret
                for ret in returns["nodes"]]}
        return node

    def fetch_claims(self, window: FetchWindow, cursor: str | None = None) -> ClaimPage:
        search = f"updated_at:>='{v.utc_z(window.start)}' AND updated_at:<='{v.utc_z(window.end)}'"
        data = self._graphql(CLAIMS_QUERY, {"first": min(CLAIMS_PAGE, self.page_size), "after": cursor or None,
                                            "query": search})
        connection = data.get("orders")
        nodes = [self._complete(node) for node in connection_nodes(connection, "data.orders")]
        claims, errors = parse_claims_page(nodes, "data.orders.nodes")
        page_info = connection.get("pageInfo") or {}
        has_more = bool(page_info.get("hasNextPage"))
        end_cursor = page_info.get("endCursor") if has_more else None
        if has_more and not end_cursor:
            raise MalformedPayload("data.orders.pageInfo.endCursor", "다음 페이지 커서가 없습니다", marketplace=MP)
        return ClaimPage(claims=claims, errors=errors, has_more=has_more, next_cursor=end_cursor)

    def _decide_one(self, item: ClaimDecision) -> list[dict[str, Any]]:
        """The user errors of the one mutation a decision is (empty: accepted)."""
        if item.action == ClaimAction.SELLER_CANCEL:
            reason = item.reason_code if item.reason_code in CANCEL_REASONS else "INVENTORY"
            answer = self._graphql(ORDER_CANCEL, {"orderId": order_gid(item.order_id), "reason": reason,
                                                  "staffNote": item.memo or None}).get("orderCancel") or {}
            return list(answer.get("orderCancelUserErrors") or []) + user_errors(answer)
        return_gid = f"gid://shopify/Return/{item.claim_id.split(':', 1)[0]}"
        if item.kind != ClaimKind.CANCEL and item.action == ClaimAction.APPROVE:
            answer = self._graphql(RETURN_APPROVE, {"input": {"id": return_gid, "notifyCustomer": True}})
            return _unless_done(answer.get("returnApproveRequest") or {}, ("OPEN", "CLOSED"))
        if item.kind == ClaimKind.RETURN and item.action == ClaimAction.COMPLETE:
            answer = self._graphql(RETURN_CLOSE, {"id": return_gid})
            return _unless_done(answer.get("returnClose") or {}, ("CLOSED",))
        if item.kind != ClaimKind.CANCEL and item.action == ClaimAction.REJECT:
            reason = item.reason_code if item.reason_code in DECLINE_REASONS else "OTHER"
            answer = self._graphql(RETURN_DECLINE, {"input": {"id": return_gid, "declineReason": reason,
                                                              "declineNote": item.memo or None}})
            return _unless_done(answer.get("returnDeclineRequest") or {}, ("DECLINED",))
        return [{"message": f"Shopify는 이 처리를 API로 받지 않습니다 ({item.kind.value}/{item.action.value}); "
                            f"Shopify 관리자에서 처리하세요", "code": "UNSUPPORTED"}]

    def decide_claims(self, items: Sequence[ClaimDecision]) -> ClaimDecisionResult:
        result = ClaimDecisionResult()
        for item in items:
            errors = self._decide_one(item)
            if errors:
                result.failed.append(LineFailure(order_line_id=item.order_line_id,
                                                 code=str(errors[0].get("code") or "USER_ERROR"),
                                                 message="; ".join(str(e.get("message")) for e in errors)))
            else:
                result.done.append(item.order_line_id)
        return result
