"""Tracking numbers (운송장번호): normalisation, per-carrier validation, check digits and display.

The rules live in data (`NumberRule`, built from a `Carrier` row), so a rule can be switched off
without a code change:

- `lengths`       accepted lengths of the digits-only number; empty = any length 1..30
- `check_digits`  {length: algorithm} — "mod7": the last digit is (all preceding digits as one
                  integer) mod 7. Hard-rejected only where the research found it consistent:
                  롯데 12, 한진 10/12, 로젠 11. CJ, 우체국, 편의점, 경동, 대신 are checked by length only.
- `number_format` "digits" or "s10" (UPU S10 for EMS/K-Packet: AA123456789KR)
- `display_groups` {length: [4, 4, 4]} — how the number is printed with dashes (CJ: 4-4-4)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MOD7 = "mod7"
ALGORITHMS = (MOD7,)
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_SEPARATORS = re.compile(r"[\s\-_.]")
_S10 = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


class TrackingNumberError(ValueError):
    """A tracking number that cannot be right; the message is for the seller (Korean)."""


@dataclass(frozen=True)
class NumberRule:
    carrier_name: str
    lengths: tuple[int, ...] = ()
    check_digits: Mapping[int, str] = field(default_factory=dict)
    number_format: str = "digits"
    display_groups: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def from_carrier(cls, carrier) -> NumberRule:
        return cls(
            carrier_name=carrier.name,
            lengths=tuple(sorted(int(n) for n in carrier.lengths or ())),
            check_digits={int(k): v for k, v in (carrier.check_digits or {}).items() if v},
            number_format=carrier.number_format or "digits",
            display_groups={int(k): tuple(v) for k, v in (carrier.display_groups or {}).items()},
        )

    def check_algorithm(self, length: int) -> str | None:
        return self.check_digits.get(length)


def normalize(raw: str) -> str:
    """Strip spaces, hyphens and dots (as carriers and marketplaces do) and upper-case letters."""
    return _SEPARATORS.sub("", str(raw or "")).upper()


def mod7_check_digit(body: str) -> int:
    if not body or not body.isdigit():
        raise ValueError("digits expected")
    return int(body) % 7


def s10_check_digit(serial8: str) -> int:
    """UPU S10: weights 8,6,4,2,3,5,9,7; C = 11 - (S mod 11); 10 → 0, 11 → 5."""
    if len(serial8) != 8 or not serial8.isdigit():
        raise ValueError("8 digits expected")
    c = 11 - sum(int(d) * w for d, w in zip(serial8, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(c, c)


def check_digit(algorithm: str, body: str) -> int:
    if algorithm == MOD7:
        return mod7_check_digit(body)
    raise ValueError(f"unknown check-digit algorithm {algorithm!r}")


def _lengths_text(lengths: Iterable[int]) -> str:
    values = sorted(set(lengths))
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}~{values[-1]}"
    return _(" 또는 ").join(str(v) for v in values)


def validate(rule: NumberRule, raw: str) -> str:
    """The normalised number, or TrackingNumberError naming what is wrong."""
    value = normalize(raw)
    shown = str(raw or "").strip()
    if not value:
        raise TrackingNumberError(_("송장번호를 입력하세요."))
    if rule.number_format == "s10":
        if not _S10.match(value):
            raise TrackingNumberError(
                _("%(carrier)s 번호는 영문 2자 + 숫자 9자리 + 영문 2자(예: EE123456785KR) 형식이어야 합니다: '%(value)s'")
                % {"carrier": rule.carrier_name, "value": shown})
        expected = s10_check_digit(value[2:10])
        if int(value[10]) != expected:
            raise TrackingNumberError(
                _("%(carrier)s 번호의 검증번호(11번째 자리)가 맞지 않습니다: '%(value)s' — %(expected)s이어야 합니다.")
                % {"carrier": rule.carrier_name, "value": shown, "expected": expected})
        return value
    if not value.isdigit():
        raise TrackingNumberError(
            _("%(carrier)s 송장번호는 숫자만 입력할 수 있습니다: '%(value)s'") % {"carrier": rule.carrier_name, "value": shown})
    n = len(value)
    if rule.lengths and n not in rule.lengths:
        raise TrackingNumberError(
            _("%(carrier)s 송장번호는 %(lengths)s자리여야 합니다 (입력: %(n)s자리 '%(value)s').")
            % {"carrier": rule.carrier_name, "lengths": _lengths_text(rule.lengths), "n": n, "value": shown})
    if not rule.lengths and n > 30:
        raise TrackingNumberError(
            _("송장번호가 너무 깁니다 (%(n)s자리, 최대 30자리): '%(value)s'") % {"n": n, "value": shown})
    algorithm = rule.check_algorithm(n)
    if algorithm:
        expected = check_digit(algorithm, value[:-1])
        if int(value[-1]) != expected:
            raise TrackingNumberError(
                _("%(carrier)s 송장번호의 검증번호(마지막 자리)가 맞지 않습니다: '%(value)s' — 마지막 자리는 %(expected)s이어야 "
                  "합니다. 번호를 다시 확인하세요.")
                % {"carrier": rule.carrier_name, "value": shown, "expected": expected})
    return value


def is_valid(rule: NumberRule, raw: str) -> bool:
    try:
        validate(rule, raw)
    except TrackingNumberError:
        return False
    return True


def compose(rule: NumberRule, serial: int, width: int) -> str:
    """The tracking number for band serial `serial` (zero-padded to `width` digits): the serial plus
    the carrier's check digit when the resulting length has one, else the serial itself."""
    body = str(serial).zfill(width)
    if len(body) != width:
        raise ValueError(f"serial {serial} does not fit in {width} digits")
    algorithm = rule.check_algorithm(width + 1)
    if algorithm:
        return body + str(check_digit(algorithm, body))
    return body


def band_number_length(rule: NumberRule, width: int) -> int | None:
    """The length of numbers a band of `width`-digit serials produces for this carrier, or None
    when such a band cannot produce valid numbers."""
    if rule.number_format != "digits":
        return None
    if rule.check_algorithm(width + 1):
        return width + 1
    if (not rule.lengths or width in rule.lengths) and not rule.check_algorithm(width):
        return width
    return None


def display(rule: NumberRule | None, number: str) -> str:
    """The number as printed: grouped with dashes where the carrier has a convention (CJ 4-4-4)."""
    groups = rule.display_groups.get(len(number)) if rule else None
    if not groups or sum(groups) != len(number):
        return number
    parts, i = [], 0
    for g in groups:
        parts.append(number[i:i + g])
        i += g
    return "-".join(parts)
