"""Naver inquiries — two separate systems (research §1.7):

- 상품문의 (product Q&A): `GET /v1/contents/qnas?page&size(≤100)&answered&fromDate&toDate` (date-times,
  required) → `{contents:[{questionId, createDate, question, answer, answered, productId, productName,
  maskedWriterId}], page, size, totalElements, totalPages, first, last}`; answer and edit are the same
  `PUT /v1/contents/qnas/{questionId}` `{commentContent}` (the question id is the answer's key).
- 고객문의 (order inquiries): `GET /v1/pay-user/inquiries?page&size(10–200)&startSearchDate&endSearchDate`
  (yyyy-MM-dd) → Spring page `{content:[{inquiryNo, category, title, inquiryContent,
  inquiryRegistrationDateTime, answerContentId, answerContent, answered, orderId, productNo,
  productOrderIdList, productName, productOrderOption, customerId, customerName}], totalPages, …}`;
  answer `POST /v1/pay-merchant/inquiries/{inquiryNo}/answer` `{answerComment}`, edit
  `PUT /v1/pay-merchant/inquiries/{inquiryNo}/answer/{answerContentId}`. Refusals come as
  `{code: "ERR-NC-101004" | "ERR-NC-101006", message}` (published samples).

Whether the answer POST returns the new `answerContentId` is not documented [UNCONFIRMED]: it is read
when present; otherwise the next collection brings it (the marketplace's list is the truth)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .. import values as v
from ..base import decode_cursor, encode_cursor
from ..cs_models import ChannelInquiry, InquiryAnswer, InquiryAnswerResult, InquiryKind, InquiryPage
from ..errors import BusinessError, MalformedPayload
from ..models import FetchWindow, LineFailure, Marketplace, RecordError
from .auth import MP
from .transport import query_string

QNA_PATH = "/v1/contents/qnas"
QNA_ANSWER_PATH = "/v1/contents/qnas/{id}"
INQUIRY_PATH = "/v1/pay-user/inquiries"
INQUIRY_ANSWER_PATH = "/v1/pay-merchant/inquiries/{id}/answer"
INQUIRY_EDIT_PATH = "/v1/pay-merchant/inquiries/{id}/answer/{answer}"
QNA_PAGE = 100
INQUIRY_PAGE = 200


def _answered(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "y")


def parse_qna(row: Mapping[str, Any], prefix: str = "contents[0]") -> ChannelInquiry:
    """One product question (상품문의)."""
    qid = v.text(row.get("questionId"), f"{prefix}.questionId", marketplace=MP, required=True)
    answer = v.text(row.get("answer"), f"{prefix}.answer", marketplace=MP)
    answered = _answered(row.get("answered")) or bool(answer)
    return ChannelInquiry(
        marketplace=Marketplace.NAVER, inquiry_id=qid, kind=InquiryKind.PRODUCT,
        body=v.text(row.get("question"), f"{prefix}.question", marketplace=MP, required=True),
        asked_at=v.timestamp(row.get("createDate"), f"{prefix}.createDate", marketplace=MP),
        buyer_id=v.text(row.get("maskedWriterId"), f"{prefix}.maskedWriterId", marketplace=MP),
        product_id=v.text(row.get("productId"), f"{prefix}.productId", marketplace=MP),
        product_name=v.text(row.get("productName"), f"{prefix}.productName", marketplace=MP),
        answered=answered, answer_id=qid if answered else "", answer_text=answer, raw=dict(row))


def parse_customer_inquiry(row: Mapping[str, Any], prefix: str = "content[0]") -> ChannelInquiry:
    """One customer inquiry (고객문의) about an order."""
    number = v.text(row.get("inquiryNo"), f"{prefix}.inquiryNo", marketplace=MP, required=True)
    answer = v.text(row.get("answerContent"), f"{prefix}.answerContent", marketplace=MP)
    answer_id = v.text(row.get("answerContentId"), f"{prefix}.answerContentId", marketplace=MP)
    lines = row.get("productOrderIdList")
    if isinstance(lines, str):
        lines = [part for part in lines.split(",") if part.strip()]
    if lines is not None and not isinstance(lines, list):
        raise MalformedPayload(f"{prefix}.productOrderIdList", "목록이 아닙니다", marketplace=MP, value=lines)
    return ChannelInquiry(
        marketplace=Marketplace.NAVER, inquiry_id=number, kind=InquiryKind.ORDER,
        title=v.text(row.get("title"), f"{prefix}.title", marketplace=MP),
        body=v.text(row.get("inquiryContent"), f"{prefix}.inquiryContent", marketplace=MP, required=True),
        asked_at=v.timestamp(row.get("inquiryRegistrationDateTime"), f"{prefix}.inquiryRegistrationDateTime",
                             marketplace=MP),
        buyer_name=v.text(row.get("customerName"), f"{prefix}.customerName", marketplace=MP),
        buyer_id=v.text(row.get("customerId"), f"{prefix}.customerId", marketplace=MP),
        order_id=v.text(row.get("orderId"), f"{prefix}.orderId", marketplace=MP),
        order_line_id=str(lines[0]).strip() if lines else "",
        product_id=v.text(row.get("productNo"), f"{prefix}.productNo", marketplace=MP),
        product_name=v.text(row.get("productName"), f"{prefix}.productName", marketplace=MP),
        option_text=v.text(row.get("productOrderOption"), f"{prefix}.productOrderOption", marketplace=MP),
        category=v.text(row.get("category"), f"{prefix}.category", marketplace=MP),
        answered=_answered(row.get("answered")) or bool(answer), answer_id=answer_id, answer_text=answer,
        raw=dict(row))


def _rows(payload: Any, key: str) -> list:
    body = payload.get("data") if isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping) \
        else payload
    rows = body.get(key) if isinstance(body, Mapping) else None
    if not isinstance(rows, list):
        raise MalformedPayload(key, "목록이 아닙니다", marketplace=MP, value=rows)
    return rows


def _last(payload: Any, page: int) -> bool:
    body = payload.get("data") if isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping) \
        else payload
    if body.get("last") is True:
        return True
    total = v.integer(body.get("totalPages"), "totalPages", marketplace=MP, required=False, default=0)
    return page >= total


def parse_page(payload: Any, kind: InquiryKind) -> tuple[list[ChannelInquiry], list[RecordError]]:
    """A list answer (either system) → inquiries and the records that could not be read."""
    key, parse = ("contents", parse_qna) if kind == InquiryKind.PRODUCT else ("content", parse_customer_inquiry)
    found: list[ChannelInquiry] = []
    errors: list[RecordError] = []
    for index, row in enumerate(_rows(payload, key)):
        try:
            if not isinstance(row, Mapping):
                raise MalformedPayload(f"{key}[{index}]", "객체가 아닙니다", marketplace=MP, value=row)
            found.append(parse(row, f"{key}[{index}]"))
        except (MalformedPayload, ValueError) as exc:
            ident = row.get("questionId") or row.get("inquiryNo") if isinstance(row, Mapping) else ""
            errors.append(RecordError(order_id=str(ident or ""), field=getattr(exc, "field", key),
                                      message=str(exc)[:500], raw=dict(row) if isinstance(row, Mapping) else {}))
    return found, errors


class NaverInquiries:
    """fetch_inquiries / answer_inquiries (mixed into NaverConnector)."""

    def fetch_inquiries(self, window: FetchWindow, cursor: str | None = None) -> InquiryPage:
        state = decode_cursor(cursor, MP) or {"s": 0, "p": 1}
        stage, page = int(state.get("s", 0)), int(state.get("p", 1))
        if stage == 0:
            query = query_string([("page", str(page)), ("size", str(QNA_PAGE)),
                                  ("fromDate", v.kst_iso(window.start)), ("toDate", v.kst_iso(window.end))])
            payload = self._call("GET", QNA_PATH, query=query)
            found, errors = parse_page(payload, InquiryKind.PRODUCT)
            following = {"s": 1, "p": 1} if _last(payload, page) else {"s": 0, "p": page + 1}
            return InquiryPage(inquiries=found, errors=errors, next_cursor=encode_cursor(following), has_more=True)
        query = query_string([("page", str(page)), ("size", str(INQUIRY_PAGE)),
                              ("startSearchDate", v.kst_date(window.start).isoformat()),
                              ("endSearchDate", v.kst_date(window.end).isoformat())])
        payload = self._call("GET", INQUIRY_PATH, query=query)
        found, errors = parse_page(payload, InquiryKind.ORDER)
        if _last(payload, page):
            return InquiryPage(inquiries=found, errors=errors)
        return InquiryPage(inquiries=found, errors=errors, next_cursor=encode_cursor({"s": 1, "p": page + 1}),
                           has_more=True)

    def answer_inquiries(self, items: Sequence[InquiryAnswer]) -> InquiryAnswerResult:
        result = InquiryAnswerResult()
        for item in items:
            ident = quote(item.inquiry_id, safe="")
            try:
                if item.kind == InquiryKind.PRODUCT:  # answer and edit: the same PUT
                    self._call("PUT", QNA_ANSWER_PATH.format(id=ident), json={"commentContent": item.text},
                               idempotent=True)
                    result.answer_ids[item.inquiry_id] = item.inquiry_id
                elif item.kind == InquiryKind.ORDER:
                    if item.answer_id:
                        path = INQUIRY_EDIT_PATH.format(id=ident, answer=quote(item.answer_id, safe=""))
                        self._call("PUT", path, json={"answerComment": item.text}, idempotent=True)
                        result.answer_ids[item.inquiry_id] = item.answer_id
                    else:
                        payload = self._call("POST", INQUIRY_ANSWER_PATH.format(id=ident),
                                             json={"answerComment": item.text}, idempotent=False)
                        answer_id = _answer_id(payload)
                        if answer_id:
                            result.answer_ids[item.inquiry_id] = answer_id
                else:
                    result.failed.append(LineFailure(order_line_id=item.inquiry_id, code="UNSUPPORTED_KIND",
                                                     message="네이버에는 고객센터 이관 문의가 없습니다"))
                    continue
            except BusinessError as exc:  # ERR-NC-101004 / 101006: this one refused, the others go on
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code=exc.code or "",
                                                 message=exc.message))
                continue
            result.done.append(item.inquiry_id)
        return result


def _answer_id(payload: Any) -> str:
    if not isinstance(payload, Mapping):
        return ""
    data = payload.get("data") if isinstance(payload.get("data"), Mapping) else payload
    value = data.get("answerContentId")
    return str(value) if value not in (None, "") else ""
