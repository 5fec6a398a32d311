"""Reads for the 정산 오류 queue, 정산 내역 (expected vs paid per channel and period) and the settlement
report (STL-3, STL-4). Every read is company-scoped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from marketdock.channels.models import ChannelAccount

from .models import (
    ExpectedSettlement,
    ExpectedState,
    IssueState,
    RecordKind,
    SettlementAdjustment,
    SettlementIssue,
    SettlementRecord,
    SettlementRun,
)


def issues(company, *, state: str = "", kind: str = "", account_id: int | None = None,
           query: str = "") -> QuerySet[SettlementIssue]:
    rows = SettlementIssue.objects.filter(company=company).select_related("account")
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if account_id:
        rows = rows.filter(account_id=account_id)
    if query:
        rows = rows.filter(Q(channel_order_id__icontains=query) | Q(channel_line_id__icontains=query))
    return rows.order_by("-created_at", "-id")


def issue_get(company, pk) -> SettlementIssue:
    return SettlementIssue.objects.select_related("account", "line", "reconciliation").get(company=company, pk=pk)


def issue_counts(company) -> dict[str, int]:
    return dict(SettlementIssue.objects.filter(company=company).values_list("state").annotate(n=Count("id")))


def issue_records(issue: SettlementIssue) -> QuerySet[SettlementRecord]:
    """The marketplace's rows behind an issue (its key on its account)."""
    return SettlementRecord.objects.filter(company_id=issue.company_id, account_id=issue.account_id,
                                           order_line_id=issue.channel_line_id).order_by("settle_date", "record_id")


def runs(company, limit: int = 20) -> QuerySet[SettlementRun]:
    return SettlementRun.objects.filter(company=company).select_related("account").order_by("-started_at")[:limit]


def accounts(company) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(company=company).order_by("name", "id")


@dataclass
class ChannelFigures:
    account: ChannelAccount
    currency: str = "KRW"
    expected: int = 0
    paid: int = 0
    scheduled: int = 0  # reported by the marketplace, not paid yet
    commissions: int = 0
    refunds: int = 0
    fees: int = 0
    open_issues: int = 0
    open_difference: int = 0

    @property
    def difference(self) -> int:
        return self.paid + self.scheduled - self.expected


@dataclass
class Report:
    start: date
    end: date
    rows: list[ChannelFigures] = field(default_factory=list)

    def total(self, name: str) -> int | None:
        """The sum over the channels when they share one currency (KRW); None otherwise."""
        if len({r.currency for r in self.rows}) > 1:
            return None
        return sum(getattr(r, name) for r in self.rows)

    @property
    def currency(self) -> str:
        return self.rows[0].currency if self.rows else "KRW"


def settlement_report(company, start: date, end: date, account_id: int | None = None) -> Report:
    """Expected (payout date in the period, with adjustments booked in it), paid and scheduled
    (the marketplace's rows whose pay date falls in it), commissions, refunds and fees the
    marketplace took, and the open 정산 오류 per channel account."""
    report = Report(start=start, end=end)
    account_rows = accounts(company)
    if account_id:
        account_rows = account_rows.filter(pk=account_id)
    figures = {a.id: ChannelFigures(account=a) for a in account_rows}
    expected = ExpectedSettlement.objects.filter(company=company, account_id__in=figures, payout_date__range=(
        start, end)).exclude(state=ExpectedState.CANCELLED).values("account_id", "currency").annotate(
        total=Sum("expected_payout"))
    for row in expected:
        figures[row["account_id"]].expected += row["total"] or 0
        figures[row["account_id"]].currency = row["currency"]
    adjustments = SettlementAdjustment.objects.filter(company=company, account_id__in=figures, booked_on__range=(
        start, end)).values("account_id").annotate(total=Sum("net"))
    for row in adjustments:
        figures[row["account_id"]].expected += row["total"] or 0
    records = SettlementRecord.objects.filter(company=company, account_id__in=figures,
                                              pay_date__range=(start, end)).values("account_id", "currency", "paid",
                                                                                    "kind").annotate(
        payout=Sum("payout_amount"), commission=Sum("sale_commission") + Sum("payment_commission")
        + Sum("shipping_commission"), fees=Sum("other_fee"))
    for row in records:
        target = figures[row["account_id"]]
        target.currency = row["currency"]
        if row["paid"]:
            target.paid += row["payout"] or 0
        else:
            target.scheduled += row["payout"] or 0
        target.commissions += row["commission"] or 0
        target.fees += row["fees"] or 0
        if row["kind"] == RecordKind.REFUND:
            target.refunds += row["payout"] or 0
    open_issues = SettlementIssue.objects.filter(company=company, account_id__in=figures, state__in=(
        IssueState.OPEN, IssueState.DISPUTED)).filter(Q(due_date__range=(start, end)) | Q(due_date__isnull=True)).values(
        "account_id").annotate(n=Count("id"), diff=Sum("difference"))
    for row in open_issues:
        figures[row["account_id"]].open_issues = row["n"]
        figures[row["account_id"]].open_difference = row["diff"] or 0
    report.rows = [f for f in figures.values() if f.expected or f.paid or f.scheduled or f.open_issues]
    return report
