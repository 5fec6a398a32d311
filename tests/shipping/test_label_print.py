"""Printing labels for packages (SHP-2): numbers from the contract's band, masked recipient on paper,
a readable barcode, reprint keeps the number, a new number only after moving back (old one voided),
출고준비 on print when chosen, the changed-address check."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from marketdock.orders.models import Order, OrderEvent, OrderStatus
from marketdock.orders.services import order_transition
from marketdock.shipping import selectors
from marketdock.shipping.models import IssuedTrackingNumber, PackageStatus
from marketdock.shipping.services import ShippingError, band_create
from marketdock.shipping.services_label_batches import label_batch_create, label_batch_render, labels_render
from marketdock.shipping.services_packages import packages_build, packages_move_back, packages_print
from tests.factories.orders import make_order
from tests.factories.shipping import make_contract, text_of

pytestmark = pytest.mark.django_db
S = OrderStatus


def packed(company, *orders):
    packages_build(company=company)
    return [selectors.package_for_order(company, o) for o in orders]


def test_label_shows_masked_recipient_sender_items_and_number(company, account, contract, admin_user):
    a = make_order(account, skus=(("SKU-A", 2),), delivery_message="경비실에 맡겨주세요")
    b = make_order(account, skus=(("SKU-B", 1),))
    (package, same) = packed(company, a, b)
    assert package == same
    plan = packages_print(company=company, packages=[package], user=admin_user)
    assert [r.ok for r in plan.rows] == [True] and plan.issued == 1
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and package.tracking_number.startswith("6329766")
    assert package.tracking.status == IssuedTrackingNumber.Status.USED
    assert package.tracking.reference == f"package:{package.pk}"
    text = text_of(labels_render(company=company, packages=[package]))
    assert "010-2222-****" in text and "3333" not in text  # masked phone, never the full one
    assert "홍*동" in text and "홍길동" not in text
    assert "06236" in text and "테헤란로1" in text and "101호" in text
    assert "마켓독 스튜디오" in text  # the warehouse's sender name
    assert "상품 SKU-A [블랙 / M] × 2" in text and "상품 SKU-B [블랙 / M] × 1" in text
    assert "경비실에 맡겨주세요" in text
    assert a.channel_order_id in text and b.channel_order_id in text
    shown = package.tracking_number
    assert f"{shown[:4]}-{shown[4:8]}-{shown[8:]}" in text  # CJ's 4-4-4


@pytest.mark.skipif(shutil.which("pdftoppm") is None and os.environ.get("CI") != "true", reason="pdftoppm (poppler-utils) is not installed")
def test_label_barcode_decodes_to_the_packages_number(company, account, contract, admin_user, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    (package,) = packed(company, make_order(account))
    packages_print(company=company, packages=[package], user=admin_user)
    package.refresh_from_db()
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(labels_render(company=company, packages=[package]))
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(tmp_path / "label")], check=True)
    decoded = [(r.text, r.format) for r in zxingcpp.read_barcodes(Image.open(tmp_path / "label.png"))]
    assert (package.tracking_number, zxingcpp.BarcodeFormat.Code128) in decoded


def test_reprint_keeps_the_number(company, account, contract, admin_user):
    (package,) = packed(company, make_order(account))
    packages_print(company=company, packages=[package], user=admin_user)
    package.refresh_from_db()
    first = package.tracking_number
    plan = packages_print(company=company, packages=[package], user=admin_user)
    package.refresh_from_db()
    assert package.tracking_number == first and package.print_count == 2
    assert plan.issued == 0 and plan.reprinted == 1 and "유지" in plan.rows[0].message
    assert IssuedTrackingNumber.objects.filter(company=company).count() == 1


def test_moving_back_then_printing_issues_a_new_number_and_voids_the_old(company, account, contract, admin_user):
    order = make_order(account)
    (package,) = packed(company, order)
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    order.refresh_from_db()
    package.refresh_from_db()
    assert order.status == S.READY
    old = package.tracking
    rows = packages_move_back(company=company, packages=[package], user=admin_user)
    assert rows[0].ok, rows
    order.refresh_from_db()
    old.refresh_from_db()
    package.refresh_from_db()
    assert order.status == S.CONFIRMED and package.status == PackageStatus.OPEN and package.tracking_number == ""
    assert old.status == IssuedTrackingNumber.Status.VOIDED
    packages_print(company=company, packages=[package], user=admin_user)
    package.refresh_from_db()
    assert package.tracking_number and package.tracking_number != old.number


def test_moving_back_on_the_order_screen_also_gives_a_new_number(company, account, contract, admin_user):
    order = make_order(account)
    (package,) = packed(company, order)
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    package.refresh_from_db()
    old = package.tracking
    OrderEvent.objects.filter(order=order).update(at=package.printed_at)  # the print came after the history
    result = order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user, reason="재출력")
    assert not result.failed
    plan = packages_print(company=company, packages=[package], user=admin_user)
    package.refresh_from_db()
    old.refresh_from_db()
    assert plan.issued == 1 and package.tracking_number != old.number
    assert old.status == IssuedTrackingNumber.Status.VOIDED


def test_print_can_move_orders_to_ready(company, account, contract, admin_user):
    a, b = make_order(account), make_order(account)
    (package, _same) = packed(company, a, b)
    packages_print(company=company, packages=[package], move_to_ready=False, user=admin_user)
    assert set(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {S.CONFIRMED}
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    assert set(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {S.READY}


def test_changed_address_needs_acknowledging(company, account, contract, admin_user):
    order = make_order(account)
    Order.objects.filter(pk=order.pk).update(address_changed=True)
    (package,) = packed(company, order)
    plan = packages_print(company=company, packages=[package], user=admin_user)
    assert not plan.rows[0].ok and "주소가 변경" in plan.rows[0].message and not plan.packages
    package.refresh_from_db()
    assert package.tracking_number == ""
    plan = packages_print(company=company, packages=[package], acknowledge_address_change=True, user=admin_user)
    assert plan.rows[0].ok and plan.packages == [package]


def test_held_order_is_not_printed(company, account, contract, admin_user):
    a = make_order(account)
    b = make_order(account, recipient_name="다른사람")
    (pa, pb) = packed(company, a, b)
    order_transition(company=company, orders=[b], to=S.HOLD, user=admin_user, reason="재고 확인")
    plan = packages_print(company=company, packages=[pa, pb], user=admin_user)
    assert [(r.ref, r.ok) for r in plan.rows] == [(pb.code, False), (pa.code, True)]
    assert "보류" in plan.rows[0].message


def test_chosen_contract_and_missing_bands(company, account, contract, admin_user):
    lotte = make_contract(company, "lotte", warehouse=contract.warehouse)
    (package,) = packed(company, make_order(account))
    with pytest.raises(ShippingError, match="송장 대역이 부족"):
        packages_print(company=company, packages=[package], contract=lotte, user=admin_user)
    package.refresh_from_db()
    assert package.tracking_number == "" and package.status == PackageStatus.OPEN
    band_create(company=company, contract=lotte, start="31765130838", end="31765130900")
    packages_print(company=company, packages=[package], contract=lotte, user=admin_user)
    package.refresh_from_db()
    assert package.carrier.key == "lotte" and package.tracking_number.startswith("3176513")


def test_no_default_contract_is_a_clear_error(company, account, stock, admin_user):
    (package,) = packed(company, make_order(account))
    with pytest.raises(ShippingError, match="기본 택배 계약"):
        packages_print(company=company, packages=[package], user=admin_user)


def test_label_batch_renders_every_package_in_order(company, account, contract, admin_user):
    orders = [make_order(account, recipient_name=f"수령자{i}") for i in range(5)]
    packages = packed(company, *orders)
    plan = packages_print(company=company, packages=packages, user=admin_user)
    batch = label_batch_create(company=company, packages=plan.packages, layout="a4_4", user=admin_user)
    seen = []
    label_batch_render(company=company, batch=batch, progress=lambda done, total: seen.append((done, total)))
    reader = PdfReader(io.BytesIO(bytes(batch.pdf)))
    assert len(reader.pages) == 2 and seen[-1] == (5, 5)
    text = text_of(bytes(batch.pdf))
    for p in plan.packages:
        p.refresh_from_db()
        assert p.tracking_number[8:] in text
