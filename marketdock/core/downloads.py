"""File downloads every screen hands out (xlsx exports, error reports): one content type, one
Content-Disposition that keeps Korean file names intact in every browser, and the one xlsx writer
(`new_workbook`) that stores text as text."""

from __future__ import annotations

import io
import tempfile
from typing import IO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes | IO[bytes], filename: str) -> HttpResponse:
    """An attachment response for xlsx bytes or an open (spooled) file."""
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=XLSX)
    else:
        response = FileResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --- the one xlsx writer (issue 10.1: formula injection) ---------------------------------------------
#
# Every xlsx marketdock writes holds values that came from outside: buyer names and delivery messages
# from the marketplaces, product names a seller typed or uploaded. openpyxl turns any text that starts
# with "=" into a live formula (=HYPERLINK(...), =cmd|...), so every workbook is created here and
# writes such text as a plain string cell; numbers, dates and booleans stay what they are.
# marketdock never writes formulas of its own.

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def _as_text(cell):
    if cell.data_type == "f" or is_formula_like(cell.value):
        cell.data_type = "s"
    return cell


class _SafeWriteOnlyWorksheet(WriteOnlyWorksheet):
    def append(self, row):
        cells = []
        for value in row:
            if isinstance(value, Cell):
                cells.append(_as_text(value))
            elif is_formula_like(value):
                cell = WriteOnlyCell(self, value=value)
                cells.append(_as_text(cell))
            else:
                cells.append(value)
        super().append(cells)


class SafeWorkbook(Workbook):
    """An openpyxl Workbook that never stores a formula: write-only sheets check each appended row,
    ordinary sheets are checked cell by cell when the workbook is saved."""

    def create_sheet(self, title=None, index=None):
        if self.write_only:
            sheet = _SafeWriteOnlyWorksheet(parent=self, title=title)
            self._add_sheet(sheet=sheet, index=index)
            return sheet
        return super().create_sheet(title=title, index=index)

    def save(self, filename):
        if not self.write_only:
            for sheet in self.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if cell.value is not None:
                            _as_text(cell)
        super().save(filename)


def new_workbook(*, write_only: bool = False) -> SafeWorkbook:
    """The workbook every export, template and error report starts from."""
    return SafeWorkbook(write_only=write_only)


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def workbook_file(wb: Workbook, *, spool_limit: int = 8 * 1024 * 1024) -> IO[bytes]:
    """The saved workbook as an open temporary file (kept in memory up to `spool_limit`), rewound."""
    spooled = tempfile.SpooledTemporaryFile(max_size=spool_limit)
    wb.save(spooled)
    spooled.seek(0)
    return spooled


def errors_workbook_bytes(errors: list[dict]) -> bytes:
    """The error report of any upload: 행 / 열 / 값 / 오류 내용, one row per error (values echoed from
    the uploaded file stay text)."""
    from django.utils.translation import gettext as _
    from openpyxl.styles import Font

    wb = new_workbook()
    ws = wb.active
    ws.title = _("오류")
    ws.append([_("행"), _("열"), _("값"), _("오류 내용")])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for e in errors:
        value = e.get("value", "")
        ws.append([e.get("row") or "", str(e.get("column", "")), "" if value is None else value, str(e.get("message", ""))])
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 20
    ws.column_dimensions["D"].width = 80
    return workbook_bytes(wb)
