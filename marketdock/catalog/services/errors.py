"""The catalogue's rule violations and the code/barcode shapes every catalogue service checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import SKUStatus

UNAVAILABLE = (SKUStatus.SOLD_OUT, SKUStatus.INACTIVE)  # such a SKU sells nothing on the channels
BARCODE_RE = re.compile(r"^[\x21-\x7E]{1,60}$")
CODE_RE = re.compile(r"^[^\s/\\]{1,60}$")


@dataclass
class FieldError:
    field: str
    message: str
    row: int | None = None  # index into the SKU rows given to product_save
    value: str = ""


class CatalogError(Exception):
    """One or more rule violations; nothing was changed."""

    def __init__(self, errors: list[FieldError] | str, field_name: str = "__all__"):
        if isinstance(errors, str):
            errors = [FieldError(field_name, errors)]
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))

    @property
    def messages(self) -> list[str]:
        return [e.message for e in self.errors]


def _check_code(value: str, *, field_name: str, label: str, row: int | None = None) -> FieldError | None:
    if not CODE_RE.match(value):
        return FieldError(
            field_name, _("%(label)s '%(v)s'에는 공백이나 '/'를 쓸 수 없고 60자 이하여야 합니다.") % {"label": label, "v": value},
            row, value,
        )
    return None
