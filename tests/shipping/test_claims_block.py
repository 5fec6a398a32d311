"""A line the buyer asked to cancel at the marketplace (a pending claim) never ships by mistake: it
cannot be confirmed, readied, printed or shipped through any path — the order flow, the list's bulk
action (a result per order), the Excel status and tracking upload, label printing, the scan station
(which stops loudly when the label was printed before the request arrived) — and every screen shows
the 취소요청 badge. When the marketplace decides the request, the order goes on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from marketdock.catalog.models import SKU, Product
from marketdock.channels.connectors.models import ChannelOrder, Claim, Progress
from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inv
from marketdock.orders.models import CollectionRun, Order, OrderStatus
from marketdock.orders.services import (
    channel_orders_ingest,
    collection_run_open,
    order_transition,
    status_upload_apply,
)
from marketdock.shipping import selectors
from marketdock.shipping.models import PackageStatus
from marketdock.shipping.services import band_create
from marketdock.shipping.services_packages import packages_build, packages_print
from marketdock.shipping.services_scan import scan_complete, scan_item, scan_open
from tests.factories.shipping import make_contract
from tests.spreadsheets import workbook_bytes

pytestmark = pytest.mark.django_db
S = OrderStatus
AT = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)


def coupang_box(no: str, *, claim: Claim = Claim.NONE, progress: Progress = Progress.PAID) -> ChannelOrder:
    return ChannelOrder(
        marketplace="coupang", order_id=no, order_line_id=f"{no}-1", bundle_id=f"B{no}", ordered_at=AT,
        status="cancel_requested" if claim else "new", raw_status="ACCEPT", progress=progress, claim=claim,
        buyer_name="최유진", buyer_phone="010-2222-3333", recipient_name="최유진", recipient_phone="010-2222-3333",
        recipient_postal_code="06236", recipient_address1=f"서울 강남구 테헤란로 {no[-2:]}", channel_product_id="P7",
        channel_option_id="O7", product_name="무선 키보드", seller_option_code="KB-1", quantity=1, unit_price=39000,
        total_amount=39000)


@pytest.fixture
def shop(company):
    account = ChannelAccount(company=company, kind="coupang", name="쿠팡")
    account.set_credentials({"vendor_id": "A1", "access_key": "k", "secret_key": "s"})
    account.save()
    warehouse = inv.warehouse_save(company=company, code="WH", name="본창고", is_default=True, sender_name="키보드가게",
                                   phone="02-555-0101", postal_code="04799", address="서울 성동구 성수이로 100")
    product = Product.objects.create(company=company, code="KB", name="무선 키보드")
    sku = SKU.objects.create(company=company, product=product, code="KB-1", barcode="8809000000011")
    inv.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=20, reason="기초재고")
    contract = make_contract(company, "cj", warehouse=warehouse, is_default=True)
    band_create(company=company, contract=contract, start="632976600000", end="632976600999")
    return account


def collect(account, *records) -> None:
    run = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
    channel_orders_ingest(account=account, orders=list(records), run=run)


def order(company, no) -> Order:
    return Order.objects.get(company=company, channel_order_id=no)


def test_flow_refuses_confirm_ready_and_ship_of_a_cancel_requested_order(company, shop):
    collect(shop, coupang_box("1001", claim=Claim.CANCEL))
    o = order(company, "1001")
    refused = order_transition(company=company, orders=[o], to=S.CONFIRMED, user=None).outcomes[0]
    assert not refused.ok and "취소요청 중인 상품이 있어 주문확정할 수 없습니다" in refused.message
    # the request arrives after confirmation (출고준비 refused) or after 출고준비 (출고 refused)
    collect(shop, coupang_box("1002"), coupang_box("1003"))
    o2, o3 = order(company, "1002"), order(company, "1003")
    assert order_transition(company=company, orders=[o2, o3], to=S.CONFIRMED, user=None).ok_count == 2
    assert order_transition(company=company, orders=[o3], to=S.READY, user=None).ok_count == 1
    collect(shop, coupang_box("1002", claim=Claim.CANCEL), coupang_box("1003", claim=Claim.CANCEL))
    ready = order_transition(company=company, orders=[o2], to=S.READY, user=None).outcomes[0]
    assert not ready.ok and "출고준비할 수 없습니다" in ready.message
    ship = order_transition(company=company, orders=[o3], to=S.SHIPPED, user=None, tracking=("cj", "632976600001"))
    assert not ship.outcomes[0].ok and "출고할 수 없습니다" in ship.outcomes[0].message
    partial = order_transition(company=company, orders=[o3], to=S.SHIPPED, user=None, method="direct",
                               lines=list(o3.lines.all()))
    assert not partial.outcomes[0].ok and "출고할 수 없습니다" in partial.outcomes[0].message
    assert (order(company, "1002").status, order(company, "1003").status) == (S.CONFIRMED, S.READY)
    # the seller rejected the requests at the marketplace: the orders go on
    collect(shop, coupang_box("1002"), coupang_box("1003"))
    assert order_transition(company=company, orders=[o2], to=S.READY, user=None).ok_count == 1
    assert order_transition(company=company, orders=[o3], to=S.SHIPPED, user=None, method="direct").ok_count == 1


def test_bulk_action_reports_the_refusal_per_order(company, shop, admin_client):
    collect(shop, coupang_box("2001", claim=Claim.CANCEL), coupang_box("2002"))
    ids = [order(company, "2001").pk, order(company, "2002").pk]
    response = admin_client.post(reverse("orders:bulk"), {"action": "confirm", "order": ids})
    assert response.status_code == 200
    text = response.content.decode()
    assert "취소요청 중인 상품이 있어 주문확정할 수 없습니다" in text
    assert (order(company, "2001").status, order(company, "2002").status) == (S.NEW, S.CONFIRMED)


def _sheet(*rows) -> bytes:
    return workbook_bytes([["주문번호", "상태", "택배사", "송장번호"], *rows])


def test_excel_status_and_tracking_upload_refuse_it_and_apply_nothing(company, shop):
    collect(shop, coupang_box("3001", claim=Claim.CANCEL), coupang_box("3002"))
    result = status_upload_apply(company=company, user=None, data=_sheet(("3001", "주문확정"), ("3002", "주문확정")),
                                 filename="status.xlsx")
    assert result.applied == 0 and [e["row"] for e in result.errors] == [2]
    assert "취소요청" in result.errors[0]["message"]
    assert order(company, "3002").status == S.NEW  # all or nothing
    for no in ("3001", "3002"):
        collect(shop, coupang_box(no, progress=Progress.CONFIRMED))
    o = order(company, "3001")
    assert order_transition(company=company, orders=[o], to=S.READY, user=None).ok_count == 1
    collect(shop, coupang_box("3001", claim=Claim.CANCEL, progress=Progress.CONFIRMED))
    tracking = status_upload_apply(company=company, user=None, data=_sheet(("3001", "", "CJ대한통운", "632976600002")),
                                   filename="tracking.xlsx")
    assert tracking.applied == 0 and "출고할 수 없습니다" in tracking.errors[0]["message"]
    assert order(company, "3001").status == S.READY


def test_print_refuses_and_scan_stops_loudly_when_the_request_came_after_printing(company, shop, admin_user):
    collect(shop, coupang_box("4001", claim=Claim.CANCEL, progress=Progress.CONFIRMED),
            coupang_box("4002", progress=Progress.CONFIRMED))
    packages_build(company=company)
    claimed = selectors.package_for_order(company, order(company, "4001"))
    plan = packages_print(company=company, packages=[claimed], move_to_ready=True, user=admin_user)
    assert not plan.packages and "취소요청이(가) 있어 운송장을 출력할 수 없습니다" in plan.rows[0].message
    claimed.refresh_from_db()
    assert claimed.status == PackageStatus.OPEN and not claimed.tracking_number
    # printed before the buyer asked: the scan station stops it
    package = selectors.package_for_order(company, order(company, "4002"))
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED
    collect(shop, coupang_box("4002", claim=Claim.CANCEL, progress=Progress.CONFIRMED))
    for outcome in (scan_open(company=company, number=package.tracking_number),
                    scan_item(company=company, package=package, barcode="8809000000011", user=admin_user),
                    scan_complete(company=company, package=package, user=admin_user, confirm_unmatched=True)):
        assert outcome.kind == "stopped" and outcome.alarm
        assert "출고 중지" in outcome.message and "4002 (취소요청)" in outcome.message
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and order(company, "4002").status == S.READY


def test_every_screen_shows_the_badge(company, shop, admin_user, admin_client):
    collect(shop, coupang_box("5001", claim=Claim.CANCEL, progress=Progress.CONFIRMED))
    o = order(company, "5001")
    assert o.claim == "cancel"
    packages_build(company=company)
    package = selectors.package_for_order(company, o)
    pages = [reverse("orders:list"), reverse("orders:detail", args=[o.pk]), reverse("shipping:packages"),
             reverse("shipping:package_detail", args=[package.pk]), reverse("shipping:labels") + "?status=open"]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert 'data-testid="claim-badge"' in html and "취소요청" in html, url
    detail = admin_client.get(reverse("orders:detail", args=[o.pk])).content.decode()
    assert 'data-testid="claim-alert"' in detail
    # scan station: a label printed before the request → the panel names the order and its badge
    collect(shop, coupang_box("5002", progress=Progress.CONFIRMED))
    packages_build(company=company)
    printed = selectors.package_for_order(company, order(company, "5002"))
    packages_print(company=company, packages=[printed], move_to_ready=True, user=admin_user)
    printed.refresh_from_db()
    collect(shop, coupang_box("5002", claim=Claim.CANCEL, progress=Progress.CONFIRMED))
    panel = admin_client.get(reverse("shipping:scan"), {"number": printed.tracking_number}).content.decode()
    assert 'data-scan-kind="stopped"' in panel and 'data-testid="claim-badge"' in panel and "5002 취소요청" in panel
