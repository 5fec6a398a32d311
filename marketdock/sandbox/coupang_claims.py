"""Sandbox side of Coupang WING's cancel / return / exchange APIs (same HMAC auth, faults and error
bodies as the ordersheets):

    GET   v6 .../returnRequests?createdAtFrom=yyyy-MM-dd&createdAtTo=yyyy-MM-dd&status=RU|UC|PR|CC
          (or cancelType=CANCEL without status)&nextToken&maxPerPage≤50 — one receipt per buyer request
    PATCH v4 .../returnRequests/{receiptId}/stoppedShipment {vendorId, receiptId, cancelCount} (출고중지완료)
    GET   v6 .../returnRequests/{receiptId} — one receipt (data: a list of one)
    PATCH v4|v5 .../returnRequests/{receiptId}/receiveConfirmation {vendorId, receiptId} (반품상품 입고확인:
          a return not confirmed in yet → VENDOR_WAREHOUSE_CONFIRM)
    PATCH v5 .../returnRequests/{receiptId}/approval {vendorId, receiptId, cancelCount} (반품승인, the
          refund: it completes the return → RETURNS_COMPLETED, at once — on one still unchecked too,
          the goods not back yet)
    GET   v4 .../exchangeRequests?createdAtFrom=yyyy-MM-ddTHH:mm:ss&createdAtTo=…(≤7 days)&nextToken&maxPerPage
    PATCH v4 .../exchangeRequests/{exchangeId}/receiveConfirmation {exchangeId, vendorId} (교환 입고확인:
          the item is back at the seller → collected)
    PATCH v4 .../exchangeRequests/{exchangeId}/rejection {exchangeId, exchangeRejectCode: SOLDOUT|WITHDRAW}
    POST  v4 .../exchangeRequests/{exchangeId}/invoices [{exchangeId, vendorId, shipmentBoxId,
          goodsDeliveryCode, invoiceNumber}]
    POST  v5 .../orders/{orderId}/cancel {orderId, vendorItemIds, receiptCounts, bigCancelCode,
          middleCancelCode, vendorId, userId} (판매자 취소)

Coupang's logistics pick returns and exchanges up (requested → collecting → collected on the sandbox's
clock, `claims.advance`; a return's receiptStatus stays RETURNS_UNCHECKED until it is collected).

Status filter UC holds both 반품접수 (RETURNS_UNCHECKED) and 입고확인 (VENDOR_WAREHOUSE_CONFIRM)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import claims
from .coupang import _api_error, authenticate, fault_response
from .http import KST, Request, Response, kst_naive

if TYPE_CHECKING:
    from .server import SandboxApp
    from .state import Order, Shop

_ROUTE = re.compile(r"^/v2/providers/openapi/apis/api/(?P<version>v4|v5|v6)/vendors/(?P<vendor>[^/]+)"
                    r"/(?P<what>returnRequests|exchangeRequests|orders)(?P<rest>/.*)?$")
_STATUS = {"RU": ("RELEASE_STOP_UNCHECKED",), "UC": ("RETURNS_UNCHECKED", "VENDOR_WAREHOUSE_CONFIRM"),
           "PR": ("REQUEST_COUPANG_CHECK",), "CC": ("RETURNS_COMPLETED",)}
_EXCHANGE_STATUS = {"requested": "RECEIPT", "collecting": "PROGRESS", "collected": "PROGRESS", "held": "PROGRESS",
                    "reshipped": "PROGRESS", "completed": "SUCCESS", "rejected": "REJECT", "withdrawn": "CANCEL"}


def handle(app: SandboxApp, req: Request) -> Response | None:
    match = _ROUTE.match(req.path)
    if not match or (match["what"] == "orders" and not re.fullmatch(r"/\d+/cancel", match["rest"] or "")):
        return None  # other order paths (invoices …) are coupang_listings'
    shop = authenticate(app, req, match["vendor"])
    if isinstance(shop, Response):
        return shop
    fault = fault_response(app, shop)
    if fault:
        return fault
    what, rest, method = match["what"], match["rest"] or "", req.method
    if what == "returnRequests" and rest == "" and method == "GET":
        return _returns(app, shop, req)
    if what == "exchangeRequests" and rest == "" and method == "GET":
        return _exchanges(app, shop, req)
    single = re.fullmatch(r"/(?P<id>\d+)", rest)
    if what == "returnRequests" and single and method == "GET":
        return _receipt(app, shop, single["id"])
    action = re.fullmatch(r"/(?P<id>\d+)/(?P<op>[A-Za-z]+)", rest)
    if what == "orders" and action and action["op"] == "cancel" and method == "POST":
        return _seller_cancel(app, shop, req, action["id"])
    if action and method in ("PATCH", "PUT", "POST"):
        return _decide(app, shop, req, what, action["id"], action["op"])
    return _api_error(404, "No matching API found for the request path.")


def _groups(shop: Shop, kinds: tuple[str, ...]) -> dict[str, list[claims.SandboxClaim]]:
    groups: dict[str, list[claims.SandboxClaim]] = {}
    for claim in shop.claims:
        if claim.kind in kinds:
            groups.setdefault(claim.group_id, []).append(claim)
    return groups


def _order(shop: Shop, seq: int) -> Order:
    return next(o for o in shop.orders if o.seq == seq)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return -1


def _page(groups: list[list[claims.SandboxClaim]], token: str, per_page: int) -> tuple[list, str]:
    begin = next((i for i, g in enumerate(groups) if int(g[0].group_id) > int(token)), len(groups)) \
        if token.isdigit() else 0
    page = groups[begin:begin + per_page]
    return page, (page[-1][0].group_id if page and begin + per_page < len(groups) else "")


def render_receipt(shop: Shop, group: list[claims.SandboxClaim]) -> dict[str, Any]:
    first = group[0]
    order = _order(shop, first.order_seq)
    lines = {ln.line_no: ln for ln in order.lines}
    items = []
    for claim in group:
        line = lines[claim.line_no]
        product, option = shop.option(line.option_id)
        items.append({"vendorItemPackageId": 0, "vendorItemPackageName": product.name,
                      "vendorItemId": int(option.option_id), "vendorItemName": f"{product.name}, {option.name}",
                      "purchaseCount": line.quantity, "cancelCount": claim.quantity,
                      "shipmentBoxId": int(order.bundle_no), "sellerProductId": int(product.product_id),
                      "sellerProductName": product.name})
    cancel = first.kind == "cancel"
    return {
        "receiptId": int(first.group_id), "orderId": int(order.order_no), "paymentId": int(order.order_no) + 7,
        "receiptType": "CANCEL" if cancel else "RETURN", "receiptStatus": claims.coupang_receipt_status(first),
        "createdAt": "2024/13/45 25:61" if claims.malformed(shop, first) else kst_naive(first.requested_at),
        "modifiedAt": kst_naive(first.changed_at), "requesterName": order.buyer_name[0] + "*" + order.buyer_name[2:], "requesterPhoneNumber": "0503-****-1234",
        "cancelReasonCategory1": "고객변심" if first.fee_payer != "seller" else "상품불량",
        "cancelReasonCategory2": first.reason_text, "cancelReason": first.reason_text,
        "cancelCountSum": sum(c.quantity for c in group), "returnDeliveryId": int(first.group_id) + 3,
        "returnDeliveryType": "연동택배", "releaseStopStatus": "미처리" if cancel and first.state == "requested"
        else ("처리(출고중지)" if cancel else "비대상"),
        "enclosePrice": 0, "faultByType": "VENDOR" if first.fee_payer == "seller" else "CUSTOMER",
        "preRefund": False, "completeConfirmDate": kst_naive(first.changed_at) if first.state == "completed" else "",
        "completeConfirmType": "VENDOR_CONFIRM" if first.state == "completed" else "UNDEFINED",
        "returnShippingCharge": -first.fee if first.fee_payer == "buyer" else 0,
        "returnItems": items,
        "returnDeliveryDtos": [] if cancel else [{"deliveryCompanyCode": first.collect_carrier or "CJGLS",
                                                  "deliveryInvoiceNo": first.collect_tracking}],
        "reasonCode": first.reason_code, "reasonCodeText": first.reason_text,
    }


def _returns(app: SandboxApp, shop: Shop, req: Request) -> Response:
    params = req.params
    status, cancel_type = params.get("status", ""), params.get("cancelType", "")
    if cancel_type and cancel_type != "CANCEL":
        return _api_error(400, "cancelType must be CANCEL.")
    if not cancel_type and status not in _STATUS:
        return _api_error(400, f"status must be one of {', '.join(_STATUS)}.")
    try:
        day_from = date.fromisoformat(params.get("createdAtFrom") or "")
        day_to = date.fromisoformat(params.get("createdAtTo") or "")
    except ValueError:
        return _api_error(400, "createdAtFrom/createdAtTo must be yyyy-MM-dd.")
    if day_to < day_from or (day_to - day_from).days > 31:
        return _api_error(400, "The search period must be within 31 days.")
    per_page = _int(params.get("maxPerPage"), 50)
    if not 1 <= per_page <= 50:
        return _api_error(400, "maxPerPage must be between 1 and 50.")
    with app.state.lock:
        groups = []
        for group in _groups(shop, ("cancel", "return")).values():
            first = group[0]
            if not day_from <= first.requested_at.astimezone(KST).date() <= day_to:
                continue
            if cancel_type:  # cancels done at once while ACCEPT: listed without a status
                if first.kind == "cancel" and first.state == "completed":
                    groups.append(group)
            elif claims.coupang_receipt_status(first) in _STATUS[status] and not (
                    first.kind == "cancel" and first.state == "completed"):
                groups.append(group)
        groups.sort(key=lambda g: int(g[0].group_id))
        page, next_token = _page(groups, params.get("nextToken") or "", per_page)
        data = [render_receipt(shop, g) for g in page]
        if shop.faults.duplicate_items and params.get("nextToken") and data and groups:
            data.insert(0, render_receipt(shop, groups[max(0, groups.index(page[0]) - 1)]) if page else data[0])
    return Response(200, {"code": 200, "message": "OK", "data": data, "nextToken": next_token})


def render_exchange(app: SandboxApp, shop: Shop, group: list[claims.SandboxClaim]) -> dict[str, Any]:
    first = group[0]
    order = _order(shop, first.order_seq)
    lines = {ln.line_no: ln for ln in order.lines}
    items = []
    for claim in group:
        line = lines[claim.line_no]
        product, option = shop.option(line.option_id)
        items.append({"exchangeItemId": int(claim.claim_id), "orderItemId": int(option.option_id),
                      "orderItemUnitPrice": line.unit_price, "targetItemId": int(option.option_id),
                      "targetItemName": f"{product.name}, {option.name}", "quantity": claim.quantity,
                      "originalShipmentBoxId": int(order.bundle_no),
                      "createdAt": kst_naive(claim.requested_at), "modifiedAt": kst_naive(claim.changed_at)})
    collect = {"collecting": "Collecting", "collected": "CompleteCollect", "reshipped": "CompleteCollect",
               "completed": "CompleteCollect"}.get(first.state, "BeforeDirection")
    invoices = [{"shipmentBoxId": int(order.bundle_no) + 1, "deliveryCompanyCode": first.reship_carrier,
                 "invoiceNumber": first.reship_tracking}] if first.reship_tracking else []
    return {
        "exchangeId": int(first.group_id), "orderId": int(order.order_no), "vendorId": shop.credentials["vendor_id"],
        "orderDeliveryStatusCode": "FINAL_DELIVERY", "exchangeStatus": _EXCHANGE_STATUS[first.state],
        "referType": "WEB_MOBILE", "faultType": "VENDOR" if first.fee_payer == "seller" else "CUSTOMER",
        "exchangeAmount": first.fee if first.fee_payer == "buyer" else 0, "reason": None,
        "reasonCode": first.reason_code, "reasonCodeText": first.reason_text, "reasonEtcDetail": first.reason_text,
        "createdByType": "CUSTOMER",
        "createdAt": "2024/13/45 25:61" if claims.malformed(shop, first) else kst_naive(first.requested_at),
        "modifiedAt": kst_naive(first.changed_at), "exchangeItemDtoV1s": items,
        "deliveryInvoiceGroupDtos": invoices,
        "deliveryStatus": "Delivering" if first.state in ("reshipped", "completed") else "BeforeDirection",
        "collectStatus": collect, "holdStatus": "HOLD" if first.state == "held" else "",
        "returnDeliveryDtos": [{"deliveryCompanyCode": first.collect_carrier or "CJGLS",
                                "deliveryInvoiceNo": first.collect_tracking}],
        "rejectable": first.state in ("requested", "collected"), "successable": first.state == "collected",
    }


def _exchanges(app: SandboxApp, shop: Shop, req: Request) -> Response:
    params = req.params
    try:
        start = datetime.strptime(params.get("createdAtFrom") or "", "%Y-%m-%dT%H:%M:%S").replace(tzinfo=KST)
        end = datetime.strptime(params.get("createdAtTo") or "", "%Y-%m-%dT%H:%M:%S").replace(tzinfo=KST)
    except ValueError:
        return _api_error(400, "createdAtFrom/createdAtTo must be yyyy-MM-ddTHH:mm:ss.")
    if end < start or end - start > timedelta(days=7):
        return _api_error(400, "The search period must be within 7 days.")
    status = params.get("status", "")
    if status and status not in set(_EXCHANGE_STATUS.values()):
        return _api_error(400, "status must be one of RECEIPT, PROGRESS, SUCCESS, REJECT, CANCEL.")
    per_page = _int(params.get("maxPerPage"), 50)
    if not 1 <= per_page <= 50:
        return _api_error(400, "maxPerPage must be between 1 and 50.")
    with app.state.lock:
        groups = sorted((g for g in _groups(shop, ("exchange",)).values()
                         if start <= g[0].requested_at <= end + timedelta(seconds=1)
                         and (not status or _EXCHANGE_STATUS[g[0].state] == status)),
                        key=lambda g: int(g[0].group_id))
        page, next_token = _page(groups, params.get("nextToken") or "", per_page)
        data = [render_exchange(app, shop, g) for g in page]
    return Response(200, {"code": 200, "message": "OK", "data": data, "nextToken": next_token})


def _receipt(app: SandboxApp, shop: Shop, group_id: str) -> Response:
    with app.state.lock:
        group = _groups(shop, ("cancel", "return")).get(group_id)
        if not group:
            return _api_error(400, f"receiptId ({group_id}) is not found.")
        data = [render_receipt(shop, group)]
    return Response(200, {"code": 200, "message": "OK", "data": data})


_OPS = {("returnRequests", "stoppedShipment"): ("cancel", "approve"),
        ("returnRequests", "approval"): ("return", "approve"),
        ("returnRequests", "receiveConfirmation"): ("return", "receive"),
        ("exchangeRequests", "receiveConfirmation"): ("exchange", "receive"),
        ("exchangeRequests", "rejection"): ("exchange", "reject"),
        ("exchangeRequests", "invoices"): ("exchange", "reship")}


def _decide(app: SandboxApp, shop: Shop, req: Request, what: str, group_id: str, op: str) -> Response:
    if (what, op) not in _OPS:
        return _api_error(404, "No matching API found for the request path.")
    kind, action = _OPS[(what, op)]
    try:
        body = req.json()
    except ValueError:
        body = None
    entries = body if isinstance(body, list) else [body]
    if not entries or not all(isinstance(e, dict) for e in entries):
        return _api_error(400, "request body must be a JSON object.")
    if any(str(e.get("vendorId", shop.credentials["vendor_id"])) != shop.credentials["vendor_id"] for e in entries):
        return _api_error(400, "vendorId does not match.")
    if what == "returnRequests" and any(str(e.get("receiptId", group_id)) != group_id for e in entries):
        return _api_error(400, "receiptId does not match.")
    details: dict[str, Any] = {}
    if action == "reject":
        details["reason"] = entries[0].get("exchangeRejectCode")
        if details["reason"] not in ("SOLDOUT", "WITHDRAW"):
            return _api_error(400, "exchangeRejectCode must be SOLDOUT or WITHDRAW.")
    if action == "reship":
        details["carrier"], details["tracking"] = entries[0].get("goodsDeliveryCode"), entries[0].get("invoiceNumber")
    now = app.now()
    with app.state.lock:
        group = _groups(shop, (kind,)).get(group_id)
        if not group:
            return _api_error(400, f"{'exchangeId' if kind == 'exchange' else 'receiptId'} ({group_id}) is not found.")
        if op == "approval" and any(c.state in ("collecting", "collected") for c in group):
            action = "complete"  # 반품승인 once the goods are in: 반품완료
        # one receipt covers several lines: a line the same decision already moved is done, not refused
        pending = [c for c in group if not (c.decisions and c.decisions[-1]["action"] == action)]
        try:
            for claim in pending:
                claims.decide(shop, claim, action, now, **details)
        except claims.Refused as exc:
            return _api_error(400, exc.message)
    return Response(200, {"code": "200", "message": "OK", "data": {"resultCode": "SUCCESS", "resultMessage": "요청 처리완료"}})


def _seller_cancel(app: SandboxApp, shop: Shop, req: Request, order_id: str) -> Response:
    try:
        body = req.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("vendorItemIds"), list) or not body["vendorItemIds"]:
        return _api_error(400, "vendorItemIds must not be empty.")
    if str(body.get("orderId")) != order_id or body.get("bigCancelCode") != "CANERR":
        return _api_error(400, "orderId and bigCancelCode (CANERR) are required.")
    now = app.now()
    with app.state.lock:
        order = next((o for o in shop.orders if o.order_no == order_id), None)
        if order is None:
            return _api_error(400, f"orderId ({order_id}) is not found.")
        wanted = {str(i) for i in body["vendorItemIds"]}
        lines = [ln for ln in order.lines if ln.option_id in wanted]
        if len(lines) != len(wanted):
            return _api_error(400, "vendorItemId is not in the order.")
        try:
            for line in lines:
                claims.seller_cancel(app.state, shop, order, line, now, reason=str(body.get("middleCancelCode") or ""))
        except claims.Refused as exc:
            return _api_error(400, exc.message)
    return Response(200, {"code": "200", "message": "OK", "data": {"resultCode": "SUCCESS",
                                                                   "resultMessage": "판매자 취소 요청이 처리되었습니다"}})
