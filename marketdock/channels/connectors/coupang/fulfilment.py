"""Coupang fulfilment: 송장 업로드 = POST …/v4/vendors/{vendorId}/orders/invoices, one element per
vendorItemId, answered per shipmentBoxId (responseList). 발송지연 has no documented endpoint
(UnsupportedOperation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base import (
    unique_lines,
)
from ..errors import BusinessError, UnsupportedOperation
from ..models import (
    DelayItem,
    DelayResult,
    DispatchItem,
    DispatchResult,
    LineFailure,
)
from .auth import MP
from .orders import split_line_id
from .transport import box_results

INVOICE_BATCH = 50


class CoupangFulfilment:
    """송장 업로드 (mixed into CoupangConnector)."""


    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """송장 업로드 (INSTRUCT → DEPARTURE): one element per vendorItemId, answered per shipment box.
        "direct" is sent as deliveryCompanyCode DIRECT (업체직송, not tracked; the tracking number, or
        the shipment box id when there is none, as invoiceNumber). Coupang has no 방문수령."""
        result = DispatchResult()
        lines_by_box: dict[str, list[str]] = {}
        dtos: list[dict[str, Any]] = []
        for item in unique_lines(items):
            try:
                box, vendor_item = split_line_id(item.order_line_id)
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code, message=exc.message))
                continue
            problem = item.missing()
            if item.method == "visit":
                problem = "쿠팡은 방문수령 발송처리를 지원하지 않습니다"
            if not problem and not item.order_id.isdigit():
                problem = f"쿠팡 주문번호(orderId)가 필요합니다: {item.order_id!r}"
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            direct = item.method == "direct"
            dtos.append({
                "shipmentBoxId": int(box), "orderId": int(item.order_id), "vendorItemId": int(vendor_item),
                "deliveryCompanyCode": "DIRECT" if direct else item.marketplace_carrier_code,
                "invoiceNumber": (item.tracking_number or box) if direct else item.tracking_number,
                "splitShipping": False, "preSplitShipped": False, "estimatedShippingDate": "",
            })
            lines_by_box.setdefault(box, []).append(item.order_line_id)
        for start in range(0, len(dtos), INVOICE_BATCH):
            chunk = dtos[start:start + INVOICE_BATCH]
            payload = self._call("POST", f"{self._prefix}/orders/invoices", idempotent=False,
                                 json={"vendorId": self.credentials.vendor_id, "orderSheetInvoiceApplyDtos": chunk})
            boxes = list(dict.fromkeys(str(dto["shipmentBoxId"]) for dto in chunk))
            lines = {box: [line for line in lines_by_box[box]
                           if any(f"{dto['shipmentBoxId']}-{dto['vendorItemId']}" == line for dto in chunk)]
                     for box in boxes}
            ok, failed = box_results(payload, lines)
            result.sent.extend(ok)
            result.failed.extend(failed)
        return result

    def delay(self, items: Sequence[DelayItem]) -> DelayResult:
        raise UnsupportedOperation("쿠팡 WING Open API에는 발송지연 안내 API가 문서화되어 있지 않습니다 — "
                                   "WING에서 출고예정일을 변경하세요", marketplace=MP)
