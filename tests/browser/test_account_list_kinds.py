"""쇼핑몰 계정 list of the demo company with one account of every marketplace (네이버, 쿠팡, Shopify,
11번가, 카페24, G마켓, 옥션 and the Excel one) on the screens sellers use (1366 and 1440 px wide): each
marketplace by its Korean name, nothing reached only by sideways scrolling (not the page, not the
table's own box). Screenshots go to var/screenshots/."""

from __future__ import annotations

import pytest

from marketdock.channels.demo import ACCOUNT_NAMES, demo_channel_accounts, sandbox_seed
from marketdock.channels.models import ChannelKind
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.core import PASSWORD, make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KOREAN_NAMES = {ChannelKind.NAVER: "네이버 스마트스토어", ChannelKind.COUPANG: "쿠팡", ChannelKind.SHOPIFY: "Shopify",
                ChannelKind.ELEVENST: "11번가", ChannelKind.CAFE24: "카페24", ChannelKind.GMARKET: "G마켓",
                ChannelKind.AUCTION: "옥션"}

NO_SCROLL = """() => {
  const page = document.scrollingElement;
  const box = document.querySelector('[data-testid=account-table]').closest('.md-grid-scroll');
  return {page: [page.scrollWidth, page.clientWidth], box: [box.scrollWidth, box.clientWidth]};
}"""


@pytest.fixture
def demo_company(monkeypatch):
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", base)
    company = make_company("demo", "demo_admin")
    out: list[str] = []
    demo_channel_accounts(company, out)
    yield company
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("width", [1366, 1440])
def test_account_list_shows_every_marketplace_without_sideways_scrolling(page, login, screenshot, demo_company,
                                                                        width):
    assert set(KOREAN_NAMES) == set(ACCOUNT_NAMES)  # the demo has one account of each API marketplace
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "demo_admin", PASSWORD)
    page.goto("/channels/accounts/")
    page.wait_for_selector("[data-testid=account-table]")
    for kind, korean in KOREAN_NAMES.items():
        row = page.locator(f"[data-testid=account-row][data-name='{ACCOUNT_NAMES[kind]}']")
        assert row.count() == 1, ACCOUNT_NAMES[kind]
        assert row.locator("td").first.inner_text().strip() == korean
    assert page.locator("[data-testid=account-row]").count() == len(KOREAN_NAMES) + 1  # and the Excel one
    screenshot(page, f"channel-accounts-six-kinds-{width}")
    sizes = page.evaluate(NO_SCROLL)
    assert sizes["page"][0] <= sizes["page"][1], sizes
    assert sizes["box"][0] <= sizes["box"][1], sizes
