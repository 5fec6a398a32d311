"""A return from the sandbox marketplace over HTTP, approved, received and inspected (정상 1 · 불량 1)
in marketdock: the marketplace is then told the return is done (Naver 반품 승인 → RETURN_DONE, Coupang
입고확인 then 반품승인 → RETURNS_COMPLETED, Shopify returnClose → CLOSED) through the outbox, and the
sandbox's return ends completed. A retry of that step whose first attempt went through — or whose step
the marketplace already took — counts as done and doubles nothing. At Naver and Coupang our 승인 of
the request sends nothing (their approve is the refund): the marketplace picks the parcel up itself."""

from __future__ import annotations

import pytest

from marketdock.channels.connectors.cs_models import ClaimAction
from marketdock.claims.models import (
    Claim,
    ClaimEvent,
    ClaimEventKind,
    ClaimStatus,
    ClaimType,
    InspectionOutcome,
)
from marketdock.claims.services import claim_inspect, claims_approve, claims_receive, inspection_items
from marketdock.inventory.services import warehouse_default
from marketdock.orders.services import collection_execute
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_deliver_due, outbox_retry
from tests.factories.claims import (
    claims_sandbox,
    collect_orders_and_claims,
    import_sandbox_product,
    sandbox_claim_account,
    sandbox_claim_line_ids,
    sandbox_claims_clock_forward,
    sandbox_delivered_order,
    sandbox_return_on,
)

SHOPS = ["naver-demo", "coupang-demo", "shopify-demo"]
COLLECTS = ("naver", "coupang")  # the marketplace picks the return up itself; our 승인 is no call
# what the marketplace received for the return, in the sandbox's words: Naver 반품 승인 at 수거중 (the
# refund), Coupang 입고확인 + 반품승인, Shopify returnApproveRequest at 승인 and returnClose at 검수
ACTIONS = {"naver-demo": ["complete"], "coupang-demo": ["receive", "complete"], "shopify-demo": ["approve", "complete"]}
# what the marketplace says once the return is done, in its own words (our claim's raw status)
DONE = {"naver-demo": "RETURN:RETURN_DONE", "coupang-demo": "RETURNS_COMPLETED", "shopify-demo": "CLOSED"}


@pytest.fixture
def sandbox(monkeypatch):
    yield from claims_sandbox(monkeypatch, seed=5)  # (each shop has a delivered two-unit order under it)


def _returned(company, base: str, code: str) -> tuple[Claim, str]:
    """A delivered two-unit order of `code`, its product imported (the line matched to a SKU), its buyer
    asks to return both units, and the claim collection brings the return. (claim, channel line id)"""
    account = sandbox_claim_account(company, base, code)
    order = sandbox_delivered_order(base, code, quantity=2)
    import_sandbox_product(account, order["lines"][0]["product_id"], stock=5)
    collection_execute(account_id=account.pk)
    sandbox_return_on(base, code, order)
    collect_orders_and_claims(account)
    line_id = order["line_ids"][0]
    claim = Claim.objects.select_related("line", "order", "account").get(
        account=account, type=ClaimType.RETURN, line__channel_line_id=line_id)
    return claim, line_id


def _approve_receive_inspect(company, claim: Claim, state=None, base: str = "") -> None:
    """승인 → (Naver, Coupang: the marketplace picks the parcel up itself) → 회수 도착 → 입고검수."""
    (approved,) = claims_approve(company=company, claims=[claim], user=None)
    assert approved.ok, approved.message
    outbox_deliver_due()
    code = claim.account.kind
    if state is not None and code in COLLECTS:
        # nothing went out: Naver 반품 승인 / Coupang 반품승인 would have refunded the buyer now
        assert not OutboxMessage.objects.filter(reference=f"claim:{claim.pk}").exists()
        truth = sandbox_claim_line_ids(base, f"{code}-demo")[claim.line.channel_line_id]
        assert truth["state"] == "requested" and truth["decisions"] == []
        sandbox_claims_clock_forward(state, f"{code}-demo")  # the marketplace's pickup: 수거중
    (received,) = claims_receive(company=company, claims=[claim], user=None)
    assert received.ok, received.message
    (item,) = inspection_items(company, claim)
    assert item.expected == 2
    outcome = claim_inspect(company=company, claim=claim, warehouse=warehouse_default(company), user=None,
                            counts={item.sku.pk: {InspectionOutcome.RESTOCK: 1, InspectionOutcome.DEFECT: 1}})
    assert outcome.ok, outcome.message


@pytest.mark.parametrize("code", SHOPS)
def test_inspecting_a_return_completes_it_at_the_marketplace(company, sandbox, code):
    state, base = sandbox
    claim, line_id = _returned(company, base, code)
    _approve_receive_inspect(company, claim, state, base)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    message = OutboxMessage.objects.get(reference=f"claim:{claim.pk}", payload__item__action="complete")
    assert message.status == OutboxMessage.Status.PENDING  # queued with the inspection, not yet sent

    outbox_deliver_due()
    message.refresh_from_db()
    claim.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and claim.push_state == "sent", claim.push_error
    assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEventKind.PUSH_SENT, new_value="complete").count() == 1
    truth = sandbox_claim_line_ids(base, code)[line_id]
    assert truth["state"] == "completed"
    assert [d["action"] for d in truth["decisions"]] == ACTIONS[code]

    collect_orders_and_claims(account=claim.account)  # the marketplace's own word agrees
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED and claim.raw_status == DONE[code]

    # the answer was lost (a timeout): the outbox sends the step again, which counts as done
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED)
    outbox_retry(company=company, message_ids=[message.pk])
    outbox_deliver_due()
    message.refresh_from_db()
    claim.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and claim.push_state == "sent", claim.push_error
    assert sandbox_claim_line_ids(base, code)[line_id]["decisions"] == truth["decisions"]  # nothing doubled


def test_coupang_skips_the_receipt_confirmation_the_marketplace_already_has(company, sandbox):
    """The parcel was confirmed in before marketdock's step (WING, or an attempt whose answer was
    lost): only 반품승인 is sent."""
    state, base = sandbox
    claim, line_id = _returned(company, base, "coupang-demo")
    (approved,) = claims_approve(company=company, claims=[claim], user=None)
    assert approved.ok
    outbox_deliver_due()
    sandbox_claims_clock_forward(state, "coupang-demo", legs=2)  # picked up, back: 입고확인 (VENDOR_WAREHOUSE_CONFIRM)
    assert sandbox_claim_line_ids(base, "coupang-demo")[line_id]["state"] == "collected"
    claim.refresh_from_db()
    (item,) = inspection_items(company, claim)
    claims_receive(company=company, claims=[claim], user=None)
    outcome = claim_inspect(company=company, claim=claim, warehouse=warehouse_default(company), user=None,
                            counts={item.sku.pk: {InspectionOutcome.RESTOCK: 2}})
    assert outcome.ok, outcome.message
    outbox_deliver_due()
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    truth = sandbox_claim_line_ids(base, "coupang-demo")[line_id]
    assert truth["state"] == "completed" and [d["action"] for d in truth["decisions"]] == ["complete"]


def test_a_manual_return_tells_no_marketplace(company, sandbox):
    _, base = sandbox
    claim, _line = _returned(company, base, "naver-demo")
    Claim.objects.filter(pk=claim.pk).update(channel_claim_id="", source="manual")
    claim.refresh_from_db()
    _approve_receive_inspect(company, claim)
    assert not OutboxMessage.objects.filter(reference=f"claim:{claim.pk}", payload__item__action="complete").exists()


def test_the_completion_is_a_decision_of_its_own():
    assert ClaimAction("complete") == ClaimAction.COMPLETE
