"""Shipping fixtures: a warehouse (the sender) and carrier contracts made through the services."""

from __future__ import annotations

import pytest

from marketdock.inventory.models import Warehouse
from marketdock.shipping import selectors, services


def make_warehouse(company, code: str = "WH1", name: str = "본사창고") -> Warehouse:
    return Warehouse.objects.create(company=company, code=code, name=name, postal_code="04799",
                                    address="서울특별시 성동구 성수이로 100", phone="02-1234-5678",
                                    sender_name=f"{company.name}", is_default=True)


def make_contract(company, carrier_key: str = "lotte", name: str | None = None, warehouse=None, **extra):
    warehouse = warehouse or Warehouse.objects.filter(company=company).first() or make_warehouse(company)
    return services.contract_save(company=company, carrier=selectors.carrier_by_key(carrier_key),
                                  name=name or f"{carrier_key} 계약", contract_code=f"C-{carrier_key}",
                                  warehouse=warehouse, **extra)


@pytest.fixture
def warehouse(company):
    return make_warehouse(company)


@pytest.fixture
def lotte_contract(company, warehouse):
    return make_contract(company, "lotte", warehouse=warehouse)
