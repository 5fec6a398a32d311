"""환율관리: the company's dated exchange rates (won per unit of a foreign currency)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Company, ExchangeRate, User
from .money import KRW


def _clean(currency: str, valid_from, krw_per_unit) -> tuple[str, date, Decimal]:
    errors: dict[str, str] = {}
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        errors["currency"] = _("통화는 3자리 영문 코드로 입력하세요 (예: USD).")
    elif code == KRW:
        errors["currency"] = _("원화(KRW)는 환율이 필요 없습니다.")
    elif code not in list_currencies():
        errors["currency"] = _("알 수 없는 통화 코드입니다: %(code)s") % {"code": code}
    if not isinstance(valid_from, date):
        errors["valid_from"] = _("적용일을 입력하세요.")
    try:
        rate = Decimal(str(krw_per_unit).strip().replace(",", ""))
        if not rate.is_finite() or rate <= 0 or rate >= Decimal("10000000000"):
            raise InvalidOperation
        if rate != rate.quantize(Decimal("0.0001")):
            errors["krw_per_unit"] = _("환율은 소수점 넷째 자리까지 입력하세요.")
    except (InvalidOperation, ValueError):
        errors["krw_per_unit"] = _("환율은 0보다 큰 숫자로 입력하세요 (1단위당 원).")
        rate = Decimal(0)
    if errors:
        raise ValidationError(errors)
    return code, valid_from, rate


def rate_save(*, company: Company, user: User | None, currency: str, valid_from, krw_per_unit,
              memo: str = "") -> ExchangeRate:
    """Add the rate of a day, or replace the one already entered for that currency and day."""
    code, day, rate = _clean(currency, valid_from, krw_per_unit)
    with transaction.atomic():
        row, _created = ExchangeRate.objects.select_for_update().update_or_create(
            company=company, currency=code, valid_from=day,
            defaults={"krw_per_unit": rate, "memo": (memo or "").strip()[:200],
                      "created_by": user if user and user.pk else None})
    return row


def rate_delete(*, rate: ExchangeRate) -> None:
    rate.delete()
