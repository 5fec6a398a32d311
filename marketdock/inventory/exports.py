"""Excel (xlsx) files the inventory screens hand out. Reads only; no personal data here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from marketdock.core import downloads


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence], *, widths: Sequence[int] = ()) -> bytes:
    wb = downloads.new_workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E9EEF6")
    for row in rows:
        ws.append([v if isinstance(v, int | float) or v is None else str(v) for v in row])
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1] if i <= len(widths) else max(10, len(str(header)) * 2 + 2)
    ws.freeze_panes = "A2"
    return downloads.workbook_bytes(wb)


def xlsx_response(name: str, data: bytes) -> HttpResponse:
    """`name_YYYYmmdd_HHMM.xlsx` as an attachment."""
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    return downloads.xlsx_response(data, f"{name}_{stamp}.xlsx")
