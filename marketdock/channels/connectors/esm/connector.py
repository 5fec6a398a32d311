"""The ESM connector: one class for both sites, the site (gmarket / auction) fixed per subclass so
each channel kind maps to one connector class in the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from .. import values as v
from ..base import Connector, decode_cursor, encode_cursor, response_json, unique_lines
from ..errors import AuthError, BusinessError, RateLimited, TemporaryError, UnsupportedOperation
from ..http import ApiClient, HttpOptions
from ..models import (
    Capabilities,
    ChannelOrder,
    ConfirmResult,
    ConnectionStatus,
    DelayItem,
    DelayResult,
    DispatchItem,
    DispatchResult,
    FetchWindow,
    LineFailure,
    ListingUpdateResult,
    Marketplace,
    OrderPage,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from ..ratelimit import Rate
from .auth import EsmCredentials, make_token
from .parsing import parse_orders, result_of
from .statuses import (
    CAPABILITY_TABLE,
    CARRIER_CODES,
    COLLECTED_STATUSES,
    RESULT_OK,
    RESULT_RATE_LIMITED,
    SHIPPING_DATE_LIMIT,
    SITES,
    STAR_DELIVERY_CARRIERS,
    Site,
)

BASE_URL = "https://sa2.esmplus.com"
PAGE_SIZE = 100  # UNCONFIRMED: the largest pageSize ESM accepts is not published
DATE_FORMAT = "%Y-%m-%d %H:%M"
ORDER_DATE = 1  # requestDateType 1 = 주문일. UNCONFIRMED: the codes of 결제일/발송마감일
RATE_LIMIT_WAIT = 5.0
STOCK_RANGE = (1, 99_999)  # UNCONFIRMED (third party): Stock.{gmkt|iac} 1~99,999


class EsmConnector(Connector):
    """G마켓 / 옥션 through the ESM Trading API. Subclasses fix `site`."""

    site: ClassVar[Site]
    credentials_model = EsmCredentials
    capability_table = CAPABILITY_TABLE
    # order lookups: 1 call per 5 s per seller ID (ESM since 2025-04-23); writes share the same limiter
    DEFAULT_RATE = Rate(per_second=0.19, burst=1)  # 5.3 s apart: clear of the 5-second edge

    def __init__(self, credentials: EsmCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, statuses: Sequence[str] = COLLECTED_STATUSES,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.statuses = tuple(statuses)
        self.page_size = PAGE_SIZE  # the collector may lower it (account option page_size)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api = ApiClient(marketplace=self.site.code, base_url=base_url or BASE_URL,
                             limiter_key=f"esm:{self.site.code}:{credentials.seller_id}", rate=self.DEFAULT_RATE,
                             options=options, default_headers={"Accept": "application/json"})

    # --- transport -------------------------------------------------------------------------------

    def _auth(self, method: str, path: str, query: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(self.credentials, self.site.code)}"}

    def _call(self, method: str, path: str, body: Any = None, *, idempotent: bool) -> Any:
        """One request; the envelope when ResultCode is 0, else the typed error. ESM's throttle answer
        (ResultCode 3000: another lookup within 5 s, e.g. by a worker that just died) holds the limiter
        for 5 s and a lookup is tried again, like a 429; RateLimited when the tries run out."""
        attempts = self.api.options.retry.attempts if idempotent else 1
        for attempt in range(1, attempts + 1):
            response = self.api.send(method, path, json=body, sign=self._auth, idempotent=idempotent,
                                     retry_status=idempotent)
            try:
                return self._envelope(response)
            except RateLimited:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _envelope(self, response: httpx.Response) -> Any:
        mp = self.site.code
        status = response.status_code
        if status in (401, 403):
            message = ""
            try:
                message = str((response.json() or {}).get("Message") or "")
            except ValueError:
                pass
            raise AuthError(f"ESM 인증에 실패했습니다 (HTTP {status}). 마스터 ID·시크릿 키, ESM+ 셀링툴 사용 설정, "
                            f"호출 서버 IP 등록을 확인하세요. {message}".strip(), marketplace=mp, status=status)
        if status >= 500:
            raise TemporaryError(f"ESM 서버 오류 (HTTP {status})", marketplace=mp, status=status)
        payload = response_json(response, mp)
        code, message = result_of(payload, mp)
        if code == RESULT_RATE_LIMITED:
            self.api.limiter.block(self.api.limiter_key, RATE_LIMIT_WAIT)
            raise RateLimited(f"ESM 조회 한도(판매자 ID당 5초에 1회)를 넘었습니다: {message}", marketplace=mp,
                              retry_after=RATE_LIMIT_WAIT)
        if status >= 400 or code != RESULT_OK:
            raise BusinessError(message or f"ESM 오류 {code} (HTTP {status})", marketplace=mp, code=str(code),
                                status=status)
        return payload

    # --- orders ----------------------------------------------------------------------------------

    def _slices(self, window: FetchWindow) -> list[tuple[datetime, datetime]]:
        start = window.start.astimezone(v.KST).replace(second=0, microsecond=0)
        end = window.end.astimezone(v.KST)
        pieces = []
        while start < end:
            stop = min(end, start + self.site.max_window)
            pieces.append((start, stop))
            start = stop
        return pieces

    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        """Per orderStatus (1 결제완료, 2 배송준비중, 3 배송중, 4 배송완료), per date slice, page by page.
        The cursor holds (status index, slice, page)."""
        slices = self._slices(window)
        state = decode_cursor(cursor, self.site.code) or {"i": 0, "s": 0, "p": 1}
        index, piece, page = int(state["i"]), int(state["s"]), int(state.get("p", 1))
        if not slices or index >= len(self.statuses) or piece >= len(slices):
            return OrderPage()
        status = self.statuses[index]
        start, end = slices[piece]
        body = {"siteType": self.site.site_type, "orderStatus": int(status), "requestDateType": ORDER_DATE,
                "requestDateFrom": start.strftime(DATE_FORMAT), "requestDateTo": end.strftime(DATE_FORMAT),
                "pageIndex": page, "pageSize": self.page_size}
        payload = self._call("POST", "/shipping/v1/Order/RequestOrders", body, idempotent=True)
        orders, errors, total = parse_orders(payload, self.site.code, default_status=status)
        if page * self.page_size < total and (orders or errors):
            following: dict[str, int] | None = {"i": index, "s": piece, "p": page + 1}
        elif piece + 1 < len(slices):
            following = {"i": index, "s": piece + 1, "p": 1}
        elif index + 1 < len(self.statuses):
            following = {"i": index + 1, "s": 0, "p": 1}
        else:
            following = None
        return OrderPage(orders=orders, errors=errors, has_more=following is not None,
                         next_cursor=encode_cursor(following) if following else None)

    def get_order(self, order_line_id: str) -> ChannelOrder:
        raise UnsupportedOperation(
            f"{self.site.name}: 주문 한 건을 다시 조회하는 ESM API가 확인되지 않아 지원하지 않습니다 "
            "(주문 수집으로 최신 상태를 받습니다)", marketplace=self.site.code)

    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        """발주확인 per OrderNo (주문확인): 결제완료 → 배송준비중. Must precede 발송처리."""
        result = ConfirmResult()
        for line in dict.fromkeys(line_ids):
            if not line.isdigit():
                result.failed.append(LineFailure(order_line_id=line, code="BAD_LINE_ID",
                                                 message=f"{self.site.name} 주문번호는 숫자입니다"))
                continue
            try:
                self._call("POST", f"/shipping/v1/Order/OrderCheck/{quote(line, safe='')}", None, idempotent=False)
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=line, code=exc.code, message=exc.message))
                continue
            result.confirmed.append(line)
        return result

    def carrier_code(self, item: DispatchItem) -> str:
        return item.marketplace_carrier_code or CARRIER_CODES.get(item.carrier_code.lower(), "")

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """발송처리 per OrderNo with ESM's carrier code. Refused per line: a method other than 택배, a carrier
        without a known ESM code, a shipping date more than 2 days from now (ESM refuses it)."""
        result = DispatchResult()
        now = self.clock()
        for item in unique_lines(items):
            line = item.order_line_id
            code = self.carrier_code(item)
            problem = ""
            if not line.isdigit():
                problem = f"{self.site.name} 주문번호는 숫자입니다"
            elif item.method != "parcel":
                problem = f"{self.site.name}에서는 택배 발송처리만 지원합니다 (방문수령·직접전달 코드는 확인되지 않았습니다)"
            elif not code:
                problem = (f"{self.site.name} 택배사 코드가 없습니다 (택배사 {item.carrier_code or '미지정'}: "
                           "ESM 코드가 확인된 택배사는 우체국·로젠·한진·롯데·CJ대한통운·기타입니다)")
            elif not item.tracking_number:
                problem = "송장번호가 없습니다"
            elif abs(now - item.shipped_at) > SHIPPING_DATE_LIMIT:
                problem = "ESM은 발송일이 오늘 기준 2일 이내여야 합니다. 발송일을 확인하세요"
            if problem:
                result.failed.append(LineFailure(order_line_id=line, code="INVALID_ITEM", message=problem))
                continue
            # UNCONFIRMED: the field names of the ShippingInfo body
            body = {"OrderNo": int(line), "ShippingDate": item.shipped_at.astimezone(v.KST).strftime("%Y-%m-%d"),
                    "DeliveryCompanyCode": int(code), "InvoiceNo": item.tracking_number}
            try:
                self._call("POST", "/shipping/v1/Delivery/ShippingInfo", body, idempotent=False)
            except BusinessError as exc:
                hint = ""
                if code not in STAR_DELIVERY_CARRIERS:
                    hint = " (스타배송 주문은 CJ대한통운·한진·롯데로만 발송할 수 있습니다)"
                result.failed.append(LineFailure(order_line_id=line, code=exc.code, message=exc.message + hint))
                continue
            result.sent.append(line)
        return result

    def delay(self, items: Sequence[DelayItem]) -> DelayResult:
        raise UnsupportedOperation(f"{self.site.name}: 발송지연 안내 API가 확인되지 않아 지원하지 않습니다 "
                                   "(ESM+에서 직접 처리하세요)", marketplace=self.site.code)

    # --- listings (per product: ESM's sell-status takes one value per site) ------------------------

    def _sell_status(self, goods_no: str, body: dict[str, Any]) -> None:
        # UNCONFIRMED: the sell-status body shape ({isSell|Price|Stock: {gmkt|iac: value}}) is third-party
        self._call("PUT", f"/item/v1/goods/{quote(goods_no, safe='')}/sell-status", body, idempotent=False)

    def _listing_write(self, product_id: str, option_id: str, body: dict[str, Any]) -> LineFailure | None:
        try:
            self._sell_status(product_id, body)
        except BusinessError as exc:
            return LineFailure(order_line_id=f"{product_id}:{option_id}", product_id=product_id, option_id=option_id,
                               code=exc.code, message=exc.message)
        return None

    def _refuse(self, product_id: str, option_id: str, code: str, message: str) -> LineFailure:
        return LineFailure(order_line_id=f"{product_id}:{option_id}", product_id=product_id, option_id=option_id,
                           code=code, message=message)

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """재고 per product (goodsNo). An option's own stock and stock 0 are refused per item: ESM takes
        1~99,999 per product and site (sell out with 판매중지)."""
        result = StockUpdateResult()
        key = self.site.goods_key
        for item in items:
            if item.option_id and item.option_id != item.product_id:
                result.failed.append(self._refuse(item.product_id, item.option_id, "UNSUPPORTED",
                                                  f"{self.site.name}에서는 상품 단위 재고만 바꿀 수 있습니다 (옵션별 재고 API 미확인)"))
                continue
            if not item.product_id.isdigit():
                result.failed.append(self._refuse(item.product_id, item.option_id, "BAD_ID", "ESM 상품번호는 숫자입니다"))
                continue
            if not STOCK_RANGE[0] <= item.quantity <= STOCK_RANGE[1]:
                result.failed.append(self._refuse(
                    item.product_id, item.option_id, "OUT_OF_RANGE",
                    "ESM 재고는 1~99,999개입니다. 품절은 판매중지로 처리하세요"))
                continue
            failure = self._listing_write(item.product_id, item.option_id, {"Stock": {key: item.quantity}})
            if failure:
                result.failed.append(failure)
            else:
                result.applied.append((item.product_id, item.option_id))
        return result

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        key = self.site.goods_key
        for item in items:
            if item.option_id:
                result.failed.append(self._refuse(item.product_id, item.option_id, "UNSUPPORTED",
                                                  f"{self.site.name}에서는 상품 판매가만 바꿀 수 있습니다 (옵션가 변경 API 미확인)"))
                continue
            if not item.product_id.isdigit():
                result.failed.append(self._refuse(item.product_id, "", "BAD_ID", "ESM 상품번호는 숫자입니다"))
                continue
            if item.price < 10 or item.price % 10:
                result.failed.append(self._refuse(item.product_id, "", "BAD_PRICE", "ESM 판매가는 10원 단위, 10원 이상입니다"))
                continue
            failure = self._listing_write(item.product_id, "", {"Price": {key: item.price}})
            if failure:
                result.failed.append(failure)
            else:
                result.applied.append((item.product_id, ""))
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        key = self.site.goods_key
        for item in items:
            if not item.product_id.isdigit():
                result.failed.append(self._refuse(item.product_id, "", "BAD_ID", "ESM 상품번호는 숫자입니다"))
                continue
            failure = self._listing_write(item.product_id, "", {"isSell": {key: item.on_sale}})
            if failure:
                result.failed.append(failure)
            else:
                result.applied.append((item.product_id, ""))
        return result

    def test_connection(self) -> ConnectionStatus:
        end = self.clock().astimezone(v.KST).replace(second=0, microsecond=0)
        body = {"siteType": self.site.site_type, "orderStatus": 1, "requestDateType": ORDER_DATE,
                "requestDateFrom": (end.replace(hour=0, minute=0)).strftime(DATE_FORMAT),
                "requestDateTo": end.strftime(DATE_FORMAT), "pageIndex": 1, "pageSize": 1}
        self._call("POST", "/shipping/v1/Order/RequestOrders", body, idempotent=True)
        return ConnectionStatus(ok=True, account_name=self.site.name, detail="결제완료 주문 조회에 성공했습니다")


class GmarketConnector(EsmConnector):
    marketplace = Marketplace.GMARKET
    site = SITES["gmarket"]
    capabilities = Capabilities(confirm=True, confirm_batch=1, change_feed=False, max_window=SITES["gmarket"].max_window,
                                page_size=PAGE_SIZE, line_key="{OrderNo}", dispatch=True, delay=False,
                                stock_update=True, price_update=True, sale_status=True)


class AuctionConnector(EsmConnector):
    marketplace = Marketplace.AUCTION
    site = SITES["auction"]
    capabilities = Capabilities(confirm=True, confirm_batch=1, change_feed=False, max_window=SITES["auction"].max_window,
                                page_size=PAGE_SIZE, line_key="{OrderNo}", dispatch=True, delay=False,
                                stock_update=True, price_update=True, sale_status=True)


CONNECTORS = {"gmarket": GmarketConnector, "auction": AuctionConnector}
