"""Packaging, labels and the scan check in a browser: orders collected from the sandbox marketplace
are confirmed in the order list, packed (묶음 만들기), printed (the PDF is served), then scanned at
출고검수 with one wrong item (a loud warning), fixed and completed to 출고완료 — and the sandbox
received the package's tracking number. Screenshots: label.png (the PDF page), scan.png."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from marketdock.catalog.models import SKU, Product
from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inventory
from marketdock.orders.models import Order, OrderStatus
from marketdock.orders.services import collection
from marketdock.shipping import selectors
from marketdock.shipping.carrier_data import carriers_ensure
from marketdock.shipping.models import PackageStatus
from marketdock.shipping.services import band_create, contract_save
from marketdock.shipping.services_scan import scan_state
from tests.factories.core import PASSWORD
from tests.factories.sandbox import unthrottled_sandbox
from tests.screens import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(monkeypatch):
    yield from unthrottled_sandbox(monkeypatch, initial_orders=6)


def seller_setup(company, state, base) -> ChannelAccount:
    """The seller's catalogue (the sandbox's option codes as SKU codes, with barcodes and stock), a CJ
    contract with a band, and the sandbox Coupang account with its orders collected."""
    carriers_ensure()
    warehouse = inventory.warehouse_save(company=company, code="WH", name="본창고", is_default=True,
                                         sender_name="마켓독 스튜디오", phone="02-555-0101", postal_code="04799",
                                         address="서울 성동구 성수이로 100")
    shop = state.shops["coupang-demo"]
    for product in shop.products:
        p = Product.objects.create(company=company, code=product.code, name=product.name)
        for option in product.options:
            sku = SKU.objects.create(company=company, product=p, code=option.sku, barcode=f"88{option.option_id}",
                                     option_text=option.name)
            inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=100,
                                   reason="기초재고")
    contract = contract_save(company=company, carrier=selectors.carrier_by_key("cj"), name="CJ 본사",
                             contract_code="CJ-1", warehouse=warehouse, is_default=True)
    band_create(company=company, contract=contract, start="630300000000", end="630300000999")
    account = ChannelAccount(company=company, kind="coupang", name="쿠팡 샌드박스", base_url=base,
                             collected_until=timezone.now() - timedelta(days=4))
    account.set_credentials(shop.credentials)
    account.save()
    collection.collection_execute(account_id=account.pk)
    return account


def test_confirm_pack_print_scan_and_ship(page, login, screenshot, company, admin_user, sandbox, tmp_path):
    state, base = sandbox
    account = seller_setup(company, state, base)
    shop = state.shops["coupang-demo"]
    wanted = next(o for o in shop.orders if o.status == "INSTRUCT" and not o.claim_type)
    order = Order.objects.get(company=company, account=account, channel_order_id=wanted.order_no)
    assert order.is_matched

    login(page, admin_user.username, PASSWORD)
    # 1. acknowledged at Coupang already (INSTRUCT): it arrives 주문확정, and confirming again is refused
    page.goto(f"/orders/?order_no={order.channel_order_id}")
    row = f"[data-testid=order-row][data-order-no='{order.channel_order_id}']"
    assert "주문확정" in page.inner_text(row)
    page.check(f"{row} input[name=order]")
    page.click("[data-testid=bulk-confirm]")
    page.wait_for_selector("[data-testid=bulk-summary]")
    assert "성공 0건" in page.inner_text("[data-testid=bulk-summary]")

    # 2. 묶음 만들기
    page.goto("/shipping/packages/")
    page.click("[data-testid=package-build]")
    page.wait_for_selector("[data-testid=package-row]")
    package = selectors.package_for_order(company, order)
    assert package is not None

    # 3. print: the labels open as a PDF
    page.goto("/shipping/labels/")
    page.check(f"[data-testid=label-row][data-package='{package.pk}'] input[name=package]")
    page.select_option("[data-testid=label-layout]", "single")
    page.click("[data-testid=label-print]")
    page.wait_for_selector("[data-testid=label-pdf]")
    assert f"{package.code}: 출력" in page.inner_text("[data-testid=label-results]")
    pdf = page.request.get(page.get_attribute("[data-testid=label-pdf]", "href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and order.status == OrderStatus.READY
    if shutil.which("pdftoppm"):
        (tmp_path / "label.pdf").write_bytes(pdf.body())
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "label.pdf"),
                        str(SCREENSHOTS / "label")], check=True)

    # 4. 출고검수: the number, one wrong item (loud), then the right items → 출고완료
    expected = [(line.barcode, line.expected) for line in scan_state(company, package).lines]
    wrong = SKU.objects.filter(company=company).exclude(barcode__in=[b for b, _n in expected]).first()
    page.goto("/shipping/scan/")
    scan_input = page.locator("[data-testid=scan-input]")
    scan_input.fill(package.tracking_number)
    scan_input.press("Enter")
    page.wait_for_selector("[data-testid=scan-message][data-scan-kind=opened]")
    assert page.evaluate("document.activeElement.id") == "scan-code"  # the input keeps focus
    scan_input.fill(wrong.barcode)
    scan_input.press("Enter")
    warning = page.wait_for_selector("[data-testid=scan-message][data-scan-kind=wrong]")
    assert "오상품" in warning.inner_text() and "alert-danger" in warning.get_attribute("class")
    page.wait_for_function("document.body.dataset.lastBeep === 'alarm'")
    page.wait_for_function("document.getAnimations().every(a => a.playState === 'finished')")  # the flash is over
    screenshot(page, "scan")
    for barcode, count in expected:
        for _ in range(count):
            scan_input.fill(barcode)
            scan_input.press("Enter")
            page.wait_for_function(
                "(b) => !document.getElementById('scan-code').value", arg=barcode)
    page.wait_for_selector("[data-testid=scan-message][data-scan-kind=shipped]")
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED and order.status == OrderStatus.SHIPPED

    # 5. the marketplace got the package's tracking number
    calls = [r for r in httpx.get(f"{base}/_sandbox/shops/coupang-demo/received").json()["received"]
             if r["operation"] == "dispatch"]
    assert any(item["invoiceNumber"] == package.tracking_number for call in calls for item in call["items"])
    page.goto("/shipping/tracking/")
    assert package.tracking_number in page.inner_text("[data-testid=tracking-table]")
