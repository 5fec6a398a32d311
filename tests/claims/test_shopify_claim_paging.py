"""Shopify claims of an order with more line items than one page (20) of the claims query: the
connector follows the nested connections' pageInfo (the order's line items, its returns, each return's
line items) against the sandbox over HTTP, so a claim on line 25 lands on line 25."""

from __future__ import annotations

import pytest

from marketdock.claims.models import Claim, ClaimType
from tests.factories.claims import (
    claims_sandbox,
    collect_orders_and_claims,
    sandbox_claim_account,
    sandbox_claim_line_ids,
    sandbox_shopify_big_order,
    sandbox_shopify_cancel_all,
    sandbox_shopify_return_all,
)

CODE = "shopify-demo"


@pytest.fixture
def sandbox(monkeypatch):
    yield from claims_sandbox(monkeypatch)


def claims_by_line(account) -> dict[str, Claim]:
    return {c.line.channel_line_id: c for c in Claim.objects.filter(account=account).select_related("line")}


def test_a_return_on_line_25_of_a_26_line_order_is_collected_on_its_line(company, sandbox):
    state, base = sandbox
    order = sandbox_shopify_big_order(state, CODE, lines=26, delivered=True)
    asked = sandbox_shopify_return_all(state, order, CODE)
    assert len(asked) == 26  # one return, 26 return line items: two pages of 20
    account = sandbox_claim_account(company, base, CODE)

    result = collect_orders_and_claims(account)

    truth = sandbox_claim_line_ids(base, CODE)
    line_25 = next(line_id for line_id, c in truth.items() if c["claim_id"] == asked[24].claim_id)
    claims = claims_by_line(account)
    assert line_25 in claims
    assert claims[line_25].type == ClaimType.RETURN
    assert claims[line_25].quantity == order.lines[24].quantity == 2
    assert set(claims) == set(truth)  # every claim the shop holds once, nothing else
    assert len([line for line in claims if line.startswith(f"{order.order_no}-")]) == 26
    assert result["quarantined"] == 0


def test_a_cancelled_26_line_order_brings_a_cancel_claim_on_every_line(company, sandbox):
    state, base = sandbox
    order = sandbox_shopify_big_order(state, CODE, lines=26, delivered=False)
    account = sandbox_claim_account(company, base, CODE)
    collect_orders_and_claims(account)  # the 26 lines are collected before the seller cancels
    sandbox_shopify_cancel_all(state, order, CODE)

    collect_orders_and_claims(account)

    claims = {line: c for line, c in claims_by_line(account).items() if line.startswith(f"{order.order_no}-")}
    assert len(claims) == 26 and {c.type for c in claims.values()} == {ClaimType.CANCEL}
    line_25 = f"{order.order_no}-{order.lines[24].line_no}"
    assert claims[line_25].quantity == order.lines[24].quantity
