"""Analytics fixtures: orders written straight into the order tables (the rollup reads nothing else),
so a hypothesis example can build and change a history in milliseconds."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from django.utils import timezone

from marketdock.orders.models import ChannelStatus, Order, OrderLine, OrderLineComponent, OrderStatus


class SalesKit:
    def __init__(self, company, order_kit):
        self.company = company
        self.kit = order_kit
        self._seq = itertools.count(1)

    def account(self, name="쿠팡 본점", kind="coupang"):
        return self.kit.account(name=name, kind=kind)

    def sku(self, code, **kw):
        return self.kit.sku(code, **kw)

    def order(self, account, ordered_at: datetime, lines, *, currency="KRW", shipping_fee=0,
              status=OrderStatus.NEW, shipped_at=None) -> Order:
        """`lines`: [(sku or None, quantity, line total)]."""
        n = next(self._seq)
        now = timezone.now()
        order = Order.objects.create(company=self.company, account=account, channel_order_id=f"A{n:06d}",
                                     ordered_at=ordered_at, collected_at=now, changed_at=now, currency=currency,
                                     shipping_fee=shipping_fee, status=status, shipped_at=shipped_at,
                                     total_amount=sum(t for _s, _q, t in lines), line_count=len(lines))
        for i, (sku, qty, total) in enumerate(lines):
            line = OrderLine.objects.create(
                company=self.company, order=order, account=account, channel_line_id=f"A{n:06d}-{i}",
                product_name="상품", quantity=qty, currency=currency, unit_price=total // max(qty, 1),
                total_amount=total, status=status, channel_status=ChannelStatus.NEW, created_at=now, updated_at=now)
            if sku is not None:
                OrderLineComponent.objects.create(company=self.company, line=line, sku=sku, quantity=1)
        return order

    def change_lines(self, order, **fields):
        """What a collection or a status change does: new values and a fresh updated_at."""
        OrderLine.objects.filter(order=order).update(updated_at=timezone.now(), **fields)


@pytest.fixture
def sales_kit(company, order_kit) -> SalesKit:
    return SalesKit(company, order_kit)
