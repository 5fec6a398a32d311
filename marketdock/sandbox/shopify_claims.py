"""Sandbox side of Shopify returns and cancellations (Admin GraphQL): `Order.returns` (returns and
exchanges = returns with exchange line items) and `Order.cancelReason` from the claim book, and the
mutations returnApproveRequest, returnDeclineRequest, returnClose (an OPEN return whose goods are in →
CLOSED) and orderCancel with Shopify's userErrors. The
nested connections (`returns`, `returnLineItems`) page by their `first`/`after` arguments, and the root
field `return(id:)` serves one return (its further line items).

Generic claim state → ReturnStatus: requested/held REQUESTED, collecting/collected/reshipped OPEN,
completed CLOSED, rejected DECLINED, withdrawn CANCELED."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from . import claims
from .http import utc_z

if TYPE_CHECKING:
    from .server import SandboxApp
    from .state import Order, Shop

RETURN_STATUS = {"requested": "REQUESTED", "held": "REQUESTED", "collecting": "OPEN", "collected": "OPEN",
                 "reshipped": "OPEN", "completed": "CLOSED", "rejected": "DECLINED", "withdrawn": "CANCELED"}
RETURN_REASON = {"COLOR_AND_SIZE": "SIZE_TOO_SMALL", "BROKEN": "DEFECTIVE", "INTENT_CHANGED": "UNWANTED",
                 "WRONG_DELIVERY": "WRONG_ITEM", "WRONG_OPTION": "COLOR"}


def cancel_reason(shop: Shop, order: Order) -> str | None:
    if not order.cancelled_at:
        return None
    cancel = next((c for c in shop.claims if c.order_seq == order.seq and c.kind == "cancel"), None)
    return "INVENTORY" if cancel is not None and cancel.requester == "seller" else "CUSTOMER"


def _page(items: list[Any], args: dict[str, Any], render) -> dict[str, Any]:
    """A connection over `items` as Shopify pages it: `first` (default 10 here) from after the `after`
    cursor (the offset, base64), with pageInfo {hasNextPage, endCursor}."""
    first = max(1, min(250, int(args.get("first") or 10)))
    try:
        start = int(base64.urlsafe_b64decode(str(args.get("after") or "").encode()).decode() or 0)
    except ValueError:
        start = 0
    chunk = items[start:start + first]
    end = start + len(chunk)
    return {"nodes": [render(item) for item in chunk],
            "pageInfo": {"hasNextPage": end < len(items),
                         "endCursor": base64.urlsafe_b64encode(str(end).encode()).decode() if chunk else None}}


def _groups(shop: Shop, order: Order) -> list[list[claims.SandboxClaim]]:
    groups: dict[str, list[claims.SandboxClaim]] = {}
    for claim in shop.claims:
        if claim.order_seq == order.seq and claim.kind != "cancel":
            groups.setdefault(claim.group_id, []).append(claim)
    return list(groups.values())


def _return_node(shop: Shop, order: Order, group: list[claims.SandboxClaim], index: int) -> dict[str, Any]:
    """One Return; its `returnLineItems` connection pages by the arguments the document gives it."""
    first = group[0]
    lines = {line.line_no: line for line in order.lines}

    def line_item(c: claims.SandboxClaim) -> dict[str, Any]:
        return {"__typename": "ReturnLineItem", "id": f"gid://shopify/ReturnLineItem/{c.claim_id}",
                "quantity": c.quantity, "returnReason": RETURN_REASON.get(c.reason_code, "OTHER"),
                "returnReasonNote": "", "customerNote": c.reason_text,
                "fulfillmentLineItem": {"lineItem": {"id": f"gid://shopify/LineItem/{lines[c.line_no].line_no}"}}}

    return {
        "id": f"gid://shopify/Return/{first.group_id}", "name": f"#{1000 + order.seq}-R{index + 1}",
        "status": RETURN_STATUS[first.state],
        "createdAt": "yesterday" if claims.malformed(shop, first) else utc_z(first.requested_at),
        "closedAt": utc_z(first.changed_at) if first.state == "completed" else None,
        "decline": {"reason": "OTHER", "note": (first.decisions[-1].get("reason") or "")}
        if first.state == "rejected" and first.decisions else None,
        "exchangeLineItems": {"nodes": [{"id": f"gid://shopify/ExchangeLineItem/{c.claim_id}"} for c in group
                                        if c.kind == "exchange"]},
        "returnLineItems": lambda info, **args: _page(group, args, line_item),
    }


def returns(shop: Shop, order: Order):
    """The order's `returns` connection: a resolver paging by the document's `first`/`after`."""
    groups = _groups(shop, order)
    nodes = [_return_node(shop, order, group, index) for index, group in enumerate(groups)]
    return lambda info, **args: _page(nodes, args, lambda node: node)


def return_by_id(shop: Shop, orders: list[Order], gid: Any) -> dict[str, Any] | None:
    """The root field `return(id:)`: one Return (None when the shop has no such return)."""
    group = _group(shop, gid)
    order = next((o for o in orders if group and o.seq == group[0].order_seq), None)
    if order is None:
        return None
    index = next(i for i, g in enumerate(_groups(shop, order)) if g[0].group_id == group[0].group_id)
    return _return_node(shop, order, group, index)


def _group(shop: Shop, gid: Any) -> list[claims.SandboxClaim]:
    tail = str(gid or "").rsplit("/", 1)[-1]
    return [c for c in shop.claims if c.group_id == tail and c.kind != "cancel"]


def _return_answer(group: list[claims.SandboxClaim], errors: list[dict[str, Any]]) -> dict[str, Any]:
    node = {"id": f"gid://shopify/Return/{group[0].group_id}", "status": RETURN_STATUS[group[0].state]} \
        if group else None
    return {"return": node, "userErrors": errors}


def resolvers(app: SandboxApp, shop: Shop, spent: list[int]) -> dict[str, Any]:
    def approve(info, **args):
        return _decide(args["input"], "approve", "Return is not approvable. Only returns with status REQUESTED "
                                                 "can be approved.")

    def decline(info, **args):
        return _decide(args["input"], "reject", "Return is not declinable. Only non-refunded returns with status "
                                                "REQUESTED can be declined.")

    def close(info, **args):
        return _decide({"id": args.get("id")}, "complete", "Return is not closable. Only returns with status OPEN "
                                                           "can be closed.", from_states=("collecting", "collected"))

    def _decide(data: dict[str, Any], action: str, refusal: str,
                from_states: tuple[str, ...] = ("requested", "held")) -> dict[str, Any]:
        spent.append(10)
        with app.state.lock:
            group = _group(shop, data.get("id"))
            if not group:
                return _return_answer([], [{"field": ["id"], "message": "Return does not exist.", "code": "NOT_FOUND"}])
            if action == "complete" and any(c.kind != "return" for c in group):
                return _return_answer(group, [{"field": ["id"], "message": refusal, "code": "INVALID_STATE"}])
            if any(c.state not in from_states for c in group):
                return _return_answer(group, [{"field": ["id"], "message": refusal, "code": "INVALID_STATE"}])
            for claim in group:
                claims.decide(shop, claim, action, app.now(), reason=data.get("declineNote") or data.get("declineReason"))
            return _return_answer(group, [])

    def cancel(info, **args):
        spent.append(10)
        with app.state.lock:
            tail = str(args.get("orderId") or "").rsplit("/", 1)[-1]
            order = next((o for o in shop.orders if o.order_no == tail), None)
            if order is None:
                return {"job": None, "userErrors": [], "orderCancelUserErrors": [
                    {"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}]}
            if order.cancelled_at or order.status not in claims.UNSHIPPED["shopify"]:
                return {"job": None, "userErrors": [], "orderCancelUserErrors": [
                    {"field": ["orderId"], "message": "Cannot cancel an order that is fulfilled or already cancelled",
                     "code": "INVALID"}]}
            try:
                for line in order.lines:
                    claims.seller_cancel(app.state, shop, order, line, app.now(), reason=str(args.get("reason")))
            except claims.Refused as exc:
                return {"job": None, "userErrors": [], "orderCancelUserErrors": [
                    {"field": ["orderId"], "message": exc.message, "code": "INVALID"}]}
            return {"job": {"id": f"gid://shopify/Job/{order.order_no}", "done": True}, "userErrors": [],
                    "orderCancelUserErrors": []}

    def return_field(info, **args):
        spent.append(1)
        return return_by_id(shop, shop.orders, args.get("id"))

    return {"returnApproveRequest": approve, "returnDeclineRequest": decline, "returnClose": close, "orderCancel": cancel,
            "return": return_field}
