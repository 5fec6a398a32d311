"""The page upsert (ORD-1): created / updated / unchanged / quarantined, history events, matching
at collection, stock reservation all-or-nothing per order, duplicates (ORD-11)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketdock.channels.connectors.models import RecordError
from marketdock.channels.models import OptionMapping
from marketdock.inventory.models import StockMovement
from marketdock.orders.models import (
    MatchStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    QuarantinedRecord,
    StockState,
)
from marketdock.orders.selectors import buyer_history
from tests.factories.catalog import make_stocked_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import T0, co, ingest, reserved


@pytest.fixture
def account(company):
    return make_account_with_credentials(company)


def test_created_then_unchanged_then_updated_with_history(company, account):
    page = [co("1001", "1001-1"), co("1001", "1001-2", channel_option_id="O2", quantity=2, total_amount=39800),
            co("1002", "1002-1", buyer_name="이서연", buyer_phone="010-9999-0000")]
    run, counts = ingest(account, page)
    assert counts == {"seen": 2, "created": 2, "updated": 0, "unchanged": 0, "quarantined": 0}
    order = Order.objects.get(company=company, channel_order_id="1001")
    assert order.line_count == 2 and order.total_amount == 19900 + 39800 and order.status == OrderStatus.NEW
    assert order.created_run == run and order.buyer_phone_digits == "01012345678" and len(order.buyer_key) == 64
    assert "기모 트레이닝 팬츠" in order.item_summary and "1001" in order.search_text
    assert OrderEvent.objects.filter(order=order, kind="collected").count() == 1

    run2, counts = ingest(account, page)
    assert counts == {"seen": 2, "created": 0, "updated": 0, "unchanged": 2, "quarantined": 0}
    assert Order.objects.filter(company=company).count() == 2 and OrderLine.objects.filter(company=company).count() == 3

    moved = [co("1001", "1001-1", recipient_address1="부산광역시 해운대구 센텀중앙로 79", status="confirmed",
                raw_status="INSTRUCT"), page[1]]
    run3, counts = ingest(account, moved)
    assert counts["updated"] == 1 and counts["unchanged"] == 0
    order.refresh_from_db()
    assert order.recipient_address1.startswith("부산") and order.address_changed and order.changed_run == run3
    address = OrderEvent.objects.get(order=order, kind="address")
    assert "테헤란로" in address.message and "센텀중앙로" in address.message
    status = OrderEvent.objects.get(order=order, kind="channel_status")
    assert status.data == {"old": "new", "new": "confirmed", "run": run3.pk}
    run3.refresh_from_db()
    assert (run3.seen, run3.updated) == (1, 1)


def test_bad_record_is_quarantined_and_the_batch_goes_on(company, account):
    bad = RecordError(order_id="X1", order_line_id="X1-1", field="data[0].orderedAt", message="날짜가 아닙니다",
                      raw={"orderId": "X1"})
    too_long = co("9" * 101, "L-long")
    run, counts = ingest(account, [co("2001", "2001-1"), too_long], errors=[bad])
    assert counts["created"] == 1 and counts["quarantined"] == 2
    records = QuarantinedRecord.objects.filter(run=run).order_by("field")
    assert [r.field for r in records] == ["data[0].orderedAt", "order_id"]
    assert records[0].raw == {"orderId": "X1"}


def test_duplicate_lines_on_one_page_keep_the_last(company, account):
    run, counts = ingest(account, [co("3001", "3001-1", quantity=1), co("3001", "3001-1", quantity=3)])
    assert OrderLine.objects.get(company=company, channel_line_id="3001-1").quantity == 3


def test_matching_at_collection_by_mapping_code_and_reservation(company, account):
    mapped = make_stocked_sku(company, "SKU-A", stock=10)
    by_code = make_stocked_sku(company, "SKU-B", stock=10)
    OptionMapping.objects.create(company=company, account=account, channel_product_id="P1", channel_option_id="OM",
                                 sku=mapped, quantity=2)
    page = [co("4001", "4001-1", channel_option_id="OM", quantity=2),
            co("4001", "4001-2", channel_product_id="P2", seller_option_code="SKU-B"),
            co("4002", "4002-1", channel_product_id="P3", product_name="모르는 상품")]
    run, _ = ingest(account, page)
    matched = Order.objects.get(company=company, channel_order_id="4001")
    waiting = Order.objects.get(company=company, channel_order_id="4002")
    assert matched.is_matched and matched.stock_state == StockState.RESERVED
    assert not waiting.is_matched and waiting.stock_state == StockState.NONE
    assert reserved(company, mapped) == 4 and reserved(company, by_code) == 1  # 2 × (1+1)
    line = OrderLine.objects.get(channel_line_id="4001-1")
    assert line.match_source == "mapping" and line.components.get().quantity == 4
    assert StockMovement.objects.filter(reference_type="order_line", reference_id=str(line.pk)).count() == 1


def test_short_stock_marks_the_order_short_not_the_run(company, account):
    sku = make_stocked_sku(company, "SKU-S", stock=1)
    other = make_stocked_sku(company, "SKU-T", stock=5)
    run, counts = ingest(account, [
        co("5001", "5001-1", seller_option_code="SKU-S", quantity=2),
        co("5002", "5002-1", seller_option_code="SKU-T", quantity=1),
    ])
    short = Order.objects.get(channel_order_id="5001")
    ok = Order.objects.get(channel_order_id="5002")
    assert short.stock_state == StockState.SHORT and ok.stock_state == StockState.RESERVED
    event = OrderEvent.objects.get(order=short, kind="stock_short")
    assert "SKU-S" in event.message and event.data["skus"] == ["SKU-S"]
    assert reserved(company, sku) == 0 and reserved(company, other) == 1
    run.refresh_from_db()
    assert run.created == 2 and not run.error


def test_unmanaged_product_is_unmanaged(company, account):
    make_stocked_sku(company, "SKU-U", stock=0, managed=False)
    ingest(account, [co("6001", "6001-1", seller_option_code="SKU-U")])
    assert Order.objects.get(channel_order_id="6001").stock_state == StockState.UNMANAGED


def test_all_lines_cancelled_at_collection_cancels_and_cancel_later_releases(company, account):
    sku = make_stocked_sku(company, "SKU-C", stock=10)
    ingest(account, [co("7001", "7001-1", status="cancelled", raw_status="CANCEL", seller_option_code="SKU-C")])
    assert Order.objects.get(channel_order_id="7001").status == OrderStatus.CANCELLED
    assert reserved(company, sku) == 0

    ingest(account, [co("7002", "7002-1", seller_option_code="SKU-C", quantity=2),
                     co("7002", "7002-2", seller_option_code="SKU-C", channel_option_id="Z")])
    assert reserved(company, sku) == 3
    ingest(account, [co("7002", "7002-1", seller_option_code="SKU-C", quantity=2, status="cancelled",
                        raw_status="CANCEL", cancelled_quantity=2),
                     co("7002", "7002-2", seller_option_code="SKU-C", channel_option_id="Z")])
    order = Order.objects.get(channel_order_id="7002")
    assert reserved(company, sku) == 1 and order.status == OrderStatus.NEW
    assert OrderLine.objects.get(channel_line_id="7002-1").stock_state == StockState.RELEASED
    assert OrderEvent.objects.filter(order=order, kind="stock_released").exists()
    ingest(account, [co("7002", "7002-2", seller_option_code="SKU-C", channel_option_id="Z", status="cancelled",
                        raw_status="CANCEL")])
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.stock_state == StockState.RELEASED
    assert reserved(company, sku) == 0
    assert OrderEvent.objects.filter(order=order, kind="status").exists()


def test_duplicate_order_warning_and_buyer_history(company, account):
    def same(order_id, hours=0, **kw):
        return co(order_id, f"{order_id}-1", ordered_at=T0 + timedelta(hours=hours), channel_option_id="O1", **kw)

    ingest(account, [same("8001")])
    ingest(account, [same("8002", 5, buyer_phone="01012345678")])  # same buyer, phone written differently
    ingest(account, [same("8003", 30)])  # outside 24 h
    ingest(account, [same("8004", 6, quantity=2)])  # other items
    ingest(account, [same("8005", 7, buyer_phone="010-0000-0000")])  # another phone
    first, second, late, other, phone = (Order.objects.get(channel_order_id=n)
                                         for n in ("8001", "8002", "8003", "8004", "8005"))
    assert second.duplicate_of == first
    assert first.duplicate_of is None and late.duplicate_of is None and other.duplicate_of is None
    assert phone.duplicate_of is None
    event = OrderEvent.objects.get(order=second, kind="duplicate")
    assert "8001" in event.message
    assert set(buyer_history(company, first)) == {second, late, other}
    assert MatchStatus.UNMATCHED == OrderLine.objects.get(channel_line_id="8001-1").match_status


def test_duplicates_within_one_page(company, account):
    ingest(account, [co("8101", "8101-1", channel_option_id="O1"),
                     co("8102", "8102-1", channel_option_id="O1", ordered_at=T0 + timedelta(minutes=3))])
    assert Order.objects.get(channel_order_id="8102").duplicate_of == Order.objects.get(channel_order_id="8101")
    assert Order.objects.get(channel_order_id="8101").duplicate_of is None
