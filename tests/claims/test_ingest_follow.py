"""Collection moves our claim the way the marketplace moved it, with the same consequences as our own
decisions: a cancel the marketplace completed gives the stock back exactly once without any click in
marketdock; a return it completed waits in 입고검수, so stock only comes back through inspection.
New claims get their reason class, the 담당자 rule and the webhook hook."""

from __future__ import annotations

import pytest

from marketdock.claims import hooks
from marketdock.claims.models import AssignmentRule, Claim, ClaimStatus, ClaimType
from marketdock.inventory.models import MovementKind, StockMovement
from marketdock.orders.models import OrderStatus
from tests.factories.claim_ingest import channel_claim, ingest_claims
from tests.factories.claims import ClaimShop

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def shop(company, admin_user):
    return ClaimShop(company, admin_user)


def _returns(shop):
    return list(StockMovement.objects.filter(company=shop.company, sku=shop.a, kind=MovementKind.RETURN)
                .values_list("quantity", flat=True))


def test_cancel_completed_at_marketplace_gives_deducted_stock_back_once(shop):
    order = shop.order(status=OrderStatus.READY)
    assert shop.level(shop.a) == (9, 0)  # deducted at 출고준비
    line = order.lines.get()
    report = channel_claim(line, kind=ClaimType.CANCEL, progress="completed", claim_id="CX-1")
    ingest_claims(shop.account, [report])
    claim = Claim.objects.get(company=shop.company, channel_claim_id="CX-1")
    order.refresh_from_db()
    assert claim.status == S.COMPLETED and order.status == OrderStatus.CANCELLED
    assert shop.level(shop.a) == (10, 0)
    # collected again, and again with a changed payload: nothing more
    ingest_claims(shop.account, [report])
    ingest_claims(shop.account, [report.model_copy(update={"raw_status": "CANCEL_DONE", "reason_text": "단순변심"})])
    assert shop.level(shop.a) == (10, 0) and _returns(shop) == [1]


def test_cancel_requested_then_approved_at_marketplace_releases_reservation_once(shop):
    order = shop.order(status=OrderStatus.CONFIRMED)
    assert shop.level(shop.a) == (10, 1)  # reserved
    line = order.lines.get()
    ingest_claims(shop.account, [channel_claim(line, kind=ClaimType.CANCEL, progress="requested", claim_id="CX-2")])
    claim = Claim.objects.get(company=shop.company, channel_claim_id="CX-2")
    assert claim.status == S.REQUESTED and shop.level(shop.a) == (10, 1)
    for _ in range(2):
        ingest_claims(shop.account, [channel_claim(line, kind=ClaimType.CANCEL, progress="approved",
                                                   claim_id="CX-2", raw_status="APPROVED")])
    claim.refresh_from_db()
    assert claim.status == S.COMPLETED and shop.level(shop.a) == (10, 0)


def test_return_completed_at_marketplace_waits_in_inspection(shop):
    order = shop.order(status=OrderStatus.SHIPPED)
    assert shop.level(shop.a) == (9, 0)
    line = order.lines.get()
    ingest_claims(shop.account, [channel_claim(line, kind=ClaimType.RETURN, progress="completed", claim_id="RX-1")])
    claim = Claim.objects.get(company=shop.company, channel_claim_id="RX-1")
    assert claim.status == S.INSPECTING
    assert shop.level(shop.a) == (9, 0) and _returns(shop) == []  # only 입고검수 brings it back


def test_marketplace_hold_and_release_follow_both_ways(shop):
    line = shop.order(status=OrderStatus.SHIPPED).lines.get()
    ingest_claims(shop.account, [channel_claim(line, kind=ClaimType.RETURN, progress="held", claim_id="RX-2")])
    claim = Claim.objects.get(company=shop.company, channel_claim_id="RX-2")
    assert claim.status == S.HELD
    ingest_claims(shop.account, [channel_claim(line, kind=ClaimType.RETURN, progress="requested", claim_id="RX-2",
                                               raw_status="RETURN_REQUEST")])
    claim.refresh_from_db()
    assert claim.status == S.REQUESTED


def test_new_claim_is_classified_assigned_and_announced_in_one_go(shop, admin_user, monkeypatch):
    rule = AssignmentRule.objects.create(company=shop.company, target=AssignmentRule.Target.CLAIMS,
                                         mode=AssignmentRule.Mode.BY_CHANNEL, account=shop.account, is_active=True)
    rule.users.add(admin_user)
    told = []
    monkeypatch.setattr(hooks._claims, "_listeners", [lambda *, company, claim_ids: told.append(list(claim_ids))])
    line = shop.order(status=OrderStatus.SHIPPED).lines.get()
    ingest_claims(shop.account, [channel_claim(line, kind=ClaimType.RETURN, progress="requested", claim_id="RX-3",
                                               reason_text="사이즈가 작아요")])
    claim = Claim.objects.get(company=shop.company, channel_claim_id="RX-3")
    assert claim.reason_class == "size"
    assert claim.assignee_id == admin_user.pk
    assert told == [[claim.pk]]
