"""In real Chromium: 5 wrong passwords (from several addresses — one address alone is throttled
first) lock the account; the main admin sees 잠김 and the addresses in 사용자관리 and unlocks it; the
user signs in with the e-mailed temporary password, must change it, then works."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from marketdock.core.models import AccessLog, User
from tests.factories.core import PASSWORD, make_user


@pytest.mark.django_db(transaction=True)
def test_lockout_unlock_and_forced_change(page, login, screenshot, company, settings, live_url):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    make_user(company, "acme_packer", "operator")
    # the browser reaches the app through a trusted proxy that names a different client each time
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    for attempt in range(5):
        page.set_extra_http_headers({"X-Forwarded-For": f"198.51.100.{attempt + 1}"})
        login(page, "acme_packer", f"Wrong-pass-{attempt}", expect_home=False)
        if attempt < 4:
            assert page.get_by_test_id("login-error").is_visible()
    locked = page.get_by_test_id("locked")
    locked.wait_for()
    assert "계정이 잠겼습니다" in locked.inner_text()
    screenshot(page, "login-locked")
    # even the right password is refused now
    login(page, "acme_packer", PASSWORD, expect_home=False)
    page.get_by_test_id("locked").wait_for()

    # the main admin unlocks from 사용자관리
    login(page, "acme_admin", PASSWORD)
    page.locator("details[data-section=system] > summary").click()
    page.locator("a[data-screen='core.users']").click()
    row = page.get_by_test_id("user-row-acme_packer")
    row.get_by_test_id("locked-badge").wait_for()
    ips = row.get_by_test_id("lock-ips").inner_text()
    assert all(f"198.51.100.{i}" in ips for i in range(1, 6))
    screenshot(page, "users-locked-badge")
    row.get_by_test_id("unlock-acme_packer").click()
    page.get_by_test_id("toast").first.wait_for()
    assert "잠금을 해제하고" in page.get_by_test_id("toast").first.inner_text()
    assert page.get_by_test_id("user-row-acme_packer").get_by_test_id("locked-badge").count() == 0
    # the owner was told of the lock (with the addresses), then got the temporary password
    assert [m.to for m in mail.outbox] == [["acme_packer@example.com"]] * 2
    assert "잠겼습니다" in mail.outbox[0].body and "198.51.100.5" in mail.outbox[0].body
    temp = re.search(r"임시 비밀번호는 (\S+) 입니다", mail.outbox[1].body).group(1)
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()

    # the user signs in with the temporary password and is forced to change it
    login(page, "acme_packer", temp, expect_home=False)
    page.get_by_test_id("forced-change").wait_for()
    assert page.url.endswith("/accounts/password/change/")
    page.goto("/system/jobs/")
    page.get_by_test_id("forced-change").wait_for()  # nothing else opens before the change
    screenshot(page, "forced-password-change")
    page.fill("input[name=old_password]", temp)
    page.fill("input[name=new_password1]", "Packer-new-2026")
    page.fill("input[name=new_password2]", "Packer-new-2026")
    page.get_by_test_id("password-change-submit").click()
    page.get_by_test_id("main-menu").wait_for(state="attached")
    assert page.url == f"{live_url}/"  # the dashboard
    screenshot(page, "dashboard-after-change")

    user = User.objects.get(username="acme_packer")
    assert not user.must_change_password and user.check_password("Packer-new-2026")
    events = list(AccessLog.objects.filter(username="acme_packer").values_list("event", flat=True))
    assert {"login_failed", "locked", "unlocked", "password_reset", "login", "password_changed"} <= set(events)


@pytest.mark.django_db(transaction=True)
def test_admin_builds_a_role_and_reads_the_logs(page, login, screenshot, company):
    from marketdock.core.models import PersonalDataDownloadLog, Role

    login(page, "acme_admin", PASSWORD, expect_home=False)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto("/system/roles/new/")
    page.fill("input[name=name]", "출고담당")
    page.get_by_test_id("perm-shipping.scan-write").check()
    page.get_by_test_id("perm-orders.list-read").check()
    screenshot(page, "role-matrix")
    page.get_by_test_id("role-save").click()
    page.get_by_test_id("role-table").wait_for()
    role = Role.objects.get(company=company, name="출고담당")
    assert dict(role.permissions.values_list("screen", "level")) == {"shipping.scan": "write", "orders.list": "read"}

    page.goto("/system/logs/?tab=account")
    assert "권한 등록" in page.get_by_test_id("log-table").inner_text()
    page.get_by_test_id("quick-1").click()  # 오늘
    page.get_by_test_id("tab-access").click()
    assert "로그인" in page.get_by_test_id("log-table").inner_text()
    screenshot(page, "logs-access")
    with page.expect_download() as download:
        page.get_by_test_id("log-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert PersonalDataDownloadLog.objects.filter(company=company, screen="core.logs").count() == 1
