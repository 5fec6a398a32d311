"""Settlement import (idempotent by record id, a run ledger) and line-level reconciliation: each
outcome, the difference split, the 정산 오류 issues and their history on re-runs."""

from datetime import date

import pytest

from marketdock.settlement import services
from marketdock.settlement.models import (
    IssueKind,
    IssueState,
    Reconciliation,
    ReconStatus,
    SettlementIssue,
    SettlementRecord,
    SettlementRun,
)
from marketdock.settlement.services import (
    run_start,
    settlement_import,
    settlement_reconcile,
    settlement_records_store,
)
from tests.factories.channels import make_account
from tests.factories.settlement_import import PagedSettlements, make_expected, settled

TODAY = date(2026, 3, 20)
pytestmark = pytest.mark.django_db


def _store(account, rows):
    run = run_start(account, SettlementRun.What.IMPORT)
    settlement_records_store(account, rows, run)
    return run


def _issues(account):
    return {(i.channel_line_id, i.kind): i for i in SettlementIssue.objects.filter(account=account)}


def test_reimport_of_the_same_rows_changes_nothing_and_a_changed_row_is_updated(company):
    account = make_account(company)
    make_expected(account, order_no="N1", line_no="L1")
    rows = [settled("N1", "L1", sale=40000, commission=4000, payout=36000),
            settled("N1", "L1", kind="shipping", payout=3000, shipping_fee=3000)]
    first = _store(account, rows)
    second = _store(account, rows)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert SettlementRecord.objects.filter(account=account).count() == 2
    record = SettlementRecord.objects.get(account=account, record_id="L1-sale")
    assert record.line.channel_line_id == "L1" and record.payout_amount == 36000
    third = _store(account, [settled("N1", "L1", sale=40000, commission=4500, payout=35500)])
    assert (third.created, third.updated) == (0, 1)
    assert SettlementRecord.objects.get(account=account, record_id="L1-sale").payout_amount == 35500


def test_api_import_follows_pages_and_quarantines_unreadable_rows(company):
    account = make_account(company)
    connector = PagedSettlements()
    run = settlement_import(account, date(2026, 3, 1), date(2026, 3, 31), trigger="manual", connector=connector)
    assert connector.calls == [None, "p2"]
    assert (run.status, run.seen, run.created, run.quarantined) == (SettlementRun.Status.PARTIAL, 2, 2, 1)
    assert "N3" in run.error and run.finished_at is not None


def test_a_failing_page_keeps_what_was_read_and_says_why(company):
    account = make_account(company)
    run = settlement_import(account, date(2026, 3, 1), date(2026, 3, 31), connector=PagedSettlements(fail=True))
    assert run.status == SettlementRun.Status.PARTIAL and "내부 서버 오류" in run.error
    assert SettlementRecord.objects.filter(account=account).count() == 1


def test_each_reconciliation_outcome(company):
    account = make_account(company)
    make_expected(account, order_no="N1", line_no="MATCH", payout=36000, commission=4000)
    make_expected(account, order_no="N2", line_no="COMM", payout=36000, commission=4000)
    make_expected(account, order_no="N3", line_no="UNPAID", payout=20000, due=date(2026, 3, 10))
    make_expected(account, order_no="N4", line_no="LATER", payout=20000, due=date(2026, 3, 25))
    make_expected(account, order_no="N5", line_no="LATE", payout=36000, commission=4000)
    make_expected(account, order_no="N6", line_no="FEE", payout=36000, commission=4000)
    _store(account, [
        settled("N1", "MATCH", sale=40000, commission=4000, payout=36000),
        settled("N2", "COMM", sale=40000, commission=4800, payout=35200),
        settled("N5", "LATE", sale=40000, commission=4000, payout=36000, pay_date=date(2026, 3, 16)),
        settled("N6", "FEE", sale=40000, commission=4000, payout=36000),
        settled("N6", "FEE", kind="fee", other_fee=1500, payout=-1500),
        settled("X9", "STRANGER", sale=9000, payout=9000),
    ])
    run = settlement_reconcile(account, today=TODAY)
    status = dict(Reconciliation.objects.filter(account=account).values_list("line_key", "status"))
    assert status == {"MATCH": ReconStatus.MATCHED, "COMM": ReconStatus.AMOUNT_DIFFERS,
                      "UNPAID": ReconStatus.EXPECTED_UNPAID, "LATER": ReconStatus.NOT_DUE,
                      "LATE": ReconStatus.MATCHED, "FEE": ReconStatus.AMOUNT_DIFFERS,
                      "STRANGER": ReconStatus.PAID_UNKNOWN}
    comm = Reconciliation.objects.get(account=account, line_key="COMM")
    assert (comm.difference, comm.diff_commission, comm.diff_discount, comm.diff_shipping, comm.diff_other) == (
        -800, -800, 0, 0, 0)
    issues = _issues(account)
    assert set(issues) == {("COMM", IssueKind.COMMISSION), ("UNPAID", IssueKind.UNPAID), ("LATE", IssueKind.LATE),
                           ("FEE", IssueKind.EXTRA_FEE), ("STRANGER", IssueKind.PAID_UNKNOWN)}
    assert "800" in issues[("COMM", IssueKind.COMMISSION)].reason
    assert issues[("STRANGER", IssueKind.PAID_UNKNOWN)].channel_order_id == "X9"
    assert run.seen == 7 and run.matched == 2 and run.differences == 5
    assert all(i.events.count() == 1 for i in issues.values())


def test_reconciling_again_is_idempotent_and_a_fixed_difference_resolves(company):
    account = make_account(company)
    make_expected(account, order_no="N2", line_no="COMM", payout=36000, commission=4000)
    _store(account, [settled("N2", "COMM", sale=40000, commission=4800, payout=35200)])
    settlement_reconcile(account, today=TODAY)
    settlement_reconcile(account, today=TODAY)
    issue = SettlementIssue.objects.get(account=account)
    assert issue.state == IssueState.OPEN and issue.events.count() == 1
    _store(account, [settled("N2", "COMM", sale=40000, commission=4000, payout=36000)])  # the marketplace corrected it
    settlement_reconcile(account, today=TODAY)
    issue.refresh_from_db()
    assert issue.state == IssueState.RESOLVED
    assert list(issue.events.values_list("new_state", flat=True)) == [IssueState.OPEN, IssueState.RESOLVED]


def test_a_difference_that_comes_back_reopens_and_a_decided_issue_keeps_its_state(company):
    account = make_account(company)
    make_expected(account, order_no="N2", line_no="COMM", payout=36000, commission=4000)
    for commission in (4800, 4000, 5000):  # wrong, corrected, wrong again
        _store(account, [settled("N2", "COMM", sale=40000, commission=commission, payout=40000 - commission)])
        settlement_reconcile(account, today=TODAY)
    issue = SettlementIssue.objects.get(account=account)
    assert (issue.state, issue.difference) == (IssueState.OPEN, -1000)
    assert list(issue.events.values_list("new_state", flat=True)) == [IssueState.OPEN, IssueState.RESOLVED,
                                                                      IssueState.OPEN]
    services.issue_decide(issue=issue, to=IssueState.ACCEPTED, user=None, note="프로모션 수수료")
    _store(account, [settled("N2", "COMM", sale=40000, commission=4900, payout=35100)])
    settlement_reconcile(account, today=TODAY)
    issue.refresh_from_db()
    assert (issue.state, issue.difference, issue.paid_amount) == (IssueState.ACCEPTED, -900, 35100)
    settlement_reconcile(account, today=TODAY)  # nothing moved: the issue is left alone
    assert SettlementIssue.objects.get(pk=issue.pk).updated_at == issue.updated_at
    assert issue.events.count() == 4


def test_coupang_rows_match_our_lines_by_order_and_vendor_item(company):
    account = make_account(company, "쿠팡", kind="coupang")
    expected = make_expected(account, order_no="2000", line_no="344543911-3911982076", payout=14592, commission=1408)
    _store(account, [settled("2000", "", marketplace="coupang", match_key="2000/3911982076", sale=16000,
                             commission=1408, payout=14592, record_id="2000-3911982076-SALE-2026-03-05")])
    assert SettlementRecord.objects.get(account=account).line_id == expected.line_id
    settlement_reconcile(account, today=TODAY)
    assert Reconciliation.objects.get(account=account).status == ReconStatus.MATCHED
    assert not SettlementIssue.objects.filter(account=account).exists()


def test_reconciliation_never_touches_another_company(company, other_company):
    mine, theirs = make_account(company), make_account(other_company)
    make_expected(theirs, order_no="N1", line_no="L1", payout=36000)
    _store(theirs, [settled("N1", "L1", payout=30000)])
    settlement_reconcile(mine, today=TODAY)
    assert not Reconciliation.objects.filter(account=theirs).exists()
    assert not SettlementIssue.objects.exists()


def test_an_account_that_collected_orders_gets_its_first_settlement_import_by_itself(company, monkeypatch):
    from marketdock.settlement import tasks_import

    started = []
    monkeypatch.setattr(tasks_import, "settlement_import_now", lambda account_id, *args, **kw: started.append(account_id))
    naver = make_account(company)
    make_expected(naver, order_no="N1")
    make_account(company, "쿠팡", kind="coupang")  # no orders collected yet: nothing to settle
    assert tasks_import.import_first(company) == 1 and started == [naver.pk]
    failed = run_start(naver, SettlementRun.What.IMPORT)
    failed.status = SettlementRun.Status.FAILED
    failed.save()
    assert tasks_import.import_first(company) == 0  # a failed attempt is retried later, not every run
    SettlementRun.objects.filter(pk=failed.pk).update(started_at=failed.started_at.replace(year=2025))
    assert tasks_import.import_first(company) == 1
    SettlementRun.objects.filter(pk=failed.pk).update(status=SettlementRun.Status.DONE, seen=3)
    assert tasks_import.import_first(company) == 0  # imported once: the daily schedule takes over
    assert started == [naver.pk, naver.pk]
