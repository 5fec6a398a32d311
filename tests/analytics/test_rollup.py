"""The sales rollup equals a straight aggregate over the orders, whatever happened to them and when."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdock.analytics import services
from marketdock.analytics.models import RollupState, SalesDay, SalesHour, SalesProductDay, SalesProductMonth
from marketdock.orders.models import ChannelStatus, Order, OrderLine, OrderStatus

KST = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db


def kst(y, m, d, hh, mm):
    return datetime(y, m, d, hh, mm, tzinfo=KST)


def straight(company):
    """Per (KST day, account): figures summed from the order tables, the slow obvious way."""
    out = defaultdict(lambda: defaultdict(int))
    for order in Order.objects.filter(company=company):
        key = (order.ordered_at.astimezone(KST).date(), order.account_id)
        out[key]["orders"] += 1
        out[key]["shipping_fees"] += order.shipping_fee
        out[key]["cancelled_orders"] += order.status == OrderStatus.CANCELLED
    for line in OrderLine.objects.filter(company=company).select_related("order"):
        key = (line.order.ordered_at.astimezone(KST).date(), line.account_id)
        out[key]["lines"] += 1
        out[key]["quantity"] += line.quantity
        out[key]["revenue"] += line.total_amount
        cancelled = line.status == OrderStatus.CANCELLED or line.channel_status == ChannelStatus.CANCELLED
        out[key]["cancel_lines"] += cancelled
        out[key]["cancelled_amount"] += line.total_amount if cancelled else 0
        returned = line.channel_status in (ChannelStatus.RETURN_REQUESTED, ChannelStatus.RETURNED)
        out[key]["return_lines"] += returned
        out[key]["returned_amount"] += line.total_amount if returned else 0
    return {k: dict(v) for k, v in out.items()}


FIELDS = ("orders", "shipping_fees", "cancelled_orders", "lines", "quantity", "revenue", "cancel_lines",
          "cancelled_amount", "return_lines", "returned_amount")
LINE_FIELDS = ("lines", "quantity", "revenue", "cancel_lines", "cancelled_amount", "return_lines", "returned_amount")


def rolled(company):
    out = defaultdict(lambda: defaultdict(int))
    for row in SalesHour.objects.filter(company=company):
        for name in FIELDS:
            out[(row.day, row.account_id)][name] += getattr(row, name)
    return {k: dict(v) for k, v in out.items() if any(v.values())}


def rolled_products(company):
    out = defaultdict(lambda: defaultdict(int))
    for row in SalesProductDay.objects.filter(company=company):
        for name in LINE_FIELDS:
            out[(row.day, row.account_id)][name] += getattr(row, name)
    return {k: dict(v) for k, v in out.items()}


def snapshot(company):
    """Every rollup row as comparable tuples (ids left out)."""
    def rows(model):
        names = [f.name for f in model._meta.concrete_fields if f.name not in ("id",)]
        return sorted(tuple(str(getattr(r, n + "_id" if f.is_relation else n))
                            for n, f in ((n, model._meta.get_field(n)) for n in names))
                      for r in model.objects.filter(company=company))
    return rows(SalesHour), rows(SalesDay), rows(SalesProductDay), rows(SalesProductMonth)


def test_kst_day_boundary_splits_2359_and_0001(company, sales_kit):
    account = sales_kit.account()
    sales_kit.order(account, kst(2026, 3, 9, 23, 59), [(None, 1, 10000)])
    sales_kit.order(account, kst(2026, 3, 10, 0, 1), [(None, 2, 30000)])
    services.rollup_refresh(company)
    by_day = {row.day: row for row in SalesHour.objects.filter(company=company)}
    assert by_day[date(2026, 3, 9)].revenue == 10000 and by_day[date(2026, 3, 9)].hour == 23
    assert by_day[date(2026, 3, 10)].revenue == 30000 and by_day[date(2026, 3, 10)].hour == 0
    # 23:59 KST is 14:59 UTC of the same day, 00:01 KST is 15:01 UTC of the day before
    assert SalesHour.objects.filter(company=company).count() == 2


def test_cancel_days_later_counts_on_the_order_day(company, sales_kit):
    account = sales_kit.account()
    sku = sales_kit.sku("TS-1")
    order = sales_kit.order(account, kst(2026, 3, 1, 10, 0), [(sku, 1, 19900), (sku, 2, 39800)])
    services.rollup_refresh(company)
    sales_kit.order(account, kst(2026, 3, 5, 9, 0), [(sku, 1, 19900)])  # the day the cancel comes in
    line = order.lines.order_by("id").first()
    OrderLine.objects.filter(pk=line.pk).update(channel_status=ChannelStatus.CANCELLED, status=OrderStatus.CANCELLED,
                                                updated_at=timezone.now())
    services.rollup_refresh(company)
    day1 = SalesProductDay.objects.get(company=company, day=date(2026, 3, 1))
    assert (day1.revenue, day1.cancel_lines, day1.cancelled_amount, day1.lines) == (59700, 1, 19900, 2)
    day5 = SalesProductDay.objects.get(company=company, day=date(2026, 3, 5))
    assert (day5.cancel_lines, day5.cancelled_amount) == (0, 0)


def test_partial_cancel_is_pro_rata(company, sales_kit):
    account = sales_kit.account()
    order = sales_kit.order(account, kst(2026, 3, 1, 10, 0), [(None, 4, 40000)])
    sales_kit.change_lines(order, cancelled_quantity=1)
    services.rollup_refresh(company)
    row = SalesHour.objects.get(company=company)
    assert (row.cancel_quantity, row.cancelled_amount, row.cancel_lines) == (1, 10000, 1)


def test_foreign_currency_in_won_with_the_order_day_rate_and_unconverted_kept_apart(company, sales_kit):
    from marketdock.core.models import ExchangeRate

    account = sales_kit.account(name="Shopify", kind="shopify")
    ExchangeRate.objects.create(company=company, currency="USD", valid_from=date(2026, 3, 1),
                                krw_per_unit=Decimal("1400"))
    sales_kit.order(account, kst(2026, 3, 2, 10, 0), [(None, 1, 1050)], currency="USD", shipping_fee=500)  # $10.50
    sales_kit.order(account, kst(2026, 3, 2, 11, 0), [(None, 1, 900)], currency="JPY")  # no JPY rate
    services.rollup_refresh(company)
    rows = SalesHour.objects.filter(company=company, day=date(2026, 3, 2))
    assert sum(r.revenue for r in rows) == 14700
    assert sum(r.shipping_fees for r in rows) == 7000
    assert sum(r.unconverted_lines for r in rows) == 1
    assert {r.currency for r in rows} == {"KRW"}


def test_rebuild_command_agrees_and_respects_company_and_since(company, other_company, sales_kit):
    account = sales_kit.account()
    sales_kit.order(account, kst(2026, 2, 1, 9, 0), [(None, 1, 1000)])
    sales_kit.order(account, kst(2026, 3, 1, 9, 0), [(None, 1, 2000)])
    services.rollup_refresh(company)
    before = snapshot(company)
    out = StringIO()
    call_command("analytics", "rebuild", "--company", company.code, stdout=out)
    assert f"{company.code}:" in out.getvalue() and other_company.code not in out.getvalue()
    assert snapshot(company) == before
    SalesHour.objects.filter(company=company).update(revenue=0)  # damage both days
    call_command("analytics", "rebuild", "--company", company.code, "--since", "2026-02-15", stdout=StringIO())
    revenue = {r.day: r.revenue for r in SalesHour.objects.filter(company=company)}
    assert revenue == {date(2026, 2, 1): 0, date(2026, 3, 1): 2000}  # only from --since on


def test_rebuild_command_refuses_bad_input(company):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("analytics", "rebuild", "--since", "2026-13-01")
    with pytest.raises(CommandError, match="회사 코드"):
        call_command("analytics", "rebuild", "--company", "nope")


def test_refresh_recomputes_only_touched_days_and_records_as_of(company, sales_kit):
    account = sales_kit.account()
    sales_kit.order(account, kst(2026, 3, 1, 9, 0), [(None, 1, 1000)])
    o2 = sales_kit.order(account, kst(2026, 3, 2, 9, 0), [(None, 1, 2000)])
    state = services.rollup_refresh(company)
    assert state.as_of is not None
    # both orders were written long before the last refresh; only order 2 changes after it
    past = timezone.now() - timedelta(days=1)
    Order.objects.filter(company=company).update(collected_at=past, changed_at=past)
    OrderLine.objects.filter(company=company).update(updated_at=past)
    SalesHour.objects.filter(company=company, day=date(2026, 3, 1)).update(revenue=123)  # left alone if untouched
    RollupState.objects.filter(company=company).update(as_of=timezone.now() - timedelta(minutes=1))
    OrderLine.objects.filter(order=o2).update(total_amount=2500, updated_at=timezone.now())
    state = services.rollup_refresh(company)
    assert state.days == 1
    revenue = {r.day: r.revenue for r in SalesHour.objects.filter(company=company)}
    assert revenue == {date(2026, 3, 1): 123, date(2026, 3, 2): 2500}


# --- random histories ------------------------------------------------------------------------------------

LINE = st.tuples(st.sampled_from([None, 0, 1, 2]), st.integers(1, 5), st.integers(0, 200_000))
ORDER = st.tuples(
    st.integers(0, 1),  # account
    st.integers(0, 6 * 24 * 60 - 1),  # minutes after 2026-03-01 00:00 KST - 1 day: crosses day boundaries
    st.lists(LINE, min_size=1, max_size=3),
    st.integers(0, 5000),  # shipping fee
)
CHANGE = st.tuples(st.integers(0, 30), st.sampled_from(["cancel", "return", "exchange", "cancel_order", "qty"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(ORDER, min_size=1, max_size=12), changes=st.lists(CHANGE, max_size=6),
       late_orders=st.lists(ORDER, max_size=4))
def test_rollup_matches_straight_aggregate_for_random_histories(company, sales_kit, orders, changes, late_orders):
    Order.objects.filter(company=company).delete()
    SalesHour.objects.filter(company=company).delete()
    SalesProductDay.objects.filter(company=company).delete()
    RollupState.objects.filter(company=company).delete()
    if not hasattr(sales_kit, "fixed"):
        sales_kit.fixed = ([sales_kit.account("A몰"), sales_kit.account("B몰", kind="naver")],
                           [sales_kit.sku(f"H{i}") for i in range(3)])
    accounts, skus = sales_kit.fixed
    origin = datetime(2026, 2, 28, 15, 0, tzinfo=UTC)  # 2026-03-01 00:00 KST

    def place(spec):
        acc, minutes, lines, fee = spec
        return sales_kit.order(accounts[acc], origin + timedelta(minutes=minutes - 24 * 60),
                               [(None if s is None else skus[s], q, t) for s, q, t in lines], shipping_fee=fee)

    placed = [place(o) for o in orders]
    services.rollup_refresh(company)
    for index, action in changes:  # later events on earlier orders
        order = placed[index % len(placed)]
        if action == "cancel":
            sales_kit.change_lines(order, channel_status=ChannelStatus.CANCELLED)
        elif action == "return":
            sales_kit.change_lines(order, channel_status=ChannelStatus.RETURNED)
        elif action == "exchange":
            sales_kit.change_lines(order, channel_status=ChannelStatus.EXCHANGE_REQUESTED)
        elif action == "qty":
            sales_kit.change_lines(order, quantity=7, total_amount=70_000)
        else:
            Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED, changed_at=timezone.now())
            sales_kit.change_lines(order, status=OrderStatus.CANCELLED)
    for spec in late_orders:
        place(spec)
    services.rollup_refresh(company)

    expected = straight(company)
    assert rolled(company) == expected
    assert rolled_products(company) == {k: {n: v[n] for n in LINE_FIELDS} for k, v in expected.items()}
    by_day = defaultdict(int)
    for row in SalesHour.objects.filter(company=company):
        by_day[(row.day, row.account_id, "orders")] += row.orders
        by_day[(row.day, row.account_id, "revenue")] += row.revenue
    assert {(r.day, r.account_id, n): getattr(r, n) for r in SalesDay.objects.filter(company=company)
            for n in ("orders", "revenue")} == dict(by_day)
    months = defaultdict(int)
    for row in SalesProductDay.objects.filter(company=company):
        months[(row.day.replace(day=1), row.account_id, row.sku_id)] += row.revenue
    assert {(r.month, r.account_id, r.sku_id): r.revenue
            for r in SalesProductMonth.objects.filter(company=company)} == dict(months)
    incremental = snapshot(company)
    services.rollup_rebuild(company)
    assert snapshot(company) == incremental


def test_long_periods_read_whole_months_and_edge_days_alike(company, sales_kit):
    from marketdock.analytics.selectors import Filters, product_sums, split_months

    account = sales_kit.account()
    sku = sales_kit.sku("M-1")
    for day in (date(2026, 1, 30), date(2026, 2, 1), date(2026, 2, 15), date(2026, 3, 31), date(2026, 4, 1)):
        sales_kit.order(account, kst(day.year, day.month, day.day, 12, 0), [(sku, 1, day.day * 1000)])
    services.rollup_refresh(company)
    assert split_months(date(2026, 1, 30), date(2026, 4, 1)) == (
        [(date(2026, 1, 30), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 1))], (date(2026, 2, 1), date(2026, 3, 1)))
    assert split_months(date(2026, 2, 2), date(2026, 2, 20)) == ([(date(2026, 2, 2), date(2026, 2, 20))], None)
    f = Filters(period="custom", start=date(2026, 1, 31), end=date(2026, 3, 31), prev_start=date(2025, 12, 1),
                prev_end=date(2026, 1, 30), unit="month")
    assert product_sums(company, f, f.start, f.end)[sku.pk]["revenue"] == 1000 + 15000 + 31000
    assert product_sums(company, f, date(2026, 2, 2), date(2026, 4, 1))[sku.pk]["revenue"] == 15000 + 31000 + 1000
