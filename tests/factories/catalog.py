"""Brands, products (through the catalogue's services), SKUs and sets (straight from the models),
warehouses and stock receipts (through the inventory services)."""

from __future__ import annotations

import itertools

from marketdock.catalog import services as catalog_services
from marketdock.catalog.models import SKU, Product, SetComponent
from marketdock.core.models import CommonCode, CommonCodeGroup
from marketdock.inventory import services as inventory_services
from marketdock.inventory.models import StockLevel, Warehouse

_seq = itertools.count(1)


def brand(company, code: str, name: str) -> CommonCode:
    group, _ = CommonCodeGroup.objects.get_or_create(company=company, code="BRAND", defaults={"name": "브랜드"})
    return CommonCode.objects.get_or_create(company=company, group=group, code=code, defaults={"name": name})[0]


def make_product(company, code: str, *, name: str = "", axes=None, price: int = 10000, **data):
    """A product saved through the catalogue's own service (its SKUs made from `axes`)."""
    base = {"code": code, "name": name or f"상품 {code}", "price": price, "cost": 0, "tax_type": "taxable",
            "status": "on_sale", "inventory_managed": True}
    base.update(data)
    return catalog_services.product_save(company=company, product=None, data=base, axes=axes or [])


def make_sku(company, code: str | None = None, *, managed: bool = True, is_set: bool = False, name: str = "",
             safety_stock: int = 0, reorder_point: int = 0, option_text: str = "", barcode: str = "") -> SKU:
    """A SKU of its own one-option product `P-<code>`; code and barcode numbered when not given."""
    n = next(_seq)
    code = code or f"SKU-{n:05d}"
    product = Product.objects.create(company=company, code=f"P-{code}", name=name or f"상품 {code}",
                                     inventory_managed=managed)
    return SKU.objects.create(company=company, product=product, code=code, barcode=barcode or f"880{n:010d}",
                              option_text=option_text, is_set=is_set, safety_stock=safety_stock,
                              reorder_point=reorder_point)


def make_stocked_sku(company, code: str, *, stock: int | None = None, managed: bool = True,
                     barcode: str = "") -> SKU:
    """A SKU whose barcode is `880<code>` (what the scan tests type), with `stock` units received into
    the default warehouse (made, as 본창고 `WH`, when the company has none) when `stock` is given."""
    sku = make_sku(company, code, managed=managed, barcode=barcode or f"880{code}")
    if stock is not None:
        warehouse = inventory_services.warehouse_default(company) or inventory_services.warehouse_save(
            company=company, code="WH", name="본창고", is_default=True)
        if stock:
            inventory_services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk,
                                            quantity=stock, reason="기초")
    return sku


def make_set(company, code: str, components: list[tuple[SKU, int]]) -> SKU:
    set_sku = make_sku(company, code, is_set=True)
    for component, qty in components:
        SetComponent.objects.create(company=company, set_sku=set_sku, component=component, quantity=qty)
    return set_sku


def make_warehouse(company, code: str = "WH1", name: str = "본사창고", **extra) -> Warehouse:
    """A warehouse saved through the inventory service."""
    return inventory_services.warehouse_save(company=company, code=code, name=name, **extra)


def receive(company, sku, warehouse, qty: int, user=None):
    return inventory_services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=qty,
                                           reason="기초재고", user=user)


def on_hand(sku, warehouse) -> int:
    """Units of `sku` on hand at `warehouse` (0 before any movement)."""
    level = StockLevel.objects.filter(sku=sku, warehouse=warehouse).first()
    return level.on_hand if level else 0
