"""Naver claims (취소 / 반품 / 교환).

- Collection: the order change feed (`last-changed-statuses`, claim changes are CLAIM_REQUESTED,
  COLLECT_DONE, CLAIM_COMPLETED, CLAIM_REJECTED, CLAIM_REDELIVERING …) + `product-orders/query`,
  whose items carry the claim beside the product order (`cancel` / `return` / `exchange`). The cursor
  is the order feed's cursor.
- Decisions: `POST /v1/pay-order/seller/product-orders/{productOrderId}/claim/...` (cancel/approve,
  cancel/request = 판매자 취소, return/approve|reject|holdback|holdback/release,
  exchange/collect/approve|dispatch|reject|holdback|holdback/release), each answering the common
  처리 결과 per product order.
- Completing a return (COMPLETE, once its goods are back and inspected): Naver's 반품 승인
  `return/approve` is the refund itself — the claim goes to RETURN_DONE (collection done) at once, from
  수거중 as from 수거완료; there is no separate 수거완료 call for returns.
- Naver picks returned and exchanged goods up itself (자동 수거): approving a return request is not a
  call of its own (`return/approve` at 반품요청 refunds the buyer before the goods are back), so
  marketdock sends `return/approve` only as COMPLETE, and an exchange's `exchange/collect/approve`
  (교환 수거 완료) as RECEIVE when the item arrived. APPROVE of a return or an exchange still maps to
  those calls for a caller that means them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

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
    FeePayer,
)
from ..errors import BusinessError, ConnectorError, MalformedPayload, RateLimited, TemporaryError
from ..models import FetchWindow, LineFailure, Marketplace, RecordError
from .auth import MP
from .fulfilment import _processing_result

CLAIM_PATH = "/v1/pay-order/seller/product-orders/{id}/claim/{op}"

# THE status table: Naver claimStatus → how far Naver has taken the claim
CLAIM_PROGRESS: dict[str, ClaimProgress] = {
    "CANCEL_REQUEST": ClaimProgress.REQUESTED,  # 취소요청
    "CANCELING": ClaimProgress.APPROVED,  # 취소처리중
    "CANCEL_DONE": ClaimProgress.COMPLETED,  # 취소완료
    "CANCEL_REJECT": ClaimProgress.REJECTED,  # 취소철회/거부
    "ADMIN_CANCELING": ClaimProgress.APPROVED,  # 직권취소중
    "ADMIN_CANCEL_DONE": ClaimProgress.COMPLETED,
    "ADMIN_CANCEL_REJECT": ClaimProgress.REJECTED,
    "RETURN_REQUEST": ClaimProgress.REQUESTED,  # 반품요청 (HELD when holdbackStatus = HOLDBACK)
    "EXCHANGE_REQUEST": ClaimProgress.REQUESTED,
    "COLLECTING": ClaimProgress.COLLECTING,  # 수거중
    "COLLECT_DONE": ClaimProgress.COLLECTED,  # 수거완료
    "EXCHANGE_REDELIVERING": ClaimProgress.RESHIPPED,  # 교환 재배송중
    "RETURN_DONE": ClaimProgress.COMPLETED,  # 반품완료
    "EXCHANGE_DONE": ClaimProgress.COMPLETED,  # 교환완료
    "RETURN_REJECT": ClaimProgress.REJECTED,  # 반품철회/거부
    "EXCHANGE_REJECT": ClaimProgress.REJECTED,
}
_KINDS = {"cancel": ClaimKind.CANCEL, "return": ClaimKind.RETURN, "exchange": ClaimKind.EXCHANGE}
_REASON_KEY = {"cancel": "cancelReason", "return": "returnReason", "exchange": "exchangeReason"}

# (kind, action) → (path op, body); the body function gets the decision
_OPS: dict[tuple[ClaimKind, ClaimAction], tuple[str, Any]] = {
    (ClaimKind.CANCEL, ClaimAction.APPROVE): ("cancel/approve", lambda d: {}),
    (ClaimKind.RETURN, ClaimAction.APPROVE): ("return/approve", lambda d: {}),
    (ClaimKind.RETURN, ClaimAction.COMPLETE): ("return/approve", lambda d: {}),  # 반품 승인 → RETURN_DONE
    (ClaimKind.RETURN, ClaimAction.REJECT): ("return/reject",
                                             lambda d: {"rejectReturnReason": d.memo or d.reason_code}),
    (ClaimKind.RETURN, ClaimAction.HOLD): ("return/holdback", lambda d: {
        "holdbackClassType": d.reason_code or "ETC", "holdbackReturnDetailReason": d.memo}),
    (ClaimKind.RETURN, ClaimAction.RELEASE_HOLD): ("return/holdback/release", lambda d: {}),
    (ClaimKind.EXCHANGE, ClaimAction.APPROVE): ("exchange/collect/approve", lambda d: {}),
    (ClaimKind.EXCHANGE, ClaimAction.RECEIVE): ("exchange/collect/approve", lambda d: {}),  # 교환 수거 완료
    (ClaimKind.EXCHANGE, ClaimAction.REJECT): ("exchange/reject",
                                               lambda d: {"rejectExchangeReason": d.memo or d.reason_code}),
    (ClaimKind.EXCHANGE, ClaimAction.HOLD): ("exchange/holdback", lambda d: {
        "holdbackClassType": d.reason_code or "ETC", "holdbackExchangeDetailReason": d.memo}),
    (ClaimKind.EXCHANGE, ClaimAction.RELEASE_HOLD): ("exchange/holdback/release", lambda d: {}),
    (ClaimKind.EXCHANGE, ClaimAction.RESHIP): ("exchange/dispatch", lambda d: {
        "reDeliveryMethod": "DELIVERY", "reDeliveryCompany": d.marketplace_carrier_code,
        "reDeliveryTrackingNumber": d.tracking_number}),
}


def parse_claim(item: Mapping[str, Any], prefix: str = "") -> ChannelClaim | None:
    """The claim of one `product-orders/query` item, None when it has none."""
    key = next((k for k in _KINDS if isinstance(item.get(k), Mapping) and item[k]), None)
    if key is None:
        return None
    claim = item[key]
    cp = v.field_path(prefix, key)
    po = v.obj(item, "productOrder", prefix, marketplace=MP, required=True)
    order = v.obj(item, "order", prefix, marketplace=MP, required=True)
    pp = v.field_path(prefix, "productOrder")

    def txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
        return v.text(obj.get(name), f"{base}.{name}", marketplace=MP, required=required)

    status = txt(claim, cp, "claimStatus") or txt(po, pp, "claimStatus", required=True)
    if status not in CLAIM_PROGRESS:
        raise MalformedPayload(f"{cp}.claimStatus", "알 수 없는 클레임 상태입니다", marketplace=MP, value=status)
    progress = CLAIM_PROGRESS[status]
    if claim.get("holdbackStatus") == "HOLDBACK" and progress in (ClaimProgress.REQUESTED, ClaimProgress.COLLECTED):
        progress = ClaimProgress.HELD
    claim_type = txt(po, pp, "claimType")
    requester = ClaimRequester.BUYER
    if claim_type == "ADMIN_CANCEL":
        requester = ClaimRequester.MARKETPLACE
    elif claim.get("requestChannel") == "판매자":
        requester = ClaimRequester.SELLER
    fee = v.integer(claim.get("claimDeliveryFeeDemandAmount"), f"{cp}.claimDeliveryFeeDemandAmount",
                    marketplace=MP, required=False)
    payer = FeePayer.NONE if key == "cancel" else (FeePayer.BUYER if fee > 0 else FeePayer.SELLER)
    done = claim.get("cancelCompletedDate") or claim.get("returnCompletedDate")
    quantity = v.integer(claim.get("requestQuantity"), f"{cp}.requestQuantity", marketplace=MP, required=False) \
        or v.integer(po.get("quantity"), f"{pp}.quantity", marketplace=MP, required=True)
    line_id = txt(po, pp, "productOrderId", required=True)
    return ChannelClaim(
        marketplace=Marketplace.NAVER, claim_id=f"{txt(claim, cp, 'claimId', required=True)}:{line_id}",
        kind=_KINDS[key], order_id=txt(order, v.field_path(prefix, "order"), "orderId", required=True),
        order_line_id=line_id, quantity=max(1, quantity), progress=progress,
        raw_status=f"{claim_type or key.upper()}:{status}", requester=requester,
        reason_code=txt(claim, cp, _REASON_KEY[key]), reason_text=txt(claim, cp, f"{_REASON_KEY[key][:-6]}DetailedReason"),
        requested_at=v.timestamp(claim.get("claimRequestDate"), f"{cp}.claimRequestDate", marketplace=MP),
        completed_at=v.timestamp(done, f"{cp}.completedDate", marketplace=MP, required=False),
        return_shipping_fee=fee, return_fee_payer=payer,
        collect_carrier_code=txt(claim, cp, "collectDeliveryCompany"),
        collect_tracking_number=txt(claim, cp, "collectTrackingNumber"),
        raw=dict(item),
    )


def parse_claims(items: Sequence[Mapping[str, Any]]) -> tuple[list[ChannelClaim], list[RecordError]]:
    """Each item on its own: a broken claim becomes a RecordError, the rest go on."""
    claims: list[ChannelClaim] = []
    errors: list[RecordError] = []
    for index, item in enumerate(items):
        po = item.get("productOrder") if isinstance(item, Mapping) else None
        line = str((po or {}).get("productOrderId") or "") if isinstance(po, Mapping) else ""
        try:
            claim = parse_claim(item, f"data[{index}]")
        except MalformedPayload as exc:
            errors.append(RecordError(order_line_id=line, field=exc.field, message=str(exc), raw=dict(item)))
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            errors.append(RecordError(order_line_id=line, field=".".join(str(p) for p in first["loc"]),
                                      message=first["msg"], raw=dict(item)))
            continue
        if claim is not None:
            claims.append(claim)
    return claims, errors


# where each decision leaves a claim at Naver (used to recognise a decision already applied)
_APPLIED: dict[ClaimAction, tuple[ClaimProgress, ...]] = {
    ClaimAction.APPROVE: (ClaimProgress.APPROVED, ClaimProgress.COLLECTING, ClaimProgress.COLLECTED,
                          ClaimProgress.RESHIPPED, ClaimProgress.COMPLETED),
    ClaimAction.REJECT: (ClaimProgress.REJECTED,),
    ClaimAction.HOLD: (ClaimProgress.HELD,),
    ClaimAction.RELEASE_HOLD: (ClaimProgress.REQUESTED, ClaimProgress.APPROVED, ClaimProgress.COLLECTING,
                               ClaimProgress.COLLECTED),
    ClaimAction.RESHIP: (ClaimProgress.RESHIPPED, ClaimProgress.COMPLETED),
    ClaimAction.COMPLETE: (ClaimProgress.COMPLETED,),
    ClaimAction.RECEIVE: (ClaimProgress.COLLECTED, ClaimProgress.RESHIPPED, ClaimProgress.COMPLETED),
}


class NaverClaims:
    """fetch_claims / decide_claims (mixed into NaverConnector)."""

    def fetch_claims(self, window: FetchWindow, cursor: str | None = None) -> ClaimPage:
        page = self.fetch_orders(window, cursor)
        items = [order.raw for order in page.orders] + [error.raw for error in page.errors if error.raw]
        claims, errors = parse_claims(items)
        return ClaimPage(claims=claims, errors=errors, next_cursor=page.next_cursor, has_more=page.has_more)

    def decide_claims(self, items: Sequence[ClaimDecision]) -> ClaimDecisionResult:
        result = ClaimDecisionResult()
        for item in items:
            if item.action == ClaimAction.SELLER_CANCEL:
                op, body = "cancel/request", {"cancelReason": item.reason_code or "SOLD_OUT",
                                              "cancelDetailedReason": item.memo, "cancelQuantity": item.quantity}
            elif (item.kind, item.action) in _OPS:
                op, build = _OPS[(item.kind, item.action)]
                body = build(item)
            else:
                result.failed.append(LineFailure(
                    order_line_id=item.order_line_id, code="UNSUPPORTED",
                    message=f"네이버는 이 처리를 API로 받지 않습니다 ({item.kind.value}/{item.action.value}); "
                            f"스마트스토어센터에서 처리하세요"))
                continue
            if item.action == ClaimAction.RESHIP and not (item.tracking_number and item.marketplace_carrier_code):
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM",
                                                 message="재배송 택배사 코드와 송장번호가 필요합니다"))
                continue
            path = CLAIM_PATH.format(id=quote(item.order_line_id, safe=""), op=op)
            try:
                payload = self._call("POST", path, json=body, idempotent=False)
            except BusinessError as exc:  # this claim refused; the others go on
                if self._already_applied(item):  # a retry after an answer lost on the way (a timeout)
                    result.done.append(item.order_line_id)
                else:
                    result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code,
                                                     message=exc.message))
                continue
            ok, failed = _processing_result(payload, [item.order_line_id])
            if failed and self._already_applied(item):  # refused in the answer's failProductOrderInfos
                ok, failed = [item.order_line_id], []
            result.done.extend(ok)
            result.failed.extend(failed)
        return result

    def _already_applied(self, item: ClaimDecision) -> bool:
        """Naver refuses a decision the claim has already had ("처리할 수 있는 클레임이 없습니다"): when the
        line's claim of the same kind now stands where the decision takes it, the earlier attempt — whose
        answer was lost — went through, and the decision is done. A re-read that is throttled or fails for
        the moment raises, so the outbox tries the whole decision again later (found by `marketdock bench
        claims`: a 429 on the re-read turned an applied cancel into a lasting refusal); any other failed
        re-read keeps the refusal."""
        try:
            claim = parse_claim(self.get_order(item.order_line_id).raw)
        except (RateLimited, TemporaryError):
            raise
        except ConnectorError:
            return False
        if claim is None:
            return False
        if item.action == ClaimAction.SELLER_CANCEL:
            return claim.kind == ClaimKind.CANCEL and claim.progress in (ClaimProgress.APPROVED,
                                                                         ClaimProgress.COMPLETED)
        return claim.kind == item.kind and claim.progress in _APPLIED.get(item.action, ())
