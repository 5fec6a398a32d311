"""Shipping fixtures: a warehouse (the sender), carrier contracts made through the services, and the
order set most packaging tests share (a collecting account, SKU-A/B/C with stock, a CJ contract with
a number band, one printed package)."""

from __future__ import annotations

import pytest

from marketdock.inventory.models import Warehouse
from marketdock.shipping import selectors
from marketdock.shipping.carrier_data import carriers_ensure
from marketdock.shipping.services import band_create
from marketdock.shipping.services_packages import packages_build, packages_print
from tests.factories.catalog import make_stocked_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import make_order
from tests.factories.shipping import make_contract, make_sender_warehouse, shortage_shop


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
    return make_sender_warehouse(company)


@pytest.fixture
def lotte_contract(company, warehouse):
    return make_contract(company, "lotte", warehouse=warehouse)


@pytest.fixture
def shop(company, order_kit, admin_user):
    return shortage_shop(company, order_kit, admin_user)


@pytest.fixture
def account(company):
    return make_account_with_credentials(company)


@pytest.fixture
def stock(company):
    return {code: make_stocked_sku(company, code, stock=50, barcode=f"880{code}") for code in ("SKU-A", "SKU-B", "SKU-C")}


@pytest.fixture
def contract(company, stock):
    warehouse = Warehouse.objects.get(company=company, is_default=True)
    Warehouse.objects.filter(pk=warehouse.pk).update(sender_name="마켓독 스튜디오", phone="02-555-0101",
                                                     postal_code="04799", address="서울 성동구 성수이로 100")
    contract = make_contract(company, "cj", warehouse=warehouse, is_default=True)
    band_create(company=company, contract=contract, start="632976600000", end="632976600999")
    return contract


@pytest.fixture
def printed(company, account, contract, admin_user):
    """One package of two orders (SKU-A × 2, SKU-B × 1), printed, orders at 출고준비."""
    a = make_order(account, skus=(("SKU-A", 2),))
    b = make_order(account, skus=(("SKU-B", 1),))
    packages_build(company=company)
    package = selectors.package_for_order(company, a)
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    package.refresh_from_db()
    return package, [a, b]
