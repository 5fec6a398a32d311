"""Collections end (issue 13, found by `marketdock bench claims` at 2,000 orders): a page of a Naver change
list that ends among rows changed within one millisecond leads on to the next page, and a marketplace
that keeps handing back the cursor it was asked with fails the collection instead of holding a worker
thread forever."""

from __future__ import annotations

import pytest

from marketdock.claims.models import ClaimRun
from marketdock.claims.services import claims_collection_execute
from marketdock.claims.services import collection as claim_collection
from marketdock.claims.services.collection import ClaimCollectFailed
from marketdock.orders.models import OrderLine
from marketdock.orders.services import collection_execute
from tests.factories.channels import make_account
from tests.factories.claims import (
    LoopingClaimsConnector,
    claims_sandbox,
    sandbox_claim_account,
    sandbox_orders_changed_together,
)
from tests.factories.sandbox import orders_truth


@pytest.fixture
def sandbox(monkeypatch):
    yield from claims_sandbox(monkeypatch)


def test_naver_rows_changed_within_one_millisecond_page_through(company, sandbox):
    state, base = sandbox
    sandbox_orders_changed_together(state, "naver-demo", 12)  # more than a page (7) at one moment
    account = sandbox_claim_account(company, base, "naver-demo")

    result = collection_execute(account_id=account.pk)

    truth = orders_truth(base, "naver-demo")["orders"]
    wanted = {line_id for order in truth if not order["malformed"] for line_id in order["line_ids"]}
    assert set(OrderLine.objects.filter(account=account).values_list("channel_line_id", flat=True)) == wanted
    assert result["pages"] < 40


def test_a_cursor_that_does_not_move_fails_the_claim_collection(company, monkeypatch):
    account = make_account(company)
    looping = LoopingClaimsConnector()
    monkeypatch.setattr(claim_collection, "_connector", lambda account: looping)

    with pytest.raises(ClaimCollectFailed):
        claims_collection_execute(account_id=account.pk)

    assert looping.calls == 2  # the first page, then the same cursor again: refused
    run = ClaimRun.objects.get(account=account)
    assert run.status == ClaimRun.Status.FAILED and "next_cursor" in run.error
