"""11st (11번가) Open API.

- `https://api.11st.co.kr/rest/...` with the seller's static key in the `openapikey` header (the
  caller's IP must be registered with 11st).
- Responses are XML, often EUC-KR: the body is decoded by its XML declaration (EUC-KR read as its
  CP949 superset), never assumed UTF-8. Elements carry an `ns2` prefix that published samples use
  without declaring it, so parsing is namespace-agnostic (local names only). The parser is lxml with
  entity resolution, DTD loading and network access off; a document with a DTD is refused.
- `result_code` inside the envelope: 0 = no data (an empty list, not an error), -1000 = the Friday
  early-morning maintenance (MaintenanceError: retry later), -3205 = window longer than a week,
  -3203/-3204 = bad time format, other negatives = refusals. HTTP 500 with `<AuthMessage>` code -997
  means "no such API" (a wrong path), not a server fault.
- Orders: list endpoints per stage (`/ordservices/{complete|packaging|shipping|dlvcompleted}/
  {start}/{end}`), times `YYYYMMDDhhmm` KST, at most one week per call (sliced here). The list a line
  came from gives its stage when the record has no `ordPrdStat`. One order's lines, whatever their
  stage: `/claimservice/orderlistalladdr/{ordNo}`.
- Claim lists: the order lists never show a line in 701 (취소처리중); a buyer's cancel request is listed
  only by `/claimservice/cancelorders/{start}/{end}` (§5.3), read after the order lists for the same
  windows. Its records give `ordNo`/`ordPrdSeq` (the keys `cancelreqconf` takes); the whole order is
  then read with `orderlistalladdr` so an order seen only in the claim list is collected complete, and
  a claimed line is marked cancel-requested (pending claim CANCEL, raw 701). UNCONFIRMED: the claim
  list's record fields beyond those keys and which time its window filters by.
- Claims as claims (fetch_claims / decide_claims over all nine §5.3 lists): `elevenst_claims.py`.
- 발주확인: `GET /ordservices/reqpackaging/{ordNo}/{ordPrdSeq}/{addPrdYn}/{addPrdNo}/{dlvNo}`.
- 발송처리: `GET /ordservices/reqdelivery/{sendDt}/{dlvMthdCd}/{dlvEtprsCd}/{invcNo}/{dlvNo}` for a
  whole 배송번호, `.../{dlvNo}/Y/{ordNo}/{ordPrdSeq}` for part of one. Only 택배 (`dlvMthdCd` 01) is
  confirmed by published calls; other methods are refused per line rather than guessed. Result codes
  0 and -3308 (already shipped) count as sent; -1000/-3311 are retryable.
- Listings (writes only; 11st's product read for options is not wired here): stock per 재고번호
  `PUT /prodservices/stockqty/{prdStckNo}` with `<ProductStock><prdNo/><prdStckNo/><stckQty/></ProductStock>`
  (doc 1625), the sale price `GET /prodservices/product/price/{prdNo}/{selPrc}` (1752; per product —
  an option's own price is refused), 판매중지/재개 `PUT /prodstatservice/stat/stopdisplay|restartdisplay/{prdNo}`
  (1631/1632). Product APIs answer `resultCode` 200 on success.
Writes are GET requests with path parameters: they are never retried blindly (idempotent=False)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from lxml import etree
from pydantic import BaseModel, Field, ValidationError

from . import values as v
from .base import Connector, decode_cursor, encode_cursor, unique_lines
from .elevenst_claims import ElevenstClaims
from .elevenst_qna import ElevenstQna
from .errors import AuthError, BusinessError, MaintenanceError, MalformedPayload, TemporaryError
from .http import ApiClient, HttpOptions
from .models import (
    Capabilities,
    ChannelOrder,
    Claim,
    ConfirmResult,
    ConnectionStatus,
    DispatchItem,
    DispatchResult,
    FetchWindow,
    LineFailure,
    ListingUpdateResult,
    Marketplace,
    OrderPage,
    OrderStatus,
    PriceUpdate,
    Progress,
    RecordError,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .ratelimit import Rate

MP = Marketplace.ELEVENST.value
BASE_URL = "https://api.11st.co.kr"
# 11st refuses a period longer than one week (-3205); a minute short of it stays clear of the edge
MAX_WINDOW = timedelta(days=7) - timedelta(minutes=1)
TIME_FORMAT = "%Y%m%d%H%M"
MAINTENANCE_RETRY_SECONDS = 30 * 60

# order-list endpoint → the stage (ordPrdStat) every line of that list is in
LISTS = {
    "complete": "202",  # 결제완료: awaiting 발주확인
    "packaging": "301",  # 발주확인 → 배송준비중
    "shipping": "401",  # 발송완료 / 배송중
    "dlvcompleted": "501",  # 배송완료
}
ALL_LISTS = tuple(LISTS)
# claim-list endpoint (under /claimservice/) → the stage a line it names is in
CLAIM_LISTS = {
    "cancelorders": "701",  # 취소신청 목록 → 취소처리중
    # UNCONFIRMED: "returnorders" / "exchangeorders" (반품·교환신청 목록) — §5.3 names them without their
    # path parameters; not read until confirmed.
}
ALL_CLAIM_LISTS = tuple(CLAIM_LISTS)

# The status table: 11st ordPrdStat → (canonical status, how far 11st has taken the line, pending claim).
STATUS_TABLE: dict[str, tuple[OrderStatus, Progress, Claim]] = {
    "101": (OrderStatus.HOLD, Progress.WAITING, Claim.NONE),  # 주문완료 (not paid)
    "102": (OrderStatus.HOLD, Progress.WAITING, Claim.NONE),  # 입금대기
    "103": (OrderStatus.HOLD, Progress.WAITING, Claim.NONE),  # 예약대기
    "200": (OrderStatus.HOLD, Progress.WAITING, Claim.NONE),  # 배송지입력대기 (선물하기)
    "201": (OrderStatus.NEW, Progress.PAID, Claim.NONE),  # 예약결제완료
    "202": (OrderStatus.NEW, Progress.PAID, Claim.NONE),  # 결제완료
    "301": (OrderStatus.CONFIRMED, Progress.CONFIRMED, Claim.NONE),  # 발주확인
    "401": (OrderStatus.SHIPPED, Progress.SHIPPED, Claim.NONE),  # 발송완료
    "501": (OrderStatus.DELIVERED, Progress.DELIVERED, Claim.NONE),  # 배송완료
    "601": (OrderStatus.RETURN_REQUESTED, Progress.DELIVERED, Claim.RETURN),  # 클레임진행중 (반품/교환)
    "701": (OrderStatus.CANCEL_REQUESTED, Progress.PAID, Claim.CANCEL),  # 취소처리중
    "801": (OrderStatus.HOLD, Progress.WAITING, Claim.NONE),  # 재승인대기중
    "901": (OrderStatus.DELIVERED, Progress.DELIVERED, Claim.NONE),  # 수취확인 (구매확정)
    "A01": (OrderStatus.RETURNED, Progress.RETURNED, Claim.NONE),  # 반품완료
    "B01": (OrderStatus.CANCELLED, Progress.CANCELLED, Claim.NONE),  # 주문취소
    "C01": (OrderStatus.CANCELLED, Progress.CANCELLED, Claim.NONE),  # 수취확인후주문취소
}
SHIPPED_PROGRESS = (Progress.SHIPPED, Progress.IN_TRANSIT, Progress.DELIVERED)

# OMS carrier key → 11st dlvEtprsCd, used when the caller has no stored code for the carrier. Only
# CJ대한통운 is seen in several published calls; 로젠/롯데 come from one integrator (marketplaces.md §7).
CARRIER_CODES = {"cj": "00034", "logen": "00002", "lotte": "00012"}
PARCEL_METHOD = "01"  # dlvMthdCd 택배
DISPATCH_OK = {"0", "-3308"}  # -3308: already dispatched
RETRYABLE_CODES = {"-1000", "-3311"}


class ElevenstCredentials(BaseModel):
    openapikey: str = Field(min_length=1)


class ElevenstResult(BaseModel):
    """The envelope's result_code/result_text ("" when the response carries none)."""

    code: str = ""
    text: str = ""


# --- XML -------------------------------------------------------------------------------------

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>")
_KOREAN_LEGACY = {"euc-kr", "euckr", "ks_c_5601-1987", "ks_c_5601", "cp949", "ms949", "x-windows-949", "uhc"}


def _parser() -> etree.XMLParser:
    # recover=True only so an undeclared `ns2:` prefix is read as a plain name; every other error is
    # checked below and refused
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, recover=True, remove_blank_text=True)


def parse_xml(content: bytes | str) -> etree._Element:
    """Bytes as received → the root element. EUC-KR (declared in the XML declaration) is decoded as
    CP949; undeclared namespace prefixes are tolerated; anything else malformed, a DTD or an entity is
    refused with MalformedPayload."""
    data = content.encode() if isinstance(content, str) else bytes(content)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    match = _DECLARATION.match(data)
    if match and match.group(1).decode().lower() in _KOREAN_LEGACY:
        try:
            text = data.decode("cp949")
        except UnicodeDecodeError as exc:
            raise MalformedPayload("(응답 본문)", f"EUC-KR로 읽을 수 없습니다 ({exc.start}번째 바이트)",
                                   marketplace=MP) from None
        start, end = match.span(1)  # the declaration is ASCII: byte and character offsets agree
        data = (text[:start] + "UTF-8" + text[end:]).encode("utf-8")
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise MalformedPayload("(응답 본문)", "DTD/엔티티 선언이 있는 XML은 읽지 않습니다", marketplace=MP)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedPayload("(응답 본문)", f"XML이 아닙니다: {exc}", marketplace=MP) from None
    problems = [e for e in parser.error_log if e.domain_name != "NAMESPACE"]
    if root is None or problems:
        detail = problems[0].message if problems else "빈 문서"
        raise MalformedPayload("(응답 본문)", f"XML이 올바르지 않습니다: {detail}", marketplace=MP)
    return root


def local(tag: Any) -> str:
    """`{uri}order`, `ns2:order`, `order` → `order`."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def element_dict(element: etree._Element) -> dict[str, str]:
    """The child elements of one record as {local name: text}; nested elements are flattened
    (first occurrence wins)."""
    fields: dict[str, str] = {}
    for child in element.iter():
        if child is element or not isinstance(child.tag, str):
            continue
        if len(child) == 0:
            fields.setdefault(local(child.tag), (child.text or "").strip())
    return fields


def find_all(root: etree._Element, name: str) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str) and local(el.tag) == name]


def result_of(root: etree._Element) -> ElevenstResult:
    code = text = ""
    for el in root.iter():
        name = local(el.tag)
        if name in ("result_code", "resultCode") and not code:
            code = (el.text or "").strip()
        elif name in ("result_text", "resultText", "result_message", "resultMessage", "message") and not text:
            text = (el.text or "").strip()
    return ElevenstResult(code=code, text=text)


def raise_for_result(result: ElevenstResult, *, no_data_ok: bool = True) -> None:
    """Turn an envelope's negative result_code into the typed error. 0 (no data) passes."""
    code = result.code
    if not code or code == "0" or (code.isdigit() and int(code) > 0):
        return
    text = result.text or f"11번가 오류 {code}"
    if code == "-1000":
        raise MaintenanceError(f"11번가 정기점검 중입니다 (매주 금요일 새벽). 잠시 후 다시 시도합니다: {text}",
                               marketplace=MP, retry_after=MAINTENANCE_RETRY_SECONDS)
    if code == "-3205":
        raise BusinessError(f"조회 기간이 1주일을 넘습니다: {text}", marketplace=MP, code=code)
    if code in ("-3203", "-3204"):
        raise BusinessError(f"조회 시각 형식이 잘못되었습니다: {text}", marketplace=MP, code=code)
    if code == "-997":
        raise BusinessError(f"11번가에 없는 API 경로입니다 (등록된 API 정보 없음): {text}", marketplace=MP, code=code)
    if code == "-1" and ("key" in text.lower() or "키" in text or "인증" in text):
        raise AuthError(text, marketplace=MP, code=code)
    raise BusinessError(text, marketplace=MP, code=code)


# --- parsing ---------------------------------------------------------------------------------

def line_id(ord_no: str, ord_prd_seq: str) -> str:
    return f"{ord_no}-{ord_prd_seq}"


def split_line_id(order_line_id: str) -> tuple[str, str]:
    order_no, sep, seq = order_line_id.partition("-")
    if not sep or not order_no.isdigit() or not seq.isdigit():
        raise BusinessError(f"11번가 주문라인 번호 형식이 아닙니다 (주문번호-주문순번): {order_line_id!r}", marketplace=MP,
                            code="BAD_LINE_ID")
    return order_no, seq


def _clean(value: str) -> str:
    return "" if value.strip().lower() == "null" else value.strip()


def parse_order(fields: Mapping[str, str], prefix: str = "order", default_stage: str = "202",
                *, with_shipping_fee: bool = True) -> ChannelOrder:
    """One `order` record (as {local name: text}) → one order line. Raises MalformedPayload."""

    def txt(name: str, required: bool = False) -> str:
        return v.text(_clean(fields.get(name) or "") or None, v.field_path(prefix, name), marketplace=MP,
                      required=required)

    def num(name: str, required: bool = False) -> int:
        return v.integer(_clean(fields.get(name) or ""), v.field_path(prefix, name), marketplace=MP, required=required)

    def when(name: str, required: bool = False) -> datetime | None:
        return v.timestamp(_clean(fields.get(name) or "") or None, v.field_path(prefix, name), marketplace=MP,
                           required=required)

    ord_no, seq = txt("ordNo", True), txt("ordPrdSeq", True)
    stage = txt("ordPrdStat") or default_stage
    if stage not in STATUS_TABLE:
        raise MalformedPayload(v.field_path(prefix, "ordPrdStat"), "알 수 없는 주문 상태입니다", marketplace=MP, value=stage)
    status, progress, claim = STATUS_TABLE[stage]
    if stage == "701" and txt("plcodrCnfDt"):
        progress = Progress.CONFIRMED  # the cancel request came after 발주확인
    quantity = num("ordQty", True)
    if quantity < 0:
        raise MalformedPayload(v.field_path(prefix, "ordQty"), "음수입니다", marketplace=MP, value=quantity)
    unit = num("selPrc", True)
    amount = num("ordAmt") if _clean(fields.get("ordAmt") or "") else unit * quantity
    discount = num("sellerDscPrc") + num("tmallDscPrc")
    shipped = progress in SHIPPED_PROGRESS
    return ChannelOrder(
        marketplace=Marketplace.ELEVENST,
        order_id=ord_no,
        order_line_id=line_id(ord_no, seq),
        bundle_id=txt("dlvNo") or txt("bndlDlvSeq"),
        ordered_at=when("ordDt", True),
        paid_at=when("ordStlEndDt"),
        status=status,
        raw_status=stage,
        raw_claim_status=stage if claim else "",
        progress=progress,
        claim=claim,
        tracking_number=txt("invcNo") if shipped else "",
        carrier_code=txt("dlvEtprsCd") if shipped else "",
        buyer_name=txt("ordNm"),
        buyer_phone=txt("ordPrtblTel") or txt("ordTlphnNo"),
        recipient_name=txt("rcvrNm"),
        recipient_phone=txt("rcvrPrtblNo") or txt("rcvrTlphn"),
        recipient_postal_code=txt("rcvrMailNo"),
        recipient_address1=txt("rcvrBaseAddr"),
        recipient_address2=txt("rcvrDtlsAddr"),
        delivery_message=txt("ordDlvReqCont"),
        channel_product_id=txt("prdNo"),
        channel_option_id=txt("prdStckNo"),
        product_name=txt("prdNm"),
        option_text=txt("slctPrdOptNm"),
        seller_product_code=txt("sellerPrdCd"),
        seller_option_code=txt("sellerStockCd"),
        quantity=quantity,
        cancelled_quantity=quantity if status == OrderStatus.CANCELLED else 0,
        currency="KRW",
        unit_price=unit,
        discount_amount=discount,
        total_amount=amount - discount,
        shipping_fee=num("dlvCst") if with_shipping_fee else 0,
        raw=dict(fields),
    )


def parse_orders(root: etree._Element, default_stage: str = "202") -> tuple[list[ChannelOrder], list[RecordError]]:
    """Every `order` record of a response; a malformed one becomes a RecordError, the rest go on.
    The bundle's shipping fee is carried by its first line only."""
    raise_for_result(result_of(root))
    orders: list[ChannelOrder] = []
    errors: list[RecordError] = []
    fee_taken: set[str] = set()
    for index, element in enumerate(find_all(root, "order")):
        fields = element_dict(element)
        bundle = _clean(fields.get("dlvNo") or "") or _clean(fields.get("bndlDlvSeq") or "")
        first = not bundle or bundle not in fee_taken
        path = f"orders.order[{index}]"
        try:
            orders.append(parse_order(fields, path, default_stage, with_shipping_fee=first))
            if bundle:
                fee_taken.add(bundle)
        except MalformedPayload as exc:
            errors.append(RecordError(order_id=fields.get("ordNo", ""), order_line_id=_ids(fields), field=exc.field,
                                      message=str(exc), raw=dict(fields)))
        except ValidationError as exc:
            first_error = exc.errors()[0]
            errors.append(RecordError(order_id=fields.get("ordNo", ""), order_line_id=_ids(fields),
                                      field=f"{path}." + ".".join(str(p) for p in first_error["loc"]),
                                      message=first_error["msg"], raw=dict(fields)))
    return orders, errors


def _ids(fields: Mapping[str, str]) -> str:
    if fields.get("ordNo") and fields.get("ordPrdSeq"):
        return line_id(fields["ordNo"], fields["ordPrdSeq"])
    return ""


def parse_payload(content: bytes | str, default_stage: str = "202") -> list[ChannelOrder]:
    """A saved 11st order-list response → order lines. Strict: the first malformed record raises."""
    orders, errors = parse_orders(parse_xml(content), default_stage)
    if errors:
        raise MalformedPayload(errors[0].field, errors[0].message, marketplace=MP)
    return orders


def parse_claim_keys(root: etree._Element) -> tuple[list[tuple[str, str]], list[RecordError]]:
    """The (ordNo, ordPrdSeq) pairs a claim-list response names, in order, without repeats. A record is
    any element holding an `ordNo` child (namespace and record name agnostic); one without a usable
    ordNo/ordPrdSeq becomes a RecordError."""
    raise_for_result(result_of(root))
    keys: dict[tuple[str, str], None] = {}
    errors: list[RecordError] = []
    records = [el for el in root.iter() if isinstance(el.tag, str)
               and any(isinstance(c.tag, str) and local(c.tag) == "ordNo" for c in el)]
    for index, element in enumerate(records):
        fields = {local(c.tag): _clean(c.text or "") for c in element if isinstance(c.tag, str)}
        ord_no, seq = fields.get("ordNo", ""), fields.get("ordPrdSeq", "")
        if not ord_no.isdigit() or not seq.isdigit():
            name = "ordNo" if not ord_no.isdigit() else "ordPrdSeq"
            errors.append(RecordError(order_id=ord_no, order_line_id=_ids(fields),
                                      field=f"claims.{local(element.tag)}[{index}].{name}",
                                      message="11번가 클레임 목록의 주문번호·주문순번이 숫자가 아닙니다", raw=fields))
            continue
        keys[(ord_no, seq)] = None
    return list(keys), errors


def mark_cancel_requested(order: ChannelOrder) -> ChannelOrder:
    """A line the cancel-request list names but whose status does not show it yet: pending CANCEL.
    A line already cancelled, shipped or under another claim keeps what 11st says of it."""
    if order.claim != Claim.NONE or order.progress not in (Progress.PAID, Progress.CONFIRMED):
        return order
    status, _progress, claim = STATUS_TABLE["701"]
    return order.model_copy(update={"status": status, "claim": claim, "raw_status": "701",
                                    "raw_claim_status": "701"})


def window_slices(window: FetchWindow) -> list[tuple[datetime, datetime]]:
    """[start, end] in KST minutes, cut into ≤ one-week pieces."""
    start = window.start.astimezone(v.KST).replace(second=0, microsecond=0)
    end = window.end.astimezone(v.KST)
    if end.second or end.microsecond:
        end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    slices = []
    while start < end:
        stop = min(end, start + MAX_WINDOW)
        slices.append((start, stop))
        start = stop
    return slices


# --- client ----------------------------------------------------------------------------------

class ElevenstConnector(ElevenstClaims, ElevenstQna, Connector):
    marketplace = Marketplace.ELEVENST
    capabilities = Capabilities(confirm=True, confirm_batch=1, change_feed=False, max_window=MAX_WINDOW,
                                page_size=0, line_key="{ordNo}-{ordPrdSeq}", dispatch=True, delay=False,
                                stock_update=True, price_update=True, sale_status=True, inquiries=True,
                                inquiry_answers=True, claims=True, claim_decisions=True)
    credentials_model = ElevenstCredentials
    DEFAULT_RATE = Rate(per_second=2.0, burst=2)  # 11st publishes no limit; stay gentle

    def __init__(self, credentials: ElevenstCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, lists: Sequence[str] = ALL_LISTS,
                 claim_lists: Sequence[str] = ALL_CLAIM_LISTS, clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.lists = tuple(lists)
        unknown = set(self.lists) - set(LISTS)
        if unknown or not self.lists:
            raise ValueError(f"unknown 11st order lists: {sorted(unknown)}")
        self.claim_lists = tuple(claim_lists)
        if set(self.claim_lists) - set(CLAIM_LISTS):
            raise ValueError(f"unknown 11st claim lists: {sorted(set(self.claim_lists) - set(CLAIM_LISTS))}")
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api = ApiClient(marketplace=MP, base_url=base_url or BASE_URL,
                             limiter_key=f"elevenst:{credentials.openapikey[-8:]}", rate=self.DEFAULT_RATE,
                             options=options, default_headers={"openapikey": credentials.openapikey,
                                                               "Accept": "application/xml"})

    def _get(self, path: str, *, idempotent: bool = True) -> etree._Element:
        """One GET. A 5xx that is not one of 11st's own answers (an unknown path's -997, maintenance's
        -1000: retrying changes nothing) is a passing server fault and is retried like elsewhere."""
        attempts = self.api.options.retry.attempts if idempotent else 1
        for attempt in range(1, attempts + 1):
            response = self.api.send("GET", f"/rest{path}", idempotent=idempotent, retry_status=False)
            try:
                return _root_or_raise(response)
            except MaintenanceError:
                raise
            except TemporaryError as exc:
                if exc.status is None or exc.status < 500 or attempt == attempts:
                    raise
                self.api.options.sleep(self.api._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _list(self, name: str, start: datetime, end: datetime) -> etree._Element:
        return self._get(f"/ordservices/{name}/{start.strftime(TIME_FORMAT)}/{end.strftime(TIME_FORMAT)}")

    def _claim_list(self, name: str, start: datetime, end: datetime) -> tuple[list[ChannelOrder], list[RecordError]]:
        """One claim list for one window → every line of the orders it names (orderlistalladdr), the
        named lines marked with their pending claim."""
        keys, errors = parse_claim_keys(self._get(
            f"/claimservice/{name}/{start.strftime(TIME_FORMAT)}/{end.strftime(TIME_FORMAT)}"))
        claimed = {line_id(o, s) for o, s in keys}
        orders: list[ChannelOrder] = []
        for order_no in dict.fromkeys(o for o, _ in keys):
            lines, line_errors = parse_orders(self._get(
                f"/claimservice/orderlistalladdr/{quote(order_no, safe='')}"), CLAIM_LISTS[name])
            errors.extend(line_errors)
            for line in lines:
                orders.append(mark_cancel_requested(line) if line.order_line_id in claimed else line)
            missing = claimed - {line.order_line_id for line in lines} - {e.order_line_id for e in line_errors}
            errors.extend(RecordError(order_id=order_no, order_line_id=lid, field="claims.ordPrdSeq",
                                      message="11번가 클레임 목록의 주문순번이 주문에 없습니다", raw={})
                          for lid in sorted(missing) if lid.startswith(f"{order_no}-"))
        return orders, errors

    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        """The order lists, then the claim lists, each over every ≤ 7-day slice; one call per page."""
        slices = window_slices(window)
        state = decode_cursor(cursor, MP) or {"i": 0, "s": 0}
        index, piece = int(state["i"]), int(state["s"])
        sources = self.lists + self.claim_lists
        if not slices or index >= len(sources) or piece >= len(slices):
            return OrderPage()
        name = sources[index]
        start, end = slices[piece]
        if name in LISTS:
            orders, errors = parse_orders(self._list(name, start, end), LISTS[name])
        else:
            orders, errors = self._claim_list(name, start, end)
        if piece + 1 < len(slices):
            following: dict[str, int] | None = {"i": index, "s": piece + 1}
        elif index + 1 < len(sources):
            following = {"i": index + 1, "s": 0}
        else:
            following = None
        return OrderPage(orders=orders, errors=errors, has_more=following is not None,
                         next_cursor=encode_cursor(following) if following else None)

    def _order_lines(self, order_no: str) -> dict[str, ChannelOrder]:
        """Every line of one order as 11st holds it now (orderlistalladdr carries ordPrdStat)."""
        orders, errors = parse_orders(self._get(f"/claimservice/orderlistalladdr/{quote(order_no, safe='')}"))
        if errors and not orders:
            raise MalformedPayload(errors[0].field, errors[0].message, marketplace=MP)
        return {order.order_line_id: order for order in orders}

    def get_order(self, order_line_id: str) -> ChannelOrder:
        order_no, _seq = split_line_id(order_line_id)
        lines = self._order_lines(order_no)
        if order_line_id not in lines:
            raise BusinessError(f"11번가 주문에 해당 주문순번이 없습니다: {order_line_id}", marketplace=MP,
                                code="NOT_FOUND", status=404)
        return lines[order_line_id]

    def _write(self, path: str) -> ElevenstResult:
        """One write call (never retried blindly); the envelope's result, maintenance raised."""
        response = self.api.send("GET", f"/rest{path}", idempotent=False, retry_status=False)
        root = _root_or_raise(response, check_result=False)
        result = result_of(root)
        if result.code == "-1000":
            raise_for_result(result)
        return result

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        result = ConfirmResult()
        by_order: dict[str, list[str]] = {}
        for line in dict.fromkeys(line_ids):
            try:
                order_no, _ = split_line_id(line)
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=line, code=exc.code, message=exc.message))
                continue
            by_order.setdefault(order_no, []).append(line)
        for order_no, lines in by_order.items():
            current = self._order_lines(order_no)
            for line in lines:
                order = current.get(line)
                if order is None:
                    result.failed.append(LineFailure(order_line_id=line, code="NOT_FOUND",
                                                     message="11번가 주문에 해당 주문순번이 없습니다"))
                    continue
                if order.progress != Progress.PAID or order.claim != Claim.NONE:
                    if order.progress == Progress.CONFIRMED and order.claim == Claim.NONE:
                        result.confirmed.append(line)  # already confirmed at 11st
                        continue
                    result.failed.append(LineFailure(order_line_id=line, code=f"STATUS_{order.raw_status}",
                                                     message=f"발주확인할 수 없는 상태입니다 (11번가 상태 {order.raw_status})"))
                    continue
                raw = order.raw
                _, seq = split_line_id(line)
                add_yn = _clean(raw.get("addPrdYn") or "") or "N"
                add_no = _clean(raw.get("addPrdNo") or "") or "0"
                dlv_no = _clean(raw.get("dlvNo") or "")
                if not dlv_no:
                    result.failed.append(LineFailure(order_line_id=line, code="NO_DLVNO", message="배송번호(dlvNo)가 없습니다"))
                    continue
                answer = self._write("/ordservices/reqpackaging/" + "/".join(
                    quote(part, safe="") for part in (order_no, seq, add_yn, add_no, dlv_no)))
                if answer.code in ("", "0"):
                    result.confirmed.append(line)
                else:
                    result.failed.append(LineFailure(order_line_id=line, code=answer.code, message=answer.text,
                                                     retryable=answer.code in RETRYABLE_CODES))
        return result

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """발송처리 per 배송번호 (dlvNo): the whole bundle when every line of it awaiting dispatch is in
        `items`, else line by line (partDlvYn=Y). 택배 only."""
        result = DispatchResult()
        wanted: dict[str, list[DispatchItem]] = {}
        for item in unique_lines(items):
            problem = ""
            try:
                split_line_id(item.order_line_id)
            except BusinessError as exc:
                problem = exc.message
            if not problem and item.method != "parcel":
                problem = "11번가는 택배 발송처리만 지원합니다 (방문수령·직접전달 코드는 확인되지 않았습니다)"
            code = item.marketplace_carrier_code or CARRIER_CODES.get(item.carrier_code.lower(), "")
            if not problem and not code:
                problem = f"11번가 택배사 코드가 없습니다 (택배사 {item.carrier_code or '미지정'})"
            if not problem and not item.tracking_number:
                problem = "송장번호가 없습니다"
            if problem:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code="INVALID_ITEM", message=problem))
                continue
            wanted.setdefault(split_line_id(item.order_line_id)[0], []).append(
                item.model_copy(update={"marketplace_carrier_code": code}))
        for order_no, order_items in wanted.items():
            current = self._order_lines(order_no)
            groups: dict[tuple[str, str, str], list[DispatchItem]] = {}
            for item in order_items:
                order = current.get(item.order_line_id)
                if order is None:
                    result.failed.append(LineFailure(order_line_id=item.order_line_id, code="NOT_FOUND",
                                                     message="11번가 주문에 해당 주문순번이 없습니다"))
                    continue
                if order.progress in SHIPPED_PROGRESS and order.tracking_number == item.tracking_number:
                    result.sent.append(item.order_line_id)  # already dispatched with this number
                    continue
                if order.claim != Claim.NONE or order.progress not in (Progress.PAID, Progress.CONFIRMED):
                    result.failed.append(LineFailure(
                        order_line_id=item.order_line_id, code=f"STATUS_{order.raw_status}",
                        message=f"발송처리할 수 없는 상태입니다 (11번가 상태 {order.raw_status})"))
                    continue
                key = (order.bundle_id, item.marketplace_carrier_code, item.tracking_number)
                groups.setdefault(key, []).append(item)
            for (dlv_no, carrier, number), group in groups.items():
                bundle_open = {lid for lid, o in current.items() if o.bundle_id == dlv_no
                               and o.progress in (Progress.PAID, Progress.CONFIRMED) and o.claim == Claim.NONE}
                whole = bundle_open <= {item.order_line_id for item in group}
                send_dt = max(item.shipped_at for item in group).astimezone(v.KST).strftime(TIME_FORMAT)
                base = "/ordservices/reqdelivery/" + "/".join(
                    quote(part, safe="") for part in (send_dt, PARCEL_METHOD, carrier, number, dlv_no))
                calls = [(base, [item.order_line_id for item in group])] if whole else [
                    (f"{base}/Y/{quote(order_no, safe='')}/{split_line_id(item.order_line_id)[1]}",
                     [item.order_line_id]) for item in group]
                for path, lines in calls:
                    answer = self._write(path)
                    if answer.code in DISPATCH_OK or answer.code == "":
                        result.sent.extend(lines)
                    else:
                        result.failed.extend(LineFailure(order_line_id=line, code=answer.code, message=answer.text,
                                                         retryable=answer.code in RETRYABLE_CODES) for line in lines)
        return result

    # --- listings (stock, price, sale status) -----------------------------------------------------

    def _product_write(self, method: str, path: str, body: str | None = None) -> ElevenstResult:
        """One product write (never retried blindly): resultCode 200 = done; maintenance raised."""
        headers = {"Content-Type": "text/xml; charset=UTF-8"} if body is not None else None
        response = self.api.send(method, f"/rest{path}", idempotent=False, retry_status=False, headers=headers,
                                 content=body.encode("utf-8") if body is not None else None)
        root = _root_or_raise(response, check_result=False)
        result = result_of(root)
        if result.code == "-1000":
            raise_for_result(result)
        return result

    @staticmethod
    def _ok(result: ElevenstResult) -> bool:
        return result.code in ("", "0", "200")

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """재고수량 per 재고번호 (the option id). 11st has no compare-and-set: expected_quantity is ignored."""
        result = StockUpdateResult()
        for item in items:
            if not item.option_id.isdigit() or not item.product_id.isdigit():
                result.failed.append(LineFailure(order_line_id=f"{item.product_id}:{item.option_id}", code="BAD_ID",
                                                 product_id=item.product_id, option_id=item.option_id,
                                                 message="11번가 상품번호·재고번호는 숫자입니다"))
                continue
            body = ('<?xml version="1.0" encoding="UTF-8"?><ProductStock>'
                    f"<prdNo>{item.product_id}</prdNo><prdStckNo>{item.option_id}</prdStckNo>"
                    f"<stckQty>{item.quantity}</stckQty></ProductStock>")
            answer = self._product_write("PUT", f"/prodservices/stockqty/{item.option_id}", body)
            if self._ok(answer):
                result.applied.append((item.product_id, item.option_id))
            else:
                result.failed.append(LineFailure(order_line_id=f"{item.product_id}:{item.option_id}", code=answer.code,
                                                 message=answer.text, product_id=item.product_id,
                                                 option_id=item.option_id, retryable=answer.code in RETRYABLE_CODES))
        return result

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        """판매가 per product. An option's own price has no documented 11st call: refused per item."""
        result = ListingUpdateResult()
        for item in items:
            key = f"{item.product_id}:{item.option_id or ''}"
            if item.option_id or not item.product_id.isdigit():
                result.failed.append(LineFailure(
                    order_line_id=key, product_id=item.product_id, option_id=item.option_id or "", code="UNSUPPORTED",
                    message="11번가는 상품 판매가만 바꿀 수 있습니다 (옵션가 변경 API 미확인)" if item.option_id
                    else "11번가 상품번호는 숫자입니다"))
                continue
            answer = self._product_write("GET", f"/prodservices/product/price/{item.product_id}/{item.price}")
            if self._ok(answer):
                result.applied.append((item.product_id, ""))
            else:
                result.failed.append(LineFailure(order_line_id=key, product_id=item.product_id, code=answer.code,
                                                 message=answer.text, retryable=answer.code in RETRYABLE_CODES))
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        """판매중지 (stopdisplay) / 판매재개 (restartdisplay) per product."""
        result = ListingUpdateResult()
        for item in items:
            if not item.product_id.isdigit():
                result.failed.append(LineFailure(order_line_id=f"{item.product_id}:", product_id=item.product_id,
                                                 code="BAD_ID", message="11번가 상품번호는 숫자입니다"))
                continue
            action = "restartdisplay" if item.on_sale else "stopdisplay"
            answer = self._product_write("PUT", f"/prodstatservice/stat/{action}/{item.product_id}")
            if self._ok(answer):
                result.applied.append((item.product_id, ""))
            else:
                result.failed.append(LineFailure(order_line_id=f"{item.product_id}:", product_id=item.product_id,
                                                 code=answer.code, message=answer.text,
                                                 retryable=answer.code in RETRYABLE_CODES))
        return result

    def test_connection(self) -> ConnectionStatus:
        end = self.clock().astimezone(v.KST).replace(second=0, microsecond=0)
        self._list("complete", end - timedelta(hours=1), end)
        return ConnectionStatus(ok=True, account_name="11번가", detail="결제완료 주문 조회에 성공했습니다")


def _root_or_raise(response: httpx.Response, *, check_result: bool = True) -> etree._Element:
    status = response.status_code
    root: etree._Element | None = None
    try:
        root = parse_xml(response.content) if response.content.strip() else None
    except MalformedPayload:
        if status < 400:
            raise
    result = result_of(root) if root is not None else ElevenstResult()
    if result.code == "-997":
        raise_for_result(result)
    if result.code == "-1000":
        raise_for_result(result)
    if status in (401, 403):
        raise AuthError(result.text or f"HTTP {status}: openapikey 또는 등록된 IP를 확인하세요", marketplace=MP,
                        code=result.code, status=status)
    if status >= 500:
        raise TemporaryError(f"HTTP {status}: {result.text or response.text[:200]}", marketplace=MP, status=status)
    if status >= 400:
        raise BusinessError(result.text or f"HTTP {status}", marketplace=MP, code=result.code, status=status)
    if root is None:
        raise MalformedPayload("(응답 본문)", "빈 응답입니다", marketplace=MP)
    if check_result:
        raise_for_result(result)
    return root
