"""The connector interface every marketplace implements.

A connector is built from one marketplace account's credentials and talks only in the models of
`models.py`. The collector (channels issue) drives it like this:

    with build_connector("naver", credentials) as conn:
        for page in conn.iter_pages(FetchWindow(start=cursor - overlap, end=now - lag)):
            upsert(page.orders)            # keyed by (account, order_line_id)
            quarantine(page.errors)        # one bad record never stops the sync
            save(page.next_cursor)         # resumable: fetch_orders(window, cursor) continues

Cursors are opaque strings; they survive process restarts (JSON inside)."""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ValidationError

from .cs_models import (
    ClaimDecision,
    ClaimDecisionResult,
    ClaimPage,
    InquiryAnswer,
    InquiryAnswerResult,
    InquiryPage,
)
from .errors import ConnectorError, MalformedPayload, UnsupportedOperation
from .http import ApiClient, HttpOptions
from .models import (
    Capabilities,
    ChannelCategory,
    ChannelListing,
    ChannelOrder,
    ConfirmResult,
    ConnectionStatus,
    DelayItem,
    DelayResult,
    DispatchItem,
    DispatchResult,
    FetchWindow,
    KnownListing,
    LineFailure,
    ListingDraft,
    ListingPage,
    ListingUpdateResult,
    Marketplace,
    OrderPage,
    PriceUpdate,
    RecordError,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .settlement_models import SettlementPage


class Connector(ABC):
    marketplace: ClassVar[Marketplace]
    capabilities: ClassVar[Capabilities]
    credentials_model: ClassVar[type[BaseModel]]

    api: ApiClient

    @abstractmethod
    def fetch_orders(self, window: FetchWindow, cursor: str | None = None) -> OrderPage:
        """One page of order lines for the window, continuing from `cursor` (None = start)."""

    @abstractmethod
    def get_order(self, order_line_id: str) -> ChannelOrder:
        """Re-read one line now (e.g. before printing a label: address changes, cancel requests)."""

    @abstractmethod
    def confirm_orders(self, line_ids: Sequence[str]) -> ConfirmResult:
        """발주확인. Per-line outcome; partial success is normal."""

    @abstractmethod
    def test_connection(self) -> ConnectionStatus:
        """Prove the credentials work; raises AuthError with the marketplace's message when not."""

    # --- fulfilment ---------------------------------------------------------------------------
    # The methods below are optional: a marketplace that lacks one keeps the default, which raises
    # UnsupportedOperation, and says so in `capabilities` (dispatch, delay, listings, ...).

    def dispatch(self, items: Sequence[DispatchItem]) -> DispatchResult:
        """발송처리: report lines as shipped with carrier + tracking number (or visit/direct).
        Per-line outcome; an item lacking what its method needs fails on its own (nothing sent for it).
        Not retried after a 5xx/timeout (raises TemporaryError): the caller retries the whole
        message, and marketplaces answer an already-dispatched line as a per-line failure."""
        raise self._unsupported("발송처리")

    def delay(self, items: Sequence[DelayItem]) -> DelayResult:
        """발송지연 안내 with the marketplace's reason code and the expected dispatch date."""
        raise self._unsupported("발송지연")

    # --- listings ------------------------------------------------------------------------------

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        """One page of the seller's products with options, stock, price and sale status."""
        raise self._unsupported("상품 조회")

    def get_listing(self, product_id: str) -> ChannelListing:
        raise self._unsupported("상품 조회")

    def iter_listings(self) -> Iterator[ChannelListing]:
        cursor: str | None = None
        while True:
            page = self.list_listings(cursor)
            yield from page.listings
            if not page.has_more:
                return
            cursor = page.next_cursor

    def list_categories(self) -> list[ChannelCategory]:
        """The marketplace's whole category tree (every node, parents before children), for picking the
        category a listing registers in."""
        raise self._unsupported("카테고리 조회")

    def register_listing(self, draft: ListingDraft) -> ChannelListing:
        """쇼핑몰전송: create the product; returns it as the marketplace now holds it. Raises
        BusinessError (code "DRAFT_INVALID") naming the missing fields before sending anything."""
        raise self._unsupported("상품 등록")

    def update_listing(self, product_id: str, draft: ListingDraft) -> ChannelListing:
        raise self._unsupported("상품 수정")

    def remember_listings(self, listings: Sequence[KnownListing]) -> None:
        """Hand the connector what the OMS already knows of these listings (marketplace product numbers,
        options, prices, stock) so the listing writes that follow need not look them up first. A
        connector that needs nothing ignores it; what it is told is trusted only for this connector's
        life, and a write the marketplace refuses on that basis is retried after a fresh read."""
        return None

    # Stock writes per request: how many listings (or options, with STOCK_PER_OPTION) one stock-writing
    # call carries. A connector whose marketplace takes several in one request says so.
    STOCK_LISTINGS_PER_CALL: ClassVar[int] = 1
    # True: the marketplace's stock unit is the option (Coupang vendor item, Shopify variant), so a
    # listing with N options costs N units of stock_push_capacity; False: one unit per listing whatever
    # its options (Naver writes every option of a product in one request).
    STOCK_PER_OPTION: ClassVar[bool] = False

    def stock_push_capacity(self, seconds: float) -> int:
        """How many listings' stock (options' with STOCK_PER_OPTION) this account's request budget (the
        rate its limiter enforces) writes in `seconds`: the size of one push message, so a change made
        now waits for at most that long."""
        calls = max(1, int(self.api.rate.per_second * seconds))
        return calls * self.STOCK_LISTINGS_PER_CALL

    def stock_push_floor(self, listings: int) -> float:
        """The fewest seconds the documented limits allow for writing the stock of `listings` listings
        not pushed before: the requests it needs (reads the API requires first included) at the
        sustained rate."""
        return self._stock_push_calls(listings) / self.api.rate.per_second

    def _stock_push_calls(self, listings: int) -> int:
        return -(-max(0, listings) // self.STOCK_LISTINGS_PER_CALL)

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """Set per-option stock. With `capabilities.compare_and_set`, an item whose
        expected_quantity no longer matches is not applied and comes back in `conflicts` with the
        marketplace's actual quantity (re-read after the refusal)."""
        raise self._unsupported("재고 수정")

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        raise self._unsupported("가격 수정")

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        """판매중 ↔ 판매중지 per product."""
        raise self._unsupported("판매상태 변경")

    # --- customer service (issue 13) and settlement (issue 14): cs_models.py, settlement_models.py ---

    def fetch_claims(self, window: FetchWindow, cursor: str | None = None) -> ClaimPage:
        """Claims (취소/반품/교환) created or changed in the window, resumable by cursor."""
        raise self._unsupported("클레임 조회")

    def decide_claims(self, items: Sequence[ClaimDecision]) -> ClaimDecisionResult:
        """Approve / reject / hold / re-ship claims, or cancel lines on the seller's side."""
        raise self._unsupported("클레임 처리")

    def fetch_inquiries(self, window: FetchWindow, cursor: str | None = None) -> InquiryPage:
        """Product Q&A and order/customer-centre inquiries asked or changed in the window."""
        raise self._unsupported("문의 조회")

    def answer_inquiries(self, items: Sequence[InquiryAnswer]) -> InquiryAnswerResult:
        """Send answers (or edit them, with `answer_id`, where `capabilities.answer_edit`)."""
        raise self._unsupported("문의 답변")

    def fetch_settlements(self, start: date, end: date, cursor: str | None = None) -> SettlementPage:
        """The marketplace's settlement rows whose settle_date falls in [start, end] (KST dates)."""
        raise self._unsupported("정산 조회")

    @classmethod
    def settlement_match_key(cls, order_id: str, order_line_id: str) -> str:
        """The key an order line of ours is matched on against `ChannelSettlement.key`: the line itself
        where the marketplace settles per line (Naver), coarser where it does not (Coupang, Shopify)."""
        return order_line_id

    @classmethod
    def settlement_shipping_key(cls, order_id: str) -> str:
        """The key the marketplace settles an order's shipping fee under when it does so per order
        (Naver DELIVERY rows, Coupang deliveryFee): our lines' shipping share is compared there. Empty:
        shipping is settled with the line (or the whole order is one key)."""
        return ""

    def _unsupported(self, what: str) -> UnsupportedOperation:
        return UnsupportedOperation(f"{self.marketplace.value}: {what} 기능을 지원하지 않습니다",
                                    marketplace=self.marketplace.value)

    def iter_pages(self, window: FetchWindow, cursor: str | None = None) -> Iterator[OrderPage]:
        while True:
            page = self.fetch_orders(window, cursor)
            yield page
            if not page.has_more:
                return
            cursor = next_page_cursor(page, cursor, self.marketplace)

    def close(self) -> None:
        self.api.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- helpers shared by the connector modules --------------------------------------------------

def next_page_cursor(page: Any, cursor: str | None, marketplace: str = "") -> str:
    """The cursor of the page after `page` (fetched with `cursor`). A marketplace that says there is more
    but hands back no cursor, or the very cursor it was asked with, would have the collection read the
    same page forever: that answer is refused (the collection fails and the next run starts over)."""
    following = page.next_cursor
    if not following or following == cursor:
        raise MalformedPayload("next_cursor", "다음 페이지가 있다고 하면서 같은 페이지를 다시 가리킵니다",
                               marketplace=str(marketplace or ""), value=following)
    return following


def encode_cursor(state: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, marketplace: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ConnectorError(f"잘못된 커서입니다: {cursor[:40]!r}", marketplace=marketplace) from exc
    if not isinstance(state, dict):
        raise ConnectorError(f"잘못된 커서입니다: {cursor[:40]!r}", marketplace=marketplace)
    return state


def response_json(response: httpx.Response, marketplace: str) -> Any:
    try:
        return response.json()
    except ValueError:
        from .http import unparsed_body

        raise MalformedPayload("(응답 본문)", f"JSON이 아닙니다: {unparsed_body(response)}", marketplace=marketplace)


def parse_many(items: Sequence[Any], parse: Callable[[Any, str], list[ChannelOrder]], prefix: str,
               ids: Callable[[Any], tuple[str, str]]) -> tuple[list[ChannelOrder], list[RecordError]]:
    """Parse each record on its own: a malformed one becomes a RecordError, the rest go on."""
    orders: list[ChannelOrder] = []
    errors: list[RecordError] = []
    for index, item in enumerate(items):
        path = f"{prefix}[{index}]"
        try:
            orders.extend(parse(item, path))
        except MalformedPayload as exc:
            order_id, line_id = ids(item)
            errors.append(RecordError(order_id=order_id, order_line_id=line_id, field=exc.field, message=str(exc),
                                      raw=item if isinstance(item, dict) else {"value": item}))
        except ValidationError as exc:
            order_id, line_id = ids(item)
            first = exc.errors()[0]
            errors.append(RecordError(order_id=order_id, order_line_id=line_id,
                                      field=f"{path}." + ".".join(str(p) for p in first["loc"]),
                                      message=first["msg"], raw=item if isinstance(item, dict) else {"value": item}))
    return orders, errors


def dedupe(orders: Sequence[ChannelOrder]) -> list[ChannelOrder]:
    """Keep the last occurrence of each line id (a later page has the newer state)."""
    seen: dict[str, ChannelOrder] = {}
    for order in orders:
        seen.pop(order.order_line_id, None)
        seen[order.order_line_id] = order
    return list(seen.values())


def unique_lines(items: Sequence[Any]) -> list[Any]:
    """Items keyed by order_line_id, first occurrence kept (a line is reported once per call)."""
    seen: dict[str, Any] = {}
    for item in items:
        seen.setdefault(item.order_line_id, item)
    return list(seen.values())


def by_product(items: Sequence[Any]) -> dict[str, list[Any]]:
    """Listing updates grouped by product_id, in order."""
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(item.product_id, []).append(item)
    return groups


def listing_failures(product_id: str, option_ids: Sequence[str | None], exc: ConnectorError) -> list[LineFailure]:
    """One LineFailure per (product, option) refused by one marketplace error."""
    return [LineFailure(order_line_id=f"{product_id}:{option or ''}", product_id=product_id, option_id=option or "",
                        code=str(getattr(exc, "code", "") or ""), message=exc.message) for option in option_ids]


# --- registry ---------------------------------------------------------------------------------

def connector_class(kind: str) -> type[Connector]:
    from .cafe24 import Cafe24Connector
    from .coupang import CoupangConnector
    from .elevenst import ElevenstConnector
    from .esm import AuctionConnector, GmarketConnector
    from .naver import NaverConnector
    from .shopify import ShopifyConnector

    classes: dict[str, type[Connector]] = {
        Marketplace.NAVER: NaverConnector, Marketplace.COUPANG: CoupangConnector, Marketplace.SHOPIFY: ShopifyConnector,
        Marketplace.ELEVENST: ElevenstConnector, Marketplace.CAFE24: Cafe24Connector,
        Marketplace.GMARKET: GmarketConnector, Marketplace.AUCTION: AuctionConnector,
    }
    try:
        return classes[Marketplace(kind)]
    except (KeyError, ValueError):
        raise ConnectorError(f"지원하지 않는 마켓입니다: {kind!r}")


def build_connector(kind: str, credentials: Mapping[str, Any], *, base_url: str | None = None,
                    options: HttpOptions | None = None, **extra: Any) -> Connector:
    """`extra`: keyword arguments only some connectors take (Shopify's `token_store`)."""
    cls = connector_class(kind)
    creds = cls.credentials_model.model_validate(dict(credentials))
    return cls(creds, base_url=base_url, options=options, **extra)  # type: ignore[call-arg]
