"""Shipping: the sender warehouse, carrier contracts (through the services), a shop short of stock,
a shipped package, a scripted tracking provider and the text of a printed label."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from pypdf import PdfReader

from marketdock.inventory import services as inventory_services
from marketdock.inventory.models import Warehouse
from marketdock.orders.models import OrderStatus
from marketdock.orders.services import order_transition
from marketdock.shipping import selectors, services
from marketdock.shipping.services_packages import packages_build, packages_print
from marketdock.shipping.services_scan import scan_item

from .orders import make_order


def make_sender_warehouse(company, code: str = "WH1", name: str = "본사창고") -> Warehouse:
    """The company's default warehouse with a sender's address and phone (what a label prints)."""
    return Warehouse.objects.create(company=company, code=code, name=name, postal_code="04799",
                                    address="서울특별시 성동구 성수이로 100", phone="02-1234-5678",
                                    sender_name=f"{company.name}", is_default=True)


def make_contract(company, carrier_key: str = "lotte", name: str | None = None, warehouse=None, **extra):
    """A carrier contract saved through the service, sending from `warehouse` (else the company's
    first warehouse, else a new sender warehouse)."""
    warehouse = warehouse or Warehouse.objects.filter(company=company).first() or make_sender_warehouse(company)
    return services.contract_save(company=company, carrier=selectors.carrier_by_key(carrier_key),
                                  name=name or f"{carrier_key} 계약", contract_code=f"C-{carrier_key}",
                                  warehouse=warehouse, **extra)


def shortage_shop(company, order_kit, user) -> dict:
    """SKU-A: 1 on hand; SKU-B: none; a CJ contract with a band. Three confirmed orders to three
    recipients: `held` took the last SKU-A at collection, `short_a` needs one more SKU-A, `short_b`
    needs two SKU-B."""
    a, b = order_kit.sku("SKU-A", stock=1), order_kit.sku("SKU-B", stock=0)
    contract = make_contract(company, "cj", warehouse=inventory_services.warehouse_default(company), is_default=True)
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


def shipped_package(company, account, admin_user):
    """One order's package printed (orders to 출고준비) and scanned out: (package, order)."""
    order = make_order(account)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    assert scan_item(company=company, package=package, barcode="880SKU-A", user=admin_user).kind == "shipped"
    package.refresh_from_db()
    return package, order


def text_of(pdf: bytes) -> str:
    """The text of every page of a PDF (printed labels)."""
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- tracking ------------------------------------------------------------------------------------

@dataclass
class Event:
    status: str
    at: datetime
    location: str = ""
    description: str = ""


def at(hour: int) -> datetime:
    return datetime(2025, 3, 4, hour, 0, tzinfo=UTC)


PICKED = Event("picked_up", at(1), "성수집배점", "집화처리")
MOVING = Event("in_transit", at(3), "곤지암Hub", "간선상차")
DELIVERED = Event("delivered", at(9), "역삼", "배달완료")
LATE_SCAN = Event("in_transit", at(11), "곤지암Hub", "간선하차")  # logged after delivery


class ScriptedProvider:
    """A stand-in for the tracking-provider interface: answers each number from a script, fails the
    numbers in `fail`, and records every call."""

    def __init__(self, events: dict[str, list] | None = None, fail: set[str] = frozenset()):
        self.events_by_number = events or {}
        self.fail = fail
        self.calls: list[tuple[str, str]] = []

    def events(self, carrier_code: str, number: str) -> list:
        self.calls.append((carrier_code, number))
        if number in self.fail:
            raise ConnectionError("carrier timeout")
        return list(self.events_by_number.get(number, []))
