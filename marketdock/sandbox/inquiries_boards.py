"""Sandbox Q&A boards of 11st and Cafe24 (the questions behind them are in `inquiries.py`):

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


# --- Cafe24 boards -----------------------------------------------------------------------------------

QNA_BOARD_NO = "6"  # the sandbox mall's "상품 Q&A" board (board 1 is the notice board)
_ARTICLES = re.compile(r"^/api/v2/admin/boards/(?P<board>\d+)/articles$")
_COMMENTS = re.compile(r"^/api/v2/admin/boards/(?P<board>\d+)/articles/(?P<article>\d+)/comments$")


def route_cafe24(app: SandboxApp, shop: Shop, req: Request) -> Response | None:
    """Cafe24 `GET /boards`, `GET /boards/{no}/articles` (start_date/end_date, limit ≤ 100, offset),
    `GET|POST /boards/{no}/articles/{article}/comments` (a second answer is refused)."""
    from .cafe24 import _error, _json

    if req.path == "/api/v2/admin/boards" and req.method == "GET":
        return _json(200, {"boards": [{"shop_no": 1, "board_no": 1, "board_name": "공지사항"},
                                      {"shop_no": 1, "board_no": int(QNA_BOARD_NO), "board_name": "상품 Q&A"}]})
    match = _ARTICLES.match(req.path) or _COMMENTS.match(req.path)
    if match is None:
        return None
    if match["board"] != QNA_BOARD_NO:
        return _error(404, "No board found.")
    if "article" not in match.groupdict():
        return _cafe24_articles(app, shop, req) if req.method == "GET" else _error(405, "Method not allowed.")
    with app.state.lock:
        question = _find(app, shop, ("board",), match["article"])
        if question is None:
            return _error(404, "No article found.")
        answer = _answer(app, shop, question)
        if req.method == "GET":
            rows = [{"shop_no": 1, "board_no": int(QNA_BOARD_NO), "article_no": int(question.ident),
                     "comment_no": int(answer["answer_id"]), "content": answer["text"], "writer": "판매자",
                     "created_date": _kst_iso(answer["at"])}] if answer else []
            return _json(200, {"comments": rows})
        if req.method != "POST":
            return _error(405, "Method not allowed.")
        try:
            body = req.json()
        except ValueError:
            body = None
        request = body.get("request") if isinstance(body, dict) else None
        text = request.get("content") if isinstance(request, dict) else None
        if not isinstance(text, str) or not text.strip() or not request.get("writer"):
            return _error(422, "content and writer are required.")
        if answer is not None:
            return _error(422, "이미 답변(댓글)이 등록된 게시글입니다.")
        entry = _store(app, shop, question, text)
    return _json(201, {"comment": {"shop_no": 1, "board_no": int(QNA_BOARD_NO), "article_no": int(question.ident),
                                   "comment_no": int(entry["answer_id"]), "content": text}})


def _kst_iso(moment) -> str:
    from datetime import datetime

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(KST).strftime("%Y-%m-%dT%H:%M:%S+09:00")


def _cafe24_articles(app: SandboxApp, shop: Shop, req: Request) -> Response:
    from .cafe24 import _error, _json

    params = req.params
    try:
        first = date.fromisoformat(params.get("start_date", ""))
        last = date.fromisoformat(params.get("end_date", ""))
        limit, offset = int(params.get("limit") or 10), int(params.get("offset") or 0)
    except ValueError:
        return _error(422, "start_date, end_date (YYYY-MM-DD), limit and offset are invalid.")
    if not 1 <= limit <= 100 or offset < 0 or last < first:
        return _error(422, "limit must be 1-100 and end_date not before start_date.")
    with app.state.lock:
        rows = [{"shop_no": 1, "board_no": int(QNA_BOARD_NO), "article_no": int(q.ident), "parent_article_no": None,
                 "title": q.title, "content": q.body, "writer": (q.order.buyer_name if q.order else "고객"),
                 "member_id": f"member{q.ident[-3:]}", "created_date": _kst_iso(q.asked_at),
                 "product_no": int(q.product_id), "order_id": q.order.order_no if q.order else None}
                for q in _questions(app, shop)
                if q.kind == "board" and first <= q.asked_at.astimezone(KST).date() <= last]
    return _json(200, {"articles": rows[offset:offset + limit]})
