"""The channels/orders issue end to end in a browser: add a Coupang account on the sandbox
marketplace, press 지금 수집 and watch the progress, find the orders in the unified list (masked),
match an unmatched line and save the rule, open the order detail."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from marketdock.catalog.models import SKU, Product
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.orders.models import MatchRule, Order, OrderLine
from marketdock.orders.services import collection
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(monkeypatch):
    state = SandboxState(seed=5, order_rate=0, initial_orders=6)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(3.0)))
    yield state, base
    server.shutdown()
    server.server_close()


def test_collect_list_match_and_detail(page, login, screenshot, company, admin_user, sandbox):
    state, base = sandbox
    keys = state.shops["coupang-demo"].credentials
    product = Product.objects.create(company=company, code="MUG", name="머그컵")
    sku = SKU.objects.create(company=company, product=product, code="MUG-WH", barcode="8801234567890")

    login(page, admin_user.username, PASSWORD)
    # 1. the account, through 쇼핑몰 계정
    page.goto("/channels/accounts/")
    page.click("[data-testid=account-new]")
    page.select_option("select[name=kind]", "coupang")
    page.fill("input[name=name]", "쿠팡 샌드박스")
    page.fill("input[name=base_url]", base)
    page.fill("input[name=vendor_id]", keys["vendor_id"])
    page.fill("input[name=access_key]", keys["access_key"])
    page.fill("input[name=secret_key]", keys["secret_key"])
    page.click("[data-testid=account-save]")
    page.wait_for_selector("text=쿠팡 OPEN API 키는 발급 후 180일 동안 유효")
    account = ChannelAccount.objects.get(company=company, name="쿠팡 샌드박스")
    # the sandbox's orders are from the last days: start the first collection a little further back
    ChannelAccount.objects.filter(pk=account.pk).update(collected_until=timezone.now() - timedelta(days=4))

    # 2. 지금 수집 and its progress
    page.goto("/orders/collect/")
    page.click(f"[data-testid=collect-now-{account.pk}]")
    page.wait_for_selector(f"#progress-{account.pk} [data-testid=job-progress][data-status=succeeded]", timeout=30000)
    collected = Order.objects.filter(company=company, account=account).count()
    assert collected > 0
    page.goto("/orders/collect/")
    runs = page.locator("[data-testid=collect-runs]")
    assert "쿠팡 샌드박스" in runs.inner_text()
    screenshot(page, "collection-ledger")

    # 3. the unified list, masked
    page.goto("/orders/")
    rows = page.locator("[data-testid=order-row]")
    assert rows.count() == collected
    assert f"총 {collected}건" in page.locator("[data-testid=order-count]").inner_text()
    first = Order.objects.filter(company=company, account=account).order_by("-ordered_at", "-id").first()
    assert first.buyer_name and first.buyer_name not in page.locator("[data-testid=order-table]").inner_text()
    page.fill("[data-testid=filter-order-no]", first.channel_order_id)
    page.click("[data-testid=search-submit]")
    assert page.locator("[data-testid=order-row]").count() == 1
    page.goto("/orders/")
    screenshot(page, "order-list")

    # 4. match one unmatched line to the SKU and keep the rule
    line = OrderLine.objects.filter(company=company, account=account, match_status="unmatched").order_by("id").first()
    assert line is not None
    page.goto(f"/orders/unmatched/?account={account.pk}")
    group = page.locator("[data-testid^=group-]").first
    group_line = group.get_attribute("data-testid").split("-", 1)[1]
    page.click(f"[data-testid=match-open-{group_line}]")
    page.locator(f"[data-testid=sku-search-{group_line}]").press_sequentially("MUG-WH")
    page.locator(f"[data-testid=sku-pick-{sku.pk}]").check()
    page.click(f"[data-testid=match-apply-{group_line}]")
    page.wait_for_load_state()
    matched_line = OrderLine.objects.get(pk=int(group_line))
    assert matched_line.match_status == "matched"
    assert MatchRule.objects.filter(company=company, account=account).exists()

    # 5. the order detail: lines with the matched SKU, full personal data for a writer, raw payload
    page.goto(f"/orders/{matched_line.order_id}/")
    lines = page.locator("[data-testid=order-lines]")
    assert "MUG-WH" in lines.inner_text()
    assert matched_line.order.buyer_name in page.locator("[data-testid=order-person]").inner_text()
    page.locator("[data-testid=raw-payload] summary").click()
    screenshot(page, "order-detail")
