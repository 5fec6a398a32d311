"""Every documented marketplace status maps to a progress and a pending claim by the connector's own
table (Naver productOrderStatus + placeOrderStatus + claimStatus, Coupang ordersheet status + cancel
holds, Shopify financial + fulfilment status + cancelledAt + returnStatus), and dispatched lines carry
the marketplace's tracking number and carrier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketdock.channels.connectors import coupang, naver, shopify
from marketdock.channels.connectors.errors import MalformedPayload
from marketdock.channels.connectors.models import Claim, Progress

SAMPLES = Path(__file__).resolve().parent / "fixtures"  # copies of the published marketplace samples

P, C = Progress, Claim

NAVER_STATUS = [
    ("PAYMENT_WAITING", "", P.WAITING), ("PAYED", "NOT_YET", P.PAID), ("PAYED", "OK", P.CONFIRMED),
    ("DELIVERING", "OK", P.IN_TRANSIT), ("DELIVERED", "OK", P.DELIVERED), ("PURCHASE_DECIDED", "OK", P.DELIVERED),
    ("EXCHANGED", "OK", P.DELIVERED), ("CANCELED", "", P.CANCELLED), ("CANCELED_BY_NOPAYMENT", "", P.CANCELLED),
    ("RETURNED", "OK", P.RETURNED),
]


@pytest.mark.parametrize(("status", "place", "progress"), NAVER_STATUS)
def test_naver_product_order_status_row(status, place, progress):
    assert naver.marketplace_state(status, "", "", place) == (progress, C.NONE)


NAVER_CLAIMS = [
    ("PAYED", "CANCEL", "CANCEL_REQUEST", P.PAID, C.CANCEL), ("PAYED", "CANCEL", "CANCELING", P.PAID, C.CANCEL),
    ("PAYED", "ADMIN_CANCEL", "ADMIN_CANCELING", P.PAID, C.CANCEL),
    ("CANCELED", "CANCEL", "CANCEL_DONE", P.CANCELLED, C.NONE),
    ("CANCELED", "ADMIN_CANCEL", "ADMIN_CANCEL_DONE", P.CANCELLED, C.NONE),
    ("PAYED", "CANCEL", "CANCEL_REJECT", P.PAID, C.NONE), ("PAYED", "ADMIN_CANCEL", "ADMIN_CANCEL_REJECT", P.PAID, C.NONE),
    ("DELIVERED", "RETURN", "RETURN_REQUEST", P.DELIVERED, C.RETURN),
    ("DELIVERED", "RETURN", "COLLECTING", P.DELIVERED, C.RETURN),
    ("DELIVERED", "RETURN", "COLLECT_DONE", P.DELIVERED, C.RETURN),
    ("RETURNED", "RETURN", "RETURN_DONE", P.RETURNED, C.NONE), ("DELIVERED", "RETURN", "RETURN_REJECT", P.DELIVERED, C.NONE),
    ("DELIVERED", "EXCHANGE", "EXCHANGE_REQUEST", P.DELIVERED, C.EXCHANGE),
    ("DELIVERED", "EXCHANGE", "COLLECTING", P.DELIVERED, C.EXCHANGE),
    ("DELIVERED", "EXCHANGE", "COLLECT_DONE", P.DELIVERED, C.EXCHANGE),
    ("DELIVERED", "EXCHANGE", "EXCHANGE_REDELIVERING", P.DELIVERED, C.EXCHANGE),
    ("EXCHANGED", "EXCHANGE", "EXCHANGE_DONE", P.DELIVERED, C.NONE),
    ("DELIVERED", "EXCHANGE", "EXCHANGE_REJECT", P.DELIVERED, C.NONE),
    ("DELIVERED", "PURCHASE_DECISION_HOLDBACK", "PURCHASE_DECISION_HOLDBACK", P.DELIVERED, C.NONE),
    ("DELIVERED", "PURCHASE_DECISION_HOLDBACK", "PURCHASE_DECISION_REQUEST", P.DELIVERED, C.NONE),
    ("DELIVERED", "PURCHASE_DECISION_HOLDBACK", "PURCHASE_DECISION_HOLDBACK_RELEASE", P.DELIVERED, C.NONE),
]


@pytest.mark.parametrize(("status", "claim_type", "claim_status", "progress", "claim"), NAVER_CLAIMS)
def test_naver_claim_status_row(status, claim_type, claim_status, progress, claim):
    assert naver.marketplace_state(status, claim_type, claim_status, "NOT_YET" if status == "PAYED" else "") == (
        progress, claim)


def test_naver_tables_cover_every_documented_status():
    documented = {"CANCEL_REQUEST", "CANCELING", "CANCEL_DONE", "CANCEL_REJECT", "RETURN_REQUEST", "EXCHANGE_REQUEST",
                  "COLLECTING", "COLLECT_DONE", "EXCHANGE_REDELIVERING", "RETURN_DONE", "EXCHANGE_DONE",
                  "RETURN_REJECT", "EXCHANGE_REJECT", "PURCHASE_DECISION_HOLDBACK", "PURCHASE_DECISION_REQUEST",
                  "PURCHASE_DECISION_HOLDBACK_RELEASE", "ADMIN_CANCELING", "ADMIN_CANCEL_DONE", "ADMIN_CANCEL_REJECT"}
    assert {row[2] for row in NAVER_CLAIMS} == documented
    assert {row[0] for row in NAVER_STATUS} == set(naver.PROGRESS)
    with pytest.raises(MalformedPayload):
        naver.marketplace_state("PAYED", "CANCEL", "SOMETHING_NEW", "")
    with pytest.raises(MalformedPayload):
        naver.marketplace_state("TELEPORTED", "", "", "")


def _naver_item(status: str, *, place: str = "OK", claim: tuple[str, str] | None = None, delivery=None) -> dict:
    po = {"productOrderId": "2024050112345601", "productOrderStatus": status, "placeOrderStatus": place,
          "productName": "유기농 현미 4kg", "quantity": 1, "unitPrice": 19900, "totalPaymentAmount": 19900,
          "shippingAddress": {"name": "김민준", "baseAddress": "서울 강남구 테헤란로 152"}}
    if claim:
        po["claimType"], po["claimStatus"] = claim
    return {"order": {"orderId": "2024050110000001", "orderDate": "2024-05-01T10:00:00.000+09:00"},
            "productOrder": po, "delivery": delivery}


def test_naver_dispatched_line_carries_tracking_and_carrier():
    line = naver.parse_product_order(_naver_item("DELIVERING", delivery={
        "deliveryMethod": "DELIVERY", "deliveryCompany": "CJGLS", "trackingNumber": "612345678901",
        "sendDate": "2024-05-02T09:00:00.000+09:00"}))
    assert (line.progress, line.claim) == (P.IN_TRANSIT, C.NONE)
    assert (line.carrier_code, line.tracking_number) == ("CJGLS", "612345678901")
    assert line.dispatched_at.isoformat() == "2024-05-02T00:00:00+00:00"
    waiting = naver.parse_product_order(_naver_item("PAYED", place="NOT_YET", claim=("CANCEL", "CANCEL_REQUEST")))
    assert (waiting.progress, waiting.claim, waiting.tracking_number) == (P.PAID, C.CANCEL, "")


COUPANG_ROWS = [("ACCEPT", P.PAID), ("INSTRUCT", P.CONFIRMED), ("DEPARTURE", P.SHIPPED), ("DELIVERING", P.IN_TRANSIT),
                ("FINAL_DELIVERY", P.DELIVERED), ("NONE_TRACKING", P.SHIPPED)]


def _coupang_sheet(status: str, **item_values) -> dict:
    sheet = json.loads((SAMPLES / "coupang" / "delivery__lookup-order-list-per-day.response.json").read_text())["data"][0]
    sheet = {**sheet, "status": status}
    sheet["orderItems"] = [{**sheet["orderItems"][0], **item_values}]
    return sheet


@pytest.mark.parametrize(("status", "progress"), COUPANG_ROWS)
def test_coupang_ordersheet_status_row(status, progress):
    (line,) = coupang.parse_ordersheet(_coupang_sheet(status))
    assert (line.progress, line.claim) == (progress, C.NONE)
    shipped = progress in (P.SHIPPED, P.IN_TRANSIT, P.DELIVERED)
    assert (line.tracking_number, line.carrier_code) == (("340010913442", "CJ 대한통운") if shipped else ("", ""))
    assert set(coupang.PROGRESS) == {row[0] for row in COUPANG_ROWS}


@pytest.mark.parametrize("status", ["ACCEPT", "INSTRUCT"])
def test_coupang_cancel_hold_is_a_pending_cancel_and_a_cancel_count_a_decided_one(status):
    (held,) = coupang.parse_ordersheet(_coupang_sheet(status, holdCountForCancel=1))
    assert (held.progress, held.claim, str(held.status)) == (coupang.PROGRESS[status], C.CANCEL, "cancel_requested")
    (gone,) = coupang.parse_ordersheet(_coupang_sheet(status, cancelCount=1, canceled=True))
    assert (gone.progress, gone.claim) == (P.CANCELLED, C.NONE)


SHOPIFY_ROWS = [
    # financial, fulfilment, cancelled, line unfulfilled, shipment, return → progress, claim
    ("PAID", "UNFULFILLED", False, None, "", "", P.PAID, C.NONE),
    ("PAID", "OPEN", False, None, "", "", P.PAID, C.NONE),
    ("PAID", "PENDING_FULFILLMENT", False, None, "", "", P.PAID, C.NONE),
    ("PAID", "SCHEDULED", False, None, "", "", P.PAID, C.NONE),
    ("PAID", "IN_PROGRESS", False, None, "", "", P.CONFIRMED, C.NONE),
    ("PAID", "FULFILLED", False, 0, "", "", P.SHIPPED, C.NONE),
    ("PAID", "FULFILLED", False, 0, "IN_TRANSIT", "", P.IN_TRANSIT, C.NONE),
    ("PAID", "FULFILLED", False, 0, "DELIVERED", "", P.DELIVERED, C.NONE),
    ("PAID", "FULFILLED", False, 0, "DELIVERED", "RETURN_REQUESTED", P.DELIVERED, C.RETURN),
    ("PAID", "ON_HOLD", False, None, "", "", P.WAITING, C.NONE),
    ("PAID", "REQUEST_DECLINED", False, None, "", "", P.WAITING, C.NONE),
    ("PAID", "RESTOCKED", False, None, "", "", P.RETURNED, C.NONE),
    ("PAID", "PARTIALLY_FULFILLED", False, 0, "", "", P.SHIPPED, C.NONE),
    ("PAID", "PARTIALLY_FULFILLED", False, 2, "", "", P.PAID, C.NONE),
    ("AUTHORIZED", "UNFULFILLED", False, None, "", "", P.PAID, C.NONE),
    ("PARTIALLY_PAID", "UNFULFILLED", False, None, "", "", P.PAID, C.NONE),
    ("PARTIALLY_REFUNDED", "UNFULFILLED", False, None, "", "", P.PAID, C.NONE),
    ("PENDING", "UNFULFILLED", False, None, "", "", P.WAITING, C.NONE),
    ("EXPIRED", "UNFULFILLED", False, None, "", "", P.WAITING, C.NONE),
    ("VOIDED", "UNFULFILLED", True, None, "", "", P.CANCELLED, C.NONE),
    ("REFUNDED", "UNFULFILLED", True, None, "", "", P.CANCELLED, C.NONE),
    ("REFUNDED", "FULFILLED", False, 0, "", "", P.RETURNED, C.NONE),
    ("PAID", "UNFULFILLED", True, None, "", "", P.CANCELLED, C.NONE),  # cancelledAt
]


@pytest.mark.parametrize(("financial", "fulfillment", "cancelled", "left", "shipment", "returns", "progress", "claim"),
                         SHOPIFY_ROWS)
def test_shopify_status_row(financial, fulfillment, cancelled, left, shipment, returns, progress, claim):
    assert shopify.marketplace_state(financial, fulfillment, cancelled, left, shipment, returns) == (progress, claim)


def test_shopify_tables_cover_every_documented_status():
    assert {r[0] for r in SHOPIFY_ROWS} == set(shopify.FINANCIAL_PROGRESS)
    assert {r[1] for r in SHOPIFY_ROWS} | {"PARTIAL"} == set(shopify.FULFILLMENT_PROGRESS)
