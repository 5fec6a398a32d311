"""Demo step: default commission rules and payout schedules for the demo accounts, a few store sales at
the demo store (when it has stock), then the expected settlement of the demo orders and the sales rollup."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from marketdock.inventory.models import StockLevel, Warehouse

from . import services
from .models import PaymentMethod, StoreSale


def _store_sales(company, out: list[str]) -> None:
    store = Warehouse.objects.filter(company=company, kind=Warehouse.Kind.STORE, is_active=True).first()
    if store is None or StoreSale.objects.filter(company=company).exists():
        return
    levels = list(StockLevel.objects.filter(company=company, warehouse=store, on_hand__gte=F("reserved") + 2)
                  .select_related("sku__product").order_by("sku_id")[:3])
    today = timezone.localdate()
    methods = [PaymentMethod.CARD, PaymentMethod.CASH, PaymentMethod.GIFT_CARD]
    for n, level in enumerate(levels):
        sku = level.sku
        price = max(1000, sku.product.price + sku.price_delta)
        services.store_sale_create(company=company, user=None, warehouse=store, sold_on=today - timedelta(days=n),
                                   payment_method=methods[n % 3], sale_discount=1000 if n == 1 else 0,
                                   items=[services.SaleItem(sku.pk, 1, price)])
    if levels:
        out.append(f"{company.code}: {len(levels)} store sales at {store.name}")


def demo_settlement(company, out: list[str]) -> None:
    _store_sales(company, out)
    result = services.settlement_refresh(company)
    out.append(f"settlement of {company.code}: {result['lines']} lines, {result['days']} days")
