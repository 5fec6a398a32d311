"""Reading the inbound and count Excel files: the forms' columns, cells as text/whole numbers, an error cap."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import params, uploads

from .errors import ExcelRejected, RowError

# The 입고확정 and 재고실사 sheets: their headers (the downloaded templates write them) and the words
# that identify each (a file made from another screen's template is refused as a whole).
INBOUND_XLSX_HEADERS = (gettext_lazy("입고번호"), gettext_lazy("SKU코드 또는 바코드"), gettext_lazy("확정수량"))
INBOUND_XLSX_KEYS = {0: ("입고번호", INBOUND_XLSX_HEADERS[0]), 2: ("수량", INBOUND_XLSX_HEADERS[2])}
COUNT_XLSX_HEADERS = (gettext_lazy("SKU코드"), gettext_lazy("바코드"), gettext_lazy("상품명"), gettext_lazy("옵션"),
                      gettext_lazy("전산재고"), gettext_lazy("실사수량"))
COUNT_XLSX_KEYS = {0: ("SKU", COUNT_XLSX_HEADERS[0]), 5: ("실사", COUNT_XLSX_HEADERS[5])}
XLSX_MAX_ROWS = 20_000


def _read_xlsx(data: bytes, *, keys: dict[int, tuple], wrong_form: str) -> list[tuple[int, tuple]]:
    """Rows (1-based row number, values) of the first sheet after its header row; blank rows skipped.
    Bounded (core.uploads): too big, too many rows or not this form → ExcelRejected before any row
    is looked at."""
    try:
        with uploads.open_xlsx(data, max_rows=XLSX_MAX_ROWS + 1, shown_limit=XLSX_MAX_ROWS) as sheet:
            rows_iter = sheet.rows()
            first = next(rows_iter, None)
            if first is None or not uploads.header_has(first[1], keys):
                raise ExcelRejected([RowError(1, _("제목 행"), "", wrong_form)])
            rows = []
            for number, values in rows_iter:
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                rows.append((number, values))
            return rows
    except uploads.UploadRejected as exc:
        raise ExcelRejected([RowError(0, _("파일"), "", str(exc))]) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_int(value: Any) -> int | None:
    """An integer from a cell (within what a quantity column holds), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer() or abs(value) > params.INT32_MAX:
            return None
        value = int(value)
    if isinstance(value, int):
        return params.int_param(value)
    return params.int_param(_cell_text(value).replace(",", ""))


def _too_many_errors(errors: list[RowError], number: int) -> bool:
    """Stop checking after uploads.MAX_ERRORS row errors (the report says so)."""
    if len(errors) < uploads.MAX_ERRORS:
        return False
    errors.append(RowError(number, _("파일"), "", _("오류가 %(n)s건을 넘어 %(row)s행부터는 검사하지 않았습니다. "
                                                 "위 오류를 고친 뒤 다시 올리세요.") % {"n": uploads.MAX_ERRORS, "row": number}))
    return True
