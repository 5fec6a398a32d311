"""A screen's tables as data: the template renders them under their charts and the xlsx export writes
the very same rows (numbers as numbers, won with a #,##0 format, rates as percentages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from marketdock.core.downloads import new_workbook, workbook_bytes

KINDS = ("text", "int", "krw", "pct", "days", "date")
XLSX_FORMATS = {"int": "#,##0", "krw": "#,##0", "pct": "0.0%", "days": "0.0", "date": "yyyy-mm-dd"}


@dataclass
class Column:
    label: str
    kind: str = "int"
    link: bool = False  # the row's value is (text, url)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    footer: list | None = None  # a totals row

    def cells(self):
        """Rows as (value, kind, url) triples for the template."""
        for row in self.rows:
            yield [_cell(v, c) for v, c in zip(row, self.columns, strict=False)]

    def footer_cells(self):
        return [_cell(v, c) for v, c in zip(self.footer or [], self.columns, strict=False)]


def _cell(value, column: Column):
    url = None
    if column.link and isinstance(value, tuple):
        value, url = value
    return {"value": value, "kind": column.kind, "url": url}


def workbook(title: str, filters: list[tuple[str, str]], tables: list[Table]) -> bytes:
    """One sheet per table: the title, the filters (one row each), a blank row, the header, the rows."""
    wb = new_workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in tables:
        name = _sheet_name(table.title, used)
        ws = wb.create_sheet(name)
        ws.append([f"{title} — {table.title}"])
        ws["A1"].font = Font(bold=True, size=12)
        for label, value in filters:
            ws.append([label, value])
        if table.note:
            ws.append([table.note])
        ws.append([])
        ws.append([c.label for c in table.columns])
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
        for row in list(table.rows) + ([table.footer] if table.footer else []):
            values = []
            for value, column in zip(row, table.columns, strict=False):
                if column.link and isinstance(value, tuple):
                    value = value[0]
                values.append(value)
            ws.append(values)
            for cell, column in zip(ws[ws.max_row], table.columns, strict=False):
                fmt = XLSX_FORMATS.get(column.kind)
                if fmt and cell.value is not None and not isinstance(cell.value, str):
                    cell.number_format = fmt
        if table.footer:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        for i, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 28 if column.kind == "text" else 15
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return workbook_bytes(wb)


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in '[]:*?/\\')[:28] or _("표")
    name, n = base, 2
    while name in used:
        name = f"{base[:26]} {n}"
        n += 1
    used.add(name)
    return name


def as_date(value: date) -> date:
    return value
