"""Converting marketplace amounts to won with the company's dated exchange rates, and totals that
never add one currency's minor units to another's.

A `KrwConverter` holds the company's rates (from `core.selectors.krw_converter`); `to_krw` uses the
latest rate whose `valid_from` is on or before the amount's date. Without such a rate the amount
is not converted and a `MoneyTotal` keeps it apart, per currency, so the screen can say so.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .money import KRW, format_money, to_major


class KrwConverter:
    def __init__(self, rows: Iterable[tuple[str, date, Decimal]]):
        by_currency: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for currency, valid_from, rate in rows:
            by_currency[currency.upper()].append((valid_from, Decimal(rate)))
        self._days = {c: [d for d, _ in sorted(v)] for c, v in by_currency.items()}
        self._rates = {c: [r for _, r in sorted(v)] for c, v in by_currency.items()}

    def rate(self, currency: str, day: date) -> tuple[date, Decimal] | None:
        """(valid_from, won per unit) in force on `day`, or None."""
        code = (currency or KRW).upper()
        if code == KRW:
            return day, Decimal(1)
        days = self._days.get(code)
        if not days:
            return None
        i = bisect.bisect_right(days, day) - 1
        return (days[i], self._rates[code][i]) if i >= 0 else None

    def to_krw(self, minor: int, currency: str, day: date) -> int | None:
        """The amount in won (rounded half up), or None without a rate on that day."""
        code = (currency or KRW).upper()
        if code == KRW:
            return int(minor or 0)
        found = self.rate(code, day)
        if found is None:
            return None
        return int((to_major(minor, code) * found[1]).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class MoneyTotal:
    """A sum in won of what could be converted, and, per currency, what could not (minor units)."""

    krw: int = 0
    unconverted: dict[str, int] = field(default_factory=dict)
    converted_from: set[str] = field(default_factory=set)  # foreign currencies folded into `krw`

    def add(self, converter: KrwConverter, minor: int, currency: str, day: date) -> None:
        won = converter.to_krw(minor, currency, day)
        code = (currency or KRW).upper()
        if won is None:
            self.unconverted[code] = self.unconverted.get(code, 0) + int(minor or 0)
        else:
            self.krw += won
            if code != KRW:
                self.converted_from.add(code)

    @property
    def complete(self) -> bool:
        return not self.unconverted

    def display(self) -> str:
        """"1,234,500원 + US$12.00 (환율 미등록)" style text, never one number of mixed units."""
        parts = [format_money(self.krw, KRW)]
        parts += [format_money(v, c) for c, v in sorted(self.unconverted.items())]
        return " + ".join(parts)
