"""Coupang cancels, returns and exchanges (WING §2.7).

- Cancels and returns: `GET v6/vendors/{vendorId}/returnRequests` per status (RU 출고중지요청, UC
  반품접수, PR 쿠팡확인요청, CC 반품완료) and `cancelType=CANCEL` (cancels done at once while ACCEPT,
  listed without a status), day range ≤31 days, `nextToken` paging. One receipt covers several
  items: each item is one claim (`{receiptId}-{vendorItemId}`) on line `{shipmentBoxId}-{vendorItemId}`.
- Exchanges: `GET v4/vendors/{vendorId}/exchangeRequests` (≤7 days, `nextToken`), claim id
  `EX{exchangeId}-{vendorItemId}`.
- Coupang filters these lists by creation time, so a claim's later status changes are seen by reading
  back `LOOKBACK` days before the window on every run (the ingest is idempotent).
- Decisions: 출고중지완료 (cancel approve) `PATCH v4 …/returnRequests/{receiptId}/stoppedShipment`,
  반품승인 `PATCH v5 …/returnRequests/{receiptId}/approval`, 교환 입고확인 `PATCH v4
  …/exchangeRequests/{exchangeId}/receiveConfirmation`, 교환거부 `…/rejection`, 교환 재배송 송장
  `POST …/exchangeRequests/{exchangeId}/invoices`, 판매자 취소 `POST v5 …/orders/{orderId}/cancel`.
  Coupang has no API to reject or hold a return: those are refused here with the reason.
- Completing a return (COMPLETE, once its goods are back and inspected), Coupang's published flow:
  반품상품 입고확인 `PATCH v5 …/returnRequests/{receiptId}/receiveConfirmation {vendorId, receiptId}`
  (→ VENDOR_WAREHOUSE_CONFIRM), then 반품승인 `…/approval` (→ RETURNS_COMPLETED). The receipt is read
  first (`GET v6 …/returnRequests/{receiptId}`) so a step already taken — by an earlier attempt whose
  answer was lost, or in WING — is not sent again, and a refused step is re-read before it counts as a
  refusal.
- Coupang's logistics pick returned and exchanged goods up: approving a return request is no call
  (반품승인 is the refund, 반품완료 — marketdock sends it only as COMPLETE), and an exchange's 입고확인
  goes out as RECEIVE when the item arrived at the seller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from .. import values as v
from ..base import decode_cursor, encode_cursor
from ..cs_models import (
    ChannelClaim,
    ClaimAction,
    ClaimDecision,
    ClaimDecisionResult,
    ClaimKind,
    ClaimPage,
    ClaimProgress,
    FeePayer,
)
from ..errors import BusinessError, MalformedPayload
from ..models import FetchWindow, LineFailure, Marketplace, RecordError
from .auth import MP
from .orders import split_line_id
from .transport import envelope

OPENAPI = "/v2/providers/openapi/apis/api"
LOOKBACK = timedelta(days=7)
SLICE = timedelta(days=7)  # exchanges: ≤7 days per call (returns allow 31; one slicing for both)
CLAIM_PAGE = 50
PHASES = ("RU", "UC", "PR", "CC", "CANCEL", "EXCHANGE")

# THE status tables: Coupang receiptStatus / exchangeStatus → how far Coupang has taken the claim
RECEIPT_PROGRESS: dict[str, ClaimProgress] = {
    "RELEASE_STOP_UNCHECKED": ClaimProgress.REQUESTED,  # 출고중지요청 (a cancel before shipping)
    "RETURNS_UNCHECKED": ClaimProgress.REQUESTED,  # 반품접수 (COLLECTING once a pickup invoice exists)
    "REQUEST_COUPANG_CHECK": ClaimProgress.REQUESTED,  # 쿠팡확인요청
    "VENDOR_WAREHOUSE_CONFIRM": ClaimProgress.COLLECTED,  # 입고확인
    "RETURNS_COMPLETED": ClaimProgress.COMPLETED,  # 반품완료 / 취소완료
}
EXCHANGE_PROGRESS: dict[str, ClaimProgress] = {
    "RECEIPT": ClaimProgress.REQUESTED,  # 접수
    "PROGRESS": ClaimProgress.APPROVED,  # 진행 (refined by collectStatus / re-ship invoices)
    "SUCCESS": ClaimProgress.COMPLETED,
    "REJECT": ClaimProgress.REJECTED,
    "CANCEL": ClaimProgress.WITHDRAWN,  # the buyer withdrew
}
COLLECT_PROGRESS = {"Collecting": ClaimProgress.COLLECTING, "CompleteCollect": ClaimProgress.COLLECTED}
EXCHANGE_REJECT_CODES = ("SOLDOUT", "WITHDRAW")


def _txt(obj: Mapping[str, Any], base: str, name: str, required: bool = False) -> str:
    return v.text(obj.get(name), f"{base}.{name}", marketplace=MP, required=required)


def _collect(dtos: Any) -> tuple[str, str]:
    for dto in dtos if isinstance(dtos, list) else []:
        if isinstance(dto, Mapping) and dto.get("deliveryInvoiceNo"):
            return str(dto.get("deliveryCompanyCode") or ""), str(dto["deliveryInvoiceNo"])
    return "", ""


def parse_receipt(receipt: Mapping[str, Any], prefix: str = "") -> list[ChannelClaim]:
    """One returnRequests record → one claim per returned item."""
    receipt_id = _txt(receipt, prefix, "receiptId", required=True)
    status = _txt(receipt, prefix, "receiptStatus")
    receipt_type = _txt(receipt, prefix, "receiptType")
    if receipt_type == "CANCEL" and not status:  # cancelType=CANCEL: done at once
        status = "RETURNS_COMPLETED"
    if status not in RECEIPT_PROGRESS:
        raise MalformedPayload(f"{prefix}.receiptStatus", "알 수 없는 반품 상태입니다", marketplace=MP, value=status)
    kind = ClaimKind.CANCEL if receipt_type == "CANCEL" or status == "RELEASE_STOP_UNCHECKED" else ClaimKind.RETURN
    carrier, tracking = _collect(receipt.get("returnDeliveryDtos"))
    progress = RECEIPT_PROGRESS[status]
    if progress == ClaimProgress.REQUESTED and kind == ClaimKind.RETURN and tracking:
        progress = ClaimProgress.COLLECTING
    requested = v.timestamp(receipt.get("createdAt"), f"{prefix}.createdAt", marketplace=MP)
    fee = abs(v.integer(receipt.get("returnShippingCharge"), f"{prefix}.returnShippingCharge", marketplace=MP,
                        required=False))
    payer = FeePayer.NONE if kind == ClaimKind.CANCEL else (
        FeePayer.SELLER if receipt.get("faultByType") == "VENDOR" else FeePayer.BUYER)
    items = receipt.get("returnItems")
    if not isinstance(items, list) or not items:
        raise MalformedPayload(f"{prefix}.returnItems", "목록이 비어 있습니다", marketplace=MP, value=items)
    claims = []
    for i, item in enumerate(items):
        ip = f"{prefix}.returnItems[{i}]"
        vendor_item = _txt(item, ip, "vendorItemId", required=True)
        claims.append(ChannelClaim(
            marketplace=Marketplace.COUPANG, claim_id=f"{receipt_id}-{vendor_item}", kind=kind,
            order_id=_txt(receipt, prefix, "orderId", required=True),
            order_line_id=f"{_txt(item, ip, 'shipmentBoxId', required=True)}-{vendor_item}",
            quantity=max(1, v.integer(item.get("cancelCount"), f"{ip}.cancelCount", marketplace=MP)),
            progress=progress, raw_status=status, reason_code=_txt(receipt, prefix, "reasonCode"),
            reason_text=_txt(receipt, prefix, "cancelReason") or _txt(receipt, prefix, "reasonCodeText"),
            requested_at=requested,
            completed_at=v.timestamp(receipt.get("completeConfirmDate"), f"{prefix}.completeConfirmDate",
                                     marketplace=MP, required=False),
            return_shipping_fee=fee, return_fee_payer=payer, collect_carrier_code=carrier,
            collect_tracking_number=tracking, raw=dict(receipt)))
    return claims


def parse_exchange(record: Mapping[str, Any], prefix: str = "") -> list[ChannelClaim]:
    """One exchangeRequests record → one claim per exchanged item."""
    exchange_id = _txt(record, prefix, "exchangeId", required=True)
    status = _txt(record, prefix, "exchangeStatus", required=True)
    if status not in EXCHANGE_PROGRESS:
        raise MalformedPayload(f"{prefix}.exchangeStatus", "알 수 없는 교환 상태입니다", marketplace=MP, value=status)
    progress = EXCHANGE_PROGRESS[status]
    collect = _txt(record, prefix, "collectStatus")
    if status == "PROGRESS":
        progress = COLLECT_PROGRESS.get(collect, progress)
        if record.get("deliveryInvoiceGroupDtos"):
            progress = ClaimProgress.RESHIPPED
        elif record.get("holdStatus") == "HOLD":
            progress = ClaimProgress.HELD
    carrier, tracking = _collect(record.get("returnDeliveryDtos"))
    fee = v.integer(record.get("exchangeAmount"), f"{prefix}.exchangeAmount", marketplace=MP, required=False)
    items = record.get("exchangeItemDtoV1s")
    if not isinstance(items, list) or not items:
        raise MalformedPayload(f"{prefix}.exchangeItemDtoV1s", "목록이 비어 있습니다", marketplace=MP, value=items)
    requested = v.timestamp(record.get("createdAt"), f"{prefix}.createdAt", marketplace=MP)
    claims = []
    for i, item in enumerate(items):
        ip = f"{prefix}.exchangeItemDtoV1s[{i}]"
        vendor_item = _txt(item, ip, "orderItemId", required=True)
        claims.append(ChannelClaim(
            marketplace=Marketplace.COUPANG, claim_id=f"EX{exchange_id}-{vendor_item}", kind=ClaimKind.EXCHANGE,
            order_id=_txt(record, prefix, "orderId", required=True),
            order_line_id=f"{_txt(item, ip, 'originalShipmentBoxId', required=True)}-{vendor_item}",
            quantity=max(1, v.integer(item.get("quantity"), f"{ip}.quantity", marketplace=MP)), progress=progress,
            raw_status=f"{status}/{collect}" if collect else status, reason_code=_txt(record, prefix, "reasonCode"),
            reason_text=_txt(record, prefix, "reasonEtcDetail") or _txt(record, prefix, "reasonCodeText"),
            requested_at=requested, return_shipping_fee=fee,
            return_fee_payer=FeePayer.SELLER if record.get("faultType") == "VENDOR" else FeePayer.BUYER,
            collect_carrier_code=carrier, collect_tracking_number=tracking,
            exchange_option_text=_txt(item, ip, "targetItemName"), raw=dict(record)))
    return claims


def parse_claim_list(payload: Any, exchanges: bool = False) -> tuple[list[ChannelClaim], list[RecordError], str]:
    """A whole list answer → (claims, errors per broken record, nextToken)."""
    data = envelope(payload)
    if not isinstance(data, list):
        raise MalformedPayload("data", "목록이 아닙니다", marketplace=MP, value=data)
    parse = parse_exchange if exchanges else parse_receipt
    key = "exchangeId" if exchanges else "receiptId"
    claims: list[ChannelClaim] = []
    errors: list[RecordError] = []
    for index, record in enumerate(data):
        try:
            claims.extend(parse(record, f"data[{index}]"))
        except MalformedPayload as exc:
            errors.append(RecordError(order_id=str((record or {}).get("orderId") or ""), field=exc.field,
                                      message=str(exc), raw={"id": str((record or {}).get(key) or ""), **record}))
        except ValidationError as exc:
            first = exc.errors()[0]
            errors.append(RecordError(order_id=str(record.get("orderId") or ""), field=f"data[{index}]",
                                      message=first["msg"], raw=dict(record)))
    token = str(payload.get("nextToken") or "") if isinstance(payload, Mapping) else ""
    return claims, errors, token


def _kst_naive(moment: datetime) -> str:
    return moment.astimezone(v.KST).strftime("%Y-%m-%dT%H:%M:%S")


def _slices(window: FetchWindow) -> list[tuple[datetime, datetime]]:
    start, end = window.start - LOOKBACK, window.end
    slices = []
    while start < end:
        slices.append((start, min(end, start + SLICE)))
        start += SLICE
    return slices or [(window.start, window.end)]


def _checked(payload: Any) -> Any:
    """A decision's answer, or BusinessError with Coupang's words when it says the call did not go through."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if isinstance(data, Mapping) and data.get("resultCode") not in (None, "SUCCESS"):
        raise BusinessError(str(data.get("resultMessage") or data.get("resultCode")), marketplace=MP,
                            code=str(data.get("resultCode")))
    if isinstance(payload, Mapping) and str(payload.get("code", "200")) != "200":
        raise BusinessError(str(payload.get("message") or payload.get("code")), marketplace=MP,
                            code=str(payload.get("code")))
    return payload


class CoupangClaims:
    """fetch_claims / decide_claims (mixed into CoupangConnector)."""

    def _claims_call(self, phase: str, since: datetime, until: datetime, token: str) -> Any:
        vendor = quote(self.credentials.vendor_id, safe="")
        size = str(min(CLAIM_PAGE, self.page_size))
        if phase == "EXCHANGE":
            params = [("createdAtFrom", _kst_naive(since)), ("createdAtTo", _kst_naive(until)), ("maxPerPage", size)]
            path = f"{OPENAPI}/v4/vendors/{vendor}/exchangeRequests"
        else:
            params = [("createdAtFrom", v.kst_date(since).isoformat()), ("createdAtTo", v.kst_date(until).isoformat()),
                      ("cancelType", "CANCEL") if phase == "CANCEL" else ("status", phase), ("maxPerPage", size)]
            path = f"{OPENAPI}/v6/vendors/{vendor}/returnRequests"
        if token:
            params.append(("nextToken", token))
        return self._call("GET", path, params=params)

    def fetch_claims(self, window: FetchWindow, cursor: str | None = None) -> ClaimPage:
        slices = _slices(window)
        state = decode_cursor(cursor, MP) or {"p": 0, "s": 0, "t": ""}
        phase, index = int(state["p"]), int(state["s"])
        since, until = slices[min(index, len(slices) - 1)]
        claims, errors, token = parse_claim_list(self._claims_call(PHASES[phase], since, until, state["t"]),
                                                 exchanges=PHASES[phase] == "EXCHANGE")
        if token:
            following = {"p": phase, "s": index, "t": token}
        elif index + 1 < len(slices):
            following = {"p": phase, "s": index + 1, "t": ""}
        elif phase + 1 < len(PHASES):
            following = {"p": phase + 1, "s": 0, "t": ""}
        else:
            following = None
        return ClaimPage(claims=claims, errors=errors, has_more=following is not None,
                         next_cursor=encode_cursor(following) if following else None)

    def _decision_call(self, item: ClaimDecision) -> Any:
        vendor_id = self.credentials.vendor_id
        vendor = quote(vendor_id, safe="")
        group = item.claim_id.split("-", 1)[0].removeprefix("EX")
        box, vendor_item = split_line_id(item.order_line_id)
        kind, action = item.kind, item.action
        if action == ClaimAction.SELLER_CANCEL:
            body = {"orderId": int(item.order_id), "vendorItemIds": [int(vendor_item)],
                    "receiptCounts": [item.quantity], "bigCancelCode": "CANERR",
                    "middleCancelCode": item.reason_code or "CCPNER", "vendorId": vendor_id,
                    "userId": getattr(self.credentials, "wing_user_id", "") or vendor_id}
            return self._call("POST", f"{OPENAPI}/v5/vendors/{vendor}/orders/{quote(item.order_id, safe='')}/cancel",
                              json=body, idempotent=False)
        if not group.isdigit():
            raise BusinessError(f"쿠팡 클레임 번호가 아닙니다: {item.claim_id!r}", marketplace=MP, code="INVALID_ITEM")
        if kind == ClaimKind.CANCEL and action == ClaimAction.APPROVE:
            return self._call("PATCH", f"{OPENAPI}/v4/vendors/{vendor}/returnRequests/{group}/stoppedShipment",
                              json={"vendorId": vendor_id, "receiptId": int(group), "cancelCount": item.quantity},
                              idempotent=False)
        if kind == ClaimKind.RETURN and action == ClaimAction.APPROVE:
            return self._call("PATCH", f"{OPENAPI}/v5/vendors/{vendor}/returnRequests/{group}/approval",
                              json={"vendorId": vendor_id, "receiptId": int(group), "cancelCount": item.quantity},
                              idempotent=False)
        base = f"{OPENAPI}/v4/vendors/{vendor}/exchangeRequests/{group}"
        if kind == ClaimKind.EXCHANGE and action in (ClaimAction.APPROVE, ClaimAction.RECEIVE):  # 교환 입고확인
            return self._call("PATCH", f"{base}/receiveConfirmation", json={"exchangeId": int(group),
                                                                             "vendorId": vendor_id}, idempotent=False)
        if kind == ClaimKind.EXCHANGE and action == ClaimAction.REJECT:
            code = item.reason_code if item.reason_code in EXCHANGE_REJECT_CODES else "SOLDOUT"
            return self._call("PATCH", f"{base}/rejection", json={"exchangeId": int(group), "vendorId": vendor_id,
                                                                   "exchangeRejectCode": code}, idempotent=False)
        if kind == ClaimKind.EXCHANGE and action == ClaimAction.RESHIP:
            if not (item.marketplace_carrier_code and item.tracking_number):
                raise BusinessError("재배송 택배사 코드와 송장번호가 필요합니다", marketplace=MP, code="INVALID_ITEM")
            return self._call("POST", f"{base}/invoices", json=[{
                "exchangeId": group, "vendorId": vendor_id, "shipmentBoxId": box,
                "goodsDeliveryCode": item.marketplace_carrier_code, "invoiceNumber": item.tracking_number}],
                idempotent=False)
        raise BusinessError(f"쿠팡은 이 처리를 API로 받지 않습니다 ({kind.value}/{action.value}); WING에서 처리하세요",
                            marketplace=MP, code="UNSUPPORTED")

    def _receipt_status(self, group: str) -> str:
        """The receiptStatus of one return receipt as Coupang has it now."""
        vendor = quote(self.credentials.vendor_id, safe="")
        data = envelope(self._call("GET", f"{OPENAPI}/v6/vendors/{vendor}/returnRequests/{group}"))
        record = data[0] if isinstance(data, list) and data else data
        if not isinstance(record, Mapping):
            raise MalformedPayload("data", "반품 접수 정보가 없습니다", marketplace=MP, value=data)
        return _txt(record, "data", "receiptStatus", required=True)

    def _complete_return(self, item: ClaimDecision) -> None:
        """입고확인 (unless the receipt is past it) then 반품승인 (unless already completed)."""
        group = item.claim_id.split("-", 1)[0]
        if not group.isdigit():
            raise BusinessError(f"쿠팡 클레임 번호가 아닙니다: {item.claim_id!r}", marketplace=MP, code="INVALID_ITEM")
        vendor_id = self.credentials.vendor_id
        base = f"{OPENAPI}/v5/vendors/{quote(vendor_id, safe='')}/returnRequests/{group}"
        status = self._receipt_status(group)
        steps = (("receiveConfirmation", {"vendorId": vendor_id, "receiptId": int(group)},
                  ("VENDOR_WAREHOUSE_CONFIRM", "RETURNS_COMPLETED")),
                 ("approval", {"vendorId": vendor_id, "receiptId": int(group), "cancelCount": item.quantity},
                  ("RETURNS_COMPLETED",)))
        for op, body, past in steps:
            if status in past:
                continue
            try:
                _checked(self._call("PATCH", f"{base}/{op}", json=body, idempotent=False))
            except BusinessError:
                status = self._receipt_status(group)  # taken by an attempt whose answer was lost?
                if status not in past:
                    raise
                continue
            status = past[0]

    def decide_claims(self, items: Sequence[ClaimDecision]) -> ClaimDecisionResult:
        result = ClaimDecisionResult()
        for item in items:
            try:
                if item.kind == ClaimKind.RETURN and item.action == ClaimAction.COMPLETE:
                    self._complete_return(item)
                else:
                    _checked(self._decision_call(item))
            except BusinessError as exc:  # this claim refused; the others go on
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code or "REFUSED",
                                                 message=exc.message))
                continue
            result.done.append(item.order_line_id)
        return result
