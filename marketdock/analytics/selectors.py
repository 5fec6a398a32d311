"""Reads for the analytics screens: every figure comes from the rollups (models.py), company-scoped,
a fixed number of queries per screen whatever the period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.db.models.functions import ExtractWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import params

from .models import LineFigures, RollupState, SalesDay, SalesHour, SalesProductDay, SalesProductMonth
from .services import KST

PERIODS = (
    ("today", gettext_lazy("오늘")),
    ("7d", gettext_lazy("7일")),
    ("30d", gettext_lazy("30일")),
    ("90d", gettext_lazy("90일")),
    ("month", gettext_lazy("이번 달")),
    ("quarter", gettext_lazy("이번 분기")),
    ("year", gettext_lazy("올해")),
    ("custom", gettext_lazy("직접 입력")),
)
UNITS = (("day", gettext_lazy("일별")), ("month", gettext_lazy("월별")))
TOP_SIZES = (5, 10, 20, 50)
MAX_DAYS = 3 * 366 + 1  # a custom period is cut to about three years

LINE_SUMS = ("lines", "quantity", "revenue", "discounts", "cancel_lines", "cancel_quantity", "cancelled_amount",
             "return_lines", "returned_amount", "exchange_lines", "shipped_lines", "late_lines", "unconverted_lines",
             "commission", "settlement")
HOUR_SUMS = LINE_SUMS + ("orders", "cancelled_orders", "shipping_fees", "shipped_orders", "ship_seconds")
PRODUCT_SUMS = LINE_SUMS + ("orders",)


def today_kst() -> date:
    return timezone.now().astimezone(KST).date()


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


@dataclass
class Filters:
    period: str
    start: date
    end: date
    prev_start: date
    prev_end: date
    unit: str
    accounts: list[int] = field(default_factory=list)
    brands: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    top: int = 10

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def by_product(self) -> bool:
        """Brand/category filters apply to products: the figures come from the product rollup."""
        return bool(self.brands or self.categories)

    def query_items(self) -> list[tuple[str, str]]:
        items = [("period", self.period), ("unit", self.unit), ("top", str(self.top))]
        if self.period == "custom":
            items += [("from", self.start.isoformat()), ("to", self.end.isoformat())]
        items += [("account", str(a)) for a in self.accounts]
        items += [("brand", str(b)) for b in self.brands]
        items += [("category", str(c)) for c in self.categories]
        return items


def filters_from(query, *, today: date | None = None) -> Filters:
    """The screen's filters from the query string (core.params: anything malformed falls back)."""
    today = today or today_kst()
    period = params.choice_param(query.get("period"), [p for p, _label in PERIODS], "30d")
    if period == "custom":
        start = params.date_param(query.get("from"))
        end = params.date_param(query.get("to"))
        if start is None or end is None:
            period = "30d"
        else:
            if end < start:
                start, end = end, start
            start = max(start, end - timedelta(days=MAX_DAYS - 1))
    if period in ("today", "7d", "30d", "90d"):
        n = {"today": 1, "7d": 7, "30d": 30, "90d": 90}[period]
        end, start = today, today - timedelta(days=n - 1)
        prev_end, prev_start = start - timedelta(days=1), start - timedelta(days=n)
    elif period in ("month", "quarter", "year"):
        if period == "month":
            start, months = today.replace(day=1), 1
        elif period == "quarter":
            start, months = _quarter_start(today), 3
        else:
            start, months = date(today.year, 1, 1), 12
        end = today
        prev_start = _add_months(start, -months)
        prev_end = min(prev_start + (end - start), start - timedelta(days=1))  # the same days of the last period
    else:
        n = (end - start).days + 1
        prev_end, prev_start = start - timedelta(days=1), start - timedelta(days=n)
    default_unit = "day" if (end - start).days < 92 else "month"
    unit = params.choice_param(query.get("unit"), [u for u, _label in UNITS], default_unit)
    return Filters(period=period, start=start, end=end, prev_start=prev_start, prev_end=prev_end, unit=unit,
                   accounts=params.id_list(query.getlist("account")), brands=params.id_list(query.getlist("brand")),
                   categories=params.id_list(query.getlist("category")),
                   top=params.size_param(query.get("top"), TOP_SIZES, 10))


# --- queries ------------------------------------------------------------------------------------------


def _base(model, company, f: Filters, start: date, end: date):
    qs = model.objects.filter(company=company, day__gte=start, day__lte=end)
    if f.accounts:
        qs = qs.filter(account_id__in=f.accounts)
    if model is SalesProductDay:
        if f.brands:
            qs = qs.filter(product__brand_id__in=f.brands)
        if f.categories:
            qs = qs.filter(product__category_id__in=f.categories)
    return qs


def _sums(names) -> dict:
    return {name: Sum(name) for name in names}


def _channel_model(f: Filters):
    return (SalesProductDay, PRODUCT_SUMS) if f.by_product else (SalesDay, HOUR_SUMS)


def _clean(row: dict, names) -> dict:
    out = {k: v for k, v in row.items() if k not in names}
    for name in names:
        value = row.get(name)
        out[name] = None if value is None and name in ("commission", "settlement") else int(value or 0)
    return out


def totals(company, f: Filters, *, previous: bool = False) -> dict:
    model, names = _channel_model(f)
    start, end = (f.prev_start, f.prev_end) if previous else (f.start, f.end)
    row = _base(model, company, f, start, end).aggregate(**_sums(names))
    return derived(_clean(row, names))


def derived(row: dict) -> dict:
    """Net revenue, average order value, rates (None where the base is zero)."""
    revenue = row.get("revenue", 0)
    row["net_revenue"] = revenue - row.get("cancelled_amount", 0) - row.get("returned_amount", 0)
    orders = row.get("orders", 0)
    lines = row.get("lines", 0)
    row["aov"] = round(revenue / orders) if orders else None
    row["cancel_rate"] = row.get("cancel_lines", 0) / lines if lines else None
    row["return_rate"] = row.get("return_lines", 0) / lines if lines else None
    row["commission_rate"] = (row["commission"] / revenue if row.get("commission") is not None and revenue else None)
    shipped = row.get("shipped_orders", 0)
    row["days_to_ship"] = row.get("ship_seconds", 0) / shipped / 86400 if shipped else None
    shipped_lines = row.get("shipped_lines", 0)
    row["late_share"] = row.get("late_lines", 0) / shipped_lines if shipped_lines else None
    return row


def delta(current, previous) -> float | None:
    """Δ% against the previous period (None when there was nothing to compare with)."""
    if current is None or not previous:
        return None
    return (current - previous) / abs(previous)


def bucket(day: date, unit: str) -> date:
    return day.replace(day=1) if unit == "month" else day


def buckets(f: Filters) -> list[date]:
    out, day = [], f.start
    while day <= f.end:
        b = bucket(day, f.unit)
        if not out or out[-1] != b:
            out.append(b)
        day += timedelta(days=1)
    return out


def series(company, f: Filters) -> dict:
    """Per period bucket (day or month) × channel account: the summed figures. One query."""
    model, names = _channel_model(f)
    rows = (_base(model, company, f, f.start, f.end).values("day", "account_id")
            .annotate(**_sums(names)).order_by())
    by_bucket: dict[date, dict] = {b: defaultdict(int) for b in buckets(f)}
    by_account: dict[tuple[date, int], dict] = defaultdict(lambda: defaultdict(int))
    account_totals: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    commission_known: set[date] = set()
    for row in rows:
        b = bucket(row["day"], f.unit)
        for name in names:
            value = row[name]
            if value is None:
                continue
            by_bucket[b][name] += value
            by_account[(b, row["account_id"])][name] += value
            account_totals[row["account_id"]][name] += value
            if name == "commission":
                commission_known.add(b)
    table = []
    for b, sums in by_bucket.items():
        values = _clean(sums, names)
        if b not in commission_known:
            values["commission"] = values["settlement"] = None
        table.append({"bucket": b, **derived(values)})
    total: dict = defaultdict(int)
    for sums in account_totals.values():
        for name, value in sums.items():
            total[name] += value
    total = _clean(total, names)
    if not commission_known:
        total["commission"] = total["settlement"] = None
    return {"table": table, "by_account": by_account, "total": derived(total),
            "accounts": {a: derived(_clean(s, names)) for a, s in account_totals.items()}}


def split_months(start: date, end: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """[start, end] as (edge day ranges, (first, last) whole month starts or None)."""
    first_full = start if start.day == 1 else _add_months(start, 1)
    after_end = end + timedelta(days=1)
    last_full_end = after_end.replace(day=1)  # the first day after the last whole month
    if first_full >= last_full_end:
        return [(start, end)], None
    edges = []
    if start < first_full:
        edges.append((start, first_full - timedelta(days=1)))
    if last_full_end <= end:
        edges.append((last_full_end, end))
    return edges, (first_full, _add_months(last_full_end, -1))


def product_sums(company, f: Filters, start: date, end: date) -> dict[int | None, dict]:
    """Per SKU over [start, end]: whole months from the monthly rollup, the edge days from the daily
    one. Always two queries, whatever the period."""
    edges, months = split_months(start, end)
    # an empty side still asks the database (for nothing), so every period costs the same queries
    day_q = Q(day__lt=params.DATE_MIN)
    for a, b in edges:
        day_q |= Q(day__gte=a, day__lte=b)
    daily = SalesProductDay.objects.filter(company=company).filter(day_q)
    monthly = SalesProductMonth.objects.filter(company=company)
    monthly = (monthly.filter(month__gte=months[0], month__lte=months[1]) if months
               else monthly.filter(month__lt=params.DATE_MIN))
    out: dict[int | None, dict] = defaultdict(lambda: defaultdict(int))
    for qs in (daily, monthly):
        if f.accounts:
            qs = qs.filter(account_id__in=f.accounts)
        if f.brands:
            qs = qs.filter(product__brand_id__in=f.brands)
        if f.categories:
            qs = qs.filter(product__category_id__in=f.categories)
        for row in qs.values("sku_id").annotate(**_sums(PRODUCT_SUMS)).order_by():
            sums = out[row["sku_id"]]
            for name in PRODUCT_SUMS:
                if row[name] is not None:
                    sums[name] += row[name]
                elif name in ("commission", "settlement"):
                    sums.setdefault(name, None)
    return {sku: {"sku_id": sku, **_clean(dict(v), PRODUCT_SUMS)} for sku, v in out.items()}


def top_products(company, f: Filters) -> dict:
    """The top N SKUs by revenue over the period, and 기타 for the rest. Two queries."""
    rows = sorted(product_sums(company, f, f.start, f.end).values(),
                  key=lambda r: (-r["revenue"], r["sku_id"] is None, r["sku_id"] or 0))
    total = defaultdict(int)
    for row in rows:
        for name in PRODUCT_SUMS:
            total[name] += row[name] or 0
    top = rows[: f.top]
    rest = rows[f.top:]
    others = defaultdict(int)
    for row in rest:
        for name in PRODUCT_SUMS:
            others[name] += row[name] or 0
    return {"top": [derived(dict(r)) for r in top],
            "others": derived(_clean(others, PRODUCT_SUMS)) if rest else None, "others_count": len(rest),
            "total": derived(_clean(total, PRODUCT_SUMS))}


def movers(company, f: Filters, limit: int = 10) -> dict:
    """SKUs whose revenue rose or fell most against the previous period. Four queries."""
    now = product_sums(company, f, f.start, f.end)
    before = product_sums(company, f, f.prev_start, f.prev_end)
    changes = []
    for sku_id in set(now) | set(before):
        if sku_id is None:
            continue
        a = now.get(sku_id, {}).get("revenue", 0)
        b = before.get(sku_id, {}).get("revenue", 0)
        changes.append({"sku_id": sku_id, "now": a, "before": b, "change": a - b, "delta": delta(a, b)})
    best = sorted([c for c in changes if c["change"] > 0], key=lambda c: (-c["change"], c["sku_id"]))[:limit]
    worst = sorted([c for c in changes if c["change"] < 0], key=lambda c: (c["change"], c["sku_id"]))[:limit]
    return {"best": best, "worst": worst}


def heatmap(company, f: Filters) -> list[list[int]]:
    """Orders per weekday (월..일) × hour (0..23, KST). One query."""
    grid = [[0] * 24 for _ in range(7)]
    rows = (_base(SalesHour, company, f, f.start, f.end).annotate(wd=ExtractWeekDay("day"))
            .values("wd", "hour").annotate(n=Sum("orders")).order_by())
    for row in rows:
        monday_first = (row["wd"] + 5) % 7  # Django: 1 = Sunday … 7 = Saturday
        grid[monday_first][row["hour"]] += row["n"] or 0
    return grid


def by_account(company, f: Filters) -> dict[int, dict]:
    """Every figure per channel account over the period (channel comparison, rates). One query."""
    rows = _base(SalesDay, company, f, f.start, f.end).values("account_id").annotate(**_sums(HOUR_SUMS)).order_by()
    return {r["account_id"]: derived(_clean(r, HOUR_SUMS)) for r in rows}


def product_rates(company, f: Filters) -> list[dict]:
    """Cancel and return rates per SKU: the 2×N with the most cancels and returns. Two queries."""
    rows = sorted(product_sums(company, f, f.start, f.end).values(),
                  key=lambda r: (-r["cancel_lines"], -r["return_lines"], -r["lines"], r["sku_id"] or 0))
    return [derived(dict(r)) for r in rows[: f.top * 2]]


def stock_cover(company, *, today: date | None = None, limit: int = 30) -> list[dict]:
    """Days of stock left at the last 28 days' velocity (units sold net of cancels), fewest first. Two queries."""
    from marketdock.inventory.models import StockLevel

    today = today or today_kst()
    start = today - timedelta(days=27)
    sold = {r["sku_id"]: (r["q"] or 0) - (r["c"] or 0) for r in
            SalesProductDay.objects.filter(company=company, day__gte=start, day__lte=today).exclude(sku_id=None)
            .values("sku_id").annotate(q=Sum("quantity"), c=Sum("cancel_quantity")).order_by()}
    sold = {k: v for k, v in sold.items() if v > 0}
    stock = {r["sku_id"]: (r["h"] or 0) - (r["r"] or 0) for r in
             StockLevel.objects.filter(company=company, sku_id__in=list(sold)).values("sku_id")
             .annotate(h=Sum("on_hand"), r=Sum("reserved")).order_by()}
    rows = []
    for sku_id, units in sold.items():
        per_day = units / 28
        available = stock.get(sku_id, 0)
        rows.append({"sku_id": sku_id, "sold_28": units, "per_day": per_day, "available": available,
                     "cover_days": max(available, 0) / per_day})
    rows.sort(key=lambda r: (r["cover_days"], r["sku_id"]))
    return rows[:limit]


def state(company) -> RollupState | None:
    return RollupState.objects.filter(company=company).first()


def sku_names(company, sku_ids) -> dict[int, dict]:
    """{sku id: {code, name, product}} for the rows on a screen. One query."""
    from marketdock.catalog.models import SKU

    ids = [i for i in set(sku_ids) if i]
    out = {}
    for sku in SKU.objects.filter(company=company, pk__in=ids).select_related("product"):
        out[sku.pk] = {"code": sku.code, "name": sku.display_name, "product_id": sku.product_id}
    return out


def unmatched_label() -> str:
    return _("미매칭 상품")


# kept for templates / exports that list the rollup columns by their verbose names
FIELD_LABELS = {f.name: f.verbose_name for f in LineFigures._meta.get_fields()}
