"""Service usage (SYS-8), counted where it happens and checked against the company's plan.

Counted per calendar month in KST (1일~말일, not the subscription's start date), as the service's
usage rules say:

- monthly (reset every month): `orders` — order lines collected from the channels (manual and Excel
  orders included); the components of a set and gift lines are not counted, only what was collected;
  a line collected again after it was deleted counts again. `products` — products registered to a
  channel (a listing sent for the first time).
- cumulative (what exists now): `skus` (SKUs stored), `users` (active users), `stores` (channel
  accounts). The nightly snapshot keeps each month's highest count for the history.

Lower apps record with `usage_record(company, "orders", n)` inside their own transaction and check a
limit before adding with `usage_limit_check(company, "stores", current=n)`. The plans (and so the
limits) belong to the saas app, which registers them at ready() with `register_limit_source`; without
it nothing is limited.

Limits have a 10 % grace: up to the limit everything is normal; past it (up to limit × 1.1) the
action goes through with a warning; beyond the grace it is refused with a Korean message naming the
plan, the limit and the usage. Orders are never refused (a seller must never lose an order): past
the grace the usage panel and the operator show it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Company, UsageCounter

MONTHLY = ("orders", "products")
CUMULATIVE = ("skus", "users", "stores")
METRICS = MONTHLY + CUMULATIVE
METRIC_LABELS = {
    "orders": gettext_lazy("주문수집수"),
    "products": gettext_lazy("상품등록수"),
    "skus": gettext_lazy("DB저장수(SKU)"),
    "users": gettext_lazy("사용자수"),
    "stores": gettext_lazy("쇼핑몰 계정수"),
}
GRACE = 0.10

LimitSource = Callable[[Company, str], "int | None"]
_sources: list[LimitSource] = []


class UsageLimitExceeded(ValidationError):
    """Beyond the plan's limit and its grace: the action is refused (message in Korean)."""


def register_limit_source(fn: LimitSource) -> LimitSource:
    """`fn(company, metric) -> limit or None (unlimited)`; the last registration wins."""
    _sources[:] = [fn]
    return fn


def metric_label(metric: str) -> str:
    return str(METRIC_LABELS.get(metric, metric))


def month_of(at: datetime | date | None = None) -> date:
    """The first day of the KST calendar month of `at` (now by default)."""
    if at is None:
        at = timezone.now()
    day = timezone.localtime(at).date() if isinstance(at, datetime) else at
    return day.replace(day=1)


def usage_record(company: Company, metric: str, count: int = 1, *, at: datetime | None = None) -> None:
    """Add `count` to this month's monthly metric (in the caller's transaction)."""
    if metric not in MONTHLY:
        raise ValueError(f"{metric!r} is not a monthly usage metric")
    if count <= 0:
        return
    month = month_of(at)
    row, created = UsageCounter.objects.get_or_create(company=company, month=month, metric=metric,
                                                      defaults={"value": count})
    if not created:
        UsageCounter.objects.filter(pk=row.pk).update(value=F("value") + count, updated_at=timezone.now())


def usage_snapshot(company: Company, metric: str, value: int, *, at: datetime | None = None) -> None:
    """Keep the month's highest count of a cumulative metric."""
    if metric not in CUMULATIVE:
        raise ValueError(f"{metric!r} is not a cumulative usage metric")
    row, created = UsageCounter.objects.get_or_create(company=company, month=month_of(at), metric=metric,
                                                      defaults={"value": value})
    if not created:
        UsageCounter.objects.filter(pk=row.pk).update(value=Greatest(F("value"), value), updated_at=timezone.now())


def usage_month(company: Company, metric: str, month: date | None = None) -> int:
    return UsageCounter.objects.filter(company=company, month=month or month_of(), metric=metric).values_list(
        "value", flat=True).first() or 0


def limit_for(company: Company, metric: str) -> int | None:
    return _sources[0](company, metric) if _sources else None


def grace_limit(limit: int) -> int:
    """The most that goes through with a warning (10 % above the limit, rounded down)."""
    return math.floor(limit * (1 + GRACE))


def usage_limit_check(company: Company, metric: str, *, current: int, adding: int = 1) -> str:
    """Before adding `adding` to a usage now at `current`: "" when within the plan, a Korean warning
    inside the 10 % grace; raises UsageLimitExceeded beyond it."""
    limit = limit_for(company, metric)
    if limit is None:
        return ""
    after = current + adding
    values = {"plan": company.get_plan_display(), "what": metric_label(metric), "limit": f"{limit:,}",
              "current": f"{current:,}", "grace": f"{grace_limit(limit):,}"}
    if after > grace_limit(limit):
        raise UsageLimitExceeded(_(
            "현재 요금제(%(plan)s)의 %(what)s 한도 %(limit)s건을 넘었습니다 (사용 %(current)s건, 유예 %(grace)s건까지). "
            "요금제를 변경하거나 사용하지 않는 항목을 정리하세요.") % values)
    if after > limit:
        return _("현재 요금제(%(plan)s)의 %(what)s 한도 %(limit)s건을 넘어 유예 구간(%(grace)s건까지)으로 처리했습니다. "
                 "요금제 변경을 검토하세요.") % values
    return ""
