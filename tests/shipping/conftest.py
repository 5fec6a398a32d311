"""Shipping fixtures: a warehouse (the sender) and carrier contracts made through the services."""

from __future__ import annotations

import pytest

from marketdock.inventory.models import Warehouse
from marketdock.shipping import selectors, services
from marketdock.shipping.carrier_data import carriers_ensure


def make_warehouse(company, code: str = "WH1", name: str = "본사창고") -> Warehouse:
    return Warehouse.objects.create(company=company, code=code, name=name, postal_code="04799",
                                    address="서울특별시 성동구 성수이로 100", phone="02-1234-5678",
                                    sender_name=f"{company.name}", is_default=True)


def make_contract(company, carrier_key: str = "lotte", name: str | None = None, warehouse=None, **extra):
    warehouse = warehouse or Warehouse.objects.filter(company=company).first() or make_warehouse(company)
    return services.contract_save(company=company, carrier=selectors.carrier_by_key(carrier_key),
                                  name=name or f"{carrier_key} 계약", contract_code=f"C-{carrier_key}",
                                  warehouse=warehouse, **extra)


@pytest.fixture(autouse=True)
def _carriers(request):
    """The carrier master comes from a data migration; a transactional test elsewhere in the suite
    flushes it, so put it back for every shipping test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "company"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if marker and marker.kwargs.get("transaction") else "db")
    carriers_ensure()


@pytest.fixture
def warehouse(company):
    return make_warehouse(company)


@pytest.fixture
def lotte_contract(company, warehouse):
    return make_contract(company, "lotte", warehouse=warehouse)
