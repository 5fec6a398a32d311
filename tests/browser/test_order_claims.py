"""A buyer's cancel request collected from the sandbox marketplace: the order list and the detail show
the 취소요청 badge and the detail's warning; 주문확정 from the detail is refused with the reason.
Screenshot (1366×768) of the detail: var/screenshots/order-cancel-requested.png."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.orders.models import Order, OrderStatus
from marketdock.orders.services import collection
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def naver_shop(monkeypatch):
    state = SandboxState(seed=42, order_rate=0, initial_orders=12)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(3.0)))
    yield state, base
    server.shutdown()
    server.server_close()


def test_cancel_requested_order_is_badged_and_cannot_be_confirmed(browser, live_server, login, screenshot, company,
                                                                  admin_user, naver_shop):
    state, base = naver_shop
    account = ChannelAccount(company=company, kind="naver", name="스마트스토어 (샌드박스)", base_url=base,
                             collected_until=timezone.now() - timedelta(days=4))
    account.set_credentials(state.shops["naver-demo"].credentials)
    account.save()
    collection.collection_execute(account_id=account.pk)
    order = Order.objects.filter(company=company, claim="cancel").order_by("ordered_at").first()
    assert order is not None, "the sandbox's order stream has a cancel request"

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=live_server.url)
    page = context.new_page()
    try:
        login(page, admin_user.username, PASSWORD)
        page.goto("/orders/")
        row = page.locator("tr", has=page.locator(f"text={order.channel_order_id}"))
        assert row.locator("[data-testid=claim-badge]").inner_text() == "취소요청"
        page.goto(f"/orders/{order.pk}/")
        assert page.locator("[data-testid=claim-alert]").is_visible()
        assert "취소요청" in page.locator("[data-testid=line-claim]").first.inner_text()
        screenshot(page, "order-cancel-requested", full_page=False)
        page.click("[data-testid=to-confirmed]")
        page.wait_for_selector("text=취소요청 중인 상품이 있어 주문확정할 수 없습니다")
        order.refresh_from_db()
        assert order.status == OrderStatus.NEW
    finally:
        context.close()
