"""Sandbox side of the 11st Open API (the parts the connector uses), in 11st's own manner:

- the seller's key in the `openapikey` header (an unknown key answers result_code -1);
- XML answers encoded in EUC-KR (declared in the XML declaration, `text/xml;charset=EUC-KR`), records
  as `ns2:order` — the first demo shop leaves the `ns2` prefix undeclared as 11st's published samples
  do, the second declares it;
- order lists `/rest/ordservices/{complete|packaging|shipping|dlvcompleted}/{start}/{end}` with times
  `YYYYMMDDhhmm` (KST): a bad time answers -3203/-3204, a period over one week -3205, nothing found
  result_code 0; `complete` lists by payment time, the others by the time the line reached that stage;
- the nine claim lists `/rest/claimservice/{cancelorders|returnorders|…}/{start}/{end}` and the claim
  decisions, rendered from the shared claim book: `elevenst_claims.py`; the order lists never show a
  701 line;
- one order's lines with their ordPrdStat: `/rest/claimservice/orderlistalladdr/{ordNo}`;
- 발주확인 `/rest/ordservices/reqpackaging/{ordNo}/{ordPrdSeq}/{addPrdYn}/{addPrdNo}/{dlvNo}` (202 → 301);
- 발송처리 `/rest/ordservices/reqdelivery/{sendDt}/{dlvMthdCd}/{dlvEtprsCd}/{invcNo}/{dlvNo}[/Y/{ordNo}/{ordPrdSeq}]`
  (→ 401; an order already shipped answers -3308);
- an unknown path answers HTTP 500 with `<AuthMessage>` result -997, as 11st does;
- products: stock `PUT /rest/prodservices/stockqty/{prdStckNo}` (XML body `ProductStock`), sale price
  `GET /rest/prodservices/product/price/{prdNo}/{selPrc}`, 판매중지/재개
  `PUT /rest/prodstatservice/stat/{stopdisplay|restartdisplay}/{prdNo}` — answered `<ClientMessage>`
  with resultCode 200;
- the `maintenance` fault answers every call with result_code -1000 (Friday maintenance)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from lxml import etree

from . import elevenst_claims, inquiries_boards
from .http import KST, Request, Response
from .state import Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

PREFIX = "/rest/"
NS = "http://skt.tmall.business.openapi.spring.service.client.domain/"
LISTS = {"complete": "202", "packaging": "301", "shipping": "401", "dlvcompleted": "501"}
CARRIERS = {"00034", "00002", "00012"}  # dlvEtprsCd the sandbox knows (CJ대한통운, 로젠, 롯데)
TIME = re.compile(r"^\d{12}$")
_LIST = re.compile(r"^/rest/ordservices/(?P<name>complete|packaging|shipping|dlvcompleted)/(?P<s>[^/]+)/(?P<e>[^/]+)$")
_ALL = re.compile(r"^/rest/claimservice/orderlistalladdr/(?P<ord>[^/]+)$")
_PACK = re.compile(r"^/rest/ordservices/reqpackaging/(?P<ord>[^/]+)/(?P<seq>[^/]+)/(?P<add_yn>[^/]+)/(?P<add_no>[^/]+)"
                   r"/(?P<dlv>[^/]+)$")
_SHIP = re.compile(r"^/rest/ordservices/reqdelivery/(?P<send>[^/]+)/(?P<method>[^/]+)/(?P<carrier>[^/]+)"
                   r"/(?P<number>[^/]+)/(?P<dlv>[^/]+)(?:/(?P<part>[YN])/(?P<ord>[^/]+)/(?P<seq>[^/]+))?$")

_STOCK = re.compile(r"^/rest/prodservices/stockqty/(?P<stck>[^/]+)$")
_PRICE = re.compile(r"^/rest/prodservices/product/price/(?P<prd>[^/]+)/(?P<price>[^/]+)$")
_DISPLAY = re.compile(r"^/rest/prodstatservice/stat/(?P<action>stopdisplay|restartdisplay)/(?P<prd>[^/]+)$")


def _xml(shop: Shop | None, inner: str, *, root: str = "orders") -> Response:
    declare = f' xmlns:ns2="{NS}"' if shop is not None and shop.index % 2 == 1 else ""
    text = f'<?xml version="1.0" encoding="euc-kr" standalone="yes"?>\n<ns2:{root}{declare}>{inner}</ns2:{root}>'
    return Response(200, text.encode("cp949", "replace"), {"Content-Type": "text/xml;charset=EUC-KR"})


def _result(shop: Shop | None, code: str, text: str, *, root: str = "orders") -> Response:
    return _xml(shop, f"<ns2:result_code>{code}</ns2:result_code><ns2:result_text>{escape(text)}</ns2:result_text>",
                root=root)


def _no_api() -> Response:
    text = ('<?xml version="1.0" encoding="euc-kr" standalone="yes"?>\n<AuthMessage><resultCode>-997</resultCode>'
            "<message>등록된 API 정보가 존재하지 않습니다.</message></AuthMessage>")
    return Response(500, text.encode("cp949"), {"Content-Type": "text/xml;charset=EUC-KR"})


def handle(app: SandboxApp, req: Request) -> Response | None:
    if not req.path.startswith(PREFIX):
        return None
    key = req.headers.get("openapikey", "")
    shop = next((s for s in app.state.shops.values()
                 if s.protocol == "elevenst" and key and s.credentials["openapikey"] == key), None)
    if shop is None:
        return _result(None, "-1", "유효하지 않은 API KEY 입니다. openapikey를 확인하세요.")
    if shop.faults.maintenance:
        return _result(shop, "-1000", "정기점검 시간입니다. 점검 종료 후 이용해 주세요.")
    fault = app.fault(shop)
    if fault == "rate_limit":
        return Response(429, b"Too Many Requests", {"Content-Type": "text/plain", "Retry-After":
                                                    str(shop.faults.retry_after)})
    if fault == "error_500":
        return Response(500, b"<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"})
    routed = inquiries_boards.route_elevenst(app, shop, req)
    if routed is not None:
        return routed
    if req.method == "GET":
        routed = elevenst_claims.route(app, shop, req.path, _window, _result, _xml, _kst)
        if routed is not None:
            return routed
    if match := _STOCK.match(req.path):
        return _stock(app, shop, req, match["stck"]) if req.method == "PUT" else _no_api()
    if match := _PRICE.match(req.path):
        return _price(app, shop, match["prd"], match["price"]) if req.method == "GET" else _no_api()
    if match := _DISPLAY.match(req.path):
        return _display(app, shop, match["prd"], match["action"]) if req.method == "PUT" else _no_api()
    if req.method != "GET":
        return _no_api()
    if match := _LIST.match(req.path):
        return _list(app, shop, match["name"], match["s"], match["e"])
    if match := _ALL.match(req.path):
        order = _order(shop, match["ord"])
        if order is None:
            return _result(shop, "0", "조회된 데이터가 없습니다.")
        return _xml(shop, "".join(_render(app, shop, order, line_index) for line_index in range(len(order.lines))))
    if match := _PACK.match(req.path):
        return _confirm(app, shop, match)
    if match := _SHIP.match(req.path):
        return _dispatch(app, shop, match)
    return _no_api()


def _order(shop: Shop, order_no: str) -> Order | None:
    return next((o for o in shop.orders if o.order_no == order_no), None)


def _stage(order: Order) -> str:
    return order.claim_status or order.status


def _line_stage(order: Order, seq: str) -> str:
    return order.claim_status or order.line_status.get(seq) or order.status


def _window(shop: Shop, start_raw: str, end_raw: str) -> tuple[datetime, datetime] | Response:
    if not TIME.match(start_raw):
        return _result(shop, "-3203", "검색 시작일시 형식이 올바르지 않습니다 (YYYYMMDDhhmm).")
    if not TIME.match(end_raw):
        return _result(shop, "-3204", "검색 종료일시 형식이 올바르지 않습니다 (YYYYMMDDhhmm).")
    try:
        start = datetime.strptime(start_raw, "%Y%m%d%H%M").replace(tzinfo=KST)
        end = datetime.strptime(end_raw, "%Y%m%d%H%M").replace(tzinfo=KST)
    except ValueError:
        return _result(shop, "-3203", "검색 일시가 올바르지 않습니다.")
    if end < start:
        return _result(shop, "-3204", "검색 종료일시가 시작일시보다 앞입니다.")
    if end - start > timedelta(days=7):
        return _result(shop, "-3205", "조회 기간은 1주일을 넘을 수 없습니다.")
    return start, end


def _list(app: SandboxApp, shop: Shop, name: str, start_raw: str, end_raw: str) -> Response:
    window = _window(shop, start_raw, end_raw)
    if isinstance(window, Response):
        return window
    start, end = window
    stage = LISTS[name]
    found = []
    for order in shop.orders:
        if _stage(order) != stage:
            continue
        at = order.paid_at if stage == "202" else order.changed_at
        if start <= at < end + timedelta(minutes=1):
            order.collected = True
            found.extend(_render(app, shop, order, i) for i in range(len(order.lines)))
    if not found:
        return _result(shop, "0", "조회된 데이터가 없습니다.")
    return _xml(shop, "".join(found))


def _kst(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def _shipment(app: SandboxApp, shop: Shop, order: Order) -> tuple[str, str]:
    """The carrier and number the order left with: the seller's 발송처리, or for an order the seeded
    history shipped outside marketdock (the seller's own 11st portal) a CJ대한통운 number of its own."""
    ids = set(shop.line_ids(order))
    for number, entry in app.state.shipments.items():
        if entry["shop"] == shop.code and ids & set(entry["lines"]):
            return entry["carrier"], number
    return "00034", f"7{order.seq:011d}"


def _render(app: SandboxApp, shop: Shop, order: Order, index: int) -> str:
    line = order.lines[index]
    product, option = shop.option(line.option_id)
    malformed = order.seq == app.state.malformed_seq(shop)
    carrier, number = _shipment(app, shop, order) if order.status in ("401", "501") else ("", "")
    fields = {
        "addPrdNo": "0", "addPrdYn": "N", "bndlDlvSeq": order.bundle_no, "bndlDlvYN": "Y" if len(order.lines) > 1 else "N",
        "dlvCst": str(order.shipping_fee) if index == 0 else "0", "dlvCstType": "01" if order.shipping_fee else "03",
        "dlvNo": order.bundle_no, "gblDlvYn": "N", "memID": f"buyer{order.seq}",
        "ordAmt": str(line.unit_price * line.quantity), "ordDlvReqCont": order.message or "null",
        "ordDt": "2024-13-45 25:61:00" if malformed else _kst(order.ordered_at),
        "ordNm": order.buyer_name, "ordNo": order.order_no,
        "ordPayAmt": str(line.unit_price * line.quantity - line.discount * line.quantity),
        "ordPrdSeq": line.line_no, "ordPrdStat": _line_stage(order, line.line_no), "ordPrtblTel": order.buyer_phone,
        "ordQty": str(line.quantity), "ordStlEndDt": _kst(order.paid_at),
        "plcodrCnfDt": _kst(order.changed_at) if order.status != "202" else "",
        "prdNm": product.name, "prdNo": product.product_id, "prdStckNo": option.option_id,
        "rcvrBaseAddr": order.address1, "rcvrDtlsAddr": order.address2, "rcvrMailNo": order.postal_code,
        "rcvrNm": order.recipient_name, "rcvrPrtblNo": order.recipient_phone,
        "selPrc": str(line.unit_price), "sellerDscPrc": str(line.discount * line.quantity), "tmallDscPrc": "0",
        "sellerPrdCd": product.code, "sellerStockCd": option.sku, "slctPrdOptNm": option.name,
        "dlvEtprsCd": carrier, "invcNo": number,
    }
    body = "".join(f"<{k}>{escape(v)}</{k}>" if v else f"<{k}/>" for k, v in fields.items())
    return f"<ns2:order>{body}</ns2:order>"


def _confirm(app: SandboxApp, shop: Shop, match: re.Match) -> Response:
    order = _order(shop, match["ord"])
    if order is None or order.bundle_no != match["dlv"] or not any(li.line_no == match["seq"] for li in order.lines):
        return _result(shop, "-3301", "주문 정보가 존재하지 않습니다.", root="ResultOrder")
    if order.claim_status:
        return _result(shop, "-3302", "취소 요청된 주문은 발주확인할 수 없습니다.", root="ResultOrder")
    if _line_stage(order, match["seq"]) != "202":
        return _result(shop, "-3303", "발주확인할 수 없는 주문 상태입니다.", root="ResultOrder")
    now = app.now()
    order.line_status[match["seq"]] = "301"
    if all(order.line_status.get(line.line_no) == "301" for line in order.lines):  # the whole order moves on
        order.status, order.changed_at, order.line_status = "301", now.replace(microsecond=0), {}
    shop.record(now, "confirm", lines=[f"{order.order_no}-{match['seq']}"], order=order.order_no)
    return _result(shop, "0", "정상적으로 발주확인 처리되었습니다.", root="ResultOrder")


def _dispatch(app: SandboxApp, shop: Shop, match: re.Match) -> Response:
    order = next((o for o in shop.orders if o.bundle_no == match["dlv"]), None)
    if order is None or (match["ord"] and match["ord"] != order.order_no):
        return _result(shop, "-3306", "배송번호에 해당하는 주문이 없습니다.", root="ResultOrder")
    if not TIME.match(match["send"]):
        return _result(shop, "-3307", "발송일시 형식이 올바르지 않습니다 (YYYYMMDDhhmm).", root="ResultOrder")
    if match["method"] != "01":
        return _result(shop, "-3320", "지원하지 않는 배송방법입니다.", root="ResultOrder")
    if match["carrier"] not in CARRIERS:
        return _result(shop, "-3307", f"택배사 코드가 올바르지 않습니다: {match['carrier']}", root="ResultOrder")
    if not match["number"].isdigit() or not 9 <= len(match["number"]) <= 14:
        return _result(shop, "-3307", "송장번호 형식이 올바르지 않습니다.", root="ResultOrder")
    if order.status in ("401", "501"):
        return _result(shop, "-3308", "이미 발송처리된 주문입니다.", root="ResultOrder")
    if order.claim_status or order.status not in ("202", "301"):
        return _result(shop, "-3306", "발송처리할 수 없는 주문 상태입니다.", root="ResultOrder")
    now = app.now()
    lines = ([f"{order.order_no}-{match['seq']}"] if match["part"] == "Y" else shop.line_ids(order))
    order.status, order.changed_at = "401", now.replace(microsecond=0)
    shop.record(now, "dispatch", lines=lines, carrier=match["carrier"], tracking_number=match["number"],
                method=match["method"], send_dt=match["send"])
    app.state.ship(shop, carrier=match["carrier"], number=match["number"], lines=lines, at=now)
    return _result(shop, "0", "정상적으로 발송처리 되었습니다.", root="ResultOrder")


def _message(code: str, text: str, product_no: str = "") -> Response:
    body = (f'<?xml version="1.0" encoding="euc-kr" standalone="yes"?>\n<ClientMessage><resultCode>{code}</resultCode>'
            f"<message>{escape(text)}</message><productNo>{escape(product_no)}</productNo></ClientMessage>")
    return Response(200, body.encode("cp949"), {"Content-Type": "text/xml;charset=EUC-KR"})


def _stock(app: SandboxApp, shop: Shop, req: Request, stock_no: str) -> Response:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(req.body, parser)
    except etree.XMLSyntaxError:
        return _message("-1", "요청 XML을 읽을 수 없습니다.")
    fields = {el.tag: (el.text or "").strip() for el in root if isinstance(el.tag, str)}
    product = shop.product(fields.get("prdNo", ""))
    option = next((o for o in product.options if o.option_id == stock_no), None) if product else None
    if root.tag != "ProductStock" or option is None or fields.get("prdStckNo", stock_no) != stock_no:
        return _message("-1", "상품번호·재고번호에 해당하는 재고가 없습니다.")
    if not fields.get("stckQty", "").isdigit():
        return _message("-1", "재고수량(stckQty)은 0 이상의 숫자입니다.")
    option.stock = int(fields["stckQty"])
    shop.record(app.now(), "stock", product_id=product.product_id, option_id=stock_no, quantity=option.stock)
    return _message("200", "재고수량이 수정되었습니다.", stock_no)


def _price(app: SandboxApp, shop: Shop, product_no: str, price: str) -> Response:
    product = shop.product(product_no)
    if product is None:
        return _message("-1", "상품 정보가 없습니다.")
    if not price.isdigit() or int(price) <= 0 or int(price) % 10:
        return _message("-1", "판매가는 10원 단위의 양수입니다.")
    product.price = int(price)
    shop.record(app.now(), "price", product_id=product_no, price=product.price)
    return _message("200", "판매가가 수정되었습니다.", product_no)


def _display(app: SandboxApp, shop: Shop, product_no: str, action: str) -> Response:
    product = shop.product(product_no)
    if product is None:
        return _message("-1", "상품 정보가 없습니다.")
    product.selling = action == "restartdisplay"
    shop.record(app.now(), "sale_status", product_id=product_no, on_sale=product.selling)
    return _message("200", "판매상태가 변경되었습니다.", product_no)
