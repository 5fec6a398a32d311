"""Settlement files for channels without a settlement API (11번가, G마켓/옥션, 카페24 PG, 기타): per-channel
column mappings (several spellings per field; the header row is found among the first rows) turning
each row into a ChannelSettlement, and `file_rows` reading an upload (bounded by core/uploads.py) for the
upload service (`services.settlement_file_import`), which stores them through the same idempotent import as
the API.

Headers follow the seller centers' settlement downloads as integrators reproduce them [UNCONFIRMED —
no published sample]: 11번가 셀러오피스 › 정산관리 › 정산내역, ESM+ › 정산관리 › 정산내역(판매대금),
카페24 › 결제대행(PG) 정산내역; the 기타 format is marketdock's own (`TEMPLATE_HEADERS`). A deduction is a
positive number; a refund row is a row whose 구분 says 환불/취소/반품 or whose amounts are negative."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.channels.connectors.models import Marketplace, RecordError
from marketdock.channels.connectors.settlement_models import ChannelSettlement, SettlementKind
from marketdock.core.uploads import UploadRejected, normalise_header, open_xlsx

MAX_ROWS = 50_000
HEADER_SEARCH = 10  # title rows above the header

_COMMON = {
    "record_id": ("정산번호", "정산내역번호", "정산id"),
    "kind": ("구분", "정산구분", "거래구분", "매출구분"),
    "settle_date": ("정산기준일", "정산일", "정산확정일", "매출인식일", "구매확정일"),
    "pay_date": ("지급일", "송금일", "지급예정일", "정산지급일", "입금예정일"),
    "sale_amount": ("판매금액", "매출금액", "결제금액", "판매가합계"),
    "seller_discount": ("판매자할인", "판매자부담할인", "판매자쿠폰"),
    "marketplace_discount": ("마켓할인", "쇼핑몰부담할인", "11번가할인", "g마켓할인", "옥션할인"),
    "shipping_fee": ("배송비",),
    "sale_commission": ("판매수수료", "서비스이용료", "서비스수수료"),
    "payment_commission": ("결제수수료", "pg수수료", "카드수수료"),
    "shipping_commission": ("배송비수수료",),
    "other_fee": ("기타수수료", "기타차감", "광고비"),
    "payout_amount": ("정산금액", "지급금액", "정산예정금액", "송금액"),
}

FORMATS: dict[str, dict[str, Any]] = {
    "elevenst": dict(name=gettext_lazy("11번가 정산내역"), marketplace=Marketplace.ELEVENST,
                     columns={**_COMMON, "order_id": ("주문번호",), "line_no": ("주문순번",)}, line="{order_id}-{line_no}"),
    "gmarket": dict(name=gettext_lazy("G마켓 정산내역(ESM+)"), marketplace=Marketplace.GMARKET,
                    columns={**_COMMON, "order_id": ("장바구니번호", "결제번호"), "line_no": ("주문번호",)}, line="{line_no}"),
    "auction": dict(name=gettext_lazy("옥션 정산내역(ESM+)"), marketplace=Marketplace.AUCTION,
                    columns={**_COMMON, "order_id": ("장바구니번호", "결제번호"), "line_no": ("주문번호",)}, line="{line_no}"),
    "cafe24": dict(name=gettext_lazy("카페24 결제대행(PG) 정산내역"), marketplace=Marketplace.CAFE24,
                   columns={**_COMMON, "order_id": ("주문번호",), "line_no": ("품목별주문번호", "품목주문번호")},
                   line="{line_no}"),
    "manual": dict(name=gettext_lazy("marketdock 정산 양식"), marketplace=None,
                   columns={**_COMMON, "order_id": ("주문번호",), "line_no": ("주문상세번호",)}, line="{line_no}"),
}
REQUIRED = ("order_id", "settle_date", "payout_amount")
_MONEY = ("sale_amount", "seller_discount", "marketplace_discount", "shipping_fee", "sale_commission",
          "payment_commission", "shipping_commission", "other_fee", "payout_amount")
_REFUND_WORDS = ("환불", "취소", "반품", "refund")
_SHIPPING_WORDS = ("배송비",)
_FEE_WORDS = ("수수료", "광고", "차감", "fee")
TEMPLATE_HEADERS = ("정산번호", "구분", "주문번호", "주문상세번호", "정산기준일", "지급일", "판매금액", "판매자할인",
                    "쇼핑몰부담할인", "배송비", "판매수수료", "결제수수료", "배송비수수료", "기타수수료", "정산금액")


def format_for(kind: str) -> dict[str, Any]:
    return FORMATS.get(kind, FORMATS["manual"])


def _columns(header: tuple, columns: dict[str, tuple]) -> dict[str, int]:
    cells = [normalise_header(v) for v in header]
    found: dict[str, int] = {}
    for name, spellings in columns.items():
        for spelling in spellings:
            key = normalise_header(spelling)
            if key in cells:
                found[name] = cells.index(key)
                break
    return found


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace(".", "-").replace("/", "-")[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        if len(text) >= 8 and text[:8].isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        raise ValueError(value) from None


def _money(value: Any) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != int(value):
            raise ValueError(value)
        return int(value)
    text = str(value).strip().replace(",", "").replace("원", "")
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    return int(text)


def _kind(label: str, payout: int, shipping: int, sale: int) -> SettlementKind:
    text = label.lower()
    if any(w in text for w in _REFUND_WORDS) or payout < 0 and sale <= 0:
        return SettlementKind.REFUND
    if any(w in text for w in _SHIPPING_WORDS) or shipping and not sale:
        return SettlementKind.SHIPPING
    if any(w in text for w in _FEE_WORDS):
        return SettlementKind.FEE
    return SettlementKind.SALE


def parse_rows(kind: str, rows, marketplace: str) -> tuple[list[ChannelSettlement], list[RecordError]]:
    """(row number, values) of a sheet → settlement rows and Korean row errors. Raises UploadRejected
    when no header row has the required columns."""
    fmt = format_for(kind)
    columns: dict[str, int] | None = None
    records: list[ChannelSettlement] = []
    errors: list[RecordError] = []
    for number, values in rows:
        if columns is None:
            found = _columns(values, fmt["columns"])
            if all(name in found for name in REQUIRED):
                columns = found
            elif number >= HEADER_SEARCH:
                break
            continue
        if not any(v not in (None, "") for v in values):
            continue
        cell = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        try:
            records.append(_record(fmt, cell, marketplace, number))
        except RowError as exc:
            errors.append(RecordError(order_id=str(cell.get("order_id") or ""), field=f"{number}행", message=str(exc),
                                      raw={"row": number}))
        except (ValueError, TypeError) as exc:
            errors.append(RecordError(order_id=str(cell.get("order_id") or ""), field=f"{number}행",
                                      message=_("%(row)s행: 날짜나 금액을 읽을 수 없습니다 (%(value)s)") % {
                                          "row": number, "value": str(exc.args[0] if exc.args else "")[:40]},
                                      raw={"row": number}))
    if columns is None:
        names = ", ".join(str(fmt["columns"][n][0]) for n in REQUIRED)
        raise UploadRejected(_("정산 파일의 제목 행을 찾지 못했습니다. %(format)s 양식의 %(names)s 열이 있어야 합니다.")
                             % {"format": fmt["name"], "names": names})
    return records, errors


class RowError(ValueError):
    """A row that cannot be a settlement row; the message says which and why (Korean)."""


def _record(fmt: dict, cell: dict, marketplace: str, number: int) -> ChannelSettlement:
    order_id = str(cell.get("order_id") or "").strip()
    if not order_id:
        raise RowError(_("%(row)s행: 주문번호가 비어 있습니다") % {"row": number})
    settle = _date(cell.get("settle_date"))
    if settle is None:
        raise RowError(_("%(row)s행: 정산기준일이 비어 있습니다") % {"row": number})
    money = {name: _money(cell.get(name)) for name in _MONEY}
    line_no = str(cell.get("line_no") or "").strip()
    line = fmt["line"].format(order_id=order_id, line_no=line_no) if line_no else ""
    kind = _kind(str(cell.get("kind") or ""), money["payout_amount"], money["shipping_fee"], money["sale_amount"])
    pay = _date(cell.get("pay_date"))
    record_id = str(cell.get("record_id") or "").strip() or f"{line or order_id}-{kind.value}-{settle.isoformat()}"
    return ChannelSettlement(marketplace=marketplace, record_id=record_id, kind=kind, order_id=order_id,
                             order_line_id=line, settle_date=settle, pay_date=pay,
                             paid=pay is not None and pay <= timezone.localdate(), **money)


def file_rows(kind: str, data: bytes) -> tuple[list[ChannelSettlement], list[RecordError]]:
    """An uploaded settlement file of this channel's format → (rows, unreadable rows); UploadRejected when
    the file cannot be read or holds no data rows (the upload service stores what it gives)."""
    fmt = format_for(kind)
    with open_xlsx(data, max_rows=MAX_ROWS + HEADER_SEARCH, shown_limit=MAX_ROWS) as sheet:
        records, errors = parse_rows(kind, sheet.rows(), fmt["marketplace"] or "manual")
    if not records and not errors:
        raise UploadRejected(_("정산 파일에 자료 행이 없습니다."))
    return records, errors
