"""The Cafe24 connector: auth/transport (auth.py), orders (orders.py), fulfilment (fulfilment.py) and
listings (listings.py) put together behind the common Connector interface."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ..base import Connector, decode_cursor, encode_cursor
from ..errors import BusinessError, MalformedPayload
from ..http import HttpOptions
from ..models import Capabilities, ChannelOrder, ConnectionStatus, FetchWindow, Marketplace, OrderPage
from .auth import DEFAULT_RATE, MP, Cafe24Credentials, TokenStore, Transport
from .fulfilment import FulfilmentMixin
from .inquiries import Cafe24Inquiries
from .listings import ListingsMixin
from .orders import (
    DATE_TYPES,
    EMBED,
    MAX_OFFSET,
    MAX_WINDOW,
    PAGE_SIZE,
    decode_pieces,
    encode_pieces,
    halves,
    order_id_of,
    parse_order,
    parse_orders,
    query_time,
    window_pieces,
)


class Cafe24Connector(FulfilmentMixin, ListingsMixin, Cafe24Inquiries, Connector):
    marketplace = Marketplace.CAFE24
    capabilities = Capabilities(confirm=True, confirm_batch=100, change_feed=False, max_window=MAX_WINDOW,
                                page_size=PAGE_SIZE, line_key="{order_item_code}", dispatch=True, delay=False,
                                stock_update=True, price_update=True, sale_status=True, inquiries=True,
                                inquiry_answers=True)
    credentials_model = Cafe24Credentials
    DEFAULT_RATE = DEFAULT_RATE

    def __init__(self, credentials: Cafe24Credentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, token_store: TokenStore | None = None,
                 date_types: tuple[str, ...] = DATE_TYPES, page_size: int = PAGE_SIZE, max_offset: int = MAX_OFFSET,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.transport = Transport(credentials, base_url=base_url, options=options, token_store=token_store)
        self.api = self.transport.api
        self.date_types = tuple(date_types)
        self.page_size, self.max_offset = page_size, max_offset
        self.clock = clock or (lambda: datetime.now(UTC))
        self._carriers = None

    def close(self) -> None:
        self.transport.close()

    # --- orders ------------------------------------------------------------------------------
    def _params(self, date_type: str, piece) -> dict:
        return {"shop_no": 1, "date_type": date_type, "start_date": query_time(piece[0]),
                "end_date": query_time(piece[1])}

    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        """One page: the next `page_size` orders of the current piece of the current date type. A piece
        more than `max_offset + page_size` orders deep is halved first (cursor keeps the halves)."""
        state = decode_cursor(cursor, MP) or {"d": 0, "q": encode_pieces(window_pieces(window.start, window.end)),
                                              "o": 0}
        d, pieces, offset = int(state["d"]), decode_pieces(state["q"]), int(state["o"])
        while d < len(self.date_types):
            if not pieces:
                d, offset = d + 1, 0
                pieces = window_pieces(window.start, window.end)
                continue
            date_type, piece = self.date_types[d], pieces[0]
            if offset == 0:
                body = self.transport.call("GET", "/orders/count", params=self._params(date_type, piece))
                count = body.get("count") if isinstance(body, dict) else None
                if not isinstance(count, int):
                    raise MalformedPayload("count", "주문 건수가 없습니다", marketplace=MP, value=count)
                if count == 0:
                    pieces.pop(0)
                    continue
                if count > self.max_offset + self.page_size:
                    pieces[0:1] = halves(piece)
                    continue
            body = self.transport.call("GET", "/orders", params={
                **self._params(date_type, piece), "limit": self.page_size, "offset": offset, "embed": EMBED})
            orders, errors, count = parse_orders(body)
            if count >= self.page_size and offset + self.page_size <= self.max_offset:
                offset += self.page_size
            else:
                pieces.pop(0)
                offset = 0
            more = bool(pieces) or d + 1 < len(self.date_types)
            following = {"d": d, "q": encode_pieces(pieces), "o": offset} if pieces else {
                "d": d + 1, "q": encode_pieces(window_pieces(window.start, window.end)), "o": 0}
            return OrderPage(orders=orders, errors=errors, has_more=more,
                             next_cursor=encode_cursor(following) if more else None)
        return OrderPage()

    def _lines_now(self, order_id: str) -> dict[str, ChannelOrder]:
        body = self.transport.call("GET", f"/orders/{order_id}", params={"shop_no": 1, "embed": EMBED})
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict):
            raise MalformedPayload("order", "주문이 없습니다", marketplace=MP)
        return {line.order_line_id: line for line in parse_order(order, "order")}

    def get_order(self, order_line_id: str) -> ChannelOrder:
        lines = self._lines_now(order_id_of(order_line_id))
        if order_line_id not in lines:
            raise BusinessError(f"카페24 주문에 해당 품주코드가 없습니다: {order_line_id}", marketplace=MP, code="NOT_FOUND",
                                status=404)
        return lines[order_line_id]

    def test_connection(self) -> ConnectionStatus:
        body = self.transport.call("GET", "/store", params={"shop_no": 1})
        store = body.get("store") if isinstance(body, dict) else None
        name = str((store or {}).get("shop_name") or (store or {}).get("mall_id") or self.credentials.mall_id)
        return ConnectionStatus(ok=True, account_name=name, detail="카페24 쇼핑몰 정보 조회에 성공했습니다")
