"""The claim status tables (marketplace → ClaimProgress in each connector, ClaimProgress → our status,
declared once) and the published Coupang samples parsed by the connector; the schedule finds the
accounts whose claim collection is due; the claim_decision kind has its delivery registered."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from marketdock.channels.connectors import coupang, naver
from marketdock.channels.connectors.cs_models import ClaimKind, ClaimProgress, FeePayer
from marketdock.claims.models import ClaimRun, ClaimStatus
from marketdock.claims.services import (
    CLAIM_STATUS_FOR_PROGRESS,
    claim_status_for,
    claim_status_next,
    claims_due_accounts,
)
from marketdock.orders.services.effects import registered_kinds
from tests.factories.channels import make_account_with_credentials

SAMPLES = Path(__file__).resolve().parents[1] / "channels" / "fixtures" / "coupang"


def test_every_marketplace_progress_has_our_status():
    assert set(CLAIM_STATUS_FOR_PROGRESS) == set(ClaimProgress)
    assert claim_status_for(ClaimKind.RETURN, ClaimProgress.COLLECTED) == ClaimStatus.INSPECTING
    # a refunded return still waits for our 입고검수
    assert claim_status_for(ClaimKind.RETURN, ClaimProgress.COMPLETED) == ClaimStatus.INSPECTING
    assert claim_status_for(ClaimKind.CANCEL, ClaimProgress.COMPLETED) == ClaimStatus.COMPLETED


@pytest.mark.parametrize(("current", "progress", "expected"), [
    (ClaimStatus.REQUESTED, ClaimProgress.COLLECTING, ClaimStatus.COLLECTING),  # forward
    (ClaimStatus.APPROVED, ClaimProgress.REQUESTED, ClaimStatus.APPROVED),  # our approval on its way stays
    (ClaimStatus.INSPECTING, ClaimProgress.COLLECTING, ClaimStatus.INSPECTING),  # never backwards
    (ClaimStatus.REQUESTED, ClaimProgress.HELD, ClaimStatus.HELD),  # 보류 …
    (ClaimStatus.HELD, ClaimProgress.REQUESTED, ClaimStatus.REQUESTED),  # … and its release
    (ClaimStatus.APPROVED, ClaimProgress.REJECTED, ClaimStatus.REJECTED),  # the marketplace's refusal wins
    (ClaimStatus.COMPLETED, ClaimProgress.WITHDRAWN, ClaimStatus.COMPLETED),  # closed stays closed
])
def test_our_status_follows_the_marketplace_forward_only(current, progress, expected):
    assert claim_status_next(current, ClaimKind.EXCHANGE, progress) == expected


def test_the_connectors_status_tables_cover_the_documented_statuses():
    assert {"CANCEL_REQUEST", "CANCEL_DONE", "RETURN_REQUEST", "COLLECTING", "COLLECT_DONE", "RETURN_DONE",
            "RETURN_REJECT", "EXCHANGE_REQUEST", "EXCHANGE_REDELIVERING", "EXCHANGE_DONE",
            "EXCHANGE_REJECT"} <= set(naver.CLAIM_PROGRESS)
    assert set(coupang.RECEIPT_PROGRESS) == {"RELEASE_STOP_UNCHECKED", "RETURNS_UNCHECKED", "REQUEST_COUPANG_CHECK",
                                             "VENDOR_WAREHOUSE_CONFIRM", "RETURNS_COMPLETED"}
    assert set(coupang.EXCHANGE_PROGRESS) == {"RECEIPT", "PROGRESS", "SUCCESS", "REJECT", "CANCEL"}


def _sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def test_coupang_published_return_list_parses_one_claim_per_item():
    claims, errors, token = coupang.parse_claim_list(_sample("return__lookup-return-request-list-per-minute.response.json"))
    assert not errors and token == ""
    first = claims[0]
    assert first.claim_id == "50229613-3187044096" and first.order_line_id == "434119941-3187044096"
    assert first.kind == ClaimKind.RETURN and first.progress == ClaimProgress.REQUESTED
    assert first.reason_code == "CHANGEMIND" and first.return_fee_payer == FeePayer.BUYER
    defect = next(c for c in claims if c.reason_code == "DEFECT")
    # a pickup invoice exists: the parcel is on its way back; the seller's fault pays the return
    assert defect.progress == ClaimProgress.COLLECTING and defect.collect_tracking_number == "840806808800"
    assert defect.return_fee_payer == FeePayer.SELLER and "초침" in defect.reason_text


def test_coupang_published_exchange_list_parses_the_items_and_the_collection():
    claims, errors, _token = coupang.parse_claim_list(_sample("exchange__lookup-change-request-list.response.json"),
                                                      exchanges=True)
    assert not errors
    first = claims[0]
    assert first.claim_id == "EX101268974-3476137875" and first.order_line_id == "519998364-3476137875"
    assert first.kind == ClaimKind.EXCHANGE and first.progress == ClaimProgress.COLLECTING
    assert first.raw_status == "PROGRESS/Collecting" and first.reason_text == "베이지색 주문했는데 브라운이 왔습니다"
    assert len({c.order_line_id for c in claims}) == len(claims)


def test_a_broken_coupang_receipt_is_an_error_and_the_others_parse():
    payload = _sample("return__lookup-return-request-list-per-minute.response.json")
    payload["data"][1]["createdAt"] = "어제"
    claims, errors, _token = coupang.parse_claim_list(payload)
    assert len(errors) == 1 and errors[0].field == "data[1].createdAt" and len(claims) == len(payload["data"]) - 1


def test_naver_claim_of_a_query_item():
    item = {"order": {"orderId": "2026120610000001"},
            "productOrder": {"productOrderId": "2026120650000100", "productOrderStatus": "DELIVERED", "quantity": 2,
                             "claimType": "RETURN", "claimStatus": "COLLECT_DONE"},
            "return": {"claimId": "R1", "claimStatus": "COLLECT_DONE", "claimRequestDate": "2026-12-06T10:00:00.000+09:00",
                       "returnReason": "BROKEN", "returnDetailedReason": "깨져서 왔어요", "requestQuantity": 1,
                       "claimDeliveryFeeDemandAmount": 0, "collectDeliveryCompany": "CJGLS",
                       "collectTrackingNumber": "712345", "holdbackStatus": "HOLDBACK"}}
    claim = naver.parse_claim(item)
    assert claim.claim_id == "R1:2026120650000100" and claim.quantity == 1 and claim.kind == ClaimKind.RETURN
    assert claim.progress == ClaimProgress.HELD  # 수거완료 but held by the seller
    assert claim.return_fee_payer == FeePayer.SELLER and claim.reason_text == "깨져서 왔어요"
    assert naver.parse_claim({**item, "return": None}) is None


def test_claim_decisions_have_a_delivery():
    assert registered_kinds()["claim_decision"] is True


def test_the_schedule_collects_claims_beside_the_orders(company):
    due = make_account_with_credentials(company, kind="coupang", auto_collect=True, collect_every_minutes=10)
    make_account_with_credentials(company, name="수동", kind="coupang", auto_collect=False)
    assert claims_due_accounts() == [due]
    ClaimRun.objects.create(company=company, account=due, started_at=timezone.now() - timedelta(minutes=3))
    assert claims_due_accounts() == []
    assert claims_due_accounts(now=timezone.now() + timedelta(minutes=8)) == [due]


# --- what the connectors send: the published request bodies' fields ------------------------------------

def _decision(kind, action, **extra):
    from marketdock.channels.connectors.cs_models import ClaimAction, ClaimDecision

    return ClaimDecision(claim_id=extra.pop("claim_id", "363585-3187044096"), order_id="28000008707838",
                         order_line_id="434119941-3187044096", kind=kind, action=ClaimAction(action), **extra)


@pytest.mark.parametrize(("kind", "action", "extra", "path_end", "request_sample", "response_sample"), [
    (ClaimKind.CANCEL, "approve", {}, "/returnRequests/363585/stoppedShipment",
     "delivery__stop-shipping-complete-processing.request.json",
     "delivery__stop-shipping-complete-processing.response.json"),
    (ClaimKind.RETURN, "approve", {}, "/returnRequests/363585/approval",
     "return__return-request-approval-processing.request.json",
     "return__return-request-approval-processing.response.json"),
    (ClaimKind.EXCHANGE, "reject", {"claim_id": "EX100000070-3187044096", "reason_code": "SOLDOUT"},
     "/exchangeRequests/100000070/rejection", "exchange__exchange-request-deny-processing.request.json",
     "return__return-request-approval-processing.response.json"),
    (ClaimKind.EXCHANGE, "reship", {"claim_id": "EX100000170-3187044096", "marketplace_carrier_code": "CJGLS",
                                    "tracking_number": "123456431"},
     "/exchangeRequests/100000170/invoices", "exchange__processing-exchange-product-invoice-upload.request.json",
     "return__return-request-approval-processing.response.json"),
])
def test_coupang_decisions_send_the_published_request_fields(kind, action, extra, path_end, request_sample,
                                                             response_sample):
    import httpx

    from tests.factories.channels import coupang_conn, sample

    conn, recorder = coupang_conn(lambda request: httpx.Response(200, json=sample(f"coupang/{response_sample}")))
    result = conn.decide_claims([_decision(kind, action, **extra)])
    assert result.done == ["434119941-3187044096"] and result.failed == []
    request = recorder.requests[-1]
    assert request.url.path.endswith(path_end)
    sent, published = json.loads(request.content), sample(f"coupang/{request_sample}")
    sent, published = (sent[0], published[0]) if isinstance(published, list) else (sent, published)
    assert set(published) - {"userId"} <= set(sent)  # every published field (the WING user id is optional)


def test_coupang_refusal_carries_coupangs_message():
    import httpx

    from tests.factories.channels import coupang_conn

    conn, _recorder = coupang_conn(lambda request: httpx.Response(
        400, json={"code": 400, "message": "이미 반품승인된 접수건입니다."}))
    result = conn.decide_claims([_decision(ClaimKind.RETURN, "approve")])
    assert result.done == [] and result.failed[0].message == "이미 반품승인된 접수건입니다."
