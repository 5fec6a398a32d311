"""11st product Q&A (research §5.3, 11-CAT apiSeq 1626 / 1885), mixed into ElevenstConnector.

- list: `GET /rest/prodqnaservices/prodqnalist/{startTime}/{endTime}/{answerStatus}` with dates
  `YYYYMMDD` (KST, at most 7 calendar days) and answerStatus 00 all / 01 answered / 02 unanswered;
- answer: `PUT /rest/prodqnaservices/prodqnaanswer/{brdInfoNo}/{prdNo}` with the XML body
  `<ProductQna><answerCont>…</answerCont></ProductQna>`, answered by `<ClientMessage>` whose
  `resultCode` 200 means done.

The record fields (`productQna`: brdInfoNo, brdInfoClfNo = the product number, brdInfoSbjct,
brdInfoCont, createDt, memNM, prdNm, qnaDtlsCdNm, answerYn, answerCont, answerDt, ordNoDe) and the
answer envelope come from third-party clients, not from a published 11st sample [3RD, UNCONFIRMED].
An answer needs the product number too, so the inquiry id is `{brdInfoNo}-{prdNo}`. Whether a second
PUT replaces an answer is not documented: editing is refused (Capabilities.answer_edit False)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from urllib.parse import quote
from xml.sax.saxutils import escape

from . import values as v
from .base import decode_cursor, encode_cursor
from .cs_models import ChannelInquiry, InquiryAnswer, InquiryAnswerResult, InquiryKind, InquiryPage
from .errors import BusinessError, MalformedPayload
from .models import FetchWindow, LineFailure, Marketplace, RecordError

MP = Marketplace.ELEVENST.value
QNA_LIST_PATH = "/prodqnaservices/prodqnalist/{start}/{end}/00"
QNA_ANSWER_PATH = "/prodqnaservices/prodqnaanswer/{board}/{product}"
QNA_DAYS = 7


def qna_id(board_no: str, product_no: str) -> str:
    return f"{board_no}-{product_no}"


def split_qna_id(inquiry_id: str) -> tuple[str, str]:
    board, sep, product = inquiry_id.partition("-")
    if not sep or not board.isdigit() or not product.isdigit():
        raise ValueError(inquiry_id)
    return board, product


def parse_qna(fields: Mapping[str, str], prefix: str = "productQna") -> ChannelInquiry:
    board = v.text(fields.get("brdInfoNo"), f"{prefix}.brdInfoNo", marketplace=MP, required=True)
    product = v.text(fields.get("brdInfoClfNo") or fields.get("prdNo"), f"{prefix}.brdInfoClfNo", marketplace=MP,
                     required=True)
    answer = v.text(fields.get("answerCont"), f"{prefix}.answerCont", marketplace=MP)
    answered = fields.get("answerYn", "").upper() == "Y" or bool(answer)
    return ChannelInquiry(
        marketplace=Marketplace.ELEVENST, inquiry_id=qna_id(board, product), kind=InquiryKind.PRODUCT,
        title=v.text(fields.get("brdInfoSbjct"), f"{prefix}.brdInfoSbjct", marketplace=MP),
        body=v.text(fields.get("brdInfoCont"), f"{prefix}.brdInfoCont", marketplace=MP, required=True),
        asked_at=v.timestamp(fields.get("createDt"), f"{prefix}.createDt", marketplace=MP),
        buyer_name=v.text(fields.get("memNM") or fields.get("customerName"), f"{prefix}.memNM", marketplace=MP),
        order_id=v.text(fields.get("ordNoDe"), f"{prefix}.ordNoDe", marketplace=MP),
        product_id=product, product_name=v.text(fields.get("prdNm"), f"{prefix}.prdNm", marketplace=MP),
        category=v.text(fields.get("qnaDtlsCdNm"), f"{prefix}.qnaDtlsCdNm", marketplace=MP),
        answered=answered, answer_id=qna_id(board, product) if answered else "", answer_text=answer,
        answered_at=v.timestamp(fields.get("answerDt"), f"{prefix}.answerDt", marketplace=MP, required=False)
        if answered else None,
        raw=dict(fields))


def parse_qna_list(root) -> tuple[list[ChannelInquiry], list[RecordError]]:
    from .elevenst import element_dict, find_all

    found: list[ChannelInquiry] = []
    errors: list[RecordError] = []
    for index, element in enumerate(find_all(root, "productQna")):
        fields = element_dict(element)
        try:
            found.append(parse_qna(fields, f"productQna[{index}]"))
        except (MalformedPayload, ValueError) as exc:
            errors.append(RecordError(order_id=fields.get("brdInfoNo", ""), field=getattr(exc, "field", "productQna"),
                                      message=str(exc)[:500], raw=dict(fields)))
    return found, errors


def _chunks(window: FetchWindow) -> list[tuple[date, date]]:
    first, last = v.kst_date(window.start), v.kst_date(window.end)
    out = []
    while first <= last:
        end = min(last, first + timedelta(days=QNA_DAYS - 1))
        out.append((first, end))
        first = end + timedelta(days=1)
    return out


class ElevenstQna:
    """fetch_inquiries / answer_inquiries for ElevenstConnector."""

    def fetch_inquiries(self, window: FetchWindow, cursor: str | None = None) -> InquiryPage:
        index = int((decode_cursor(cursor, MP) or {}).get("c", 0))
        chunks = _chunks(window)
        if index >= len(chunks):
            return InquiryPage()
        first, last = chunks[index]
        root = self._get(QNA_LIST_PATH.format(start=first.strftime("%Y%m%d"), end=last.strftime("%Y%m%d")))
        found, errors = parse_qna_list(root)
        if index + 1 < len(chunks):
            return InquiryPage(inquiries=found, errors=errors, next_cursor=encode_cursor({"c": index + 1}),
                               has_more=True)
        return InquiryPage(inquiries=found, errors=errors)

    def answer_inquiries(self, items: Sequence[InquiryAnswer]) -> InquiryAnswerResult:
        result = InquiryAnswerResult()
        for item in items:
            try:
                board, product = split_qna_id(item.inquiry_id)
            except ValueError:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code="BAD_ID",
                                                 message="11번가 문의번호 형식이 아닙니다 (게시글번호-상품번호)"))
                continue
            if item.answer_id or item.kind != InquiryKind.PRODUCT:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code="UNSUPPORTED",
                                                 message="11번가는 상품 Q&A 답변 등록만 지원합니다 (수정 미확인)"))
                continue
            body = f"<ProductQna><answerCont>{escape(item.text)}</answerCont></ProductQna>"
            try:
                answer = self._product_write("PUT", QNA_ANSWER_PATH.format(board=quote(board), product=quote(product)),
                                             body)
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code=exc.code or "",
                                                 message=exc.message))
                continue
            if self._ok(answer):
                result.done.append(item.inquiry_id)
                result.answer_ids[item.inquiry_id] = item.inquiry_id
            else:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code=answer.code,
                                                 message=answer.text or f"11번가 오류 {answer.code}"))
        return result
