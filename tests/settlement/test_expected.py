"""STL-1/STL-2: expected payout per line, payout dates on KST business days around 설날 and 추석, and
cancels and refunds before and after payout."""

from __future__ import annotations

from datetime import date

import pytest

from marketdock.claims.models import ClaimStatus, ClaimType, FeePayer
from marketdock.orders.hooks import lines_changed
from marketdock.orders.models import ChannelStatus
from marketdock.settlement import services
from marketdock.settlement.models import (
    ExpectedSettlement,
    ExpectedState,
    RecomputeQueue,
    ScheduleKind,
    SettlementAdjustment,
)
from marketdock.settlement.services.schedule import Schedule, basis_date, payout_date

pytestmark = pytest.mark.django_db


# --- payout dates (pure) -------------------------------------------------------------------------


def test_naver_confirmation_before_seollal_pays_after_the_holidays():
    naver = Schedule(ScheduleKind.AFTER_CONFIRM, days=1)
    # 2026 설날: 16–18 Feb (Mon–Wed); confirmed Friday the 13th → the next business day is Thursday the 19th
    assert payout_date(naver, date(2026, 2, 13)) == date(2026, 2, 19)
    assert payout_date(naver, date(2026, 2, 12)) == date(2026, 2, 13)


def test_confirmation_before_chuseok_2025_waits_for_the_long_break():
    naver = Schedule(ScheduleKind.AFTER_CONFIRM, days=1)
    # 2025: 개천절 3 Oct, 추석 5–7 Oct, 대체공휴일 8 Oct, 한글날 9 Oct
    assert payout_date(naver, date(2025, 10, 2)) == date(2025, 10, 10)
    three = Schedule(ScheduleKind.AFTER_CONFIRM, days=3)
    assert payout_date(three, date(2025, 9, 30)) == date(2025, 10, 10)


def test_weekly_and_monthly_schedules_count_business_days_after_the_closing_day():
    weekly = Schedule(ScheduleKind.WEEKLY, days=15, weekday=6)
    # week closing Sunday 2026-09-20; 15 business days skip 추석 (24–25 Sep) and 5 Oct, 9 Oct
    assert payout_date(weekly, date(2026, 9, 16)) == date(2026, 10, 15)
    monthly = Schedule(ScheduleKind.MONTHLY, days=15)
    assert payout_date(monthly, date(2026, 1, 10)) == date(2026, 2, 25)  # 설날 16–18 Feb skipped


def test_estimated_basis_from_shipment_and_auto_confirmation():
    naver = Schedule(ScheduleKind.AFTER_CONFIRM, days=1, auto_confirm_days=8)
    assert basis_date(naver, ordered=date(2026, 3, 2), paid=None, shipped=date(2026, 3, 3), confirmed=None) == (
        date(2026, 3, 12), True)
    shopify = Schedule(ScheduleKind.PAYOUT_DAYS, days=3)
    assert basis_date(shopify, ordered=date(2026, 3, 2), paid=date(2026, 3, 2), shipped=None, confirmed=None) == (
        date(2026, 3, 2), False)


# --- expected payout and states ----------------------------------------------------------------------


def test_expected_payout_is_sale_minus_discount_plus_shipping_minus_commissions(kit):
    account = kit.account(rule={"sale": "10", "payment": "2", "shipping": "3"},
                          schedule={"kind": ScheduleKind.AFTER_CONFIRM, "days": 1, "auto_confirm_days": 8})
    row = kit.expected(kit.order(account, ordered=date(2026, 3, 2), lines=[(2, 15000, 3000)], shipping_fee=3000,
                                 shipped=date(2026, 3, 3)))
    assert (row.quantity, row.sale_amount, row.seller_discount, row.shipping_fee) == (2, 30000, 3000, 3000)
    assert (row.sale_commission, row.payment_commission, row.shipping_commission) == (2700, 540, 90)
    assert row.expected_payout == 27000 + 3000 - 2700 - 540 - 90
    assert row.basis_date == date(2026, 3, 12) and row.payout_date == date(2026, 3, 13)
    assert row.state == ExpectedState.WAITING and row.payout_estimated


def test_foreign_currency_lines_keep_their_currency_and_totals_convert_by_the_dated_rate(kit, company):
    from decimal import Decimal

    from marketdock.core.models import ExchangeRate
    from marketdock.settlement import selectors

    shop = kit.account("Shopify", "shopify", rule={"payment": "2.9", "fixed_order": 30, "currency": "USD"})
    kit.order(shop, ordered=date(2026, 3, 2), lines=[(1, 5000, 0)], currency="USD")  # US$50.00
    services.settlement_refresh(company)
    row = ExpectedSettlement.objects.get(account=shop)
    assert row.currency == "USD" and row.payment_commission == 145 and row.fixed_fee == 30
    assert row.expected_payout == 5000 - 145 - 30
    qs = selectors.expected_list(company)
    assert selectors.expected_totals(company, qs).payout.unconverted == {"USD": 4825}
    ExchangeRate.objects.create(company=company, currency="USD", valid_from=date(2026, 1, 1),
                                krw_per_unit=Decimal("1400"))
    assert selectors.expected_totals(company, qs).payout.krw == 67550


# --- cancels and refunds (STL-2) ---------------------------------------------------------------------


def _account(kit):
    return kit.account(rule={"sale": "10", "shipping": "0"},
                       schedule={"kind": ScheduleKind.AFTER_CONFIRM, "days": 1, "auto_confirm_days": 8})


def test_a_cancel_before_payout_removes_the_line_from_the_expected_payout(kit):
    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0), (1, 8000, 0)], shipping_fee=3000,
                      channel_status=ChannelStatus.CANCELLED)
    rows = kit.compute(order)
    assert all(r.state == ExpectedState.CANCELLED and r.expected_payout == 0 for r in rows)
    assert sum(r.shipping_fee for r in rows) == 0


def test_partial_cancel_by_quantity_settles_the_rest_and_moves_nothing_else(kit):
    account = _account(kit)
    row = kit.expected(kit.order(account, ordered=date(2026, 3, 2), lines=[(3, 10000, 3000)],
                                 channel_status=ChannelStatus.DELIVERED, cancelled_quantity=1))
    assert (row.quantity, row.cancelled_quantity, row.sale_amount, row.seller_discount) == (2, 1, 20000, 2000)
    assert row.expected_payout == 18000 - 1800
    assert row.refunded_amount == 9000


def test_shipping_fee_moves_to_the_next_line_still_settled(kit):
    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0), (1, 8000, 0)], shipping_fee=3000)
    first = order.lines.order_by("pk").first()
    first.channel_status = ChannelStatus.CANCELLED
    first.save(update_fields=["channel_status"])
    a, b = kit.compute(order)
    assert (a.shipping_fee, b.shipping_fee) == (0, 3000)
    assert b.expected_payout == 8000 - 800 + 3000


def test_return_before_payout_with_the_buyer_paying_return_shipping(kit):
    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2), lines=[(2, 10000, 0)], shipped=date(2026, 3, 3))
    line = order.lines.get()
    kit.claim(line, type=ClaimType.RETURN, quantity=1, done=date(2026, 3, 6), return_fee=3000, payer=FeePayer.BUYER)
    row = kit.expected(order)
    assert (row.quantity, row.cancelled_quantity) == (1, 1)
    assert row.buyer_return_fee == 3000
    assert row.expected_payout == 10000 - 1000 + 3000
    assert not SettlementAdjustment.objects.filter(line=line).exists()


def test_refund_after_payout_is_a_negative_adjustment_with_commission_reversed(kit):
    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2), lines=[(2, 10000, 0)], shipped=date(2026, 3, 3))
    line = order.lines.get()
    before = kit.expected(order)
    assert before.payout_date == date(2026, 3, 13)
    claim = kit.claim(line, type=ClaimType.RETURN, quantity=1, done=date(2026, 3, 20), refund_amount=10000,
                      return_fee=2500, payer=FeePayer.BUYER)
    row = kit.expected(order)
    assert row.expected_payout == before.expected_payout == 18000  # the line was paid in full
    adj = SettlementAdjustment.objects.get(line=line)
    assert (adj.claim_id, adj.quantity, adj.amount, adj.commission_reversed, adj.shipping_fee) == (
        claim.pk, 1, -10000, 1000, 2500)
    assert adj.net == -10000 + 1000 + 2500 and adj.booked_on == date(2026, 3, 20)
    claim.status = ClaimStatus.WITHDRAWN
    claim.save(update_fields=["status"])
    kit.expected(order)
    assert not SettlementAdjustment.objects.filter(line=line).exists()  # a withdrawn claim leaves nothing


def test_refund_after_payout_keeps_the_commission_where_the_channel_does_not_return_it(kit):
    account = kit.account(rule={"sale": "10", "reverses": False},
                          schedule={"kind": ScheduleKind.AFTER_CONFIRM, "days": 1, "auto_confirm_days": 8})
    order = kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0)], shipped=date(2026, 3, 3))
    kit.claim(order.lines.get(), type=ClaimType.RETURN, quantity=1, done=date(2026, 3, 30), payer=FeePayer.SELLER,
              return_fee=3000)
    kit.expected(order)
    adj = SettlementAdjustment.objects.get(line__order=order)
    assert (adj.amount, adj.commission_reversed, adj.shipping_fee, adj.net) == (-10000, 0, 0, -10000)


def test_paid_state_follows_the_imported_paid_record(kit):
    from marketdock.settlement.models import SettlementRecord

    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2), shipped=date(2026, 3, 3))
    line = order.lines.get()
    SettlementRecord.objects.create(company=kit.company, account=account, line=line, marketplace="coupang",
                                    record_id="R1", kind="sale", order_line_id=line.channel_line_id,
                                    settle_date=date(2026, 3, 9), pay_date=date(2026, 3, 10), paid=True,
                                    payout_amount=9000)
    row = kit.expected(order)
    assert row.state == ExpectedState.PAID and row.payout_date == date(2026, 3, 10) and not row.payout_estimated


LATE_PAY_DAY = date(2026, 3, 27)


def _line_paid_late(kit):
    """A Coupang line due by its schedule well before LATE_PAY_DAY: (account, line, due, match key)."""
    from marketdock.settlement.services.imports import match_key

    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2), shipped=date(2026, 3, 3))
    line = order.lines.get()
    due = kit.expected(order).payout_date
    assert due < LATE_PAY_DAY
    return account, line, due, match_key("coupang", order.channel_order_id, line.channel_line_id)


def test_a_late_payment_stays_late_after_the_paid_record_moves_the_payout_date(kit):
    from marketdock.settlement.models import IssueKind, SettlementIssue, SettlementRecord
    from marketdock.settlement.services import settlement_reconcile

    account, line, due, key = _line_paid_late(kit)
    SettlementRecord.objects.create(company=kit.company, account=account, line=line, marketplace="coupang",
                                    record_id="R1", kind="sale", order_id=line.order.channel_order_id,
                                    order_line_id=key, settle_date=LATE_PAY_DAY, pay_date=LATE_PAY_DAY, paid=True,
                                    payout_amount=9000)
    row = kit.expected(line.order)  # the refresh takes the marketplace's pay day; the schedule's day is kept
    assert (row.state, row.payout_date, row.due_date) == (ExpectedState.PAID, LATE_PAY_DAY, due)
    settlement_reconcile(account, today=date(2026, 3, 30))
    late = SettlementIssue.objects.get(account=account, kind=IssueKind.LATE)
    assert due.isoformat() in late.reason and LATE_PAY_DAY.isoformat() in late.reason


def test_an_import_brings_the_paid_lines_to_the_pay_day_before_it_reconciles(kit):
    from marketdock.settlement.models import IssueKind, SettlementIssue
    from marketdock.settlement.services import settlement_import_reconcile
    from tests.factories.settlement_import import OnePageSettlements, settled

    account, line, due, key = _line_paid_late(kit)
    connector = OnePageSettlements([settled(line.order.channel_order_id, key, match_key=key, marketplace="coupang",
                                            sale=10000, commission=1000, payout=9000, settle_date=LATE_PAY_DAY,
                                            pay_date=LATE_PAY_DAY)])
    stored, recon = settlement_import_reconcile(account, date(2026, 3, 1), date(2026, 3, 31), connector=connector,
                                                today=date(2026, 3, 30))
    assert stored.created == 1 and recon.seen == 1
    row = ExpectedSettlement.objects.get(line=line)  # the screen's figures see the line paid on its pay day
    assert (row.state, row.payout_date, row.due_date) == (ExpectedState.PAID, LATE_PAY_DAY, due)
    assert list(SettlementIssue.objects.filter(account=account).values_list("kind", flat=True)) == [IssueKind.LATE]


# --- recomputation triggers ------------------------------------------------------------------------------


def test_the_orders_hook_queues_lines_and_the_refresh_drains_the_queue(kit, company):
    account = _account(kit)
    order = kit.order(account, ordered=date(2026, 3, 2))
    services.settlement_refresh(company)
    line = order.lines.get()
    line.unit_price = 20000
    line.save(update_fields=["unit_price"])  # written without touching updated_at: only the hook tells
    lines_changed(company.pk, [line.pk])
    assert RecomputeQueue.objects.filter(company=company, line_id=line.pk).exists()
    services.settlement_refresh(company)
    assert ExpectedSettlement.objects.get(line=line).sale_amount == 20000
    assert not RecomputeQueue.objects.filter(company=company).exists()


def test_a_weekend_confirmation_pays_on_the_first_business_day_after_it():
    naver = Schedule(ScheduleKind.AFTER_CONFIRM, days=1)
    assert payout_date(naver, date(2026, 3, 7)) == date(2026, 3, 9)  # Saturday → Monday
    assert payout_date(naver, date(2026, 2, 15)) == date(2026, 2, 19)  # Sunday before 설날 → Thursday


def test_a_collected_order_is_queued_by_the_ingest_hook(company, order_kit):
    account = order_kit.account()
    [order] = order_kit.ingest(account, [order_kit.line(quantity=2, unit_price=9900, total_amount=19800)])
    line = order.lines.get()
    assert RecomputeQueue.objects.filter(company=company, line_id=line.pk).exists()
    services.settlement_refresh(company)
    row = ExpectedSettlement.objects.get(line=line)
    assert row.sale_amount == 19800 and row.sale_commission == 2138  # Coupang's seeded 10.8 %
