"""The shell in real Chromium (SYS-5, SYS-7): Korean dashboard, the notice pop-up shown once per
user, English and back, and the phone layout with the menu in an offcanvas."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketdock.core.models import Notice, NoticeDismissal, User
from tests.factories.core import PASSWORD, make_company

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    company = make_company("demo", "admin")
    now = timezone.now()
    notice = Notice.objects.create(
        title="[공지] 설 연휴 택배 마감 안내", body="2월 7일 오후 3시 이후 주문은 2월 11일에 출고됩니다.",
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7), is_popup=True,
    )
    return company, notice


def test_dashboard_notice_once_and_language_switch(page, login, screenshot, shop):
    _company, notice = shop
    login(page, "admin", PASSWORD)
    assert page.locator("h1.md-page-title").inner_text() == "처리할 일"
    popup = page.locator("#md-notice")
    popup.wait_for(state="visible")
    assert "설 연휴 택배 마감 안내" in popup.inner_text()

    with page.expect_response(lambda r: "/notices/dismiss/" in r.url and r.status == 204):
        page.click("[data-testid=notice-dismiss]")
    popup.wait_for(state="hidden")
    page.wait_for_selector(".modal-backdrop", state="detached")
    assert NoticeDismissal.objects.filter(notice=notice, user=User.objects.get(username="admin")).exists()

    page.reload()
    page.wait_for_selector("[data-testid=main-menu]")
    assert page.locator("[data-testid=notice-popup]").count() == 0  # not again after dismissal
    assert "설 연휴 택배 마감 안내" in page.locator("[data-testid=home-notices]").inner_text()  # still readable
    screenshot(page, "dashboard-desktop")

    # English
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "en")
    menu = page.locator("[data-testid=main-menu]")
    assert "Orders" in menu.inner_text() and "주문" not in menu.inner_text()
    assert page.locator("h1.md-page-title").inner_text() == "To do"
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "dashboard-desktop-en")

    # and back to Korean
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "ko")
    assert "주문" in page.locator("[data-testid=main-menu]").inner_text()
    assert page.locator("h1.md-page-title").inner_text() == "처리할 일"


def test_closing_with_x_hides_it_for_the_session_only(page, login, shop):
    _company, notice = shop
    login(page, "admin", PASSWORD)
    page.locator("#md-notice").wait_for(state="visible")
    page.click("#md-notice .btn-close")
    page.locator("#md-notice").wait_for(state="hidden")
    page.reload()
    page.wait_for_selector("[data-testid=main-menu]")
    page.wait_for_timeout(400)  # the modal would be opening by now
    assert not page.locator("#md-notice").is_visible()
    assert not NoticeDismissal.objects.filter(notice=notice).exists()  # not recorded: shown again next session


def test_phone_menu_collapses_into_offcanvas(phone_page, login, screenshot, shop):
    page = phone_page
    login(page, "admin", PASSWORD)
    page.locator("#md-notice").wait_for(state="visible")
    page.click("[data-testid=notice-dismiss]")
    page.locator("#md-notice").wait_for(state="hidden")
    page.wait_for_selector(".modal-backdrop", state="detached")

    menu = page.locator("[data-testid=main-menu]")
    assert not menu.is_visible()  # collapsed on a phone
    tiles = page.locator("[data-testid=work-tiles]").bounding_box()
    assert tiles["x"] < 20 and tiles["width"] > 340  # the content uses the whole width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(page, "dashboard-phone")

    page.click("button[aria-controls=md-sidebar]")
    page.locator("#md-sidebar.show").wait_for()
    assert menu.is_visible()
    box = page.locator("#md-sidebar").bounding_box()
    assert box["width"] < 390  # an offcanvas over the page, not a full-width takeover
    screenshot(page, "dashboard-phone-menu", full_page=False)
    page.click("summary:has-text('시스템관리')")
    page.click("[data-screen='core.notices']")
    page.wait_for_url("**/system/notices/")
    assert "설 연휴 택배 마감 안내" in page.locator("[data-testid=notice-table]").inner_text()


def test_common_codes_inline_editing(page, login, screenshot, shop):
    company, notice = shop
    NoticeDismissal.objects.create(notice=notice, user=User.objects.get(username="admin"))
    login(page, "admin", PASSWORD)
    page.click("summary:has-text('기준정보')")
    page.click("[data-screen='core.codes']")
    page.click("tr[data-group=BRAND] >> text=브랜드")
    page.fill("[data-testid=code-new-code]", "NK")
    page.fill("[data-testid=code-new-name]", "나이키")
    page.click("[data-testid=code-add]")
    page.wait_for_selector("tr[data-code=NK]")
    page.fill("[data-testid=code-new-code]", "NK")
    page.fill("[data-testid=code-new-name]", "또 나이키")
    page.click("[data-testid=code-add]")
    error = page.locator("[data-testid=code-error]")
    error.wait_for()
    assert "이미 있습니다" in error.inner_text()

    row = page.locator("tr[data-code=NK]")
    row.locator("input[name=name]").fill("나이키코리아")
    row.locator("input[name=is_active]").uncheck()
    row.locator("[data-testid=code-save]").click()
    page.wait_for_selector("tr[data-code=NK] [data-testid=code-saved]")
    screenshot(page, "common-codes")
    from marketdock.core.selectors import code_choices

    assert code_choices(company, "BRAND", active_only=False) == [("NK", "나이키코리아")]
    assert code_choices(company, "BRAND") == []
