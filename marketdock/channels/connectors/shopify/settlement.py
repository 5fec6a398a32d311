"""Shopify settlement (Shopify Payments only, research §3.7): balance transactions through GraphQL
`shopifyPaymentsAccount { balanceTransactions }` (transfers hidden), cursor paging, with the payout of
each page looked up once through `nodes(ids:)` for its date. Shopify settles per payment, not per line
item: rows carry the order id and are matched on it (`settlement_match_key`).

REST shapes (`shopify_payments/payouts.json`, `balance/transactions.json`, the SH-PY fixtures) parse
too: `parse_rest_transaction`, `parse_rest_payout`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .. import values as v
from ..base import Connector, decode_cursor, encode_cursor
from ..errors import MalformedPayload
from ..models import Marketplace, RecordError
from ..settlement_models import ChannelPayout, ChannelSettlement, SettlementKind, SettlementPage
from .auth import MP
from .transport import connection_nodes, gid_tail

SETTLEMENT_PAGE = 100

BALANCE_TRANSACTIONS_QUERY = """query BalanceTransactions($first: Int!, $after: String, $query: String!) {
  shopifyPaymentsAccount {
    balanceTransactions(first: $first, after: $after, query: $query, hideTransfers: true) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id type test transactionDate sourceType
        amount { amount currencyCode }
        fee { amount currencyCode }
        net { amount currencyCode }
        associatedOrder { id name }
        associatedPayout { id status }
      }
    }
  }
}"""

PAYOUTS_QUERY = """query Payouts($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ShopifyPaymentsPayout {
      id legacyResourceId issuedAt status transactionType
      gross { amount currencyCode }
      net { amount currencyCode }
      summary { chargesFee { amount } refundsFee { amount } adjustmentsFee { amount } }
    }
  }
}"""

_KIND = {"CHARGE": SettlementKind.SALE, "REFUND": SettlementKind.REFUND, "REFUND_ADJUSTMENT": SettlementKind.REFUND,
         "SHIPPING_LABEL": SettlementKind.FEE, "CHARGEBACK_FEE": SettlementKind.FEE, "STRIPE_FEE": SettlementKind.FEE,
         "BILLING_DEBIT": SettlementKind.FEE, "REFERRAL_FEE": SettlementKind.FEE}
_PAID = "PAID"


def _money(obj: Any, field: str) -> tuple[int, str]:
    if not isinstance(obj, Mapping):
        raise MalformedPayload(field, "금액 객체가 아닙니다", marketplace=MP, value=obj)
    currency = v.text(obj.get("currencyCode"), f"{field}.currencyCode", marketplace=MP) or "USD"
    return v.minor_units(obj.get("amount"), currency, f"{field}.amount", marketplace=MP), currency


def _row(*, record_id: str, kind_code: str, moment: Any, field: str, currency: str, amount: int, fee: int, net: int,
         order_id: str, payout_id: str, paid: bool, pay_date: date | None, raw: Mapping[str, Any]) -> ChannelSettlement:
    when = v.timestamp(moment, field, marketplace=MP)
    kind = _KIND.get(kind_code.upper(), SettlementKind.ADJUSTMENT)
    sale = kind in (SettlementKind.SALE, SettlementKind.REFUND)
    # a sale or refund: the gross and Shopify's processing fee; a charge (label, chargeback fee, …): what it took;
    # anything else: its fee, the adjustment itself being the payout
    other = 0 if sale else (fee - amount if kind == SettlementKind.FEE else fee)
    return ChannelSettlement(
        marketplace=Marketplace.SHOPIFY, record_id=record_id, kind=kind, order_id=order_id,
        match_key=order_id, settle_date=v.kst_date(when), pay_date=pay_date, paid=paid, currency=currency,
        sale_amount=amount if sale else 0, payment_commission=fee if sale else 0, other_fee=other,
        payout_amount=net, payout_id=payout_id, raw=dict(raw))


def parse_balance_transaction(node: Any, prefix: str, payouts: Mapping[str, ChannelPayout] | None = None
                              ) -> ChannelSettlement:
    if not isinstance(node, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=node)
    amount, currency = _money(node.get("amount"), f"{prefix}.amount")
    fee, _ = _money(node.get("fee"), f"{prefix}.fee")
    net, _ = _money(node.get("net"), f"{prefix}.net")
    order = node.get("associatedOrder")
    order_id = gid_tail(order.get("id"), f"{prefix}.associatedOrder.id") if isinstance(order, Mapping) else ""
    payout = node.get("associatedPayout") or {}
    payout_id = gid_tail(payout["id"], f"{prefix}.associatedPayout.id") if payout.get("id") else ""
    known = (payouts or {}).get(payout_id)
    return _row(record_id=gid_tail(node.get("id"), f"{prefix}.id"), kind_code=str(node.get("type") or ""),
                moment=node.get("transactionDate"), field=f"{prefix}.transactionDate", currency=currency,
                amount=amount, fee=fee, net=net, order_id=order_id, payout_id=payout_id,
                paid=str(payout.get("status") or "").upper() == _PAID,
                pay_date=known.pay_date if known else None, raw=node)


def parse_rest_transaction(item: Any, prefix: str) -> ChannelSettlement:
    """A REST balance transaction (`transactions[]` of balance/transactions.json)."""
    if not isinstance(item, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=item)
    currency = v.text(item.get("currency"), f"{prefix}.currency", marketplace=MP) or "USD"

    def money(name: str) -> int:
        return v.minor_units(item.get(name), currency, f"{prefix}.{name}", marketplace=MP)

    return _row(record_id=v.text(item.get("id"), f"{prefix}.id", marketplace=MP, required=True),
                kind_code=str(item.get("type") or ""), moment=item.get("processed_at"), field=f"{prefix}.processed_at",
                currency=currency, amount=money("amount"), fee=money("fee"), net=money("net"),
                order_id=v.text(item.get("source_order_id"), f"{prefix}.source_order_id", marketplace=MP),
                payout_id=v.text(item.get("payout_id"), f"{prefix}.payout_id", marketplace=MP),
                paid=str(item.get("payout_status") or "").lower() == "paid", pay_date=None, raw=item)


def parse_rest_transactions(payload: Any) -> tuple[list[ChannelSettlement], list[RecordError]]:
    """balance/transactions.json → rows; the payout transfers themselves are not settlement rows."""
    items = payload.get("transactions") if isinstance(payload, Mapping) else None
    if not isinstance(items, list):
        raise MalformedPayload("transactions", "목록이 아닙니다", marketplace=MP, value=items)
    rows: list[ChannelSettlement] = []
    errors: list[RecordError] = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and str(item.get("type") or "").lower() == "payout":
            continue
        try:
            rows.append(parse_rest_transaction(item, f"transactions[{i}]"))
        except MalformedPayload as exc:
            errors.append(RecordError(field=exc.field, message=str(exc),
                                      raw=item if isinstance(item, dict) else {"value": item}))
    return rows, errors


def parse_rest_payout(item: Any, prefix: str) -> ChannelPayout:
    """A REST payout (`payouts[]` / `payout` of shopify_payments/payouts.json)."""
    if not isinstance(item, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=item)
    currency = v.text(item.get("currency"), f"{prefix}.currency", marketplace=MP) or "USD"
    summary = item.get("summary") or {}
    fees = sum(v.minor_units(summary.get(name), currency, f"{prefix}.summary.{name}", marketplace=MP)
               for name in ("charges_fee_amount", "refunds_fee_amount", "adjustments_fee_amount",
                            "reserved_funds_fee_amount", "retried_payouts_fee_amount"))
    gross = sum(v.minor_units(summary.get(name), currency, f"{prefix}.summary.{name}", marketplace=MP)
                for name in ("charges_gross_amount", "refunds_gross_amount", "adjustments_gross_amount",
                             "reserved_funds_gross_amount", "retried_payouts_gross_amount"))
    raw_date = v.text(item.get("date"), f"{prefix}.date", marketplace=MP)
    try:
        pay_date = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise MalformedPayload(f"{prefix}.date", "날짜 형식이 아닙니다", marketplace=MP, value=raw_date)
    status = v.text(item.get("status"), f"{prefix}.status", marketplace=MP)
    return ChannelPayout(marketplace=Marketplace.SHOPIFY, payout_id=v.text(item.get("id"), f"{prefix}.id",
                                                                           marketplace=MP, required=True),
                         pay_date=pay_date, paid=status == "paid", currency=currency, gross_amount=gross,
                         fee_amount=fees, payout_amount=v.minor_units(item.get("amount"), currency, f"{prefix}.amount",
                                                                     marketplace=MP), kind=status, raw=dict(item))


def parse_graphql_payout(node: Any, prefix: str) -> ChannelPayout:
    if not isinstance(node, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=node)
    gross, currency = _money(node.get("gross"), f"{prefix}.gross")
    net, _ = _money(node.get("net"), f"{prefix}.net")
    issued = v.timestamp(node.get("issuedAt"), f"{prefix}.issuedAt", marketplace=MP)
    status = v.text(node.get("status"), f"{prefix}.status", marketplace=MP)
    return ChannelPayout(marketplace=Marketplace.SHOPIFY, payout_id=gid_tail(node.get("id"), f"{prefix}.id"),
                         pay_date=v.kst_date(issued), paid=status == _PAID, currency=currency, gross_amount=gross,
                         fee_amount=gross - net, payout_amount=net, kind=status, raw=dict(node))


class ShopifySettlement(Connector):
    """fetch_settlements (mixed into ShopifyConnector: `_graphql`)."""

    @classmethod
    def settlement_match_key(cls, order_id: str, order_line_id: str) -> str:
        return order_id

    def _settlement_page(self) -> int:
        return max(1, min(SETTLEMENT_PAGE, getattr(self, "page_size", SETTLEMENT_PAGE) * 4))

    def fetch_settlements(self, start: date, end: date, cursor: str | None = None) -> SettlementPage:
        state = decode_cursor(cursor, MP) or {}
        search = f"processed_at:>={start.isoformat()} processed_at:<={end.isoformat()}"
        data = self._graphql(BALANCE_TRANSACTIONS_QUERY, {"first": self._settlement_page(), "after": state.get("after"),
                                                          "query": search})
        account = data.get("shopifyPaymentsAccount")
        if not isinstance(account, Mapping):  # Shopify Payments not activated: nothing is settled here
            return SettlementPage()
        connection = account.get("balanceTransactions") or {}
        nodes = connection_nodes(connection, "shopifyPaymentsAccount.balanceTransactions")
        payout_ids = sorted({str(n["associatedPayout"]["id"]) for n in nodes if isinstance(n, Mapping)
                             and isinstance(n.get("associatedPayout"), Mapping) and n["associatedPayout"].get("id")})
        payouts: dict[str, ChannelPayout] = {}
        if payout_ids:
            found = self._graphql(PAYOUTS_QUERY, {"ids": payout_ids}).get("nodes") or []
            for i, node in enumerate(found):
                if isinstance(node, Mapping) and node.get("id"):
                    payout = parse_graphql_payout(node, f"nodes[{i}]")
                    payouts[payout.payout_id] = payout
        rows: list[ChannelSettlement] = []
        errors: list[RecordError] = []
        for i, node in enumerate(nodes):
            try:
                rows.append(parse_balance_transaction(node, f"balanceTransactions.nodes[{i}]", payouts))
            except MalformedPayload as exc:
                raw = node if isinstance(node, dict) else {"value": node}
                errors.append(RecordError(field=exc.field, message=str(exc), raw=raw))
        info = connection.get("pageInfo") or {}
        more = bool(info.get("hasNextPage"))
        return SettlementPage(records=rows, payouts=list(payouts.values()), errors=errors,
                              next_cursor=encode_cursor({"after": info.get("endCursor")}) if more else None,
                              has_more=more)
