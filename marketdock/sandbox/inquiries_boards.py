"""Sandbox Q&A boards of 11st (and the questions behind them), beside `inquiries.py`:

11st `GET /rest/prodqnaservices/prodqnalist/{YYYYMMDD}/{YYYYMMDD}/{00|01|02}` (EUC-KR XML, records
`productQna`; a bad date answers -3203/-3204, more than 7 days -3205, nothing found result_code 0) and
`PUT /rest/prodqnaservices/prodqnaanswer/{brdInfoNo}/{prdNo}` with `<ProductQna><answerCont>`
(answered `<ClientMessage>` resultCode 200; an unknown question, a wrong product or a second answer
-1 with 11st's words). Field names follow third-party clients (research §5.3 lists only the paths)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from lxml import etree

from .http import KST, Request, Response
from .inquiries import _answer, _find, _questions, _store
from .state import Shop

if TYPE_CHECKING:
    from .server import SandboxApp

_QNA_LIST = re.compile(r"^/rest/prodqnaservices/prodqnalist/(?P<s>[^/]+)/(?P<e>[^/]+)/(?P<status>[^/]+)$")
_QNA_ANSWER = re.compile(r"^/rest/prodqnaservices/prodqnaanswer/(?P<board>[^/]+)/(?P<product>[^/]+)$")


def route_elevenst(app: SandboxApp, shop: Shop, req: Request) -> Response | None:
    if (match := _QNA_LIST.match(req.path)) and req.method == "GET":
        return _elevenst_list(app, shop, match)
    if (match := _QNA_ANSWER.match(req.path)) and req.method == "PUT":
        return _elevenst_answer(app, shop, req, match["board"], match["product"])
    return None


def _day(raw: str) -> date | None:
    if not re.fullmatch(r"\d{8}", raw):
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


def _elevenst_list(app: SandboxApp, shop: Shop, match) -> Response:
    from .elevenst import _result, _xml

    first, last = _day(match["s"]), _day(match["e"])
    if first is None:
        return _result(shop, "-3203", "검색 시작일 형식이 올바르지 않습니다 (YYYYMMDD).", root="productQnas")
    if last is None or last < first:
        return _result(shop, "-3204", "검색 종료일 형식이 올바르지 않습니다 (YYYYMMDD).", root="productQnas")
    if (last - first).days > 6:
        return _result(shop, "-3205", "조회 기간은 최대 1주일입니다.", root="productQnas")
    if match["status"] not in ("00", "01", "02"):
        return _result(shop, "-1", "답변상태(answerStatus)는 00, 01, 02 중 하나입니다.", root="productQnas")
    rows = []
    with app.state.lock:
        for q in _questions(app, shop):
            if q.kind != "board" or not first <= q.asked_at.astimezone(KST).date() <= last:
                continue
            answer = _answer(app, shop, q)
            if (match["status"] == "01" and not answer) or (match["status"] == "02" and answer):
                continue
            fields = {"brdInfoNo": q.ident, "brdInfoClfNo": q.product_id, "brdInfoSbjct": q.title,
                      "brdInfoCont": q.body, "createDt": q.asked_at.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S"),
                      "memNM": (q.order.buyer_name[0] + "**") if q.order else "고객", "prdNm": q.product_name,
                      "qnaDtlsCdNm": q.category, "answerYn": "Y" if answer else "N",
                      "answerCont": answer["text"] if answer else "",
                      "answerDt": answer["at"][:10] if answer else "", "ordNoDe": q.order.order_no if q.order else ""}
            rows.append("<ns2:productQna>" + "".join(f"<ns2:{k}>{escape(str(v))}</ns2:{k}>" for k, v in fields.items())
                        + "</ns2:productQna>")
    if not rows:
        return _result(shop, "0", "조회된 데이터가 없습니다.", root="productQnas")
    return _xml(shop, "".join(rows), root="productQnas")


def _elevenst_answer(app: SandboxApp, shop: Shop, req: Request, board: str, product: str) -> Response:
    from .elevenst import _message

    try:
        root = etree.fromstring(req.body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return _message("-1", "요청 XML을 읽을 수 없습니다.")
    text = next(((el.text or "").strip() for el in root if el.tag == "answerCont"), "")
    if root.tag != "ProductQna" or not text:
        return _message("-1", "답변 내용(answerCont)을 입력하세요.")
    with app.state.lock:
        question = _find(app, shop, ("board",), board)
        if question is None or question.product_id != product:
            return _message("-1", "해당 상품의 문의글이 없습니다.")
        if _answer(app, shop, question) is not None:
            return _message("-1", "이미 답변이 등록된 문의입니다.")
        _store(app, shop, question, text)
    return _message("200", "답변이 등록되었습니다.", product)
