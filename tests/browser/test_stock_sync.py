"""Stock push end to end: register one product to two sandbox channels under different names
(쇼핑몰전송), confirm an inbound, and both sandbox shops show the new stock; the 동기화 현황 screen."""

from __future__ import annotations

import httpx
import pytest

from marketdock.catalog.models import SKU, Product
from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inventory
from marketdock.listings.models import Listing
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox():
    state = SandboxState(seed=11, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def shop_stock(base: str, code: str, name: str) -> tuple[int, str]:
    truth = httpx.get(f"{base}/_sandbox/shops/{code}/listings").json()
    product = next(p for p in truth["products"] if p["name"] == name)
    return sum(o["stock"] for o in product["options"]), product["sale_status"]


def test_register_on_two_channels_then_an_inbound_reaches_both(page, login, screenshot, company, admin_user,
                                                                sandbox):
    state, base = sandbox
    wh = inventory.warehouse_save(company=company, code="MAIN", name="본사창고")
    product = Product.objects.create(company=company, code="TUMBLER", name="스텐 텀블러", price=15900)
    sku = SKU.objects.create(company=company, product=product, code="TUMBLER-01", barcode="8801111222233")
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=3, reason="기초재고")
    accounts = {}
    for code, name in (("shopify-demo", "Shopify 샌드박스"), ("shopify-demo2", "Shopify 샌드박스 2호점")):
        shop = state.shops[code]
        account = ChannelAccount(company=company, kind=shop.protocol, name=name, base_url=base, auto_collect=False)
        account.set_credentials(shop.credentials)
        account.save()
        accounts[code] = account

    login(page, admin_user.username, PASSWORD)
    page.goto(f"/channels/listings/register/?product={product.pk}")
    names = {"shopify-demo": "[자사몰] 스텐 텀블러 500ml", "shopify-demo2": "[2호점] 보온 텀블러 대용량"}
    for code, account in accounts.items():
        row = page.locator(f"[data-testid=register-row][data-account='{account.name}']")
        row.locator(f"input[name=send_{account.pk}]").check()
        row.locator(f"input[name=name_{account.pk}]").fill(names[code])
        # no category tree is cached for these shops: the picker keeps the code as typed
        row.locator(f"input[name=category_id_{account.pk}]").fill("50000803")
    page.click("[data-testid=register-submit]")
    page.wait_for_load_state("networkidle")
    linked = Listing.objects.filter(company=company, product=product, status=Listing.Status.LINKED)
    assert linked.count() == 2, (list(Listing.objects.filter(company=company).values_list("status", "last_error")),
                                 page.content()[-3000:])
    for code in accounts:
        assert shop_stock(base, code, names[code])[0] == 3

    # an inbound of 20 is confirmed: both channels show 23 without anyone pressing anything
    inbound = inventory.inbound_create(company=company, warehouse=wh, lines=[(sku.pk, 20)], registered=True)
    inventory.inbound_confirm(company=company, inbound=inbound)
    for code in accounts:
        assert shop_stock(base, code, names[code]) == (23, "on_sale")

    page.goto("/channels/sync/")
    table = page.locator("[data-testid=sync-table]")
    for account in accounts.values():
        row = table.locator(f"[data-testid=sync-row][data-name='{account.name}']")
        assert row.locator("[data-testid=sync-pending]").inner_text().strip() == "0"
        assert row.locator("[data-testid=sync-last]").inner_text().strip() != "-"
        assert row.locator("[data-testid=sync-lag-p95]").inner_text().strip().endswith("초")
    screenshot(page, "stock-sync-status")
