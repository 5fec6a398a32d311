"""Naver and Coupang pick returned and exchanged goods up themselves, and their approve calls are not a
go-ahead: Naver 반품 승인 (return/approve) and Coupang 반품승인 (approval) refund the buyer and complete
the return, Naver 교환 수거 완료 (exchange/collect/approve) and Coupang 교환 입고확인 (receiveConfirmation)
say the item is back. So, over HTTP against the sandbox with the real connectors and the outbox:

- our 승인 of a return request sends nothing — the sandbox's return stays open with no decision, its
  buyer not refunded — and only 입고검수 sends the completion, which completes it there;
- our 승인 of an exchange request sends nothing either, and the receipt step goes out at 회수 도착."""

from __future__ import annotations

import pytest

from marketdock.claims.models import Claim, ClaimStatus, ClaimType, InspectionOutcome
from marketdock.claims.services import claim_inspect, claims_approve, claims_receive, inspection_items
from marketdock.inventory.services import warehouse_default
from marketdock.orders.services import collection_execute
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_deliver_due
from tests.factories.claims import (
    claims_sandbox,
    collect_orders_and_claims,
    import_sandbox_product,
    sandbox_claim_account,
    sandbox_claim_line_ids,
    sandbox_claims_clock_forward,
    sandbox_claims_make,
    sandbox_delivered_order,
    sandbox_return_on,
)

SHOPS = ["naver-demo", "coupang-demo"]
DONE = {"naver-demo": "RETURN:RETURN_DONE", "coupang-demo": "RETURNS_COMPLETED"}  # the return refunded there


@pytest.fixture
def sandbox(monkeypatch):
    yield from claims_sandbox(monkeypatch, seed=5)


def _sandbox_order(base: str, code: str, seq: int) -> dict:
    import httpx

    return next(o for o in httpx.get(f"{base}/_sandbox/shops/{code}/orders").json()["orders"] if o["seq"] == seq)


def _approve(company, claim: Claim) -> None:
    (approved,) = claims_approve(company=company, claims=[claim], user=None)
    assert approved.ok, approved.message
    outbox_deliver_due()  # the worker's part: there is nothing for it
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COLLECTING
    assert not OutboxMessage.objects.filter(reference=f"claim:{claim.pk}").exists()


@pytest.mark.parametrize("code", SHOPS)
def test_approving_a_return_request_sends_nothing_and_inspection_completes_it(company, sandbox, code):
    state, base = sandbox
    account = sandbox_claim_account(company, base, code)
    order = sandbox_delivered_order(base, code, quantity=2)
    import_sandbox_product(account, order["lines"][0]["product_id"], stock=5)
    collection_execute(account_id=account.pk)
    sandbox_return_on(base, code, order)
    collect_orders_and_claims(account)
    line_id = order["line_ids"][0]
    claim = Claim.objects.select_related("line", "order", "account").get(
        account=account, type=ClaimType.RETURN, line__channel_line_id=line_id)

    _approve(company, claim)
    truth = sandbox_claim_line_ids(base, code)[line_id]
    assert truth["decisions"] == [] and truth["state"] == "requested"  # still open, no refund
    there = _sandbox_order(base, code, order["seq"])
    assert there["status"] != "RETURNED" and there["claim_status"] not in ("RETURN_DONE", "completed")

    sandbox_claims_clock_forward(state, code)  # the marketplace's own pickup
    assert sandbox_claim_line_ids(base, code)[line_id]["state"] == "collecting"
    assert claims_receive(company=company, claims=[claim], user=None)[0].ok
    outbox_deliver_due()
    assert not OutboxMessage.objects.filter(reference=f"claim:{claim.pk}").exists()  # 회수 도착: no call
    (item,) = inspection_items(company, claim)
    outcome = claim_inspect(company=company, claim=claim, warehouse=warehouse_default(company), user=None,
                            counts={item.sku.pk: {InspectionOutcome.RESTOCK: item.expected}})
    assert outcome.ok, outcome.message
    outbox_deliver_due()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED and claim.push_state == "sent", claim.push_error
    (message,) = OutboxMessage.objects.filter(reference=f"claim:{claim.pk}")
    assert message.payload["item"]["action"] == "complete"
    truth = sandbox_claim_line_ids(base, code)[line_id]
    assert truth["state"] == "completed" and truth["decisions"][-1]["action"] == "complete"
    assert "approve" not in [d["action"] for d in truth["decisions"]]
    collect_orders_and_claims(account)  # the marketplace's own word: refunded now
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED and claim.raw_status == DONE[code]


@pytest.mark.parametrize("code", SHOPS)
def test_an_exchanges_receipt_goes_out_at_arrival_only(company, sandbox, code):
    state, base = sandbox
    sandbox_claims_make(base, code, "exchange")
    account = sandbox_claim_account(company, base, code)
    collect_orders_and_claims(account)
    claim = Claim.objects.select_related("line", "order", "account").filter(
        account=account, type=ClaimType.EXCHANGE).first()
    line_id = claim.line.channel_line_id

    _approve(company, claim)
    assert sandbox_claim_line_ids(base, code)[line_id]["decisions"] == []
    sandbox_claims_clock_forward(state, code)  # picked up by the marketplace
    truth = sandbox_claim_line_ids(base, code)[line_id]
    assert truth["state"] == "collecting" and truth["decisions"] == []

    assert claims_receive(company=company, claims=[claim], user=None)[0].ok  # 회수 도착
    outbox_deliver_due()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.INSPECTING and claim.push_state == "sent", claim.push_error
    (message,) = OutboxMessage.objects.filter(reference=f"claim:{claim.pk}")
    assert message.payload["item"]["action"] == "receive"
    truth = sandbox_claim_line_ids(base, code)[line_id]
    assert truth["state"] == "collected" and [d["action"] for d in truth["decisions"]] == ["receive"]
