"""The values every connector exchanges (pydantic v2). Marketplace quirks never leak past these:
times are aware UTC, money is an integer in the currency's smallest unit (won for KRW), ids are
strings, statuses are canonical with the marketplace's raw status kept beside them."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Marketplace(enum.StrEnum):
    NAVER = "naver"
    COUPANG = "coupang"
    SHOPIFY = "shopify"
    ELEVENST = "elevenst"
    GMARKET = "gmarket"  # ESM (one connector for both sites, the site as a parameter)
    AUCTION = "auction"
    CAFE24 = "cafe24"


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


class Progress(enum.StrEnum):
    """How far the marketplace has taken a line, whatever its claims (each connector declares the table
    from its own statuses; the OMS maps these onto its status flow)."""

    WAITING = "waiting"  # not payable/shippable yet: awaiting payment, on hold at the marketplace
    PAID = "paid"  # paid, not yet acknowledged (발주확인 전)
    CONFIRMED = "confirmed"  # acknowledged (발주확인 / 상품준비중 / fulfilment in progress)
    SHIPPED = "shipped"  # dispatched (송장 등록 / 배송지시 / fulfilled)
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"  # delivered or purchase-confirmed
    CANCELLED = "cancelled"
    RETURNED = "returned"


class Claim(enum.StrEnum):
    """A buyer's request the marketplace has not decided yet (the line must not ship meanwhile)."""

    NONE = ""
    CANCEL = "cancel"
    RETURN = "return"
    EXCHANGE = "exchange"


# canonical status → (progress, claim) for records that carry only a status (Excel uploads, old callers)
_FROM_STATUS: dict[str, tuple[Progress, Claim]] = {
    "new": (Progress.PAID, Claim.NONE), "confirmed": (Progress.CONFIRMED, Claim.NONE),
    "ready": (Progress.CONFIRMED, Claim.NONE), "shipped": (Progress.SHIPPED, Claim.NONE),
    "in_transit": (Progress.IN_TRANSIT, Claim.NONE), "delivered": (Progress.DELIVERED, Claim.NONE),
    "cancel_requested": (Progress.PAID, Claim.CANCEL), "cancelled": (Progress.CANCELLED, Claim.NONE),
    "return_requested": (Progress.DELIVERED, Claim.RETURN), "returned": (Progress.RETURNED, Claim.NONE),
    "exchange_requested": (Progress.DELIVERED, Claim.EXCHANGE), "hold": (Progress.WAITING, Claim.NONE),
}


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
    # the marketplace's progress and pending claim (derived from `status` when a record gives none)
    progress: Progress | None = None
    claim: Claim = Claim.NONE
    # the marketplace's shipment of the line, when it was dispatched there: its carrier code, the number
    tracking_number: str = ""
    carrier_code: str = ""
    dispatched_at: datetime | None = None

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
    dispatch_due: date | None = None  # the marketplace's own 출고기한 (KST date), where the payload has one

    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("ordered_at", "paid_at", "changed_at", "dispatched_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="before")
    @classmethod
    def _progress(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("progress") is None and data.get("status") is not None:
            progress, claim = _FROM_STATUS.get(str(data["status"]), (Progress.PAID, Claim.NONE))
            data = {**data, "progress": progress}
            if not data.get("claim"):
                data["claim"] = claim
        return data


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
    """One item a marketplace refused. For order operations `order_line_id` is the line; for listing
    operations (stock/price/sale status) `product_id`/`option_id` name the item and `order_line_id`
    repeats them as `"{product_id}:{option_id}"` so every failure has one printable key."""

    order_line_id: str
    code: str = ""
    message: str = ""
    retryable: bool = False
    product_id: str = ""
    option_id: str = ""


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
    # fulfilment and listings (a False flag means the method raises UnsupportedOperation)
    dispatch: bool = False  # 발송처리 / 송장 업로드
    delay: bool = False  # 발송지연 안내
    listings: bool = False  # list_listings / get_listing
    stock_update: bool = False
    price_update: bool = False
    sale_status: bool = False
    register_listing: bool = False  # register_listing / update_listing (쇼핑몰전송)
    compare_and_set: bool = False  # update_stock honours StockUpdate.expected_quantity at the marketplace
    categories: bool = False  # list_categories (the marketplace's category tree for registration)
    # customer service (cs_models.py) and settlement (settlement_models.py)
    claims: bool = False  # fetch_claims
    claim_decisions: bool = False  # decide_claims
    return_completion: bool = False  # decide_claims takes COMPLETE for a return (its goods are back and inspected)
    # the marketplace picks returned and exchanged goods up itself (Naver 자동 수거, Coupang 회수): the seller's
    # 승인 of a return or exchange request is no call — the marketplace's approve is the refund (a return:
    # COMPLETE after inspection) or the receipt (an exchange: RECEIVE when the item arrives)
    marketplace_collects: bool = False
    inquiries: bool = False  # fetch_inquiries
    inquiry_answers: bool = False  # answer_inquiries
    answer_edit: bool = False  # answer_inquiries with answer_id edits an answer already sent
    settlements: bool = False  # fetch_settlements


# --- fulfilment: dispatch (발송처리) and delay (발송지연) -----------------------------------------

DispatchMethod = Literal["parcel", "visit", "direct"]


class DispatchItem(BaseModel):
    """One order line to report as shipped. `carrier_code` is the OMS carrier code (e.g. "CJ");
    `marketplace_carrier_code` is that carrier's code AT THIS MARKETPLACE (Naver/Coupang
    `deliveryCompanyCode`, Shopify `trackingInfo.company`), resolved by the caller from
    `shipping.CarrierChannelCode` — connectors never read the database. For "visit" (방문수령) and
    "direct" (직접전달) no carrier or tracking number is needed."""

    order_line_id: str = Field(min_length=1)
    order_id: str = ""
    method: DispatchMethod = "parcel"
    carrier_code: str = ""
    marketplace_carrier_code: str = ""
    tracking_number: str = ""
    tracking_url: str = ""  # Shopify: sent as trackingInfo.url (Korean carriers are not auto-linked)
    shipped_at: datetime
    quantity: int | None = Field(default=None, ge=1)  # Shopify partial fulfilment; None = the whole line

    @field_validator("shipped_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware_utc(value)

    @field_validator("tracking_number")
    @classmethod
    def _strip_number(cls, value: str) -> str:
        return value.strip().replace("-", "").replace(" ", "")

    def missing(self) -> str:
        """Why this item cannot be sent as it is ("" when it can): a parcel needs both the
        marketplace carrier code and the tracking number. Connectors report it as a line failure."""
        if self.method == "parcel":
            if not self.marketplace_carrier_code:
                return f"마켓 택배사 코드가 없습니다 (택배사 {self.carrier_code or '미지정'})"
            if not self.tracking_number:
                return "송장번호가 없습니다"
        return ""


class DispatchResult(BaseModel):
    sent: list[str] = Field(default_factory=list)  # order_line_ids the marketplace accepted
    failed: list[LineFailure] = Field(default_factory=list)


class DelayItem(BaseModel):
    """발송지연 안내 for one line. `reason_code` is the marketplace's (Naver `delayedDispatchReason`:
    PRODUCT_PREPARE, CUSTOMER_REQUEST, CUSTOM_BUILD, RESERVED_DISPATCH, OVERSEA_DELIVERY, ETC)."""

    order_line_id: str = Field(min_length=1)
    order_id: str = ""
    expected_date: date
    reason_code: str = Field(min_length=1)
    message: str = Field(min_length=1)


class DelayResult(BaseModel):
    delayed: list[str] = Field(default_factory=list)
    failed: list[LineFailure] = Field(default_factory=list)


# --- listings (판매처 상품) ---------------------------------------------------------------------

SaleStatus = Literal["on_sale", "sold_out", "stopped"]


class ChannelListingOption(BaseModel):
    option_id: str  # Naver optionCombination id / Coupang vendorItemId / Shopify variant id
    name: str = ""
    stock: int = 0
    price_delta: int = 0  # added to ChannelListing.price
    seller_option_code: str = ""  # Naver sellerManagerCode / Coupang externalVendorSku / Shopify sku
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class ChannelListing(BaseModel):
    """One product as the marketplace holds it. `product_id` is the id orders carry
    (ChannelOrder.channel_product_id: Naver channel product no, Coupang sellerProductId, Shopify
    product id) and the id every other listing method takes. `option_id` of each option is the id
    orders carry as ChannelOrder.channel_option_id (Naver optionCode = option combination id, Coupang
    vendorItemId, Shopify variant id). Naver's origin product no (the id its stock/price/status APIs
    use) is kept in `origin_product_id`; connectors resolve it themselves.
    `price` is the base price and each option's `price_delta` is on top of it (Naver: the product's
    salePrice and each combination's price, which may be negative; Coupang/Shopify, which price every
    option on its own: the lowest option price and each option's difference to it)."""

    product_id: str
    origin_product_id: str = ""
    name: str = ""
    price: int = 0  # smallest currency unit (won)
    currency: str = "KRW"
    sale_status: SaleStatus = "on_sale"
    raw_status: str = ""
    seller_product_code: str = ""
    category_id: str = ""
    options: list[ChannelListingOption] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class ChannelCategory(BaseModel):
    """One node of the marketplace's category tree (Naver category, Coupang display category).
    `path` is the full name from the top ("패션의류 > 여성의류 > 니트"); only a `leaf` takes products."""

    id: str
    name: str
    path: str
    parent_id: str = ""
    leaf: bool = True


class ListingPage(BaseModel):
    listings: list[ChannelListing] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False


class ShippingFeeInfo(BaseModel):
    """배송비: "free" | "paid" (always `fee`) | "conditional" (free from `free_over`)."""

    fee_type: Literal["free", "paid", "conditional"] = "free"
    fee: int = Field(default=0, ge=0)
    free_over: int = Field(default=0, ge=0)
    return_fee: int = Field(default=0, ge=0)
    exchange_fee: int = Field(default=0, ge=0)


class ListingDraftOption(BaseModel):
    name: str = Field(min_length=1)  # "블랙 / M"; Naver/Coupang split on " / " into option groups
    price_delta: int = 0
    stock: int = Field(default=0, ge=0)
    seller_option_code: str = ""
    option_id: str = ""  # set on update_listing for options that already exist at the marketplace


class ListingDraft(BaseModel):
    """What the OMS sends to register (쇼핑몰전송) or rewrite a listing. Fields a marketplace requires
    and the draft lacks (category, images, ...) make the connector raise BusinessError naming them
    (nothing is sent)."""

    name: str = Field(min_length=1)
    price: int = Field(ge=0)
    sale_status: SaleStatus = "on_sale"
    category_id: str = ""
    shipping: ShippingFeeInfo = Field(default_factory=ShippingFeeInfo)
    options: list[ListingDraftOption] = Field(default_factory=list)
    seller_product_code: str = ""
    stock: int = Field(default=0, ge=0)  # for a listing without options
    image_urls: list[str] = Field(default_factory=list)
    description_html: str = ""
    brand: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)  # marketplace-specific fields merged into the payload


class KnownOption(BaseModel):
    """What the OMS already knows of one option of a listing at the marketplace (see KnownListing).
    None = not known (the connector reads the product before writing)."""

    option_id: str
    price_delta: int | None = None  # as in ChannelListingOption.price_delta
    stock: int | None = None  # what the option holds or is about to be given
    usable: bool = True


class KnownListing(BaseModel):
    """A listing as the OMS's own rows know it (listing, options, the last channel snapshot and what was
    last pushed), handed to `Connector.remember_listings` so a write need not read the product first
    (Naver's option-stock rewrites every option combination of the product, with its price).
    `options` empty = the product has no options."""

    product_id: str
    origin_product_id: str = ""
    price: int | None = None  # the base sale price the marketplace holds
    options: list[KnownOption] = Field(default_factory=list)


class StockUpdate(BaseModel):
    product_id: str
    option_id: str
    quantity: int = Field(ge=0)
    # compare-and-set: what the OMS believes the marketplace holds now (Shopify changeFromQuantity);
    # None = overwrite. Marketplaces without compare-and-set ignore it (capabilities.compare_and_set).
    expected_quantity: int | None = None


class StockUpdateResult(BaseModel):
    applied: list[tuple[str, str]] = Field(default_factory=list)  # (product_id, option_id)
    conflicts: list[tuple[str, str, int]] = Field(default_factory=list)  # (product_id, option_id, actual)
    failed: list[LineFailure] = Field(default_factory=list)


class PriceUpdate(BaseModel):
    """Sale price in won. `option_id` None = the product's base price (options keep their deltas);
    an option id = that option's total price (the connector turns it into what the marketplace wants)."""

    product_id: str
    option_id: str | None = None
    price: int = Field(ge=0)


class SaleStatusUpdate(BaseModel):
    product_id: str
    on_sale: bool


class ListingUpdateResult(BaseModel):
    applied: list[tuple[str, str]] = Field(default_factory=list)  # (product_id, option_id or "")
    failed: list[LineFailure] = Field(default_factory=list)


PriceUpdateResult = ListingUpdateResult
SaleStatusResult = ListingUpdateResult
