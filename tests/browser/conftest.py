"""Playwright in Debian's Chromium against pytest-django's live server.

Fixtures:
- `browser`        one Chromium per test session
- `page`           a fresh desktop page (1366×900, Korean locale)
- `phone_page`     a 390×844 page
- `strict_page`    a desktop page that keeps the Content-Security-Policy (the others bypass it for
                   Playwright's string predicates)
- `login(page, username, password)` signs in through the real form
- `screenshot(page, name)` writes var/screenshots/<name>.png (kept after the run)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.screens import SCREENSHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright runs an event loop in this thread

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # under CI a missing browser is a failure, not a skip
            if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not installed (make test installs it as root)"))


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    b = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-quic"],
    )
    yield b
    b.close()


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def page(browser, live_server):
    # Playwright's string predicates (wait_for_function) are evaluated in the page, which the CSP forbids;
    # test_csp.py uses a context that keeps the policy (`strict_page`)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15000)
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture
def strict_page(browser, live_server):
    """A desktop page that obeys the Content-Security-Policy (no bypass)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=live_server.url)
    context.set_default_timeout(15000)
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR", timezone_id="Asia/Seoul",
                                  is_mobile=True, has_touch=True, base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15000)
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture
def login():
    def _login(page, username: str, password: str, expect_home: bool = True):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("[data-testid=login-submit]")
        if expect_home:
            page.wait_for_selector("[data-testid=main-menu]", state="attached")
        return page

    return _login


@pytest.fixture
def screenshot():
    def _shot(page, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return _shot
