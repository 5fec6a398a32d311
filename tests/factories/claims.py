"""Claims (issue 13). Each helper keeps its functions in its own marked block."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from marketdock.claims.models import Claim, ClaimSource, ClaimStatus, ClaimType
from marketdock.inventory import services as inventory_services
from marketdock.orders.models import Order, OrderLine, OrderStatus
from marketdock.orders.services import order_transition

from .orders import OrderKit  # (imports above: claimflow)

# === claimflow: claims on order lines, a stocked shop and its orders in every stage ==================

_claim_seq = itertools.count(1)


def make_claim(order: Order, *, line: OrderLine | None = None, type: str = ClaimType.RETURN,
               status: str = ClaimStatus.REQUESTED, source: str = ClaimSource.CHANNEL, quantity: int = 1,
               channel_claim_id: str | None = None, requested_at=None, reason: str = "단순변심", **extra) -> Claim:
    """A claim on `line` (default: the order's first line) saved straight to the table, as collection
    leaves it (a channel claim gets a marketplace claim number)."""
    line = line or order.lines.order_by("id").first()
    n = next(_claim_seq)
    if channel_claim_id is None:
        channel_claim_id = f"CLM{n:05d}" if source == ClaimSource.CHANNEL else ""
    now = timezone.now()
    return Claim.objects.create(company=order.company, order=order, line=line, account=order.account, type=type,
                                status=status, source=source, quantity=quantity, channel_claim_id=channel_claim_id,
                                reason_text=reason, requested_at=requested_at or now - timedelta(minutes=5),
                                created_at=now, updated_at=now, **extra)


class ClaimShop:
    """A company that keeps stock: SKU-A (10 on hand) and SKU-B (10) in the default warehouse, a
    Coupang account, and orders collected through the real ingest and moved through the order flow."""

    def __init__(self, company, user=None):
        self.company, self.user = company, user
        self.kit = OrderKit(company)
        self.a = self.kit.sku("SKU-A", stock=10)
        self.b = self.kit.sku("SKU-B", stock=10)
        self.warehouse = inventory_services.warehouse_default(company)
        self.account = self.kit.account()

    def order(self, *, status: str = OrderStatus.CONFIRMED, lines=(("SKU-A", 1),), account=None, **kw) -> Order:
        """An order with one line per (seller code, quantity), moved to `status` (shipped orders go
        out 직접배송, without a tracking number)."""
        account = account or self.account
        no = f"C{next(_claim_seq):05d}"
        cos = [self.kit.line(no, seller_option_code=code, channel_option_id=f"O{code}", quantity=qty,
                             product_name=f"상품 {code}", **kw) for code, qty in lines]
        (order,) = self.kit.ingest(account, cos)
        S = OrderStatus  # noqa: N806
        path = {S.NEW: [], S.CONFIRMED: [S.CONFIRMED], S.READY: [S.CONFIRMED, S.READY],
                S.SHIPPED: [S.CONFIRMED, S.READY, S.SHIPPED]}[status]
        for to in path:
            result = order_transition(company=self.company, orders=[order], to=to, user=self.user,
                                      method="direct")
            assert not result.failed, result.failed
        order.refresh_from_db()
        return order

    def level(self, sku):
        """(on hand, reserved) of `sku` in the default warehouse."""
        from marketdock.inventory.models import StockLevel

        row = StockLevel.objects.filter(company=self.company, sku=sku, warehouse=self.warehouse).first()
        return (row.on_hand, row.reserved) if row else (0, 0)

# === end claimflow ==================================================================================
