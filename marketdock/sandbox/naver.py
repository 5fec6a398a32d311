"""Sandbox side of the Naver Commerce API: token (verifies the bcrypt client_secret_sign), Bearer
check, last-changed-statuses with more/moreSequence paging, product-orders/query, confirm; dispatch,
delay and the product APIs are in `naver_listings`."""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import bcrypt

from . import inquiries, naver_claims, settlement_api
from . import naver_listings as listings
from .http import Request, Response, kst_iso, trace_id
from .naver_listings import _error  # one Naver error shape for orders and products
from .state import Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

PREFIX = "/external/v1"
PREFIX_V2 = "/external/v2"
TOKEN_TTL = timedelta(hours=3)
QUERY_MAX = 300
CONFIRM_MAX = 30


def _fault_response(app: SandboxApp, shop: Shop) -> Response | None:
    fault = app.fault(shop)
    if fault == "rate_limit":
        response = _error(429, "GW.RATE_LIMIT", "요청이 많아 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.")
        response.headers["Retry-After"] = str(shop.faults.retry_after)
        response.headers["GNCP-GW-RateLimit-Replenish-Rate"] = "2"
        response.headers["GNCP-GW-RateLimit-Burst-Capacity"] = "4"
        return response
    if fault == "error_500":
        return _error(500, "GW.INTERNAL_SERVER_ERROR", "내부 서버 오류")
    return None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def handle(app: SandboxApp, req: Request) -> Response | None:
    if req.path.startswith(PREFIX + "/"):
        path = req.path[len(PREFIX):]
    elif req.path.startswith(PREFIX_V2 + "/"):
        path = "/v2" + req.path[len(PREFIX_V2):]
    else:
        return None
    if path == "/oauth2/token" and req.method == "POST":
        return _token(app, req)
    shop = _bearer_shop(app, req)
    if isinstance(shop, Response):
        return shop
    fault = _fault_response(app, shop)
    if fault:
        return fault
    if path == "/pay-order/seller/product-orders/last-changed-statuses" and req.method == "GET":
        return _changes(app, shop, req)
    if path == "/pay-order/seller/product-orders/query" and req.method == "POST":
        return _query(app, shop, req)
    if path == "/pay-order/seller/product-orders/confirm" and req.method == "POST":
        return _confirm(app, shop, req)
    if path.startswith("/pay-settle/"):
        return settlement_api.naver(app, shop, req, path)
    routed = (inquiries.route_naver(app, shop, req, path) or listings.route(app, shop, req, path)
              or naver_claims.route(app, shop, req, path))
    if routed is not None:
        return routed
    return _error(404, "GW.NOT_FOUND", "요청한 API를 찾을 수 없습니다.")


def expected_sign(client_id: str, client_secret: str, timestamp: str) -> str:
    return base64.b64encode(bcrypt.hashpw(f"{client_id}_{timestamp}".encode(), client_secret.encode())).decode()


def _token(app: SandboxApp, req: Request) -> Response:
    # Naver's token endpoint takes the fields only as a form body (NV-DOCS 2026): a query string or
    # another content type is refused with 415, as the real gateway does
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type은 application/x-www-form-urlencoded여야 합니다.")
    form = req.form()
    client_id = form.get("client_id", "")
    shop = next((s for s in app.state.shops.values()
                 if s.protocol == "naver" and s.credentials["client_id"] == client_id), None)
    if shop is None:
        return _error(400, "BadRequest", "등록되지 않은 애플리케이션입니다.",
                      [{"name": "client_id", "type": "InvalidValue", "message": "유효하지 않은 client_id입니다."}])
    fault = _fault_response(app, shop)
    if fault:
        return fault
    if form.get("grant_type") != "client_credentials" or form.get("type") not in ("SELF", "SELLER"):
        return _error(400, "BadRequest", "grant_type 또는 type 값이 올바르지 않습니다.",
                      [{"name": "grant_type", "type": "InvalidValue", "message": "client_credentials만 허용됩니다."}])
    timestamp = form.get("timestamp", "")
    now = app.now()
    if not timestamp.isdigit() or abs(now.timestamp() * 1000 - int(timestamp)) > 5 * 60 * 1000:
        return _error(400, "BadRequest", "timestamp가 유효하지 않습니다. (5분 이내의 밀리초 값이어야 합니다)",
                      [{"name": "timestamp", "type": "InvalidValue", "message": "유효 시간이 지났습니다."}])
    sign = form.get("client_secret_sign", "")
    if not hmac.compare_digest(sign, expected_sign(client_id, shop.credentials["client_secret"], timestamp)):
        return _error(400, "BadRequest", "client_secret_sign이 유효하지 않습니다.",
                      [{"name": "client_secret_sign", "type": "InvalidValue", "message": "전자서명이 일치하지 않습니다."}])
    with app.state.lock:
        current = next(((token, exp) for token, (code, exp) in app.state.tokens.items()
                        if code == shop.code and exp - now >= timedelta(minutes=30)), None)
        if current is None:
            current = (secrets.token_urlsafe(32), now + TOKEN_TTL)
            app.state.tokens[current[0]] = (shop.code, current[1])
    return Response(200, {"access_token": current[0], "expires_in": int((current[1] - now).total_seconds()),
                          "token_type": "Bearer"})


def _bearer_shop(app: SandboxApp, req: Request) -> Shop | Response:
    header = req.headers.get("authorization", "")
    token = header[7:] if header.startswith("Bearer ") else ""
    entry = app.state.tokens.get(token)
    if not entry or entry[1] <= app.now():
        return _error(401, "GW.AUTHN", "인증에 실패했습니다. 유효한 토큰이 아닙니다.")
    return app.state.shops[entry[0]]


# --- rendering ---------------------------------------------------------------------------------

def _lines(shop: Shop):
    for order in shop.orders:
        for line in order.lines:
            yield order, line


def render_product_order(app: SandboxApp, shop: Shop, order: Order, line) -> dict[str, Any]:
    product, option = shop.option(line.option_id)
    total_product = line.unit_price * line.quantity
    malformed = order.seq == app.state.malformed_seq(shop)
    first = order.lines[0] is line
    po: dict[str, Any] = {
        "productOrderId": line.line_no,
        "productOrderStatus": order.status,
        "placeOrderStatus": "OK" if order.placed else "NOT_YET",
        "placeOrderDate": kst_iso(order.changed_at) if order.placed else None,
        "productId": product.product_id,
        "originalProductId": str(int(product.product_id) + 1),
        "productName": product.name,
        "productOption": option.name,
        "optionCode": option.option_id,
        "optionManageCode": option.sku,
        "sellerProductCode": product.code,
        "quantity": "두 개" if malformed else line.quantity,
        "initialQuantity": line.quantity,
        "remainQuantity": line.quantity,
        "unitPrice": product.price,
        "optionPrice": option.extra_price,
        "totalProductAmount": total_product,
        "productDiscountAmount": line.discount * line.quantity,
        "totalPaymentAmount": total_product - line.discount * line.quantity,
        "deliveryFeeAmount": order.shipping_fee if first else 0,
        "packageNumber": order.bundle_no,
        "shippingMemo": order.message,
        "shippingDueDate": kst_iso(order.dispatch_due or order.paid_at + timedelta(days=3)),
        "shippingAddress": {
            "addressType": "DOMESTIC", "name": order.recipient_name, "tel1": order.recipient_phone, "tel2": "",
            "zipCode": order.postal_code, "baseAddress": order.address1, "detailedAddress": order.address2,
            "isRoadNameAddress": True,
        },
        "deliveryAttributeType": "NORMAL",
        "taxType": "TAXATION",
    }
    if order.claim_type:
        po["claimType"], po["claimStatus"] = order.claim_type, order.claim_status
    claim = naver_claims.claim_object(shop, line.line_no)
    item: dict[str, Any] = {claim[0]: claim[1]} if claim else {}
    return {**item,
        "order": {
            "orderId": order.order_no, "orderDate": kst_iso(order.ordered_at), "paymentDate": kst_iso(order.paid_at),
            "ordererId": f"buyer{order.seq:04d}", "ordererName": order.buyer_name, "ordererTel": order.buyer_phone,
            "paymentMeans": "신용카드", "payLocationType": "MOBILE",
        },
        "productOrder": po,
        "delivery": {
            "deliveryMethod": "DELIVERY", "deliveryCompany": "CJGLS", "trackingNumber": f"6{order.seq:011d}",
            "sendDate": kst_iso(order.changed_at), "isWrongTrackingNumber": False,
        } if order.status in ("DELIVERING", "DELIVERED", "PURCHASE_DECIDED") else None,
    }


def _change_row(order: Order, line) -> dict[str, Any]:
    row = {
        "orderId": order.order_no, "productOrderId": line.line_no, "lastChangedType": order.change_type,
        "paymentDate": kst_iso(order.paid_at), "lastChangedDate": kst_iso(order.changed_at),
        "productOrderStatus": order.status, "receiverAddressChanged": order.address_changed,
    }
    if order.claim_type:
        row["claimType"], row["claimStatus"] = order.claim_type, order.claim_status
    return row


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _changes(app: SandboxApp, shop: Shop, req: Request) -> Response:
    params = req.params
    start = _parse_time(params.get("lastChangedFrom"))
    if start is None:
        return _error(400, "BAD_REQUEST", "잘못된 요청",
                      [{"name": "lastChangedFrom", "type": "typeMismatch",
                        "message": "ISO-8601 날짜(오프셋 포함)여야 합니다. '+'는 %2B로 인코딩하세요."}])
    end = _parse_time(params.get("lastChangedTo")) if params.get("lastChangedTo") else start + timedelta(hours=24)
    if end is None or end < start or end - start > timedelta(hours=24):
        return _error(400, "BAD_REQUEST", "잘못된 요청",
                      [{"name": "lastChangedTo", "type": "InvalidValue",
                        "message": "lastChangedFrom 이후 24시간 이내여야 합니다."}])
    try:
        limit = int(params.get("limitCount") or 300)
    except ValueError:
        limit = -1
    if not 1 <= limit <= 300:
        return _error(400, "BAD_REQUEST", "잘못된 요청",
                      [{"name": "limitCount", "type": "InvalidValue", "message": "1~300 사이여야 합니다."}])
    sequence = params.get("moreSequence") or ""
    with app.state.lock:
        # Naver keeps change times to the millisecond: compare (and page) at that precision, or rows
        # changed within one millisecond would never get past their own moreFrom
        rows = sorted(((_ms(order.changed_at), line.line_no, order, line) for order, line in _lines(shop)
                       if start <= _ms(order.changed_at) <= end), key=lambda r: (r[0], r[1]))
        if sequence:
            begin = next((i for i, r in enumerate(rows) if (r[0], r[1]) >= (start, sequence)), len(rows))
        else:
            begin = 0
        selected = rows[begin:begin + limit]
        body_rows = [_change_row(r[2], r[3]) for r in selected]
        if shop.faults.duplicate_items and sequence and begin > 0:
            body_rows.insert(0, _change_row(rows[begin - 1][2], rows[begin - 1][3]))
        data: dict[str, Any] = {"lastChangeStatuses": body_rows, "count": len(body_rows)}
        if begin + limit < len(rows):
            following = rows[begin + limit]
            data["more"] = {"moreFrom": kst_iso(following[0]), "moreSequence": following[1]}
    return Response(200, {"timestamp": kst_iso(app.now()), "traceId": trace_id(), "data": data})


def _ids_body(req: Request, limit: int) -> list[str] | Response:
    try:
        body = req.json()
    except ValueError:
        body = None
    ids = body.get("productOrderIds") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        return _error(400, "BAD_REQUEST", "잘못된 요청",
                      [{"name": "productOrderIds", "type": "NotEmpty", "message": "상품주문번호 목록이 필요합니다."}])
    if len(ids) > limit:
        return _error(400, "BAD_REQUEST", "잘못된 요청",
                      [{"name": "productOrderIds", "type": "Size", "message": f"최대 {limit}개까지 요청할 수 있습니다."}])
    return ids


def _query(app: SandboxApp, shop: Shop, req: Request) -> Response:
    ids = _ids_body(req, QUERY_MAX)
    if isinstance(ids, Response):
        return ids
    wanted = set(ids)
    with app.state.lock:
        data = []
        for order, line in _lines(shop):
            if line.line_no in wanted:
                data.append(render_product_order(app, shop, order, line))
                order.collected = True
    return Response(200, {"timestamp": kst_iso(app.now()), "traceId": trace_id(), "data": data})


def _confirm(app: SandboxApp, shop: Shop, req: Request) -> Response:
    ids = _ids_body(req, CONFIRM_MAX)
    if isinstance(ids, Response):
        return ids
    success, fail = [], []
    with app.state.lock:
        by_id = {line.line_no: order for order, line in _lines(shop)}
        for product_order_id in ids:
            order = by_id.get(product_order_id)
            if order is None:
                fail.append({"productOrderId": product_order_id, "code": "100001",
                             "message": "상품주문을 찾을 수 없습니다."})
            elif order.placed:
                fail.append({"productOrderId": product_order_id, "code": "105306",
                             "message": "이미 발주확인 처리된 상품주문입니다."})
            elif order.status != "PAYED" or order.claim_type:
                fail.append({"productOrderId": product_order_id, "code": "9999",
                             "message": "발주확인할 수 없는 상태입니다."})
            else:
                success.append({"productOrderId": product_order_id, "isReceiverAddressChanged": order.address_changed})
        for item in success:
            by_id[item["productOrderId"]].placed = True
        shop.received.append({"at": app.now().isoformat(), "operation": "confirm", "productOrderIds": ids,
                              "success": [s["productOrderId"] for s in success],
                              "fail": [f["productOrderId"] for f in fail]})
    return Response(200, {"timestamp": kst_iso(app.now()), "traceId": trace_id(),
                          "data": {"successProductOrderInfos": success, "failProductOrderInfos": fail}})
