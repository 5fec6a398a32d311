"""Query parameters every list and export screen reads, parsed one way (issue 10.3).

A value that is malformed, out of range or not one of the allowed choices is ignored (the screen
falls back to its default), never passed on to a query where it would end as a 500: an id beyond
what the database column holds, a date whose ±1 day overflows, a page size of a million.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

# Primary keys are 64-bit signed in both SQLite and PostgreSQL.
ID_MAX = 2**63 - 1
# Integer model fields (quantities, amounts in minor units) are 32- or 64-bit; forms and filters
# keep well inside the smaller one.
INT32_MAX = 2**31 - 1
# Form bounds for what a seller types: a quantity on one line / one adjustment, and an amount in
# the currency's minor unit (1조 원). Far above any real order, far below any column's limit.
QUANTITY_MAX = 1_000_000
AMOUNT_MAX = 1_000_000_000_000
# Dates a seller can mean: anything else is a typo (0001-01-01, 9999-12-31) and would overflow
# date arithmetic or timezone conversion.
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(2100, 12, 31)

_DIGITS = re.compile(r"[+-]?[0-9]{1,20}")
_MAX_LIST = 500


def int_param(value: object, default: int | None = None, *, min_value: int = -INT32_MAX,
              max_value: int = INT32_MAX) -> int | None:
    """An integer written in ASCII digits within [min_value, max_value], else `default`."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not _DIGITS.fullmatch(text):
            return default
        number = int(text)
    return number if min_value <= number <= max_value else default



def number_param(value: object, default: int | None = None) -> int | None:
    """A whole number a seller typed, thousands separators allowed ("12,000"), else `default`."""
    return int_param(str(value).replace(",", ""), default)

def id_param(value: object) -> int | None:
    """A primary key (a positive integer the database can hold), else None."""
    return int_param(value, None, min_value=1, max_value=ID_MAX)


def id_list(values: Iterable[object], *, limit: int = _MAX_LIST) -> list[int]:
    """The valid ids among `values` (e.g. request.GET.getlist("account")), duplicates dropped, at most `limit`."""
    out: list[int] = []
    seen: set[int] = set()
    for raw in values:
        pk = id_param(raw)
        if pk is not None and pk not in seen:
            seen.add(pk)
            out.append(pk)
            if len(out) >= limit:
                break
    return out


def date_param(value: object, default: date | None = None) -> date | None:
    """An ISO date (YYYY-MM-DD) between 1970-01-01 and 2100-12-31, else `default`."""
    if isinstance(value, date):
        parsed = value
    else:
        text = str(value or "").strip()
        if len(text) != 10:
            return default
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            return default
    return parsed if DATE_MIN <= parsed <= DATE_MAX else default


def choice_param(value: object, choices: Iterable[str], default: str = "") -> str:
    """`value` when it is one of `choices` (values or (value, label) pairs), else `default`."""
    text = str(value or "")
    for choice in choices:
        key = choice[0] if isinstance(choice, tuple | list) else choice
        if text == str(key):
            return text
    return default


def size_param(value: object, sizes: Iterable[int], default: int) -> int:
    """A page size among the screen's offered sizes, else its default."""
    size = int_param(value)
    return size if size in tuple(sizes) else default


def text_param(value: object, max_length: int = 100) -> str:
    """Free text (a search box), trimmed, NUL characters removed, at most `max_length` characters."""
    return str(value or "").replace("\x00", "").strip()[:max_length]


def validate_sane_date(value) -> None:
    """Form validator for a date or datetime field: between 1970-01-01 and 2100-12-31."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    day = value.date() if hasattr(value, "date") and callable(value.date) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(_("%(min)s부터 %(max)s 사이의 날짜를 입력하세요.") % {
            "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}, code="date_range")
