"""Figures a marketplace reports on the order line itself (kept in `OrderLine.raw` by its connector),
which win over the commission rule (STL-1).

Naver product orders (`product-orders/query`, the connector keeps the whole `{order, productOrder, …}`
item as the line's raw) carry `saleCommission`, `channelCommission`,
`knowledgeShoppingSellingInterlockCommission` (매출연동수수료), `paymentCommission` and
`expectedSettlementAmount` (정산예정금액, product amount only: the shipping fee is settled on its own),
and `decisionDate` once the buyer confirmed the purchase. Other marketplaces report nothing per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marketdock.channels.models import ChannelKind

from .figures import Reported
from .schedule import KST

SALE_KEYS = ("saleCommission", "channelCommission", "knowledgeShoppingSellingInterlockCommission")


@dataclass(frozen=True)
class LineReport:
    figures: Reported | None
    confirmed: date | None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(KST).date() if moment.tzinfo else moment.date()


def reported_figures(kind: str, raw: Any) -> LineReport | None:
    if kind != ChannelKind.NAVER or not isinstance(raw, dict):
        return None
    po = raw.get("productOrder")
    if not isinstance(po, dict):
        return None
    confirmed = _day(po.get("decisionDate"))
    expected = _int(po.get("expectedSettlementAmount"))
    figures = None
    if expected is not None:
        sale = [_int(po.get(k)) for k in SALE_KEYS]
        payment = _int(po.get("paymentCommission"))
        if all(v is None or v >= 0 for v in [*sale, payment]):
            figures = Reported(sale_commission=sum(v or 0 for v in sale), payment_commission=payment or 0,
                               expected_settlement=expected)
    if figures is None and confirmed is None:
        return None
    return LineReport(figures=figures, confirmed=confirmed)
