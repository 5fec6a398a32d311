"""Sandbox inquiries: buyers' questions arrive with the order stream, answers are stored.

Questions are derived deterministically from each shop's orders (so they arrive at the order rate):
every third order brings an order inquiry (Naver 고객문의 / Coupang 상품문의 naming the order) twenty
minutes after payment, every fourth a product question (Naver 상품문의) or a call-centre escalation
(Coupang, every eighth one a TRANSFER waiting to be confirmed). The questions of every fifth order were already
answered on the marketplace's own screen an hour after it was asked. Answers sent through the API are
kept in `state.inquiry_answers` and listed by the ground truth `GET /_sandbox/shops/<shop>/inquiries`.

Naver: `GET /v1/contents/qnas`, `PUT /v1/contents/qnas/{questionId}`, `GET /v1/pay-user/inquiries`,
`POST /v1/pay-merchant/inquiries/{no}/answer`, `PUT …/answer/{answerContentId}` (ERR-NC-101004 for an
unknown inquiry, ERR-NC-101006 for an answer that cannot be made). Coupang: onlineInquiries and
callCenterInquiries lists (≤7 days, paging), replies, confirms (a TRANSFER must be confirmed first)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .http import KST, Request, Response, kst_iso, trace_id
from .state import Order, Shop, _rng

if TYPE_CHECKING:
    from .server import SandboxApp

_ORDER_QUESTIONS = [
    ("배송", "언제 발송되나요? 이번 주 안에 받아야 해서요."),
    ("배송", "배송지를 회사 주소로 변경할 수 있을까요?"),
    ("교환", "사이즈가 작아서 한 치수 큰 것으로 교환하고 싶어요."),
    ("반품", "단순 변심인데 반품 가능한가요? 반품비는 얼마인가요?"),
    ("배송", "송장번호가 조회되지 않아요. 확인 부탁드립니다."),
]
_PRODUCT_QUESTIONS = [
    "평소 M 사이즈 입는데 L로 주문해야 할까요? 사이즈가 어떻게 나오나요?",
    "품절된 색상 재입고 언제 되나요?",
    "세탁기에 돌려도 되나요? 세탁 방법 알려주세요.",
    "선물 포장 가능한가요?",
    "유통기한이 언제까지인가요?",
]
_SELLER_SCREEN_ANSWER = "안녕하세요. 판매자센터에서 직접 답변드립니다. 확인 후 처리해 드리겠습니다."


@dataclass
class Question:
    kind: str  # naver: qna | inquiry; coupang: online | callcenter; 11st, cafe24: board
    ident: str
    order: Order | None
    asked_at: datetime
    category: str
    title: str
    body: str
    product_id: str
    product_name: str
    option_name: str
    line_no: str
    transfer: bool = False
    agent_answer_id: str = ""
    seller_center: bool = False  # answered on the marketplace's own screen an hour after it was asked


def _questions(app: SandboxApp, shop: Shop) -> list[Question]:
    """Every question of the shop asked until now (the caller holds the lock)."""
    now = app.now()
    found = []
    base = 700_000_000 + shop.index * 10_000_000
    for order in shop.orders:
        rng = _rng(app.state.seed, shop.code, "inquiry", order.seq)
        line = order.lines[0] if order.lines else None
        if line is None:
            continue
        product, option = shop.option(line.option_id)
        common = {"seller_center": order.seq % 5 == 0,
                  "product_id": option.option_id if shop.protocol == "coupang" else product.product_id,
                  "product_name": product.name, "option_name": option.name, "line_no": line.line_no}
        board = shop.protocol not in ("naver", "coupang")  # 11st / Cafe24: one product Q&A board
        if order.seq % 3 == 0:
            category, text = rng.choice(_ORDER_QUESTIONS)
            kind = "board" if board else ("inquiry" if shop.protocol == "naver" else "online")
            found.append(Question(kind=kind, ident=str(base + order.seq * 10 + 1), order=order,
                                  asked_at=order.paid_at + timedelta(minutes=20), category=category,
                                  title=f"{category} 문의", body=text, **common))
        if order.seq % 4 == 1:
            text = rng.choice(_PRODUCT_QUESTIONS)
            if shop.protocol == "coupang":
                found.append(Question(kind="callcenter", ident=str(base + order.seq * 10 + 3), order=order,
                                      asked_at=order.paid_at + timedelta(minutes=40), category="기타문의>상품문의",
                                      title="", body=f"[판매자이관]\n◼주문번호: {order.order_no}\n◼문의내용: {text}",
                                      transfer=order.seq % 8 == 1, agent_answer_id=str(base + order.seq * 10 + 4),
                                      **common))
            else:
                found.append(Question(kind="board" if board else "qna", ident=str(base + order.seq * 10 + 2),
                                      order=None, asked_at=order.ordered_at - timedelta(minutes=30), category="상품",
                                      title="상품 문의" if board else "", body=text, **common))
    return [q for q in found if q.asked_at <= now]


def _key(shop: Shop, question: Question) -> str:
    return f"{shop.code}:{question.kind}:{question.ident}"


def _answer(app: SandboxApp, shop: Shop, question: Question) -> dict[str, Any] | None:
    """The answer the marketplace holds: sent through the API, or made on its own screen."""
    stored = app.state.inquiry_answers.get(_key(shop, question))
    if stored:
        return stored
    if question.seller_center and question.asked_at + timedelta(hours=1) <= app.now():
        return {"answer_id": f"{question.ident}9", "text": _SELLER_SCREEN_ANSWER,
                "at": (question.asked_at + timedelta(hours=1)).isoformat(), "via": "seller_center"}
    return None


def _store(app: SandboxApp, shop: Shop, question: Question, text: str, answer_id: str = "") -> dict[str, Any]:
    entry = {"answer_id": answer_id or str(800_000_000 + len(app.state.inquiry_answers) + 1), "text": text,
             "at": app.now().isoformat(), "via": "api"}
    app.state.inquiry_answers[_key(shop, question)] = entry
    shop.record(app.now(), "inquiry_answer", kind=question.kind, inquiry=question.ident, text=text)
    return entry


def ground_truth(app: SandboxApp, shop: Shop) -> dict[str, Any]:
    rows = []
    for q in _questions(app, shop):
        answer = _answer(app, shop, q)
        rows.append({"kind": q.kind, "id": q.ident, "asked_at": q.asked_at.isoformat(), "body": q.body,
                     "order_no": q.order.order_no if q.order else "", "transfer": q.transfer,
                     "product_id": q.product_id,
                     "answer": answer})
    return {"shop": shop.code, "inquiries": rows}


def _find(app: SandboxApp, shop: Shop, kinds: tuple[str, ...], ident: str) -> Question | None:
    return next((q for q in _questions(app, shop) if q.kind in kinds and q.ident == ident), None)


def _paged(rows: list, page: int, size: int) -> tuple[list, int]:
    total_pages = max(1, -(-len(rows) // size))
    return rows[(page - 1) * size:page * size], total_pages


# --- Naver ------------------------------------------------------------------------------------------

def _naver_error(status: int, code: str, message: str, inputs: list | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message, "timestamp": kst_iso(datetime.now(KST)),
                            "traceId": trace_id()}
    if inputs:
        body["invalidInputs"] = inputs
    return Response(status, body)


def _int(value: str | None, default: int) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return None


def route_naver(app: SandboxApp, shop: Shop, req: Request, path: str) -> Response | None:
    if path == "/contents/qnas" and req.method == "GET":
        return _naver_qnas(app, shop, req)
    if path == "/pay-user/inquiries" and req.method == "GET":
        return _naver_inquiries(app, shop, req)
    match = re.fullmatch(r"/contents/qnas/(\d+)", path)
    if match and req.method == "PUT":
        return _naver_answer(app, shop, req, ("qna",), match[1], "commentContent", edit=None)
    match = re.fullmatch(r"/pay-merchant/inquiries/(\d+)/answer(?:/(\d+))?", path)
    if match and req.method == ("PUT" if match[2] else "POST"):
        return _naver_answer(app, shop, req, ("inquiry",), match[1], "answerComment", edit=match[2] or "")
    return None


def _naver_qnas(app: SandboxApp, shop: Shop, req: Request) -> Response:
    params = req.params
    page, size = _int(params.get("page"), 1), _int(params.get("size"), 100)
    start, end = _iso(params.get("fromDate")), _iso(params.get("toDate"))
    if start is None or end is None:
        return _naver_error(400, "BAD_REQUEST", "잘못된 요청", [{"name": "fromDate", "type": "NotNull",
                                                          "message": "fromDate, toDate는 필수입니다 (ISO-8601)."}])
    if page is None or page < 1 or size is None or not 1 <= size <= 100:
        return _naver_error(400, "BAD_REQUEST", "잘못된 요청", [{"name": "size", "type": "InvalidValue",
                                                          "message": "size는 1~100, page는 1 이상이어야 합니다."}])
    with app.state.lock:
        rows = []
        for q in _questions(app, shop):
            if q.kind != "qna" or not start <= q.asked_at <= end:
                continue
            answer = _answer(app, shop, q)
            rows.append({"questionId": int(q.ident), "createDate": kst_iso(q.asked_at), "question": q.body,
                         "answer": answer["text"] if answer else None, "answered": answer is not None,
                         "productId": q.product_id, "productName": q.product_name,
                         "maskedWriterId": f"buy{q.ident[-3:]}****"})
    chunk, total_pages = _paged(rows, page, size)
    return Response(200, {"contents": chunk, "page": page, "size": size, "totalElements": len(rows),
                          "totalPages": total_pages, "first": page == 1, "last": page >= total_pages})


def _naver_inquiries(app: SandboxApp, shop: Shop, req: Request) -> Response:
    params = req.params
    page, size = _int(params.get("page"), 1), _int(params.get("size"), 10)
    try:
        first = date.fromisoformat(params.get("startSearchDate") or "")
        last = date.fromisoformat(params.get("endSearchDate") or "")
    except ValueError:
        return _naver_error(400, "BAD_REQUEST", "잘못된 요청", [{"name": "startSearchDate", "type": "InvalidValue",
                                                          "message": "yyyy-MM-dd 형식이어야 합니다."}])
    if page is None or page < 1 or size is None or not 10 <= size <= 200:
        return _naver_error(400, "BAD_REQUEST", "잘못된 요청", [{"name": "size", "type": "InvalidValue",
                                                          "message": "size는 10~200 사이여야 합니다."}])
    with app.state.lock:
        rows = []
        for q in _questions(app, shop):
            if q.kind != "inquiry" or not first <= q.asked_at.astimezone(KST).date() <= last:
                continue
            answer = _answer(app, shop, q)
            rows.append({"inquiryNo": int(q.ident), "category": q.category, "title": q.title,
                         "inquiryContent": q.body, "inquiryRegistrationDateTime": kst_iso(q.asked_at),
                         "answerContentId": int(answer["answer_id"]) if answer else None,
                         "answerContent": answer["text"] if answer else None, "answered": answer is not None,
                         "orderId": q.order.order_no, "productNo": q.product_id, "productOrderIdList": q.line_no,
                         "productName": q.product_name, "productOrderOption": q.option_name,
                         "customerId": f"buy{q.ident[-3:]}****", "customerName": q.order.buyer_name})
    chunk, total_pages = _paged(rows, page, size)
    return Response(200, {"content": chunk, "totalElements": len(rows), "totalPages": total_pages,
                          "number": page, "size": size, "first": page == 1, "last": page >= total_pages})


def _naver_answer(app: SandboxApp, shop: Shop, req: Request, kinds: tuple[str, ...], ident: str, field: str,
                  edit: str | None) -> Response:
    try:
        body = req.json()
    except ValueError:
        body = None
    text = body.get(field) if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _naver_error(400, "BAD_REQUEST", "잘못된 요청", [{"name": field, "type": "NotBlank",
                                                          "message": "답변 내용을 입력해 주세요."}])
    with app.state.lock:
        question = _find(app, shop, kinds, ident)
        if question is None:
            return _naver_error(400, "ERR-NC-101004", f"문의 번호 {ident}에 해당하는 문의가 없습니다.")
        held = _answer(app, shop, question)
        if edit == "" and held is not None:  # a second answer POST: refused (edit with PUT)
            return _naver_error(400, "ERR-NC-101006", "요청한 API가 정상적으로 수행되지 않았습니다.")
        if edit and (held is None or held["answer_id"] != edit):
            return _naver_error(400, "ERR-NC-101006", "요청한 API가 정상적으로 수행되지 않았습니다.")
        entry = _store(app, shop, question, text, answer_id=(held or {}).get("answer_id", "") if edit is None
                       else edit)
    return Response(200, {"timestamp": kst_iso(app.now()), "traceId": trace_id(),
                          "data": {"answerContentId": int(entry["answer_id"])}})


def _iso(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# --- Coupang ----------------------------------------------------------------------------------------

COUPANG = re.compile(r"^/v2/providers/openapi/apis/api/(?P<v>v4|v5)/vendors/(?:(?P<vendor>[^/]+)/)?"
                     r"(?P<what>onlineInquiries|callCenterInquiries)(?:/(?P<id>\d+)(?P<rest>/replies|/confirms)?)?$")


def _coupang_error(status: int, message: str) -> Response:
    return Response(status, {"code": status, "message": message})


def route_coupang(app: SandboxApp, req: Request) -> Response | None:
    match = COUPANG.match(req.path)
    if not match:
        return None
    from . import coupang  # the signature check and faults of the order endpoints

    shop = coupang.authenticate(app, req, match["vendor"])
    if isinstance(shop, Response):
        return shop
    fault = coupang.fault_response(app, shop)
    if fault:
        return fault
    what, ident, rest = match["what"], match["id"], match["rest"]
    kind = "online" if what == "onlineInquiries" else "callcenter"
    if ident is None and req.method == "GET" and match["vendor"]:
        return _coupang_list(app, shop, req, kind)
    if ident and rest is None and req.method == "GET" and kind == "callcenter":
        with app.state.lock:
            question = _find(app, shop, ("callcenter",), ident)
            if question is None:
                return _coupang_error(400, f"존재하지 않는 문의입니다. (inquiryId={ident})")
            return Response(200, {"code": 200, "message": "OK", "data": _callcenter_row(app, shop, question)})
    if ident and rest and req.method == "POST":
        return _coupang_write(app, shop, req, kind, ident, rest)
    return coupang._gateway_error(404, "No matching API found for the request path.")


def _coupang_list(app: SandboxApp, shop: Shop, req: Request, kind: str) -> Response:
    params = req.params
    try:
        first = date.fromisoformat(params.get("inquiryStartAt") or "")
        last = date.fromisoformat(params.get("inquiryEndAt") or "")
    except ValueError:
        return _coupang_error(400, "inquiryStartAt, inquiryEndAt는 yyyy-MM-dd 형식이어야 합니다.")
    if last < first or (last - first).days > 6:
        return _coupang_error(400, "조회 기간은 최대 7일입니다.")
    page, size = _int(params.get("pageNum"), 1), _int(params.get("pageSize"), 10)
    if page is None or page < 1 or size is None or not 1 <= size <= 50:
        return _coupang_error(400, "pageSize는 1~50 사이여야 합니다.")
    with app.state.lock:
        rows = []
        for q in _questions(app, shop):
            if q.kind != kind or not first <= q.asked_at.astimezone(KST).date() <= last:
                continue
            rows.append(_online_row(app, shop, q) if kind == "online" else _callcenter_row(app, shop, q))
    chunk, total_pages = _paged(rows, page, size)
    return Response(200, {"code": 200, "message": "OK", "data": {"content": chunk, "pagination": {
        "currentPage": page, "totalPages": total_pages, "totalElements": len(rows), "countPerPage": size}}})


def _naive(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def _online_row(app: SandboxApp, shop: Shop, q: Question) -> dict[str, Any]:
    answer = _answer(app, shop, q)
    comments = [{"inquiryCommentId": int(answer["answer_id"]), "inquiryId": int(q.ident), "content": answer["text"],
                 "inquiryCommentAt": _naive(answer["at"])}] if answer else []
    return {"inquiryId": int(q.ident), "productId": int(q.product_id) - 1, "vendorItemId": int(q.product_id),
            "content": q.body, "inquiryAt": _naive(q.asked_at), "orderIds": [int(q.order.order_no)] if q.order else None,
            "buyerEmail": f"buy***@{q.ident[-2:]}", "commentDtoList": comments}


def _callcenter_row(app: SandboxApp, shop: Shop, q: Question) -> dict[str, Any]:
    answer = _answer(app, shop, q)
    confirmed = app.state.inquiry_answers.get(_key(shop, q) + ":confirmed")
    status = "answered" if answer else ("transfer" if q.transfer and not confirmed else "no_answer")
    replies = [{"receptionistName": "쿠팡 고객센터", "receptionist": "cs0001", "replyAt": _naive(q.asked_at),
                "content": q.body, "answerId": int(q.agent_answer_id), "parentAnswerId": 0,
                "partnerTransferStatus": status, "partnerTransferCompleteReason": "NONE", "answerType": "csAgent",
                "needAnswer": answer is None}]
    if answer:
        replies.append({"receptionistName": shop.code, "receptionist": shop.credentials["vendor_id"],
                        "replyAt": _naive(answer["at"]), "content": answer["text"],
                        "answerId": int(answer["answer_id"]), "parentAnswerId": int(q.agent_answer_id),
                        "partnerTransferStatus": None, "partnerTransferCompleteReason": "NONE",
                        "answerType": "vendor", "needAnswer": False})
    return {"inquiryId": int(q.ident), "csPartnerCounselingStatus": status, "inquiryStatus": "progress",
            "vendorItemId": [int(q.product_id)], "itemName": f"{q.product_name}, {q.option_name}",
            "content": "상담이력", "answeredAt": _naive(answer["at"]) if answer else None, "replies": replies,
            "inquiryAt": _naive(q.asked_at), "buyerEmail": f"buy***@{q.ident[-2:]}", "buyerPhone": "010-****-0000",
            "orderId": int(q.order.order_no), "orderDate": _naive(q.order.ordered_at), "receiptCategory": q.category}


def _coupang_write(app: SandboxApp, shop: Shop, req: Request, kind: str, ident: str, rest: str) -> Response:
    try:
        body = req.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _coupang_error(400, "요청 본문이 올바른 JSON이 아닙니다.")
    with app.state.lock:
        question = _find(app, shop, (kind,), ident)
        if question is None:
            return _coupang_error(400, f"존재하지 않는 문의입니다. (inquiryId={ident})")
        key = _key(shop, question) + ":confirmed"
        if rest == "/confirms":
            if not body.get("confirmBy"):
                return _coupang_error(400, "confirmBy는 필수입니다.")
            if not question.transfer or app.state.inquiry_answers.get(key):
                return _coupang_error(400, "이관 확인할 수 없는 상태의 문의입니다.")
            app.state.inquiry_answers[key] = {"at": app.now().isoformat()}
            shop.record(app.now(), "inquiry_confirm", inquiry=ident)
            return Response(200, {"code": "200", "message": "OK"})
        text = body.get("content")
        if not isinstance(text, str) or not text.strip() or not body.get("replyBy") \
                or body.get("vendorId") != shop.credentials["vendor_id"]:
            return _coupang_error(400, "content, vendorId, replyBy는 필수입니다.")
        if _answer(app, shop, question) is not None:
            return _coupang_error(400, "이미 답변이 등록된 문의입니다.")
        if kind == "callcenter":
            if question.transfer and not app.state.inquiry_answers.get(key):
                return _coupang_error(400, "이관(TRANSFER) 상태의 문의는 먼저 확인 처리해야 합니다.")
            if str(body.get("parentAnswerId") or "") != question.agent_answer_id:
                return _coupang_error(400, "parentAnswerId가 올바르지 않습니다.")
        _store(app, shop, question, text)
    return Response(200, {"code": "200", "message": "OK"})
