"""The orders app's shape, so it stays one obvious place: it never imports the apps above it, every
outbox kind is listed once and has a handler, every order event has a labelled kind, and the one
quantity helper gives what a seller ships."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import marketdock.orders
from marketdock.orders import events, services
from marketdock.orders.models import EventKind, OrderLine
from marketdock.outbox.services import handler_for

ORDERS = Path(marketdock.orders.__file__).parent
HIGHER = ("marketdock.shipping", "marketdock.listings", "marketdock.claims", "marketdock.settlement",
          "marketdock.analytics", "marketdock.api")


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_orders_never_imports_an_app_above_it():
    upward = [f"{path.relative_to(ORDERS)}:{line} {module}" for path in ORDERS.rglob("*.py")
              for line, module in _imports(path) if module.startswith(HIGHER)]
    assert upward == []


def test_every_outbox_kind_is_listed_once_and_has_its_handler():
    assert services.registered_kinds() == dict.fromkeys(services.OUTBOX_KINDS, True)
    with pytest.raises(ValueError, match="not listed"):
        services.register_effect_handler("no_such_kind", lambda message: {})
    assert handler_for("no_such_kind") is None


def test_an_event_without_a_label_is_refused():
    with pytest.raises(ValueError, match="EventKind"):
        events.event(company=None, order_id=1, kind="something_new", message="x")
    row = events.event(company=None, order_id=1, kind=EventKind.DELAY, message="가" * 600)
    assert len(row.message) == events.MESSAGE_MAX and row.get_kind_display() == EventKind.DELAY.label


@pytest.mark.parametrize(("quantity", "cancelled", "line_units", "expected"), [
    (3, 0, 6, 6),  # 1+1 (2 per item) × 3 ordered
    (3, 1, 6, 4),  # one item cancelled at the marketplace: 2 of 3 still ship
    (2, 2, 4, 0),  # all cancelled
])
def test_component_units_follow_the_quantity_still_to_ship(quantity, cancelled, line_units, expected):
    line = OrderLine(quantity=quantity, cancelled_quantity=cancelled, channel_status="new")
    assert services.component_units(line, line_units) == expected
