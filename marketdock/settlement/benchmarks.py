"""Settlement benchmark for `marketdock bench settlement` (justified size: a benchmark's setup).

Generated orders over three channel accounts (Naver, Coupang, Shopify in KRW), 1–3 lines each, some
returned after payout (a refund row at the marketplace, a SettlementAdjustment on our side) and some
cancelled before payout (nothing settled, nothing expected). The sandbox's settlement ledger
(`sandbox/settlement.py`: the marketplaces' published rates, K seeded differences of each kind —
wrong commission, missing line, late payment, extra fee) is rendered in each protocol's wire format
and read through the connectors' parsers; the rows go through the real import service
(`settlement_records_store`, pages of 1,000) and every account through the real reconciliation
(`settlement_reconcile`).

The expected side (ExpectedSettlement rows) is written by the bench from the undisturbed ledger, i.e.
what the commission rules of those rates give — the expected-settlement computation is not timed here.

Prints lines (order lines), expected_krw, paid_krw, differences_seeded / differences_found (by kind),
false_differences (issues that match no seeded difference), seconds (import + reconciliation),
import_seconds, reconcile_seconds and lines_per_s (order lines reconciled per second of reconciliation).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from marketdock.core.bench import register

KIND_TO_ISSUE = {"commission": "commission", "missing": "unpaid", "late": "late", "extra_fee": "extra_fee"}
PAY_DAYS = {"naver": 2, "coupang": 14, "shopify": 2}
PAGE = 1000


def add_arguments(parser) -> None:
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--per-kind", type=int, default=50, help="seeded differences of each kind per channel")
    parser.add_argument("--seed", type=int, default=14)


def _accounts(company):
    from marketdock.channels.models import ChannelAccount

    return {kind: ChannelAccount.objects.create(company=company, kind=kind, name=f"벤치 {kind}", auto_collect=False)
            for kind in ("naver", "coupang", "shopify")}


def _generate(company, accounts, total: int, seed: int, today: date, out):
    """Orders and lines (bulk), and per account the sandbox units plus refunds/cancels by key."""
    from marketdock.orders.models import Order, OrderLine
    from marketdock.sandbox.settlement import Unit

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    kinds = list(accounts)
    orders, plans = [], []
    for n in range(total):
        kind = kinds[n % 3]
        settle = today - timedelta(days=rng.randint(3, 60))
        lines = [(rng.choice((9900, 12900, 19900, 25000, 49900)), rng.choice((1, 1, 2))) for _ in range(rng.choice((1, 1, 2, 3)))]
        shipping = rng.choice((0, 3000))
        fate = rng.random()  # 4 % returned after payout, 3 % cancelled before it
        plans.append((kind, settle, lines, shipping, "return" if fate < 0.04 else "cancel" if fate < 0.07 else ""))
        at = datetime.combine(settle - timedelta(days=5), datetime.min.time(), tzinfo=UTC)
        orders.append(Order(company=company, account=accounts[kind], channel_order_id=str(7_000_000_000 + n),
                            ordered_at=at, paid_at=at, buyer_name="김민준", total_amount=sum(p * q for p, q in lines),
                            shipping_fee=shipping, line_count=len(lines), status="delivered"))
    Order.objects.bulk_create(orders, batch_size=5000)
    ids = dict(Order.objects.filter(company=company).values_list("channel_order_id", "id"))
    out(f"{len(orders)} orders")
    line_rows, units = [], {k: [] for k in kinds}
    for n, (kind, settle, lines, shipping, fate) in enumerate(plans):
        order_no = str(7_000_000_000 + n)
        pay = settle + timedelta(days=PAY_DAYS[kind])
        amounts = []
        for i, (price, qty) in enumerate(lines):
            item = str(3_000_000_000 + n * 4 + i)
            channel_line = {"naver": f"{order_no}{i:02d}", "coupang": f"{900_000_000_000 + n}-{item}",
                            "shopify": f"{order_no}-{i + 1}"}[kind]
            line_rows.append(OrderLine(company=company, order_id=ids[order_no], account=accounts[kind],
                                       channel_line_id=channel_line, quantity=qty, unit_price=price,
                                       total_amount=price * qty, channel_status="delivered",
                                       cancelled_quantity=qty if fate == "cancel" else 0))
            amounts.append((channel_line, item, price * qty))
        if fate == "cancel":
            continue
        if kind == "shopify":
            units[kind].append((Unit(key=order_no, order_no=order_no, line_no="", sale=sum(a for *_x, a in amounts),
                                     shipping=shipping, settle_date=settle, pay_date=pay,
                                     refund=amounts[0][2] if fate == "return" else 0), amounts[0][0]))
            continue
        for i, (channel_line, item, amount) in enumerate(amounts):
            key = channel_line if kind == "naver" else f"{order_no}/{item}"
            units[kind].append((Unit(key=key, order_no=order_no, line_no=channel_line if kind == "naver" else item,
                                     sale=amount, shipping=shipping if i == 0 else 0, settle_date=settle, pay_date=pay,
                                     refund=amount if fate == "return" and i == 0 else 0), channel_line))
    OrderLine.objects.bulk_create(line_rows, batch_size=5000)
    out(f"{len(line_rows)} order lines")
    return len(line_rows), units


def _expected(company, account, units, today: date) -> int:
    """ExpectedSettlement (and refund adjustments) from the undisturbed ledger; returns the KRW total."""
    from marketdock.orders.models import OrderLine
    from marketdock.sandbox.settlement import RATES, clean_rows
    from marketdock.settlement.models import ExpectedSettlement, SettlementAdjustment

    lines = {cl: (lid, oid) for lid, oid, cl in OrderLine.objects.filter(company=company, account=account).values_list(
        "id", "order_id", "channel_line_id")}
    rows, adjustments, total = [], [], 0
    seen = set()
    for unit, channel_line in units:
        line_id, order_id = lines[channel_line]
        seen.add(line_id)
        clean = clean_rows(unit, RATES[account.kind], today)
        sale = [r for r in clean if r["kind"] in ("sale", "shipping")]
        payout = sum(r["payout"] for r in sale)
        rows.append(ExpectedSettlement(
            company=company, account=account, line_id=line_id, order_id=order_id, quantity=1, sale_amount=unit.sale,
            shipping_fee=unit.shipping, sale_commission=sum(r["sale_commission"] for r in sale),
            payment_commission=sum(r["payment_commission"] for r in sale),
            shipping_commission=sum(r["shipping_commission"] for r in sale), expected_payout=payout,
            payout_date=unit.pay_date, due_date=unit.pay_date, payout_estimated=False, order_date=unit.settle_date,
            state="paid" if unit.pay_date <= today else "scheduled"))
        total += payout
        for refund in (r for r in clean if r["kind"] == "refund"):
            reversed_commission = -(refund["sale_commission"] + refund["payment_commission"])
            adjustments.append(SettlementAdjustment(
                company=company, account=account, key=f"bench:{line_id}", kind="refund", line_id=line_id,
                order_id=order_id, amount=refund["sale"], commission_reversed=reversed_commission,
                net=refund["payout"], booked_on=unit.pay_date))
            total += refund["payout"]
    for line_id, order_id in lines.values():  # cancelled before payout: nothing expected
        if line_id not in seen:  # (and a Shopify order's other lines: the order is one key, on its first line)
            rows.append(ExpectedSettlement(company=company, account=account, line_id=line_id, order_id=order_id,
                                           state="cancelled", payout_estimated=False))
    ExpectedSettlement.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    SettlementAdjustment.objects.bulk_create(adjustments, batch_size=5000)
    return total


def _wire_pages(kind: str, rows):
    """The ledger rows as the marketplace sends them, parsed by the connector: ChannelSettlement pages."""
    from marketdock.channels.connectors import coupang, naver, shopify
    from marketdock.sandbox import settlement as ledger

    rows = sorted(rows, key=lambda r: r["record_id"])
    for start in range(0, len(rows), PAGE):
        chunk = rows[start:start + PAGE]
        if kind == "naver":
            cases, commissions = ledger.naver_elements(chunk)
            records, errors, _pages = naver.parse_case_response(
                {"elements": cases}, naver.parse_commissions({"elements": commissions}))
        elif kind == "coupang":
            paid = frozenset(r["pay_date"] for r in chunk if r["paid"])
            records, errors, _token = coupang.parse_revenue_response(
                {"code": 200, "data": ledger.coupang_elements(chunk)}, paid)
        else:
            payouts = {}
            for day in {r["pay_date"] for r in chunk}:
                node = ledger.shopify_payout(chunk, day.strftime("%Y%m%d"))
                payout = shopify.parse_graphql_payout(node, "payout")
                payouts[payout.payout_id] = payout
            records = [shopify.parse_balance_transaction(node, f"nodes[{i}]", payouts)
                       for i, node in enumerate(ledger.shopify_nodes(chunk))]
            errors = []
        assert not errors, errors[:3]
        yield records


def run(options, out) -> dict:
    from django.utils import timezone

    from marketdock.core.models import Company
    from marketdock.sandbox import settlement as ledger
    from marketdock.settlement.models import SettlementIssue, SettlementRun
    from marketdock.settlement.services import (
        line_keys,
        run_start,
        settlement_reconcile,
        settlement_records_store,
    )

    today = timezone.localdate()
    company = Company.objects.create(code="bench-settle-" + timezone.now().strftime("%m%d%H%M%S%f"),
                                     name="정산 벤치마크", business_no="124-81-00998")
    accounts = _accounts(company)
    lines, units = _generate(company, accounts, options["orders"], options["seed"], today, out)
    expected_krw = sum(_expected(company, accounts[k], units[k], today) for k in accounts)
    ledgers = {k: ledger.build(k, [u for u, _cl in units[k]], today=today, seed=(options["seed"], k),
                               per_kind=options["per_kind"]) for k in accounts}
    out("expected settlement and sandbox ledgers ready; importing")
    started = time.perf_counter()
    for kind, account in accounts.items():
        run_ = run_start(account, SettlementRun.What.IMPORT, trigger="bench")
        keys = line_keys(account)
        for records in _wire_pages(kind, ledgers[kind].rows):
            settlement_records_store(account, records, run_, keys)
    imported = time.perf_counter()
    out(f"imported in {imported - started:.1f}s; reconciling")
    for account in accounts.values():
        settlement_reconcile(account, today=today, trigger="bench")
    finished = time.perf_counter()
    seeded = {(accounts[k].id, key, KIND_TO_ISSUE[kind]) for k, led in ledgers.items()
              for kind, keys in led.seeded.items() for key in keys}
    found = set(SettlementIssue.objects.filter(company=company).exclude(state="resolved").values_list(
        "account_id", "channel_line_id", "kind"))
    kinds = {a.id: k for k, a in accounts.items()}
    for account_id, key, kind in sorted(found - seeded)[:12]:
        reason = SettlementIssue.objects.get(company=company, account_id=account_id, channel_line_id=key, kind=kind).reason
        out(f"false: {kinds[account_id]} {key} {kind}: {reason}")
    for account_id, key, kind in sorted(seeded - found)[:12]:
        out(f"missed: {kinds[account_id]} {key} {kind}")
    by_kind_seeded = {kind: sum(1 for s in seeded if s[2] == issue) for kind, issue in KIND_TO_ISSUE.items()}
    by_kind_found = {kind: sum(1 for s in found & seeded if s[2] == issue) for kind, issue in KIND_TO_ISSUE.items()}
    from django.db.models import Sum

    from marketdock.settlement.models import SettlementRecord

    paid_krw = SettlementRecord.objects.filter(company=company).aggregate(total=Sum("payout_amount"))["total"] or 0
    reconcile_seconds = finished - imported
    return {"orders": options["orders"], "lines": lines, "expected_krw": expected_krw, "paid_krw": paid_krw,
            "differences_seeded": by_kind_seeded, "differences_found": by_kind_found,
            "false_differences": len(found - seeded), "missed_differences": len(seeded - found),
            "seconds": round(finished - started, 2), "import_seconds": round(imported - started, 2),
            "reconcile_seconds": round(reconcile_seconds, 2),
            "lines_per_s": round(lines / reconcile_seconds) if reconcile_seconds else None}


register("settlement", help="정산 가져오기 + 주문상품 단위 대사 (seeded differences must all be found, no false ones)",
         add_arguments=add_arguments, run=run)
