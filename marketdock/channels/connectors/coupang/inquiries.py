"""Coupang customer inquiries (research §2.9, samples `customer-service__*`):

- 상품문의 (online inquiries): `GET /v5/vendors/{vendorId}/onlineInquiries?vendorId&inquiryStartAt&inquiryEndAt
  (yyyy-MM-dd, ≤7 days)&answeredType=ALL&pageNum&pageSize` → `data.content[{inquiryId, productId,
  vendorItemId, content, inquiryAt, orderIds, buyerEmail, commentDtoList[{inquiryCommentId, content,
  inquiryCommentAt}]}]`, `data.pagination`; reply `POST /v4/vendors/{vendorId}/onlineInquiries/{id}/replies
  {content, vendorId, replyBy}`.
- 고객센터 이관 문의 (call-centre inquiries): `GET /v5/vendors/{vendorId}/callCenterInquiries?
  partnerCounselingStatus=NONE&inquiryStartAt&inquiryEndAt(≤7 days)&pageNum&pageSize`; single
  `GET /v5/vendors/callCenterInquiries/{id}`; a TRANSFER must first be confirmed
  `POST /v4/vendors/{vendorId}/callCenterInquiries/{id}/confirms {confirmBy}`, then replied to
  `POST …/callCenterInquiries/{id}/replies {vendorId, inquiryId, content, replyBy, parentAnswerId}` where
  `parentAnswerId` is the counsellor's (csAgent) message being answered.

Answering twice is refused and an answer cannot be edited (Capabilities.answer_edit False).
`replyBy` is the WING user id; an account without one answers as its vendor id [UNCONFIRMED whether
Coupang accepts that]."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from .. import values as v
from ..base import decode_cursor, encode_cursor
from ..cs_models import ChannelInquiry, InquiryAnswer, InquiryAnswerResult, InquiryKind, InquiryPage
from ..errors import BusinessError, MalformedPayload
from ..models import FetchWindow, LineFailure, Marketplace, RecordError
from .auth import MP
from .transport import envelope

V5 = "/v2/providers/openapi/apis/api/v5/vendors"
V4 = "/v2/providers/openapi/apis/api/v4/vendors"
ONLINE_PATH = V5 + "/{vendor}/onlineInquiries"
ONLINE_REPLY_PATH = V4 + "/{vendor}/onlineInquiries/{id}/replies"
CALL_PATH = V5 + "/{vendor}/callCenterInquiries"
CALL_ONE_PATH = V5 + "/callCenterInquiries/{id}"
CALL_REPLY_PATH = V4 + "/{vendor}/callCenterInquiries/{id}/replies"
CALL_CONFIRM_PATH = V4 + "/{vendor}/callCenterInquiries/{id}/confirms"
INQUIRY_DAYS = 7  # inquiryStartAt..inquiryEndAt at most 7 days
INQUIRY_PAGE = 50


def _day_chunks(window: FetchWindow) -> list[tuple[date, date]]:
    first, last = v.kst_date(window.start), v.kst_date(window.end)
    chunks = []
    while first <= last:
        end = min(last, first + timedelta(days=INQUIRY_DAYS - 1))
        chunks.append((first, end))
        first = end + timedelta(days=1)
    return chunks


def _status(value: Any) -> str:
    return str(value or "").replace("_", "").lower()


def parse_online_inquiry(row: Mapping[str, Any], prefix: str = "data.content[0]") -> ChannelInquiry:
    ident = v.text(row.get("inquiryId"), f"{prefix}.inquiryId", marketplace=MP, required=True)
    comments = row.get("commentDtoList") or []
    if not isinstance(comments, list):
        raise MalformedPayload(f"{prefix}.commentDtoList", "목록이 아닙니다", marketplace=MP, value=comments)
    orders = row.get("orderIds") or []
    if not isinstance(orders, list):
        raise MalformedPayload(f"{prefix}.orderIds", "목록이 아닙니다", marketplace=MP, value=orders)
    last = comments[-1] if comments else None
    if last is not None and not isinstance(last, Mapping):
        raise MalformedPayload(f"{prefix}.commentDtoList[-1]", "객체가 아닙니다", marketplace=MP, value=last)
    return ChannelInquiry(
        marketplace=Marketplace.COUPANG, inquiry_id=ident, kind=InquiryKind.PRODUCT,
        body=v.text(row.get("content"), f"{prefix}.content", marketplace=MP, required=True),
        asked_at=v.timestamp(row.get("inquiryAt"), f"{prefix}.inquiryAt", marketplace=MP),
        buyer_id=v.text(row.get("buyerEmail"), f"{prefix}.buyerEmail", marketplace=MP),
        order_id=str(orders[0]) if orders else "",
        product_id=v.text(row.get("vendorItemId") or row.get("productId"), f"{prefix}.vendorItemId", marketplace=MP),
        product_name=v.text(row.get("itemName") or row.get("productName"), f"{prefix}.itemName", marketplace=MP),
        answered=last is not None,
        answer_id=v.text(last.get("inquiryCommentId"), f"{prefix}.inquiryCommentId", marketplace=MP) if last else "",
        answer_text=v.text(last.get("content"), f"{prefix}.commentDtoList.content", marketplace=MP) if last else "",
        answered_at=v.timestamp(last.get("inquiryCommentAt"), f"{prefix}.inquiryCommentAt", marketplace=MP,
                                required=False) if last else None,
        raw=dict(row))


def _replies(row: Mapping[str, Any], prefix: str) -> list[Mapping[str, Any]]:
    replies = row.get("replies") or []
    if not isinstance(replies, list) or not all(isinstance(r, Mapping) for r in replies):
        raise MalformedPayload(f"{prefix}.replies", "목록이 아닙니다", marketplace=MP, value=replies)
    return replies


def counsellor_message(row: Mapping[str, Any], prefix: str = "data") -> Mapping[str, Any] | None:
    """The counsellor's (csAgent) latest message: the question the seller answers (`parentAnswerId`)."""
    agents = [r for r in _replies(row, prefix) if r.get("answerType") == "csAgent"]
    waiting = [r for r in agents if r.get("needAnswer")]
    return (waiting or agents or [None])[-1]


def parse_callcenter_inquiry(row: Mapping[str, Any], prefix: str = "data.content[0]") -> ChannelInquiry:
    ident = v.text(row.get("inquiryId"), f"{prefix}.inquiryId", marketplace=MP, required=True)
    replies = _replies(row, prefix)
    agent = counsellor_message(row, prefix)
    vendor = [r for r in replies if r.get("answerType") == "vendor"]
    status = _status(row.get("csPartnerCounselingStatus") or row.get("partnerCounselingStatus"))
    last_vendor = vendor[-1] if vendor else None
    answered = status == "answered" or (last_vendor is not None and (
        agent is None or str(last_vendor.get("replyAt") or "") >= str(agent.get("replyAt") or "")))
    items = row.get("vendorItemId")
    item = items[0] if isinstance(items, list) and items else items
    return ChannelInquiry(
        marketplace=Marketplace.COUPANG, inquiry_id=ident, kind=InquiryKind.CALLCENTER,
        body=v.text((agent or {}).get("content") or row.get("content"), f"{prefix}.replies.content", marketplace=MP,
                    required=True),
        asked_at=v.timestamp(row.get("inquiryAt"), f"{prefix}.inquiryAt", marketplace=MP),
        buyer_id=v.text(row.get("buyerEmail"), f"{prefix}.buyerEmail", marketplace=MP),
        order_id=v.text(row.get("orderId"), f"{prefix}.orderId", marketplace=MP),
        product_id=v.text(item, f"{prefix}.vendorItemId", marketplace=MP),
        product_name=v.text(row.get("itemName"), f"{prefix}.itemName", marketplace=MP),
        category=v.text(row.get("receiptCategory"), f"{prefix}.receiptCategory", marketplace=MP),
        answered=answered,
        answer_id=v.text(last_vendor.get("answerId"), f"{prefix}.answerId", marketplace=MP) if answered and last_vendor
        else "",
        answer_text=v.text(last_vendor.get("content"), f"{prefix}.content", marketplace=MP) if answered and last_vendor
        else "",
        answered_at=v.timestamp(row.get("answeredAt"), f"{prefix}.answeredAt", marketplace=MP, required=False)
        if answered else None,
        raw=dict(row))


def parse_inquiry_list(payload: Any, kind: InquiryKind) -> tuple[list[ChannelInquiry], list[RecordError], int]:
    """A list answer → inquiries, unreadable records, total pages."""
    data = envelope(payload)
    rows = data.get("content") if isinstance(data, Mapping) else None
    if not isinstance(rows, list):
        raise MalformedPayload("data.content", "목록이 아닙니다", marketplace=MP, value=rows)
    parse = parse_online_inquiry if kind == InquiryKind.PRODUCT else parse_callcenter_inquiry
    found: list[ChannelInquiry] = []
    errors: list[RecordError] = []
    for index, row in enumerate(rows):
        try:
            if not isinstance(row, Mapping):
                raise MalformedPayload(f"data.content[{index}]", "객체가 아닙니다", marketplace=MP, value=row)
            found.append(parse(row, f"data.content[{index}]"))
        except (MalformedPayload, ValueError) as exc:
            errors.append(RecordError(order_id=str(row.get("inquiryId") or "") if isinstance(row, Mapping) else "",
                                      field=getattr(exc, "field", "data.content"), message=str(exc)[:500],
                                      raw=dict(row) if isinstance(row, Mapping) else {}))
    pagination = data.get("pagination") if isinstance(data.get("pagination"), Mapping) else {}
    total = v.integer(pagination.get("totalPages"), "data.pagination.totalPages", marketplace=MP, required=False)
    return found, errors, total


def _ok(payload: Any) -> None:
    code = str(payload.get("code", "200")) if isinstance(payload, Mapping) else ""
    if code != "200":
        message = payload.get("message") if isinstance(payload, Mapping) else payload
        raise BusinessError(str(message or "응답을 읽을 수 없습니다"), marketplace=MP, code=code)


class CoupangInquiries:
    """fetch_inquiries / answer_inquiries (mixed into CoupangConnector)."""

    def _reply_by(self) -> str:
        return getattr(self.credentials, "wing_user_id", "") or self.credentials.vendor_id

    def fetch_inquiries(self, window: FetchWindow, cursor: str | None = None) -> InquiryPage:
        state = decode_cursor(cursor, MP) or {"s": 0, "c": 0, "p": 1}
        stage, chunk, page = int(state.get("s", 0)), int(state.get("c", 0)), int(state.get("p", 1))
        chunks = _day_chunks(window)
        vendor = self.credentials.vendor_id
        kind = InquiryKind.PRODUCT if stage == 0 else InquiryKind.CALLCENTER
        found: list[ChannelInquiry] = []
        errors: list[RecordError] = []
        total = 0
        if chunk < len(chunks):
            first, last = chunks[chunk]
            params = [("vendorId", vendor), ("inquiryStartAt", first.isoformat()), ("inquiryEndAt", last.isoformat())]
            if kind == InquiryKind.PRODUCT:
                params += [("answeredType", "ALL")]
                path = ONLINE_PATH.format(vendor=quote(vendor, safe=""))
            else:
                params += [("partnerCounselingStatus", "NONE")]
                path = CALL_PATH.format(vendor=quote(vendor, safe=""))
            params += [("pageNum", str(page)), ("pageSize", str(INQUIRY_PAGE))]
            found, errors, total = parse_inquiry_list(self._call("GET", path, params=params), kind)
        if page < total:
            following = {"s": stage, "c": chunk, "p": page + 1}
        elif chunk + 1 < len(chunks):
            following = {"s": stage, "c": chunk + 1, "p": 1}
        elif stage == 0:
            following = {"s": 1, "c": 0, "p": 1}
        else:
            return InquiryPage(inquiries=found, errors=errors)
        return InquiryPage(inquiries=found, errors=errors, next_cursor=encode_cursor(following), has_more=True)

    def answer_inquiries(self, items: Sequence[InquiryAnswer]) -> InquiryAnswerResult:
        result = InquiryAnswerResult()
        vendor = quote(self.credentials.vendor_id, safe="")
        for item in items:
            if item.answer_id:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code="EDIT_UNSUPPORTED",
                                                 message="쿠팡은 등록한 답변을 수정할 수 없습니다"))
                continue
            ident = quote(item.inquiry_id, safe="")
            try:
                if item.kind == InquiryKind.PRODUCT:
                    _ok(self._call("POST", ONLINE_REPLY_PATH.format(vendor=vendor, id=ident), idempotent=False,
                                   json={"content": item.text, "vendorId": self.credentials.vendor_id,
                                         "replyBy": self._reply_by()}))
                elif item.kind == InquiryKind.CALLCENTER:
                    self._answer_callcenter(vendor, ident, item)
                else:
                    result.failed.append(LineFailure(order_line_id=item.inquiry_id, code="UNSUPPORTED_KIND",
                                                     message="쿠팡에는 이 종류의 문의가 없습니다"))
                    continue
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=item.inquiry_id, code=exc.code or "",
                                                 message=exc.message))
                continue
            result.done.append(item.inquiry_id)
        return result

    def _answer_callcenter(self, vendor: str, ident: str, item: InquiryAnswer) -> None:
        """Re-read the inquiry (its counsellor message and state), confirm a TRANSFER, then reply."""
        row = envelope(self._call("GET", CALL_ONE_PATH.format(id=ident)))
        if isinstance(row, Mapping) and isinstance(row.get("content"), list):
            row = row["content"][0] if row["content"] else {}
        if not isinstance(row, Mapping):
            raise MalformedPayload("data", "객체가 아닙니다", marketplace=MP, value=row)
        status = _status(row.get("csPartnerCounselingStatus") or row.get("partnerCounselingStatus"))
        if status == "transfer":
            _ok(self._call("POST", CALL_CONFIRM_PATH.format(vendor=vendor, id=ident), idempotent=False,
                           json={"confirmBy": self._reply_by()}))
        agent = counsellor_message(row)
        body = {"vendorId": self.credentials.vendor_id, "inquiryId": item.inquiry_id, "content": item.text,
                "replyBy": self._reply_by(), "parentAnswerId": str((agent or {}).get("answerId") or "")}
        _ok(self._call("POST", CALL_REPLY_PATH.format(vendor=vendor, id=ident), json=body, idempotent=False))
