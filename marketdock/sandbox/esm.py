"""Sandbox side of the ESM Trading API (G마켓 / 옥션), the parts the connector uses, as third parties
describe ESM (marketplaces.md §6):

- `Authorization: Bearer {JWT}`: HS256 signed with the seller's secret key, header `kid` = the ESM+
  master ID, payload `iss` www.esmplus.com, `sub` sell, `aud` sa.esmplus.com, `iat` within 10 minutes,
  `ssi` "G:{G마켓 seller ID}" or "A:{옥션 seller ID}" choosing the site's shop. Anything else → HTTP 401.
  One master ID and secret key serve both sites (gmarket-demo and auction-demo share them);
- `POST /shipping/v1/Order/RequestOrders` `{siteType (1 옥션, 2 G마켓 — must match the token's site),
  orderStatus 1~5, requestDateType, requestDateFrom/To ("yyyy-MM-dd" or "yyyy-MM-dd HH:mm", KST, G마켓
  ≤31 days, 옥션 ≤180 days), pageIndex, pageSize}` → `{ResultCode: 0, Message, Data: {SiteType, PageIndex,
  PageSize, TotalCount, SellerId, RequestOrders: [...]}}`, listed by order date; a second lookup within
  `esm_lookup_interval` seconds (5 by default) of the previous one answers ResultCode 3000;
- 발주확인 `POST /shipping/v1/Order/OrderCheck/{OrderNo}` (1 → 2; anything else refused);
- 발송처리 `POST /shipping/v1/Delivery/ShippingInfo` `{OrderNo, ShippingDate (yyyy-MM-dd, within 2 days of
  now), DeliveryCompanyCode (10001/10003/10007/10008/10013/10070), InvoiceNo}` — only after 발주확인 (2 → 3);
- `PUT /item/v1/goods/{goodsNo}/sell-status` `{isSell|Price|Stock: {gmkt|iac: value}}` (Stock 1~99,999,
  Price 10원 단위);
- business refusals answer HTTP 200 with a non-zero ResultCode, as ESM does.
Depends on core only: the JWT is checked here with PyJWT, not with the connector's code."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt

from .http import KST, Request, Response
from .state import ESM_PROTOCOLS, Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

SITE_TYPE = {"auction": 1, "gmarket": 2}
GOODS_KEY = {"auction": "iac", "gmarket": "gmkt"}
SSI_PREFIX = {"auction": "A", "gmarket": "G"}
MAX_RANGE = {"gmarket": timedelta(days=31), "auction": timedelta(days=180)}
CARRIERS = {"10001", "10003", "10007", "10008", "10013", "10070"}
STATUSES = {1, 2, 3, 4, 5}
_CHECK = re.compile(r"^/shipping/v1/Order/OrderCheck/(?P<no>[^/]+)$")
_SELL = re.compile(r"^/item/v1/goods/(?P<goods>[^/]+)/sell-status$")
_ROUTES = ("/shipping/", "/item/")


def _cred(shop: Shop, name: str) -> str:
    return shop.credentials[f"{shop.protocol}_{name}"]


def _unauthorized(message: str) -> Response:
    return Response(401, {"ResultCode": 401, "Message": message, "Data": None})


def _result(code: int, message: str, data: Any = None) -> Response:
    return Response(200, {"ResultCode": code, "Message": message, "Data": data})


def _shop_of_token(app: SandboxApp, req: Request) -> Shop | Response:
    auth = req.headers.get("authorization", "")
    if not auth.startswith("Bearer "):
        return _unauthorized("Authorization: Bearer {JWT} 헤더가 없습니다.")
    token = auth[len("Bearer "):].strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return _unauthorized("JWT를 읽을 수 없습니다.")
    if header.get("alg") != "HS256":
        return _unauthorized("HS256으로 서명된 JWT가 아닙니다.")
    shops = [s for s in app.state.shops.values()
             if s.protocol in ESM_PROTOCOLS and _cred(s, "master_id") == header.get("kid")]
    if not shops:
        return _unauthorized("등록되지 않은 마스터 ID(kid)입니다.")
    try:  # the signature only; the claims are checked below with ESM's own messages
        payload = jwt.decode(token, _cred(shops[0], "secret_key"), algorithms=["HS256"],
                             options={"verify_aud": False, "verify_iat": False, "verify_exp": False})
    except jwt.InvalidSignatureError:
        return _unauthorized("JWT 서명이 시크릿 키와 맞지 않습니다.")
    except jwt.PyJWTError:
        return _unauthorized("JWT를 읽을 수 없습니다.")
    if (payload.get("iss"), payload.get("sub"), payload.get("aud")) != ("www.esmplus.com", "sell", "sa.esmplus.com"):
        return _unauthorized("JWT의 iss/sub/aud 값이 올바르지 않습니다.")
    iat = payload.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > 600:
        return _unauthorized("JWT 발급 시각(iat)이 없거나 10분 넘게 차이 납니다.")
    ssi = str(payload.get("ssi") or "")
    for shop in shops:
        if ssi == f"{SSI_PREFIX[shop.protocol]}:{_cred(shop, 'seller_id')}":
            return shop
    return _unauthorized("ssi의 판매자 ID가 이 마스터 ID에 연결되어 있지 않습니다.")


def handle(app: SandboxApp, req: Request) -> Response | None:
    if not req.path.startswith(_ROUTES):
        return None
    shop = _shop_of_token(app, req)
    if isinstance(shop, Response):
        return shop
    fault = app.fault(shop)
    if fault == "rate_limit":
        return Response(429, {"ResultCode": 429, "Message": "Too Many Requests"},
                        {"Retry-After": str(shop.faults.retry_after)})
    if fault == "error_500":
        return Response(500, b"<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"})
    try:
        body = req.json() if req.body else None
    except ValueError:
        return Response(400, {"ResultCode": 400, "Message": "요청 본문이 JSON이 아닙니다.", "Data": None})
    if req.path == "/shipping/v1/Order/RequestOrders" and req.method == "POST":
        return _orders(app, shop, body)
    if (match := _CHECK.match(req.path)) and req.method == "POST":
        return _confirm(app, shop, match["no"])
    if req.path == "/shipping/v1/Delivery/ShippingInfo" and req.method == "POST":
        return _dispatch(app, shop, body)
    if (match := _SELL.match(req.path)) and req.method == "PUT":
        return _sell_status(app, shop, match["goods"], body)
    return Response(404, {"ResultCode": 404, "Message": f"없는 API입니다: {req.method} {req.path}", "Data": None})


def _line_stage(order: Order, line_no: str) -> str:
    return order.line_status.get(line_no) or order.status


def _find_line(shop: Shop, order_no: str) -> tuple[Order, int] | None:
    for order in shop.orders:
        for index, line in enumerate(order.lines):
            if line.line_no == order_no:
                return order, index
    return None


def _parse_date(raw: Any, end: bool) -> datetime | None:
    if not isinstance(raw, str):
        return None
    for fmt, span in (("%Y-%m-%d %H:%M", timedelta(minutes=1)), ("%Y-%m-%d", timedelta(days=1))):
        try:
            moment = datetime.strptime(raw.strip(), fmt).replace(tzinfo=KST)
        except ValueError:
            continue
        return moment + span if end else moment
    return None


def _orders(app: SandboxApp, shop: Shop, body: Any) -> Response:
    if not isinstance(body, dict):
        return _result(1001, "요청 본문이 없습니다.")
    with app.state.lock:
        now = time.monotonic()
        interval = shop.faults.esm_lookup_interval
        if interval and shop.last_lookup and now - shop.last_lookup < interval:
            return _result(3000, f"주문 조회는 판매자 ID당 {interval:g}초에 1회만 호출할 수 있습니다.")
        shop.last_lookup = now
    if body.get("siteType") != SITE_TYPE[shop.protocol]:
        return _result(1002, f"siteType이 올바르지 않습니다 (이 판매자 ID는 {SITE_TYPE[shop.protocol]}).")
    status = body.get("orderStatus")
    if status not in STATUSES:
        return _result(1003, "orderStatus는 1~5입니다.")
    start, end = _parse_date(body.get("requestDateFrom"), False), _parse_date(body.get("requestDateTo"), True)
    if start is None or end is None:
        return _result(1004, "requestDateFrom/requestDateTo 형식은 yyyy-MM-dd 또는 yyyy-MM-dd HH:mm입니다.")
    if end <= start:
        return _result(1004, "조회 종료일이 시작일보다 앞입니다.")
    if end - start > MAX_RANGE[shop.protocol] + timedelta(days=1):
        return _result(1005, f"조회 기간은 {MAX_RANGE[shop.protocol].days}일을 넘을 수 없습니다.")
    page, size = body.get("pageIndex", 1), body.get("pageSize", 100)
    if not isinstance(page, int) or not isinstance(size, int) or page < 1 or not 1 <= size <= 500:
        return _result(1006, "pageIndex는 1 이상, pageSize는 1~500입니다.")
    records: list[tuple[Order, int]] = []
    for order in sorted(shop.orders, key=lambda o: (o.ordered_at, o.seq)):
        if not start <= order.ordered_at < end:
            continue
        for index, line in enumerate(order.lines):
            if _line_stage(order, line.line_no) == str(status):
                records.append((order, index))
    chunk = records[(page - 1) * size: page * size]
    if shop.faults.duplicate_items and page > 1 and chunk:
        chunk = [records[(page - 1) * size - 1], *chunk]
    for order, _index in chunk:
        order.collected = True
    data = {"SiteType": SITE_TYPE[shop.protocol], "PageIndex": page, "PageSize": size, "TotalCount": len(records),
            "SellerId": _cred(shop, "seller_id"),
            "RequestOrders": [_render(app, shop, order, index) for order, index in chunk]}
    return _result(0, "성공", data)


def _naive(moment: datetime) -> str:
    local = moment.astimezone(KST)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def _shipment(app: SandboxApp, shop: Shop, line_no: str, order: Order) -> tuple[str, str]:
    for number, entry in app.state.shipments.items():
        if entry["shop"] == shop.code and line_no in entry["lines"]:
            return entry["carrier"], number
    return "10013", f"6{order.seq:011d}"  # shipped by the seller in ESM+ before marketdock


def _render(app: SandboxApp, shop: Shop, order: Order, index: int) -> dict[str, Any]:
    line = order.lines[index]
    product, option = shop.option(line.option_id)
    stage = _line_stage(order, line.line_no)
    malformed = order.seq == app.state.malformed_seq(shop)
    shipped = stage in ("3", "4", "5")
    carrier, number = _shipment(app, shop, line.line_no, order) if shipped else ("", "")
    amount = line.unit_price * line.quantity
    discount = line.discount * line.quantity
    return {
        "OrderNo": int(line.line_no), "PayNo": int(order.order_no), "OrderStatus": int(stage),
        "OrderDate": "2024-13-45T25:61:00" if malformed else _naive(order.ordered_at), "PayDate": _naive(order.paid_at),
        "SiteGoodsNo": product.product_id, "OutGoodsNo": product.code, "SKUNo": option.sku, "GoodsName": product.name,
        "SalePrice": line.unit_price, "ContrAmount": line.quantity, "OrderAmount": amount,
        "SellerDiscountPrice": discount, "DirectDiscountPrice": 0, "AcntMoney": amount - discount,
        "ShippingFee": order.shipping_fee if index == 0 else 0,
        "BuyerName": order.buyer_name, "BuyerMobileTel": order.buyer_phone, "ReceiverName": order.recipient_name,
        "HpNo": order.recipient_phone, "ZipCode": order.postal_code, "DelFullAddress": order.address1,
        "DelAddressDetail": order.address2, "DelMemo": order.message,
        "ItemOptionSelectList": [{"ItemOptionValue": option.name, "ItemOptionCode": option.option_id,
                                  "ItemOptionOrderCnt": line.quantity}],
        "NoSongjang": number or None, "DeliveryCompanyCode": int(carrier) if carrier else None,
        "TransDate": _naive(order.changed_at) if shipped else None,
    }


def _confirm(app: SandboxApp, shop: Shop, order_no: str) -> Response:
    found = _find_line(shop, order_no)
    if found is None:
        return _result(2001, f"주문번호 {order_no}에 해당하는 주문이 없습니다.")
    order, _index = found
    stage = _line_stage(order, order_no)
    if stage != "1":
        return _result(2002, f"결제완료 상태의 주문만 주문확인할 수 있습니다 (현재 상태 {stage}).")
    now = app.now()
    order.line_status[order_no] = "2"
    if all(_line_stage(order, li.line_no) == "2" for li in order.lines):
        order.status, order.changed_at, order.line_status = "2", now.replace(microsecond=0), {}
    shop.record(now, "confirm", lines=[order_no], order=order.order_no)
    return _result(0, "주문확인 처리되었습니다.")


def _dispatch(app: SandboxApp, shop: Shop, body: Any) -> Response:
    if not isinstance(body, dict):
        return _result(1001, "요청 본문이 없습니다.")
    order_no = str(body.get("OrderNo") or "")
    found = _find_line(shop, order_no)
    if found is None:
        return _result(2001, f"주문번호 {order_no or '(없음)'}에 해당하는 주문이 없습니다.")
    order, _index = found
    carrier = str(body.get("DeliveryCompanyCode") or "")
    number = str(body.get("InvoiceNo") or "")
    try:
        shipping_date = datetime.strptime(str(body.get("ShippingDate") or ""), "%Y-%m-%d").date()
    except ValueError:
        return _result(2101, "ShippingDate 형식은 yyyy-MM-dd입니다.")
    today = app.now().astimezone(KST).date()
    if abs((shipping_date - today).days) > 2:
        return _result(2102, "발송일은 호출 시점 기준 2일 이내여야 합니다.")
    if carrier not in CARRIERS:
        return _result(2103, f"택배사 코드가 올바르지 않습니다: {carrier or '(없음)'}")
    if not number.isdigit() or not 9 <= len(number) <= 14:
        return _result(2104, "송장번호 형식이 올바르지 않습니다.")
    stage = _line_stage(order, order_no)
    if stage in ("3", "4", "5"):
        return _result(2105, "이미 발송처리된 주문입니다.")
    if stage != "2":
        return _result(2106, "주문확인(발주확인) 후에 발송처리할 수 있습니다.")
    now = app.now()
    order.line_status[order_no] = "3"
    if all(_line_stage(order, li.line_no) == "3" for li in order.lines):
        order.status, order.line_status = "3", {}
    order.changed_at = now.replace(microsecond=0)
    shop.record(now, "dispatch", lines=[order_no], carrier=carrier, tracking_number=number,
                shipping_date=shipping_date.isoformat())
    app.state.ship(shop, carrier=carrier, number=number, lines=[order_no], at=now)
    return _result(0, "발송처리 되었습니다.")


def _sell_status(app: SandboxApp, shop: Shop, goods_no: str, body: Any) -> Response:
    product = shop.product(goods_no)
    if product is None:
        return _result(3001, f"상품번호 {goods_no}에 해당하는 상품이 없습니다.")
    if not isinstance(body, dict) or not body:
        return _result(1001, "변경할 값(isSell, Price, Stock)이 없습니다.")
    key = GOODS_KEY[shop.protocol]
    unknown = set(body) - {"isSell", "Price", "Stock", "SellingPeriod"}
    if unknown:
        return _result(1007, f"알 수 없는 필드입니다: {', '.join(sorted(unknown))}")
    values = {}
    for name in ("isSell", "Price", "Stock"):
        if name not in body:
            continue
        part = body[name]
        if not isinstance(part, dict) or key not in part:
            return _result(1008, f"{name}.{key} 값이 없습니다 (이 판매자 ID의 사이트 키는 {key}).")
        values[name] = part[key]
    if "isSell" in values and not isinstance(values["isSell"], bool):
        return _result(1009, "isSell은 true/false입니다.")
    if "Price" in values and (not isinstance(values["Price"], int) or not 10 <= values["Price"] <= 1_000_000_000
                              or values["Price"] % 10):
        return _result(1010, "Price는 10원 단위 10원~10억원입니다.")
    if "Stock" in values and (not isinstance(values["Stock"], int) or not 1 <= values["Stock"] <= 99_999):
        return _result(1011, "Stock은 1~99,999입니다.")
    now = app.now()
    if "isSell" in values:
        product.selling = values["isSell"]
        shop.record(now, "sale_status", product_id=goods_no, on_sale=product.selling)
    if "Price" in values:
        product.price = values["Price"]
        shop.record(now, "price", product_id=goods_no, price=product.price)
    if "Stock" in values:
        product.options[0].stock = values["Stock"]
        shop.record(now, "stock", product_id=goods_no, option_id="", quantity=values["Stock"])
    return _result(0, "변경되었습니다.")
