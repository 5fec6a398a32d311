"""Coupang settlement (WING Open API, research §2.10).

- Revenue lines: GET /v2/providers/openapi/apis/api/v1/revenue-history?vendorId&recognitionDateFrom
  &recognitionDateTo (yyyy-MM-dd, ≤31 days, before today) &token (empty on the first page)&maxPerPage
  (≤50) — one element per order and sale type (SALE | REFUND), its `items` per vendor item and its
  `deliveryFee`. Coupang reports per order + vendor item, not per shipment box: rows are matched on
  `{orderId}/{vendorItemId}` (`settlement_match_key`).
- Payouts: GET /v2/providers/marketplace_openapi/apis/api/v1/settlement-histories
  ?revenueRecognitionYearMonth=YYYY-MM — one element per payout (settlementType WEEKLY | MONTHLY |
  ADDITIONAL | RESERVE, settlementDate, status DONE | SUBJECT); a revenue row is paid once a DONE payout
  exists for its settlementDate.

A REFUND element repeats the refunded amounts as positive numbers (published sample): they become
negative rows (sale, commission and payout reversed). The delivery fee is its own SHIPPING row with its
sign as given (a negative amount on a refund is shipping given back)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from .. import values as v
from ..base import Connector, decode_cursor, encode_cursor
from ..errors import MalformedPayload
from ..models import Marketplace, RecordError
from ..settlement_models import ChannelPayout, ChannelSettlement, SettlementKind, SettlementPage
from .auth import MP
from .transport import envelope

REVENUE_PATH = "/v2/providers/openapi/apis/api/v1/revenue-history"
PAYOUTS_PATH = "/v2/providers/marketplace_openapi/apis/api/v1/settlement-histories"
REVENUE_PAGE = 50
REVENUE_MAX_DAYS = 31


def _date(value: Any, field: str, *, required: bool = True) -> date | None:
    raw = v.text(value, field, marketplace=MP, required=required)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise MalformedPayload(field, "날짜 형식이 아닙니다", marketplace=MP, value=value)


def _int(obj: Mapping[str, Any], name: str, prefix: str) -> int:
    return v.integer(obj.get(name), f"{prefix}.{name}", marketplace=MP, required=False)


def parse_revenue(element: Mapping[str, Any], prefix: str, paid_dates: frozenset[date] = frozenset()
                  ) -> list[ChannelSettlement]:
    """One revenue-history element → a row per item plus a SHIPPING row when a delivery fee moved."""
    if not isinstance(element, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=element)
    order_id = v.text(element.get("orderId"), f"{prefix}.orderId", marketplace=MP, required=True)
    sale_type = v.text(element.get("saleType"), f"{prefix}.saleType", marketplace=MP, required=True)
    if sale_type not in ("SALE", "REFUND"):
        raise MalformedPayload(f"{prefix}.saleType", "알 수 없는 매출 구분입니다", marketplace=MP, value=sale_type)
    refund = sale_type == "REFUND"
    sign = -1 if refund else 1
    recognized = _date(element.get("recognitionDate"), f"{prefix}.recognitionDate")
    pay_date = _date(element.get("settlementDate"), f"{prefix}.settlementDate", required=False)
    paid = pay_date is not None and pay_date in paid_dates
    common = {"marketplace": Marketplace.COUPANG, "order_id": order_id, "settle_date": recognized,
              "pay_date": pay_date, "paid": paid, "payout_id": pay_date.isoformat() if pay_date else ""}
    items = element.get("items")
    if not isinstance(items, list):
        raise MalformedPayload(f"{prefix}.items", "목록이 아닙니다", marketplace=MP, value=items)
    rows: list[ChannelSettlement] = []
    for i, item in enumerate(items):
        path = f"{prefix}.items[{i}]"
        if not isinstance(item, Mapping):
            raise MalformedPayload(path, "객체가 아닙니다", marketplace=MP, value=item)
        vendor_item = v.text(item.get("vendorItemId"), f"{path}.vendorItemId", marketplace=MP, required=True)
        commission = _int(item, "serviceFee", path) + _int(item, "serviceFeeVat", path)
        other = _int(item, "couranteeFee", path) + _int(item, "couranteeFeeVat", path)
        rows.append(ChannelSettlement(
            **common, record_id=f"{order_id}-{vendor_item}-{sale_type}-{recognized}",
            kind=SettlementKind.REFUND if refund else SettlementKind.SALE, item_id=vendor_item,
            match_key=f"{order_id}/{vendor_item}",
            sale_amount=sign * _int(item, "saleAmount", path),
            seller_discount=sign * _int(item, "sellerDiscountCoupon", path),
            marketplace_discount=sign * _int(item, "coupangDiscountCoupon", path),
            sale_commission=sign * commission, other_fee=sign * other,
            payout_amount=sign * v.integer(item.get("settlementAmount"), f"{path}.settlementAmount", marketplace=MP),
            raw=dict(item)))
    fee = element.get("deliveryFee")
    if isinstance(fee, Mapping) and (_int(fee, "amount", f"{prefix}.deliveryFee") or _int(fee, "fee", f"{prefix}.deliveryFee")):
        path = f"{prefix}.deliveryFee"
        amount = _int(fee, "amount", path)
        commission = _int(fee, "fee", path) + _int(fee, "feeVat", path)
        rows.append(ChannelSettlement(
            **common, record_id=f"{order_id}-delivery-{sale_type}-{recognized}", kind=SettlementKind.SHIPPING,
            match_key=f"{order_id}/delivery", shipping_fee=amount, shipping_commission=commission,
            payout_amount=amount - commission, raw=dict(fee)))
    return rows


def parse_revenue_response(payload: Any, paid_dates: frozenset[date] = frozenset()
                           ) -> tuple[list[ChannelSettlement], list[RecordError], str]:
    data = envelope(payload)
    if not isinstance(data, list):
        raise MalformedPayload("data", "목록이 아닙니다", marketplace=MP, value=data)
    rows: list[ChannelSettlement] = []
    errors: list[RecordError] = []
    for index, element in enumerate(data):
        try:
            rows.extend(parse_revenue(element, f"data[{index}]", paid_dates))
        except MalformedPayload as exc:
            order_id = str(element.get("orderId") or "") if isinstance(element, Mapping) else ""
            errors.append(RecordError(order_id=order_id, field=exc.field, message=str(exc),
                                      raw=element if isinstance(element, dict) else {"value": element}))
    token = str(payload.get("nextToken") or "") if payload.get("hasNext") else ""
    return rows, errors, token


def parse_payout(element: Mapping[str, Any], prefix: str) -> ChannelPayout:
    if not isinstance(element, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=element)
    pay_date = _date(element.get("settlementDate"), f"{prefix}.settlementDate")
    kind = v.text(element.get("settlementType"), f"{prefix}.settlementType", marketplace=MP)
    status = v.text(element.get("status"), f"{prefix}.status", marketplace=MP)
    gross = _int(element, "totalSale", prefix)
    final = element.get("finalAmount", element.get("settlementAmount"))
    amount = v.integer(final, f"{prefix}.finalAmount", marketplace=MP)
    return ChannelPayout(marketplace=Marketplace.COUPANG, payout_id=f"{pay_date}-{kind or 'PAYOUT'}",
                         pay_date=pay_date, paid=status == "DONE", gross_amount=gross,
                         fee_amount=_int(element, "serviceFee", prefix), payout_amount=amount, kind=kind,
                         raw=dict(element))


def parse_payouts_response(payload: Any) -> list[ChannelPayout]:
    data = envelope(payload)
    if not isinstance(data, list):
        raise MalformedPayload("data", "목록이 아닙니다", marketplace=MP, value=data)
    return [parse_payout(element, f"data[{i}]") for i, element in enumerate(data)]


def _months(start: date, end: date) -> list[str]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


class CoupangSettlement(Connector):
    """fetch_settlements (mixed into CoupangConnector: `_call`, `credentials`, `clock`)."""

    @classmethod
    def settlement_match_key(cls, order_id: str, order_line_id: str) -> str:
        _box, _sep, item = order_line_id.partition("-")
        return f"{order_id}/{item}"

    @classmethod
    def settlement_shipping_key(cls, order_id: str) -> str:
        return f"{order_id}/delivery"

    def fetch_settlements(self, start: date, end: date, cursor: str | None = None) -> SettlementPage:
        state = decode_cursor(cursor, MP) or {}
        today = v.kst_date(self.clock())
        end = min(end, today - timedelta(days=1))  # revenue-history answers only days before today
        chunk_start = date.fromisoformat(state["from"]) if "from" in state else start
        if chunk_start > end:
            return SettlementPage()
        chunk_end = min(end, chunk_start + timedelta(days=REVENUE_MAX_DAYS - 1))
        payouts: list[ChannelPayout] = []
        if not state.get("token"):  # the payout batches of the chunk's months, once per chunk
            for month in _months(chunk_start, chunk_end + timedelta(days=62)):
                payload = self._call("GET", PAYOUTS_PATH, params=[("revenueRecognitionYearMonth", month)])
                payouts.extend(parse_payouts_response(payload))
            paid_dates = sorted({p.pay_date.isoformat() for p in payouts if p.paid and p.pay_date})
        else:
            paid_dates = state.get("paid", [])
        params = [("vendorId", self.credentials.vendor_id), ("recognitionDateFrom", chunk_start.isoformat()),
                  ("recognitionDateTo", chunk_end.isoformat()), ("token", state.get("token", "")),
                  ("maxPerPage", str(max(1, min(REVENUE_PAGE, getattr(self, "page_size", REVENUE_PAGE)))))]
        payload = self._call("GET", REVENUE_PATH, params=params)
        rows, errors, token = parse_revenue_response(payload, frozenset(date.fromisoformat(d) for d in paid_dates))
        if token:
            next_state: dict[str, Any] | None = {"from": chunk_start.isoformat(), "token": token, "paid": paid_dates}
        elif chunk_end < end:
            next_state = {"from": (chunk_end + timedelta(days=1)).isoformat()}
        else:
            next_state = None
        return SettlementPage(records=rows, payouts=payouts, errors=errors,
                              next_cursor=encode_cursor(next_state) if next_state else None,
                              has_more=next_state is not None)
