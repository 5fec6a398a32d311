"""ESM RequestOrders responses → order lines.

Envelope `{ResultCode, Message, Data: {SiteType, PageIndex, PageSize, TotalCount, RequestOrders: [...]}}`.
One record is one order line: `OrderNo` (주문번호, per line) is the line key, `PayNo` (결제번호 /
장바구니) groups the lines one buyer paid together (the order, and the shipping bundle).
Times are KST without offset (`2019-04-10T17:45:50.507`). Field names are third-party
(marketplaces.md §6); those beyond §6's list — buyer/receiver/address fields, the tracking number
`NoSongjang` and its carrier — are marked UNCONFIRMED where read, and read tolerantly (any of the
spellings integrators report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from .. import values as v
from ..errors import BusinessError, MalformedPayload
from ..models import ChannelOrder, Claim, Marketplace, OrderStatus, Progress, RecordError
from .statuses import SITES, STATUS_TABLE

SITE_OF_TYPE = {str(site.site_type): code for code, site in SITES.items()}
SHIPPED = (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED)


def marketplace_of(site: str) -> Marketplace:
    return Marketplace.GMARKET if site == "gmarket" else Marketplace.AUCTION


def _first(record: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def _options(record: Mapping[str, Any], prefix: str, mp: str) -> tuple[str, str]:
    """(option text, option code) from ItemOptionSelectList (선택 옵션) + ItemOptionAdditionList (추가 구성)."""
    texts: list[str] = []
    codes: list[str] = []
    for key in ("ItemOptionSelectList", "ItemOptionAdditionList"):
        items = record.get(key)
        if items in (None, ""):
            continue
        if not isinstance(items, list):
            raise MalformedPayload(v.field_path(prefix, key), "목록이 아닙니다", marketplace=mp, value=items)
        for item in items:
            if not isinstance(item, Mapping):
                raise MalformedPayload(v.field_path(prefix, key), "옵션 항목이 객체가 아닙니다", marketplace=mp, value=item)
            if item.get("ItemOptionValue"):
                texts.append(str(item["ItemOptionValue"]).strip())
            if item.get("ItemOptionCode"):
                codes.append(str(item["ItemOptionCode"]).strip())
    return " / ".join(texts), ",".join(codes)


def parse_order(record: Mapping[str, Any], site: str, prefix: str = "RequestOrders[0]", *,
                default_status: str = "", with_shipping_fee: bool = True) -> ChannelOrder:
    mp = site

    def txt(*names: str, required: bool = False) -> str:
        value = _first(record, *names)
        return v.text(value if value is None else str(value), v.field_path(prefix, names[0]), marketplace=mp,
                      required=required)

    def num(*names: str, required: bool = False) -> int:
        return v.integer(_first(record, *names), v.field_path(prefix, names[0]), marketplace=mp, required=required)

    if not isinstance(record, Mapping):
        raise MalformedPayload(prefix, "주문 항목이 객체가 아닙니다", marketplace=mp, value=record)
    order_no = txt("OrderNo", required=True)
    status_raw = _first(record, "OrderStatus")
    stage = str(status_raw).strip() if status_raw not in (None, "") else default_status
    if stage not in STATUS_TABLE:
        raise MalformedPayload(v.field_path(prefix, "OrderStatus"), "알 수 없는 주문 상태입니다", marketplace=mp,
                               value=status_raw)
    status, progress, claim = STATUS_TABLE[stage]
    quantity = num("ContrAmount", required=True)
    if quantity < 0:
        raise MalformedPayload(v.field_path(prefix, "ContrAmount"), "음수입니다", marketplace=mp, value=quantity)
    unit = num("SalePrice", required=True)
    amount = num("OrderAmount") if _first(record, "OrderAmount") is not None else unit * quantity
    discount = num("SellerDiscountPrice") + num("DirectDiscountPrice")
    option_text, option_code = _options(record, prefix, mp)
    shipped = progress in SHIPPED
    pay_no = txt("PayNo")
    return ChannelOrder(
        marketplace=marketplace_of(site),
        order_id=pay_no or order_no,
        order_line_id=order_no,
        bundle_id=pay_no,
        ordered_at=v.timestamp(_first(record, "OrderDate"), v.field_path(prefix, "OrderDate"), marketplace=mp),
        paid_at=v.timestamp(_first(record, "PayDate"), v.field_path(prefix, "PayDate"), marketplace=mp,
                            required=False),
        status=status,
        raw_status=stage,
        progress=progress,
        claim=claim if claim else Claim.NONE,
        # UNCONFIRMED: the tracking number (NoSongjang) and carrier fields of shipped lines
        tracking_number=txt("NoSongjang", "InvoiceNo") if shipped else "",
        carrier_code=txt("DeliveryCompanyCode", "DelComCode") if shipped else "",
        dispatched_at=v.timestamp(_first(record, "TransDate"), v.field_path(prefix, "TransDate"), marketplace=mp,
                                  required=False) if shipped else None,
        # UNCONFIRMED: buyer / receiver / address field names (third-party spellings)
        buyer_name=txt("BuyerName"),
        buyer_phone=txt("BuyerMobileTel", "BuyerTel"),
        recipient_name=txt("ReceiverName"),
        recipient_phone=txt("HpNo", "ReceiverMobileTel", "TelNo"),
        recipient_postal_code=txt("ZipCode", "DelZipCode"),
        recipient_address1=txt("DelFullAddress", "DelAddress"),
        recipient_address2=txt("DelAddressDetail"),
        delivery_message=txt("DelMemo"),
        channel_product_id=txt("SiteGoodsNo"),
        channel_option_id=option_code,
        product_name=txt("GoodsName"),
        option_text=option_text,
        seller_product_code=txt("OutGoodsNo", "OutGoods"),
        seller_option_code=txt("SKUNo"),
        quantity=quantity,
        currency="KRW",
        unit_price=unit,
        discount_amount=discount,
        total_amount=amount - discount,
        shipping_fee=num("ShippingFee") if with_shipping_fee else 0,
        raw=dict(record),
    )


def result_of(payload: Any, mp: str) -> tuple[int, str]:
    """(ResultCode, Message) of an envelope. Raises MalformedPayload when there is none."""
    if not isinstance(payload, Mapping) or "ResultCode" not in payload:
        raise MalformedPayload("ResultCode", "ESM 응답 형식이 아닙니다", marketplace=mp)
    code = v.integer(payload.get("ResultCode"), "ResultCode", marketplace=mp)
    return code, str(payload.get("Message") or "")


def site_of(payload: Any, site: str | None) -> str:
    """The site of a RequestOrders response: `site` when the caller knows it, else Data.SiteType."""
    data = payload.get("Data") if isinstance(payload, Mapping) else None
    raw = data.get("SiteType") if isinstance(data, Mapping) else None
    found = SITE_OF_TYPE.get(str(raw).strip()) if raw not in (None, "") else None
    if raw not in (None, "") and found is None:
        raise MalformedPayload("Data.SiteType", "G마켓(2)·옥션(1)이 아닙니다", marketplace=site or "esm", value=raw)
    if site and found and site != found:
        raise BusinessError(f"응답의 사이트({SITES[found].name})가 이 계정의 사이트({SITES[site].name})와 다릅니다",
                            marketplace=site, code="SITE_MISMATCH")
    if site or found:
        return site or found  # type: ignore[return-value]
    raise MalformedPayload("Data.SiteType", "사이트(G마켓·옥션)를 알 수 없습니다 — --kind gmarket 또는 auction으로 지정하세요",
                           marketplace="esm")


def parse_orders(payload: Any, site: str | None = None, default_status: str = ""
                 ) -> tuple[list[ChannelOrder], list[RecordError], int]:
    """(lines, malformed records, TotalCount) of one RequestOrders response. A malformed record becomes a
    RecordError and the rest go on; the bundle's (PayNo's) shipping fee is carried by its first line."""
    site = site_of(payload, site)
    data = payload.get("Data") if isinstance(payload, Mapping) else None
    if data in (None, ""):
        return [], [], 0
    if not isinstance(data, Mapping):
        raise MalformedPayload("Data", "객체가 아닙니다", marketplace=site, value=data)
    records = data.get("RequestOrders") or []
    if not isinstance(records, Sequence) or isinstance(records, (str, bytes)):
        raise MalformedPayload("Data.RequestOrders", "목록이 아닙니다", marketplace=site, value=records)
    total = v.integer(data.get("TotalCount"), "Data.TotalCount", marketplace=site, required=False, default=len(records))
    orders: list[ChannelOrder] = []
    errors: list[RecordError] = []
    fee_taken: set[str] = set()
    for index, record in enumerate(records):
        path = f"Data.RequestOrders[{index}]"
        ids = (str(record.get("PayNo") or record.get("OrderNo") or ""), str(record.get("OrderNo") or "")) \
            if isinstance(record, Mapping) else ("", "")
        bundle = ids[0] if isinstance(record, Mapping) and record.get("PayNo") else ""
        try:
            orders.append(parse_order(record, site, path, default_status=default_status,
                                      with_shipping_fee=not bundle or bundle not in fee_taken))
            if bundle:
                fee_taken.add(bundle)
        except MalformedPayload as exc:
            errors.append(RecordError(order_id=ids[0], order_line_id=ids[1], field=exc.field, message=str(exc),
                                      raw=dict(record) if isinstance(record, Mapping) else {"value": record}))
        except ValidationError as exc:
            first = exc.errors()[0]
            errors.append(RecordError(order_id=ids[0], order_line_id=ids[1],
                                      field=f"{path}." + ".".join(str(p) for p in first["loc"]),
                                      message=first["msg"], raw=dict(record) if isinstance(record, Mapping) else {}))
    return orders, errors, total


def parse_payload(payload: Any, site: str | None = None) -> list[ChannelOrder]:
    """A saved RequestOrders response → order lines (strict: the first malformed record raises).
    `site` None: read from Data.SiteType."""
    mp = site or "esm"
    code, message = result_of(payload, mp)
    if code != 0:
        raise MalformedPayload("ResultCode", f"오류 응답입니다 ({code}: {message})", marketplace=mp, value=code)
    orders, errors, _total = parse_orders(payload, site)
    if errors:
        raise MalformedPayload(errors[0].field, errors[0].message, marketplace=mp)
    return orders


__all__ = ["OrderStatus", "parse_order", "parse_orders", "parse_payload", "site_of", "marketplace_of", "result_of"]
