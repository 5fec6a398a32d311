"""STL-6 store sales (stock out exactly once, back on void) and STL-5 the daily sales rollup."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from marketdock.inventory.models import StockMovement
from marketdock.settlement import selectors, services
from marketdock.settlement.models import DailySales, PaymentMethod, ScheduleKind, StoreSale
from marketdock.settlement.selectors import SalesFilter
from tests.factories.catalog import make_warehouse, on_hand

pytestmark = pytest.mark.django_db


def _sale(kit, store, sku, qty=2, *, discount=0, sale_discount=0, day=date(2026, 3, 5), user=None):
    return services.store_sale_create(
        company=kit.company, user=user, warehouse=store, sold_on=day, payment_method=PaymentMethod.CARD,
        items=[services.SaleItem(sku.pk, qty, 15000, discount)], sale_discount=sale_discount)


def test_store_sale_deducts_stock_exactly_once_and_a_void_puts_it_back(kit, admin_user):
    store = kit.store()
    sku = kit.stocked_sku("TEE-1", store, 10)
    sale = _sale(kit, store, sku, 3, discount=1000, sale_discount=2000, user=admin_user)
    assert on_hand(sku, store) == 7
    assert (sale.subtotal, sale.line_discounts, sale.sale_discount, sale.total_amount) == (45000, 1000, 2000, 42000)
    moves = StockMovement.objects.filter(reference_type="store_sale", reference_id=sale.number)
    assert sum(m.quantity for m in moves) == -3  # on hand taken once (the reservation moves no stock)
    assert sum(m.reserved_change for m in moves) == 0
    services.store_sale_void(company=kit.company, user=admin_user, sale=sale)
    assert on_hand(sku, store) == 10
    with pytest.raises(ValidationError, match="이미 취소"):
        services.store_sale_void(company=kit.company, user=admin_user, sale=sale)
    assert on_hand(sku, store) == 10


def test_store_sale_short_of_stock_is_refused_and_nothing_is_saved(kit):
    store = kit.store()
    sku = kit.stocked_sku("TEE-2", store, 1)
    with pytest.raises(ValidationError, match="재고가 부족"):
        _sale(kit, store, sku, 2)
    assert not StoreSale.objects.exists() and on_hand(sku, store) == 1


def test_store_sale_only_at_a_store_warehouse(kit):
    warehouse = make_warehouse(kit.company, "WH9", "물류창고")
    sku = kit.stocked_sku("TEE-3", warehouse, 5)
    with pytest.raises(ValidationError, match="매장으로 등록된 창고"):
        _sale(kit, warehouse, sku, 1)


def test_daily_sales_rollup_per_channel_store_and_product(kit, company):
    account = kit.account(rule={"sale": "10"}, schedule={"kind": ScheduleKind.AFTER_CONFIRM, "days": 1})
    store = kit.store()
    sku = kit.stocked_sku("TEE-4", store, 10)
    kit.order(account, ordered=date(2026, 3, 5), lines=[(2, 10000, 2000)], shipping_fee=3000, sku=sku)
    kit.order(account, ordered=date(2026, 3, 5), lines=[(1, 5000, 0)])
    kit.order(account, ordered=date(2026, 3, 6), lines=[(1, 7000, 0)], channel_status="cancelled")
    _sale(kit, store, sku, 2, day=date(2026, 3, 5))
    services.settlement_refresh(company)
    rows = DailySales.objects.filter(company=company, day=date(2026, 3, 5))
    channel = [r for r in rows if r.account_id == account.pk]
    assert sum(r.orders for r in channel) == 2 and sum(r.quantity for r in channel) == 3
    assert sum(r.revenue for r in channel) == 18000 + 5000
    assert sum(r.commission for r in channel) == 1800 + 500
    assert sum(r.expected for r in channel) == (18000 - 1800 + 3000) + (5000 - 500)
    shop = [r for r in rows if r.store_id == store.pk]
    assert [(r.sku_id, r.quantity, r.revenue, r.actual) for r in shop] == [(sku.pk, 2, 30000, 30000)]
    cancelled = DailySales.objects.get(company=company, day=date(2026, 3, 6))
    assert (cancelled.quantity, cancelled.cancelled_quantity, cancelled.revenue) == (0, 1, 0)
    month = selectors.sales_rows(company, SalesFilter(start=date(2026, 3, 1), end=date(2026, 3, 31), unit="month"))
    assert sum(r["revenue"] for r in month) == 23000 + 30000
    assert {r["bucket"] for r in month} == {date(2026, 3, 1)}


def test_a_voided_store_sale_leaves_the_figures_after_the_refresh(kit, company, admin_user):
    store = kit.store()
    sku = kit.stocked_sku("TEE-5", store, 10)
    sale = _sale(kit, store, sku, 1)
    services.settlement_refresh(company)
    assert DailySales.objects.filter(company=company, store=store).exists()
    services.store_sale_void(company=company, user=admin_user, sale=sale)
    services.settlement_refresh(company)
    assert not DailySales.objects.filter(company=company, store=store).exists()
