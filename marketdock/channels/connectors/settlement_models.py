"""What connectors exchange for settlement (issue 14): the marketplace's own record of what it paid
or will pay, line by line. Money is an integer in the currency's minor unit; a deduction is a
positive number in its own field (commission 1,200 means 1,200 KRW taken), and `payout_amount` is
the signed net the seller receives for the record (negative for a refund after payout)."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .models import Marketplace, RecordError


class SettlementKind(enum.StrEnum):
    SALE = "sale"  # a sold line settled
    REFUND = "refund"  # money given back (cancel/return after or before payout)
    SHIPPING = "shipping"  # shipping fee settled on its own row
    FEE = "fee"  # a charge not tied to a line (ads, service fee, …)
    ADJUSTMENT = "adjustment"  # anything else the marketplace books (compensation, correction)


class ChannelSettlement(BaseModel):
    """One settled row. `record_id` is unique per account and stable across re-imports (the
    marketplace's row id, or a key built from its fields when it has none)."""

    model_config = ConfigDict(frozen=True)

    marketplace: Marketplace
    record_id: str = Field(min_length=1)
    kind: SettlementKind
    order_id: str = ""
    order_line_id: str = ""  # empty for rows not tied to a line (fees)
    settle_date: date  # the date the marketplace counts the row in (정산기준일)
    pay_date: date | None = None  # 지급(예정)일
    paid: bool = False  # True once the money was paid out (False: scheduled)
    currency: str = "KRW"
    sale_amount: int = 0  # 판매금액 (after seller discounts, before marketplace deductions)
    seller_discount: int = 0
    marketplace_discount: int = 0  # discounts the marketplace funded (added back to the seller)
    shipping_fee: int = 0
    sale_commission: int = 0  # 판매수수료
    payment_commission: int = 0  # 결제(PG) 수수료
    shipping_commission: int = 0
    other_fee: int = 0
    payout_amount: int  # the net for the row, signed
    payout_id: str = ""  # the marketplace's payout / settlement batch id
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class SettlementPage(BaseModel):
    records: list[ChannelSettlement] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False
