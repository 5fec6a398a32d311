"""Sandbox side of Naver's claim APIs: the claim objects of `product-orders/query` (`cancel`, `return`,
`exchange` beside `productOrder`) and the decisions, all
`POST /v1/pay-order/seller/product-orders/{productOrderId}/claim/...`:

    cancel/approve, cancel/request (판매자 취소: cancelReason, cancelDetailedReason, cancelQuantity)
    return/approve, return/reject {rejectReturnReason}, return/holdback {holdbackClassType,
    holdbackReturnDetailReason}, return/holdback/release
    exchange/collect/approve, exchange/dispatch {reDeliveryMethod, reDeliveryCompany,
    reDeliveryTrackingNumber}, exchange/reject {rejectExchangeReason}, exchange/holdback,
    exchange/holdback/release

Each answers the common 처리 결과 `data{successProductOrderIds, failProductOrderInfos}`.

Naver picks returns and exchanges up itself (자동 수거: 반품요청 → COLLECTING → COLLECT_DONE on the
sandbox's clock, `claims.advance`). return/approve (반품 승인) is Naver's refund: it completes the return
(RETURN_DONE, collectStatus COLLECT_DONE) at once — the seller's last step once the goods are in, and
equally (the buyer refunded before anything came back) on a return still at 반품요청.
exchange/collect/approve (교환 수거 완료) is the seller's word that the item is in: → COLLECT_DONE."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import claims
from .http import Request, Response, kst_iso, trace_id
from .naver_listings import _error

if TYPE_CHECKING:
    from .server import SandboxApp
    from .state import Shop

_ROUTE = re.compile(r"^/pay-order/seller/product-orders/(?P<id>[^/]+)/claim/(?P<op>[a-z/]+)$")
_OPS = {
    "cancel/approve": ("cancel", "approve"), "return/approve": ("return", "approve"),
    "return/reject": ("return", "reject"), "return/holdback": ("return", "hold"),
    "return/holdback/release": ("return", "release_hold"), "exchange/collect/approve": ("exchange", "receive"),
    "exchange/dispatch": ("exchange", "reship"), "exchange/reject": ("exchange", "reject"),
    "exchange/holdback": ("exchange", "hold"), "exchange/holdback/release": ("exchange", "release_hold"),
}
_REQUIRED = {"return/reject": "rejectReturnReason", "exchange/reject": "rejectExchangeReason",
             "return/holdback": "holdbackClassType", "exchange/holdback": "holdbackClassType",
             "cancel/request": "cancelReason", "exchange/dispatch": "reDeliveryTrackingNumber"}


def claim_object(shop: Shop, line_no: str) -> tuple[str, dict[str, Any]] | None:
    """("cancel" | "return" | "exchange", its object) for the query response, None without a claim."""
    claim = claims.open_for_line(shop, line_no)
    if claim is None:
        return None
    status = claims.naver_claim_status(claim)
    common: dict[str, Any] = {
        "claimId": claim.claim_id, "claimStatus": status,
        "claimRequestDate": "어제 오후" if claims.malformed(shop, claim) else kst_iso(claim.requested_at),
        "requestChannel": "판매자" if claim.requester == "seller" else "구매자", "requestQuantity": claim.quantity,
    }
    if claim.kind == "cancel":
        return "cancel", {**common, "cancelReason": claim.reason_code, "cancelDetailedReason": claim.reason_text,
                          "cancelCompletedDate": kst_iso(claim.changed_at) if claim.state == "completed" else None}
    fee = {"claimDeliveryFeeDemandAmount": claim.fee if claim.fee_payer == "buyer" else 0,
           "claimDeliveryFeePayMethod": "환불금에서 차감" if claim.fee_payer == "buyer" else "",
           "collectDeliveryMethod": "RETURN_DESIGNATED", "collectDeliveryCompany": claim.collect_carrier,
           "collectTrackingNumber": claim.collect_tracking,
           "collectStatus": {"collecting": "COLLECTING", "collected": "COLLECT_DONE", "completed": "COLLECT_DONE",
                             "reshipped": "COLLECT_DONE"}.get(claim.state, "NOT_REQUESTED"),
           "holdbackStatus": "HOLDBACK" if claim.state == "held" else "RELEASED"}
    if claim.kind == "return":
        return "return", {**common, **fee, "returnReason": claim.reason_code, "returnDetailedReason": claim.reason_text,
                          "returnCompletedDate": kst_iso(claim.changed_at) if claim.state == "completed" else None}
    return "exchange", {**common, **fee, "exchangeReason": claim.reason_code,
                        "exchangeDetailedReason": claim.reason_text, "reDeliveryCompany": claim.reship_carrier,
                        "reDeliveryTrackingNumber": claim.reship_tracking}


def _answer(ok: list[str], fail: list[dict[str, str]], app: SandboxApp) -> Response:
    return Response(200, {"timestamp": kst_iso(app.now()), "traceId": trace_id(),
                          "data": {"successProductOrderIds": ok, "failProductOrderInfos": fail}})


def route(app: SandboxApp, shop: Shop, req: Request, path: str) -> Response | None:
    match = _ROUTE.match(path)
    if not match or req.method != "POST":
        return None
    op, line_no = match["op"], match["id"]
    if op not in _OPS and op != "cancel/request":
        return _error(404, "GW.NOT_FOUND", "요청한 API를 찾을 수 없습니다.")
    try:
        body = req.json() or {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, "BAD_REQUEST", "잘못된 요청", [{"name": "body", "type": "typeMismatch",
                                                         "message": "JSON 객체여야 합니다."}])
    needed = _REQUIRED.get(op)
    if needed and not body.get(needed):
        return _error(400, "BAD_REQUEST", "잘못된 요청", [{"name": needed, "type": "NotEmpty",
                                                         "message": f"{needed} 값이 필요합니다."}])
    now = app.now()
    with app.state.lock:
        found = next(((o, ln) for o in shop.orders for ln in o.lines if ln.line_no == line_no), None)
        if found is None:
            return _answer([], [{"productOrderId": line_no, "code": "100001", "message": "상품주문을 찾을 수 없습니다."}], app)
        order, line = found
        try:
            if op == "cancel/request":
                claims.seller_cancel(app.state, shop, order, line, now, reason=str(body["cancelReason"]))
            else:
                kind, action = _OPS[op]
                claim = claims.open_for_line(shop, line_no, kind)
                if claim is None or claim.state not in claims.OPEN:
                    raise claims.Refused("104417", "처리할 수 있는 클레임이 없습니다.")
                if op == "return/approve" and claim.state in ("collecting", "collected"):
                    action = "complete"  # 반품 승인 once the goods are in: the refund, RETURN_DONE
                claims.decide(shop, claim, action, now, reason=body.get("rejectReturnReason")
                              or body.get("rejectExchangeReason") or body.get("holdbackReturnDetailReason")
                              or body.get("holdbackExchangeDetailReason"),
                              carrier=body.get("reDeliveryCompany"), tracking=body.get("reDeliveryTrackingNumber"))
        except claims.Refused as exc:
            return _answer([], [{"productOrderId": line_no, "code": exc.code, "message": exc.message}], app)
    return _answer([line_no], [], app)
