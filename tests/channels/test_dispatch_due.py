"""The marketplace's own 출고기한: Naver `productOrder.shippingDueDate` (KST, read as its KST date),
Coupang `orderItems[].estimatedShippingDate` ("" = none); a bad value names its field."""

from __future__ import annotations

from datetime import date

import pytest

from marketdock.channels.connectors import coupang, naver
from marketdock.channels.connectors.errors import MalformedPayload


def naver_item(**product_order):
    return {"order": {"orderId": "O1", "orderDate": "2026-09-22T23:30:00.000+09:00"},
            "productOrder": {"productOrderId": "PO1", "productOrderStatus": "PAYED", "quantity": 1,
                             "unitPrice": 1000, **product_order}}


@pytest.mark.parametrize("value, due", [
    ("2026-09-28T23:59:59.000+09:00", date(2026, 9, 28)),  # late evening KST stays that KST day
    ("2026-09-28T16:00:00Z", date(2026, 9, 29)),            # 01:00 KST the next day
    (None, None),
])
def test_naver_shipping_due_date(value, due):
    [line] = naver.parse_payload({"data": [naver_item(shippingDueDate=value)]})
    assert line.dispatch_due == due


def test_naver_bad_due_date_names_the_field():
    with pytest.raises(MalformedPayload) as info:
        naver.parse_payload({"data": [naver_item(shippingDueDate="다음주")]})
    assert info.value.field.endswith("productOrder.shippingDueDate")


def coupang_sheet(estimated):
    return {"shipmentBoxId": 1, "orderId": 2, "status": "ACCEPT", "orderedAt": "2026-09-22T10:00:00",
            "orderItems": [{"vendorItemId": 3, "shippingCount": 1, "salesPrice": 1000,
                            "estimatedShippingDate": estimated}]}


@pytest.mark.parametrize("value, due", [("2026-10-06", date(2026, 10, 6)), ("", None), (None, None)])
def test_coupang_estimated_shipping_date(value, due):
    [line] = coupang.parse_ordersheet(coupang_sheet(value))
    assert line.dispatch_due == due


def test_coupang_bad_estimated_date_names_the_field():
    with pytest.raises(MalformedPayload) as info:
        coupang.parse_ordersheet(coupang_sheet("10월 6일"))
    assert info.value.field.endswith("estimatedShippingDate")
