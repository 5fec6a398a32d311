"""Open API in Chromium: the main admin creates an API key (shown once), the test calls the API with it
over HTTP, and the call appears in the API log; the Swagger docs page renders under the site's CSP
(assets from our own static files). Screenshot: var/screenshots/api-keys.png."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories.api import api_world
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_key_call_api_and_see_the_call(page, strict_page, login, live_server, company, admin_user, screenshot):
    world = api_world(company)
    login(page, "acme_admin", PASSWORD)
    page.goto("/api/keys/")
    page.fill("[data-testid=key-form] input[name=name]", "ERP 연동")
    page.get_by_test_id("scope-1").check()  # 주문 조회
    page.get_by_test_id("key-create").click()
    token = page.get_by_test_id("new-key-token").inner_text().strip()
    assert re.fullmatch(r"md_[0-9a-f]{12}_[\w-]+", token)
    screenshot(page, "api-keys")

    answer = httpx.get(f"{live_server.url}/api/v1/orders/{world.order.pk}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["id"] == world.order.pk
    assert answer.headers["X-RateLimit-Limit"] == "600"

    page.goto("/api/keys/")
    assert page.get_by_test_id("new-key-token").count() == 0  # shown once only
    assert "주문 조회" in page.get_by_test_id("key-table").inner_text()
    page.get_by_test_id("api-log-link").click()
    log = page.get_by_test_id("log-table").inner_text()
    assert f"/api/v1/orders/{world.order.pk}" in log and "ERP 연동" in log and "200" in log

    # the docs page works under the Content-Security-Policy: Swagger UI from our static files
    problems: list[str] = []
    strict_page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    strict_page.on("pageerror", lambda exc: problems.append(str(exc)))
    strict_page.goto("/api/v1/docs")
    strict_page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    assert "/api/v1/orders" in strict_page.inner_text("body")
    assert problems == []
