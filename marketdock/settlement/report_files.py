"""The settlement report (STL-4) as files: xlsx through core/downloads.new_workbook (a summary sheet
per channel and, with `details`, the open differences with their order numbers) and a printable A4
PDF with a Korean font (the label font of catalog/labels.py)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from marketdock.catalog.labels import label_font
from marketdock.core.downloads import new_workbook, workbook_bytes
from marketdock.core.money import format_money

from .selectors_reconcile import Report

_COLUMNS = ("expected", "paid", "scheduled", "difference", "commissions", "refunds", "fees", "open_issues",
            "open_difference")


def _headers() -> list[str]:
    return [_("쇼핑몰 계정"), _("통화"), _("정산예정금액"), _("지급완료"), _("지급예정"), _("차이"), _("수수료"), _("환불"),
            _("기타 차감"), _("미해결 정산 오류"), _("미해결 차이금액")]


def report_xlsx(report: Report, issues=()) -> bytes:
    wb = new_workbook()
    sheet = wb.active
    sheet.title = _("정산 리포트")
    sheet.append([_("기간"), f"{report.start.isoformat()} ~ {report.end.isoformat()}"])
    sheet.append(_headers())
    for row in report.rows:
        sheet.append([row.account.name, row.currency, *(getattr(row, name) for name in _COLUMNS)])
    if report.total("expected") is not None and report.rows:
        sheet.append([_("합계"), report.currency, *(report.total(name) for name in _COLUMNS)])
    if issues:
        detail = wb.create_sheet(_("정산 오류"))
        detail.append([_("쇼핑몰 계정"), _("주문번호"), _("주문상세번호"), _("오류 유형"), _("처리 상태"), _("정산예정금액"),
                       _("지급금액"), _("차이"), _("사유"), _("메모")])
        for issue in issues:
            detail.append([issue.account.name, issue.channel_order_id, issue.channel_line_id, issue.get_kind_display(),
                           issue.get_state_display(), issue.expected_amount, issue.paid_amount, issue.difference,
                           issue.reason, issue.note])
    return workbook_bytes(wb)


def report_pdf(report: Report, company_name: str) -> bytes:
    font = label_font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=_("정산 리포트"))
    data = [_headers()]
    for row in report.rows:
        data.append([row.account.name, row.currency, *(_cell(row, name) for name in _COLUMNS)])
    if report.rows and report.total("expected") is not None:
        data.append([_("합계"), report.currency, *(_total(report, name) for name in _COLUMNS)])
    if not report.rows:
        data.append([_("기간 안에 정산 자료가 없습니다."), *[""] * (len(data[0]) - 1)])
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")), ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#adb5bd")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    doc.build([
        Paragraph(_("정산 리포트") + f" · {company_name}", title), Spacer(1, 3 * mm),
        Paragraph(_("기간 %(start)s ~ %(end)s · 출력 %(printed)s (KST)") % {
            "start": report.start.isoformat(), "end": report.end.isoformat(), "printed": printed}, small),
        Spacer(1, 5 * mm), table, Spacer(1, 4 * mm),
        Paragraph(_("정산예정금액은 지급예정일 기준, 지급완료·지급예정은 쇼핑몰이 알려준 지급일 기준입니다. "
                    "차이 = 지급완료 + 지급예정 − 정산예정금액."), small),
    ])
    return buffer.getvalue()


def _cell(row, name: str) -> str:
    value = getattr(row, name)
    return f"{value:,}" if name == "open_issues" else format_money(value, row.currency)


def _total(report: Report, name: str) -> str:
    value = report.total(name) or 0
    return f"{value:,}" if name == "open_issues" else format_money(value, report.currency)
