"""Inventory fixtures: warehouses and SKUs made straight from the models (the catalogue's own
services are tested in tests/catalog)."""

from __future__ import annotations

import pytest

from marketdock.inventory.models import Warehouse
from tests.factories.catalog import make_warehouse


@pytest.fixture
def warehouse(company) -> Warehouse:
    return make_warehouse(company)


@pytest.fixture
def store(company, warehouse) -> Warehouse:
    return make_warehouse(company, "ST1", "강남매장", kind=Warehouse.Kind.STORE)


@pytest.fixture
def other_warehouse(other_company) -> Warehouse:
    return make_warehouse(other_company, "OWH", "남의창고")
