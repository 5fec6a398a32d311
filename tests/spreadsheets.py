"""Spreadsheets for upload and export tests: plain workbooks from rows (`workbook_bytes`), the rows of
a downloaded workbook (`sheet_rows`), and hostile ones built by hand (sheet XML written straight into
a zip)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook, load_workbook


def workbook_bytes(rows) -> bytes:
    """An .xlsx file whose first sheet holds `rows` (each an iterable of cell values), top to bottom."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_rows(response) -> list[list]:
    """The rows (cell values) of the first sheet of a streamed .xlsx download."""
    data = b"".join(response.streaming_content)
    return [list(r) for r in load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True)]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>')


def zip_bomb_xlsx(rows: int = 1_048_576, *, declare_dimension: bool = True,
                  header: tuple[str, ...] = ("입고번호", "SKU코드", "수량")) -> bytes:
    """A small xlsx whose only sheet unpacks to `rows` rows (Excel's maximum by default): a header
    row, then the same short row over and over, which deflate squeezes to almost nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if declare_dimension:
                sheet.write(f'<dimension ref="A1:C{rows}"/>'.encode())
            sheet.write(b"<sheetData>")
            cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
            sheet.write(f"<row>{cells}</row>".encode())
            chunk = b'<row><c t="inlineStr"><is><t>X</t></is></c><c t="inlineStr"><is><t>X</t></is></c><c><v>1</v></c></row>'
            block = chunk * 4096
            written = 1
            while written + 4096 <= rows:
                sheet.write(block)
                written += 4096
            sheet.write(chunk * (rows - written))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()

