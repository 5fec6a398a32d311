"""Orders: marketplace order lines (`co`), the real collection ingest, orders collected and moved
through the flow (`make_order`), orders saved straight to the tables for list screens
(`make_raw_order`), and `OrderKit` behind the `order_kit` fixture."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from marketdock.channels.connectors.models import ChannelOrder
from marketdock.inventory.models import StockLevel
from marketdock.orders.models import CollectionRun, MatchStatus, Order, OrderLine, OrderStatus
from marketdock.orders.services import channel_orders_ingest, collection_run_open, order_transition

from .catalog import make_stocked_sku
from .channels import make_account_with_credentials

T0 = datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
_raw_seq = itertools.count(1)
_collected_seq = itertools.count(1)


def co(order_id: str, line: str, **kw) -> ChannelOrder:
    """One Coupang order line as a connector returns it (ordered at T0); `kw` overrides any field."""
    values = dict(marketplace="coupang", order_id=order_id, order_line_id=line, bundle_id=f"B{order_id}",
                  ordered_at=T0, status="new", raw_status="ACCEPT", buyer_name="김민준", buyer_phone="010-1234-5678",
                  recipient_name="김민준", recipient_phone="010-1234-5678", recipient_postal_code="06236",
                  recipient_address1="서울특별시 강남구 테헤란로 152", recipient_address2="21층",
                  channel_product_id="P1", channel_option_id=f"O{line}", product_name="기모 트레이닝 팬츠",
                  option_text="블랙 / M", quantity=1, unit_price=19900, total_amount=19900, raw={"id": line})
    values.update(kw)
    return ChannelOrder(**values)


def ingest(account, orders, errors=()):
    """One manual collection run of `orders` through the real ingest: (run, counts)."""
    run = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
    counts = channel_orders_ingest(account=account, orders=orders, run=run, errors=errors)
    return run, counts


def reserved(company, sku) -> int:
    """Units of `sku` reserved for orders, over every warehouse."""
    return sum(StockLevel.objects.filter(company=company, sku=sku).values_list("reserved", flat=True))


# Where make_order's parcels go unless told otherwise.
HOME = dict(recipient_name="홍길동", recipient_phone="010-2222-3333", recipient_postal_code="06236",
            recipient_address1="서울특별시 강남구 테헤란로1", recipient_address2="101호")


def make_order(account, *, skus=(("SKU-A", 1),), status=OrderStatus.CONFIRMED, user=None, **recipient) -> Order:
    """An order collected through the real ingest (matched by seller code, stock reserved) and
    moved through the order flow to `status`."""
    S = OrderStatus  # noqa: N806 - the short name the status paths read best with
    no = f"T{next(_collected_seq):05d}"
    values = {**HOME, **recipient}
    lines = [co(no, f"{no}-{i}", seller_option_code=code, channel_option_id=f"O{code}", product_name=f"상품 {code}",
                option_text="블랙 / M", quantity=qty, **values) for i, (code, qty) in enumerate(skus, start=1)]
    ingest(account, lines)
    order = Order.objects.get(company=account.company, account=account, channel_order_id=no)
    path = {S.NEW: [], S.CONFIRMED: [S.CONFIRMED], S.READY: [S.CONFIRMED, S.READY]}[status]
    for to in path:
        result = order_transition(company=account.company, orders=[order], to=to, user=user)
        assert not result.failed, result.failed
    return order


def make_raw_order(account, *, no=None, ordered_at=None, collected_at=None, status=OrderStatus.NEW, matched=True,
                   buyer="홍길동", buyer_phone="010-1234-5678", recipient="김철수", recipient_phone="010-9876-5432",
                   product="반팔 티셔츠", option="블랙/M", total=12900, buyer_key="", created_run=None,
                   changed_run=None, lines=1, duplicate_of=None) -> Order:
    """An order and its lines saved straight to the tables (no ingest, no stock): for list, search
    and export screens that need many orders in given states."""
    n = next(_raw_seq)
    no = no or f"ORD{n:06d}"
    ordered_at = ordered_at or timezone.now() - timedelta(hours=1)
    order = Order.objects.create(
        company=account.company, account=account, channel_order_id=no, status=status, ordered_at=ordered_at,
        collected_at=collected_at or ordered_at, buyer_name=buyer, buyer_phone=buyer_phone,
        buyer_phone_digits=re.sub(r"\D", "", buyer_phone), recipient_name=recipient, recipient_phone=recipient_phone,
        recipient_phone_digits=re.sub(r"\D", "", recipient_phone), recipient_address1="서울특별시 강남구 테헤란로 1",
        recipient_address2="101호", recipient_postal_code="06236", total_amount=total, is_matched=matched,
        line_count=lines, item_summary=product + (f" 외 {lines - 1}건" if lines > 1 else ""),
        search_text=f"{product} {option} {no}".lower(), buyer_key=buyer_key, created_run=created_run,
        changed_run=changed_run, duplicate_of=duplicate_of,
    )
    for i in range(lines):
        OrderLine.objects.create(
            company=account.company, order=order, account=account, channel_line_id=f"{no}-L{i + 1}",
            channel_product_id="P100", channel_option_id=f"O{i}", product_name=product, option_text=option,
            quantity=1, unit_price=total, total_amount=total, channel_status="new",
            match_status=MatchStatus.MATCHED if matched else MatchStatus.UNMATCHED,
            raw={"productOrderId": f"{no}-L{i + 1}", "ordererName": buyer},
        )
    return order


class OrderKit:
    """Factories for orders collected through the real ingest (stock reserved where there is stock):
    a channel account, a SKU with stock, a marketplace line, and the ingest itself."""

    def __init__(self, company):
        self.company = company
        self._seq = 0

    def account(self, name: str = "쿠팡 본점", kind: str = "coupang", **extra):
        return make_account_with_credentials(self.company, name, kind, **extra)

    def sku(self, code: str, *, stock: int | None = None):
        return make_stocked_sku(self.company, code, stock=stock)

    def line(self, order_id: str = "", **kw):
        self._seq += 1
        order_id = order_id or f"K{self._seq:05d}"
        values = dict(ordered_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC), channel_option_id=f"O{self._seq}", raw={})
        values.update(kw)
        return co(order_id, f"{order_id}-{self._seq}", **values)

    def ingest(self, account, lines):
        ingest(account, lines)
        return list(Order.objects.filter(company=account.company, account=account,
                                         channel_order_id__in={ln.order_id for ln in lines}).order_by("id"))
