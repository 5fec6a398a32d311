"""Naver settlement (커머스API pay-settle, research §1.8).

- Per line: GET /v1/pay-settle/settle/case?searchDate=yyyy-MM-dd&periodType=SETTLE_CASEBYCASE_SETTLE_BASIS_DATE
  &pageNumber&pageSize — one element per productOrderId and productOrderType (PROD_ORDER the sale,
  DELIVERY / EXTRAFEE shipping, WITHDRAW / REFUND money given back).
- Commission split: GET /v1/pay-settle/settle/commission-details (same parameters) — the commissions
  per productOrderId by class; when present they replace the totals of the case row.
One day per call (searchDate), paged by pageNumber (1-based) until `pagination.totalPages`.

The element field names follow the official page (docs/api/v1/pay-settle/settle/case.GET.md); no
published success sample exists [UNCONFIRMED beyond the error bodies]. Naver reports commissions as
negative amounts on some rows and positive on others: deductions are stored as magnitudes with the
row's sign (a refund reverses its commission)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from .. import values as v
from ..base import Connector, decode_cursor, encode_cursor
from ..errors import MalformedPayload
from ..models import Marketplace, RecordError
from ..settlement_models import ChannelSettlement, SettlementKind, SettlementPage
from .auth import MP
from .transport import query_string

CASE_PATH = "/v1/pay-settle/settle/case"
COMMISSION_PATH = "/v1/pay-settle/settle/commission-details"
SETTLE_PAGE = 100
PERIOD_TYPE = "SETTLE_CASEBYCASE_SETTLE_BASIS_DATE"

_KIND = {
    "PROD_ORDER": SettlementKind.SALE,
    "DELIVERY": SettlementKind.SHIPPING,
    "EXTRAFEE": SettlementKind.SHIPPING,
    "WITHDRAW": SettlementKind.REFUND,
    "REFUND": SettlementKind.REFUND,
}
_SALE_CLASSES = ("SALE", "SELLING", "CHANNEL", "INTERLOCK")  # 판매/연동 수수료; the rest is 결제수수료


def shipping_key(order_id: str) -> str:
    """Naver settles the shipping fee on a DELIVERY row under one product order of the bundle; it is
    compared per order (our lines carry a share of the order's fee each)."""
    return f"{order_id}/delivery"


def _elements(payload: Any) -> tuple[list[Any], int]:
    body = payload.get("data", payload) if isinstance(payload, Mapping) else payload
    if not isinstance(body, Mapping):
        raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=body)
    elements = body.get("elements")
    if not isinstance(elements, list):
        raise MalformedPayload("elements", "목록이 아닙니다", marketplace=MP, value=elements)
    pagination = body.get("pagination") or {}
    pages = v.integer(pagination.get("totalPages") if isinstance(pagination, Mapping) else None,
                      "pagination.totalPages", marketplace=MP, required=False, default=1)
    return elements, pages


def _date(value: Any, field: str) -> date | None:
    raw = v.text(value, field, marketplace=MP)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise MalformedPayload(field, "날짜 형식이 아닙니다", marketplace=MP, value=value)


def parse_commissions(payload: Any) -> dict[str, tuple[int, int]]:
    """commission-details → {productOrderId/productOrderType: (sale commission, payment commission)}."""
    elements, _pages = _elements(payload)
    split: dict[str, tuple[int, int]] = {}
    for i, element in enumerate(elements):
        prefix = f"elements[{i}]"
        if not isinstance(element, Mapping):
            raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=element)
        line = v.text(element.get("productOrderId"), f"{prefix}.productOrderId", marketplace=MP, required=True)
        key = f"{line}/{v.text(element.get('productOrderType'), f'{prefix}.productOrderType', marketplace=MP)}"
        amount = abs(v.integer(element.get("commissionSettleAmount", element.get("commissionAmount")),
                               f"{prefix}.commissionSettleAmount", marketplace=MP, required=False))
        klass = v.text(element.get("commissionClassType"), f"{prefix}.commissionClassType", marketplace=MP).upper()
        sale, payment = split.get(key, (0, 0))
        if any(word in klass for word in _SALE_CLASSES):
            sale += amount
        else:
            payment += amount
        split[key] = (sale, payment)
    return split


def parse_case(element: Any, prefix: str, commissions: Mapping[str, tuple[int, int]] | None = None
               ) -> ChannelSettlement:
    if not isinstance(element, Mapping):
        raise MalformedPayload(prefix, "객체가 아닙니다", marketplace=MP, value=element)
    line = v.text(element.get("productOrderId"), f"{prefix}.productOrderId", marketplace=MP, required=True)
    order_id = v.text(element.get("orderId"), f"{prefix}.orderId", marketplace=MP)
    product_type = v.text(element.get("productOrderType"), f"{prefix}.productOrderType", marketplace=MP) or "PROD_ORDER"
    kind = _KIND.get(product_type, SettlementKind.ADJUSTMENT)
    basis = _date(element.get("settleBasisDate"), f"{prefix}.settleBasisDate")
    if basis is None:
        raise MalformedPayload(f"{prefix}.settleBasisDate", "값이 없습니다", marketplace=MP)
    complete = _date(element.get("settleCompleteDate"), f"{prefix}.settleCompleteDate")
    expected = _date(element.get("settleExpectDate"), f"{prefix}.settleExpectDate")

    def amount(name: str) -> int:
        return v.integer(element.get(name), f"{prefix}.{name}", marketplace=MP, required=False)

    paid_amount = amount("paySettleAmount")
    sign = -1 if paid_amount < 0 or kind == SettlementKind.REFUND else 1
    sale_commission = abs(amount("sellingInterlockCommissionAmount"))
    payment_commission = abs(amount("totalPayCommissionAmount")) + abs(amount("freeInstallmentCommissionAmount"))
    split = (commissions or {}).get(f"{line}/{product_type}")
    if split is not None:
        sale_commission, payment_commission = split
    gross = abs(paid_amount)
    shipping = kind == SettlementKind.SHIPPING
    if kind == SettlementKind.ADJUSTMENT:  # a charge or correction outside sale / shipping / refund
        return ChannelSettlement(
            marketplace=Marketplace.NAVER, record_id=f"{line}-{product_type}-{basis}", kind=kind, order_id=order_id,
            order_line_id=line, settle_date=basis, pay_date=complete or expected, paid=complete is not None,
            sale_amount=paid_amount, other_fee=sale_commission + payment_commission,
            payout_amount=v.integer(element.get("settleExpectAmount", element.get("settleAmount")),
                                    f"{prefix}.settleExpectAmount", marketplace=MP),
            payout_id=(complete or expected or basis).isoformat(), raw=dict(element))
    payout = element.get("settleExpectAmount", element.get("settleAmount"))
    settle_type = v.text(element.get("settleType"), f"{prefix}.settleType", marketplace=MP)
    return ChannelSettlement(
        marketplace=Marketplace.NAVER, record_id=f"{line}-{product_type}-{settle_type or 'SETTLE'}-{basis}",
        kind=kind, order_id=order_id, order_line_id=line, match_key=shipping_key(order_id) if shipping else "",
        settle_date=basis, pay_date=complete or expected,
        paid=complete is not None, sale_amount=0 if shipping else sign * gross,
        shipping_fee=sign * gross if shipping else 0,
        marketplace_discount=sign * abs(amount("benefitSettleAmount")),
        sale_commission=0 if shipping else sign * sale_commission,
        payment_commission=sign * payment_commission if not shipping else 0,
        shipping_commission=sign * (sale_commission + payment_commission) if shipping else 0,
        payout_amount=v.integer(payout, f"{prefix}.settleExpectAmount", marketplace=MP),
        payout_id=(complete or expected or basis).isoformat(), raw=dict(element))


def parse_case_response(payload: Any, commissions: Mapping[str, tuple[int, int]] | None = None
                        ) -> tuple[list[ChannelSettlement], list[RecordError], int]:
    elements, pages = _elements(payload)
    rows: list[ChannelSettlement] = []
    errors: list[RecordError] = []
    for i, element in enumerate(elements):
        try:
            rows.append(parse_case(element, f"elements[{i}]", commissions))
        except MalformedPayload as exc:
            raw = element if isinstance(element, dict) else {"value": element}
            errors.append(RecordError(order_id=str(raw.get("orderId") or ""),
                                      order_line_id=str(raw.get("productOrderId") or ""), field=exc.field,
                                      message=str(exc), raw=raw))
    return rows, errors, pages


class NaverSettlement(Connector):
    """fetch_settlements (mixed into NaverConnector: `_call`)."""

    @classmethod
    def settlement_shipping_key(cls, order_id: str) -> str:
        return shipping_key(order_id)

    def fetch_settlements(self, start: date, end: date, cursor: str | None = None) -> SettlementPage:
        state = decode_cursor(cursor, MP) or {}
        day = date.fromisoformat(state["day"]) if "day" in state else start
        page = int(state.get("page", 1))
        if day > end:
            return SettlementPage()
        params = [("searchDate", day.isoformat()), ("periodType", PERIOD_TYPE), ("pageNumber", str(page)),
                  ("pageSize", str(SETTLE_PAGE))]
        commissions = parse_commissions(self._call("GET", COMMISSION_PATH, query=query_string(params)))
        rows, errors, pages = parse_case_response(self._call("GET", CASE_PATH, query=query_string(params)),
                                                  commissions)
        if page < pages:
            next_state: dict[str, Any] | None = {"day": day.isoformat(), "page": page + 1}
        elif day < end:
            next_state = {"day": (day + timedelta(days=1)).isoformat(), "page": 1}
        else:
            next_state = None
        return SettlementPage(records=rows, errors=errors, next_cursor=encode_cursor(next_state) if next_state else None,
                              has_more=next_state is not None)
