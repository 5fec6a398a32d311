"""Small helpers every screen's views share, written once (issue 12).

Query and form numbers are parsed by `core.params` (int_param, id_param, number_param, ...); this
module holds what is about views themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _

T = TypeVar("T")


def get_or_404(getter: Callable[[Any, Any], T], company, pk, message: str | None = None) -> T:
    """`getter(company, pk)` — a company-scoped selector that raises DoesNotExist — or a 404 page
    saying the record was not found (another company's record is not found either)."""
    try:
        return getter(company, pk)
    except ObjectDoesNotExist:
        raise Http404(message or _("자료를 찾을 수 없습니다.")) from None
