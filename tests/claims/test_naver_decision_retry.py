"""A Naver claim decision whose answer was lost (a timeout) is sent again by the outbox; Naver then
refuses it ("처리할 수 있는 클레임이 없습니다") because the first attempt went through. The connector
re-reads the line and counts the decision as done when its claim already stands where the decision
leads — and keeps the refusal when it does not."""

from __future__ import annotations

import copy

import httpx
import pytest

from marketdock.channels.connectors.cs_models import ClaimAction, ClaimDecision, ClaimKind
from tests.factories.channels import NAVER_QUERY_ITEM, naver_conn

LINE = NAVER_QUERY_ITEM["productOrder"]["productOrderId"]
REFUSAL = {"code": "104417", "message": "처리할 수 있는 클레임이 없습니다."}


def _line_with_cancel(claim_status: str) -> dict:
    item = copy.deepcopy(NAVER_QUERY_ITEM)
    item["productOrder"].update(productOrderStatus="CANCELED" if claim_status == "CANCEL_DONE" else "PAYED",
                                claimType="CANCEL", claimStatus=claim_status)
    item["cancel"] = {"claimId": "C100", "claimStatus": claim_status, "cancelReason": "INTENT_CHANGED",
                      "claimRequestDate": "2024-03-02T10:00:00.000+09:00", "requestQuantity": 2}
    return item


def _refusal(in_body: bool) -> httpx.Response:
    """Naver refuses a line with an error answer, or (found by `marketdock bench claims` at 2,000 orders)
    in a 200 answer's failProductOrderInfos."""
    if not in_body:
        return httpx.Response(400, json=REFUSAL)
    return httpx.Response(200, json={"timestamp": "2024-03-02T10:01:00.000+09:00", "data": {
        "successProductOrderIds": [], "failProductOrderInfos": [{"productOrderId": LINE, **REFUSAL}]}})


@pytest.mark.parametrize("in_body", [False, True])
@pytest.mark.parametrize(("claim_status", "done"), [("CANCEL_DONE", True), ("CANCEL_REJECT", False)])
def test_a_refused_retry_of_an_applied_decision_counts_as_done(claim_status, done, in_body):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/claim/cancel/approve"):
            return _refusal(in_body)
        if request.url.path.endswith("/product-orders/query"):
            return httpx.Response(200, json={"timestamp": "2024-03-02T10:01:00.000+09:00",
                                              "data": [_line_with_cancel(claim_status)]})
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": request.url.path})

    conn, recorder = naver_conn(answer)
    result = conn.decide_claims([ClaimDecision(claim_id=f"C100:{LINE}", order_id="2024030112345678",
                                               order_line_id=LINE, kind=ClaimKind.CANCEL, action=ClaimAction.APPROVE,
                                               quantity=2)])
    assert result.done == ([LINE] if done else [])
    assert [f.code for f in result.failed] == ([] if done else ["104417"])
    assert any(r.url.path.endswith("/product-orders/query") for r in recorder.requests)



@pytest.mark.parametrize("in_body", [False, True])
def test_a_throttled_re_read_leaves_the_decision_to_be_tried_again(in_body):
    """The re-read answered 429 (found by `marketdock bench claims` at 2,000 orders): the refusal must not
    become final — the decision is raised as throttled, and the outbox sends it again later."""
    from marketdock.outbox.errors import Throttled

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/claim/cancel/approve"):
            return _refusal(in_body)
        if request.url.path.endswith("/product-orders/query"):
            return httpx.Response(429, headers={"Retry-After": "1"},
                                  json={"code": "GW.RATE_LIMIT", "message": "요청이 많습니다."})
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": request.url.path})

    conn, _recorder = naver_conn(answer)
    with pytest.raises(Throttled):
        conn.decide_claims([ClaimDecision(claim_id=f"C100:{LINE}", order_id="2024030112345678", order_line_id=LINE,
                                          kind=ClaimKind.CANCEL, action=ClaimAction.APPROVE, quantity=2)])
