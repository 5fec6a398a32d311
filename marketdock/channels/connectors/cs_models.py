"""What connectors exchange for customer service (issue 13): claims (취소 / 반품 / 교환) and inquiries
(상품문의 / 주문문의 / 고객센터 문의), and the decisions and answers sent back. Same rules as
`models.py`: aware UTC times, integer money in the currency's minor unit, string ids, a canonical
state with the marketplace's raw status kept beside it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .models import LineFailure, Marketplace, RecordError, _aware_utc


class ClaimKind(enum.StrEnum):
    CANCEL = "cancel"
    RETURN = "return"
    EXCHANGE = "exchange"


class ClaimProgress(enum.StrEnum):
    """How far the marketplace has taken a claim (each connector maps its own statuses here)."""

    REQUESTED = "requested"  # waiting for the seller's decision
    HELD = "held"  # the seller put it on hold (보류)
    APPROVED = "approved"  # accepted, nothing to collect (cancels) or collection not started
    COLLECTING = "collecting"  # 회수중: the return parcel is on its way back
    COLLECTED = "collected"  # 회수완료: arrived at the seller, waiting for inspection/refund
    RESHIPPED = "reshipped"  # exchange: the replacement was shipped
    COMPLETED = "completed"  # refunded / cancelled / exchange done
    REJECTED = "rejected"  # the seller refused (반품거부 / 교환거부 / 취소거부)
    WITHDRAWN = "withdrawn"  # the buyer withdrew the request (철회)


class ClaimRequester(enum.StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    MARKETPLACE = "marketplace"


class FeePayer(enum.StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    NONE = ""


class ChannelClaim(BaseModel):
    """One claim on one order line as the marketplace reports it. `claim_id` is unique per marketplace
    account (Naver claimId / productOrderId+claimType, Coupang receiptId, Shopify return or refund id)."""

    model_config = ConfigDict(frozen=True)

    marketplace: Marketplace
    claim_id: str = Field(min_length=1)
    kind: ClaimKind
    order_id: str = Field(min_length=1)
    order_line_id: str = Field(min_length=1)
    quantity: int = Field(ge=1, default=1)
    progress: ClaimProgress
    raw_status: str
    requester: ClaimRequester = ClaimRequester.BUYER
    reason_code: str = ""  # the marketplace's reason code, as sent
    reason_text: str = ""  # the buyer's words or the marketplace's reason label
    requested_at: datetime
    decided_at: datetime | None = None
    completed_at: datetime | None = None
    currency: str = "KRW"
    refund_amount: int | None = None  # what the buyer gets back, when the marketplace says
    return_shipping_fee: int = 0  # 반품/교환 배송비
    return_fee_payer: FeePayer = FeePayer.NONE
    collect_carrier_code: str = ""  # the marketplace's code of the carrier bringing the return back
    collect_tracking_number: str = ""
    exchange_option_text: str = ""  # exchanges: what the buyer wants instead, when stated
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("requested_at", "decided_at", "completed_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)


class ClaimPage(BaseModel):
    claims: list[ChannelClaim] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False


class ClaimAction(enum.StrEnum):
    APPROVE = "approve"  # cancel: 취소승인; return: 반품승인(환불); exchange: 교환 수거완료/승인
    REJECT = "reject"  # 거부 (with a reason)
    HOLD = "hold"  # 보류 (with a reason; returns/exchanges)
    RELEASE_HOLD = "release_hold"  # 보류 해제
    RESHIP = "reship"  # exchange: 재배송 with carrier + tracking number
    SELLER_CANCEL = "seller_cancel"  # 판매취소 / 품절취소 by the seller
    COMPLETE = "complete"  # return: the goods came back and were inspected — the marketplace's own last step
    # (Naver 반품 승인 → RETURN_DONE, Coupang 입고확인 then 반품승인, Shopify returnClose); only where
    # `Capabilities.return_completion`
    RECEIVE = "receive"  # exchange: the item the marketplace picked up arrived at the seller (Naver 교환 수거 완료
    # exchange/collect/approve, Coupang 교환 입고확인 receiveConfirmation); only where
    # `Capabilities.marketplace_collects`


class ClaimDecision(BaseModel):
    """One decision to send. `marketplace_carrier_code` is resolved by the caller (connectors never read
    the database), as for dispatch."""

    claim_id: str = ""  # empty for SELLER_CANCEL (no claim exists at the marketplace yet)
    order_id: str
    order_line_id: str
    kind: ClaimKind
    action: ClaimAction
    quantity: int = 1
    reason_code: str = ""
    memo: str = ""
    marketplace_carrier_code: str = ""
    tracking_number: str = ""


class ClaimDecisionResult(BaseModel):
    done: list[str] = Field(default_factory=list)  # order_line_ids (or claim ids) accepted
    failed: list[LineFailure] = Field(default_factory=list)  # refusals with the marketplace's message


class InquiryKind(enum.StrEnum):
    PRODUCT = "product"  # 상품문의 (Q&A on the product page)
    ORDER = "order"  # 주문/고객 문의 about an order
    CALLCENTER = "callcenter"  # 고객센터(콜센터) 이관 문의


class ChannelInquiry(BaseModel):
    model_config = ConfigDict(frozen=True)

    marketplace: Marketplace
    inquiry_id: str = Field(min_length=1)
    kind: InquiryKind
    title: str = ""
    body: str
    asked_at: datetime
    buyer_name: str = ""  # as the marketplace shows it (often masked)
    buyer_id: str = ""
    order_id: str = ""
    order_line_id: str = ""
    product_id: str = ""
    product_name: str = ""
    option_text: str = ""
    category: str = ""  # the marketplace's inquiry type (배송/교환/반품/상품 …)
    answered: bool = False
    answer_id: str = ""
    answer_text: str = ""
    answered_at: datetime | None = None
    due_at: datetime | None = None  # the marketplace's answer deadline, when it publishes one
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("asked_at", "answered_at", "due_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)


class InquiryPage(BaseModel):
    inquiries: list[ChannelInquiry] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False


class InquiryAnswer(BaseModel):
    inquiry_id: str
    kind: InquiryKind
    text: str = Field(min_length=1)
    answer_id: str = ""  # set to edit an answer already sent (where the marketplace allows it)


class InquiryAnswerResult(BaseModel):
    done: list[str] = Field(default_factory=list)  # inquiry ids answered
    answer_ids: dict[str, str] = Field(default_factory=dict)  # inquiry id → the marketplace's answer id
    failed: list[LineFailure] = Field(default_factory=list)  # order_line_id holds the inquiry id
