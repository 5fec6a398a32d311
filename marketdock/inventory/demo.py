"""Demo data: 본사창고 (default) and a store, stock for the catalogue's demo SKUs, an expected
inbound, a transfer and a few SKUs under their reorder point. Runs after the catalogue's demo
step; idempotent (stock is only added once per company) and quiet when there are no SKUs yet."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from . import selectors, services
from .models import StockMovement, Warehouse


def demo_inventory(company, out: list[str]) -> None:
    main = selectors.warehouses(company).filter(code="MAIN").first()
    if main is None:
        main = services.warehouse_save(
            company=company, code="MAIN", name="본사창고", kind=Warehouse.Kind.WAREHOUSE, postal_code="04799",
            address="서울특별시 성동구 성수이로 100, 1층", phone="02-1234-5678", sender_name=company.name,
            is_default=not selectors.warehouses(company).filter(is_default=True).exists(),
        )
        out.append(f"{company.code}: warehouse 본사창고")
    store = selectors.warehouses(company).filter(code="STORE1").first()
    if store is None:
        store = services.warehouse_save(
            company=company, code="STORE1", name="성수매장", kind=Warehouse.Kind.STORE, postal_code="04784",
            address="서울특별시 성동구 연무장길 20", phone="02-2222-3333", sender_name=company.name,
            exposed_to_channels=False,
        )
        out.append(f"{company.code}: store 성수매장")
    skus = list(selectors.stock_skus(company).order_by("code"))
    if not skus or StockMovement.objects.filter(company=company).exists():
        return
    supplier = selectors.suppliers(company).first()
    lines = [(sku.pk, 3 if i % 5 == 4 else 20 + (i * 7) % 40) for i, sku in enumerate(skus)]
    try:
        inbound = services.inbound_create(
            company=company, warehouse=main, lines=lines, supplier=supplier,
            supplier_name="" if supplier else "데모 매입처", expected_date=timezone.localdate(), registered=True,
            memo="데모 기초재고",
        )
        services.inbound_confirm(company=company, inbound=inbound)
        for i, sku in enumerate(skus):
            if i % 5 == 4 and not sku.safety_stock and not sku.reorder_point:
                services.sku_thresholds_update(company=company, sku=sku, safety_stock=5, reorder_point=10)
        services.inbound_create(
            company=company, warehouse=main, lines=[(sku.pk, 30) for sku in skus[:3]], supplier=supplier,
            supplier_name="" if supplier else "데모 매입처",
            expected_date=timezone.localdate() + timedelta(days=3), memo="데모 입고예정",
        )
        movable = [pk for pk, qty in lines if qty >= 20][:2]
        if movable:
            services.transfer_create(company=company, from_warehouse=main, to_warehouse=store,
                                     lines=[(pk, 2) for pk in movable], memo="매장 진열분")
    except services.StockError as exc:
        out.append(f"{company.code}: demo stock skipped ({exc})")
        return
    out.append(f"{company.code}: stock for {len(skus)} SKUs, 1 expected inbound, 1 transfer")
