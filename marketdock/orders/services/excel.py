"""Order Excel upload (ORD-10; the download is `export`): order upload with built-in Naver / Coupang mappings or the seller's own, validated row by row, fed through the same
ingest as API collection (so re-uploading a file updates orders, never duplicates them)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.channels.connectors.models import ChannelOrder, Marketplace
from marketdock.channels.connectors.models import OrderStatus as LineStatus
from marketdock.channels.models import ChannelAccount
from marketdock.core import downloads, uploads
from marketdock.core.downloads import new_workbook
from marketdock.core.models import Company, User
from marketdock.core.validators import normalize_phone

from ..models import CollectionRun, UploadMapping
from .collection import collection_run_close, collection_run_open
from .excel_formats import MARKET_EXPORTS
from .ingest import channel_orders_ingest


class OrderExcelError(Exception):
    """A user-facing problem with a template, mapping or file (Korean message)."""


# ================================================================= upload: fields and mappings


@dataclass(frozen=True)
class UploadField:
    key: str
    label: object
    required: bool = False
    kind: str = "text"  # text | datetime | int | phone


UPLOAD_FIELDS: tuple[UploadField, ...] = (
    UploadField("order_id", gettext_lazy("주문번호"), required=True),
    UploadField("line_id", gettext_lazy("주문상세번호")),
    UploadField("bundle_id", gettext_lazy("배송묶음번호")),
    UploadField("ordered_at", gettext_lazy("주문일시"), required=True, kind="datetime"),
    UploadField("paid_at", gettext_lazy("결제일시"), kind="datetime"),
    UploadField("raw_status", gettext_lazy("주문상태")),
    UploadField("buyer_name", gettext_lazy("주문자")),
    UploadField("buyer_phone", gettext_lazy("주문자 전화"), kind="phone"),
    UploadField("buyer_email", gettext_lazy("주문자 이메일")),
    UploadField("recipient_name", gettext_lazy("수령자"), required=True),
    UploadField("recipient_phone", gettext_lazy("수령자 전화"), required=True, kind="phone"),
    UploadField("postal_code", gettext_lazy("우편번호")),
    UploadField("address1", gettext_lazy("주소"), required=True),
    UploadField("address2", gettext_lazy("상세주소")),
    UploadField("delivery_message", gettext_lazy("배송메시지")),
    UploadField("product_id", gettext_lazy("쇼핑몰 상품코드")),
    UploadField("option_id", gettext_lazy("쇼핑몰 옵션코드")),
    UploadField("product_name", gettext_lazy("상품명"), required=True),
    UploadField("option_text", gettext_lazy("옵션")),
    UploadField("seller_product_code", gettext_lazy("판매자상품코드")),
    UploadField("seller_option_code", gettext_lazy("판매자옵션코드")),
    UploadField("quantity", gettext_lazy("수량"), required=True, kind="int"),
    UploadField("unit_price", gettext_lazy("판매가"), kind="int"),
    UploadField("total_amount", gettext_lazy("결제금액"), kind="int"),
    UploadField("shipping_fee", gettext_lazy("배송비"), kind="int"),
)
FIELDS_BY_KEY = {f.key: f for f in UPLOAD_FIELDS}


@dataclass(frozen=True)
class BuiltinMapping:
    code: str
    name: object
    source: object  # where in the seller center the file comes from
    marketplace: Marketplace
    columns: dict  # field → tuple of candidate headers (first found wins)
    line_id: str = ""  # how to build the line id when the file has none: "coupang" = 묶음배송번호-옵션ID


BUILTIN_MAPPINGS: dict[str, BuiltinMapping] = {
    "naver": BuiltinMapping(
        code="naver", name=gettext_lazy("네이버 스마트스토어 주문내역"),
        source=gettext_lazy("스마트스토어센터 › 주문/배송 › 발주(주문)확인/발송관리 (또는 주문통합검색) › 엑셀다운로드"
                            " — 파일 암호를 풀고(다른 이름으로 저장) 올리세요."),
        marketplace=Marketplace.NAVER,
        columns={
            "line_id": ("상품주문번호",), "order_id": ("주문번호",), "bundle_id": ("배송묶음번호", "묶음배송번호"),
            "ordered_at": ("주문일시",), "paid_at": ("결제일", "결제일시"), "raw_status": ("주문상태",),
            "buyer_name": ("구매자명",), "buyer_phone": ("구매자연락처",), "recipient_name": ("수취인명",),
            "recipient_phone": ("수취인연락처1",), "address1": ("통합배송지", "기본배송지"), "address2": ("상세배송지",),
            "postal_code": ("우편번호",), "delivery_message": ("배송메세지", "배송메시지"), "product_id": ("상품번호",),
            "product_name": ("상품명",), "option_text": ("옵션정보",), "seller_product_code": ("판매자 상품코드",),
            "seller_option_code": ("옵션관리코드",), "quantity": ("수량",), "unit_price": ("상품가격",),
            "total_amount": ("최종 상품별 총 주문금액",), "shipping_fee": ("배송비 합계",),
        },
    ),
    "coupang": BuiltinMapping(
        code="coupang", name=gettext_lazy("쿠팡 주문내역(DeliveryList)"),
        source=gettext_lazy("쿠팡 Wing › 주문/배송 › 배송관리 › 엑셀 다운로드 (DeliveryList 파일)"),
        marketplace=Marketplace.COUPANG,
        columns={
            "bundle_id": ("묶음배송번호",), "order_id": ("주문번호",), "ordered_at": ("주문일",),
            "buyer_name": ("구매자",), "buyer_phone": ("구매자전화번호",), "recipient_name": ("수취인이름",),
            "recipient_phone": ("수취인전화번호",), "postal_code": ("우편번호",), "address1": ("수취인 주소",),
            "delivery_message": ("배송메세지",), "product_id": ("노출상품ID",), "option_id": ("옵션ID",),
            "product_name": ("등록상품명",), "option_text": ("등록옵션명",), "seller_product_code": ("업체상품코드",),
            "quantity": ("구매수(수량)",), "total_amount": ("결제액",), "shipping_fee": ("배송비",),
        },
        line_id="coupang",
    ),
    "cafe24": BuiltinMapping(
        code="cafe24", name=gettext_lazy("카페24 주문내역"),
        source=gettext_lazy("카페24 관리자 › 주문 › 주문 조회 › 엑셀 다운로드 (품목별 주문번호가 들어간 양식)"),
        marketplace=Marketplace.CAFE24,
        columns={
            "line_id": ("품목별 주문번호",), "order_id": ("주문번호",), "bundle_id": ("배송번호",),
            "ordered_at": ("주문일시",), "paid_at": ("결제일시(입금확인일)", "결제일시"), "raw_status": ("주문상태",),
            "buyer_name": ("주문자명",), "buyer_phone": ("주문자 휴대전화", "주문자 휴대폰"),
            "buyer_email": ("주문자 이메일",), "recipient_name": ("수령인",),
            "recipient_phone": ("수령인 휴대전화", "수령인 휴대폰", "수령인 전화번호"),
            "postal_code": ("수령인 우편번호",), "address1": ("수령인 주소(전체)", "수령인 주소"),
            "address2": ("수령인 상세 주소",), "delivery_message": ("배송메시지", "배송메세지"),
            "product_id": ("상품번호",), "option_id": ("상품품목코드",),
            "product_name": ("상품명(한국어 쇼핑몰)", "주문상품명", "상품명"), "option_text": ("상품옵션", "옵션"),
            "seller_product_code": ("자체 상품코드", "자체상품코드"), "seller_option_code": ("자체 품목코드", "자체품목코드"),
            "quantity": ("수량",), "unit_price": ("판매가", "상품판매가"),
            "total_amount": ("상품구매금액(KRW)", "상품구매금액", "상품별 실결제금액"), "shipping_fee": ("총 배송비", "배송비"),
        },
    ),
}
# 11st, G마켓, 옥션 seller-center exports (data in excel_formats.py)
BUILTIN_MAPPINGS.update({code: BuiltinMapping(code=code, **spec) for code, spec in MARKET_EXPORTS.items()})

# one plausible row per field, for the sample file of a built-in mapping (the values a seller center exports)
SAMPLE_VALUES = {
    "order_id": "2026010112345678", "line_id": "2026010187654321", "bundle_id": "2026010100001",
    "ordered_at": "2026-01-01 10:15:00", "paid_at": "2026-01-01 10:16:00", "raw_status": "결제완료",
    "buyer_name": "김구매", "buyer_phone": "010-1234-5678", "buyer_email": "buyer@example.com",
    "recipient_name": "이수령", "recipient_phone": "010-8765-4321", "postal_code": "06236",
    "address1": "서울특별시 강남구 테헤란로 123", "address2": "4층 401호", "delivery_message": "문 앞에 놓아 주세요",
    "product_id": "8812345678", "option_id": "77001234", "product_name": "유기농 현미 4kg", "option_text": "1개",
    "seller_product_code": "RICE-4KG", "seller_option_code": "RICE-4KG-1", "quantity": 1, "unit_price": 25900,
    "total_amount": 25900, "shipping_fee": 3000,
}


def builtin_sample_bytes(code: str) -> bytes:
    """An xlsx with the header a built-in mapping reads (the first header it accepts per field) and one
    sample row, so a seller can see which columns the upload expects."""
    builtin = BUILTIN_MAPPINGS.get(code)
    if builtin is None:
        raise OrderExcelError(_("기본 양식 '%(code)s'을(를) 찾을 수 없습니다.") % {"code": code})
    wb = new_workbook()
    ws = wb.active
    ws.title = _("주문내역")
    ws.append([headers[0] for headers in builtin.columns.values()])
    ws.append([SAMPLE_VALUES.get(field, "") for field in builtin.columns])
    return downloads.workbook_bytes(wb)


STATUS_WORDS = {
    "결제완료": LineStatus.NEW, "신규주문": LineStatus.NEW, "신규": LineStatus.NEW, "결제대기": LineStatus.HOLD,
    "발주확인": LineStatus.CONFIRMED, "발송대기": LineStatus.CONFIRMED, "주문확정": LineStatus.CONFIRMED,
    "상품준비중": LineStatus.READY, "배송지시": LineStatus.SHIPPED, "발송완료": LineStatus.SHIPPED,
    "배송중": LineStatus.IN_TRANSIT, "배송완료": LineStatus.DELIVERED, "구매확정": LineStatus.DELIVERED,
    "취소요청": LineStatus.CANCEL_REQUESTED, "취소완료": LineStatus.CANCELLED, "취소": LineStatus.CANCELLED,
    "반품요청": LineStatus.RETURN_REQUESTED, "반품완료": LineStatus.RETURNED, "교환요청": LineStatus.EXCHANGE_REQUESTED,
    "보류": LineStatus.HOLD,
}


def upload_mapping_save(*, company: Company, account: ChannelAccount, name: str, columns: dict[str, str],
                        header_row: int = 1, mapping: UploadMapping | None = None) -> UploadMapping:
    name = (name or "").strip()
    if account.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 쇼핑몰 계정입니다."))
    if not name:
        raise OrderExcelError(_("매핑명을 입력하세요."))
    cols = {k: str(v).strip() for k, v in (columns or {}).items() if k in FIELDS_BY_KEY and str(v or "").strip()}
    missing = [str(f.label) for f in UPLOAD_FIELDS if f.required and f.key not in cols]
    if missing:
        raise OrderExcelError(_("필수 항목의 열 제목을 입력하세요: %(fields)s") % {"fields": ", ".join(missing)})
    if not 1 <= int(header_row or 1) <= 20:
        raise OrderExcelError(_("제목 행은 1~20 사이로 입력하세요."))
    if mapping is None:
        mapping = UploadMapping(company=company)
    elif mapping.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 매핑입니다."))
    mapping.account = account
    mapping.name = name[:100]
    mapping.columns = cols
    mapping.header_row = int(header_row or 1)
    try:
        with transaction.atomic():
            mapping.save()
    except IntegrityError:
        raise OrderExcelError(_("이 계정에 같은 이름의 매핑 '%(name)s'이(가) 이미 있습니다.") % {"name": name}) from None
    return mapping


def upload_mapping_delete(*, company: Company, mapping: UploadMapping) -> None:
    if mapping.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 매핑입니다."))
    mapping.delete()


# ================================================================= upload: reading files

MAX_UPLOAD_ROWS = 5000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _norm_header(text: str) -> str:
    return re.sub(r"\s+", "", (text or "").replace("*", "")).lower()


def read_table(data: bytes, filename: str) -> list[list]:
    """All rows of the first sheet (xlsx) or the CSV (UTF-8 or CP949), as lists of cell values.
    Raises OrderExcelError with a clear message for files we cannot read."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise OrderExcelError(_("파일이 너무 큽니다(최대 20MB). 나눠서 올리세요."))
    if not data:
        raise OrderExcelError(_("빈 파일입니다."))
    name = (filename or "").lower()
    if data[:2] == b"PK" or data[:8] == uploads.OLE_MAGIC:
        try:
            with uploads.open_xlsx(data, max_rows=MAX_UPLOAD_ROWS + 25, max_bytes=MAX_UPLOAD_BYTES,
                                   shown_limit=MAX_UPLOAD_ROWS) as sheet:
                return [list(values) for _number, values in sheet.rows()]
        except uploads.UploadRejected as exc:
            raise OrderExcelError(str(exc)) from None
    if name.endswith((".csv", ".txt")) or b"," in data[:2000]:
        for encoding in ("utf-8-sig", "cp949"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise OrderExcelError(_("CSV 파일의 글자 인코딩을 알 수 없습니다. UTF-8 또는 CP949(EUC-KR)로 저장하세요."))
        try:
            rows = [list(r) for r in csv.reader(io.StringIO(text))]
        except csv.Error:
            raise OrderExcelError(_("CSV 파일 형식이 올바르지 않습니다.")) from None
        if len(rows) > MAX_UPLOAD_ROWS + 25:
            raise OrderExcelError(_("행이 %(max)s개를 넘습니다. 파일을 나눠 올리세요.") % {"max": MAX_UPLOAD_ROWS})
        return rows
    raise OrderExcelError(_("엑셀(.xlsx) 또는 CSV 파일만 올릴 수 있습니다."))


@dataclass
class ResolvedMapping:
    """Which column index holds each field, found in the file's header row."""

    header_index: int  # 0-based row index of the header
    columns: dict[str, int]  # field → column index
    headers: dict[str, str]  # field → header text in the file
    marketplace: Marketplace | None
    line_id: str = ""


def resolve_mapping(rows: list[list], *, builtin: BuiltinMapping | None = None,
                    mapping: UploadMapping | None = None) -> ResolvedMapping:
    if builtin is not None:
        wanted = {k: tuple(v) for k, v in builtin.columns.items()}
        header_rows = range(min(len(rows), 10))  # seller-center files sometimes start with a title row
    else:
        wanted = {k: (v,) for k, v in (mapping.columns or {}).items()}
        header_rows = [mapping.header_row - 1]
    best: tuple[int, dict, dict] | None = None
    for idx in header_rows:
        if idx >= len(rows):
            continue
        header = {_norm_header(_text(c)): i for i, c in enumerate(rows[idx]) if _text(c)}
        found, texts = {}, {}
        for key, candidates in wanted.items():
            for cand in candidates:
                if _norm_header(cand) in header:
                    found[key] = header[_norm_header(cand)]
                    texts[key] = cand
                    break
        if best is None or len(found) > len(best[1]):
            best = (idx, found, texts)
    if best is None or not best[1]:
        expected = ", ".join(c[0] for c in list(wanted.values())[:6])
        raise OrderExcelError(_("제목 행을 찾을 수 없습니다. 이 파일이 고른 매핑의 파일이 맞는지 확인하세요 "
                                "(예상한 열: %(cols)s …).") % {"cols": expected})
    idx, found, texts = best
    required = [f for f in UPLOAD_FIELDS if f.required and f.key not in found]
    # Coupang files have no address2 / line id; a missing optional field is fine
    if required:
        names = ", ".join(f"{f.label}({' / '.join(wanted.get(f.key, ('-',)))})" for f in required)
        raise OrderExcelError(_("필수 열이 파일에 없습니다: %(cols)s. 매핑 또는 파일을 확인하세요.") % {"cols": names})
    return ResolvedMapping(header_index=idx, columns=found, headers=texts,
                           marketplace=builtin.marketplace if builtin else None,
                           line_id=builtin.line_id if builtin else "")


# ================================================================= upload: row validation

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M:%S",
                 "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y%m%d%H%M%S", "%Y%m%d")


def parse_datetime_kst(value) -> datetime | None:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time.min)
    else:
        text = _text(value).replace("T", " ")
        text = re.sub(r"\.\d+$", "", text) if re.match(r"^\d{4}-", text) else text
        dt = None
        for fmt in _DATE_FORMATS:
            try:
                dt = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if dt is None:
            return None
    if dt.tzinfo is None:
        dt = timezone.make_aware(dt, timezone.get_default_timezone())
    return dt


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(round(value)) if value == value else None
    text = re.sub(r"[,\s원₩]", "", _text(value))
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.0+", text):
        return int(float(text))
    return None


def phone_ok(value: str) -> bool:
    digits = normalize_phone(value)
    return bool(re.fullmatch(r"0\d{8,11}", digits))


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class UploadResult:
    ok: bool
    total_rows: int = 0
    valid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    ingest: dict = field(default_factory=dict)
    run_id: int | None = None
    message: str = ""


def _short_hash(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:10]


def _marketplace_for(account: ChannelAccount, resolved_mp: Marketplace | None) -> Marketplace:
    """The connector marketplace the lines are labelled with. The collection ingest keys lines by
    account, not by this label; a manual (Excel) account has no member of its own in the connector
    enum, so its lines carry the built-in file's marketplace, or Naver's when typed by hand."""
    if account.kind in Marketplace._value2member_map_:
        return Marketplace(account.kind)
    return resolved_mp or Marketplace.NAVER


def build_channel_order(values: dict, *, marketplace: Marketplace, line_id_rule: str, raw: dict) -> ChannelOrder:
    """A validated row (typed values) as a connector ChannelOrder line."""
    order_id = values["order_id"]
    line_id = values.get("line_id") or ""
    if line_id and line_id_rule == "elevenst":  # the file's 주문순번 → 주문번호-주문순번, the 11st connector's key
        line_id = f"{order_id}-{line_id}"
    if not line_id:
        if line_id_rule == "coupang" and values.get("bundle_id") and values.get("option_id"):
            line_id = f"{values['bundle_id']}-{values['option_id']}"
        else:
            key = values.get("option_id") or values.get("product_id") or _short_hash(
                values.get("product_name", ""), values.get("option_text", ""), values.get("seller_product_code", ""))
            line_id = f"{order_id}-{key}"
    raw_status = values.get("raw_status") or ""
    status = STATUS_WORDS.get(raw_status.replace(" ", ""), LineStatus.NEW)
    qty = values["quantity"]
    unit = values.get("unit_price")
    total = values.get("total_amount")
    if total is None:
        total = (unit or 0) * qty
    if unit is None:
        unit = total // qty if qty else 0
    data = dict(
        marketplace=marketplace, order_id=order_id, order_line_id=line_id,
        bundle_id=values.get("bundle_id") or "", ordered_at=values["ordered_at"], paid_at=values.get("paid_at"),
        status=status, raw_status=raw_status or _("엑셀등록"),
        buyer_name=values.get("buyer_name") or "", buyer_phone=values.get("buyer_phone") or "",
        buyer_email=values.get("buyer_email") or "", recipient_name=values.get("recipient_name") or "",
        recipient_phone=values.get("recipient_phone") or "", recipient_postal_code=values.get("postal_code") or "",
        recipient_address1=values.get("address1") or "", recipient_address2=values.get("address2") or "",
        delivery_message=values.get("delivery_message") or "", channel_product_id=values.get("product_id") or "",
        channel_option_id=values.get("option_id") or "", product_name=values.get("product_name") or "",
        option_text=values.get("option_text") or "", seller_product_code=values.get("seller_product_code") or "",
        seller_option_code=values.get("seller_option_code") or "", quantity=qty, unit_price=unit,
        total_amount=total, shipping_fee=values.get("shipping_fee") or 0, raw=raw,
    )
    return ChannelOrder(**data)  # validated (dates aware, quantity >= 0 ...)


def validate_rows(rows: list[list], resolved: ResolvedMapping, *, marketplace: Marketplace
                  ) -> tuple[list[ChannelOrder], list[RowError], int]:
    """(orders, errors, data row count). Row numbers are the spreadsheet's (1-based)."""
    orders: list[ChannelOrder] = []
    errors: list[RowError] = []
    total = 0
    seen_lines: dict[str, int] = {}
    for idx in range(resolved.header_index + 1, len(rows)):
        raw_row = rows[idx]
        number = idx + 1
        cells = {k: (raw_row[i] if i < len(raw_row) else None) for k, i in resolved.columns.items()}
        if not any(_text(v) for v in cells.values()):
            continue
        total += 1
        values: dict = {}
        row_errors: list[RowError] = []
        for key, cell in cells.items():
            f = FIELDS_BY_KEY[key]
            header = resolved.headers.get(key, str(f.label))
            text = _text(cell)
            if not text:
                if f.required:
                    row_errors.append(RowError(number, header, "", _("필수 값이 비어 있습니다.")))
                continue
            if f.kind == "datetime":
                dt = parse_datetime_kst(cell)
                if dt is None:
                    row_errors.append(RowError(number, header, text, _("날짜 형식이 올바르지 않습니다. 예: 2025-03-01 14:30")))
                else:
                    values[key] = dt
            elif f.kind == "int":
                n = parse_int(cell)
                if n is None:
                    row_errors.append(RowError(number, header, text, _("숫자가 아닙니다.")))
                elif key == "quantity" and n < 1:
                    row_errors.append(RowError(number, header, text, _("수량은 1 이상이어야 합니다.")))
                elif n < 0:
                    row_errors.append(RowError(number, header, text, _("음수는 입력할 수 없습니다.")))
                else:
                    values[key] = n
            elif f.kind == "phone":
                if not phone_ok(text):
                    row_errors.append(RowError(number, header, text, _("전화번호 형식이 올바르지 않습니다. 예: 010-1234-5678")))
                else:
                    values[key] = text
            else:
                values[key] = text[:300]
        for key in ("order_id", "line_id", "bundle_id", "product_id", "option_id"):
            if key in values and len(values[key]) > 100:
                row_errors.append(RowError(number, resolved.headers.get(key, key), values[key][:30] + "…",
                                           _("100자를 넘습니다.")))
        if row_errors:
            errors.extend(row_errors)
            continue
        raw = {resolved.headers.get(k, k): _text(v) for k, v in cells.items()}
        try:
            order = build_channel_order(values, marketplace=marketplace, line_id_rule=resolved.line_id, raw=raw)
        except ValueError as exc:
            errors.append(RowError(number, "", "", _("행을 읽을 수 없습니다: %(err)s") % {"err": str(exc)[:200]}))
            continue
        if order.order_line_id in seen_lines:
            errors.append(RowError(number, resolved.headers.get("line_id", _("주문상세번호")), order.order_line_id,
                                   _("%(row)s행과 같은 주문상세번호입니다.") % {"row": seen_lines[order.order_line_id]}))
            continue
        seen_lines[order.order_line_id] = number
        orders.append(order)
    return orders, errors, total


# ================================================================= upload: apply


def orders_ingest_upload(*, company: Company, user: User | None, account: ChannelAccount,
                         orders: list[ChannelOrder]) -> tuple[dict, int]:
    """Feed the lines through the collection ingest as one CollectionRun(trigger=upload): the same
    upsert as API collection, so a re-uploaded file updates its orders and never duplicates them."""
    run = collection_run_open(account=account, trigger=CollectionRun.Trigger.UPLOAD, user=user)
    try:
        result = channel_orders_ingest(account=account, orders=orders, run=run, user=user)
    except Exception as exc:
        collection_run_close(run=run, error=str(exc)[:500] or exc.__class__.__name__)
        raise
    collection_run_close(run=run)
    return result, run.pk


def orders_upload(*, company: Company, user: User | None, account: ChannelAccount, data: bytes, filename: str,
                  builtin_code: str = "", mapping: UploadMapping | None = None,
                  skip_bad_rows: bool = False) -> UploadResult:
    """Read, validate and apply an order file. Any bad row → nothing is applied (unless
    `skip_bad_rows`), and every problem is reported with its row, column and value."""
    if account.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 쇼핑몰 계정입니다."))
    if not account.is_active:
        raise OrderExcelError(_("사용하지 않는 쇼핑몰 계정입니다."))
    builtin = BUILTIN_MAPPINGS.get(builtin_code) if builtin_code else None
    if builtin is None and mapping is None:
        raise OrderExcelError(_("매핑을 고르세요."))
    if mapping is not None and mapping.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 매핑입니다."))
    rows = read_table(data, filename)
    resolved = resolve_mapping(rows, builtin=builtin, mapping=mapping)
    orders, errors, total = validate_rows(rows, resolved, marketplace=_marketplace_for(account, resolved.marketplace))
    if total == 0:
        raise OrderExcelError(_("데이터 행이 없습니다. 제목 행 아래에 주문을 넣으세요."))
    result = UploadResult(ok=False, total_rows=total, valid_rows=len(orders), errors=errors)
    if errors and not skip_bad_rows:
        result.message = _("오류가 있는 행이 %(n)s개 있어 아무것도 등록하지 않았습니다. 고친 뒤 다시 올리세요.") % {
            "n": len({e.row for e in errors})}
        return result
    if not orders:
        result.message = _("등록할 수 있는 행이 없습니다.")
        return result
    result.ingest, result.run_id = orders_ingest_upload(company=company, user=user, account=account, orders=orders)
    result.ok = True
    result.message = _("%(n)s행을 등록했습니다.") % {"n": len(orders)}
    return result


def manual_order_create(*, company: Company, user: User | None, account: ChannelAccount, order: dict,
                        lines: list[dict]) -> tuple[dict, int]:
    """수기주문: one order typed in a form (already cleaned by the form) → the same ingest."""
    if account.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 쇼핑몰 계정입니다."))
    if not lines:
        raise OrderExcelError(_("상품을 한 줄 이상 입력하세요."))
    order_id = order.get("order_id") or "M" + timezone.localtime().strftime("%Y%m%d%H%M%S") + _short_hash(
        str(timezone.now().timestamp()), str(user.pk if user else ""))[:4].upper()
    marketplace = _marketplace_for(account, None)
    built = []
    for n, line in enumerate(lines, start=1):
        values = {**order, **line, "order_id": order_id}
        values.setdefault("ordered_at", timezone.now())
        if not values.get("line_id"):
            values["line_id"] = f"{order_id}-{n}"
        built.append(build_channel_order(values, marketplace=marketplace, line_id_rule="", raw={"source": "manual"}))
    result, run_id = orders_ingest_upload(company=company, user=user, account=account, orders=built)
    result = dict(result or {})
    result["order_id"] = order_id
    return result, run_id


def errors_workbook_bytes(errors: list[dict]) -> bytes:
    return downloads.errors_workbook_bytes(errors)
