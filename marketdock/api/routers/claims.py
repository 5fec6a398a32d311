"""클레임/문의 / claims and inquiries: read-only lists and details (decisions and answers stay on the CS
screens until their API is added)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from marketdock.claims import selectors_cs
from marketdock.claims.models import ClaimStatus, ClaimType, InquiryStatus

from .. import selectors
from ..auth import KeyAuth
from ..common import PathId, doc, get_or_404, id_page
from ..errors import error_responses

router = Router(tags=["claims"])
READ = KeyAuth("claims:read")


class ClaimOut(Schema):
    id: int
    order_id: int
    line_id: int | None
    account_id: int
    channel_claim_id: str
    type: str
    status: str
    quantity: int
    reason_code: str
    reason_text: str
    currency: str
    refund_amount: int | None
    collect_tracking_number: str
    requested_at: datetime
    decided_at: datetime | None
    completed_at: datetime | None


class InquiryOut(Schema):
    id: int
    account_id: int
    channel_inquiry_id: str
    kind: str
    status: str
    title: str
    body: str
    order_id: int | None
    channel_order_id: str
    product_name: str
    asked_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    answer_text: str


class ClaimPageOut(Schema):
    items: list[ClaimOut]
    next_cursor: str | None


class InquiryPageOut(Schema):
    items: list[InquiryOut]
    next_cursor: str | None


class ClaimQuery(Schema):
    status: Literal[tuple(ClaimStatus.values) + ("",)] = ""  # type: ignore[valid-type]
    type: Literal[tuple(ClaimType.values) + ("",)] = ""  # type: ignore[valid-type]
    cursor: str = Field("", max_length=100)
    size: int = Field(50, ge=1, le=500)


class InquiryQuery(Schema):
    status: Literal[tuple(InquiryStatus.values) + ("",)] = ""  # type: ignore[valid-type]
    cursor: str = Field("", max_length=100)
    size: int = Field(50, ge=1, le=500)


def _claim(c) -> dict:
    return {f: getattr(c, f) for f in ClaimOut.model_fields}


def _inquiry(i) -> dict:
    return {f: getattr(i, f) for f in InquiryOut.model_fields}


@router.get("/claims", auth=READ, response=error_responses({200: ClaimPageOut}),
            **doc("클레임(취소/반품/교환) 목록", "List claims (cancel, return, exchange).", "claims:read"))
def claims_list(request, q: Query[ClaimQuery]):
    rows, cursor = id_page(selectors.claims(request.company, status=q.status, type=q.type), q.cursor, q.size)
    return {"items": [_claim(c) for c in rows], "next_cursor": cursor}


@router.get("/claims/{int:claim_id}", auth=READ, response=error_responses({200: ClaimOut}),
            **doc("클레임 상세", "One claim.", "claims:read"))
def claims_get(request, claim_id: PathId):
    return _claim(get_or_404(selectors_cs.claim_get, request.company, claim_id))


@router.get("/inquiries", auth=READ, response=error_responses({200: InquiryPageOut}),
            **doc("문의(Q&A) 목록", "List buyer inquiries.", "claims:read"))
def inquiries_list(request, q: Query[InquiryQuery]):
    rows, cursor = id_page(selectors.inquiries(request.company, status=q.status), q.cursor, q.size)
    return {"items": [_inquiry(i) for i in rows], "next_cursor": cursor}


@router.get("/inquiries/{int:inquiry_id}", auth=READ, response=error_responses({200: InquiryOut}),
            **doc("문의 상세", "One inquiry with the answer the marketplace holds.", "claims:read"))
def inquiries_get(request, inquiry_id: PathId):
    return _inquiry(get_or_404(selectors_cs.inquiry_get, request.company, inquiry_id))
