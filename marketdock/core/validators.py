"""Validators shared by every app: Korean business registration number, phone, password rules."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalize_business_no(value: str) -> str:
    return re.sub(r"[^0-9]", "", value or "")


def business_no_is_valid(value: str) -> bool:
    """사업자등록번호 check digit (국세청 rule): weights 1,3,7,1,3,7,1,3,5; the 9th digit*5 adds its tens."""
    digits = normalize_business_no(value)
    if len(digits) != 10:
        return False
    nums = [int(c) for c in digits]
    total = sum(n * w for n, w in zip(nums[:9], _BRN_WEIGHTS, strict=True))
    total += (nums[8] * 5) // 10
    return (10 - total % 10) % 10 == nums[9]


def validate_business_no(value: str) -> None:
    if not business_no_is_valid(value):
        raise ValidationError(
            _("사업자등록번호 '%(value)s'가 올바르지 않습니다. 10자리 숫자와 검증번호를 확인하세요."),
            code="invalid_business_no",
            params={"value": value},
        )


def format_business_no(value: str) -> str:
    d = normalize_business_no(value)
    return f"{d[:3]}-{d[3:5]}-{d[5:]}" if len(d) == 10 else value


_PHONE_RE = re.compile(r"^0\d{1,2}\d{3,4}\d{4}$")


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[^0-9]", "", value or "")
    if digits.startswith("82") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.match(normalize_phone(value)):
        raise ValidationError(
            _("전화번호 '%(value)s' 형식이 올바르지 않습니다. 예: 010-1234-5678"), code="invalid_phone", params={"value": value}
        )


def format_phone(value: str) -> str:
    d = normalize_phone(value)
    if len(d) == 11:
        return f"{d[:3]}-{d[3:7]}-{d[7:]}"
    if len(d) == 10:
        if d.startswith("02"):
            return f"{d[:2]}-{d[2:6]}-{d[6:]}"
        return f"{d[:3]}-{d[3:6]}-{d[6:]}"
    if len(d) == 9 and d.startswith("02"):
        return f"{d[:2]}-{d[2:5]}-{d[5:]}"
    return value or ""


class CharacterClassValidator:
    """Passwords must mix letters, digits and symbols (at least 3 of: lower, upper, digit, symbol)."""

    def validate(self, password, user=None):
        classes = sum(
            bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
        )
        if classes < 3:
            raise ValidationError(
                _("비밀번호는 영문 대문자, 소문자, 숫자, 특수문자 중 3종류 이상을 섞어야 합니다."),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("영문 대문자, 소문자, 숫자, 특수문자 중 3종류 이상을 섞어 8자 이상으로 만드세요.")
