"""Sandbox settlement endpoints over the ledger of `sandbox/settlement.py`, built from each shop's own
orders (settled once delivered / charged; a partial Shopify refund becomes a refund row):

- Naver: GET /v1/pay-settle/settle/case and /settle/commission-details (searchDate, periodType,
  pageNumber ≥ 1, pageSize ≤ 1000), Naver's error body with invalidInputs;
- Coupang: GET /v2/providers/openapi/apis/api/v1/revenue-history (vendorId, recognitionDateFrom/To
  ≤ 31 days and before today, token paging, maxPerPage ≤ 50) and
  /v2/providers/marketplace_openapi/apis/api/v1/settlement-histories (revenueRecognitionYearMonth);
- Shopify: `shopifyPaymentsAccount { balanceTransactions }` (processed_at bounds in `query`, cursor
  paging) and payouts through `nodes(ids:)`.

The share of deliberate differences is set per shop (`POST /_sandbox/shops/<shop>/settlements
{"share": 0.1}`); `GET` there lists the seeded differences by kind (the truth)."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from . import settlement as ledger_module
from .http import KST, Request, Response
from .naver_listings import _error as naver_error
from .state import Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

DEFAULT_SHARE = 0.1
PAY_DAYS = {"naver": 2, "coupang": 14, "shopify": 2}
COUPANG_REVENUE = "/v2/providers/openapi/apis/api/v1/revenue-history"
COUPANG_PAYOUTS = "/v2/providers/marketplace_openapi/apis/api/v1/settlement-histories"
COUPANG_PATHS = (COUPANG_REVENUE, COUPANG_PAYOUTS)
NAVER_PERIODS = ("SETTLE_CASEBYCASE_SETTLE_SCHEDULE_DATE", "SETTLE_CASEBYCASE_SETTLE_BASIS_DATE",
                 "SETTLE_CASEBYCASE_SETTLE_COMPLETE_DATE", "SETTLE_CASEBYCASE_PAY_DATE",
                 "SETTLE_CASEBYCASE_TAXRETURN_BASIS_DATE")
_SETTLED = {"naver": {"DELIVERED", "PURCHASE_DECIDED"}, "coupang": {"FINAL_DELIVERY", "DELIVERING"}}


def _config(app: SandboxApp) -> dict[str, dict[str, Any]]:
    if not hasattr(app.state, "settlement_config"):
        app.state.settlement_config = {}
    return app.state.settlement_config


def configure(app: SandboxApp, shop: Shop, body: Any) -> Response:
    share = body.get("share") if isinstance(body, dict) else None
    if not isinstance(share, int | float) or not 0 <= share <= 0.25:
        return Response(400, {"error": "share (a number from 0 to 0.25) expected"})
    _config(app)[shop.code] = {"share": float(share)}
    return Response(200, truth(app, shop))


def today(app: SandboxApp) -> date:
    return app.now().astimezone(KST).date()


def _settled(shop: Shop, order: Order) -> bool:
    if shop.protocol == "shopify":
        return order.cancelled_at is None and order.financial in ("PAID", "PARTIALLY_REFUNDED")
    return order.status in _SETTLED.get(shop.protocol, set()) and order.claim_type != "CANCEL"


def units(shop: Shop) -> list[ledger_module.Unit]:
    """One unit per settlement key of the shop's settled orders."""
    found: list[ledger_module.Unit] = []
    for order in shop.orders:
        if not _settled(shop, order):
            continue
        basis = (order.paid_at if shop.protocol == "shopify" else order.changed_at).astimezone(KST).date()
        pay = basis + timedelta(days=PAY_DAYS.get(shop.protocol, 7))
        amounts = [line.unit_price * line.quantity - line.discount for line in order.lines]
        common = {"order_no": order.order_no, "settle_date": basis, "pay_date": pay, "currency": shop.currency}
        if shop.protocol == "shopify":
            refund = amounts[0] if order.financial == "PARTIALLY_REFUNDED" else 0
            found.append(ledger_module.Unit(key=order.order_no, line_no="", sale=sum(amounts),
                                            shipping=order.shipping_fee, refund=refund, **common))
            continue
        for i, (line, amount) in enumerate(zip(order.lines, amounts, strict=True)):
            line_no = line.line_no if shop.protocol == "naver" else line.option_id
            key = line_no if shop.protocol == "naver" else f"{order.order_no}/{line_no}"
            found.append(ledger_module.Unit(key=key, line_no=line_no, sale=amount,
                                            shipping=order.shipping_fee if i == 0 else 0, **common))
    return found


def ledger(app: SandboxApp, shop: Shop) -> ledger_module.Ledger:
    share = _config(app).get(shop.code, {}).get("share", DEFAULT_SHARE)
    with app.state.lock:
        app.state.advance(app.now())
        shop_units = units(shop)
    return ledger_module.build(shop.protocol, shop_units, today=today(app), seed=(app.state.seed, shop.code),
                               share=share)


def truth(app: SandboxApp, shop: Shop) -> dict[str, Any]:
    if shop.protocol not in PAY_DAYS:
        return {"protocol": shop.protocol, "rows": 0, "seeded": {}, "seeded_total": 0,
                "note": "no settlement API for this marketplace"}
    return ledger(app, shop).truth()


# --- Naver --------------------------------------------------------------------------------------

def _iso_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def naver(app: SandboxApp, shop: Shop, req: Request, path: str) -> Response:
    if path not in ("/pay-settle/settle/case", "/pay-settle/settle/commission-details") or req.method != "GET":
        return naver_error(404, "GW.NOT_FOUND", "요청한 API를 찾을 수 없습니다.")
    params = req.params
    invalid = []
    day = _iso_day(params.get("searchDate"))
    if day is None:
        invalid.append({"name": "searchDate", "type": "typeMismatch", "message": "잘못된 값입니다."})
    if params.get("periodType") not in NAVER_PERIODS:
        invalid.append({"name": "periodType", "type": "typeMismatch", "message": "잘못된 값입니다."})
    try:
        page, size = int(params.get("pageNumber") or 1), int(params.get("pageSize") or 100)
    except ValueError:
        page, size = 0, 0
    if page < 1 or not 1 <= size <= 1000:
        invalid.append({"name": "pageNumber", "type": "Range", "message": "잘못된 값입니다."})
    if invalid:
        return naver_error(400, "BAD_REQUEST", "잘못된 요청", invalid)
    period = params["periodType"]
    date_field = "pay_date" if period in ("SETTLE_CASEBYCASE_SETTLE_COMPLETE_DATE", "SETTLE_CASEBYCASE_PAY_DATE",
                                          "SETTLE_CASEBYCASE_SETTLE_SCHEDULE_DATE") else "settle_date"
    rows = [r for r in ledger(app, shop).rows if r[date_field] == day]
    rows.sort(key=lambda r: r["record_id"])
    cases, commissions = ledger_module.naver_elements(rows[(page - 1) * size:page * size])
    elements = cases if path.endswith("/case") else commissions
    pages = max(1, -(-len(rows) // size))
    return Response(200, {"elements": elements, "pagination": {"page": page, "size": size, "totalPages": pages,
                                                               "totalElements": len(rows)}})


# --- Coupang ------------------------------------------------------------------------------------

def coupang(app: SandboxApp, shop: Shop, req: Request) -> Response:
    params = req.params
    if req.method != "GET":
        return Response(405, {"code": 405, "message": "Method Not Allowed"})
    if req.path == COUPANG_PAYOUTS:
        month = params.get("revenueRecognitionYearMonth") or ""
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            return Response(400, {"code": 400, "message": "revenueRecognitionYearMonth는 yyyy-MM 형식이어야 합니다."})
        return Response(200, {"code": 200, "message": "OK",
                              "data": ledger_module.coupang_payouts(ledger(app, shop).rows, month)})
    if params.get("vendorId") != shop.credentials["vendor_id"]:
        return Response(403, {"code": 403, "message": "The vendorId does not belong to this access key."})
    start, end = _iso_day(params.get("recognitionDateFrom")), _iso_day(params.get("recognitionDateTo"))
    if start is None or end is None or start > end:
        return Response(400, {"code": 400, "message": "recognitionDateFrom/recognitionDateTo는 yyyy-MM-dd 형식이어야 합니다."})
    if (end - start).days > 30:
        return Response(400, {"code": 400, "message": "조회 기간은 최대 31일입니다."})
    if end >= today(app):
        return Response(400, {"code": 400, "message": "recognitionDateTo는 오늘 이전이어야 합니다."})
    try:
        per_page = int(params.get("maxPerPage") or 50)
        offset = int(params.get("token") or 0)
    except ValueError:
        return Response(400, {"code": 400, "message": "token 또는 maxPerPage가 잘못되었습니다."})
    if not 1 <= per_page <= 50:
        return Response(400, {"code": 400, "message": "maxPerPage는 1~50 입니다."})
    rows = [r for r in ledger(app, shop).rows if start <= r["settle_date"] <= end]
    elements = ledger_module.coupang_elements(rows)
    elements.sort(key=lambda e: (e["recognitionDate"], str(e["orderId"]), e["saleType"]))
    page = elements[offset:offset + per_page]
    more = offset + per_page < len(elements)
    return Response(200, {"code": 200, "message": "OK", "data": page, "hasNext": more,
                          "nextToken": str(offset + per_page) if more else ""})


# --- Shopify ------------------------------------------------------------------------------------

_BOUND = re.compile(r"processed_at:(?P<op>>=|<=|>|<)(?P<day>\d{4}-\d{2}-\d{2})")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"bt:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


def shopify_account(app: SandboxApp, shop: Shop, args: dict[str, Any]) -> dict[str, Any]:
    """shopifyPaymentsAccount with its balanceTransactions connection for these arguments."""
    lower, upper = date.min, date.max
    for match in _BOUND.finditer(args.get("query") or ""):
        day = date.fromisoformat(match["day"])
        if match["op"].startswith(">"):
            lower = day if match["op"] == ">=" else day + timedelta(days=1)
        else:
            upper = day if match["op"] == "<=" else day - timedelta(days=1)
    rows = [r for r in ledger(app, shop).rows if lower <= r["settle_date"] <= upper]
    rows.sort(key=lambda r: (r["settle_date"], r["record_id"]))
    first, offset = max(1, min(int(args.get("first") or 50), 250)), _offset(args.get("after"))
    nodes = ledger_module.shopify_nodes(rows[offset:offset + first])
    more = offset + first < len(rows)
    connection = {"nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": _cursor(offset + first)}}
    return {"id": f"gid://shopify/ShopifyPaymentsAccount/{shop.index + 1}", "activated": True,
            "defaultCurrency": shop.currency, "balanceTransactions": connection}


def shopify_payouts(app: SandboxApp, shop: Shop, ids: list[str]) -> list[dict[str, Any] | None]:
    rows = ledger(app, shop).rows
    found: list[dict[str, Any] | None] = []
    for gid in ids:
        number = str(gid).rsplit("/", 1)[-1]
        payout = ledger_module.shopify_payout(rows, number) if re.fullmatch(r"\d{8}", number) else None
        found.append({"__typename": "ShopifyPaymentsPayout", **payout} if payout else None)
    return found


def is_payout_lookup(ids: Any) -> bool:
    return isinstance(ids, list) and bool(ids) and all("ShopifyPaymentsPayout" in str(i) for i in ids)

