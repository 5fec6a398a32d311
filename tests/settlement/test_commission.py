"""STL-1: which commission rule applies to a line, and the marketplace's own figures winning over it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marketdock.settlement import services
from marketdock.settlement.models import CommissionRule, FigureSource, PayoutSchedule, ScheduleKind
from tests.factories.catalog import make_sku

pytestmark = pytest.mark.django_db


def _with_category(kit, category):
    sku = make_sku(kit.company)
    sku.product.category = category
    sku.product.save(update_fields=["category"])
    return sku


def test_category_rule_beats_the_account_rule_and_a_parent_category_rule_covers_its_children(kit):
    account = kit.account(rule={"sale": "10"})
    fashion = kit.category("패션")
    shoes = kit.category("신발", parent=fashion)
    kit.rule(account, sale="7", category=fashion)
    plain = kit.expected(kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0)]))
    child = kit.expected(kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0)],
                                   sku=_with_category(kit, shoes)))
    assert plain.sale_commission == 1000
    assert child.sale_commission == 700  # the parent category's rule, not the account's
    kit.rule(account, sale="5", category=shoes)
    assert kit.expected(child.order).sale_commission == 500  # the nearest category wins


def test_a_period_rule_applies_only_to_orders_inside_its_period(kit):
    account = kit.account(rule={"sale": "10"})
    kit.rule(account, sale="8", valid_from=date(2026, 4, 1), valid_to=date(2026, 4, 30))
    before = kit.expected(kit.order(account, ordered=date(2026, 3, 31)))
    inside = kit.expected(kit.order(account, ordered=date(2026, 4, 15)))
    after = kit.expected(kit.order(account, ordered=date(2026, 5, 1)))
    assert (before.sale_commission, inside.sale_commission, after.sale_commission) == (1000, 800, 1000)


def test_commission_is_truncated_below_one_won_and_fixed_fees_apply_per_line_and_order(kit):
    account = kit.account(rule={"sale": "10.8", "payment": "0", "shipping": "3", "fixed_line": 100,
                                "fixed_order": 50})
    rows = kit.compute(kit.order(account, ordered=date(2026, 3, 2), lines=[(3, 3333, 0), (1, 5000, 0)],
                                 shipping_fee=3000))
    first, second = rows
    assert first.sale_commission == 1079  # 9,999 × 10.8% = 1,079.89 → 1,079
    assert first.shipping_fee == 3000 and first.shipping_commission == 90
    assert first.fixed_fee == 150 and second.fixed_fee == 100
    assert first.expected_payout == 9999 + 3000 - 1079 - 90 - 150
    assert second.expected_payout == 5000 - 540 - 100
    assert first.source == FigureSource.RULE


def test_naver_reported_commission_and_expected_settlement_win_over_the_rule(kit):
    account = kit.account("스마트스토어", "naver", rule={"sale": "2", "payment": "3.63", "shipping": "0"})
    raw = {"order": {"orderId": "1"}, "productOrder": {
        "productOrderId": "1-1", "paymentCommission": 363, "saleCommission": 200, "channelCommission": 0,
        "knowledgeShoppingSellingInterlockCommission": 0, "expectedSettlementAmount": 9437,
        "decisionDate": "2026-03-10T11:00:00.0+09:00"}}
    row = kit.expected(kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0)], raw=raw))
    assert row.source == FigureSource.MARKETPLACE
    assert (row.sale_commission, row.payment_commission, row.expected_payout) == (200, 363, 9437)
    assert row.basis_date == date(2026, 3, 10) and not row.payout_estimated
    assert row.payout_date == date(2026, 3, 11)
    odd = kit.expected(kit.order(account, ordered=date(2026, 3, 2), lines=[(1, 10000, 0)],
                                 raw={"productOrder": {"expectedSettlementAmount": "abc"}}))
    assert odd.source == FigureSource.RULE and odd.sale_commission == 200 and odd.payment_commission == 363


def test_no_rule_says_so_and_charges_nothing(kit):
    account = kit.account()
    row = kit.expected(kit.order(account, ordered=date(2026, 3, 2)))
    assert row.source == FigureSource.NONE and row.expected_payout == 10000


def test_defaults_are_seeded_once_per_account_kind_and_edits_are_kept(kit, admin_user):
    naver = kit.account("스마트스토어", "naver")
    coupang = kit.account("쿠팡", "coupang")
    eleven = kit.account("11번가", "elevenst")
    services.rules_seed_company(kit.company)
    rule = CommissionRule.objects.get(account=coupang)
    assert rule.sale_rate == Decimal("10.8") and rule.is_seeded and "WING" in rule.source_note
    assert CommissionRule.objects.get(account=naver).payment_rate == Decimal("3.63")
    assert "확인하지 못했습니다" in CommissionRule.objects.get(account=eleven).source_note
    assert PayoutSchedule.objects.get(account=coupang).kind == ScheduleKind.WEEKLY
    services.rule_save(company=kit.company, user=admin_user, rule=rule, account=coupang, sale_rate="9.5")
    services.rules_seed_company(kit.company)
    assert list(CommissionRule.objects.filter(account=coupang).values_list("sale_rate", flat=True)) == [Decimal("9.5")]


def test_rule_save_refuses_bad_rates_and_periods_in_korean(kit, admin_user):
    from django.core.exceptions import ValidationError

    account = kit.account()
    with pytest.raises(ValidationError) as bad:
        services.rule_save(company=kit.company, user=admin_user, account=account, sale_rate="120")
    assert "100 미만" in str(bad.value)
    with pytest.raises(ValidationError) as backwards:
        services.rule_save(company=kit.company, user=admin_user, account=account, sale_rate="1",
                           valid_from=date(2026, 5, 1), valid_to=date(2026, 4, 1))
    assert "종료일" in str(backwards.value)
    assert not CommissionRule.objects.filter(account=account).exists()


def test_a_rule_change_queues_every_line_of_the_account_and_the_refresh_recomputes_them(kit, admin_user):
    account = kit.account(rule={"sale": "10"})
    order = kit.order(account, ordered=date(2026, 3, 2))
    services.settlement_refresh(kit.company)
    assert kit.expected(order).sale_commission == 1000
    rule = CommissionRule.objects.get(account=account)
    services.rule_save(company=kit.company, user=admin_user, rule=rule, account=account, sale_rate="12")
    services.settlement_refresh(kit.company)
    assert order.lines.get().expected_settlement.sale_commission == 1200
