"""A Shopify return decision sent again after its answer was lost (a timeout) finds the return already
where the decision takes it: that is the decision done, not a refusal the seller has to look at."""

from __future__ import annotations

from marketdock.channels.connectors.shopify.claims import _unless_done

REFUSED = [{"field": ["id"], "message": "Return is not approvable. Only returns with status REQUESTED can be approved."}]


def test_a_retried_approval_that_finds_the_return_open_is_done():
    assert _unless_done({"return": {"id": "gid://shopify/Return/1", "status": "OPEN"}, "userErrors": REFUSED},
                        ("OPEN", "CLOSED")) == []


def test_an_approval_refused_on_a_declined_return_stays_refused():
    answer = {"return": {"id": "gid://shopify/Return/1", "status": "DECLINED"}, "userErrors": REFUSED}
    assert _unless_done(answer, ("OPEN", "CLOSED")) == REFUSED
    assert _unless_done({"return": None, "userErrors": REFUSED}, ("OPEN", "CLOSED")) == REFUSED
