"""What connectors exchange for settlement (issue 14): the marketplace's own record of what it paid
or will pay, line by line. Money is an integer in the currency's minor unit; a deduction is a
positive number in its own field (commission 1,200 means 1,200 KRW taken), and `payout_amount` is
the signed net the seller receives for the record (negative for a refund after payout)."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any, Literal

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

    marketplace: Marketplace | Literal["manual"]  # "manual": a settlement file of a channel without an API
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
    item_id: str = ""  # the marketplace's item id when it reports per order + item, not per line (Coupang)
    match_key: str = ""  # what our order lines are matched on when it is not order_line_id (see
    # Connector.settlement_match_key: Coupang order + item, Shopify the order)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        return self.match_key or self.order_line_id

    @property
    def deductions(self) -> int:
        return self.sale_commission + self.payment_commission + self.shipping_commission + self.other_fee


class ChannelPayout(BaseModel):
    """One payout (지급) batch as the marketplace reports it: Coupang settlement-histories, Shopify
    payouts, Naver settle/daily. Optional context for the rows of a page (which batch, paid or not)."""

    model_config = ConfigDict(frozen=True)

    marketplace: Marketplace
    payout_id: str = Field(min_length=1)
    pay_date: date | None = None
    paid: bool = False
    currency: str = "KRW"
    gross_amount: int = 0  # sales before the marketplace's deductions
    fee_amount: int = 0  # everything the marketplace kept
    payout_amount: int  # what reaches (or reached) the bank account, signed
    kind: str = ""  # the marketplace's own label (WEEKLY, MONTHLY, …), shown as is only in raw views
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class SettlementPage(BaseModel):
    records: list[ChannelSettlement] = Field(default_factory=list)
    payouts: list[ChannelPayout] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False

