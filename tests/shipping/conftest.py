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


def shortage_shop(company, order_kit, user) -> dict:
    """SKU-A: 1 on hand; SKU-B: none; a CJ contract with a band. Three confirmed orders to three
    recipients: `held` took the last SKU-A at collection, `short_a` needs one more SKU-A, `short_b`
    needs two SKU-B."""
    from marketdock.inventory import services as inv
    from marketdock.orders.models import OrderStatus
    from marketdock.orders.services import order_transition

    a, b = order_kit.sku("SKU-A", stock=1), order_kit.sku("SKU-B", stock=0)
    contract = make_contract(company, "cj", warehouse=inv.warehouse_default(company), is_default=True)
    services.band_create(company=company, contract=contract, start="632976600000", end="632976600999")
    account = order_kit.account()

    def order(no, code, qty, name):
        (o,) = order_kit.ingest(account, [order_kit.line(no, seller_option_code=code, channel_option_id=f"O{code}",
                                                         quantity=qty, recipient_name=name,
                                                         recipient_phone=f"010-0000-{no[-4:]}")])
        assert not order_transition(company=company, orders=[o], to=OrderStatus.CONFIRMED, user=user).failed
        return o

    return {"a": a, "b": b, "account": account, "held": order("R-0001", "SKU-A", 1, "김하나"),
            "short_a": order("R-0002", "SKU-A", 1, "이둘"), "short_b": order("R-0003", "SKU-B", 2, "박셋")}


@pytest.fixture
def shop(company, order_kit, admin_user):
    return shortage_shop(company, order_kit, admin_user)
