"""Cafe24 fulfilment: 발주확인 (→ 배송준비중) and 발송처리 (shipments with tracking numbers).

- 발주확인: `PUT /api/v2/admin/orders` `{"requests": [{order_id, process_status: "prepare",
  order_item_code: [...]}]}` (≤100 orders per call) moves items to N20 배송준비중. Cafe24 answers the
  orders it changed (207 when only some were); a line missing from the answer failed.
- 발송처리: `POST /api/v2/admin/shipments` `{"requests": [{order_id, order_item_code[], tracking_no,
  shipping_company_code, status: "shipping"}]}` (≤100 per call).
- `shipping_company_code` is the mall's own 4-digit code from its carrier settings; published lists
  disagree (CJ대한통운 0006? 롯데 0079 or 0019?), so the codes are read from the mall's carrier list
  (`GET /api/v2/admin/carriers`) and matched by carrier name, unless the caller already has the code.
  The list's field names (`shipping_carrier_code`, `shipping_carrier`) are [UNCONFIRMED]; the reader
  accepts the spellings seen in third-party clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..base import unique_lines
from ..errors import BusinessError, ConnectorError
from ..models import Claim, ConfirmResult, DispatchItem, DispatchResult, LineFailure, Progress
from .auth import Transport
from .orders import SHIPPED_PROGRESS, order_id_of

BATCH = 100

# OMS carrier key → names a mall's carrier list may use for it (compared without spaces, lower case)
CARRIER_NAMES: dict[str, tuple[str, ...]] = {
    "cj": ("CJ대한통운", "CJ택배", "대한통운", "CJ GLS"),
    "lotte": ("롯데택배", "롯데글로벌로지스", "현대택배"),
    "hanjin": ("한진택배",),
    "logen": ("로젠택배",),
    "epost": ("우체국택배", "우체국"),
    "kdexp": ("경동택배",),
    "daesin": ("대신택배",),
    "ilyang": ("일양로지스",),
    "chunil": ("천일택배",),
    "hapdong": ("합동택배",),
    "direct": ("자체배송", "직접배송"),
}


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


def carriers_from(body: Any) -> dict[str, str]:
    """The mall's carrier list → {carrier name: shipping_company_code}."""
    rows = body.get("carriers") if isinstance(body, Mapping) else None
    found: dict[str, str] = {}
    for row in rows or []:
        if not isinstance(row, Mapping):
            continue
        code = str(row.get("shipping_carrier_code") or row.get("shipping_company_code") or "").strip()
        name = str(row.get("shipping_carrier") or row.get("shipping_company_name") or row.get("carrier_name")
                   or row.get("name") or "").strip()
        if code and name:
            found[name] = code
    return found


def carrier_code_for(carrier_key: str, mall_carriers: Mapping[str, str]) -> str:
    """The mall's code for an OMS carrier key, matched by name ("" when the mall has no such carrier)."""
    names = {_norm(n) for n in CARRIER_NAMES.get(carrier_key.lower(), ())}
    for name, code in mall_carriers.items():
        if _norm(name) in names:
            return code
    for name, code in mall_carriers.items():  # "CJ대한통운(국내)" and the like
        if any(n and n in _norm(name) for n in names):
            return code
    return ""


class FulfilmentMixin:
    transport: Transport
    _carriers: dict[str, str] | None = None

    def _lines_now(self, order_id: str) -> dict[str, Any]:  # provided by the connector
        raise NotImplementedError

    def mall_carriers(self) -> dict[str, str]:
        if self._carriers is None:
            self._carriers = carriers_from(self.transport.call("GET", "/carriers", params={"shop_no": 1}))
        return self._carriers

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        result = ConfirmResult()
        by_order: dict[str, list[str]] = {}
        for line in dict.fromkeys(line_ids):
            try:
                by_order.setdefault(order_id_of(line), []).append(line)
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=line, code=exc.code, message=exc.message))
        wanted: dict[str, list[str]] = {}
        for order_id, lines in by_order.items():
            current = self._lines_now(order_id)
            for line in lines:
                order = current.get(line)
                if order is None:
                    result.failed.append(LineFailure(order_line_id=line, code="NOT_FOUND",
                                                     message="카페24 주문에 해당 품주코드가 없습니다"))
                elif order.claim == Claim.NONE and order.progress == Progress.CONFIRMED:
                    result.confirmed.append(line)  # already 배송준비중 at Cafe24
                elif order.claim != Claim.NONE or order.progress != Progress.PAID:
                    result.failed.append(LineFailure(order_line_id=line, code=f"STATUS_{order.raw_status}",
                                                     message=f"발주확인할 수 없는 상태입니다 (카페24 상태 {order.raw_status})"))
                else:
                    wanted.setdefault(order_id, []).append(line)
        orders = list(wanted.items())
        for start in range(0, len(orders), BATCH):
            chunk = orders[start:start + BATCH]
            requests = [{"order_id": order_id, "process_status": "prepare", "order_item_code": lines}
                        for order_id, lines in chunk]
            try:
                body = self.transport.call("PUT", "/orders", json={"shop_no": 1, "requests": requests},
                                           idempotent=False)
            except ConnectorError as exc:
                if not isinstance(exc, BusinessError):
                    raise
                for _order_id, lines in chunk:
                    result.failed.extend(LineFailure(order_line_id=line, code=exc.code, message=exc.message)
                                         for line in lines)
                continue
            done = {code for row in (body.get("orders") or []) if isinstance(row, Mapping)
                    for code in (row.get("order_item_code") or [])}
            problems = _errors_by_order(body)
            for order_id, lines in chunk:
                for line in lines:
                    if line in done:
                        result.confirmed.append(line)
                    else:
                        code, message = problems.get(order_id, ("NOT_CHANGED", "카페24가 배송준비중으로 바꾸지 않았습니다"))
                        result.failed.append(LineFailure(order_line_id=line, code=code, message=message))
        return result

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """송장 등록 per order: lines of one order with the same carrier and number go in one request."""
        result = DispatchResult()
        groups: dict[tuple[str, str, str], list[DispatchItem]] = {}
        for item in unique_lines(items):
            problem = ""
            try:
                order_id = order_id_of(item.order_line_id)
            except BusinessError as exc:
                problem, order_id = exc.message, ""
            if not problem and item.method != "parcel":
                problem = "카페24 발송처리는 택배(송장번호)만 지원합니다"
            if not problem and not item.tracking_number:
                problem = "송장번호가 없습니다"
            code = item.marketplace_carrier_code
            if not problem and not code:
                code = carrier_code_for(item.carrier_code, self.mall_carriers()) if item.carrier_code else ""
                if not code:
                    problem = (f"쇼핑몰의 카페24 배송업체 목록에 {item.carrier_code or '택배사'}가 없습니다. "
                               "카페24 관리자 › 배송업체 설정에서 추가하세요")
            if not problem and len(item.tracking_number) > 40:
                problem = "송장번호는 40자 이내입니다"
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            groups.setdefault((order_id, code, item.tracking_number), []).append(item)
        pending: list[tuple[str, str, str, list[str]]] = []
        for (order_id, code, number), group in groups.items():
            current = self._lines_now(order_id)
            open_lines = []
            for item in group:
                order = current.get(item.order_line_id)
                if order is None:
                    result.failed.append(LineFailure(order_line_id=item.order_line_id, code="NOT_FOUND",
                                                     message="카페24 주문에 해당 품주코드가 없습니다"))
                elif order.progress in SHIPPED_PROGRESS and order.tracking_number == number:
                    result.sent.append(item.order_line_id)  # already shipped with this number
                elif order.claim != Claim.NONE or order.progress not in (Progress.PAID, Progress.CONFIRMED):
                    result.failed.append(LineFailure(
                        order_line_id=item.order_line_id, code=f"STATUS_{order.raw_status}",
                        message=f"발송처리할 수 없는 상태입니다 (카페24 상태 {order.raw_status})"))
                else:
                    open_lines.append(item.order_line_id)
            if open_lines:
                pending.append((order_id, code, number, open_lines))
        for start in range(0, len(pending), BATCH):
            chunk = pending[start:start + BATCH]
            requests = [{"order_id": order_id, "order_item_code": lines, "tracking_no": number,
                         "shipping_company_code": code, "status": "shipping"}
                        for order_id, code, number, lines in chunk]
            try:
                body = self.transport.call("POST", "/shipments", json={"shop_no": 1, "requests": requests},
                                           idempotent=False)
            except BusinessError as exc:
                for *_rest, lines in chunk:
                    result.failed.extend(LineFailure(order_line_id=line, code=exc.code, message=exc.message)
                                         for line in lines)
                continue
            done = {code for row in (body.get("shipments") or []) if isinstance(row, Mapping)
                    for code in (row.get("order_item_code") or [])}
            problems = _errors_by_order(body)
            for order_id, _code, _number, lines in chunk:
                for line in lines:
                    if line in done:
                        result.sent.append(line)
                    else:
                        code, message = problems.get(order_id, ("NOT_SHIPPED", "카페24가 송장을 등록하지 않았습니다"))
                        result.failed.append(LineFailure(order_line_id=line, code=code, message=message))
        return result


def _errors_by_order(body: Any) -> dict[str, tuple[str, str]]:
    """A 207 answer's per-request errors: {order_id: (code, message)} (shape [UNCONFIRMED]: `errors`
    rows carrying order_id, code, message — anything else leaves the generic message)."""
    found: dict[str, tuple[str, str]] = {}
    rows = body.get("errors") if isinstance(body, Mapping) else None
    for row in rows or []:
        if isinstance(row, Mapping) and row.get("order_id"):
            found[str(row["order_id"])] = (str(row.get("code") or "ERROR"), str(row.get("message") or ""))
    return found
