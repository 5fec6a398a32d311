"""출고검수 (SHP-6): the correct package completes to 출고완료 and tells the marketplace; a wrong item,
an extra, a missing item or an order cancelled/held after printing each warn and never complete."""

from __future__ import annotations

import pytest

from marketdock.catalog.models import SetComponent
from marketdock.orders.models import Order, OrderLine, OrderStatus
from marketdock.orders.services import order_transition
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping import selectors
from marketdock.shipping.models import PackageScan, PackageStatus
from marketdock.shipping.services_packages import packages_build, packages_print
from marketdock.shipping.services_scan import scan_complete, scan_item, scan_open, scan_reset
from tests.factories.catalog import make_stocked_sku
from tests.factories.orders import make_order

pytestmark = pytest.mark.django_db
S = OrderStatus


def statuses(*orders) -> set[str]:
    return set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True))


def test_correct_package_completes_and_dispatches(company, printed, admin_user):
    package, orders = printed
    opened = scan_open(company=company, number=f" {package.tracking_number[:4]}-{package.tracking_number[4:]} ")
    assert opened.kind == "opened" and opened.state.package == package and opened.state.expected_total == 3
    assert scan_item(company=company, package=package, barcode="880SKU-A", user=admin_user).kind == "ok"
    assert scan_item(company=company, package=package, barcode="880SKU-B", user=admin_user).kind == "ok"
    done = scan_item(company=company, package=package, barcode="880SKU-A", user=admin_user)
    assert done.kind == "shipped" and not done.alarm
    package.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED and package.shipped_at is not None
    assert statuses(*orders) == {S.SHIPPED}
    assert set(OrderLine.objects.filter(order__in=orders).values_list("tracking_number", flat=True)) == {
        package.tracking_number}
    messages = OutboxMessage.objects.filter(company=company, kind="dispatch")
    assert messages.count() == 2  # one per order (each order is told the same number)
    assert {m.payload["items"][0]["tracking_number"] for m in messages} == {package.tracking_number}
    assert scan_open(company=company, number=package.tracking_number).kind == "status"  # already shipped


def test_wrong_item_warns_and_does_not_count(company, printed, admin_user):
    package, orders = printed
    make_stocked_sku(company, "SKU-X", barcode="880SKU-X")
    wrong = scan_item(company=company, package=package, barcode="880SKU-X", user=admin_user)
    assert wrong.kind == "wrong" and wrong.alarm and "오상품" in wrong.message and "SKU-X" in wrong.message
    unknown = scan_item(company=company, package=package, barcode="999999", user=admin_user)
    assert unknown.kind == "wrong" and "등록되지 않은 바코드" in unknown.message
    assert unknown.state.scanned_total == 0
    assert PackageScan.objects.filter(package=package, result="wrong").count() == 2
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and statuses(*orders) == {S.READY}


def test_extra_unit_warns(company, printed, admin_user):
    package, orders = printed
    scan_item(company=company, package=package, barcode="880SKU-B", user=admin_user)
    extra = scan_item(company=company, package=package, barcode="880SKU-B", user=admin_user)
    assert extra.kind == "extra" and extra.alarm and "초과" in extra.message
    line = next(ln for ln in extra.state.lines if ln.code == "SKU-B")
    assert line.scanned == 1 and line.expected == 1
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED


def test_missing_item_blocks_completion(company, printed, admin_user):
    package, orders = printed
    scan_item(company=company, package=package, barcode="880SKU-A", user=admin_user)
    scan_item(company=company, package=package, barcode="880SKU-B", user=admin_user)
    missing = scan_complete(company=company, package=package, user=admin_user)
    assert missing.kind == "missing" and missing.alarm and "누락" in missing.message and "1개" in missing.message
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and statuses(*orders) == {S.READY}
    scan_reset(company=company, package=package)
    assert scan_open(company=company, number=package.tracking_number).state.scanned_total == 0


@pytest.mark.parametrize("to", [S.CANCELLED, S.HOLD])
def test_order_stopped_after_printing_stops_the_package(company, printed, admin_user, to):
    package, (a, b) = printed
    result = order_transition(company=company, orders=[b], to=to, user=admin_user, reason="고객 요청")
    assert not result.failed, result.failed
    opened = scan_open(company=company, number=package.tracking_number)
    assert opened.kind == "stopped" and opened.alarm and b.channel_order_id in opened.message
    for barcode in ("880SKU-A", "880SKU-A"):
        assert scan_item(company=company, package=package, barcode=barcode, user=admin_user).kind == "stopped"
    assert scan_complete(company=company, package=package, user=admin_user).kind == "stopped"
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and statuses(a) == {S.READY}


def test_unknown_number(company, printed):
    assert scan_open(company=company, number="000000000000").kind == "not_found"


def test_sets_are_checked_by_their_components(company, account, contract, admin_user):
    box = make_stocked_sku(company, "SET-1", stock=10, barcode="880SET-1")
    box.is_set = True
    box.save()
    a, b = make_stocked_sku(company, "C-A", stock=10), make_stocked_sku(company, "C-B", stock=10)
    SetComponent.objects.create(company=company, set_sku=box, component=a, quantity=2)
    SetComponent.objects.create(company=company, set_sku=box, component=b, quantity=1)
    order = make_order(account, skus=(("SET-1", 1),))
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    package.refresh_from_db()
    state = scan_open(company=company, number=package.tracking_number).state
    assert sorted((ln.code, ln.expected) for ln in state.lines) == [("C-A", 2), ("C-B", 1)]
    assert scan_item(company=company, package=package, barcode="880SET-1").kind == "wrong"
    for barcode in ("880C-A", "880C-B", "880C-A"):
        outcome = scan_item(company=company, package=package, barcode=barcode, user=admin_user)
    assert outcome.kind == "shipped"


def test_printed_without_ready_still_ships_through_the_flow(company, account, contract, admin_user):
    order = make_order(account)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    packages_print(company=company, packages=[package], move_to_ready=False, user=admin_user)
    package.refresh_from_db()
    assert statuses(order) == {S.CONFIRMED}
    assert scan_item(company=company, package=package, barcode="880SKU-A", user=admin_user).kind == "shipped"
    assert statuses(order) == {S.SHIPPED}


def test_order_moved_back_from_shipped_reopens_the_check(company, printed, admin_user):
    package, orders = printed
    for barcode in ("880SKU-A", "880SKU-B", "880SKU-A"):
        outcome = scan_item(company=company, package=package, barcode=barcode, user=admin_user)
    assert outcome.kind == "shipped"
    # dispatch not sent yet (no worker ran): the flow allows 출고완료 → 출고준비
    OutboxMessage.objects.filter(company=company, kind="dispatch").update(status=OutboxMessage.Status.FAILED)
    result = order_transition(company=company, orders=orders, to=S.READY, user=admin_user, reason="박스 다시 포장")
    assert not result.failed, result.failed
    opened = scan_open(company=company, number=package.tracking_number)
    assert opened.kind == "opened" and opened.state.scanned_total == 0
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and package.shipped_at is None
