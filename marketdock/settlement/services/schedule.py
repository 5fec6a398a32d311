"""Expected payout dates (STL-1/2) on KST business days (core/business_days: the `holidays` library's
Korean calendar, so 설날·추석 and substitute holidays are never paydays).

The schedule counts from a *basis* date:
- AFTER_CONFIRM / WEEKLY / MONTHLY: the purchase confirmation (Naver `decisionDate` when the line
  carries it; otherwise estimated as shipment + 1 day delivery + the account's auto-confirm days);
- AFTER_DELIVERY: the delivery (estimated as shipment + 1 day);
- PAYOUT_DAYS: the payment itself.
then AFTER_* / PAYOUT_DAYS pay `days` business days after the basis, WEEKLY `days` business days after
the basis week's closing day (`weekday`, 6 = Sunday), MONTHLY `days` business days after the basis
month's last day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from marketdock.core.business_days import business_days_after

from ..models import ScheduleKind

KST = ZoneInfo("Asia/Seoul")
DELIVERY_DAYS = 1  # shipment → delivery, when the delivery date is not known
UNSHIPPED_DAYS = 3  # order → shipment, for lines not shipped yet


@dataclass(frozen=True)
class Schedule:
    kind: str = ScheduleKind.AFTER_CONFIRM
    days: int = 2
    weekday: int = 6
    auto_confirm_days: int = 7


def kst_date(moment: datetime | None) -> date | None:
    return moment.astimezone(KST).date() if moment else None


@lru_cache(maxsize=8192)
def payout_date(schedule: Schedule, basis: date) -> date:
    kind = schedule.kind
    if kind == ScheduleKind.WEEKLY:
        close = basis + timedelta(days=(schedule.weekday - basis.weekday()) % 7)
        return business_days_after(close, schedule.days)
    if kind == ScheduleKind.MONTHLY:
        close = basis.replace(day=calendar.monthrange(basis.year, basis.month)[1])
        return business_days_after(close, schedule.days)
    return business_days_after(basis, schedule.days)


def basis_date(schedule: Schedule, *, ordered: date, paid: date | None, shipped: date | None,
               confirmed: date | None) -> tuple[date, bool]:
    """(basis date, estimated?)."""
    if schedule.kind == ScheduleKind.PAYOUT_DAYS:
        return (paid or ordered), False
    if schedule.kind == ScheduleKind.AFTER_DELIVERY:
        return (shipped or ordered + timedelta(days=UNSHIPPED_DAYS)) + timedelta(days=DELIVERY_DAYS), True
    if confirmed:
        return confirmed, False
    start = shipped or ordered + timedelta(days=UNSHIPPED_DAYS)
    return start + timedelta(days=DELIVERY_DAYS + schedule.auto_confirm_days), True
