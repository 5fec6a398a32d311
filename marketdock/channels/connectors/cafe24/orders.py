"""Cafe24 orders: reading `GET /api/v2/admin/orders` and its items into order lines.

- Statuses are per item (`order_status`, e.g. N10 상품준비중, N20 배송준비중, C00 취소신청); the
  STATUS_TABLE maps each to the canonical status, progress and pending claim like the other connectors.
  After payment an item waits in N10 상품준비중; the OMS's 발주확인 moves it to N20 배송준비중.
- There is no "changed since" filter: the collector's window is read once per date type (`pay_date`
  for newly paid orders, `shipbegin_date` for items shipped elsewhere, the claim request dates for
  cancels/returns/exchanges), each cut into pieces
  of at most MAX_WINDOW (Cafe24 refuses more than 3 months).
- `offset` may not exceed 15,000: before paging a piece its size is asked (`/orders/count`) and a piece
  holding more than one offset range can reach is halved (and halved again) until every half can be
  paged to the end. The cursor carries the pending pieces, so a restart continues where it stopped.
- Line ids are Cafe24's `order_item_code` (`20190320-0000024-01`); the order id is its first two parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from .. import values as v
from ..errors import BusinessError, MalformedPayload
from ..models import ChannelOrder, Claim, Marketplace, OrderStatus, Progress, RecordError
from .auth import MP

# The status table: Cafe24 item order_status → (canonical status, progress at Cafe24, pending claim).
_S = OrderStatus
_P = Progress
STATUS_TABLE: dict[str, tuple[OrderStatus, Progress, Claim]] = {
    "N00": (_S.HOLD, _P.WAITING, Claim.NONE),  # 입금전
    "N01": (_S.HOLD, _P.WAITING, Claim.NONE),  # 주문접수중
    "N02": (_S.HOLD, _P.WAITING, Claim.NONE),  # 입금전-카드결제대기
    "N03": (_S.HOLD, _P.WAITING, Claim.NONE),  # 입금전-결제확인중
    "N10": (_S.NEW, _P.PAID, Claim.NONE),  # 상품준비중 (paid, awaiting 발주확인)
    "N20": (_S.CONFIRMED, _P.CONFIRMED, Claim.NONE),  # 배송준비중 (발주확인)
    "N21": (_S.READY, _P.CONFIRMED, Claim.NONE),  # 배송대기
    "N22": (_S.HOLD, _P.CONFIRMED, Claim.NONE),  # 배송보류
    "N30": (_S.SHIPPED, _P.SHIPPED, Claim.NONE),  # 배송중
    "N40": (_S.DELIVERED, _P.DELIVERED, Claim.NONE),  # 배송완료
    "N50": (_S.DELIVERED, _P.DELIVERED, Claim.NONE),  # 구매확정
    "C00": (_S.CANCEL_REQUESTED, _P.PAID, Claim.CANCEL),  # 취소신청
    "C10": (_S.CANCEL_REQUESTED, _P.PAID, Claim.CANCEL),  # 취소접수-관리자
    "C11": (_S.NEW, _P.PAID, Claim.NONE),  # 취소접수거부 (the line goes on)
    "C34": (_S.CANCEL_REQUESTED, _P.PAID, Claim.CANCEL),  # 취소처리중-환불전
    "C35": (_S.CANCEL_REQUESTED, _P.PAID, Claim.CANCEL),  # 취소처리중-환불완료
    "C36": (_S.CANCEL_REQUESTED, _P.PAID, Claim.CANCEL),  # 취소처리중-환불보류
    "C40": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 취소완료
    "C41": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 취소완료-환불전
    "C42": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 취소완료-환불요청중
    "C43": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 취소완료-환불보류
    "C47": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 입금전취소-구매자
    "C48": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 입금전취소-자동취소
    "C49": (_S.CANCELLED, _P.CANCELLED, Claim.NONE),  # 입금전취소-관리자
    "R00": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품신청
    "R10": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품접수
    "R11": (_S.DELIVERED, _P.DELIVERED, Claim.NONE),  # 반품접수거부
    "R12": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품보류
    "R13": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품접수-수거완료(자동)
    "R20": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품수거완료
    "R30": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품처리중-수거전
    "R31": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품처리중-수거완료
    "R34": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품처리중-환불전
    "R36": (_S.RETURN_REQUESTED, _P.DELIVERED, Claim.RETURN),  # 반품처리중-환불보류
    "R40": (_S.RETURNED, _P.RETURNED, Claim.NONE),  # 반품완료-환불완료
    "R41": (_S.RETURNED, _P.RETURNED, Claim.NONE),  # 반품완료-환불전
    "R42": (_S.RETURNED, _P.RETURNED, Claim.NONE),  # 반품완료-환불요청중
    "R43": (_S.RETURNED, _P.RETURNED, Claim.NONE),  # 반품완료-환불보류
    "E00": (_S.EXCHANGE_REQUESTED, _P.DELIVERED, Claim.EXCHANGE),  # 교환신청
    "E10": (_S.EXCHANGE_REQUESTED, _P.DELIVERED, Claim.EXCHANGE),  # 교환접수
    "E11": (_S.DELIVERED, _P.DELIVERED, Claim.NONE),  # 교환접수거부
    "E12": (_S.EXCHANGE_REQUESTED, _P.DELIVERED, Claim.EXCHANGE),  # 교환보류
    "E13": (_S.EXCHANGE_REQUESTED, _P.DELIVERED, Claim.EXCHANGE),  # 교환접수-수거완료(자동)
    "E20": (_S.EXCHANGE_REQUESTED, _P.DELIVERED, Claim.EXCHANGE),  # 교환준비
    **{f"E3{d}": (_S.EXCHANGE_REQUESTED, _P.DELIVERED, Claim.EXCHANGE) for d in range(7)},  # 교환처리중
    "E40": (_S.DELIVERED, _P.DELIVERED, Claim.NONE),  # 교환완료
}
SHIPPED_PROGRESS = (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED)

# date types read each collection: newly paid orders, items shipped outside marketdock (the seller's own
# Cafe24 admin), then the claim requests of the window
DATE_TYPES = ("pay_date", "shipbegin_date", "cancel_request_date", "return_request_date", "exchange_request_date")
MAX_WINDOW = timedelta(days=89)  # Cafe24: at most 3 months per call
PAGE_SIZE = 1000  # `limit` 1–1000
MAX_OFFSET = 15_000
MIN_PIECE = timedelta(seconds=2)
EMBED = "items,receivers,buyer"


def order_id_of(line_id: str) -> str:
    parts = line_id.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise BusinessError(f"카페24 품주코드 형식이 아닙니다 (YYYYMMDD-0000000-00): {line_id!r}", marketplace=MP,
                            code="BAD_LINE_ID")
    return f"{parts[0]}-{parts[1]}"


def _money(value: Any, currency: str, field: str) -> int:
    return v.minor_units(value, currency, field, marketplace=MP)


def parse_order(order: Mapping[str, Any], prefix: str = "order") -> list[ChannelOrder]:
    """One Cafe24 order (with `items` embedded) → its lines. Raises MalformedPayload naming the field."""
    if not isinstance(order, Mapping):
        raise MalformedPayload(prefix, "주문 객체가 아닙니다", marketplace=MP, value=order)

    def txt(obj: Mapping[str, Any], name: str, path: str, required: bool = False) -> str:
        return v.text(obj.get(name), v.field_path(path, name), marketplace=MP, required=required)

    order_id = txt(order, "order_id", prefix, True)
    currency = txt(order, "currency", prefix) or "KRW"
    ordered_at = v.timestamp(order.get("order_date"), v.field_path(prefix, "order_date"), marketplace=MP)
    paid_at = v.timestamp(order.get("payment_date"), v.field_path(prefix, "payment_date"), marketplace=MP,
                          required=False)
    items = order.get("items")
    if items is None:
        return []  # an order read without embed=items carries no lines
    if not isinstance(items, list):
        raise MalformedPayload(v.field_path(prefix, "items"), "목록이 아닙니다", marketplace=MP, value=items)
    buyer = v.obj(order, "buyer", prefix, marketplace=MP)
    receivers = order.get("receivers") if isinstance(order.get("receivers"), list) else []
    amounts = v.obj(order, "actual_order_amount", prefix, marketplace=MP)
    shipping_fee = _money(amounts.get("shipping_fee"), currency, f"{prefix}.actual_order_amount.shipping_fee")
    lines: list[ChannelOrder] = []
    for index, item in enumerate(items):
        path = f"{prefix}.items[{index}]"
        if not isinstance(item, Mapping):
            raise MalformedPayload(path, "객체가 아닙니다", marketplace=MP, value=item)
        code = txt(item, "order_status", path, True)
        if code not in STATUS_TABLE:
            raise MalformedPayload(v.field_path(path, "order_status"), "알 수 없는 주문 상태입니다", marketplace=MP,
                                   value=code)
        status, progress, claim = STATUS_TABLE[code]
        quantity = v.integer(item.get("quantity"), v.field_path(path, "quantity"), marketplace=MP)
        if quantity < 0:
            raise MalformedPayload(v.field_path(path, "quantity"), "음수입니다", marketplace=MP, value=quantity)
        unit = (_money(item.get("product_price"), currency, v.field_path(path, "product_price"))
                + _money(item.get("option_price"), currency, v.field_path(path, "option_price")))
        discount = sum(_money(item.get(name), currency, v.field_path(path, name))
                       for name in ("additional_discount_price", "coupon_discount_price", "app_item_discount_amount"))
        shipping_code = txt(item, "shipping_code", path)
        receiver = next((r for r in receivers if isinstance(r, Mapping) and shipping_code
                         and r.get("shipping_code") == shipping_code), receivers[0] if receivers else {})
        if not isinstance(receiver, Mapping):
            receiver = {}
        shipped = progress in SHIPPED_PROGRESS
        lines.append(ChannelOrder(
            marketplace=Marketplace.CAFE24,
            order_id=order_id,
            order_line_id=txt(item, "order_item_code", path, True),
            bundle_id=order_id,
            ordered_at=ordered_at,
            paid_at=paid_at,
            status=status,
            raw_status=code,
            raw_claim_status=code if claim else "",
            progress=progress,
            claim=claim,
            tracking_number=txt(item, "tracking_no", path) if shipped else "",
            # the mall's 4-digit codes differ per mall: the carrier's name says which carrier it is
            carrier_code=(txt(item, "shipping_company_name", path) or txt(item, "shipping_company_code", path))
            if shipped else "",
            dispatched_at=v.timestamp(item.get("shipped_date"), v.field_path(path, "shipped_date"), marketplace=MP,
                                      required=False) if shipped else None,
            buyer_name=txt(buyer, "name", f"{prefix}.buyer") or txt(order, "billing_name", prefix),
            buyer_phone=txt(buyer, "cellphone", f"{prefix}.buyer") or txt(buyer, "phone", f"{prefix}.buyer"),
            buyer_email=txt(buyer, "email", f"{prefix}.buyer"),
            recipient_name=txt(receiver, "name", f"{prefix}.receivers"),
            recipient_phone=txt(receiver, "cellphone", f"{prefix}.receivers") or txt(receiver, "phone",
                                                                                       f"{prefix}.receivers"),
            recipient_postal_code=txt(receiver, "zipcode", f"{prefix}.receivers"),
            recipient_address1=txt(receiver, "address1", f"{prefix}.receivers"),
            recipient_address2=txt(receiver, "address2", f"{prefix}.receivers"),
            delivery_message=txt(receiver, "shipping_message", f"{prefix}.receivers"),
            channel_product_id=txt(item, "product_no", path),
            channel_option_id=txt(item, "variant_code", path),
            product_name=txt(item, "product_name", path),
            option_text=txt(item, "option_value", path),
            seller_product_code=txt(item, "custom_product_code", path),
            seller_option_code=txt(item, "custom_variant_code", path),
            quantity=quantity,
            cancelled_quantity=quantity if status == OrderStatus.CANCELLED else 0,
            currency=currency,
            unit_price=unit,
            discount_amount=discount,
            total_amount=unit * quantity - discount,
            shipping_fee=shipping_fee if index == 0 else 0,
            raw={"order_id": order_id, **dict(item)},
        ))
    return lines


def parse_orders(body: Any) -> tuple[list[ChannelOrder], list[RecordError], int]:
    """An orders list answer (`{"orders": [...]}`) → (lines, unreadable orders, number of orders)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("orders"), list):
        raise MalformedPayload("orders", "주문 목록(orders)이 없습니다", marketplace=MP)
    lines: list[ChannelOrder] = []
    errors: list[RecordError] = []
    for index, order in enumerate(body["orders"]):
        path = f"orders[{index}]"
        try:
            lines.extend(parse_order(order, path))
        except MalformedPayload as exc:
            raw = order if isinstance(order, dict) else {"value": order}
            errors.append(RecordError(order_id=str(raw.get("order_id") or ""), field=exc.field, message=str(exc),
                                      raw=raw))
        except ValidationError as exc:
            raw = order if isinstance(order, dict) else {"value": order}
            first = exc.errors()[0]
            errors.append(RecordError(order_id=str(raw.get("order_id") or ""),
                                      field=f"{path}." + ".".join(str(p) for p in first["loc"]), message=first["msg"],
                                      raw=raw))
    return lines, errors, len(body["orders"])


# --- write answers (for `channels normalize` and the connector) -----------------------------

class WriteOutcome(BaseModel):
    """One order (or shipment) of a Cafe24 batch-write answer: what Cafe24 says it did."""

    marketplace: Marketplace = Marketplace.CAFE24
    operation: str  # "process_status" | "shipment"
    order_id: str
    order_line_ids: list[str] = Field(default_factory=list)
    status: str = ""
    shipping_code: str = ""
    tracking_number: str = ""
    carrier_code: str = ""


def parse_write_answer(body: Mapping[str, Any]) -> list[WriteOutcome]:
    """`{"orders": [{process_status, order_item_code}]}` (배송준비중 etc.) or `{"shipments": [...]}`."""
    outcomes: list[WriteOutcome] = []
    if isinstance(body.get("shipments"), list):
        for index, row in enumerate(body["shipments"]):
            path = f"shipments[{index}]"
            if not isinstance(row, Mapping):
                raise MalformedPayload(path, "객체가 아닙니다", marketplace=MP, value=row)
            codes = row.get("order_item_code") or []
            if not isinstance(codes, list):
                raise MalformedPayload(f"{path}.order_item_code", "목록이 아닙니다", marketplace=MP, value=codes)
            outcomes.append(WriteOutcome(
                operation="shipment", order_id=v.text(row.get("order_id"), f"{path}.order_id", marketplace=MP,
                                                       required=True),
                order_line_ids=[str(c) for c in codes], status=str(row.get("status") or ""),
                shipping_code=str(row.get("shipping_code") or ""), tracking_number=str(row.get("tracking_no") or ""),
                carrier_code=str(row.get("shipping_company_code") or "")))
        return outcomes
    for index, row in enumerate(body.get("orders") or []):
        path = f"orders[{index}]"
        if not isinstance(row, Mapping):
            raise MalformedPayload(path, "객체가 아닙니다", marketplace=MP, value=row)
        codes = row.get("order_item_code") or []
        if not isinstance(codes, list):
            raise MalformedPayload(f"{path}.order_item_code", "목록이 아닙니다", marketplace=MP, value=codes)
        outcomes.append(WriteOutcome(
            operation="process_status", order_id=v.text(row.get("order_id"), f"{path}.order_id", marketplace=MP,
                                                         required=True),
            order_line_ids=[str(c) for c in codes], status=str(row.get("process_status") or "")))
    return outcomes


def parse_payload(payload: Any) -> list[ChannelOrder] | list[WriteOutcome]:
    """A saved Cafe24 answer → order lines (`{"order": …}` or `{"orders": [...]}` with items), or for a
    batch-write answer (배송준비중 `process_status`, shipments) what it reports per order. Strict: the
    first malformed record raises MalformedPayload."""
    if not isinstance(payload, Mapping):
        raise MalformedPayload("(본문)", "JSON 객체가 아닙니다", marketplace=MP)
    if isinstance(payload.get("order"), Mapping):
        return parse_order(payload["order"], "order")
    if isinstance(payload.get("shipments"), list) or (
            isinstance(payload.get("orders"), list) and payload["orders"]
            and all(isinstance(o, Mapping) and "process_status" in o for o in payload["orders"])):
        return parse_write_answer(payload)
    lines, errors, _count = parse_orders(payload)
    if errors:
        raise MalformedPayload(errors[0].field, errors[0].message, marketplace=MP)
    return lines


# --- windows -----------------------------------------------------------------------------------

def window_pieces(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end] cut into pieces of at most MAX_WINDOW (whole seconds, KST)."""
    start = start.astimezone(v.KST).replace(microsecond=0)
    end = end.astimezone(v.KST)
    if end.microsecond:
        end = end.replace(microsecond=0) + timedelta(seconds=1)
    pieces = []
    while start < end:
        stop = min(end, start + MAX_WINDOW)
        pieces.append((start, stop))
        start = stop
    return pieces


def halves(piece: tuple[datetime, datetime]) -> list[tuple[datetime, datetime]]:
    start, end = piece
    middle = (start + (end - start) / 2).replace(microsecond=0)
    if end - start < MIN_PIECE or middle <= start:
        raise BusinessError("카페24 주문이 1초 안에 15,000건을 넘어 더 나눌 수 없습니다", marketplace=MP, code="WINDOW_TOO_DENSE")
    return [(start, middle), (middle, end)]


def query_time(moment: datetime) -> str:
    """start_date/end_date as KST `YYYY-MM-DD HH:MM:SS` ([UNCONFIRMED] that Cafe24 reads the time part;
    with dates only it widens the piece to whole days, which the overlap and upsert absorb)."""
    return moment.astimezone(v.KST).strftime("%Y-%m-%d %H:%M:%S")


def encode_pieces(pieces: Sequence[tuple[datetime, datetime]]) -> list[list[str]]:
    return [[s.isoformat(), e.isoformat()] for s, e in pieces]


def decode_pieces(raw: Any) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(s), datetime.fromisoformat(e)) for s, e in raw]
