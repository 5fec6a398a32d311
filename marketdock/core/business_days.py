"""Korean business days (영업일) for dispatch deadlines: Monday to Friday that are not public holidays.

Holidays (설날·추석 with their eves and substitute days, 대체공휴일, election days…) come from the
maintained `holidays` package (South Korea calendar), never from a hand-written list.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

KST = ZoneInfo("Asia/Seoul")


@lru_cache(maxsize=64)
def _year_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year))


def holiday_name(day: date) -> str:
    return holidays.country_holidays("KR", years=day.year, language="ko").get(day) or ""


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _year_holidays(day.year)


def next_business_day(day: date) -> date:
    """`day` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int) -> date:
    """Deadline counting: a `day` that is not a business day counts as the next business day, then n
    business days more (n = 0: `day` or the next business day). A request on Saturday with a one-day
    deadline is due on Tuesday."""
    current = next_business_day(day)
    for _ in range(max(0, n)):
        current = next_business_day(current + timedelta(days=1))
    return current


def business_days_after(day: date, n: int) -> date:
    """Payout counting: the n-th business day strictly after `day`, whatever `day` is (n = 0: `day` or
    the next business day). A purchase confirmed on Saturday and paid one business day later is paid
    on Monday."""
    if n <= 0:
        return next_business_day(day)
    for _ in range(n):
        day = next_business_day(day + timedelta(days=1))
    return day


def dispatch_due(paid_at: datetime, *, days: int, cutoff_hour: int) -> date:
    """The KST date an order paid at `paid_at` must leave by: payments after the day's cutoff hour
    (or on a non-business day) count from the next business day, then `days` business days more
    (0 = the same business day)."""
    local = paid_at.astimezone(KST)
    start = local.date()
    if not is_business_day(start) or (cutoff_hour and local.hour >= cutoff_hour):
        start = next_business_day(start + timedelta(days=1))
    return add_business_days(start, days)
