"""Stock errors and the line/result types every inventory service speaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ..models import StockMovement

Reference = tuple[str, Any] | str | None

MAX_SET_DEPTH = 3


# --- errors and results ---------------------------------------------------------------------------


class StockError(Exception):
    """A stock operation was refused; `str(exc)` is a Korean message for the user."""


class StockInputError(StockError):
    """The request itself is wrong (unknown SKU, bad quantity, no default warehouse…)."""


@dataclass(frozen=True)
class Shortage:
    sku_id: int
    sku_code: str
    warehouse_id: int
    warehouse_name: str
    requested: int
    available: int
    what: str = "available"  # "available" (on hand − reserved) or "reserved" (for release/deduct)

    def __str__(self) -> str:
        if self.what == "reserved":
            return _("%(code)s (%(wh)s): 요청 %(req)s개, 예약 %(avail)s개") % {
                "code": self.sku_code, "wh": self.warehouse_name, "req": self.requested, "avail": self.available}
        return _("%(code)s (%(wh)s): 요청 %(req)s개, 가용 %(avail)s개") % {
            "code": self.sku_code, "wh": self.warehouse_name, "req": self.requested, "avail": self.available}


class InsufficientStock(StockError):
    """Some lines could not be applied; nothing was applied. `shortages` names each SKU."""

    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        reserved_only = all(s.what == "reserved" for s in self.shortages)
        head = _("예약 수량이 부족합니다") if reserved_only else _("재고가 부족합니다")
        super().__init__(f"{head}: " + "; ".join(str(s) for s in self.shortages))


@dataclass(frozen=True)
class StockLine:
    """One requested line: `warehouse_id=None` means the company's default warehouse."""

    sku_id: int
    warehouse_id: int | None
    quantity: int
    reference: Reference = None


@dataclass
class StockResult:
    movements: list[StockMovement] = field(default_factory=list)
    skipped_sku_ids: list[int] = field(default_factory=list)  # not stock-managed products


@dataclass
class _Op:
    sku_id: int
    warehouse_id: int
    kind: str
    on_hand: int
    reserved: int
    reason: str
    reference_type: str
    reference_id: str
    requested: int


def _as_line(line: StockLine | Sequence) -> StockLine:
    if isinstance(line, StockLine):
        return line
    values = list(line)
    if len(values) == 3:
        values.append(None)
    if len(values) != 4:
        raise StockInputError(_("재고 요청 형식이 잘못되었습니다: %(line)r") % {"line": line})
    return StockLine(*values)


def _split_reference(reference: Reference) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if isinstance(reference, tuple):
        kind, ident = reference
        return str(kind)[:40], "" if ident is None else str(ident)[:100]
    text = str(reference)
    if ":" in text:
        kind, ident = text.split(":", 1)
        return kind[:40], ident[:100]
    return "", text[:100]


@dataclass
class RowError:
    row: int
    column: str
    value: Any
    message: str

    def __str__(self) -> str:
        return _("%(row)s행 [%(col)s] %(value)s: %(msg)s") % {
            "row": self.row, "col": self.column, "value": "" if self.value is None else self.value, "msg": self.message}


class ExcelRejected(StockError):
    """An uploaded sheet had errors; nothing was applied."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(_("엑셀 파일에 오류가 %(n)s건 있어 아무것도 반영하지 않았습니다.") % {"n": len(self.errors)})
