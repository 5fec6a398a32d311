"""Inventory fixtures: warehouses and SKUs made straight from the models (the catalogue's own
services are tested in tests/catalog)."""

from __future__ import annotations

import itertools

import pytest

from marketdock.catalog.models import SKU, Product, SetComponent
from marketdock.inventory import services
from marketdock.inventory.models import Warehouse

_seq = itertools.count(1)


def make_sku(company, code: str | None = None, *, managed: bool = True, is_set: bool = False, name: str = "",
             safety_stock: int = 0, reorder_point: int = 0, option_text: str = "") -> SKU:
    n = next(_seq)
    code = code or f"SKU-{n:05d}"
    product = Product.objects.create(company=company, code=f"P-{code}", name=name or f"상품 {code}",
                                     inventory_managed=managed)
    return SKU.objects.create(company=company, product=product, code=code, barcode=f"880{n:010d}",
                              option_text=option_text, is_set=is_set, safety_stock=safety_stock,
                              reorder_point=reorder_point)


def make_set(company, code: str, components: list[tuple[SKU, int]]) -> SKU:
    set_sku = make_sku(company, code, is_set=True)
    for component, qty in components:
        SetComponent.objects.create(company=company, set_sku=set_sku, component=component, quantity=qty)
    return set_sku


def make_warehouse(company, code: str = "WH1", name: str = "본사창고", **extra) -> Warehouse:
    return services.warehouse_save(company=company, code=code, name=name, **extra)


def receive(company, sku, warehouse, qty: int, user=None):
    return services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=qty,
                                 reason="기초재고", user=user)


@pytest.fixture
def warehouse(company) -> Warehouse:
    return make_warehouse(company)


@pytest.fixture
def store(company, warehouse) -> Warehouse:
    return make_warehouse(company, "ST1", "강남매장", kind=Warehouse.Kind.STORE)


@pytest.fixture
def other_warehouse(other_company) -> Warehouse:
    return make_warehouse(other_company, "OWH", "남의창고")
