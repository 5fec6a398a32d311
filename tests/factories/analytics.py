"""Analytics: orders written straight into the order tables (the sales rollup reads nothing else),
so a hypothesis example can build and change a history in milliseconds (`SalesKit`, behind the
`sales_kit` fixture), and a few months of sales for a demo company (`sales_history`)."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

from django.utils import timezone

from marketdock.catalog.models import SKU
from marketdock.channels.models import ChannelAccount
from marketdock.orders.models import ChannelStatus, Order, OrderLine, OrderLineComponent, OrderStatus

from .orders import OrderKit


class SalesKit:
    def __init__(self, company):
        self.company = company
        self.kit = OrderKit(company)
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


def sales_history(company, days=75):
    """Orders of the demo company's channel accounts over the last `days` days (some cancelled or returned)."""
    rng = random.Random(5)
    accounts = list(ChannelAccount.objects.filter(company=company).order_by("pk"))[:3]
    skus = list(SKU.objects.filter(company=company).order_by("pk"))[:12]
    now = timezone.now()
    for n in range(260):
        at = now - timedelta(days=rng.randint(0, days), hours=rng.randint(0, 23))
        account = accounts[n % len(accounts)]
        order = Order.objects.create(company=company, account=account, channel_order_id=f"AN{n:05d}", ordered_at=at,
                                     collected_at=now, changed_at=now, shipping_fee=rng.choice((0, 3000)))
        sku = rng.choice(skus)
        qty = rng.randint(1, 3)
        status = rng.choices([ChannelStatus.DELIVERED, ChannelStatus.CANCELLED, ChannelStatus.RETURNED], [90, 6, 4])[0]
        line = OrderLine.objects.create(company=company, order=order, account=account, channel_line_id=f"AN{n:05d}-1",
                                        product_name=sku.code, quantity=qty, unit_price=15900, total_amount=15900 * qty,
                                        channel_status=status, created_at=now, updated_at=now)
        OrderLineComponent.objects.create(company=company, line=line, sku=sku, quantity=1)
    return accounts
