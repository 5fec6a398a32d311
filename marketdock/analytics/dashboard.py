"""The home screen's sales strip (today vs yesterday, this month vs last month to the same day), for
users who may read 매출현황 (core.dashboard hides the tiles from everybody else)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import permissions
from marketdock.core.dashboard import Tile
from marketdock.core.money import format_money

from .models import SalesDay
from .selectors import _add_months, delta, today_kst


def _hint(previous_label: str, now: int, before: int) -> str:
    change = delta(now, before)
    text = _("%(label)s %(amount)s") % {"label": previous_label, "amount": format_money(before)}
    if change is not None:
        text += f" ({change * 100:+.1f}%)"
    return text


def sales_strip(company, *, today=None) -> dict:
    """Revenue (won) today, yesterday, this month to today and last month to the same day. One query."""
    today = today or today_kst()
    yesterday = today - timedelta(days=1)
    month_start = today.replace(day=1)
    last_start = _add_months(month_start, -1)
    last_end = min(last_start + (today - month_start), month_start - timedelta(days=1))
    sums = SalesDay.objects.filter(company=company, day__gte=last_start, day__lte=today).aggregate(
        today=Sum("revenue", filter=Q(day=today)), yesterday=Sum("revenue", filter=Q(day=yesterday)),
        month=Sum("revenue", filter=Q(day__gte=month_start)),
        last_month=Sum("revenue", filter=Q(day__gte=last_start, day__lte=last_end)))
    return {k: int(v or 0) for k, v in sums.items()}


def sales_tiles(*, company, user):
    if not permissions.can_read(user, "analytics.sales"):
        return
    strip = sales_strip(company)
    url = reverse("analytics:sales")
    yield Tile("sales_today", gettext_lazy("오늘 매출 (원)"), strip["today"], url + "?period=today",
               "analytics.sales", "success", hint=_hint(_("어제"), strip["today"], strip["yesterday"]))
    yield Tile("sales_month", gettext_lazy("이번 달 매출 (원)"), strip["month"], url + "?period=month",
               "analytics.sales", "success", hint=_hint(_("지난달 같은 기간"), strip["month"], strip["last_month"]))
