"""In real Chromium: the Content-Security-Policy (scripts only from our static files) holds on the key
screens — no violation reported, no script error — and the behaviour that moved out of inline
scripts still works (bulk buttons, marketplace fields, confirmations, select-all, language switch)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.core import PASSWORD

KEY_PAGES = [
    "home", "orders:list", "orders:unmatched", "orders:export_templates", "catalog:product_list",
    "channels:account_list", "channels:account_create", "shipping:packages", "shipping:scan", "core:user_list",
    "core:logs", "core:job_list",
]


@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_on_key_pages(strict_page, login, company, admin_user):
    page = strict_page
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))")

    page.goto("/accounts/login/")
    login(page, "acme_admin", PASSWORD)
    for name in KEY_PAGES:
        response = page.goto(reverse(name))
        assert response.status == 200, name
        assert "script-src 'self'" in response.headers["content-security-policy"], name
        page.wait_for_load_state("load")
    assert problems == []

    # moved out of inline scripts: they still run under the policy
    page.goto(reverse("orders:list"))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_test_id("bulk-confirm").click()
    page.wait_for_timeout(200)
    assert dialogs == ["주문을 선택하세요."]

    page.goto(reverse("channels:account_create"))
    page.select_option("[data-testid=account-form] [name=kind]", "coupang")
    assert page.get_by_test_id("credentials-coupang").is_visible()
    assert not page.get_by_test_id("credentials-naver").is_visible()

    with page.expect_navigation():  # the language form submits itself (a data attribute, no inline script)
        page.get_by_test_id("language-select").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert problems == []
