"""Claims from the sandbox marketplace over real HTTP with the real connectors (Naver, Coupang): every
claim the sandbox holds lands once on its order line, re-collecting changes nothing, a broken claim is
quarantined and counted, a claim whose order is not collected yet waits and links later, and the
decisions reach the marketplace (visible in its truth) or come back refused with its own message."""

from __future__ import annotations

import httpx
import pytest

from marketdock.channels.connectors.cs_models import ClaimAction
from marketdock.claims.models import Claim, ClaimEvent, ClaimEventKind, ClaimQuarantine, ClaimRun, ClaimStatus
from marketdock.claims.services import claims_approve, claims_collection_execute
from marketdock.orders.models import OrderLine
from marketdock.orders.services import collection_execute
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_deliver_due
from tests.factories.claims import (
    claims_sandbox,
    collect_orders_and_claims,
    decide,
    make_seller_claim,
    sandbox_claim_account,
    sandbox_claim_line_ids,
    sandbox_claims_clock_forward,
    sandbox_claims_make,
    sandbox_claims_truth,
)
from tests.factories.sandbox import set_faults

SHOPS = ["naver-demo", "coupang-demo", "shopify-demo"]
KINDS = ["cancel", "return", "exchange"]
ASKED = {"shopify-demo": ["return", "exchange"]}  # Shopify buyers cannot ask to cancel


def kinds_of(code: str) -> list[str]:
    return ASKED.get(code, KINDS)


@pytest.fixture
def sandbox(monkeypatch):
    yield from claims_sandbox(monkeypatch)


def assert_equals_truth(account, base: str, code: str) -> None:
    expected = {line: c for line, c in sandbox_claim_line_ids(base, code).items() if not c["malformed"]}
    claims = {c.line.channel_line_id: c for c in Claim.objects.filter(company=account.company, account=account)
              .select_related("line")}
    assert set(claims) == set(expected)  # nothing lost, nothing extra
    assert Claim.objects.filter(account=account).count() == len(expected)  # no duplicate
    for line_id, truth in expected.items():
        assert claims[line_id].type == truth["kind"]
        assert claims[line_id].quantity == truth["quantity"]


@pytest.mark.parametrize("code", SHOPS)
@pytest.mark.parametrize("kind", KINDS)
def test_collects_every_claim_once_on_its_line(company, sandbox, code, kind):
    if kind not in kinds_of(code):
        pytest.skip("Shopify buyers cannot ask to cancel")
    _, base = sandbox
    sandbox_claims_make(base, code, kind, count=3)
    account = sandbox_claim_account(company, base, code)
    result = collect_orders_and_claims(account)
    assert result["created"] >= 3 and result["quarantined"] == 0 and result["waiting"] == 0
    assert_equals_truth(account, base, code)
    claim = Claim.objects.filter(account=account, type=kind).first()
    assert claim.status == ClaimStatus.REQUESTED and claim.raw_status and claim.reason_code
    assert claim.order_id == claim.line.order_id
    assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEventKind.COLLECTED).count() == 1
    run = ClaimRun.objects.get(pk=result["run"])
    assert run.status == ClaimRun.Status.SUCCEEDED and run.created == result["created"]

    ClaimRun.objects.filter(account=account).update(window_end=None)  # the next run reads the whole past again
    again = claims_collection_execute(account_id=account.pk)  # re-collecting never duplicates
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == result["created"]
    assert_equals_truth(account, base, code)


@pytest.mark.parametrize("code", SHOPS)
def test_a_broken_claim_is_quarantined_and_the_rest_collected(company, sandbox, code):
    _, base = sandbox
    sandbox_claims_make(base, code, "return", count=3)
    set_faults(base, code, malformed_claim=True)
    account = sandbox_claim_account(company, base, code)
    result = collect_orders_and_claims(account)
    assert result["quarantined"] >= 1
    bad = ClaimQuarantine.objects.filter(account=account).exclude(field="order_line")
    assert bad.count() == result["quarantined"] and "필드를 읽을 수 없습니다" in bad.first().message
    assert ClaimRun.objects.get(pk=result["run"]).status == ClaimRun.Status.PARTIAL
    assert_equals_truth(account, base, code)  # every readable claim is there


@pytest.mark.parametrize("code", SHOPS)
def test_every_fault_on_gives_no_duplicate_and_no_loss(company, sandbox, code):
    _, base = sandbox
    for kind in kinds_of(code):
        sandbox_claims_make(base, code, kind, count=2)
    set_faults(base, code, rate_limit_every=4, error_500_every=7, duplicate_items=True)
    account = sandbox_claim_account(company, base, code)
    collect_orders_and_claims(account)
    claims_collection_execute(account_id=account.pk)
    assert_equals_truth(account, base, code)


@pytest.mark.parametrize("code", SHOPS)
def test_a_claim_before_its_order_waits_and_links_after_the_order_arrives(company, sandbox, code):
    _, base = sandbox
    account = sandbox_claim_account(company, base, code)
    sandbox_claims_make(base, code, kinds_of(code)[0])
    first = claims_collection_execute(account_id=account.pk)  # the orders were never collected
    assert first["waiting"] >= 1 and first["created"] == 0
    assert ClaimQuarantine.objects.filter(account=account, field="order_line").exists()
    assert not Claim.objects.filter(account=account).exists()

    collection_execute(account_id=account.pk)
    second = claims_collection_execute(account_id=account.pk)
    assert second["waiting"] == 0 and second["created"] >= 1
    assert not ClaimQuarantine.objects.filter(account=account, field="order_line").exists()
    assert_equals_truth(account, base, code)


def _one(account, kind: str) -> Claim:
    return Claim.objects.filter(account=account, type=kind).select_related("line", "order").first()


@pytest.mark.parametrize("code", SHOPS[:2])
def test_approving_a_cancel_reaches_the_marketplace_and_the_order_follows(company, sandbox, code):
    _, base = sandbox
    sandbox_claims_make(base, code, "cancel")
    account = sandbox_claim_account(company, base, code)
    collect_orders_and_claims(account)
    claim = _one(account, "cancel")
    decide(claim, ClaimAction.APPROVE)
    claim.refresh_from_db()
    assert claim.push_state == "sent" and claim.push_error == ""
    assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEventKind.PUSH_SENT).exists()
    truth = sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]
    assert truth["state"] == "completed" and truth["decisions"][-1]["action"] == "approve"

    again = collect_orders_and_claims(account)
    assert again["updated"] >= 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED and claim.completed_at is not None
    assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEventKind.CHANNEL_STATUS).exists()
    if code.startswith("naver"):  # (Coupang's ordersheets are read by order date: not re-read here)
        line = OrderLine.objects.get(pk=claim.line_id)
        assert line.channel_status == "cancelled"  # the order collection sees the marketplace's cancel


@pytest.mark.parametrize("code", SHOPS[:2])
def test_a_return_goes_collecting_then_collected_and_waits_for_inspection(company, sandbox, code):
    """The marketplace picks the return up itself (Naver 자동 수거, Coupang 회수); our 승인 sends nothing."""
    state, base = sandbox
    sandbox_claims_make(base, code, "return")
    account = sandbox_claim_account(company, base, code)
    collect_orders_and_claims(account)
    claim = _one(account, "return")
    (approved,) = claims_approve(company=company, claims=[claim], user=None)
    assert approved.ok, approved.message
    outbox_deliver_due()
    assert not OutboxMessage.objects.filter(reference=f"claim:{claim.pk}").exists()
    sandbox_claims_clock_forward(state, code)  # the pickup starts
    truth = sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]
    assert truth["state"] == "collecting" and truth["decisions"] == []
    claims_collection_execute(account_id=account.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COLLECTING and claim.push_state == ""
    assert claim.collect_tracking_number  # the pickup's tracking number, as the marketplace reports it

    state.claim_collect_seconds = 0  # the parcel is back at the seller
    assert sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]["state"] == "collected"
    claims_collection_execute(account_id=account.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.INSPECTING


@pytest.mark.parametrize("code", SHOPS[:2])
def test_an_exchange_is_reshipped_with_its_tracking_number(company, sandbox, code):
    state, base = sandbox
    state.claim_collect_seconds = 0
    sandbox_claims_make(base, code, "exchange")
    sandbox_claims_clock_forward(state, code)  # (Naver, Coupang: picked up and back before the collection)
    account = sandbox_claim_account(company, base, code)
    collect_orders_and_claims(account)
    claim = _one(account, "exchange")
    decide(claim, ClaimAction.RECEIVE)  # the item is back (교환 수거 완료 / 입고확인)
    decide(claim, ClaimAction.RESHIP, marketplace_carrier_code="CJGLS", tracking_number="612345678901")
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    truth = sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]
    assert truth["reship_tracking"] == "612345678901" and truth["decisions"][-1]["action"] == "reship"


@pytest.mark.parametrize("code", SHOPS)
def test_a_refusal_is_recorded_with_the_marketplaces_message(company, sandbox, code):
    state, base = sandbox
    sandbox_claims_make(base, code, "exchange")
    account = sandbox_claim_account(company, base, code)
    collect_orders_and_claims(account)
    claim = _one(account, "exchange")
    if code == "shopify-demo":
        decide(claim, ClaimAction.APPROVE)  # → collecting
    else:
        sandbox_claims_clock_forward(state, code)  # the marketplace picks it up: → collecting
    message = decide(claim, ClaimAction.REJECT, reason_code="SOLDOUT", memo="품절")  # while the parcel travels
    words = "not declinable" if code.startswith("shopify") else "거부할 수 없습니다"  # the marketplace's words
    claim.refresh_from_db()
    message.refresh_from_db()
    assert claim.push_state == "failed" and words in claim.push_error
    assert message.status == OutboxMessage.Status.FAILED and words in message.last_error
    event = ClaimEvent.objects.filter(claim=claim, kind=ClaimEventKind.PUSH_FAILED).get()
    assert words in event.message
    assert sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]["state"] == "collecting"


def test_coupang_cannot_hold_a_return_and_says_so(company, sandbox):
    _, base = sandbox
    sandbox_claims_make(base, "coupang-demo", "return")
    account = sandbox_claim_account(company, base, "coupang-demo")
    collect_orders_and_claims(account)
    claim = _one(account, "return")
    decide(claim, ClaimAction.HOLD, memo="검수 중")
    claim.refresh_from_db()
    assert claim.push_state == "failed" and "WING에서 처리하세요" in claim.push_error
    assert sandbox_claim_line_ids(base, "coupang-demo")[claim.line.channel_line_id]["decisions"] == []


@pytest.mark.parametrize("code", SHOPS)
def test_a_seller_cancel_reaches_the_marketplace_and_the_collected_claim_is_the_same_one(company, sandbox, code):
    _, base = sandbox
    account = sandbox_claim_account(company, base, code)
    collection_execute(account_id=account.pk)
    line = OrderLine.objects.filter(account=account, channel_status__in=("new", "confirmed"), claim="",
                                    claims__isnull=True).order_by("id").first()
    claim = make_seller_claim(line)
    reason = {"naver-demo": "SOLD_OUT", "coupang-demo": "CCPNER", "shopify-demo": "INVENTORY"}[code]
    decide(claim, ClaimAction.SELLER_CANCEL, reason_code=reason)
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    truth = sandbox_claim_line_ids(base, code)[line.channel_line_id]
    assert truth["requester"] == "seller" and truth["state"] == "completed"

    claims_collection_execute(account_id=account.pk)
    claim.refresh_from_db()
    assert Claim.objects.filter(account=account, line=line).count() == 1  # adopted, not duplicated
    assert claim.channel_claim_id and claim.status == ClaimStatus.COMPLETED


def test_claims_truth_counts_what_a_bench_compares(sandbox):
    _, base = sandbox
    sandbox_claims_make(base, "naver-demo", "return", count=2)
    counts = sandbox_claims_truth(base, "naver-demo")["counts"]
    assert counts["by_kind"]["return"] >= 2 and counts["decisions"] == 0
    assert counts["claims"] == len(sandbox_claims_truth(base, "naver-demo")["claims"])
    everywhere = httpx.get(f"{base}/_sandbox/claims").json()["counts"]
    assert everywhere["naver-demo"] == counts and "coupang-demo" in everywhere


def test_a_shopify_return_approved_is_open_and_followed(company, sandbox):
    _, base = sandbox
    sandbox_claims_make(base, "shopify-demo", "return")
    account = sandbox_claim_account(company, base, "shopify-demo")
    collect_orders_and_claims(account)
    claim = _one(account, "return")
    assert claim.raw_status == "REQUESTED" and claim.reason_code
    decide(claim, ClaimAction.APPROVE)
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    assert sandbox_claim_line_ids(base, "shopify-demo")[claim.line.channel_line_id]["state"] == "collecting"
    claims_collection_execute(account_id=account.pk)
    claim.refresh_from_db()
    # approved at the marketplace: ours follows as our own approval would, to 회수중 (waiting for the goods)
    assert claim.raw_status == "OPEN" and claim.status == ClaimStatus.COLLECTING
