"""`marketdock bench settlement_expected --lines N --json`: N order lines over 3 channels (Naver lines
carrying reported figures, some cancelled, some returned before and after payout) written straight to
the tables, then the real refresh: expected settlement per line, then the daily sales rollup.
Prints lines, expected rows, adjustments, seconds and lines/s of each stage; `payout_check` is the
expected payout summed independently from the generated inputs (must equal `expected_krw`)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from marketdock.channels.models import ChannelAccount
from marketdock.claims.models import Claim, ClaimStatus, ClaimType
from marketdock.core.bench import register
from marketdock.core.models import Company
from marketdock.orders.models import ChannelStatus, Order, OrderLine, OrderStatus

from . import services
from .models import CommissionRule, ExpectedSettlement, SettlementAdjustment

BATCH = 5000


def add_arguments(parser) -> None:
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)


def _cleanup() -> None:
    for company in Company.objects.filter(code="bench-stl"):
        Order.objects.filter(company=company).delete()  # lines, claims, expected rows with them
        ChannelAccount.objects.filter(company=company).delete()
        company.delete()


def _setup(out):
    _cleanup()
    company = Company.objects.create(code="bench-stl", name="정산 벤치", business_no="124-81-00998")
    accounts = [ChannelAccount.objects.create(company=company, kind=k, name=n)
                for k, n in (("naver", "스마트스토어"), ("coupang", "쿠팡"), ("elevenst", "11번가"))]
    services.rules_seed_company(company)
    CommissionRule.objects.filter(company=company, account=accounts[2]).update(sale_rate=Decimal("12"))
    out(f"company {company.pk}: 3 accounts")
    return company, accounts


def _fill(company, accounts, n: int, rng) -> int:
    """Orders of one line each; returns the expected payout of the lines computed from the inputs
    (rates: Naver reported figures, Coupang 10.8 % + shipping 3 %, 11번가 12 %)."""
    base = datetime(2026, 1, 5, 1, tzinfo=UTC)
    expected = 0
    now = timezone.now()
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        orders, specs = [], []
        for i in range(start, start + size):
            account = accounts[i % 3]
            price, qty = rng.choice((9900, 15900, 23000)), rng.randint(1, 3)
            cancelled = rng.random() < 0.05
            orders.append(Order(company=company, account=account, channel_order_id=f"B{i:08d}", ordered_at=base
                                + timedelta(minutes=i % 40000), collected_at=now, changed_at=now,
                                status=OrderStatus.DELIVERED, shipping_fee=3000 if i % 4 == 0 else 0))
            specs.append((account, price, qty, cancelled))
        Order.objects.bulk_create(orders, batch_size=BATCH)
        lines = []
        for order, (account, price, qty, cancelled) in zip(orders, specs, strict=True):
            raw = {}
            if account.kind == "naver":
                raw = {"productOrder": {"saleCommission": price * qty // 50, "paymentCommission": 0,
                                        "expectedSettlementAmount": price * qty - price * qty // 50}}
            lines.append(OrderLine(company=company, order=order, account=account, channel_line_id=order.channel_order_id,
                                   product_name="벤치 상품", quantity=qty, unit_price=price, total_amount=price * qty,
                                   status=OrderStatus.DELIVERED, raw=raw, shipped_at=order.ordered_at,
                                   channel_status=ChannelStatus.CANCELLED if cancelled else ChannelStatus.DELIVERED))
            if cancelled:
                continue
            gross, ship = price * qty, order.shipping_fee
            if account.kind == "naver":
                expected += gross - gross // 50 + ship - ship * 3630 // 100_000
            elif account.kind == "coupang":
                expected += gross - gross * 10800 // 100_000 + ship - ship * 3000 // 100_000
            else:
                expected += gross - gross * 12000 // 100_000 + ship
        OrderLine.objects.bulk_create(lines, batch_size=BATCH)
    return expected


def _claims(company, rng) -> int:
    """Returns after payout on 1 % of the settled lines (each a negative adjustment)."""
    lines = list(OrderLine.objects.filter(company=company, channel_status=ChannelStatus.DELIVERED)
                 .values_list("id", "order_id", "account_id", "unit_price")[::100])
    done = datetime(2026, 6, 1, 6, tzinfo=UTC)
    Claim.objects.bulk_create([Claim(company=company, order_id=o, line_id=ln, account_id=a, type=ClaimType.RETURN,
                                     status=ClaimStatus.COMPLETED, quantity=1, refund_amount=p, completed_at=done,
                                     requested_at=done) for ln, o, a, p in lines], batch_size=BATCH)
    return len(lines)


def run(options: dict, out) -> dict:
    rng = random.Random(options.get("seed", 7))
    n = int(options.get("lines", 20000))
    with transaction.atomic():
        company, accounts = _setup(out)
        payout_check = _fill(company, accounts, n, rng)
        refunds = _claims(company, rng)
    out(f"{n} lines written; recomputing")
    began = time.monotonic()
    result = services.expected_refresh(company)
    expected_s = time.monotonic() - began
    began = time.monotonic()
    sales = services.sales_refresh(company)
    sales_s = time.monotonic() - began
    rows = ExpectedSettlement.objects.filter(company=company)
    figures = {
        "lines": n, "expected_rows": rows.count(), "refund_claims": refunds,
        "adjustments": SettlementAdjustment.objects.filter(company=company).count(),
        "expected_krw": rows.aggregate(s=Sum("expected_payout"))["s"] or 0, "payout_check": payout_check,
        "expected_seconds": round(expected_s, 2), "expected_lines_per_s": round(result.lines / max(expected_s, 1e-9)),
        "sales_days": sales["days"], "sales_seconds": round(sales_s, 2),
    }
    _cleanup()
    return figures


register("settlement_expected", help="Expected settlement of N order lines over 3 channels (reported figures, "
         "rules, cancels, refunds after payout) and the daily sales rollup, through the real refresh",
         add_arguments=add_arguments, run=run)
