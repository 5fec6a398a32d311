"""Webhooks and the usage panel in a real browser: add a webhook, send a test event to a local
receiver (a tiny http.server thread), see the delivery in the log; the 서비스 사용량 panel with its
chart. Screenshots: var/screenshots/webhook-log.png, var/screenshots/usage-panel.png."""

from __future__ import annotations

import pytest

from tests.factories.channels import make_account_with_credentials
from tests.factories.core import PASSWORD
from tests.factories.orders import co, ingest
from tests.factories.saas import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_webhook_send_a_test_event_and_see_it_in_the_log(page, login, screenshot, settings, admin_user):
    settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = True
    with Receiver() as rx:
        login(page, admin_user.username, PASSWORD)
        page.goto("/service/webhooks/")
        page.fill("input[name=name]", "자사몰 ERP")
        page.fill("input[name=url]", rx.url)
        page.check("input[name=events][value='order.created']")
        page.check("input[name=events][value='shipment.shipped']")
        page.click("[data-testid=webhook-save]")
        page.wait_for_selector("[data-testid=verify-recipe]")
        page.click("[data-testid=webhook-test]")
        page.wait_for_selector("[data-testid=delivery-row]")
        row = page.locator("[data-testid=delivery-row]").first.inner_text()
        assert "테스트 이벤트" in row and "200" in row
        assert len(rx.requests) == 1 and rx.events()[0]["type"] == "webhook.test"
        assert rx.requests[0][0]["x-marketdock-signature"].startswith("t=")
        screenshot(page, "webhook-log")


def test_usage_panel_on_the_home_screen(page, login, screenshot, company, admin_user):
    account = make_account_with_credentials(company)
    ingest(account, [co(f"UP-{i}", f"UP-{i}-1") for i in range(12)])
    login(page, admin_user.username, PASSWORD)
    page.goto("/")
    panel = page.locator("[data-testid=usage-panel]")
    panel.wait_for()
    page.wait_for_selector("[data-testid=usage-chart][data-md-drawn='1']")
    orders = panel.locator("tr[data-metric=orders]").inner_text()
    assert "12" in orders and "3,000" in orders
    assert "무료 체험" in panel.inner_text()
    panel.screenshot(path=str(screenshot(page, "usage-panel").parent / "usage-panel.png"))
