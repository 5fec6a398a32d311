"""The marketplace's progress on collection: every progress maps to its OMS status on first collection
and moves a line forward (never back) on re-collection, with stock held, released or deducted exactly
as stated, the marketplace's tracking recorded, and pending claims kept on the line and the order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketdock.catalog.models import SKU, Product
from marketdock.channels.connectors.models import ChannelOrder, Claim, Progress
from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inv
from marketdock.inventory.models import StockLevel, StockMovement
from marketdock.orders.models import CollectionRun, Order, OrderEvent, OrderLine, OrderStatus, StockState
from marketdock.orders.services import (
    channel_orders_ingest,
    collection_run_open,
    order_settings_save,
    order_transition,
)

S = OrderStatus
AT = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)
CHANNEL_STATUS = {Progress.WAITING: "hold", Progress.PAID: "new", Progress.CONFIRMED: "confirmed",
                  Progress.SHIPPED: "shipped", Progress.IN_TRANSIT: "in_transit", Progress.DELIVERED: "delivered",
                  Progress.CANCELLED: "cancelled", Progress.RETURNED: "returned"}


def naver_line(progress: Progress, *, claim: Claim = Claim.NONE, number: str = "", carrier: str = "",
               order_id: str = "N-1", line_id: str = "N-1-1") -> ChannelOrder:
    status = "cancel_requested" if claim == Claim.CANCEL else CHANNEL_STATUS[progress]
    return ChannelOrder(
        marketplace="naver", order_id=order_id, order_line_id=line_id, ordered_at=AT, status=status,
        raw_status="PAYED", progress=progress, claim=claim, tracking_number=number, carrier_code=carrier,
        dispatched_at=AT if number else None, buyer_name="박지훈", recipient_name="박지훈",
        recipient_address1="부산 해운대구 센텀중앙로 79", channel_product_id="9001", channel_option_id="77",
        product_name="유기농 현미 4kg", seller_option_code="RICE-4", quantity=2, unit_price=21000, total_amount=42000)


@pytest.fixture
def shop(company):
    account = ChannelAccount(company=company, kind="naver", name="스마트스토어")
    account.set_credentials({"client_id": "c", "client_secret": "s"})
    account.save()
    warehouse = inv.warehouse_save(company=company, code="MAIN", name="본창고", is_default=True)
    product = Product.objects.create(company=company, code="RICE", name="유기농 현미")
    sku = SKU.objects.create(company=company, product=product, code="RICE-4", barcode="8801234000017")
    inv.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=10, reason="기초재고")
    return account, sku


def collect(account, *records: ChannelOrder) -> None:
    run = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
    channel_orders_ingest(account=account, orders=list(records), run=run)


def levels(company, sku) -> tuple[int, int]:
    """(on hand, reserved) of the SKU over all warehouses."""
    rows = StockLevel.objects.filter(company=company, sku=sku).values_list("on_hand", "reserved")
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


FIRST = [
    # progress → OMS status, stock state, (on hand, reserved) after
    (Progress.WAITING, S.NEW, StockState.NONE, (10, 0)),
    (Progress.PAID, S.NEW, StockState.RESERVED, (10, 2)),
    (Progress.CONFIRMED, S.CONFIRMED, StockState.RESERVED, (10, 2)),
    (Progress.SHIPPED, S.SHIPPED, StockState.OUTSIDE, (10, 0)),
    (Progress.IN_TRANSIT, S.IN_TRANSIT, StockState.OUTSIDE, (10, 0)),
    (Progress.DELIVERED, S.DELIVERED, StockState.OUTSIDE, (10, 0)),
    (Progress.RETURNED, S.DELIVERED, StockState.OUTSIDE, (10, 0)),
    (Progress.CANCELLED, S.CANCELLED, StockState.NONE, (10, 0)),
]


@pytest.mark.parametrize(("progress", "status", "stock", "after"), FIRST)
def test_first_collection_takes_the_marketplace_state(company, shop, progress, status, stock, after):
    account, sku = shop
    number = "612345678901" if status in (S.SHIPPED, S.IN_TRANSIT, S.DELIVERED) else ""
    collect(account, naver_line(progress, number=number, carrier="CJGLS" if number else ""))
    order = Order.objects.get(company=company, channel_order_id="N-1")
    line = order.lines.get()
    assert (order.status, line.status, line.stock_state) == (status, status, stock)
    assert levels(company, sku) == after
    if number:
        assert (line.tracking_number, line.carrier_key) == (number, "cj")  # Naver CJGLS = CJ대한통운
        assert line.shipped_at == AT
        event = OrderEvent.objects.get(company=company, order=order, kind="shipped_outside")
        assert "재고를 할당·차감하지 않았습니다" in event.message
        assert not StockMovement.objects.filter(company=company, reference_id=str(line.pk)).exists()


@pytest.mark.parametrize(("progress", "status", "stock", "after"), [
    (Progress.PAID, S.NEW, StockState.RESERVED, (10, 2)),
    (Progress.CONFIRMED, S.CONFIRMED, StockState.RESERVED, (10, 2)),
    (Progress.SHIPPED, S.SHIPPED, StockState.OUTSIDE, (10, 0)),
    (Progress.IN_TRANSIT, S.IN_TRANSIT, StockState.OUTSIDE, (10, 0)),
    (Progress.DELIVERED, S.DELIVERED, StockState.OUTSIDE, (10, 0)),
    (Progress.RETURNED, S.DELIVERED, StockState.OUTSIDE, (10, 0)),
    (Progress.CANCELLED, S.CANCELLED, StockState.RELEASED, (10, 0)),
])
def test_recollection_moves_forward_and_releases_once(company, shop, progress, status, stock, after):
    account, sku = shop
    collect(account, naver_line(Progress.PAID))
    assert levels(company, sku) == (10, 2)
    number = "612345678901" if status in (S.SHIPPED, S.IN_TRANSIT, S.DELIVERED) else ""
    collect(account, naver_line(progress, number=number, carrier="CJGLS" if number else ""))
    order = Order.objects.get(company=company, channel_order_id="N-1")
    line = order.lines.get()
    assert (order.status, line.status, line.stock_state) == (status, status, stock)
    assert levels(company, sku) == after
    if status not in (S.NEW, S.CANCELLED):
        event = OrderEvent.objects.get(company=company, order=order, kind="marketplace_progress")
        assert event.data["old"] == "new" and event.data["new"] == status
    # collecting the same again changes nothing, stock included
    collect(account, naver_line(progress, number=number, carrier="CJGLS" if number else ""))
    assert levels(company, sku) == after
    assert OrderEvent.objects.filter(company=company, order=order, kind="marketplace_progress").count() == (
        0 if status in (S.NEW, S.CANCELLED) else 1)


@pytest.mark.parametrize("ours", [S.READY, S.SHIPPED])
def test_recollection_never_moves_back(company, shop, ours):
    account, sku = shop
    collect(account, naver_line(Progress.PAID))
    order = Order.objects.get(company=company, channel_order_id="N-1")
    assert order_transition(company=company, orders=[order], to=S.CONFIRMED, user=None).ok_count == 1
    assert order_transition(company=company, orders=[order], to=S.READY, user=None).ok_count == 1
    if ours == S.SHIPPED:
        assert order_transition(company=company, orders=[order], to=S.SHIPPED, user=None, method="direct").ok_count == 1
    assert levels(company, sku) == (8, 0)  # deducted at 출고준비
    collect(account, naver_line(Progress.CONFIRMED))  # the marketplace is behind us
    order.refresh_from_db()
    assert order.status == ours and order.lines.get().status == ours
    assert levels(company, sku) == (8, 0)
    collect(account, naver_line(Progress.DELIVERED, number="612345678901", carrier="CJGLS"))
    order.refresh_from_db()
    line = order.lines.get()
    assert (order.status, line.stock_state) == (S.DELIVERED, StockState.DEDUCTED)
    assert levels(company, sku) == (8, 0)  # deducted once, at 출고준비 — not again


def test_setting_deducts_outside_shipments_once(company, shop):
    account, sku = shop
    order_settings_save(company=company, deduct_outside_shipments=True)
    collect(account, naver_line(Progress.PAID))
    collect(account, naver_line(Progress.SHIPPED, number="612345678901", carrier="CJGLS"))
    line = OrderLine.objects.get(company=company, channel_line_id="N-1-1")
    assert line.stock_state == StockState.DEDUCTED and levels(company, sku) == (8, 0)
    collect(account, naver_line(Progress.DELIVERED, number="612345678901", carrier="CJGLS"))
    assert levels(company, sku) == (8, 0)
    # first seen shipped: reserved and deducted in one go
    collect(account, naver_line(Progress.IN_TRANSIT, number="612345678902", carrier="CJGLS", order_id="N-2",
                                line_id="N-2-1"))
    assert levels(company, sku) == (6, 0)
    assert OrderLine.objects.get(company=company, channel_line_id="N-2-1").stock_state == StockState.DEDUCTED


def test_hold_moves_only_by_a_shipment(company, shop):
    account, _sku = shop
    collect(account, naver_line(Progress.PAID))
    order = Order.objects.get(company=company, channel_order_id="N-1")
    assert order_transition(company=company, orders=[order], to=S.HOLD, user=None, reason="주소 확인").ok_count == 1
    collect(account, naver_line(Progress.CONFIRMED))
    order.refresh_from_db()
    assert order.status == S.HOLD
    collect(account, naver_line(Progress.SHIPPED, number="612345678901", carrier="CJGLS"))
    order.refresh_from_db()
    assert (order.status, order.hold_from) == (S.SHIPPED, "")


def test_pending_claim_is_kept_on_line_and_order_and_cleared_when_decided(company, shop):
    account, sku = shop
    collect(account, naver_line(Progress.PAID, claim=Claim.CANCEL))
    order = Order.objects.get(company=company, channel_order_id="N-1")
    assert (order.claim, order.lines.get().claim, order.status) == ("cancel", "cancel", S.NEW)
    collect(account, naver_line(Progress.PAID))  # the seller rejected the request at the marketplace
    order.refresh_from_db()
    assert (order.claim, order.lines.get().claim) == ("", "")
    assert levels(company, sku) == (10, 2)


def test_setting_is_saved_by_a_writer_and_not_by_a_viewer(company, admin_client, viewer_client):
    from django.urls import reverse

    from marketdock.orders.models import OrderSettings

    url = reverse("orders:collect_settings")
    assert viewer_client.post(url, {"deduct_outside_shipments": "on"}).status_code == 403
    assert not OrderSettings.objects.filter(company=company).exists()
    assert admin_client.get(reverse("orders:collect")).content.decode().count('name="deduct_outside_shipments"') == 1
    response = admin_client.post(url, {"deduct_outside_shipments": "on"})
    assert response.status_code == 302
    assert OrderSettings.objects.get(company=company).deduct_outside_shipments is True
    admin_client.post(url, {})
    assert OrderSettings.objects.get(company=company).deduct_outside_shipments is False
