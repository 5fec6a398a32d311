"""Add a Coupang account on the sandbox marketplace in the real UI, press 연결 테스트, see success."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketdock.channels.models import ChannelAccount
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox():
    state = SandboxState(seed=11, order_rate=0, initial_orders=2)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def test_add_sandbox_coupang_account_and_test_the_connection(page, login, screenshot, company, admin_user, sandbox):
    state, base = sandbox
    keys = state.shops["coupang-demo"].credentials

    login(page, admin_user.username, PASSWORD)
    page.goto("/channels/accounts/")
    page.click("[data-testid=account-new]")
    page.select_option("select[name=kind]", "coupang")
    assert page.locator("[data-testid=credentials-naver]").is_hidden()
    page.fill("input[name=name]", "쿠팡 샌드박스")
    page.fill("input[name=base_url]", base)
    page.fill("input[name=vendor_id]", keys["vendor_id"])
    page.fill("input[name=access_key]", keys["access_key"])
    page.fill("input[name=secret_key]", keys["secret_key"])
    page.click("[data-testid=account-save]")
    page.wait_for_selector("text=쿠팡 OPEN API 키는 발급 후 180일 동안 유효")

    account = ChannelAccount.objects.get(company=company, name="쿠팡 샌드박스")
    assert account.credentials == keys
    assert keys["secret_key"] not in page.content()

    page.click("[data-testid=account-test]")
    result = page.locator("[data-testid=test-result]")
    result.wait_for()
    assert result.get_attribute("data-ok") == "1"
    assert "연결 성공: 쿠팡 샌드박스" in result.inner_text()
    expect(page.locator("[data-testid=account-test]")).to_be_enabled()
    screenshot(page, "channel-account-form")

    page.goto("/channels/accounts/")
    row = page.locator("[data-testid=account-row][data-name='쿠팡 샌드박스']")
    assert "연결 정상" in row.inner_text()
    row.locator("[data-testid=account-test]").click()
    row.locator("[data-testid=test-result]").wait_for()
    assert "연결 성공" in row.locator("[data-testid=test-result]").inner_text()
    expect(row.locator("[data-testid=account-test]")).to_be_enabled()
    screenshot(page, "channel-accounts")
