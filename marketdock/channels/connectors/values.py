"""Small, strict readers shared by the marketplace parsers: dates (KST → aware UTC), integers,
money in minor units, nested fields. Each raises MalformedPayload naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from marketdock.core.money import minor_exponent

from .errors import MalformedPayload

KST = ZoneInfo("Asia/Seoul")

def currency_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit (KRW 0, USD 2), from CLDR via core.money."""
    return minor_exponent(currency)


def field_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def get(obj: Mapping[str, Any], name: str, prefix: str, *, marketplace: str, required: bool = True) -> Any:
    if not isinstance(obj, Mapping):
        raise MalformedPayload(prefix or name, "객체가 아닙니다", marketplace=marketplace, value=obj)
    value = obj.get(name)
    if required and value is None:
        raise MalformedPayload(field_path(prefix, name), "값이 없습니다", marketplace=marketplace)
    return value


def obj(parent: Mapping[str, Any], name: str, prefix: str, *, marketplace: str, required: bool = False) -> Mapping:
    value = get(parent, name, prefix, marketplace=marketplace, required=required)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedPayload(field_path(prefix, name), "객체가 아닙니다", marketplace=marketplace, value=value)
    return value


def text(value: Any, field: str, *, marketplace: str, required: bool = False) -> str:
    if value is None:
        if required:
            raise MalformedPayload(field, "값이 없습니다", marketplace=marketplace)
        return ""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise MalformedPayload(field, "문자열이 아닙니다", marketplace=marketplace, value=value)
    result = str(value).strip()
    if required and not result:
        raise MalformedPayload(field, "값이 비어 있습니다", marketplace=marketplace)
    return result


def integer(value: Any, field: str, *, marketplace: str, required: bool = True, default: int = 0) -> int:
    """Whole numbers only: 3, "3", 3.0 are fine; "3.5", "abc", True are not."""
    if value is None or value == "":
        if required:
            raise MalformedPayload(field, "값이 없습니다", marketplace=marketplace)
        return default
    if isinstance(value, bool):
        raise MalformedPayload(field, "숫자가 아닙니다", marketplace=marketplace, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):  # newer APIs send money objects: {"units": 19900, ...} / {"amount": "19900"}
        for key in ("units", "amount", "value"):
            if key in value:
                return integer(value[key], f"{field}.{key}", marketplace=marketplace, required=required)
        raise MalformedPayload(field, "숫자가 아닙니다", marketplace=marketplace, value=value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise MalformedPayload(field, "숫자가 아닙니다", marketplace=marketplace, value=value)
    if not number.is_finite() or number != number.to_integral_value():
        raise MalformedPayload(field, "정수가 아닙니다", marketplace=marketplace, value=value)
    return int(number)


def minor_units(amount: Any, currency: str, field: str, *, marketplace: str) -> int:
    """Decimal money string ("199.00") → integer in the currency's smallest unit (19900 for USD,
    12900 for KRW "12900"). Sub-minor precision is refused rather than rounded."""
    if amount is None or amount == "":
        return 0
    if isinstance(amount, bool):
        raise MalformedPayload(field, "금액이 아닙니다", marketplace=marketplace, value=amount)
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise MalformedPayload(field, "금액이 아닙니다", marketplace=marketplace, value=amount)
    scaled = value.scaleb(currency_exponent(currency))
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise MalformedPayload(field, f"{currency} 최소 단위로 나타낼 수 없는 금액입니다", marketplace=marketplace,
                               value=amount)
    return int(scaled)


def timestamp(value: Any, field: str, *, marketplace: str, naive_tz: ZoneInfo = KST,
              required: bool = True) -> datetime | None:
    """ISO-8601 (with or without offset, 'T' or space, optional fraction, 'Z') → aware UTC.
    Values without an offset are read in `naive_tz` (KST for Korean marketplaces)."""
    if value is None or value == "":
        if required:
            raise MalformedPayload(field, "값이 없습니다", marketplace=marketplace)
        return None
    if not isinstance(value, str):
        raise MalformedPayload(field, "날짜 문자열이 아닙니다", marketplace=marketplace, value=value)
    raw = value.strip()
    candidate = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise MalformedPayload(field, "날짜 형식이 아닙니다", marketplace=marketplace, value=value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_tz)
    return parsed.astimezone(UTC)


def kst_iso(moment: datetime) -> str:
    """Aware datetime → `2022-05-11T21:05:26.000+09:00` (Naver's query format)."""
    local = moment.astimezone(KST)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+09:00"


def kst_date(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def utc_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
