"""매출현황 in a real browser under the Content-Security-Policy: plotly charts drawn from the page's
data, period and channel switches, a hover value, the xlsx downloaded and read back; screenshots of
the dashboard, the heat map and the channel comparison."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from marketdock.analytics import services
from marketdock.core.demo import DEMO_PASSWORD, run_demo
from marketdock.core.models import Company
from tests.factories.analytics import sales_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sales_dashboard_in_the_browser(strict_page, login, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_demo()
    company = Company.objects.get(code="demo")
    accounts = sales_history(company)
    services.rollup_refresh(company)
    page = strict_page
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    login(page, "admin", DEMO_PASSWORD)
    page.goto("/analytics/sales/?period=90d")
    page.wait_for_selector("[data-testid=chart-revenue][data-md-drawn='1']")
    if page.locator("[data-testid=notice-popup]").count():  # the demo's notices: read once
        page.click("[data-testid=notice-dismiss]")
        page.wait_for_selector("[data-testid=notice-popup]", state="hidden")
    page.wait_for_selector("[data-testid=chart-products][data-md-drawn='1']")
    assert page.locator("[data-testid=chart-revenue] .legendtext").count() == len(accounts)
    screenshot(page, "analytics-sales")

    # switch the period: 30일, then the channel
    page.click("[data-period='30d']")
    page.wait_for_url("**period=30d**")
    page.wait_for_selector("[data-testid=chart-revenue][data-md-drawn='1']")
    before = page.locator("[data-testid=table-series] tfoot td").nth(3).inner_text()
    page.select_option("#f-account", str(accounts[0].pk))
    page.click("[data-testid=apply]")
    page.wait_for_url(f"**account={accounts[0].pk}**")
    page.wait_for_selector("[data-testid=chart-revenue][data-md-drawn='1']")
    after = page.locator("[data-testid=table-series] tfoot td").nth(3).inner_text()
    assert after != before and after.endswith("원")
    assert page.locator("[data-testid=chart-revenue] .legendtext").count() == 1

    # hover a point of the orders line: plotly shows its value
    drag = page.locator("[data-testid=chart-orders] .nsewdrag").first
    drag.scroll_into_view_if_needed()
    box = drag.bounding_box()
    for step in range(1, 6):  # a few moves, as a user's pointer does
        page.mouse.move(box["x"] + box["width"] * (0.4 + step * 0.03), box["y"] + box["height"] * 0.5)
    page.wait_for_selector("[data-testid=chart-orders] .hoverlayer text", state="attached")
    hover_text = page.locator("[data-testid=chart-orders] .hoverlayer").text_content()
    assert "주문수" in hover_text and "건" in hover_text, hover_text
    screenshot(page, "analytics-hover", full_page=False)

    with page.expect_download() as download:
        page.click("[data-testid=xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    ws = wb["기간별 매출"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "매출현황 — 기간별 매출"
    assert ["쇼핑몰", accounts[0].name] in [r[:2] for r in rows]
    total_row = rows[-1]
    assert total_row[0] == "합계" and isinstance(total_row[3], int)
    assert f"{total_row[3]:,}원" == after

    page.goto("/analytics/hourly/?period=90d")
    page.wait_for_selector("[data-testid=chart-heatmap][data-md-drawn='1']")
    screenshot(page, "analytics-heatmap")
    page.goto("/analytics/compare/?period=90d")
    page.wait_for_selector("[data-testid=chart-compare_revenue][data-md-drawn='1']")
    screenshot(page, "analytics-compare")
    assert not violations, violations
