"""출고기한 on Korean business days: weekends and public holidays (설날, 추석, substitute holidays)
from the `holidays` package are skipped; payments after the cutoff count from the next business day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from marketdock.core.business_days import (
    add_business_days,
    business_days_after,
    dispatch_due,
    holiday_name,
    is_business_day,
)

KST = ZoneInfo("Asia/Seoul")


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


@pytest.mark.parametrize("day, name", [
    (date(2026, 2, 16), "설날"), (date(2026, 2, 17), "설날"), (date(2026, 2, 18), "설날"),
    (date(2026, 9, 24), "추석"), (date(2026, 9, 25), "추석"), (date(2026, 10, 5), "대체"),
    (date(2025, 1, 27), "임시공휴일"), (date(2025, 10, 8), "대체"),
])
def test_holidays_come_from_the_library(day, name):
    assert not is_business_day(day) and name in holiday_name(day)


@pytest.mark.parametrize("paid, days, cutoff, due", [
    # 추석 2026: Thu 9/24 – Sat 9/26, then 개천절 (Sat 10/3) with its substitute Mon 10/5
    (kst(2026, 9, 23, 10), 1, 15, date(2026, 9, 28)),   # Wed morning + 1 → over Chuseok to Mon
    (kst(2026, 9, 23, 16), 0, 15, date(2026, 9, 28)),   # after the cutoff: the next business day is Mon
    (kst(2026, 9, 23, 16), 0, 0, date(2026, 9, 23)),    # no cutoff: the same day
    (kst(2026, 10, 2, 9), 1, 15, date(2026, 10, 6)),    # Fri + 1 → skips the weekend and Mon 10/5
    # 설날 2026: Mon 2/16 – Wed 2/18
    (kst(2026, 2, 13, 10), 2, 15, date(2026, 2, 20)),   # Fri + 2 → Thu 2/19, Fri 2/20
    (kst(2026, 2, 14, 10), 0, 15, date(2026, 2, 19)),   # paid on Saturday: from Thu 2/19
    # 설날 2025 with the temporary holiday on Mon 1/27
    (kst(2025, 1, 24, 11), 1, 15, date(2025, 1, 31)),
    (kst(2026, 3, 3, 10), 2, 15, date(2026, 3, 5)),     # an ordinary week
])
def test_dispatch_due_skips_weekends_and_holidays(paid, days, cutoff, due):
    assert dispatch_due(paid, days=days, cutoff_hour=cutoff) == due


def test_add_business_days_from_a_holiday_starts_on_the_next_business_day():
    assert add_business_days(date(2026, 9, 25), 0) == date(2026, 9, 28)
    assert add_business_days(date(2026, 9, 25), 1) == date(2026, 9, 29)


def test_payout_counting_is_strictly_after_the_day_while_deadlines_start_from_the_next_business_day():
    saturday = date(2026, 12, 5)
    assert business_days_after(saturday, 1) == date(2026, 12, 7)  # paid Monday
    assert add_business_days(saturday, 1) == date(2026, 12, 8)  # due Tuesday
    assert business_days_after(saturday, 0) == add_business_days(saturday, 0) == date(2026, 12, 7)
    # 추석 2026 (9/24–26) and the weekend: confirmed on Wednesday 9/23, one business day later is Monday 9/28
    assert business_days_after(date(2026, 9, 23), 1) == date(2026, 9, 28)
