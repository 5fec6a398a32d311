"""Cafe24 product Q&A (research §4.5): Q&A lives in the mall's boards.

- `GET /boards` lists the boards; which one is the product Q&A board differs per mall: the board named
  like "상품 Q&A" / "Q&A" / "문의" is taken, unless the account's options name `qna_board_no`
  (board names and `board_type` values are not documented for this purpose [UNCONFIRMED]);
- `GET /boards/{board_no}/articles?start_date&end_date&limit&offset` (scope mall.read_community): the
  questions; an article with `parent_article_no` is a reply, not a question;
- `GET /boards/{board_no}/articles/{article_no}/comments`: the seller's answers already posted;
- answer as a comment `POST /boards/{board_no}/articles/{article_no}/comments` (scope
  mall.write_community) `{shop_no, request: {content, writer, password}}` [OFFICIAL docs-new boards
  pages; the request fields are UNCONFIRMED]. Editing a comment is not supported here.

The inquiry id is `{board_no}-{article_no}` (the answer needs both)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from .. import values as v
from ..base import decode_cursor, encode_cursor
from ..cs_models import ChannelInquiry, InquiryAnswer, InquiryAnswerResult, InquiryKind, InquiryPage
from ..errors import BusinessError, MalformedPayload
from ..models import FetchWindow, LineFailure, Marketplace, RecordError
from .auth import MP

ARTICLE_PAGE = 100
QNA_NAMES = ("상품 q&a", "q&a", "상품문의", "문의")
WRITER = "판매자"


def find_qna_board(boards: Any) -> str:
    if not isinstance(boards, list):
        raise MalformedPayload("boards", "목록이 아닙니다", marketplace=MP, value=boards)
    named = [(str(b.get("board_name") or "").lower(), str(b.get("board_no") or "")) for b in boards
             if isinstance(b, Mapping)]
    for wanted in QNA_NAMES:
        for name, number in named:
            if wanted in name and number:
                return number
    raise BusinessError("카페24 쇼핑몰에서 상품 Q&A 게시판을 찾지 못했습니다 (게시판 이름에 'Q&A' 또는 '문의'가 필요합니다)",
                        marketplace=MP, code="NO_QNA_BOARD")


def parse_article(board: str, row: Mapping[str, Any], comments: list, prefix: str = "articles[0]") -> ChannelInquiry:
    number = v.text(row.get("article_no"), f"{prefix}.article_no", marketplace=MP, required=True)
    last = comments[-1] if comments else None
    if last is not None and not isinstance(last, Mapping):
        raise MalformedPayload(f"{prefix}.comments", "객체가 아닙니다", marketplace=MP, value=last)
    return ChannelInquiry(
        marketplace=Marketplace.CAFE24, inquiry_id=f"{board}-{number}", kind=InquiryKind.PRODUCT,
        title=v.text(row.get("title"), f"{prefix}.title", marketplace=MP),
        body=v.text(row.get("content"), f"{prefix}.content", marketplace=MP, required=True),
        asked_at=v.timestamp(row.get("created_date"), f"{prefix}.created_date", marketplace=MP),
        buyer_name=v.text(row.get("writer"), f"{prefix}.writer", marketplace=MP),
        buyer_id=v.text(row.get("member_id"), f"{prefix}.member_id", marketplace=MP),
        order_id=v.text(row.get("order_id"), f"{prefix}.order_id", marketplace=MP),
        product_id=v.text(row.get("product_no"), f"{prefix}.product_no", marketplace=MP),
        answered=last is not None,
        answer_id=v.text(last.get("comment_no"), f"{prefix}.comment_no", marketplace=MP) if last else "",
        answer_text=v.text(last.get("content"), f"{prefix}.comment.content", marketplace=MP) if last else "",
        answered_at=v.timestamp(last.get("created_date"), f"{prefix}.comment.created_date", marketplace=MP,
                                required=False) if last else None,
        raw=dict(row))


class Cafe24Inquiries:
    """fetch_inquiries / answer_inquiries for Cafe24Connector (uses its `transport.call`)."""

    _qna_board_no: str | None = None

    def _board(self) -> str:
        if self._qna_board_no is None:
            self._qna_board_no = find_qna_board(self.transport.call("GET", "/boards", params={"shop_no": 1})
                                                .get("boards"))
        return self._qna_board_no

    def fetch_inquiries(self, window: FetchWindow, cursor: str | None = None) -> InquiryPage:
        board = self._board()
        offset = int((decode_cursor(cursor, MP) or {}).get("o", 0))
        body = self.transport.call("GET", f"/boards/{board}/articles", params={
            "shop_no": 1, "start_date": v.kst_date(window.start).isoformat(),
            "end_date": v.kst_date(window.end).isoformat(), "limit": ARTICLE_PAGE, "offset": offset})
        rows = body.get("articles") if isinstance(body, Mapping) else None
        if not isinstance(rows, list):
            raise MalformedPayload("articles", "목록이 아닙니다", marketplace=MP, value=rows)
        found: list[ChannelInquiry] = []
        errors: list[RecordError] = []
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping) or row.get("parent_article_no"):
                continue  # a reply article, not a question
            try:
                comments = self.transport.call("GET", f"/boards/{board}/articles/{row.get('article_no')}/comments",
                                               params={"shop_no": 1}).get("comments") or []
                found.append(parse_article(board, row, comments, f"articles[{index}]"))
            except (MalformedPayload, ValueError) as exc:
                errors.append(RecordError(order_id=str(row.get("article_no") or ""), field=getattr(exc, "field", ""),
                                          message=str(exc)[:500], raw=dict(row)))
        if len(rows) < ARTICLE_PAGE:
            return InquiryPage(inquiries=found, errors=errors)
        return InquiryPage(inquiries=found, errors=errors, next_cursor=encode_cursor({"o": offset + len(rows)}),
                           has_more=True)

    def answer_inquiries(self, items: Sequence[InquiryAnswer]) -> InquiryAnswerResult:
        result = InquiryAnswerResult()
        for item in items:
            board, sep, article = item.inquiry_id.partition("-")
            if not sep or not board.isdigit() or not article.isdigit() or item.answer_id:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code="UNSUPPORTED",
                                                 message="카페24는 게시글번호가 있는 상품 Q&A에 새 답변(댓글)만 등록합니다"))
                continue
            try:
                body = self.transport.call("POST", f"/boards/{board}/articles/{article}/comments", idempotent=False,
                                           json={"shop_no": 1, "request": {"content": item.text, "writer": WRITER,
                                                                           "password": secrets.token_hex(8)}})
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code=exc.code or "",
                                                 message=exc.message))
                continue
            comment = body.get("comment") if isinstance(body, Mapping) else None
            if isinstance(comment, list):
                comment = comment[0] if comment else None
            result.done.append(item.inquiry_id)
            if isinstance(comment, Mapping) and comment.get("comment_no"):
                result.answer_ids[item.inquiry_id] = str(comment["comment_no"])
        return result
