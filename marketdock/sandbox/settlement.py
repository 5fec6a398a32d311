"""Sandbox settlement: what each sandbox marketplace pays for its own orders, in each protocol's wire
format, with a configurable share of deliberate differences so a demo (and the settlement bench) has a
non-empty 정산 오류 queue whose truth is known.

The ledger is built from neutral `Unit`s — one per settlement key (a Naver product order, a Coupang
order + vendor item, a Shopify order), with the order's shipping fee on its first unit — priced with
the marketplace's rates (`Rates`), then disturbed:

- `commission`: one percentage point more sale commission than the rate;
- `missing`: the unit is not settled at all (chosen among units already past their pay date);
- `late`: paid `LATE_DAYS` after its pay date;
- `extra_fee`: a deduction nobody agreed to (`EXTRA_FEE` in the currency's minor unit) beside the unit.

`seeded` lists the keys of each kind — the truth a reconciliation must find, no more, no less.
Renderers give Naver settle/case + commission-details elements, Coupang revenue-history elements and
settlement-histories, Shopify balance transaction nodes."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

KINDS = ("commission", "missing", "late", "extra_fee")
LATE_DAYS = 7
EXTRA_FEE = {"KRW": 1000, "USD": 150}


@dataclass(frozen=True)
class Rates:
    """Percent × 100 (363 = 3.63 %) of the amounts they apply to, and a fixed fee per unit (minor units).
    Defaults are the published standard rates (sources beside RATES)."""

    sale: int = 0
    payment: int = 0
    shipping: int = 0
    fixed: int = 0

    @staticmethod
    def of(amount: int, rate: int) -> int:
        return amount * rate // 10000


# Naver: 네이버페이 주문관리 수수료 3.63 % (card, 일반 등급, also on the shipping fee) + 네이버쇼핑
# 매출연동 수수료 2 % (스마트스토어센터 "판매 수수료 안내"); Coupang: 판매수수료 10.8 % for most categories
# and 3 % on the delivery fee (WING 카테고리별 수수료표; feeRatio 3 in the published revenue-history
# sample); Shopify Payments: 2.9 % + 30¢ per online card charge (Basic plan, shopify.com/pricing; the
# fixed part only in USD). The same defaults the settlement app seeds as commission rules.
RATES = {
    "naver": Rates(sale=200, payment=363, shipping=363),
    "coupang": Rates(sale=1080, shipping=300),
    "shopify": Rates(payment=290, shipping=290, fixed=30),
}
FIXED_CURRENCY = "USD"


@dataclass(frozen=True)
class Unit:
    key: str
    order_no: str
    line_no: str  # Naver productOrderId / Coupang vendorItemId / "" for a Shopify order
    sale: int  # paid by the buyer for the goods (after seller discounts)
    shipping: int  # the order's shipping fee, on its first unit
    settle_date: date
    pay_date: date
    currency: str = "KRW"
    refund: int = 0  # goods amount given back after payout (a return)


@dataclass
class Ledger:
    protocol: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # neutral rows (see _row)
    seeded: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def truth(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "rows": len(self.rows), "seeded": self.seeded,
                "seeded_total": sum(len(v) for v in self.seeded.values())}


def _pick(rng: random.Random, pool: list[Unit], count: int, taken: set[str]) -> list[Unit]:
    free = [u for u in pool if u.key not in taken]
    chosen = rng.sample(free, min(count, len(free)))
    taken.update(u.key for u in chosen)
    return chosen


def choose(units: Sequence[Unit], *, today: date, seed: Any, share: float = 0.0,
           per_kind: int | None = None) -> dict[str, list[str]]:
    """The keys to disturb, by kind: `per_kind` of each (or `share` of the units each), disjoint."""
    rng = random.Random(int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "big"))  # noqa: S311
    count = per_kind if per_kind is not None else int(len(units) * share)
    taken: set[str] = set()
    ordered = sorted(units, key=lambda u: u.key)
    past_due = [u for u in ordered if u.pay_date < today and not u.refund]  # a fully returned line owes nothing
    chosen = {"missing": _pick(rng, past_due, count, taken)}
    for kind in ("commission", "late", "extra_fee"):
        chosen[kind] = _pick(rng, [u for u in ordered if u.sale > 0], count, taken)
    return {kind: sorted(u.key for u in chosen[kind]) for kind in KINDS}


def clean_rows(unit: Unit, rates: Rates, today: date) -> list[dict[str, Any]]:
    """What the marketplace owes for the unit, undisturbed: the sale row, a shipping row, a refund.
    A marketplace with a fixed fee per charge (Shopify) charges goods and shipping together, one row."""
    together = rates.fixed > 0
    fixed = rates.fixed if unit.currency == FIXED_CURRENCY else 0
    if together:
        rows = [_row(unit, "sale", today, sale=unit.sale + unit.shipping,
                     payment_commission=Rates.of(unit.sale, rates.payment) + Rates.of(unit.shipping, rates.shipping)
                     + fixed)]
    else:
        rows = [_row(unit, "sale", today, sale=unit.sale, sale_commission=Rates.of(unit.sale, rates.sale),
                     payment_commission=Rates.of(unit.sale, rates.payment))]
        if unit.shipping:
            rows.append(_row(unit, "shipping", today, shipping=unit.shipping,
                             shipping_commission=Rates.of(unit.shipping, rates.shipping)))
    if unit.refund:
        rows.append(_row(unit, "refund", today, sale=-unit.refund, sale_commission=-Rates.of(unit.refund, rates.sale),
                         payment_commission=-Rates.of(unit.refund, rates.payment)))
    return rows


def _row(unit: Unit, kind: str, today: date, *, sale: int = 0, shipping: int = 0, sale_commission: int = 0,
         payment_commission: int = 0, shipping_commission: int = 0, other_fee: int = 0,
         pay_date: date | None = None) -> dict[str, Any]:
    pay = pay_date or unit.pay_date
    row = {"record_id": f"{unit.key}:{kind}", "kind": kind, "key": unit.key, "order_no": unit.order_no,
           "line_no": unit.line_no, "currency": unit.currency, "settle_date": unit.settle_date, "pay_date": pay,
           "paid": pay <= today, "sale": sale, "shipping": shipping, "sale_commission": sale_commission,
           "payment_commission": payment_commission, "shipping_commission": shipping_commission,
           "other_fee": other_fee}
    row["payout"] = sale + shipping - sale_commission - payment_commission - shipping_commission - other_fee
    return row


def build(protocol: str, units: Iterable[Unit], *, today: date, seed: Any = 0, share: float = 0.0,
          per_kind: int | None = None, rates: Rates | None = None) -> Ledger:
    units = list(units)
    rates = rates or RATES.get(protocol, Rates())
    ledger = Ledger(protocol=protocol, seeded=choose(units, today=today, seed=seed, share=share, per_kind=per_kind))
    kind_of = {key: kind for kind, keys in ledger.seeded.items() for key in keys}
    for unit in units:
        kind = kind_of.get(unit.key)
        rows = clean_rows(unit, rates, today)
        # a missing or late line is the goods row; the order's shipping row (per order) is paid as usual
        if kind == "missing":
            rows = [r for r in rows if r["kind"] == "shipping"]
        if kind == "late":
            late = unit.pay_date + timedelta(days=LATE_DAYS)
            for row in rows:
                if row["kind"] != "shipping":
                    row.update(pay_date=late, paid=late <= today)
        if kind == "commission":
            extra = max(1, Rates.of(unit.sale, 100))
            rows[0]["sale_commission"] += extra
            rows[0]["payout"] -= extra
        if kind == "extra_fee":
            fee = EXTRA_FEE.get(unit.currency, 1000)
            rows.append(_row(unit, "fee", today, other_fee=fee))
        ledger.rows.extend(rows)
    return ledger


# --- wire formats -------------------------------------------------------------------------------

def naver_elements(rows: Sequence[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """(settle/case elements, commission-details elements). Commissions are reported negative."""
    types = {"sale": "PROD_ORDER", "shipping": "DELIVERY", "refund": "REFUND", "fee": "ETC"}
    cases, commissions = [], []
    for row in rows:
        product_type = types[row["kind"]]
        gross = row["sale"] + row["shipping"]
        commission = row["sale_commission"] + row["payment_commission"] + row["shipping_commission"]
        cases.append({"orderId": row["order_no"], "productOrderId": row["line_no"], "productOrderType": product_type,
                      "settleType": "NORMAL_SETTLE", "settleBasisDate": row["settle_date"].isoformat(),
                      "settleExpectDate": row["pay_date"].isoformat(),
                      "settleCompleteDate": row["pay_date"].isoformat() if row["paid"] else None,
                      "paySettleAmount": gross, "sellingInterlockCommissionAmount": -row["sale_commission"],
                      "totalPayCommissionAmount": -(row["payment_commission"] + row["shipping_commission"]
                                                    + row["other_fee"]),
                      "freeInstallmentCommissionAmount": 0, "benefitSettleAmount": 0,
                      "settleExpectAmount": row["payout"]})
        if row["kind"] == "sale" and commission:
            for klass, amount in (("SALES_COMMISSION", row["sale_commission"]),
                                  ("PAY_COMMISSION", row["payment_commission"])):
                if amount:
                    commissions.append({"orderId": row["order_no"], "productOrderId": row["line_no"],
                                        "productOrderType": product_type, "commissionClassType": klass,
                                        "commissionSettleAmount": -amount})
    return cases, commissions


def coupang_elements(rows: Sequence[dict[str, Any]]) -> list[dict]:
    """revenue-history elements: per order and sale type, items per vendor item, the delivery fee."""
    grouped: dict[tuple[str, str, date, date], dict] = {}
    for row in rows:
        sale_type = "REFUND" if row["kind"] == "refund" else "SALE"
        element = grouped.setdefault((row["order_no"], sale_type, row["settle_date"], row["pay_date"]), {
            "orderId": int(row["order_no"]) if row["order_no"].isdigit() else row["order_no"], "saleType": sale_type,
            "saleDate": row["settle_date"].isoformat(), "recognitionDate": row["settle_date"].isoformat(),
            "settlementDate": row["pay_date"].isoformat(), "finalSettlementDate": row["pay_date"].isoformat(),
            "deliveryFee": {"amount": 0, "fee": 0, "feeVat": 0, "feeRatio": 3, "settlementAmount": None},
            "items": []})
        if row["kind"] == "shipping":
            commission = row["shipping_commission"]
            element["deliveryFee"].update(amount=row["shipping"], fee=commission - commission // 11,
                                          feeVat=commission // 11)
            continue
        sign = -1 if sale_type == "REFUND" else 1
        item = next((i for i in element["items"] if str(i["vendorItemId"]) == row["line_no"]), None)
        if item is None:
            item = {"taxType": "TAX", "vendorItemId": int(row["line_no"]), "saleAmount": 0, "sellerDiscountCoupon": 0,
                    "coupangDiscountCoupon": 0, "serviceFee": 0, "serviceFeeVat": 0, "settlementAmount": 0,
                    "couranteeFee": 0, "couranteeFeeVat": 0, "quantity": 1}
            element["items"].append(item)
        commission = sign * row["sale_commission"]
        item["saleAmount"] += sign * row["sale"]
        item["serviceFee"] += commission - commission // 11
        item["serviceFeeVat"] += commission // 11
        item["couranteeFee"] += sign * row["other_fee"]
        item["settlementAmount"] += sign * row["payout"]
    return list(grouped.values())


def coupang_payouts(rows: Sequence[dict[str, Any]], month: str) -> list[dict]:
    """settlement-histories of one revenue-recognition month: one payout per pay date."""
    by_day: dict[date, dict] = {}
    for row in rows:
        if row["settle_date"].strftime("%Y-%m") != month:
            continue
        payout = by_day.setdefault(row["pay_date"], {
            "settlementType": "WEEKLY", "settlementDate": row["pay_date"].isoformat(),
            "revenueRecognitionYearMonth": month, "totalSale": 0, "serviceFee": 0, "finalAmount": 0,
            "status": "DONE" if row["paid"] else "SUBJECT"})
        payout["totalSale"] += row["sale"] + row["shipping"]
        payout["serviceFee"] += row["sale_commission"] + row["shipping_commission"]
        payout["finalAmount"] += row["payout"]
    return [by_day[d] for d in sorted(by_day)]


def _money(minor: int, currency: str) -> dict[str, str]:
    exponent = 0 if currency == "KRW" else 2
    return {"amount": f"{minor / 10 ** exponent:.{exponent}f}", "currencyCode": currency}


def shopify_nodes(rows: Sequence[dict[str, Any]]) -> list[dict]:
    """Balance transaction nodes (charge, refund, a fee as SHIPPING_LABEL)."""
    types = {"sale": "CHARGE", "refund": "REFUND", "fee": "SHIPPING_LABEL", "shipping": "CHARGE"}
    nodes = []
    for row in rows:
        currency = row["currency"]
        fee = row["payment_commission"] + row["sale_commission"]
        amount = row["sale"] + row["shipping"] if row["kind"] != "fee" else -row["other_fee"]
        digest = int(hashlib.sha256(row["record_id"].encode()).hexdigest()[:12], 16)
        payout_no = int(row["pay_date"].strftime("%Y%m%d"))
        nodes.append({
            "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{digest}", "type": types[row["kind"]],
            "test": False, "transactionDate": f"{row['settle_date'].isoformat()}T01:00:00Z",
            "sourceType": "CHARGE" if row["kind"] == "sale" else "ADJUSTMENT",
            "amount": _money(amount, currency), "fee": _money(fee, currency),
            "net": _money(row["payout"], currency),
            "associatedOrder": {"id": f"gid://shopify/Order/{row['order_no']}", "name": f"#{row['order_no']}"},
            "associatedPayout": {"id": f"gid://shopify/ShopifyPaymentsPayout/{payout_no}",
                                 "status": "PAID" if row["paid"] else "SCHEDULED"}})
    return nodes


def shopify_payout(rows: Sequence[dict[str, Any]], payout_no: str) -> dict | None:
    day = date(int(payout_no[:4]), int(payout_no[4:6]), int(payout_no[6:8]))
    mine = [r for r in rows if r["pay_date"] == day]
    if not mine:
        return None
    currency = mine[0]["currency"]
    gross = sum(r["sale"] + r["shipping"] for r in mine)
    net = sum(r["payout"] for r in mine)
    zero = _money(0, currency)
    return {"id": f"gid://shopify/ShopifyPaymentsPayout/{payout_no}", "legacyResourceId": payout_no,
            "issuedAt": f"{day.isoformat()}T00:00:00Z", "status": "PAID" if mine[0]["paid"] else "SCHEDULED",
            "transactionType": "DEPOSIT", "gross": _money(gross, currency), "net": _money(net, currency),
            "summary": {"chargesFee": _money(gross - net, currency), "refundsFee": zero, "adjustmentsFee": zero}}
