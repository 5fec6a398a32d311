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


def test_the_naver_order_follows_its_claim_and_decisions_move_it():
    state = SandboxState(seed=3, order_rate=0, initial_orders=30, now=NOW)
    shop = state.shops["naver-demo"]
    claim = claims.create(state, shop, "return", NOW)[0]
    order = next(o for o in shop.orders if o.seq == claim.order_seq)
    assert (order.claim_type, order.claim_status, order.change_type) == ("RETURN", "RETURN_REQUEST", "CLAIM_REQUESTED")
    claims.decide(shop, claim, "approve", NOW)
    assert claim.state == "collecting" and claim.collect_tracking and order.claim_status == "COLLECTING"
    with pytest.raises(claims.Refused, match="승인할 수 없습니다"):
        claims.decide(shop, claim, "approve", NOW)
    state.claim_collect_seconds = 60
    claims.advance(state, shop, NOW + timedelta(minutes=2))
    assert claim.state == "collected" and order.claim_status == "COLLECT_DONE"
    claims.decide(shop, claim, "approve", NOW + timedelta(minutes=3))
    assert claim.state == "completed" and order.status == "RETURNED"
    assert [d["action"] for d in claim.decisions] == ["approve", "approve"]
    assert claims.truth(shop)["counts"]["decisions"] == 2


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
        assert back.collect_tracking and [d["action"] for d in back.decisions] == ["approve"]
        assert back.requested_at <= NOW and back.changed_at <= NOW
