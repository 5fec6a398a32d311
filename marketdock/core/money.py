"""Money: an integer in the currency's minor unit together with its ISO 4217 currency code.

`minor_exponent` says how many decimals a currency has (KRW 0, USD 2, from Babel's CLDR data);
`format_money` shows an amount the way a Korean seller reads it: won as "12,900원", anything else
with its symbol ("US$69.08"). Converting to won uses the company's dated exchange rates
(`core.services_rates`); amounts of different currencies are never added as they are.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision
from django.utils.translation import get_language
from django.utils.translation import gettext as _

KRW = "KRW"


def minor_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit (KRW 0, JPY 0, USD 2, BHD 3)."""
    return get_currency_precision((currency or KRW).upper())


def to_major(minor: int, currency: str) -> Decimal:
    """6908, "USD" → Decimal("69.08"); 12900, "KRW" → Decimal("12900")."""
    return Decimal(int(minor or 0)).scaleb(-minor_exponent(currency))


def format_money(minor, currency: str = KRW) -> str:
    """6908, "USD" → "US$69.08"; 12900, "KRW" → "12,900원". Empty for a missing amount."""
    if minor is None or minor == "":
        return ""
    try:
        minor = int(minor)
    except (TypeError, ValueError):
        return ""
    code = (currency or KRW).upper()
    if code == KRW:
        sign = "-" if minor < 0 else ""  # before the symbol: "-800원", "-₩800"
        return sign + _("%(amount)s원") % {"amount": f"{abs(minor):,}"}
    locale = "en_US" if (get_language() or "ko").startswith("en") else "ko_KR"
    try:
        return format_currency(to_major(minor, code), code, locale=locale)
    except (ValueError, KeyError):  # a code Babel does not know: plain number and the code
        return f"{to_major(minor, code):,} {code}"
