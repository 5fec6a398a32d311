"""The claim status flow: every move of the table allowed or refused, decisions with history,
who/when, reasons, and what is queued for the marketplace."""

from __future__ import annotations

import pytest

from marketdock.claims import services
from marketdock.claims.models import ClaimEvent, ClaimSource, ClaimStatus, ClaimType
from marketdock.claims.services.flow import ALLOWED, TYPE_ONLY
from marketdock.orders.models import OrderStatus
from marketdock.outbox.models import OutboxMessage
from tests.factories.claims import ClaimShop, make_claim

pytestmark = pytest.mark.django_db

S = ClaimStatus


def _expected(status: str, to: str, type_: str) -> bool:
    if to == status or to not in ALLOWED[status]:
        return False
    types = TYPE_ONLY.get((status, to))
    return types is None or type_ in types


@pytest.fixture
def shop(company, admin_user):
    return ClaimShop(company, admin_user)


@pytest.mark.parametrize("type_", ClaimType.values)
def test_every_move_of_the_table_is_allowed_or_refused_by_it(shop, admin_user, type_):
    order = shop.order(status=OrderStatus.SHIPPED)
    for status in S.values:
        for to in S.values:
            claim = make_claim(order, type=type_, status=status)
            if _expected(status, to, type_):
                event = services.claim_move(claim, to, user=admin_user)
                claim.refresh_from_db()
                assert claim.status == to
                assert (event.old_value, event.new_value, event.user) == (status, to, admin_user)
            else:
                with pytest.raises(services.ClaimError) as exc:
                    services.claim_move(claim, to, user=admin_user)
                assert "상태" in str(exc.value)
                claim.refresh_from_db()
                assert claim.status == status
            claim.delete()


def test_terminal_statuses_allow_nothing():
    for status in (S.REJECTED, S.COMPLETED, S.WITHDRAWN):
        assert ALLOWED[status] == frozenset()


def test_approve_a_return_records_decider_history_and_queues_the_decision(shop, admin_user, company):
    """Shopify: approving the return request (returnApproveRequest) is its own call, not the refund."""
    order = shop.order(status=OrderStatus.SHIPPED, account=shop.kit.account(name="쇼피파이", kind="shopify"))
    claim = make_claim(order, type=ClaimType.RETURN)
    (outcome,) = services.claims_approve(company=company, claims=[claim], user=admin_user, note="확인")
    assert outcome.ok, outcome.message
    claim.refresh_from_db()
    assert claim.status == S.COLLECTING
    assert claim.decided_by == admin_user and claim.decided_at is not None
    moves = list(ClaimEvent.objects.filter(claim=claim, kind="status").values_list("old_value", "new_value"))
    assert moves == [(S.REQUESTED, S.APPROVED), (S.APPROVED, S.COLLECTING)]
    message = OutboxMessage.objects.get(company=company, kind="claim_decision", reference=f"claim:{claim.pk}")
    assert message.payload["item"]["action"] == "approve"
    assert message.payload["item"]["claim_id"] == claim.channel_claim_id
    assert claim.push_state == "pending"


@pytest.mark.parametrize("type_", [ClaimType.RETURN, ClaimType.EXCHANGE])
def test_approving_where_the_marketplace_collects_records_who_and_sends_nothing(shop, admin_user, company, type_):
    """Coupang (as Naver) picks the goods up itself; its 반품승인 is the refund and its exchange
    입고확인 the receipt — neither is our request-stage 승인."""
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED), type=type_)
    (outcome,) = services.claims_approve(company=company, claims=[claim], user=admin_user, note="확인")
    assert outcome.ok, outcome.message
    claim.refresh_from_db()
    assert claim.status == S.COLLECTING and claim.decided_by == admin_user
    moves = list(ClaimEvent.objects.filter(claim=claim, kind="status").values_list("old_value", "new_value", "user"))
    assert moves == [(S.REQUESTED, S.APPROVED, admin_user.pk), (S.APPROVED, S.COLLECTING, admin_user.pk)]
    assert ClaimEvent.objects.filter(claim=claim, kind="note", message__contains="직접 회수").exists()
    assert not OutboxMessage.objects.filter(company=company, kind="claim_decision").exists()
    assert claim.push_state == ""


def test_reject_and_hold_need_a_reason_and_change_nothing_without_one(shop, admin_user, company):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    for fn in (services.claims_reject, services.claims_hold):
        (outcome,) = fn(company=company, claims=[claim], user=admin_user, reason="  ")
        assert not outcome.ok and "사유" in outcome.message
    claim.refresh_from_db()
    assert claim.status == S.REQUESTED
    assert not OutboxMessage.objects.filter(company=company, kind="claim_decision").exists()


def test_hold_release_reject_each_queue_their_action(shop, admin_user, company):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    assert services.claims_hold(company=company, claims=[claim], user=admin_user, reason="사진 확인 필요")[0].ok
    assert services.claims_release_hold(company=company, claims=[claim], user=admin_user)[0].ok
    assert services.claims_reject(company=company, claims=[claim], user=admin_user, reason="기간 경과")[0].ok
    claim.refresh_from_db()
    assert claim.status == S.REJECTED and claim.decision_note == "기간 경과"
    actions = [m.payload["item"]["action"] for m in OutboxMessage.objects.filter(
        company=company, kind="claim_decision").order_by("id")]
    assert actions == ["hold", "release_hold", "reject"]


def test_a_decided_claim_cannot_be_approved_again(shop, admin_user, company):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED), status=S.REJECTED)
    (outcome,) = services.claims_approve(company=company, claims=[claim], user=admin_user)
    assert not outcome.ok and "거부" in outcome.message


def test_manual_claims_tell_no_marketplace(shop, admin_user, company):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = services.claim_create_manual(company=company, line=order.lines.get(), type=ClaimType.RETURN, quantity=1,
                                         reason="전화로 반품 요청", user=admin_user)
    assert claim.source == ClaimSource.MANUAL and claim.status == S.REQUESTED
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    claim.refresh_from_db()
    assert claim.status == S.COLLECTING and claim.push_state == ""
    assert not OutboxMessage.objects.filter(company=company, kind="claim_decision").exists()


@pytest.mark.parametrize(("status", "type_", "words"), [
    (OrderStatus.CONFIRMED, ClaimType.RETURN, "취소로"),
    (OrderStatus.SHIPPED, ClaimType.CANCEL, "반품으로"),
])
def test_manual_claims_refuse_the_wrong_type_for_the_line(shop, admin_user, company, status, type_, words):
    order = shop.order(status=status)
    with pytest.raises(services.ClaimError) as exc:
        services.claim_create_manual(company=company, line=order.lines.get(), type=type_, quantity=1,
                                     reason="요청", user=admin_user)
    assert words in str(exc.value)


def test_manual_claim_refuses_a_quantity_beyond_the_line(shop, admin_user, company):
    order = shop.order(status=OrderStatus.SHIPPED, lines=(("SKU-A", 2),))
    with pytest.raises(services.ClaimError) as exc:
        services.claim_create_manual(company=company, line=order.lines.get(), type=ClaimType.RETURN, quantity=3,
                                     reason="요청", user=admin_user)
    assert "1부터 2까지" in str(exc.value)


def test_push_retry_sends_a_refused_decision_again(shop, admin_user, company):
    claim = make_claim(shop.order(status=OrderStatus.CONFIRMED), type=ClaimType.CANCEL)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    message = OutboxMessage.objects.get(company=company, kind="claim_decision")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED, last_error="이미 처리됨")
    claim.refresh_from_db()
    claim.push_state, claim.push_error = "failed", "이미 처리된 클레임입니다"
    claim.save()
    outcome = services.claim_push_retry(company=company, claim=claim, user=admin_user)
    assert outcome.ok, outcome.message
    message.refresh_from_db()
    claim.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and claim.push_state == "pending"
    assert not services.claim_push_retry(company=company, claim=claim, user=admin_user).ok
