"""Cafe24 end to end in a browser: add a Cafe24 account on the sandbox mall, connect it through the OAuth
screens (the mall's consent page, back to the callback), collect (지금 수집), confirm an order (the mall's
item goes to 배송준비중), pack, print the label and scan it out — and the sandbox mall holds the
package's tracking number. Screenshots: cafe24-consent.png, cafe24-connected.png, cafe24-account-list.png."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from marketdock.catalog.models import SKU, Product
from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inventory
from marketdock.orders.models import Order, OrderStatus
from marketdock.shipping import selectors
from marketdock.shipping.carrier_data import carriers_ensure
from marketdock.shipping.models import PackageStatus
from marketdock.shipping.services import band_create, contract_save
from marketdock.shipping.services_scan import scan_state
from tests.factories.core import PASSWORD
from tests.factories.sandbox import unthrottled_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(monkeypatch):
    yield from unthrottled_sandbox(monkeypatch, initial_orders=8)


def catalogue(company, state):
    """The mall's variants as SKUs with stock, a CJ contract with a number band."""
    carriers_ensure()
    warehouse = inventory.warehouse_save(company=company, code="WH", name="본창고", is_default=True,
                                         sender_name="마켓독 스튜디오", phone="02-555-0101", postal_code="04799",
                                         address="서울 성동구 성수이로 100")
    for product in state.shops["cafe24-demo"].products:
        p = Product.objects.create(company=company, code=product.code, name=product.name)
        for option in product.options:
            sku = SKU.objects.create(company=company, product=p, code=option.sku, barcode=f"88{option.option_id}",
                                     option_text=option.name)
            inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=100,
                                   reason="기초재고")
    contract = contract_save(company=company, carrier=selectors.carrier_by_key("cj"), name="CJ 본사",
                             contract_code="CJ-1", warehouse=warehouse, is_default=True)
    band_create(company=company, contract=contract, start="630300000000", end="630300000999")


def test_connect_cafe24_through_oauth_collect_confirm_print_ship(page, login, screenshot, company, admin_user,
                                                                 sandbox):
    state, base = sandbox
    shop = state.shops["cafe24-demo"]
    keys = shop.credentials
    catalogue(company, state)
    login(page, admin_user.username, PASSWORD)

    # 1. the account, then 카페24 연결 → the mall's consent page → 승인 → back on the account
    page.goto("/channels/accounts/new/")
    page.select_option("select[name=kind]", "cafe24")
    page.fill("input[name=name]", "카페24 샌드박스")
    page.fill("input[name=base_url]", base)
    page.fill("input[name=mall_id]", keys["mall_id"])
    page.fill("input[name=cafe24_client_id]", keys["cafe24_client_id"])
    page.fill("input[name=cafe24_client_secret]", keys["cafe24_client_secret"])
    page.click("[data-testid=account-save]")
    page.wait_for_selector("[data-testid=oauth-start]")
    assert "카페24 미연결" in page.inner_text("[data-testid=cafe24-oauth]")
    page.click("[data-testid=oauth-start]")
    page.wait_for_selector("#approve")
    assert keys["mall_id"] in page.inner_text("h1")
    screenshot(page, "cafe24-consent")
    page.click("#approve")
    page.wait_for_selector("[data-testid=cafe24-oauth] [data-testid=oauth-badge][data-state=ok]")
    assert "카페24에 연결했습니다" in page.content()
    account = ChannelAccount.objects.get(company=company, name="카페24 샌드박스")
    assert account.token_encrypted and account.token_refresh_expires_at
    screenshot(page, "cafe24-connected")

    # 2. 지금 수집
    ChannelAccount.objects.filter(pk=account.pk).update(collected_until=timezone.now() - timedelta(days=4))
    page.goto("/orders/collect/")
    page.click(f"[data-testid=collect-now-{account.pk}]")
    page.wait_for_selector(f"#progress-{account.pk} [data-testid=job-progress][data-status=succeeded]", timeout=30000)
    wanted = next(o for o in shop.orders if o.status == "N10" and not o.claim_type)
    order = Order.objects.get(company=company, account=account, channel_order_id=wanted.order_no)
    assert order.status == OrderStatus.NEW and order.is_matched

    # 3. 주문확인 in the order list → 배송준비중 at the mall
    page.goto(f"/orders/?order_no={order.channel_order_id}")
    row = f"[data-testid=order-row][data-order-no='{order.channel_order_id}']"
    page.check(f"{row} input[name=order]")
    page.click("[data-testid=bulk-confirm]")
    page.wait_for_selector("[data-testid=bulk-summary]")
    assert "성공 1건" in page.inner_text("[data-testid=bulk-summary]")
    confirms = []
    for _ in range(50):  # the outbox delivers the 발주확인 right after the commit
        received = httpx.get(f"{base}/_sandbox/shops/cafe24-demo/received").json()["received"]
        confirms = [r for r in received if r["operation"] == "confirm" and r["order"] == wanted.order_no]
        if confirms:
            break
        page.wait_for_timeout(200)
    assert confirms and set(confirms[0]["lines"]) == {f"{wanted.order_no}-{li.line_no}" for li in wanted.lines}

    # 4. pack and print
    page.goto("/shipping/packages/")
    page.click("[data-testid=package-build]")
    page.wait_for_selector("[data-testid=package-row]")
    package = selectors.package_for_order(company, order)
    page.goto("/shipping/labels/")
    page.check(f"[data-testid=label-row][data-package='{package.pk}'] input[name=package]")
    page.select_option("[data-testid=label-layout]", "single")
    page.click("[data-testid=label-print]")
    page.wait_for_selector("[data-testid=label-pdf]")
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED and package.tracking_number

    # 5. scan out → 출고완료 → the tracking number goes to the mall
    page.goto("/shipping/scan/")
    scan_input = page.locator("[data-testid=scan-input]")
    scan_input.fill(package.tracking_number)
    scan_input.press("Enter")
    page.wait_for_selector("[data-testid=scan-message][data-scan-kind=opened]")
    for line in scan_state(company, package).lines:
        for _ in range(line.expected):
            scan_input.fill(line.barcode)
            scan_input.press("Enter")
            page.wait_for_function("() => !document.getElementById('scan-code').value")
    page.wait_for_selector("[data-testid=scan-message][data-scan-kind=shipped]")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED

    received = httpx.get(f"{base}/_sandbox/shops/cafe24-demo/received").json()["received"]
    shipped = [r for r in received if r["operation"] == "dispatch"]
    assert any(r["tracking_number"] == package.tracking_number and r["carrier"] == "0006" for r in shipped)
    truth = httpx.get(f"{base}/_sandbox/shops/cafe24-demo/orders").json()["orders"]
    assert next(o for o in truth if o["order_no"] == wanted.order_no)["status"] == "N30"

    page.goto("/channels/accounts/")
    screenshot(page, "cafe24-account-list")
