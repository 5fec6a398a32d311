"""At 1366×768: the label screen lists a package short of stock (SKU and shortfall) and asks what to do
before printing; a Shopify USD order reads "US$199.00" in the list and the detail. Screenshots:
label-shortage.png, order-usd.png, order-list-usd.png."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from marketdock.channels.connectors import shopify
from marketdock.core.services_rates import rate_save
from marketdock.shipping import selectors
from marketdock.shipping.services_packages import packages_build
from tests.factories.core import PASSWORD
from tests.factories.shipping import shortage_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLE = Path(__file__).resolve().parents[1] / "channels" / "fixtures" / "shopify" / "order.json"


@pytest.fixture
def laptop(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def test_label_screen_lists_the_shortage_and_asks(laptop, login, screenshot, company, admin_user, order_kit):
    from marketdock.shipping.carrier_data import carriers_ensure

    carriers_ensure()
    shop = shortage_shop(company, order_kit, admin_user)
    packages_build(company=company)
    short = selectors.package_for_order(company, shop["short_b"])
    login(laptop, admin_user.username, PASSWORD)
    laptop.goto("/shipping/labels/")
    warning = laptop.locator("[data-testid=shortage-warning]")
    assert warning.is_visible()
    row = laptop.locator(f"[data-testid=shortage-row][data-package='{short.pk}']")
    assert "SKU-B" in row.inner_text() and row.locator("[data-testid=shortage-shortfall]").inner_text() == "2"
    assert laptop.locator("[data-testid=label-shortage]").is_visible()
    screenshot(laptop, "label-shortage", full_page=False)
    laptop.check(f"input[name=package][value='{short.pk}']")
    laptop.click("[data-testid=label-print]")
    result = laptop.locator("[data-testid=label-result]").first
    assert "그래도 출력" in result.inner_text()  # no decision: left out, and the seller is asked


def test_usd_order_reads_dollars(laptop, login, screenshot, company, admin_user, order_kit):
    rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2008, 1, 1), krw_per_unit="940")
    account = order_kit.account("Shopify 해외몰", kind="shopify")
    (order,) = order_kit.ingest(account, shopify.parse_payload(json.loads(SAMPLE.read_text())))
    login(laptop, admin_user.username, PASSWORD)
    laptop.goto("/orders/")
    row = laptop.locator(f"[data-testid=order-row][data-order-no='{order.channel_order_id}']")
    assert "US$" in row.inner_text() and "원" not in row.locator("td.num").inner_text()
    screenshot(laptop, "order-list-usd", full_page=False)
    laptop.goto(f"/orders/{order.pk}/")
    total = laptop.locator("[data-testid=order-total]").inner_text()
    assert total.startswith("US$") and "≈ 561,180원" in total  # 597.00 × 940, the rate of the order's day
    assert laptop.locator("[data-testid=order-lines] td.num", has_text="US$199.00").count() == 3
    screenshot(laptop, "order-usd", full_page=False)
