"""saas reads; every selector takes the company first (the operator's list is superuser-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from marketdock.catalog.models import SKU
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company, UsageCounter, User
from marketdock.core.usage import METRICS, MONTHLY, grace_limit, metric_label, month_of
from marketdock.outbox.models import OutboxMessage

from .models import PlanChange, PurgeRun, Subscription, WebhookDelivery, WebhookEndpoint
from .plans import plan_of

HISTORY_MONTHS = 12


# --- webhooks ------------------------------------------------------------------------------------------


def webhooks(company) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(company=company)


def webhook_get(company, pk: int) -> WebhookEndpoint:
    return webhooks(company).get(pk=pk)


def webhook_messages(company, endpoint: WebhookEndpoint) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(company=company, lane=endpoint.lane, kind="webhook").order_by("-id")


def webhook_message_get(company, endpoint: WebhookEndpoint, pk: int) -> OutboxMessage:
    return webhook_messages(company, endpoint).get(pk=pk)


def webhook_deliveries(company, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(company=company, endpoint=endpoint).select_related("message")


# --- usage ---------------------------------------------------------------------------------------------


@dataclass
class UsageRow:
    metric: str
    label: str
    used: int
    limit: int | None
    monthly: bool

    @property
    def percent(self) -> int:
        return min(100, round(self.used * 100 / self.limit)) if self.limit else 0

    @property
    def state(self) -> str:
        """ok | grace (over the limit, inside the 10 % grace) | over (beyond the grace)."""
        if not self.limit or self.used <= self.limit:
            return "ok"
        return "grace" if self.used <= grace_limit(self.limit) else "over"


def cumulative_now(company) -> dict[str, int]:
    return {"skus": SKU.objects.filter(company=company).count(),
            "users": User.objects.filter(company=company, is_active=True).count(),
            "stores": ChannelAccount.objects.filter(company=company).count()}


def usage_rows(company, month: date | None = None) -> list[UsageRow]:
    month = month or month_of()
    plan = plan_of(company)
    counted = dict(UsageCounter.objects.filter(company=company, month=month).values_list("metric", "value"))
    live = cumulative_now(company) if month == month_of() else {}
    return [UsageRow(m, metric_label(m), live.get(m, counted.get(m, 0)), plan.limit(m), m in MONTHLY)
            for m in METRICS]


def usage_history(company, months: int = HISTORY_MONTHS) -> list[dict]:
    """[{month, orders, products, skus, users, stores}], oldest first, the current month included."""
    first = month_of()
    wanted = []
    y, m = first.year, first.month
    for _i in range(months):
        wanted.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    rows: dict[date, dict] = {d: {"month": d, **{k: 0 for k in METRICS}} for d in reversed(wanted)}
    for month, metric, value in UsageCounter.objects.filter(company=company, month__in=wanted).values_list(
            "month", "metric", "value"):
        rows[month][metric] = value
    rows[first].update(cumulative_now(company))
    return list(rows.values())


def usage_chart(company) -> dict:
    history = usage_history(company)
    return {"id": "usage-chart", "kind": "bar", "unit": "건", "title": "",
            "x": [f"{h['month']:%Y-%m}" for h in history],
            "series": [{"name": metric_label(m), "y": [h[m] for h in history]} for m in MONTHLY]}


def trial_days_left(company) -> int | None:
    if company.status != "trial" or not company.trial_ends_at:
        return None
    return max(0, (timezone.localtime(company.trial_ends_at).date() - timezone.localdate()).days)


# --- the operator --------------------------------------------------------------------------------------


def subscription(company) -> Subscription:
    return Subscription.objects.filter(company=company).first() or Subscription(company=company)


def operator_companies() -> list[dict]:
    """Every company with its plan, this month's usage, trial end and state (superuser only)."""
    month = month_of()
    counters: dict[int, dict[str, int]] = {}
    for company_id, metric, value in UsageCounter.objects.filter(month=month).values_list(
            "company_id", "metric", "value"):
        counters.setdefault(company_id, {})[metric] = value
    subs = {s.company_id: s for s in Subscription.objects.all()}
    out = []
    for company in Company.objects.order_by("code"):
        used = counters.get(company.pk, {})
        plan = plan_of(company)
        out.append({"company": company, "plan": plan, "orders": used.get("orders", 0),
                    "products": used.get("products", 0), "orders_limit": plan.orders,
                    "products_limit": plan.products, "subscription": subs.get(company.pk),
                    "trial_days_left": trial_days_left(company)})
    return out


def plan_changes(company) -> QuerySet[PlanChange]:
    return PlanChange.objects.filter(company=company).select_related("by")


def purge_runs(company) -> QuerySet[PurgeRun]:
    return PurgeRun.objects.filter(company=company)

