"""Naver fulfilment.

- 발송처리: POST /v1/pay-order/seller/product-orders/dispatch, ≤30 lines per call (DELIVERY with
  deliveryCompanyCode + trackingNumber; VISIT_RECEIPT / DIRECT_DELIVERY without); partial success.
- 발송지연: POST /v1/pay-order/seller/product-orders/{productOrderId}/delay, one line per call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any
from urllib.parse import quote

from .. import values as v
from ..base import (
    unique_lines,
)
from ..errors import BusinessError, MalformedPayload
from ..models import (
    DelayItem,
    DelayResult,
    DispatchItem,
    DispatchResult,
    LineFailure,
)
from .auth import MP
from .transport import response_data

DISPATCH_PATH = "/v1/pay-order/seller/product-orders/dispatch"
DELAY_PATH = "/v1/pay-order/seller/product-orders/{id}/delay"

DISPATCH_BATCH = 30

DELIVERY_METHODS = {"parcel": "DELIVERY", "visit": "VISIT_RECEIPT", "direct": "DIRECT_DELIVERY"}
DELAY_REASONS = ("PRODUCT_PREPARE", "CUSTOMER_REQUEST", "CUSTOM_BUILD", "RESERVED_DISPATCH", "OVERSEA_DELIVERY", "ETC")


class NaverFulfilment:
    """발송처리 and 발송지연 (mixed into NaverConnector)."""

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        result = DispatchResult()
        sendable: list[dict[str, Any]] = []
        for item in unique_lines(items):
            problem = item.missing()
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            entry: dict[str, Any] = {"productOrderId": item.order_line_id,
                                     "deliveryMethod": DELIVERY_METHODS[item.method],
                                     "dispatchDate": v.kst_iso(item.shipped_at)}
            if item.method == "parcel":
                entry["deliveryCompanyCode"] = item.marketplace_carrier_code
                entry["trackingNumber"] = item.tracking_number
            sendable.append(entry)
        for start in range(0, len(sendable), DISPATCH_BATCH):
            chunk = sendable[start:start + DISPATCH_BATCH]
            payload = self._call("POST", DISPATCH_PATH, json={"dispatchProductOrders": chunk}, idempotent=False)
            ok, failed = _processing_result(payload, [entry["productOrderId"] for entry in chunk])
            result.sent.extend(ok)
            result.failed.extend(failed)
        return result

    def delay(self, items: Sequence[DelayItem]) -> DelayResult:
        result = DelayResult()
        for item in items:
            if item.reason_code not in DELAY_REASONS:
                result.failed.append(LineFailure(
                    order_line_id=item.order_line_id, code="INVALID_REASON",
                    message=f"네이버 발송지연 사유 코드가 아닙니다: {item.reason_code!r} "
                            f"(가능: {', '.join(DELAY_REASONS)})"))
                continue
            due = datetime.combine(item.expected_date, time(23, 59, 59), tzinfo=v.KST)
            body = {"dispatchDueDate": v.kst_iso(due), "delayedDispatchReason": item.reason_code,
                    "dispatchDelayedDetailedReason": item.message}
            try:
                payload = self._call("POST", DELAY_PATH.format(id=quote(item.order_line_id, safe="")), json=body,
                                     idempotent=False)
            except BusinessError as exc:  # one line refused (wrong state, bad date): the others go on
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code, message=exc.message))
                continue
            ok, failed = _processing_result(payload, [item.order_line_id])
            result.delayed.extend(ok)
            result.failed.extend(failed)
        return result


# --- answers ----------------------------------------------------------------------------------

def _processing_result(payload: Any, sent_ids: Sequence[str]) -> tuple[list[str], list[LineFailure]]:
    """The common 처리 결과 (dispatch, delay): data{successProductOrderIds, failProductOrderInfos}.
    A line the answer does not mention is a retryable failure (the caller re-reads before retrying)."""
    data = response_data(payload)
    if not isinstance(data, Mapping):
        raise MalformedPayload("data", "객체가 아닙니다", marketplace=MP, value=data)
    ok = [str(line) for line in data.get("successProductOrderIds") or []]
    failed: list[LineFailure] = []
    answered = set(ok)
    for i, bad in enumerate(data.get("failProductOrderInfos") or []):
        line = v.text(bad.get("productOrderId"), f"data.failProductOrderInfos[{i}].productOrderId", marketplace=MP,
                      required=True)
        answered.add(line)
        failed.append(LineFailure(order_line_id=line, code=str(bad.get("code") or ""),
                                  message=str(bad.get("message") or "")))
    for line in sent_ids:
        if line not in answered:
            failed.append(LineFailure(order_line_id=line, code="NO_ANSWER", message="응답에 결과가 없습니다",
                                      retryable=True))
    return [line for line in ok if line in set(sent_ids)], failed
