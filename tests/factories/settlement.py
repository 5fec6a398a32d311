"""Settlement: orders, claims and rules written straight into the tables (the settlement services read
nothing else), store warehouses with stock, and the refresh that computes it all (`SettleKit`)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from marketdock.catalog.models import Category
from marketdock.claims.models import Claim, ClaimStatus, ClaimType, FeePayer
from marketdock.orders.models import ChannelStatus, Order, OrderLine, OrderLineComponent, OrderStatus
from marketdock.settlement import services
from marketdock.settlement.models import CommissionRule, ExpectedSettlement, PayoutSchedule, ScheduleKind

from .catalog import make_stocked_sku, make_warehouse, receive
from .channels import make_account

KST = ZoneInfo("Asia/Seoul")
_seq = itertools.count(1)


def kst(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=KST)


class SettleKit:
    def __init__(self, company):
        self.company = company

    # --- accounts, rules, schedules ----------------------------------------------------------------
    def account(self, name="쿠팡 본점", kind="coupang", *, rule: dict | None = None, schedule: dict | None = None):
        account = make_account(self.company, name, kind)
        if rule is not None:
            self.rule(account, **rule)
        if schedule is not None:
            self.schedule(account, **schedule)
        return account

    def rule(self, account, *, sale="0", payment="0", shipping="0", category=None, valid_from=None, valid_to=None,
             fixed_line=0, fixed_order=0, currency="KRW", reverses=True) -> CommissionRule:
        return CommissionRule.objects.create(
            company=self.company, account=account, category=category, valid_from=valid_from, valid_to=valid_to,
            sale_rate=Decimal(sale), payment_rate=Decimal(payment), shipping_rate=Decimal(shipping),
            fixed_fee_per_line=fixed_line, fixed_fee_per_order=fixed_order, currency=currency,
            refund_reverses_commission=reverses)

    def schedule(self, account, *, kind=ScheduleKind.AFTER_CONFIRM, days=1, weekday=6, auto_confirm_days=8):
        return PayoutSchedule.objects.update_or_create(
            company=self.company, account=account,
            defaults={"kind": kind, "days": days, "weekday": weekday, "auto_confirm_days": auto_confirm_days})[0]

    def category(self, name, parent=None) -> Category:
        return Category.objects.create(company=self.company, name=name, parent=parent)

    # --- orders and claims ---------------------------------------------------------------------------
    def order(self, account, *, ordered: date, lines=((1, 10000, 0),), shipping_fee=0, currency="KRW",
              shipped: date | None = None, channel_status=ChannelStatus.DELIVERED, raw=None, sku=None,
              cancelled_quantity=0) -> Order:
        """`lines`: [(quantity, unit price, seller discount for the whole quantity)]."""
        n = next(_seq)
        now = timezone.now()
        order = Order.objects.create(
            company=self.company, account=account, channel_order_id=f"S{n:06d}", ordered_at=kst(ordered),
            paid_at=kst(ordered), collected_at=now, changed_at=now, currency=currency, shipping_fee=shipping_fee,
            status=OrderStatus.DELIVERED, total_amount=sum(q * p - d for q, p, d in lines), line_count=len(lines))
        for i, (qty, price, discount) in enumerate(lines):
            line = OrderLine.objects.create(
                company=self.company, order=order, account=account, channel_line_id=f"S{n:06d}-{i}",
                product_name="상품", quantity=qty, cancelled_quantity=cancelled_quantity, currency=currency,
                unit_price=price, discount_amount=discount, total_amount=qty * price - discount,
                status=OrderStatus.DELIVERED, channel_status=channel_status,
                shipped_at=kst(shipped) if shipped else None, raw=raw or {}, created_at=now, updated_at=now)
            if sku is not None:
                OrderLineComponent.objects.create(company=self.company, line=line, sku=sku, quantity=1)
        return order

    def claim(self, line, *, type=ClaimType.RETURN, quantity=1, done: date, refund_amount=None,
              return_fee=0, payer=FeePayer.BUYER, status=ClaimStatus.COMPLETED) -> Claim:
        return Claim.objects.create(
            company=self.company, order=line.order, line=line, account=line.account, type=type, status=status,
            quantity=quantity, refund_amount=refund_amount, return_shipping_fee=return_fee, return_fee_payer=payer,
            completed_at=kst(done, 15), decided_at=kst(done, 15), requested_at=kst(done, 9))

    # --- computing -------------------------------------------------------------------------------------
    def compute(self, *orders) -> list[ExpectedSettlement]:
        ids = [ln.pk for o in orders for ln in o.lines.all()]
        services.expected_recompute(self.company, ids)
        return list(ExpectedSettlement.objects.filter(line_id__in=ids).order_by("line_id"))

    def expected(self, order) -> ExpectedSettlement:
        return self.compute(order)[0]

    # --- stores ----------------------------------------------------------------------------------------
    def store(self, code="ST1", name="강남 매장"):
        return make_warehouse(self.company, code, name, kind="store", exposed_to_channels=False)

    def stocked_sku(self, code, store, qty, *, price=15000, barcode=None):
        sku = make_stocked_sku(self.company, code, stock=None)
        if barcode:
            sku.barcode = barcode
            sku.save(update_fields=["barcode"])
        product = sku.product
        product.price = price
        product.save(update_fields=["price"])
        if qty:
            receive(self.company, sku, store, qty)
        return sku
