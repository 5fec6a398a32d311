"""Orders keep the marketplace's currency (a Shopify USD order is "US$199.00", never "19,900원"), the
export writes major units with the currency and a won column from the company's rates; each line
has a 출고기한 (the marketplace's own date or the account's rule), the list filters and sorts by it,
the home screen counts today's and overdue ones, and 발송지연 moves it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from marketdock.channels.connectors import coupang, shopify
from marketdock.core.services_rates import rate_save
from marketdock.orders.models import DueSource, ExportTemplate, Order, OrderLine, OrderStatus
from marketdock.orders.services import order_delay, order_transition
from tests.spreadsheets import sheet_rows

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "channels" / "fixtures"


def _load(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def usd_order(order_kit):
    account = order_kit.account("Shopify 해외몰", kind="shopify")
    lines = shopify.parse_payload(_load("shopify/order.json"))  # the published sample: 3 × 199.00 USD
    (order,) = order_kit.ingest(account, lines)
    return order


def test_shopify_sample_amounts_are_cents_with_their_currency(usd_order):
    lines = list(OrderLine.objects.filter(order=usd_order))
    assert {ln.currency for ln in lines} == {"USD"} and usd_order.currency == "USD"
    assert [ln.total_amount for ln in lines] == [19900, 19900, 19900]
    assert usd_order.total_amount == 3 * 19900 + usd_order.shipping_fee


def test_list_and_detail_show_dollars_not_won(admin_client, usd_order):
    html = admin_client.get(reverse("orders:list")).content.decode()
    shown = f"US${Decimal(usd_order.total_amount) / 100:,.2f}"
    assert shown in html and f"{usd_order.total_amount:,}원" not in html
    detail = admin_client.get(reverse("orders:detail", args=[usd_order.pk])).content.decode()
    assert "US$199.00" in detail and "19,900원" not in detail
    assert "주문일에 적용할 환율이 없습니다" in detail  # no rate yet: said, not guessed


def test_detail_converts_with_the_rate_of_the_order_day(admin_client, admin_user, company, usd_order):
    day = timezone.localdate(usd_order.ordered_at)
    rate_save(company=company, user=admin_user, currency="USD", valid_from=day - timedelta(days=3), krw_per_unit="1400")
    detail = admin_client.get(reverse("orders:detail", args=[usd_order.pk])).content.decode()
    won = round(Decimal(usd_order.total_amount) / 100 * 1400)
    assert f"≈ {won:,}원" in detail and "1 USD = 1400" in detail


def test_export_writes_major_units_currency_and_won(admin_client, admin_user, company, usd_order, order_kit):
    krw = order_kit.ingest(order_kit.account(), [order_kit.line(total_amount=12900, unit_price=12900)])[0]
    t = ExportTemplate.objects.create(company=company, name="금액", columns=[
        "channel_order_id", "unit_price", "line_total", "currency", "line_total_krw", "dispatch_due"])
    rows = sheet_rows(admin_client.get(reverse("orders:export"), {"template": t.pk, "order": [usd_order.pk, krw.pk]}))
    assert rows[0][:5] == ["주문번호", "판매가", "결제금액(상품별)", "통화", "결제금액(상품별, 원화환산)"]
    usd_rows = [r for r in rows[1:] if r[3] == "USD"]
    assert len(usd_rows) == 3 and all(r[1] == 199 and r[2] == 199 and r[4] is None for r in usd_rows)
    assert [r[1:5] for r in rows[1:] if r[3] == "KRW"] == [[12900, 12900, "KRW", 12900]]
    rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2000, 1, 1), krw_per_unit="1350")
    rows = sheet_rows(admin_client.get(reverse("orders:export"), {"template": t.pk, "order": [usd_order.pk]}))
    assert [r[4] for r in rows[1:]] == [268650, 268650, 268650]  # 199.00 × 1350


# --- 출고기한 ---------------------------------------------------------------------------------------


def test_marketplace_due_dates_are_read_from_the_samples():
    orders, errors, _token = coupang.parse_list_response(_load("coupang/delivery__lookup-order-list-per-day.response.json"))
    assert not errors and {o.dispatch_due for o in orders} == {date(2017, 10, 16)}


def test_marketplace_due_date_wins_else_the_accounts_rule(order_kit):
    account = order_kit.account(dispatch_days=1, dispatch_cutoff_hour=15)
    paid = datetime(2026, 9, 23, 1, 0, tzinfo=UTC)  # Wed 10:00 KST, the day before 추석
    own, ruled = order_kit.ingest(account, [
        order_kit.line("M1", paid_at=paid, dispatch_due=date(2026, 9, 30)), order_kit.line("R1", paid_at=paid)])
    assert (own.dispatch_due, own.lines.get().dispatch_due_source) == (date(2026, 9, 30), DueSource.MARKETPLACE)
    assert (ruled.dispatch_due, ruled.lines.get().dispatch_due_source) == (date(2026, 9, 28), DueSource.RULE)
    # the marketplace moves its date (a delay made in its own portal): ours follows
    order_kit.ingest(account, [order_kit.line("M1", order_line_id=own.lines.get().channel_line_id, paid_at=paid,
                                              dispatch_due=date(2026, 10, 6))])
    own.refresh_from_db()
    assert own.dispatch_due == date(2026, 10, 6)


def test_shipped_and_cancelled_orders_have_no_deadline_left(order_kit, company, admin_user):
    account = order_kit.account(dispatch_days=0, dispatch_cutoff_hour=0)
    (order,) = order_kit.ingest(account, [order_kit.line(paid_at=datetime(2026, 3, 3, 1, tzinfo=UTC))])
    assert order.dispatch_due == date(2026, 3, 3)
    order_transition(company=company, orders=[order], to=OrderStatus.CANCELLED, user=admin_user)
    order.refresh_from_db()
    assert order.dispatch_due is None


def test_list_filters_and_sorts_by_deadline_and_home_counts_them(admin_client, order_kit):
    today = timezone.localdate()
    account = order_kit.account()
    late, due, later, none = order_kit.ingest(account, [
        order_kit.line("LATE", dispatch_due=today - timedelta(days=2)), order_kit.line("TODAY", dispatch_due=today),
        order_kit.line("LATER", dispatch_due=today + timedelta(days=5)), order_kit.line("NONE")])
    Order.objects.filter(pk=none.pk).update(dispatch_due=None)

    def numbers(**query):
        html = admin_client.get(reverse("orders:list"), query).content.decode()
        return [no for no in ("LATE", "TODAY", "LATER", "NONE") if f'data-order-no="{no}"' in html], html

    assert numbers(due="today")[0] == ["TODAY"]
    assert numbers(due="overdue")[0] == ["LATE"]
    listed, html = numbers(sort="dispatch_due")
    assert listed == ["LATE", "TODAY", "LATER"]
    assert html.index('data-order-no="LATE"') < html.index('data-order-no="TODAY"') < html.index('data-order-no="LATER"')
    assert numbers(due="bogus")[0] == ["LATE", "TODAY", "LATER", "NONE"]  # a bad value filters nothing, no 500
    page1 = admin_client.get(reverse("orders:list"), {"sort": "dispatch_due", "size": 50}).status_code
    assert page1 == 200
    home = admin_client.get(reverse("home")).content.decode()
    assert "오늘 출고기한" in home and "기한 초과" in home
    assert "?due=today&amp;sort=dispatch_due" in home and "?due=overdue&amp;sort=dispatch_due" in home


def test_delay_moves_the_deadline(order_kit, company, admin_user):
    account = order_kit.account(kind="coupang")
    (order,) = order_kit.ingest(account, [order_kit.line(dispatch_due=timezone.localdate())])
    new_date = timezone.localdate() + timedelta(days=4)
    result = order_delay(company=company, orders=[order], expected_date=new_date, reason_code="PRODUCT_PREPARE",
                         message="입고 지연", user=admin_user)
    assert not result.failed, result.failed
    order.refresh_from_db()
    line = order.lines.get()
    assert order.dispatch_due == new_date and (line.dispatch_due, line.dispatch_due_source) == (new_date, DueSource.DELAY)


def test_list_page_total_keeps_dollars_apart_until_a_rate_exists(admin_client, admin_user, company, usd_order,
                                                                  order_kit):
    order_kit.ingest(order_kit.account(), [order_kit.line(total_amount=12900, unit_price=12900)])
    html = admin_client.get(reverse("orders:list")).content.decode()
    usd = f"US${Decimal(usd_order.total_amount) / 100:,.2f}"
    assert f"이 페이지 결제금액 12,900원 + {usd}" in html  # never 12,900 + 59,700 "원"
    rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2000, 1, 1), krw_per_unit="1000")
    html = admin_client.get(reverse("orders:list")).content.decode()
    won = 12900 + usd_order.total_amount * 10  # cents × 1000 / 100
    assert f"이 페이지 결제금액 {won:,}원" in html and "외화 환산 포함" in html
