"""Request and response shapes of /api/v1/ (pydantic through django-ninja), each with an example."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict

from marketdock.core.params import date_param
from marketdock.orders.models import OrderStatus

Pk = Annotated[int, Field(ge=1, le=2**53)]


def _iso_day(value):
    """Only a YYYY-MM-DD date from 1970 to 2100: pydantic alone would read the number 0 as 1970-01-01."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = date_param(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError("YYYY-MM-DD date between 1970-01-01 and 2100-12-31")
    return parsed


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
OrderStatusCode = Literal[tuple(OrderStatus.values)]  # type: ignore[valid-type]


def _example(data: dict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [data]})


class Result(Schema):
    """One item of a bulk call: done or refused with the reason (the user's language)."""

    id: int
    ok: bool
    message: str


class BulkOut(Schema):
    ok_count: int
    results: list[Result]
    model_config = _example({"ok_count": 1, "results": [{"id": 12, "ok": True, "message": "신규 → 주문확정"}]})


# --- orders ---------------------------------------------------------------------------------------


class OrderLineOut(Schema):
    id: int
    channel_line_id: str
    product_name: str
    option_text: str
    seller_product_code: str
    seller_option_code: str
    quantity: int
    cancelled_quantity: int
    currency: str
    unit_price: int
    total_amount: int
    status: str
    claim: str
    match_status: str
    sku_id: int | None
    carrier_key: str
    tracking_number: str
    shipped_at: datetime | None


class OrderOut(Schema):
    id: int
    account_id: int
    channel_order_id: str
    bundle_id: str
    status: str
    ordered_at: datetime
    paid_at: datetime | None
    collected_at: datetime
    changed_at: datetime
    buyer_name: str
    buyer_phone: str
    recipient_name: str
    recipient_phone: str
    recipient_postal_code: str
    recipient_address1: str
    recipient_address2: str
    delivery_message: str
    currency: str
    total_amount: int
    shipping_fee: int
    is_matched: bool
    claim: str
    hold_reason: str
    dispatch_due: date | None
    shipped_at: datetime | None
    item_summary: str


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]


class OrderPageOut(Schema):
    items: list[OrderOut]
    next_cursor: str | None
    prev_cursor: str | None


class OrderQuery(Schema):
    account: list[Pk] = Field([], description="쇼핑몰 계정 id / channel account ids")
    date_field: Literal["ordered", "collected"] = "ordered"
    start: IsoDate | None = Field(None, description="시작일(KST) / start date", examples=["2026-12-01"])
    end: IsoDate | None = Field(None, description="종료일(KST) / end date", examples=["2026-12-07"])
    status: list[OrderStatusCode] = Field([], description="주문상태 / order statuses")
    matched: Literal["1", "0", ""] = ""
    name: str = Field("", max_length=100, description="주문자/수령자 이름 / buyer or recipient name")
    phone: str = Field("", max_length=30)
    product: str = Field("", max_length=100)
    order_no: str = Field("", max_length=120)
    due: Literal["today", "overdue", ""] = ""
    delayed: Literal["1", ""] = ""
    sort: Literal["-ordered_at", "ordered_at", "-collected_at", "collected_at", "-total_amount", "total_amount",
                  "dispatch_due"] = "-ordered_at"
    cursor: str = Field("", max_length=500, description="다음 페이지 커서 / the next_cursor of the previous page")
    size: int = Field(50, ge=1, le=500)


class StatusIn(Schema):
    status: OrderStatusCode
    reason: str = Field("", max_length=300)
    model_config = _example({"status": "confirmed", "reason": "ERP 확인"})


class OrderIdsIn(Schema):
    order_ids: list[Pk] = Field(..., min_length=1, max_length=500)
    reason: str = Field("", max_length=300)
    model_config = _example({"order_ids": [101, 102], "reason": "재고 확인 중"})


class TrackingIn(Schema):
    carrier: str = Field(..., min_length=1, max_length=30, description="택배사 키 / carrier key (e.g. cj)")
    number: str = Field(..., min_length=1, max_length=30, description="송장번호 / tracking number")
    line_ids: list[Pk] | None = Field(None, max_length=500,
                                       description="부분 출고할 상품 id (없으면 전체) / lines to ship (partial shipment)")
    model_config = _example({"carrier": "cj", "number": "630123456789", "line_ids": None})


class TrackingItem(Schema):
    order_id: Pk
    carrier: str = Field(..., min_length=1, max_length=30)
    number: str = Field(..., min_length=1, max_length=30)


class TrackingBulkIn(Schema):
    items: list[TrackingItem] = Field(..., min_length=1, max_length=500)
    model_config = _example({"items": [{"order_id": 101, "carrier": "cj", "number": "630123456789"}]})


class PackageOut(Schema):
    id: int
    status: str
    tracking_number: str
    shipped_at: datetime | None


# --- catalogue ------------------------------------------------------------------------------------


class OptionAxis(Schema):
    name: str = Field(..., min_length=1, max_length=30)
    values: list[str] = Field(..., min_length=1, max_length=100)


class SkuOut(Schema):
    id: int
    product_id: int
    code: str
    barcode: str
    option_values: dict[str, str]
    option_text: str
    price_delta: int
    status: str
    is_set: bool
    is_gift: bool
    safety_stock: int
    reorder_point: int


class ProductOut(Schema):
    id: int
    code: str
    seller_code: str
    name: str
    price: int
    cost: int
    tax_type: str
    status: str
    inventory_managed: bool
    option_axes: list[OptionAxis]
    memo: str
    skus: list[SkuOut]


class ProductPageOut(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class SkuPageOut(Schema):
    items: list[SkuOut]
    next_cursor: str | None


class ProductIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=200)
    seller_code: str = Field("", max_length=60)
    price: int = Field(0, ge=0, le=2**31 - 1)
    cost: int = Field(0, ge=0, le=2**31 - 1)
    tax_type: Literal["taxable", "exempt", "zero"] = "taxable"
    status: Literal["on_sale", "sold_out", "suspended", "discontinued"] = "on_sale"
    inventory_managed: bool = True
    memo: str = Field("", max_length=2000)
    option_axes: list[OptionAxis] = Field([], max_length=3)
    model_config = _example({"code": "TS-001", "name": "기본 티셔츠", "price": 19000,
                             "option_axes": [{"name": "색상", "values": ["흰색", "검정"]}]})


class ProductPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    seller_code: str | None = Field(None, max_length=60)
    price: int | None = Field(None, ge=0, le=2**31 - 1)
    cost: int | None = Field(None, ge=0, le=2**31 - 1)
    tax_type: Literal["taxable", "exempt", "zero"] | None = None
    status: Literal["on_sale", "sold_out", "suspended", "discontinued"] | None = None
    inventory_managed: bool | None = None
    memo: str | None = Field(None, max_length=2000)
    option_axes: list[OptionAxis] | None = Field(None, max_length=3)
    model_config = _example({"price": 21000, "status": "sold_out"})


class BarcodeIn(Schema):
    barcode: str = Field(..., min_length=1, max_length=60)
    model_config = _example({"barcode": "8801234567890"})


# --- stock and inbound ----------------------------------------------------------------------------


class StockOut(Schema):
    sku_id: int
    warehouse_id: int
    on_hand: int
    reserved: int
    available: int


class StockListOut(Schema):
    items: list[StockOut]


class StockAdjustIn(Schema):
    sku_id: int = Field(..., ge=1, le=2**53)
    warehouse_id: int | None = Field(None, ge=1, le=2**53, description="없으면 기본 창고 / default warehouse")
    quantity: int | None = Field(None, ge=-10**7, le=10**7, description="증감 수량 / signed change")
    set_to: int | None = Field(None, ge=0, le=10**7, description="이 수량으로 맞춤 / set on hand to")
    reason: str = Field(..., min_length=1, max_length=200)
    model_config = _example({"sku_id": 31, "quantity": -2, "reason": "파손"})


class StockAdjustBulkIn(Schema):
    items: list[StockAdjustIn] = Field(..., min_length=1, max_length=500)
    model_config = _example({"items": [{"sku_id": 31, "set_to": 40, "reason": "ERP 재고 동기화"}]})


class StockResultItem(Schema):
    sku_id: int
    ok: bool
    message: str
    on_hand: int | None


class StockBulkOut(Schema):
    ok_count: int
    results: list[StockResultItem]


class InboundLineIn(Schema):
    sku_id: int = Field(..., ge=1, le=2**53)
    quantity: int = Field(..., ge=1, le=10**7)


class InboundIn(Schema):
    warehouse_id: int | None = Field(None, ge=1, le=2**53, description="없으면 기본 창고 / default warehouse")
    expected_date: IsoDate | None = None
    supplier_name: str = Field("", max_length=100)
    memo: str = Field("", max_length=300)
    lines: list[InboundLineIn] = Field(..., min_length=1, max_length=1000)
    model_config = _example({"expected_date": "2026-12-10", "supplier_name": "한빛상사",
                             "lines": [{"sku_id": 31, "quantity": 100}]})


class InboundLineOut(Schema):
    id: int
    sku_id: int
    quantity: int
    confirmed_quantity: int


class InboundOut(Schema):
    id: int
    number: str
    warehouse_id: int
    status: str
    expected_date: date | None
    supplier_name: str
    confirmed_at: datetime | None
    lines: list[InboundLineOut]


class InboundConfirmIn(Schema):
    quantities: dict[str, int] | None = Field(None, description="{품목 id: 확정수량}, 없으면 남은 수량 전부 / "
                                                                "{line id: quantity}, none = everything remaining")
    model_config = _example({"quantities": None})


# --- channels, listings, changes --------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    kind: str
    name: str
    is_active: bool
    auto_collect: bool
    collect_every_minutes: int
    last_collected_at: datetime | None
    next_collect_at: datetime | None
    last_status: str
    last_error: str


class AccountListOut(Schema):
    items: list[AccountOut]


class CollectOut(Schema):
    job_id: int
    message: str


class ListingOptionOut(Schema):
    id: int
    channel_option_id: str
    name: str
    sku_id: int | None
    quantity: int
    channel_stock: int | None
    pushed_stock: int | None


class ListingOut(Schema):
    id: int
    account_id: int
    product_id: int
    channel_product_id: str
    name: str
    price: int
    currency: str
    sale_status: str
    status: str
    stock_pushed_at: datetime | None
    stock_push_pending: bool
    last_error: str
    options: list[ListingOptionOut]


class ListingPageOut(Schema):
    items: list[ListingOut]
    next_cursor: str | None


class ChangeOut(Schema):
    type: Literal["order", "stock"]
    id: int
    object_id: int
    kind: str
    at: datetime
    data: dict


class ChangesOut(Schema):
    items: list[ChangeOut]
    next_cursor: str
    has_more: bool
