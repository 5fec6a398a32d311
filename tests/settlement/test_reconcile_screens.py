"""정산 대사 (the 정산 오류 queue), an issue's accept / dispute with history, 정산 내역 and 정산 리포트
(screen, xlsx, PDF with Korean text): company isolation and the read-only role on each."""

import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.core.models import PersonalDataDownloadLog
from marketdock.settlement.models import IssueKind, IssueState, SettlementIssueEvent
from tests.factories.settlement_import import reconciled_account
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}


def test_queue_lists_open_differences_with_their_reason(admin_client, company):
    _account, issues = reconciled_account(company)
    page = admin_client.get(reverse("settlement:reconcile")).content.decode()
    assert "수수료 차이" in page and "미지급" in page and issues[IssueKind.COMMISSION].reason in page
    assert "MATCH" not in page  # a matched line is not a difference
    only = admin_client.get(reverse("settlement:reconcile"), {"kind": IssueKind.UNPAID}).content.decode()
    assert "UNPAID" in only and "COMM" not in only


def test_a_difference_reads_in_the_language_of_whoever_opens_it(admin_client, company):
    """The reason and the system's lines of the history are worded when shown, not when found."""
    _account, issues = reconciled_account(company)
    issue = issues[IssueKind.COMMISSION]
    url = reverse("settlement:issue_detail", args=[issue.pk])
    korean = admin_client.get(url).content.decode()
    assert "정산금액이 예정보다 -800원 다릅니다 (수수료 -800원)" in korean
    admin_client.cookies["django_language"] = "en"
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Settled -₩800 differently from expected (Commission -₩800)" in english
    assert "정산금액" not in english and "수수료" not in english


def test_accept_needs_a_note_and_keeps_the_history(admin_client, company, admin_user):
    _account, issues = reconciled_account(company)
    issue = issues[IssueKind.COMMISSION]
    url = reverse("settlement:issue_detail", args=[issue.pk])
    refused = admin_client.post(url, {"to": IssueState.ACCEPTED, "note": ""}, follow=True)
    assert "메모가 필요합니다" in refused.content.decode()
    issue.refresh_from_db()
    assert issue.state == IssueState.OPEN
    admin_client.post(url, {"to": IssueState.DISPUTED, "note": "쿠폰 수수료 문의 접수 #123"})
    admin_client.post(url, {"to": IssueState.ACCEPTED, "note": "프로모션 수수료 맞음"})
    issue.refresh_from_db()
    assert (issue.state, issue.note, issue.decided_by) == (IssueState.ACCEPTED, "프로모션 수수료 맞음", admin_user)
    history = list(SettlementIssueEvent.objects.filter(issue=issue).values_list("new_state", "message"))
    assert history[1:] == [(IssueState.DISPUTED, "쿠폰 수수료 문의 접수 #123"), (IssueState.ACCEPTED, "프로모션 수수료 맞음")]
    page = admin_client.get(url).content.decode()
    assert "프로모션 수수료 맞음" in page and "쿠폰 수수료 문의 접수" in page


def test_statements_and_report_show_expected_paid_and_difference(admin_client, company):
    account, _issues = reconciled_account(company)
    for name in ("settlement:statements", "settlement:report"):
        page = admin_client.get(reverse(name), PERIOD).content.decode()
        assert account.name in page
        assert "92,000원" in page  # expected: 36,000 + 36,000 + 20,000
        assert "71,200원" in page  # paid: 36,000 + 35,200
        assert "-20,800원" in page


def test_report_xlsx_numbers_and_the_detail_download_is_logged(admin_client, company):
    account, _issues = reconciled_account(company)
    response = admin_client.get(reverse("settlement:report_xlsx"), PERIOD)
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    mine = next(r for r in rows if r[0] == account.name)
    assert mine[1:6] == ("KRW", 92000, 71200, 0, -20800)
    assert not PersonalDataDownloadLog.objects.filter(company=company).exists()
    detailed = admin_client.get(reverse("settlement:report_xlsx"), {**PERIOD, "details": "1"})
    book = load_workbook(io.BytesIO(detailed.content))
    assert len(list(book.worksheets[1].iter_rows())) == 3  # header + the two open differences
    log = PersonalDataDownloadLog.objects.get(company=company)
    assert log.record_count == 2 and log.screen == "settlement.report"


def test_report_pdf_renders_korean_text(admin_client, company, tmp_path):
    reconciled_account(company)
    response = admin_client.get(reverse("settlement:report_pdf"), PERIOD)
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "정산 리포트" in text and "스마트스토어" in text and "92,000원" in text


def test_viewer_reads_but_changes_nothing(viewer_client, company):
    _account, issues = reconciled_account(company)
    issue = issues[IssueKind.COMMISSION]
    for name in ("settlement:reconcile", "settlement:statements", "settlement:report"):
        assert viewer_client.get(reverse(name)).status_code == 200
    detail = viewer_client.get(reverse("settlement:issue_detail", args=[issue.pk])).content.decode()
    assert 'data-testid="issue-accept"' not in detail
    assert viewer_client.post(reverse("settlement:issue_detail", args=[issue.pk]),
                              {"to": IssueState.ACCEPTED, "note": "x"}).status_code == 403
    assert viewer_client.post(reverse("settlement:import_now"), {"account": issue.account_id}).status_code == 403
    issue.refresh_from_db()
    assert issue.state == IssueState.OPEN


def test_another_company_sees_nothing(other_client, company):
    account, issues = reconciled_account(company, name="우리 스토어")
    issue = issues[IssueKind.COMMISSION]
    assert_isolated(other_client, [reverse("settlement:issue_detail", args=[issue.pk])],
                    secrets=(issue.channel_line_id,))
    for name in ("settlement:reconcile", "settlement:statements", "settlement:report"):
        page = other_client.get(reverse(name), PERIOD).content.decode()
        assert "우리 스토어" not in page and issue.channel_line_id not in page
    sheet = load_workbook(io.BytesIO(other_client.get(reverse("settlement:report_xlsx"), {**PERIOD, "details": "1"})
                                    .content)).worksheets
    assert not any("우리 스토어" in str(c) for ws in sheet for row in ws.iter_rows(values_only=True) for c in row)
    assert other_client.post(reverse("settlement:import_now"), {"account": account.pk}).status_code == 404


def test_import_now_starts_the_job_for_a_valid_period(admin_client, company, monkeypatch):
    from marketdock.settlement import views_reconcile

    started = []
    monkeypatch.setattr(views_reconcile, "settlement_import_now", lambda *args: started.append(args))
    account, _issues = reconciled_account(company)
    admin_client.post(reverse("settlement:import_now"), {"account": account.pk, "start": "2026-03-01", "end": "2026-03-31"})
    assert started and started[0][:3] == (account.pk, "2026-03-01", "2026-03-31")
    bad = admin_client.post(reverse("settlement:import_now"), {"account": account.pk, "start": "2026-03-31",
                                                               "end": "2026-01-01"}, follow=True)
    assert "기간이 잘못되었습니다" in bad.content.decode() and len(started) == 1


def test_the_default_period_includes_the_coming_payouts_and_their_differences(admin_client, company):
    """정산 내역 opens on the last 30 days and the coming 14: a payout scheduled for next week, and the open
    difference due with it, are on the first screen."""
    from datetime import timedelta

    from django.utils import timezone

    account, issues = reconciled_account(company)
    soon = timezone.localdate() + timedelta(days=7)
    for issue in issues.values():
        type(issue).objects.filter(pk=issue.pk).update(due_date=soon)
    page = admin_client.get(reverse("settlement:statements")).content.decode()
    assert account.name in page
    assert f'href="{reverse("settlement:reconcile")}?account={account.pk}">{len(issues)}</a>' in page
