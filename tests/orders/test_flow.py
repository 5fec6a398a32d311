"""The order status flow (ORD-4..7): every legal and illegal move of the table, stock deducted once
at 출고준비 and given back on 취소 (checked on the ledger), the confirm requirement, history with user
and reason, hold/unhold, delay per channel, partial shipment and the recipient change log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdock.inventory.models import StockLevel, StockMovement
from marketdock.orders.models import Order, OrderEvent, OrderLine, OrderStatus, StockState
from marketdock.orders.services import (
    ALLOWED,
    FlowError,
    order_delay,
    order_hold,
    order_recipient_update,
    order_ship_lines,
    order_transition,
    order_unhold,
)
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping.carrier_data import carriers_ensure
from tests.factories.catalog import make_stocked_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest

pytestmark = pytest.mark.django_db
S = OrderStatus
CJ = ("cj", "123456789012")  # CJ대한통운: 10 or 12 digits, no check digit


@pytest.fixture(autouse=True)
def _carriers(db):
    carriers_ensure()


@pytest.fixture
def account(company):
    return make_account_with_credentials(company)


def new_order(account, no="1", *, lines=1, sku_code=None, quantity=1) -> Order:
    page = [co(no, f"{no}-{i}", quantity=quantity, seller_option_code=sku_code or "") for i in range(1, lines + 1)]
    ingest(account, page)
    return Order.objects.get(company=account.company, account=account, channel_order_id=no)


def put(order: Order, status: str, hold_from: str = "") -> Order:
    Order.objects.filter(pk=order.pk).update(status=status, hold_from=hold_from)
    OrderLine.objects.filter(order=order).update(status=hold_from or status if status != S.HOLD else hold_from or S.NEW)
    order.refresh_from_db()
    return order


def moves(company, order) -> list[tuple[str, int, int]]:
    refs = [str(pk) for pk in OrderLine.objects.filter(order=order).values_list("pk", flat=True)]
    return list(StockMovement.objects.filter(company=company, reference_type="order_line", reference_id__in=refs)
                .order_by("id").values_list("kind", "quantity", "reserved_change"))


def level(company, sku) -> tuple[int, int]:
    lv = StockLevel.objects.get(company=company, sku=sku)
    return lv.on_hand, lv.reserved


# --- the table ---------------------------------------------------------------------------------

PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_every_move_of_the_table(company, account, admin_user, old, new):
    order = new_order(account)
    hold_from = (new if new in (S.NEW, S.CONFIRMED, S.READY) else S.NEW) if old == S.HOLD else ""
    put(order, old, hold_from)
    result = order_transition(company=company, orders=[order], to=new, user=admin_user, reason="테스트",
                              tracking=CJ)
    legal = new in ALLOWED[old]
    outcome = result.outcomes[0]
    assert outcome.ok is legal, outcome.message
    order.refresh_from_db()
    events = OrderEvent.objects.filter(order=order, kind="status")
    if legal:
        assert order.status == new
        event = events.get()
        assert event.user == admin_user and "테스트" in event.message
        assert event.data["old"] == old and event.data["new"] == new
    else:
        assert order.status == old and not events.exists()
        assert outcome.message  # a clear Korean reason
        assert "바꿀 수 없습니다" in outcome.message or "이미" in outcome.message


def test_unhold_only_to_the_status_before_the_hold(company, account, admin_user):
    order = new_order(account)
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    assert order_hold(company=company, orders=[order], reason="", user=admin_user).outcomes[0].message == \
        "보류 사유를 입력하세요."
    assert order_hold(company=company, orders=[order], reason="고객 문의", user=admin_user).ok_count == 1
    assert order.status == S.HOLD and order.hold_from == S.CONFIRMED and order.hold_reason == "고객 문의"
    refused = order_transition(company=company, orders=[order], to=S.NEW, user=admin_user).outcomes[0]
    assert not refused.ok and "보류 전 상태(주문확정)" in refused.message
    assert order_unhold(company=company, orders=[order], user=admin_user).ok_count == 1
    order.refresh_from_db()
    assert order.status == S.CONFIRMED and order.hold_from == ""


def test_other_company_order_is_refused(company, other_company, admin_user):
    theirs = new_order(make_account_with_credentials(other_company, name="남의 쿠팡"))
    result = order_transition(company=company, orders=[theirs], to=S.CONFIRMED, user=admin_user)
    assert not result.outcomes[0].ok
    theirs.refresh_from_db()
    assert theirs.status == S.NEW


# --- stock --------------------------------------------------------------------------------------


def test_confirm_requires_matching_when_stock_is_kept(company, account, admin_user):
    make_stocked_sku(company, "SKU-A", stock=5)  # a default warehouse: the company keeps stock
    order = new_order(account, sku_code="NOPE")
    assert order.is_matched is False
    outcome = order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user).outcomes[0]
    assert not outcome.ok and "매칭되지 않은 상품" in outcome.message
    assert not OutboxMessage.objects.exists()


def test_confirm_without_stock_keeping_needs_no_match(company, account, admin_user):
    order = new_order(account)
    assert order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user).ok_count == 1


def test_ready_deducts_reservation_once_and_cancel_gives_back(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-A", stock=10)
    order = new_order(account, sku_code="SKU-A", quantity=2)
    assert level(company, sku) == (10, 2)  # reserved at collection
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    order_transition(company=company, orders=[order], to=S.READY, user=admin_user)
    assert level(company, sku) == (8, 0)
    assert moves(company, order) == [("reserve", 0, 2), ("shipment", -2, -2)]
    # back to 주문확정 (reprint) and forward again: nothing more is deducted
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    order_transition(company=company, orders=[order], to=S.READY, user=admin_user)
    assert level(company, sku) == (8, 0) and len(moves(company, order)) == 2
    # cancelled before leaving: the goods go back on hand
    order_transition(company=company, orders=[order], to=S.CANCELLED, user=admin_user, reason="품절")
    assert level(company, sku) == (10, 0)
    assert moves(company, order)[-1] == ("return", 2, 0)
    assert OrderLine.objects.get(order=order).stock_state == StockState.RELEASED


def test_cancel_releases_reservation(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-A", stock=10)
    order = new_order(account, sku_code="SKU-A", quantity=3)
    order_transition(company=company, orders=[order], to=S.CANCELLED, user=admin_user)
    assert level(company, sku) == (10, 0)
    assert moves(company, order) == [("reserve", 0, 3), ("release", 0, -3)]
    order.refresh_from_db()
    assert order.stock_state == StockState.RELEASED


def test_ready_reserves_and_deducts_a_line_that_was_short_or_refuses(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-A", stock=1)
    order = new_order(account, sku_code="SKU-A", quantity=2)
    assert order.stock_state == StockState.SHORT
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    outcome = order_transition(company=company, orders=[order], to=S.READY, user=admin_user).outcomes[0]
    assert not outcome.ok and "재고가 부족합니다" in outcome.message and "SKU-A" in outcome.message
    assert moves(company, order) == [] and level(company, sku) == (1, 0)
    from marketdock.inventory.services import stock_adjust

    stock_adjust(company=company, sku_id=sku.pk, warehouse_id=None, quantity=5, reason="입고")
    assert order_transition(company=company, orders=[order], to=S.READY, user=admin_user).ok_count == 1
    assert level(company, sku) == (4, 0)
    assert [m[0] for m in moves(company, order)] == ["reserve", "shipment"]


def test_unmanaged_products_skip_stock(company, account, admin_user):
    make_stocked_sku(company, "SKU-K", stock=0)  # a default warehouse exists
    make_stocked_sku(company, "SKU-U", managed=False)
    order = new_order(account, sku_code="SKU-U")
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    assert order_transition(company=company, orders=[order], to=S.READY, user=admin_user).ok_count == 1
    assert moves(company, order) == []
    assert OrderLine.objects.get(order=order).stock_state == StockState.UNMANAGED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(S.values), min_size=1, max_size=12))
def test_random_sequences_keep_the_ledger_right(company, admin_user, steps):
    """Whatever sequence of moves is tried, stock is deducted exactly once when the order reaches
    출고준비, and a cancel before leaving leaves nothing reserved or missing."""
    with transaction.atomic():
        account = make_account_with_credentials(company, name="랜덤")
        sku = make_stocked_sku(company, "SKU-R", stock=10)
        order = new_order(account, sku_code="SKU-R", quantity=2)
        reached_ready = False
        for to in steps:
            if to == S.HOLD:
                outcome = order_hold(company=company, orders=[order], reason="r", user=admin_user).outcomes[0]
            else:
                outcome = order_transition(company=company, orders=[order], to=to, user=admin_user,
                                           tracking=CJ).outcomes[0]
            order.refresh_from_db()
            reached_ready |= outcome.ok and to == S.READY
            kinds = [m[0] for m in moves(company, order)]
            assert kinds.count("shipment") == (1 if reached_ready else 0)
            on_hand, reserved = level(company, sku)
            if order.status == S.CANCELLED:
                assert (on_hand, reserved) == (10, 0)
            elif reached_ready:
                assert (on_hand, reserved) == (8, 0)
            else:
                assert (on_hand, reserved) == (10, 2)
            sums = StockMovement.objects.filter(company=company, sku=sku).values_list("quantity", "reserved_change")
            assert (sum(q for q, _r in sums), sum(r for _q, r in sums)) == (on_hand, reserved)
        transaction.set_rollback(True)


# --- outbox in the same transaction ---------------------------------------------------------------


def test_confirm_writes_outbox_row_in_the_same_transaction(company, account, admin_user):
    order = new_order(account)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user).ok_count == 1
        assert OutboxMessage.objects.filter(company=company).count() == 1
        raise RuntimeError("the caller's transaction fails")
    assert not OutboxMessage.objects.exists()
    assert Order.objects.get(pk=order.pk).status == S.NEW


def test_confirming_twice_enqueues_once(company, account, admin_user):
    order = new_order(account, lines=2)
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    order_transition(company=company, orders=[order], to=S.NEW, user=admin_user, reason="되돌림")
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    message = OutboxMessage.objects.get(company=company)
    assert message.kind == "confirm" and message.payload == {"line_ids": ["1-1", "1-2"]}
    assert message.reference == f"order:{order.pk}" and order.effects.count() == 1


def test_shopify_has_no_confirm_and_manual_channel_sends_nothing(company, admin_user):
    shopify = new_order(make_account_with_credentials(company, name="Shopify", kind="shopify"), "S1")
    manual = new_order(make_account_with_credentials(company, name="수기", kind="manual"), "M1")
    result = order_transition(company=company, orders=[shopify, manual], to=S.CONFIRMED, user=admin_user)
    assert result.ok_count == 2 and not OutboxMessage.objects.exists()


def test_shipping_enqueues_dispatch_with_tracking(company, account, admin_user):
    order = new_order(account)
    put(order, S.READY)
    bad = order_transition(company=company, orders=[order], to=S.SHIPPED, user=admin_user,
                           tracking=("cj", "12345")).outcomes[0]
    assert not bad.ok and "12345" not in OrderLine.objects.get(order=order).tracking_number
    missing = order_transition(company=company, orders=[order], to=S.SHIPPED, user=admin_user).outcomes[0]
    assert not missing.ok and "송장번호가 없습니다" in missing.message
    assert order_transition(company=company, orders=[order], to=S.SHIPPED, user=admin_user, tracking=CJ).ok_count == 1
    message = OutboxMessage.objects.get(company=company, kind="dispatch")
    item = message.payload["items"][0]
    assert item["order_line_id"] == "1-1" and item["tracking_number"] == CJ[1] and item["carrier_code"] == "cj"
    assert item["marketplace_carrier_code"] == "CJGLS" and item["method"] == "parcel"
    line = OrderLine.objects.get(order=order)
    assert (line.status, line.carrier_key, line.tracking_number) == (S.SHIPPED, "cj", CJ[1])


def test_visit_pickup_ships_without_a_number(company, account, admin_user):
    order = new_order(account)
    put(order, S.READY)
    assert order_transition(company=company, orders=[order], to=S.SHIPPED, user=admin_user,
                            method="visit").ok_count == 1
    item = OutboxMessage.objects.get(kind="dispatch").payload["items"][0]
    assert item["method"] == "visit" and item["tracking_number"] == ""


def test_back_from_shipped_only_while_tracking_not_sent(company, account, admin_user):
    order = new_order(account)
    put(order, S.READY)
    order_transition(company=company, orders=[order], to=S.SHIPPED, user=admin_user, tracking=CJ)
    refused = order_transition(company=company, orders=[order], to=S.READY, user=admin_user).outcomes[0]
    assert not refused.ok and "되돌릴 수 없습니다" in refused.message
    OutboxMessage.objects.filter(kind="dispatch").update(status=OutboxMessage.Status.FAILED, last_error="송장 오류")
    assert order_transition(company=company, orders=[order], to=S.READY, user=admin_user).ok_count == 1
    line = OrderLine.objects.get(order=order)
    assert line.status == S.READY and line.tracking_number == ""
    assert order.effects.get().state == "superseded"


# --- partial shipment, delay, recipient edit ----------------------------------------------------------


def test_partial_shipment_leaves_the_rest_open(company, account, admin_user):
    order = new_order(account, lines=3)
    put(order, S.READY)
    first, second, third = OrderLine.objects.filter(order=order).order_by("id")
    outcome = order_ship_lines(company=company, order=order, lines=[first], user=admin_user, tracking=CJ)
    assert outcome.ok and "부분 출고 1/3" in outcome.message
    order.refresh_from_db()
    assert order.status == S.READY
    assert [ln.status for ln in OrderLine.objects.filter(order=order).order_by("id")] == [S.SHIPPED, S.READY, S.READY]
    assert OutboxMessage.objects.get(kind="dispatch").payload["items"][0]["order_line_id"] == first.channel_line_id
    again = order_ship_lines(company=company, order=order, lines=[first], user=admin_user, tracking=CJ)
    assert not again.ok and "출고할 상품을 선택하세요" in again.message
    refused = order_transition(company=company, orders=[order], to=S.CANCELLED, user=admin_user).outcomes[0]
    assert not refused.ok and "이미 출고된 상품" in refused.message
    assert order_ship_lines(company=company, order=order, lines=[second, third], user=admin_user,
                            tracking=("cj", "123456789029")).ok
    order.refresh_from_db()
    assert order.status == S.SHIPPED and order.shipped_at is not None
    assert OutboxMessage.objects.filter(kind="dispatch").count() == 2


def test_delay_is_sent_to_naver_and_coupang_and_refused_for_shopify(company, admin_user):
    naver = new_order(make_account_with_credentials(company, name="네이버", kind="naver"), "N1")
    coupang = new_order(make_account_with_credentials(company, name="쿠팡", kind="coupang"), "C1")
    shopify = new_order(make_account_with_credentials(company, name="Shopify", kind="shopify"), "S1")
    when = timezone.localdate() + timedelta(days=5)
    result = order_delay(company=company, orders=[naver, coupang, shopify], expected_date=when,
                         reason_code="PRODUCT_PREPARE", message="원단 입고 지연", user=admin_user)
    assert [o.ok for o in result] == [True, True, False]
    assert "Shopify" in result.outcomes[2].message and "지원하지 않습니다" in result.outcomes[2].message
    messages = OutboxMessage.objects.filter(kind="delay").order_by("id")
    assert messages.count() == 2
    item = messages[0].payload["items"][0]
    assert item == {"order_line_id": "N1-1", "order_id": "N1", "expected_date": when.isoformat(),
                    "reason_code": "PRODUCT_PREPARE", "message": "원단 입고 지연"}
    naver.refresh_from_db()
    assert naver.expected_ship_date == when and naver.delay_reason_code == "PRODUCT_PREPARE"
    shopify.refresh_from_db()
    assert shopify.expected_ship_date is None
    # the same delay again sends nothing more; bad input is refused for every order
    order_delay(company=company, orders=[naver], expected_date=when, reason_code="PRODUCT_PREPARE",
                message="원단 입고 지연", user=admin_user)
    assert OutboxMessage.objects.filter(kind="delay").count() == 2
    past = order_delay(company=company, orders=[naver], expected_date=timezone.localdate() - timedelta(days=1),
                       reason_code="ETC", message="x", user=admin_user)
    assert "오늘 이후" in past.outcomes[0].message
    assert not order_delay(company=company, orders=[naver], expected_date=when, reason_code="NOPE", message="x",
                           user=admin_user).ok_count


def test_delay_with_hold(company, admin_user):
    order = new_order(make_account_with_credentials(company, name="네이버", kind="naver"), "N1")
    order_delay(company=company, orders=[order], expected_date=timezone.localdate() + timedelta(days=2),
                reason_code="CUSTOMER_REQUEST", message="고객 요청", user=admin_user, hold=True)
    order.refresh_from_db()
    assert order.status == S.HOLD and order.hold_from == S.NEW


def test_recipient_edit_keeps_a_change_log(company, account, admin_user):
    order = new_order(account)
    Order.objects.filter(pk=order.pk).update(address_changed=True)
    order.refresh_from_db()
    changed = order_recipient_update(company=company, order=order, user=admin_user, reason="고객 전화", fields={
        "recipient_name": "박지훈", "recipient_phone": "010-2222-3333", "recipient_address1": "부산광역시 해운대구 1"})
    assert set(changed) == {"recipient_name", "recipient_phone", "recipient_address1"}
    order.refresh_from_db()
    assert order.recipient_name == "박지훈" and order.recipient_phone_digits == "01022223333"
    assert order.address_changed is False
    event = OrderEvent.objects.get(order=order, kind="edit")
    assert event.user == admin_user and "수령자" in event.message and "고객 전화" in event.message
    assert event.data["changes"]["recipient_name"] == {"old": "김민준", "new": "박지훈"}
    assert "박지훈" not in event.message  # the message is shown masked; values stay in data
    with pytest.raises(FlowError, match="전화번호"):
        order_recipient_update(company=company, order=order, user=admin_user, fields={"recipient_phone": "12"})
    with pytest.raises(FlowError, match="바꿀 수 없는 항목"):
        order_recipient_update(company=company, order=order, user=admin_user, fields={"status": "delivered"})
    assert order_recipient_update(company=company, order=order, user=admin_user,
                                  fields={"recipient_name": "박지훈"}) == []
