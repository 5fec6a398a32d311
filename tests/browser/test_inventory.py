"""Confirm an inbound in the real UI and see the stock on 재고현황."""

from __future__ import annotations

import pytest

from marketdock.catalog.models import SKU, Product
from marketdock.inventory import services
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_confirm_inbound_then_stock_shows_it(page, login, screenshot, company, admin_user):
    main = services.warehouse_save(company=company, code="MAIN", name="본사창고", sender_name="에이스상사")
    services.warehouse_save(company=company, code="STORE1", name="성수매장", kind="store", exposed_to_channels=False)
    product = Product.objects.create(company=company, code="TEE-001", name="오버핏 반팔티")
    sku = SKU.objects.create(company=company, product=product, code="TEE-001-BK-M", barcode="8801234567890",
                             option_text="블랙 / M", reorder_point=5)
    inbound = services.inbound_create(company=company, warehouse=main, lines=[(sku.pk, 24)], supplier_name="동대문상회")

    login(page, admin_user.username, PASSWORD)
    page.goto(f"/inventory/inbound/{inbound.pk}/")
    qty = page.locator("[data-testid=confirm-qty]")
    qty.fill("20")
    page.click("[data-testid=inbound-confirm]")
    page.wait_for_selector("[data-testid=status]:has-text('부분확정')")

    page.goto("/inventory/stock/?q=TEE-001")
    row = page.locator("[data-testid=stock-row][data-code='TEE-001-BK-M']")
    assert row.locator("[data-col=on_hand]").inner_text() == "20"
    assert row.locator("[data-col=available]").inner_text() == "20"
    assert row.locator("[data-col=expected]").inner_text() == "+4"
    screenshot(page, "stock")

    row.locator("a").first.click()
    page.wait_for_selector("[data-testid=stock-chart]")
    assert page.locator("[data-testid=sku-on-hand]").inner_text() == "20"
    screenshot(page, "stock-sku")
