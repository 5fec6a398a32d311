"""Building the sales rollups (see models.py) from the orders.

`rollup_days(company, days)` recomputes whole rows for the given KST days from the orders: the one
computation both the incremental refresh and the rebuild use.

`rollup_refresh(company)` is the incremental path (a debounced job runs it every few minutes and on
[지금 갱신]): the days of every order or line written since the last refresh (`Order.collected_at`,
`Order.changed_at`, `OrderLine.updated_at`, with a few minutes of overlap for transactions that
committed late) are recomputed, and `RollupState.as_of` tells the screens up to when the figures
hold. Orders needs to know nothing about analytics for this.

`rollup_rebuild(company, since=None)` throws the rows away and recomputes them all (or from a day
on): `marketdock analytics rebuild [--company] [--since]`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from marketdock.catalog.models import SKU
from marketdock.core.models import Company
from marketdock.core.money import KRW
from marketdock.core.selectors import krw_converter
from marketdock.orders.models import (
    ChannelStatus,
    ClaimState,
    Order,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
)

from .models import RollupState, SalesDay, SalesHour, SalesProductDay, SalesProductMonth

KST = ZoneInfo("Asia/Seoul")
# a transaction that wrote an order before the previous refresh started but committed after it
# is still seen: every refresh looks this far behind its last start (recomputing a day twice is harmless)
OVERLAP = timedelta(minutes=5)
BATCH = 2000
CHUNK_DAYS = 31  # days computed at once (memory: one month of rows)

LINE_FIELDS = ("lines", "quantity", "revenue", "discounts", "cancel_lines", "cancel_quantity", "cancelled_amount",
               "return_lines", "returned_amount", "exchange_lines", "shipped_lines", "late_lines")
MONEY_LINE = {"revenue", "discounts", "cancelled_amount", "returned_amount"}
ORDER_FIELDS = ("orders", "cancelled_orders", "shipping_fees", "shipped_orders", "ship_seconds")
MONEY_ORDER = {"shipping_fees"}
RETURN_STATUSES = {ChannelStatus.RETURN_REQUESTED, ChannelStatus.RETURNED}


def kst_day(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def kst_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00 KST, the day after last 00:00 KST) as aware datetimes."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=KST)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=KST)
    return start, end


def day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days folded into runs of consecutive days: [(first, last), ...]."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def line_figures(*, quantity: int, cancelled_quantity: int, total: int, discount: int, status: str,
                 channel_status: str, claim: str, shipped_at, dispatch_due) -> dict[str, int]:
    """One order line's contribution (in its own currency). A line is cancelled whole when the OMS
    or the marketplace says so, else by its cancelled quantity (the amount pro rata)."""
    quantity = int(quantity or 0)
    total = int(total or 0)
    if status == OrderStatus.CANCELLED or channel_status == ChannelStatus.CANCELLED:
        cancel_qty, cancelled = quantity, total
    elif cancelled_quantity:
        cancel_qty = min(int(cancelled_quantity), quantity)
        cancelled = total * cancel_qty // quantity if quantity else 0
    else:
        cancel_qty, cancelled = 0, 0
    returned = channel_status in RETURN_STATUSES
    exchanged = channel_status == ChannelStatus.EXCHANGE_REQUESTED or claim == ClaimState.EXCHANGE
    late = bool(shipped_at and dispatch_due and kst_day(shipped_at) > dispatch_due)
    return {
        "lines": 1, "quantity": quantity, "revenue": total, "discounts": int(discount or 0),
        "cancel_lines": 1 if cancel_qty else 0, "cancel_quantity": cancel_qty, "cancelled_amount": cancelled,
        "return_lines": 1 if returned else 0, "returned_amount": total if returned else 0,
        "exchange_lines": 1 if exchanged else 0, "shipped_lines": 1 if shipped_at else 0, "late_lines": 1 if late else 0,
    }


def _ranges_q(field: str, days: set[date] | None, since: date | None) -> Q:
    if days is None:
        return Q(**{f"{field}__gte": kst_range(since, since)[0]}) if since else Q()
    q = Q(pk__in=[])
    for first, last in day_ranges(days):
        start, end = kst_range(first, last)
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def _convert(converter, sums: dict[str, int], money: set[str], currency: str, day: date) -> dict[str, int] | None:
    """The group's money fields in won, or None when the currency has no rate on that day."""
    if (currency or KRW).upper() == KRW:
        return sums
    out = dict(sums)
    for key in money:
        won = converter.to_krw(sums.get(key, 0), currency, day)
        if won is None:
            return None
        out[key] = won
    return out


def compute(company: Company, *, days: set[date] | None = None, since: date | None = None
            ) -> tuple[list[SalesHour], list[SalesProductDay]]:
    """The rollup rows (unsaved) for `days` (KST), or every day from `since` on, or every day."""
    converter = krw_converter(company)
    # (day, account, hour, currency) -> sums ; (day, account, sku, currency) -> sums
    hour_sums: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    product_sums: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    product_orders: dict[tuple, int] = defaultdict(int)  # distinct orders per product key
    last_order: dict[tuple, int] = {}  # lines come ordered by order: a key's last order counted

    first_sku = Subquery(OrderLineComponent.objects.filter(line=OuterRef("pk")).order_by("sku_id").values("sku_id")[:1])
    lines = (OrderLine.objects.filter(company=company).filter(_ranges_q("order__ordered_at", days, since))
             .annotate(first_sku=first_sku)
             .values_list("order_id", "order__ordered_at", "account_id", "currency", "quantity", "cancelled_quantity",
                          "total_amount", "discount_amount", "status", "channel_status", "claim", "shipped_at",
                          "dispatch_due", "first_sku").order_by("order_id"))
    for (order_id, ordered_at, account_id, currency, qty, cqty, total, discount, status, cstatus, claim,
         shipped_at, due, sku_id) in lines.iterator(chunk_size=BATCH):
        local = ordered_at.astimezone(KST)
        day = local.date()
        if days is not None and day not in days:
            continue
        figures = line_figures(quantity=qty, cancelled_quantity=cqty, total=total, discount=discount, status=status,
                               channel_status=cstatus, claim=claim, shipped_at=shipped_at, dispatch_due=due)
        cur = (currency or KRW).upper()
        h = hour_sums[(day, account_id, local.hour, cur)]
        p = product_sums[(day, account_id, sku_id, cur)]
        for key, value in figures.items():
            h[key] += value
            p[key] += value
        pkey = (day, account_id, sku_id, cur)
        if last_order.get(pkey) != order_id:
            last_order[pkey] = order_id
            product_orders[pkey] += 1

    orders = (Order.objects.filter(company=company).filter(_ranges_q("ordered_at", days, since))
              .values_list("ordered_at", "account_id", "currency", "status", "shipping_fee", "shipped_at"))
    for ordered_at, account_id, currency, status, fee, shipped_at in orders.iterator(chunk_size=BATCH):
        local = ordered_at.astimezone(KST)
        day = local.date()
        if days is not None and day not in days:
            continue
        h = hour_sums[(day, account_id, local.hour, (currency or KRW).upper())]
        h["orders"] += 1
        h["cancelled_orders"] += 1 if status == OrderStatus.CANCELLED else 0
        h["shipping_fees"] += int(fee or 0)
        if shipped_at:
            h["shipped_orders"] += 1
            h["ship_seconds"] += max(0, int((shipped_at - ordered_at).total_seconds()))

    hours: dict[tuple, dict[str, int]] = {}
    for (day, account_id, hour, cur), sums in hour_sums.items():
        row = hours.setdefault((day, account_id, hour), defaultdict(int))
        won = _convert(converter, sums, MONEY_LINE | MONEY_ORDER, cur, day)
        if won is None:
            row["unconverted_lines"] += sums.get("lines", 0)
            won = {k: v for k, v in sums.items() if k not in MONEY_LINE | MONEY_ORDER}
        for key, value in won.items():
            row[key] += value
    products: dict[tuple, dict[str, int]] = {}
    for key4, sums in product_sums.items():
        day, account_id, sku_id, cur = key4
        row = products.setdefault((day, account_id, sku_id), defaultdict(int))
        won = _convert(converter, sums, MONEY_LINE, cur, day)
        if won is None:
            row["unconverted_lines"] += sums.get("lines", 0)
            won = {k: v for k, v in sums.items() if k not in MONEY_LINE}
        for key, value in won.items():
            row[key] += value
        row["orders"] += product_orders[key4]

    product_of = dict(SKU.objects.filter(company=company, pk__in={k[2] for k in products if k[2]})
                      .values_list("pk", "product_id"))
    hour_rows = [SalesHour(company=company, day=day, account_id=account_id, hour=hour, currency=KRW, **sums)
                 for (day, account_id, hour), sums in sorted(hours.items())]
    product_rows = []
    for (day, account_id, sku_id), sums in sorted(products.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)):
        product_rows.append(SalesProductDay(company=company, day=day, account_id=account_id, sku_id=sku_id,
                                            product_id=product_of.get(sku_id), currency=KRW, **sums))
    return hour_rows, product_rows


def _replace(company: Company, *, days: set[date] | None, since: date | None) -> int:
    """Delete and recompute the rows of `days` (or of every day from `since` on, or of every day),
    a month of days at a time so memory stays small whatever the history; then the monthly rows of
    the months they fall in."""
    ordered_given = days is not None
    for model in (SalesHour, SalesDay, SalesProductDay):
        qs = model.objects.filter(company=company)
        if days is not None:
            q = Q(pk__in=[])
            for first, last in day_ranges(days):
                q |= Q(day__gte=first, day__lte=last)
            qs = qs.filter(q)
        elif since is not None:
            qs = qs.filter(day__gte=since)
        qs.delete()  # rollup rows: nothing cascades from them (a fast delete)
    if days is None:
        orders = Order.objects.filter(company=company)
        if since is not None:
            orders = orders.filter(ordered_at__gte=kst_range(since, since)[0])
        bounds = orders.aggregate(first=Min("ordered_at"), last=Max("ordered_at"))
        if bounds["first"] is None:
            return _months_replace(company, set(), since=since, everything=True)
        first, last = kst_day(bounds["first"]), kst_day(bounds["last"])
        days = {first + timedelta(days=i) for i in range((last - first).days + 1)}
    written = 0
    ordered = sorted(days)
    for i in range(0, len(ordered), CHUNK_DAYS):
        hour_rows, product_rows = compute(company, days=set(ordered[i:i + CHUNK_DAYS]))
        day_rows = _days_of(hour_rows)
        SalesHour.objects.bulk_create(hour_rows, batch_size=BATCH)
        SalesDay.objects.bulk_create(day_rows, batch_size=BATCH)
        SalesProductDay.objects.bulk_create(product_rows, batch_size=BATCH)
        written += len(hour_rows) + len(day_rows) + len(product_rows)
    return written + _months_replace(company, {d.replace(day=1) for d in ordered}, since=since,
                                     everything=not ordered_given)


DAY_FIELDS = (*LINE_FIELDS, *ORDER_FIELDS, "unconverted_lines")


def _days_of(hour_rows: list[SalesHour]) -> list[SalesDay]:
    """The hourly rows summed per day × account."""
    days: dict[tuple, SalesDay] = {}
    for h in hour_rows:
        row = days.get((h.day, h.account_id))
        if row is None:
            row = days[(h.day, h.account_id)] = SalesDay(company_id=h.company_id, day=h.day, account_id=h.account_id,
                                                         currency=h.currency)
        for name in DAY_FIELDS:
            setattr(row, name, getattr(row, name) + getattr(h, name))
    return list(days.values())


PRODUCT_FIELDS = ("orders", "currency", *LINE_FIELDS, "unconverted_lines", "commission", "settlement")


def _months_replace(company: Company, months: set[date], *, since: date | None = None,
                    everything: bool = False) -> int:
    """Recompute the monthly product rows of `months` from the daily ones; with `everything` the
    rows of every month (from the month of `since` on) go first, also those left without orders."""
    stale = SalesProductMonth.objects.filter(company=company)
    if everything:
        if since is not None:
            stale = stale.filter(month__gte=since.replace(day=1))
    else:
        stale = stale.filter(month__in=sorted(months))
    stale.delete()
    sums = [f for f in PRODUCT_FIELDS if f != "currency"]
    written = 0
    for month in sorted(months):
        end = (month + timedelta(days=32)).replace(day=1)
        rows = (SalesProductDay.objects.filter(company=company, day__gte=month, day__lt=end)
                .values("account_id", "sku_id", "product_id").annotate(**{f"s_{f}": Sum(f) for f in sums}).order_by())
        objs = [SalesProductMonth(company=company, month=month, currency=KRW, account_id=r["account_id"],
                                  sku_id=r["sku_id"], product_id=r["product_id"],
                                  **{f: r[f"s_{f}"] if f in ("commission", "settlement") else r[f"s_{f}"] or 0
                                     for f in sums})
                for r in rows]
        SalesProductMonth.objects.bulk_create(objs, batch_size=BATCH)
        written += len(objs)
    return written


def _state_locked(company: Company) -> RollupState:
    RollupState.objects.get_or_create(company=company)
    return RollupState.objects.select_for_update().get(company=company)


def rollup_days(company: Company, days: Iterable[date]) -> int:
    """Recompute the rows of these KST days; returns the rows written."""
    wanted = set(days)
    if not wanted:
        return 0
    with transaction.atomic():
        _state_locked(company)
        return _replace(company, days=wanted, since=None)


def dirty_days(company: Company, since: datetime) -> set[date]:
    """KST order days of every order or line written at or after `since`."""
    kst_day_of = TruncDate("ordered_at", tzinfo=KST)
    found = set(Order.objects.filter(company=company).filter(Q(collected_at__gte=since) | Q(changed_at__gte=since))
                .annotate(d=kst_day_of).values_list("d", flat=True).distinct())
    found |= set(OrderLine.objects.filter(company=company, updated_at__gte=since)
                 .annotate(d=TruncDate("order__ordered_at", tzinfo=KST)).values_list("d", flat=True).distinct())
    return {d for d in found if d is not None}


def rollup_refresh(company: Company) -> RollupState:
    """Bring the company's rollup up to now: recompute the days touched since the last refresh (all
    days the first time)."""
    started = time.monotonic()
    with transaction.atomic():
        state = _state_locked(company)
        now = timezone.now()
        if state.as_of is None:
            _replace(company, days=None, since=None)
            touched = SalesHour.objects.filter(company=company).values("day").distinct().count()
        else:
            days = dirty_days(company, state.as_of - OVERLAP)
            if days:
                _replace(company, days=days, since=None)
            touched = len(days)
        state.as_of, state.refreshed_at = now, timezone.now()
        state.days, state.seconds = touched, round(time.monotonic() - started, 3)
        state.save()
    return state


def rollup_rebuild(company: Company, since: date | None = None) -> int:
    """Throw away and recompute every row (or every row from `since` on). Returns the rows written."""
    started = time.monotonic()
    with transaction.atomic():
        state = _state_locked(company)
        now = timezone.now()
        rows = _replace(company, days=None, since=since)
        if since is None or state.as_of is None:
            state.as_of = now
        state.refreshed_at, state.seconds = timezone.now(), round(time.monotonic() - started, 3)
        state.save()
    return rows


def companies_with_orders() -> list[Company]:
    ids = Order.objects.values_list("company_id", flat=True).distinct()
    return list(Company.objects.filter(pk__in=list(ids)))
