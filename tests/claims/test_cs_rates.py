"""클레임 분석 (CS-5): claim rates per channel and per product on a small known data set."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from marketdock.claims import selectors_rates as rates
from marketdock.claims.models import ClaimStatus, ClaimType, ReasonClass
from tests.factories.channels import make_account
from tests.factories.cs import make_account_claim, match_line
from tests.factories.orders import make_raw_order

pytestmark = pytest.mark.django_db
KST = timezone.get_fixed_timezone(9 * 60)


def _at(day: int, hour: int = 12):
    return datetime(2026, 3, day, hour, tzinfo=KST)


@pytest.fixture
def data(company):
    """Naver: 10 lines in March (2 returns: size, defect; 1 withdrawn return; 1 cancel), 1 line in
    February with a return (outside the period). Coupang: 4 lines, 1 exchange."""
    naver = make_account(company, "스마트스토어", kind="naver")
    coupang = make_account(company, "쿠팡", kind="coupang")
    n_orders = [make_raw_order(naver, ordered_at=_at(1 + i)) for i in range(10)]
    c_orders = [make_raw_order(coupang, ordered_at=_at(5 + i)) for i in range(4)]
    for o in n_orders[:6]:
        match_line(o.lines.get(), "TEE", "반팔 티셔츠")
    for o in n_orders[6:] + c_orders:
        match_line(o.lines.get(), "KNIT", "니트")
    make_account_claim(naver, order=n_orders[0], line=n_orders[0].lines.get(), reason_class=ReasonClass.SIZE)
    make_account_claim(naver, order=n_orders[1], line=n_orders[1].lines.get(), reason_class=ReasonClass.DEFECT)
    make_account_claim(naver, order=n_orders[2], line=n_orders[2].lines.get(), status=ClaimStatus.WITHDRAWN)
    make_account_claim(naver, order=n_orders[7], line=n_orders[7].lines.get(), type=ClaimType.CANCEL,
               reason_class=ReasonClass.CHANGE_OF_MIND)
    make_account_claim(coupang, order=c_orders[0], line=c_orders[0].lines.get(), type=ClaimType.EXCHANGE,
               reason_class=ReasonClass.SIZE)
    old = make_raw_order(naver, ordered_at=_at(1) - timedelta(days=10))
    make_account_claim(naver, order=old, line=old.lines.get())
    return naver, coupang


def _march():
    return rates.RateFilters(start=date(2026, 3, 1), end=date(2026, 3, 31))


def test_rates_per_channel(company, data):
    rows = {r.label: r for r in rates.by_account(company, _march())}
    naver, coupang = rows["스마트스토어"], rows["쿠팡"]
    assert (naver.lines, naver.claims["return"], naver.claims["cancel"]) == (10, 2, 1)
    assert naver.rate("return") == pytest.approx(0.2) and naver.rate("cancel") == pytest.approx(0.1)
    assert naver.classes[ReasonClass.SIZE] == 1 and naver.classes[ReasonClass.DEFECT] == 1
    assert (coupang.lines, coupang.claims["exchange"], coupang.rate("exchange")) == (4, 1, 0.25)
    total = rates.totals(list(rows.values()))
    assert (total.lines, total.total_claims) == (14, 4)


def test_rates_per_product(company, data):
    rows = {r.label: r for r in rates.by_product(company, _march())}
    tee, knit = rows["P-TEE 반팔 티셔츠"], rows["P-KNIT 니트"]
    assert (tee.lines, tee.claims["return"], tee.rate("return")) == (6, 2, pytest.approx(1 / 3))
    assert (knit.lines, knit.claims["cancel"], knit.claims["exchange"]) == (8, 1, 1)


def test_account_filter_and_period(company, data):
    naver, _coupang = data
    only_naver = rates.RateFilters(start=date(2026, 2, 1), end=date(2026, 3, 31), accounts=[naver.pk])
    [row] = rates.by_account(company, only_naver)
    assert (row.lines, row.claims["return"]) == (11, 3)  # February's order and return now count


def test_unmatched_lines_grouped_by_name(company):
    account = make_account(company)
    order = make_raw_order(account, product="무지 양말", ordered_at=_at(3))
    make_account_claim(account, order=order, line=order.lines.get())
    [row] = rates.by_product(company, _march())
    assert row.label == "무지 양말 (미매칭)" and row.rate("return") == 1.0


def test_filters_from_query_swap_and_default():
    q = QueryDict("from=2026-03-31&to=2026-03-01&account=7&account=x")
    f = rates.rate_filters_from(q)
    assert (f.start, f.end, f.accounts) == (date(2026, 3, 1), date(2026, 3, 31), [7])
    d = rates.rate_filters_from(QueryDict(""), today=date(2026, 3, 31))
    assert (d.start, d.end) == (date(2026, 3, 2), date(2026, 3, 31))
