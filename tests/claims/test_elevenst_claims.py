"""11st claims (issue 17, item 2): the nine §5.3 claim lists read as claims (EUC-KR, namespace
declared or not, result_code 0 = none, -1000 = maintenance), and over real HTTP against the sandbox:
each kind collected once on its line, each decision reaching 11st (visible in its truth), and a
refusal recorded with 11st's own words."""

from __future__ import annotations

import pytest

from marketdock.channels.connectors import elevenst
from marketdock.channels.connectors.cs_models import ClaimAction, ClaimDecision, ClaimKind, ClaimProgress
from marketdock.channels.connectors.elevenst_claims import parse_claim_list, split_claim_id
from marketdock.channels.connectors.errors import MaintenanceError
from marketdock.claims.models import Claim, ClaimStatus
from marketdock.claims.services import claims_collection_execute
from marketdock.orders.models import OrderLine
from marketdock.orders.services import collection_execute
from tests.factories.claims import (
    claims_sandbox,
    decide,
    make_seller_claim,
    sandbox_claim_line_ids,
    sandbox_claims_make,
)
from tests.factories.elevenst_claims import (
    elevenst_cancel_record,
    elevenst_claim_account,
    elevenst_claim_xml,
    elevenst_return_record,
    elevenst_withdraw,
)

CODE = "elevenst-demo"


# --- parsing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("declare_ns", [False, True])
def test_an_euc_kr_cancel_list_reads_as_requested_cancels(declare_ns):
    root = elevenst.parse_xml(elevenst_claim_xml([elevenst_cancel_record()], declare_ns=declare_ns))
    (claim,), errors = parse_claim_list(root, "cancelorders")
    assert errors == []
    assert claim.kind == ClaimKind.CANCEL and claim.progress == ClaimProgress.REQUESTED
    assert claim.order_line_id == "202412010001-1" and claim.quantity == 2
    assert claim.reason_text == "단순 변심으로 취소합니다" and claim.reason_code == "99"
    assert split_claim_id(claim.claim_id) == ("7001", "202412010001", "1")
    assert claim.requested_at.isoformat() == "2024-12-01T01:15:00+00:00"  # KST → UTC


def test_a_return_record_carries_its_stage_and_pickup():
    root = elevenst.parse_xml(elevenst_claim_xml([elevenst_return_record()]))
    (claim,), _ = parse_claim_list(root, "returnorders")
    assert claim.kind == ClaimKind.RETURN and claim.progress == ClaimProgress.COLLECTING
    assert claim.collect_tracking_number == "712345678901" and claim.collect_carrier_code == "00034"
    (done,), _ = parse_claim_list(elevenst.parse_xml(elevenst_claim_xml([elevenst_return_record(clmStat="")])),
                                  "returnedorders")
    assert done.progress == ClaimProgress.COMPLETED and done.completed_at is not None
    assert done.claim_id == claim.claim_id  # the same claim whichever list names it


def test_result_code_0_is_an_empty_list_and_a_broken_record_is_quarantined_alone():
    claims, errors = parse_claim_list(elevenst.parse_xml(elevenst_claim_xml([], result_code="0",
                                                                            result_text="조회된 데이터가 없습니다.")),
                                      "exchangeorders")
    assert claims == [] and errors == []
    root = elevenst.parse_xml(elevenst_claim_xml([elevenst_cancel_record(createDt="어제 오후"),
                                                  elevenst_cancel_record(ordPrdSeq="2", ordPrdCnSeq="7002")]))
    claims, errors = parse_claim_list(root, "cancelorders")
    assert [c.order_line_id for c in claims] == ["202412010001-2"]
    assert len(errors) == 1 and errors[0].field.endswith("createDt")


def test_friday_maintenance_means_retry_later():
    root = elevenst.parse_xml(elevenst_claim_xml([], result_code="-1000", result_text="정기점검"))
    with pytest.raises(MaintenanceError) as caught:
        parse_claim_list(root, "cancelorders")
    assert caught.value.retry_after


def test_what_11st_cannot_do_is_refused_per_item_without_a_call():
    conn = elevenst.ElevenstConnector(elevenst.ElevenstCredentials(openapikey="k"), base_url="http://127.0.0.1:9")
    items = [ClaimDecision(claim_id="clm8001:202412010002-2", order_id="202412010002", order_line_id="202412010002-2",
                           kind=ClaimKind.RETURN, action=ClaimAction.RELEASE_HOLD),
             ClaimDecision(claim_id="clm8002:202412010002-3", order_id="202412010002", order_line_id="202412010002-3",
                           kind=ClaimKind.EXCHANGE, action=ClaimAction.APPROVE)]
    result = conn.decide_claims(items)
    assert result.done == []
    assert [f.code for f in result.failed] == ["UNSUPPORTED", "INVALID_ITEM"]
    assert "셀러오피스에서 처리하세요" in result.failed[0].message and "송장번호" in result.failed[1].message


# --- against the sandbox -------------------------------------------------------------------------

@pytest.fixture
def sandbox(monkeypatch):
    yield from claims_sandbox(monkeypatch)


def _collect(account) -> dict:
    return claims_collection_execute(account_id=account.pk)


def _one(account, kind: str) -> Claim:
    return Claim.objects.filter(account=account, type=kind).select_related("line").order_by("id").first()


@pytest.mark.parametrize("kind", ["cancel", "return", "exchange"])
def test_each_kind_is_collected_once_on_its_line(company, sandbox, kind):
    _, base = sandbox
    account = elevenst_claim_account(company, base)
    collection_execute(account_id=account.pk)  # the orders are known before buyers claim
    sandbox_claims_make(base, CODE, kind, count=2)
    result = _collect(account)
    assert result["quarantined"] == 0 and result["waiting"] == 0
    truth = {line: c for line, c in sandbox_claim_line_ids(base, CODE).items() if c["kind"] == kind}
    mine = {c.line.channel_line_id: c for c in Claim.objects.filter(account=account, type=kind).select_related("line")}
    assert set(mine) >= set(truth) and len(truth) >= 2
    for line, claim in mine.items():
        if line in truth:
            assert claim.quantity == truth[line]["quantity"] and claim.reason_code
    assert _collect(account)["created"] == 0  # collecting again duplicates nothing


def test_a_cancel_approved_reaches_11st_and_comes_back_completed(company, sandbox):
    _, base = sandbox
    account = elevenst_claim_account(company, base)
    collection_execute(account_id=account.pk)
    sandbox_claims_make(base, CODE, "cancel")
    _collect(account)
    claim = Claim.objects.filter(account=account, type="cancel", status=ClaimStatus.REQUESTED).first()
    decide(claim, ClaimAction.APPROVE)
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    truth = sandbox_claim_line_ids(base, CODE)[claim.line.channel_line_id]
    assert truth["state"] == "completed" and truth["decisions"][-1]["action"] == "approve"
    assert _collect(account)["updated"] >= 1  # canceledorders lists it now
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED


def test_a_withdrawn_cancel_is_seen_as_withdrawn(company, sandbox):
    state, base = sandbox
    account = elevenst_claim_account(company, base)
    collection_execute(account_id=account.pk)
    sandbox_claims_make(base, CODE, "cancel")
    _collect(account)
    withdrawn = elevenst_withdraw(state, CODE, "cancel")
    _collect(account)
    claim = Claim.objects.get(account=account, channel_claim_id__startswith=f"cn{withdrawn['claim_id']}:")
    assert claim.status == ClaimStatus.WITHDRAWN


def test_a_return_is_held_then_approved_and_the_exchange_reshipped(company, sandbox):
    state, base = sandbox
    account = elevenst_claim_account(company, base)
    collection_execute(account_id=account.pk)
    sandbox_claims_make(base, CODE, "return")
    sandbox_claims_make(base, CODE, "exchange")
    _collect(account)
    ret, exc = _one(account, "return"), _one(account, "exchange")
    decide(ret, ClaimAction.HOLD, reason_code="01", memo="사진 확인 중")
    assert sandbox_claim_line_ids(base, CODE)[ret.line.channel_line_id]["state"] == "held"
    decide(ret, ClaimAction.APPROVE)
    assert sandbox_claim_line_ids(base, CODE)[ret.line.channel_line_id]["state"] == "collecting"
    decide(exc, ClaimAction.RESHIP, marketplace_carrier_code="00034", tracking_number="612345678901")
    exc.refresh_from_db()
    assert exc.push_state == "sent", exc.push_error
    truth = sandbox_claim_line_ids(base, CODE)[exc.line.channel_line_id]
    assert truth["state"] == "reshipped" and truth["reship_tracking"] == "612345678901"


def test_a_refusal_is_recorded_with_11sts_words(company, sandbox):
    _, base = sandbox
    account = elevenst_claim_account(company, base)
    collection_execute(account_id=account.pk)
    sandbox_claims_make(base, CODE, "return")
    _collect(account)
    claim = _one(account, "return")
    decide(claim, ClaimAction.APPROVE)  # → collecting: the parcel is on its way
    decide(claim, ClaimAction.REJECT, reason_code="99", memo="검수 후 판단")
    claim.refresh_from_db()
    assert claim.push_state == "failed" and "거부할 수 없습니다" in claim.push_error
    assert sandbox_claim_line_ids(base, CODE)[claim.line.channel_line_id]["state"] == "collecting"


def test_a_seller_cancel_is_sent_as_sell_refusal_and_collected_as_the_same_claim(company, sandbox):
    _, base = sandbox
    account = elevenst_claim_account(company, base)
    collection_execute(account_id=account.pk)
    line = OrderLine.objects.filter(account=account, channel_status__in=("new", "confirmed"), claim="",
                                    claims__isnull=True).order_by("id").first()
    claim = make_seller_claim(line)
    decide(claim, ClaimAction.SELLER_CANCEL, reason_code="06")
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    truth = sandbox_claim_line_ids(base, CODE)[line.channel_line_id]
    assert truth["requester"] == "seller" and truth["state"] == "completed"
    _collect(account)
    assert Claim.objects.filter(account=account, line=line).count() == 1


def test_capability_notes_mark_every_unconfirmed_call():
    from marketdock.channels.connectors.elevenst_claims import CLAIM_CAPABILITY_NOTES

    assert elevenst.ElevenstConnector.capabilities.claims and elevenst.ElevenstConnector.capabilities.claim_decisions
    for operation, _supported, confirmed, how in CLAIM_CAPABILITY_NOTES:
        assert confirmed or "UNCONFIRMED" in how, operation
