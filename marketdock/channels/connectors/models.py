"""The values every connector exchanges (pydantic v2). Marketplace quirks never leak past these:
times are aware UTC, money is an integer in the currency's smallest unit (won for KRW), ids are
strings, statuses are canonical with the marketplace's raw status kept beside them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Marketplace(enum.StrEnum):
    NAVER = "naver"
    COUPANG = "coupang"
    SHOPIFY = "shopify"


class OrderStatus(enum.StrEnum):
    """Canonical order-line status (the OMS speaks only these)."""

    NEW = "new"  # paid, not yet acknowledged (발주확인 전)
    CONFIRMED = "confirmed"  # acknowledged at the marketplace (발주확인/상품준비중)
    READY = "ready"  # being prepared / fulfilment in progress
    SHIPPED = "shipped"  # dispatched (tracking uploaded)
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"
    EXCHANGE_REQUESTED = "exchange_requested"
    HOLD = "hold"  # awaiting payment, on hold, or otherwise not shippable


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


class ChannelOrder(BaseModel):
    """One order line as a marketplace reports it. `order_line_id` is the unique key per marketplace
    account (Naver productOrderId, Coupang `{shipmentBoxId}-{vendorItemId}`, Shopify
    `{orderId}-{lineItemId}`)."""

    model_config = ConfigDict(frozen=True)

    marketplace: Marketplace
    order_id: str = Field(min_length=1)
    order_line_id: str = Field(min_length=1)
    bundle_id: str = ""  # shipment unit: Naver packageNumber, Coupang shipmentBoxId, Shopify order id
    ordered_at: datetime
    paid_at: datetime | None = None
    changed_at: datetime | None = None  # last change at the marketplace, when it says
    status: OrderStatus
    raw_status: str
    raw_claim_status: str = ""

    buyer_name: str = ""
    buyer_phone: str = ""
    buyer_email: str = ""
    recipient_name: str = ""
    recipient_phone: str = ""
    recipient_postal_code: str = ""
    recipient_address1: str = ""
    recipient_address2: str = ""
    recipient_city: str = ""  # only where the marketplace splits it (Shopify); Korean markets put it in address1
    recipient_region: str = ""
    recipient_country: str = "KR"
    delivery_message: str = ""
    address_changed: bool = False  # the marketplace flags a buyer address change after payment

    channel_product_id: str = ""
    channel_option_id: str = ""
    product_name: str = ""
    option_text: str = ""
    seller_product_code: str = ""
    seller_option_code: str = ""

    quantity: int = Field(ge=0)
    cancelled_quantity: int = Field(default=0, ge=0)
    currency: str = "KRW"
    unit_price: int = 0  # per unit, before discounts, smallest currency unit
    discount_amount: int = 0
    total_amount: int = 0  # what the buyer pays for this line (after line discounts, without shipping)
    shipping_fee: int = 0  # bundle shipping fee, carried by the first line of the bundle only

    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("ordered_at", "paid_at", "changed_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ChangedStatus(BaseModel):
    """One row of a marketplace change feed (Naver last-changed-statuses): which line changed, when,
    and how; the details are fetched separately."""

    model_config = ConfigDict(frozen=True)

    marketplace: Marketplace
    order_id: str
    order_line_id: str
    changed_at: datetime
    change_type: str
    raw_status: str
    raw_claim_status: str = ""
    address_changed: bool = False

    @field_validator("changed_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)


class RecordError(BaseModel):
    """A record the connector could not read. The page carries it so one bad order never stops the
    collection (it is quarantined with its payload)."""

    order_line_id: str = ""
    order_id: str = ""
    field: str
    message: str
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class FetchWindow(BaseModel):
    """[start, end] in aware datetimes. Connectors slice it to what the marketplace allows."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> FetchWindow:
        if self.end <= self.start:
            raise ValueError("window end must be after start")
        return self

    @classmethod
    def last(cls, duration: timedelta, *, now: datetime | None = None) -> FetchWindow:
        end = now or datetime.now(UTC)
        return cls(start=end - duration, end=end)


class OrderPage(BaseModel):
    orders: list[ChannelOrder] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False


class LineFailure(BaseModel):
    order_line_id: str
    code: str = ""
    message: str = ""
    retryable: bool = False


class ConfirmResult(BaseModel):
    confirmed: list[str] = Field(default_factory=list)
    failed: list[LineFailure] = Field(default_factory=list)
    address_changed: list[str] = Field(default_factory=list)  # re-read these before printing labels


class ConnectionStatus(BaseModel):
    ok: bool
    account_name: str = ""
    detail: str = ""


class Capabilities(BaseModel):
    model_config = ConfigDict(frozen=True)

    confirm: bool  # has a 발주확인 operation
    confirm_batch: int = 0  # ids per confirm call
    change_feed: bool  # fetch_orders returns lines *changed* in the window (else: created in it)
    max_window: timedelta  # per marketplace call; fetch_orders slices longer windows itself
    page_size: int
    line_key: str  # how order_line_id is built
