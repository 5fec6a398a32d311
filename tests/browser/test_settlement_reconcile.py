"""정산관리 in a real browser: 정산 내역 shows expected vs paid per channel for the demo company, the
정산 대사 queue opens a difference, it is accepted with a note (history shown), and the report is
downloaded as xlsx and as a PDF whose Korean text renders; screenshots of the report and the queue."""

from __future__ import annotations

import subprocess

import pytest
from openpyxl import load_workbook

from marketdock.core.demo import DEMO_PASSWORD, run_demo
from marketdock.core.models import Company
from marketdock.settlement.models import IssueKind, IssueState
from tests.factories.settlement_import import reconciled_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERIOD = "start=2026-03-01&end=2026-03-31"


def test_settlement_queue_and_report_in_the_browser(strict_page, login, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_demo()
    company = Company.objects.get(code="demo")
    account, issues = reconciled_account(company, name="정산 데모 스토어")
    page = strict_page
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(page, "admin", DEMO_PASSWORD)
    if page.locator("[data-testid=notice-popup]").count():
        page.click("[data-testid=notice-dismiss]")

    page.goto(f"/settlement/statements/?{PERIOD}")
    row = page.locator(f"[data-testid=figures-row][data-account='{account.pk}']")
    assert row.locator("[data-testid=fig-expected]").inner_text() == "92,000원"
    assert row.locator("[data-testid=fig-paid]").inner_text() == "71,200원"

    page.goto("/settlement/reconcile/")
    assert page.locator("[data-testid=issue-row]").count() == 2
    screenshot(page, "settlement-queue")
    page.locator("[data-testid=issue-row][data-kind=commission] [data-testid=issue-open]").click()
    page.wait_for_selector("[data-testid=issue-decide]")
    assert "수수료" in page.locator("[data-testid=issue-reason]").inner_text()
    page.fill("#id_note", "프로모션 수수료로 확인함")
    page.click("[data-testid=issue-accept]")
    page.wait_for_selector("[data-testid=issue-state]:has-text('인정(종결)')")
    assert "프로모션 수수료로 확인함" in page.locator("[data-testid=issue-history]").inner_text()
    issue = issues[IssueKind.COMMISSION]
    issue.refresh_from_db()
    assert issue.state == IssueState.ACCEPTED

    page.goto(f"/settlement/report/?{PERIOD}")
    screenshot(page, "settlement-report")
    with page.expect_download() as xlsx:
        page.click("[data-testid=report-xlsx]")
    saved = tmp_path / "report.xlsx"
    xlsx.value.save_as(saved)
    book = load_workbook(saved)
    assert any(r[0] == "정산 데모 스토어" and r[2] == 92000 for r in book.active.iter_rows(values_only=True))
    with page.expect_download() as pdf:
        page.click("[data-testid=report-pdf]")
    target = tmp_path / "report.pdf"
    pdf.value.save_as(target)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "정산 리포트" in text and "정산 데모 스토어" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(target), "var/screenshots/settlement-report-pdf"],
                   check=True)
    assert not violations
