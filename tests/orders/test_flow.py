"""The order status flow (ORD-4): every legal and illegal move of the table, stock at 출고준비 and
취소, the confirm requirement, history with user and reason, outbox rows in the same transaction."""

from __future__ import annotations

import itertools

import pytest

from marketdock.orders.models import Order, OrderEvent, OrderLine, OrderStatus, StockState
from marketdock.orders.services_flow import ALLOWED, order_transition
from marketdock.outbox.models import OutboxMessage

from .test_collect_ingest import co, ingest, make_account, make_sku

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def account(company):
    return make_account(company)


def test_smoke_confirm(company, account, admin_user):
    make_sku(company, "SKU-A", stock=10)
    ingest(account, [co("1", "1-1", seller_option_code="SKU-A")])
    order = Order.objects.get(company=company, channel_order_id="1")
    result = order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user, reason="확인")
    assert result.ok_count == 1, result.failed
    assert order.status == S.CONFIRMED
    assert OutboxMessage.objects.filter(company=company, kind="confirm").count() == 1
    result = order_transition(company=company, orders=[order], to=S.READY, user=admin_user)
    assert result.ok_count == 1, result.failed
    assert OrderLine.objects.get(order=order).stock_state == StockState.DEDUCTED
