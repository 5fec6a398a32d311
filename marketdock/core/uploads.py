"""Reading uploaded spreadsheets, one bounded way for every Excel upload (issue 10.2).

A small xlsx can unpack to Excel's 1,048,576 rows (a zip bomb in all but name). Before a single row
is read this module checks the file size, the total size the zip unpacks to and the row count the
sheet declares; then it streams the rows in openpyxl's read-only mode and stops at the row limit.
Every refusal is an `UploadRejected` with a message a seller can act on.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 20 * 1024 * 1024
# What a real 20,000-row sheet with a few dozen columns unpacks to, with room to spare.
MAX_UNPACKED_BYTES = 80 * 1024 * 1024
MAX_COLUMNS = 256  # columns read per row (marketplace exports have up to ~80)
# Validation stops after this many row errors: the report says so, the seller fixes and uploads again.
MAX_ERRORS = 200

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _parse_dimensions_at_start(self):
    """openpyxl's WorkSheetParser.parse_dimensions listens for *end* events, so on a sheet without a
    <dimension> element it parses the entire sheet (every row of a zip bomb) before giving up at
    </sheetData>. The dimension, when there is one, comes before <sheetData>: stop at its start."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG, SheetDimension, iterparse

    for _event, element in iterparse(self.source, events=("start",)):
        if element.tag == DIMENSION_TAG:
            return SheetDimension.from_tree(element).boundaries
        if element.tag == DATA_TAG:
            return None
    return None


def _patch_openpyxl() -> None:
    from openpyxl.worksheet._reader import WorkSheetParser

    WorkSheetParser.parse_dimensions = _parse_dimensions_at_start


_patch_openpyxl()


class UploadRejected(Exception):
    """The file cannot be read as it is; the message says why and what to do."""


@dataclass
class Sheet:
    """The first worksheet of an upload: `rows()` yields (row number, values) lazily."""

    _ws: object
    declared_rows: int | None
    max_rows: int
    max_columns: int
    shown_limit: int

    def rows(self) -> Iterator[tuple[int, tuple]]:
        source = self._ws.iter_rows(values_only=True, max_col=self.max_columns)
        number = 0
        while True:
            try:
                values = next(source)
            except StopIteration:
                return
            except Exception:  # a broken sheet part surfaces only while streaming
                raise UploadRejected(_("엑셀 파일을 읽는 중 오류가 났습니다. 파일이 손상되었을 수 있습니다.")) from None
            number += 1
            if number > self.max_rows:
                raise UploadRejected(too_many_rows(self.shown_limit))
            yield number, tuple(values or ())


def too_many_rows(max_rows: int) -> str:
    return _("행이 %(max)s개를 넘습니다. 파일을 나눠 올리세요.") % {"max": f"{max_rows:,}"}


def check_xlsx(data: bytes, *, max_bytes: int = MAX_FILE_BYTES, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse, before openpyxl sees it, a file that is too big, not an xlsx, or unpacks to too much."""
    if not data:
        raise UploadRejected(_("빈 파일입니다."))
    if len(data) > max_bytes:
        raise UploadRejected(_("파일이 너무 큽니다 (최대 %(mb)sMB). 나눠서 올리세요.") % {"mb": max_bytes // (1024 * 1024)})
    if data[:8] == OLE_MAGIC:
        raise UploadRejected(_("암호가 걸린 엑셀 파일이거나 예전 .xls 형식입니다. 엑셀에서 파일 암호를 해제하고 "
                               "'Excel 통합 문서(.xlsx)'로 다시 저장해 올리세요."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRejected(_("엑셀 파일(.xlsx)을 열 수 없습니다. 파일이 손상되었거나 엑셀 형식이 아닙니다.")) from None
    if unpacked > max_unpacked:
        raise UploadRejected(_("압축을 풀면 %(mb)sMB가 넘는 파일이라 읽지 않았습니다. 필요한 행만 남겨 나눠 올리세요.") % {
            "mb": max_unpacked // (1024 * 1024)})


@contextmanager
def open_xlsx(data: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS, max_bytes: int = MAX_FILE_BYTES,
              shown_limit: int | None = None) -> Iterator[Sheet]:
    """The first sheet of an uploaded xlsx, checked and opened for streaming.

    `max_rows` counts every row of the sheet (title and header rows included; `shown_limit` is the
    number of data rows the message names). A sheet that declares more rows is refused at once;
    one that declares none (or a wrong one) is stopped while streaming when it passes the limit."""
    from openpyxl import load_workbook

    check_xlsx(data, max_bytes=max_bytes)
    shown = shown_limit or max_rows
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for broken or foreign files
        raise UploadRejected(_("엑셀 파일(.xlsx)을 열 수 없습니다. 파일이 손상되었거나 엑셀 형식이 아닙니다.")) from None
    try:
        if not wb.worksheets:
            raise UploadRejected(_("엑셀 파일에 시트가 없습니다."))
        ws = wb.worksheets[0]
        try:
            declared = ws.max_row if ws.max_row and ws.max_row > 1 else None
        except Exception:  # an unreadable sheet part
            raise UploadRejected(_("엑셀 파일을 읽는 중 오류가 났습니다. 파일이 손상되었을 수 있습니다.")) from None
        if declared is None:
            ws.reset_dimensions()  # "A1" or nothing: read what is there, up to the limit
        elif declared > max_rows:
            raise UploadRejected(too_many_rows(shown))
        yield Sheet(ws, declared, max_rows, max_columns, shown)
    finally:
        wb.close()


def normalise_header(value: object) -> str:
    """A header cell compared without spaces, '*' marks or case: '입고 번호*' == '입고번호'."""
    return "".join(str(value or "").replace("*", "").split()).lower()


def header_has(header: tuple, expected: dict[int, tuple]) -> bool:
    """Whether the header row is the form's: the cell at each position contains one of the words
    given for it, in Korean or English (the template downloaded in either language is accepted).
    `expected` maps a 0-based column to its words; lazy translations are compared in both languages."""
    from django.utils import translation

    cells = [normalise_header(v) for v in header]
    for column, words in expected.items():
        if column >= len(cells) or not cells[column]:
            return False
        options = set()
        for word in words:
            for language in ("ko", "en"):
                with translation.override(language):
                    options.add(normalise_header(str(word)))
        if not any(option and option in cells[column] for option in options):
            return False
    return True


def precheck_xlsx(upload, *, max_rows: int, max_bytes: int = MAX_FILE_BYTES, shown_limit: int | None = None) -> None:
    """For a form's clean_file: the size, unpacked size and declared row count of an uploaded file,
    checked without reading a row (the file is rewound for whoever reads it next)."""
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    with open_xlsx(data, max_rows=max_rows, max_bytes=max_bytes, shown_limit=shown_limit):
        pass
