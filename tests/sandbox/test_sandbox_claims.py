"""The sandbox's claim stream and claim book (no database): live orders bring claims at the configured
share on earlier orders, the order's status follows its claim as the marketplace's does, decisions move
claims and are refused in the marketplace's words, and a saved sandbox keeps its claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketdock.sandbox import claims
from marketdock.sandbox.state import SandboxState

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_the_order_stream_brings_claims_at_the_configured_share():
    state = SandboxState(seed=3, order_rate=10, initial_orders=30, now=NOW)
    state.claim_share = 0.5
    state.advance(NOW + timedelta(minutes=20))  # 200 live orders per shop
    for code in ("naver-demo", "coupang-demo"):
        made = [c for c in state.shops[code].claims if c.requested_at > NOW]
        groups = {c.group_id for c in made}
        # about half of 200 draws; a return or exchange needs a delivered order still free of claims
        assert 40 <= len(groups) <= 140
        assert {c.kind for c in made} == {"cancel", "return", "exchange"}
    streamed = {c.kind for c in state.shops["shopify-demo"].claims if c.requested_at > NOW}
    assert streamed == {"return", "exchange"}  # Shopify buyers cannot ask to cancel


def test_the_naver_order_follows_its_claim_and_naver_collects_it_itself():
    """Naver picks the return up on its own clock (no call of the seller); 반품 승인 then refunds it."""
    state = SandboxState(seed=3, order_rate=0, initial_orders=30, now=NOW)
    state.claim_collect_seconds = 60
    shop = state.shops["naver-demo"]
    claim = claims.create(state, shop, "return", NOW)[0]
    order = next(o for o in shop.orders if o.seq == claim.order_seq)
    assert (order.claim_type, order.claim_status, order.change_type) == ("RETURN", "RETURN_REQUEST", "CLAIM_REQUESTED")
    claims.advance(state, shop, NOW + timedelta(seconds=30))
    assert claim.state == "requested"
    claims.advance(state, shop, NOW + timedelta(minutes=1))  # 자동 수거
    assert claim.state == "collecting" and claim.collect_tracking and order.claim_status == "COLLECTING"
    claims.advance(state, shop, NOW + timedelta(minutes=2))
    assert claim.state == "collected" and order.claim_status == "COLLECT_DONE"
    assert claim.decisions == []  # the seller said nothing
    claims.decide(shop, claim, "approve", NOW + timedelta(minutes=3))
    assert claim.state == "completed" and order.status == "RETURNED"
    assert [d["action"] for d in claim.decisions] == ["approve"]
    assert claims.truth(shop)["counts"]["decisions"] == 1
    with pytest.raises(claims.Refused, match="승인할 수 없습니다"):
        claims.decide(shop, claim, "approve", NOW + timedelta(minutes=4))


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo"])
def test_approving_a_return_still_requested_refunds_it_at_once(code):
    """Naver 반품 승인 / Coupang 반품승인 is the refund: sent before the goods are back, it completes the
    return all the same (what marketdock must therefore not send at request time)."""
    state = SandboxState(seed=3, order_rate=0, initial_orders=30, now=NOW)
    shop = state.shops[code]
    claim = claims.create(state, shop, "return", NOW)[0]
    claims.decide(shop, claim, "approve", NOW)
    assert claim.state == "completed"


def test_an_exchange_receipt_is_taken_at_any_stage_before_the_reship():
    state = SandboxState(seed=3, order_rate=0, initial_orders=30, now=NOW)
    shop = state.shops["coupang-demo"]
    asked, picked_up = claims.create(state, shop, "exchange", NOW)[0], claims.create(state, shop, "exchange", NOW)[0]
    state.claim_collect_seconds = 60
    claims.advance(state, shop, NOW + timedelta(minutes=1))
    assert picked_up.state == "collecting"
    asked.state = "requested"
    for claim in (asked, picked_up):
        claims.decide(shop, claim, "receive", NOW + timedelta(minutes=1))
        assert claim.state == "collected"
    claims.decide(shop, picked_up, "receive", NOW + timedelta(minutes=1))  # said twice: still collected
    assert picked_up.state == "collected"


def test_a_shopify_return_waits_for_the_sellers_approval():
    state = SandboxState(seed=3, order_rate=0, initial_orders=30, now=NOW)
    state.claim_collect_seconds = 0
    shop = state.shops["shopify-demo"]
    claim = claims.create(state, shop, "return", NOW)[0]
    claims.advance(state, shop, NOW + timedelta(hours=1))
    assert claim.state == "requested"
    claims.decide(shop, claim, "approve", NOW)
    assert claim.state == "collecting"


def test_a_saved_sandbox_keeps_its_claims(tmp_path):
    state = SandboxState(seed=3, order_rate=0, initial_orders=20, now=NOW, persist_path=tmp_path / "s.json")
    shop = state.shops["coupang-demo"]
    claims.create(state, shop, "exchange", NOW)
    before = claims.truth(shop)
    state.save()
    again = SandboxState(seed=3, order_rate=0, initial_orders=20, now=NOW, persist_path=tmp_path / "s.json")
    assert again.load()
    assert claims.truth(again.shops["coupang-demo"]) == before


def test_a_claim_asked_on_a_named_order_lands_there_or_nowhere():
    state = SandboxState(seed=3, order_rate=0, initial_orders=30, now=NOW)
    shop = state.shops["naver-demo"]
    delivered = next(o for o in shop.orders if o.status == "DELIVERED" and not o.claim_type)
    made = claims.create(state, shop, "return", NOW, order_seq=delivered.seq)
    assert {c.order_seq for c in made} == {delivered.seq} and len(made) == len(delivered.lines)
    assert claims.create(state, shop, "return", NOW, order_seq=delivered.seq) == []  # it has its claim now
    unshipped = next(o for o in shop.orders if o.status == "PAYED" and not o.claim_type)
    assert claims.create(state, shop, "return", NOW, order_seq=unshipped.seq) == []  # nothing to return yet


def test_a_seeded_sandbox_starts_with_returns_and_exchanges_at_every_stage():
    plain = SandboxState(seed=42, order_rate=0, initial_orders=40, now=NOW)
    assert {c.kind for shop in plain.shops.values() for c in shop.claims} <= {"cancel"}
    seeded = SandboxState(seed=42, order_rate=0, initial_orders=40, now=NOW, seeded_claims=True)
    for code in ("naver-demo", "coupang-demo", "shopify-demo", "elevenst-demo"):
        shop = seeded.shops[code]
        stages = {(c.kind, c.state) for c in shop.claims}
        assert {("return", "collected"), ("return", "collecting"), ("return", "requested"),
                ("exchange", "requested")} <= stages, code
        back = next(c for c in shop.claims if c.state == "collected")
        # Naver and Coupang collect without the seller's word; Shopify and 11st after its approval
        approved = [] if code in ("naver-demo", "coupang-demo") else ["approve"]
        assert back.collect_tracking and [d["action"] for d in back.decisions] == approved, code
        assert back.requested_at <= NOW and back.changed_at <= NOW
