"""쇼핑몰 계정 / channel accounts (list, status, start a collection), listings with their stock push state,
and the change feed for integrations that poll (`GET /changes?since=`)."""

from __future__ import annotations

import base64
import binascii
import heapq
import re

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from marketdock.channels import selectors as channel_selectors
from marketdock.inventory.models import StockMovement
from marketdock.listings import selectors as listing_selectors
from marketdock.listings.models import ListingDirty, SyncKind
from marketdock.orders import services as order_services
from marketdock.orders.models import CollectionRun, OrderEvent

from .. import schemas as s
from ..auth import KeyAuth
from ..common import MAX_ID, PathId, doc, get_or_404, id_page
from ..errors import ApiError, error_responses
from ..idempotency import idempotent

router = Router(tags=["channels"])
READ, WRITE = KeyAuth("channels:read"), KeyAuth("channels:write")
LISTINGS = KeyAuth("listings:read")
CHANGES = KeyAuth("orders:read")

ACCOUNT_FIELDS = ("id", "kind", "name", "is_active", "auto_collect", "collect_every_minutes", "last_collected_at",
                  "next_collect_at", "last_status", "last_error")


def _account(a) -> dict:
    return {f: getattr(a, f) for f in ACCOUNT_FIELDS}


@router.get("/channel-accounts", auth=READ, response=error_responses({200: s.AccountListOut}),
            **doc("쇼핑몰 계정 목록과 수집 상태", "Channel accounts with their collection state.", "channels:read"))
def accounts_list(request):
    return {"items": [_account(a) for a in channel_selectors.channel_accounts(request.company)]}


@router.get("/channel-accounts/{int:account_id}", auth=READ, response=error_responses({200: s.AccountOut}),
            **doc("쇼핑몰 계정 상태", "One channel account and its last collection.", "channels:read"))
def accounts_get(request, account_id: PathId):
    return _account(get_or_404(channel_selectors.channel_account_get, request.company, account_id))


@router.post("/channel-accounts/{int:account_id}/collect", auth=WRITE, response=error_responses({202: s.CollectOut}),
             **doc("주문 수집 시작 (지금 수집)", "Start collecting orders of the account now (a background job).",
                   "channels:write"))
def accounts_collect(request, account_id: PathId):
    account = get_or_404(channel_selectors.channel_account_get, request.company, account_id)

    def run():
        job = order_services.collection_run_start(account=account, user=None, trigger=CollectionRun.Trigger.MANUAL)
        return 202, {"job_id": job.pk, "message": _("수집을 시작했습니다: %(name)s") % {"name": account.name}}

    return idempotent(request, {"account": account_id}, run)


class ListingQuery(Schema):
    account_id: int | None = Field(None, ge=1, le=MAX_ID)
    q: str = Field("", max_length=100)
    cursor: str = Field("", max_length=100)
    size: int = Field(50, ge=1, le=200)


def _listing(listing, pending: set[int]) -> dict:
    state = getattr(listing, "sync_state", None) if hasattr(listing, "sync_state") else None
    pushed = (state.stock_pushed or {}) if state is not None else {}
    return {
        "id": listing.pk, "account_id": listing.account_id, "product_id": listing.product_id,
        "channel_product_id": listing.channel_product_id, "name": listing.name, "price": listing.price,
        "currency": listing.currency, "sale_status": listing.sale_status, "status": listing.status,
        "stock_pushed_at": state.stock_pushed_at if state is not None else None,
        "stock_push_pending": listing.pk in pending,
        "last_error": (state.last_error if state is not None and state.last_error else listing.last_error) or "",
        "options": [{"id": o.pk, "channel_option_id": o.channel_option_id, "name": o.name, "sku_id": o.sku_id,
                     "quantity": o.quantity, "channel_stock": o.channel_stock,
                     "pushed_stock": _int(pushed.get(o.channel_option_id))} for o in listing.options.all()],
    }


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@router.get("/listings", auth=LISTINGS, response=error_responses({200: s.ListingPageOut}),
            **doc("쇼핑몰 상품 목록과 재고 전송 상태", "Listings with their options and stock push state (last pushed "
                  "quantities, pending push).", "listings:read"))
def listings_list(request, q: Query[ListingQuery]):
    qs = listing_selectors.listing_search(request.company, account_id=q.account_id, q=q.q)
    rows, cursor = id_page(qs.select_related("sync_state").prefetch_related("options"), q.cursor, q.size)
    pending = set(ListingDirty.objects.filter(company=request.company, kind=SyncKind.STOCK,
                                              listing_id__in=[x.pk for x in rows]).values_list("listing_id", flat=True))
    return {"items": [_listing(x, pending) for x in rows], "next_cursor": cursor}


# --- the change feed ---------------------------------------------------------------------------------

CURSOR_RE = re.compile(r"^e(\d{1,16})\.m(\d{1,16})$")


def _since(cursor: str) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        text = ""
    match = CURSOR_RE.match(text)
    if not match:
        raise ApiError(400, "invalid_cursor", _("커서가 올바르지 않습니다."), [{"field": "since", "message": ""}])
    return int(match.group(1)), int(match.group(2))


class ChangesQuery(Schema):
    since: str = Field("", max_length=100, description="지난 응답의 next_cursor (처음에는 비움) / the previous "
                                                       "next_cursor (empty the first time)")
    size: int = Field(100, ge=1, le=1000)


@router.get("/changes", auth=CHANGES, response=error_responses({200: s.ChangesOut}),
            **doc("변경 피드: 주문 이력과 재고 변동을 순서대로 (폴링용)", "Change feed of order events and stock movements "
                  "after a cursor, for integrations that poll. Keep next_cursor and send it as since.", "orders:read"))
def changes(request, q: Query[ChangesQuery]):
    event_id, movement_id = _since(q.since)
    company = request.company
    events = list(OrderEvent.objects.filter(company=company, pk__gt=event_id).order_by("pk")[: q.size])
    moves = list(StockMovement.objects.filter(company=company, pk__gt=movement_id).order_by("pk")[: q.size])
    # merged by time from the heads of both id-ordered lists, so what is taken of each is a prefix of it
    items = list(heapq.merge(
        [("order", e.pk, e.order_id, e.kind, e.at, {"message": e.message}) for e in events],
        [("stock", m.pk, m.sku_id, m.kind, m.created_at,
          {"warehouse_id": m.warehouse_id, "quantity": m.quantity, "on_hand_after": m.on_hand_after,
           "reserved_after": m.reserved_after, "reason": m.reason}) for m in moves],
        key=lambda x: x[4]))[: q.size]
    for kind, pk, *_rest in items:
        if kind == "order":
            event_id = max(event_id, pk)
        else:
            movement_id = max(movement_id, pk)
    cursor = base64.urlsafe_b64encode(f"e{event_id}.m{movement_id}".encode()).decode().rstrip("=")
    return {"items": [{"type": t, "id": pk, "object_id": obj, "kind": kind, "at": at, "data": data}
                           for t, pk, obj, kind, at, data in items],
                 "next_cursor": cursor, "has_more": len(events) + len(moves) > len(items) or q.size in (len(events), len(moves))}
