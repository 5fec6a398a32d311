"""Claims test data (issue 13). Several helpers add here: each keeps its functions in its own marked
block."""

from __future__ import annotations

import itertools
from datetime import timedelta

import httpx
from django.db import transaction
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.claims.models import Claim, ClaimSource, ClaimStatus, ClaimType
from marketdock.inventory import services as inventory_services
from marketdock.orders.models import Order, OrderLine, OrderStatus
from marketdock.orders.services import order_transition

from .catalog import make_warehouse
from .orders import OrderKit

# === claimsync: claims collected from the sandbox marketplace and decisions delivered to it ============

SANDBOX_PAGE_SIZES = {"naver": 7, "coupang": 5, "shopify": 10}


def claims_sandbox(monkeypatch, *, seed: int = 7, initial_orders: int = 20, collect_seconds: float = 600.0):
    """A sandbox marketplace on a free port (no order stream, no claim stream) whose connectors —
    order collection, claim collection and the claim-decision delivery — run without rate limits.
    Yields (state, base address). For a fixture: `yield from claims_sandbox(monkeypatch)`."""
    from marketdock.claims.services import collection as claim_collection
    from marketdock.claims.services import delivery
    from marketdock.orders.services import collection, effects
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=seed, order_rate=0, initial_orders=initial_orders)
    state.claim_share, state.claim_collect_seconds = 0.0, collect_seconds
    server, base = serve_in_thread(SandboxApp(state))
    options = lambda account: HttpOptions(  # noqa: E731
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(10.0))
    for module in (collection, effects, claim_collection, delivery):
        monkeypatch.setattr(module, "connector_options", options)
    try:
        yield state, base
    finally:
        server.shutdown()
        server.server_close()


def sandbox_claim_account(company, base: str, code: str, **extra) -> ChannelAccount:
    """A channel account of sandbox shop `code` (small pages, so collections page several times)."""
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == code)
    account = ChannelAccount(company=company, kind=info["protocol"], name=code, base_url=base,
                             options={"page_size": SANDBOX_PAGE_SIZES[info["protocol"]]},
                             collected_until=timezone.now() - timedelta(days=4), **extra)
    account.set_credentials(info["credentials"])
    account.save()
    return account


def sandbox_claims_make(base: str, code: str, kind: str, count: int = 1) -> list[dict]:
    """Buyers of shop `code` ask for `count` claims of `kind` now (the sandbox picks eligible orders)."""
    response = httpx.post(f"{base}/_sandbox/shops/{code}/claims", json={"count": count, "kind": kind})
    assert response.status_code == 201, response.text
    return response.json()["created"]


def sandbox_claims_truth(base: str, code: str) -> dict:
    """Every claim shop `code` holds (state, decisions received) and its counts."""
    return httpx.get(f"{base}/_sandbox/shops/{code}/claims").json()


def sandbox_claim_line_ids(base: str, code: str) -> dict[str, dict]:
    """The shop's claims by the order line id the connectors use for that line."""
    orders = {o["seq"]: o for o in httpx.get(f"{base}/_sandbox/shops/{code}/orders").json()["orders"]}
    found = {}
    for claim in sandbox_claims_truth(base, code)["claims"]:
        order = orders[claim["order_seq"]]
        index = [line["line_no"] for line in order["lines"]].index(claim["line_no"])
        found[order["line_ids"][index]] = claim
    return found


def sandbox_claims_clock_forward(state, code: str, legs: int = 1) -> None:
    """The sandbox's claim clock moves on `legs` × `collect_seconds` for shop `code` without sleeping:
    each open claim's last change is set that much earlier (at Naver and Coupang one leg takes a
    return or exchange request to 수거중, the next to 수거완료)."""
    from datetime import UTC, datetime

    from marketdock.sandbox.claims import OPEN

    shop = state.shops[code]
    for _leg in range(legs):
        with state.lock:
            for claim in shop.claims:
                if claim.state in OPEN:
                    claim.changed_at -= timedelta(seconds=state.claim_collect_seconds)
            state.advance(datetime.now(UTC))


def collect_orders_and_claims(account: ChannelAccount) -> dict:
    """Collect the account's orders, then its claims (as the schedule does); the claim run's counts."""
    from marketdock.claims.services import claims_collection_execute
    from marketdock.orders.services import collection_execute

    collection_execute(account_id=account.pk)
    return claims_collection_execute(account_id=account.pk)


def decide(claim, action, **details):
    """The claim flow's part, in short: enqueue one decision on `claim`, then let the outbox worker
    deliver what is due (as it does after the commit). Returns the outbox message."""
    from marketdock.claims.services import claim_decision_enqueue
    from marketdock.outbox.services import outbox_deliver_due

    with transaction.atomic():
        message = claim_decision_enqueue(claim=claim, action=action, **details)
    outbox_deliver_due()
    return message


def make_seller_claim(line, *, kind: str = "cancel", quantity: int | None = None):
    """A claim the seller starts on `line` (판매자 취소) before anything exists at the marketplace."""
    from marketdock.claims.models import Claim, ClaimSource, Requester

    return Claim.objects.create(company=line.company, order=line.order, line=line, account=line.account, type=kind,
                                source=ClaimSource.SELLER, requester=Requester.SELLER,
                                quantity=quantity or line.quantity)


# === claimflow: claims on order lines, a stocked shop and its orders in every stage ==================

_claim_seq = itertools.count(1)


def make_claim(order: Order, *, line: OrderLine | None = None, type: str = ClaimType.RETURN,
               status: str = ClaimStatus.REQUESTED, source: str = ClaimSource.CHANNEL, quantity: int = 1,
               channel_claim_id: str | None = None, requested_at=None, reason: str = "단순변심", **extra) -> Claim:
    """A claim on `line` (default: the order's first line) saved straight to the table, as collection
    leaves it (a channel claim gets a marketplace claim number)."""
    line = line or order.lines.order_by("id").first()
    n = next(_claim_seq)
    if channel_claim_id is None:
        channel_claim_id = f"CLM{n:05d}" if source == ClaimSource.CHANNEL else ""
    now = timezone.now()
    return Claim.objects.create(company=order.company, order=order, line=line, account=order.account, type=type,
                                status=status, source=source, quantity=quantity, channel_claim_id=channel_claim_id,
                                reason_text=reason, requested_at=requested_at or now - timedelta(minutes=5),
                                created_at=now, updated_at=now, **extra)


class ClaimShop:
    """A company that keeps stock: SKU-A (10 on hand) and SKU-B (10) in the default warehouse, a
    Coupang account, and orders collected through the real ingest and moved through the order flow."""

    def __init__(self, company, user=None):
        self.company, self.user = company, user
        self.kit = OrderKit(company)
        self.a = self.kit.sku("SKU-A", stock=10)
        self.b = self.kit.sku("SKU-B", stock=10)
        self.warehouse = inventory_services.warehouse_default(company)
        self.account = self.kit.account()

    def order(self, *, status: str = OrderStatus.CONFIRMED, lines=(("SKU-A", 1),), account=None, **kw) -> Order:
        """An order with one line per (seller code, quantity), moved to `status` (shipped orders go
        out 직접배송, without a tracking number)."""
        account = account or self.account
        no = f"C{next(_claim_seq):05d}"
        cos = [self.kit.line(no, seller_option_code=code, channel_option_id=f"O{code}", quantity=qty,
                             product_name=f"상품 {code}", **kw) for code, qty in lines]
        (order,) = self.kit.ingest(account, cos)
        S = OrderStatus  # noqa: N806
        path = {S.NEW: [], S.CONFIRMED: [S.CONFIRMED], S.READY: [S.CONFIRMED, S.READY],
                S.SHIPPED: [S.CONFIRMED, S.READY, S.SHIPPED]}[status]
        for to in path:
            result = order_transition(company=self.company, orders=[order], to=to, user=self.user,
                                      method="direct")
            assert not result.failed, result.failed
        order.refresh_from_db()
        return order

    def level(self, sku):
        """(on hand, reserved) of `sku` in the default warehouse."""
        from marketdock.inventory.models import StockLevel

        row = StockLevel.objects.filter(company=self.company, sku=sku, warehouse=self.warehouse).first()
        return (row.on_hand, row.reserved) if row else (0, 0)

# === end claimflow ==================================================================================


# === clmflow: a return that arrives from the sandbox, its SKU stocked and listed at the same shop ====

def return_flow_sandbox(monkeypatch, *, seed: int = 3):
    """`claims_sandbox` whose stock pushes (listings sync) also go to it over HTTP through the real
    connectors, unthrottled. Yields (state, base). For a fixture: `yield from return_flow_sandbox(mp)`."""
    from marketdock.channels.services import connector_for
    from marketdock.listings.services import sync_transport

    limiter = LocalRateLimiter()
    monkeypatch.setattr(sync_transport, "_connector", lambda account, transport: connector_for(
        account, options=HttpOptions(transport=transport, limiter=limiter, rate=Rate(1000, 1000),
                                     sleep=lambda s: None)))
    yield from claims_sandbox(monkeypatch, seed=seed)


def sandbox_delivered_order(base: str, code: str, quantity: int) -> dict:
    """A delivered order of shop `code` with one line of `quantity` units and no claim (ground truth),
    in the shop protocol's own statuses (Naver DELIVERED, Coupang FINAL_DELIVERY, Shopify FULFILLED …)."""
    from marketdock.sandbox.claims import DELIVERED

    shop = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == code)
    orders = httpx.get(f"{base}/_sandbox/shops/{code}/orders").json()["orders"]
    found = [o for o in orders if o["status"] in DELIVERED[shop["protocol"]] and not o["claim_type"]
             and len(o["lines"]) == 1 and o["lines"][0]["quantity"] == quantity]
    assert found, f"{code} has no delivered order of one line × {quantity} under this seed"
    return found[0]


def sandbox_return_on(base: str, code: str, order: dict) -> dict:
    """The buyer of `order` asks to return it (the whole line)."""
    response = httpx.post(f"{base}/_sandbox/shops/{code}/claims", json={"kind": "return", "order_seq": order["seq"]})
    assert response.status_code == 201, response.text
    (claim,) = response.json()["created"]
    return claim


def import_sandbox_product(account: ChannelAccount, product_id: str, *, stock: int):
    """The shop's product read through the connector (쇼핑몰 상품 가져오기), created in the catalogue and
    linked; its SKUs get `stock` on hand at the default warehouse. Returns the listing."""
    from marketdock.channels.services import connector_for
    from marketdock.listings.models import Listing
    from marketdock.listings.services import listing_import_one

    with connector_for(account, options=HttpOptions(limiter=LocalRateLimiter(), rate=Rate(1000, 1000),
                                                    sleep=lambda s: None)) as connector:
        cl = next(c for c in connector.iter_listings() if c.product_id == product_id)
    outcome = listing_import_one(company=account.company, account=account, cl=cl, create_missing=True)
    assert outcome.outcome == "created", outcome.message
    listing = Listing.objects.get(pk=outcome.listing_id)
    warehouse = inventory_services.warehouse_default(account.company) or make_warehouse(account.company)
    for option in listing.options.exclude(sku=None):
        inventory_services.stock_adjust(company=account.company, sku_id=option.sku_id, warehouse_id=warehouse.pk,
                                        quantity=stock, reason="기초재고")
    return listing


def stock_push_all(company, rounds: int = 10) -> None:
    """Run the stock push cycle and the outbox until nothing is left to push."""
    from marketdock.listings.models_sync import ListingDirty
    from marketdock.listings.services import stock_sync_cycle
    from marketdock.outbox.models import OutboxMessage
    from marketdock.outbox.services import outbox_deliver_due

    for _ in range(rounds):
        stock_sync_cycle(company=company)
        outbox_deliver_due()
        due = OutboxMessage.objects.filter(company=company, status=OutboxMessage.Status.PENDING).exists()
        if not ListingDirty.objects.filter(company=company, claim="").exists() and not due:
            return


def sandbox_option_stock(base: str, code: str, option_id: str) -> int:
    """The stock shop `code` shows for one option (its listings ground truth)."""
    products = httpx.get(f"{base}/_sandbox/shops/{code}/listings").json()["products"]
    return next(o["stock"] for p in products for o in p["options"] if o["option_id"] == option_id)

# === end clmflow ====================================================================================
# === clmbench: Shopify orders with more line items than one page ======================================

def sandbox_shopify_big_order(state, code: str = "shopify-demo", *, lines: int = 26, delivered: bool = True):
    """The sandbox Shopify shop's big order (seq 3, 22 lines) grown to `lines` line items and changed now:
    delivered (a return can start) or still unfulfilled (a cancel can). Returns the sandbox order."""
    from dataclasses import replace
    from datetime import UTC, datetime

    with state.lock:
        shop = state.shops[code]
        order = next(o for o in shop.orders if o.seq == 3)
        base = int(order.lines[0].line_no)
        while len(order.lines) < lines:
            order.lines.append(replace(order.lines[-1], line_no=str(base + len(order.lines)), quantity=2))
        order.status = "FULFILLED" if delivered else "UNFULFILLED"
        for line in order.lines:
            line.fulfilled = line.quantity if delivered else 0
        order.claim_type = ""
        order.changed_at = datetime.now(UTC).replace(microsecond=0)
        return order


def sandbox_shopify_return_all(state, order, code: str = "shopify-demo") -> list:
    """The buyer asks to return every line of `order` (one return, one return line item per line)."""
    from datetime import UTC, datetime

    from marketdock.sandbox import claims as sandbox_claims

    with state.lock:
        return sandbox_claims.open_claims(state, state.shops[code], order, "return", datetime.now(UTC))


def sandbox_shopify_cancel_all(state, order, code: str = "shopify-demo") -> None:
    """The seller cancels the whole `order` in Shopify's admin (orderCancel: every line cancelled)."""
    from datetime import UTC, datetime

    from marketdock.sandbox import claims as sandbox_claims

    now = datetime.now(UTC)
    with state.lock:
        for line in order.lines:
            sandbox_claims.seller_cancel(state, state.shops[code], order, line, now, reason="INVENTORY")


def sandbox_orders_changed_together(state, code: str, count: int) -> list:
    """`count` orders of sandbox shop `code` change within one millisecond (as a burst of claims does),
    at a moment that is not a whole millisecond. Returns those orders."""
    from datetime import UTC, datetime

    # a moment safely in the past: one within this second could lie ahead of the collection window's end
    moment = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=185437)
    with state.lock:
        orders = state.shops[code].orders[:count]
        for order in orders:
            order.changed_at = moment
        return orders


class LoopingClaimsConnector:
    """A claims connector that keeps saying there is another page and hands back the cursor it was
    asked with (after `limit` calls it raises, so a collection that never stops shows as an error)."""

    def __init__(self, limit: int = 50):
        self.calls, self.limit = 0, limit

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def fetch_claims(self, window, cursor=None):
        from marketdock.channels.connectors.cs_models import ClaimPage

        self.calls += 1
        if self.calls > self.limit:
            raise RuntimeError("the collection read the same page over and over")
        return ClaimPage(claims=[], has_more=True, next_cursor=cursor or "page-2")


def outbox_answer_lost(inquiry, *, text: str = ""):
    """The outbox message of `inquiry`'s answer as after a timeout on the way back: the marketplace holds
    the answer, the worker did not hear so, and the message is due to be sent again (with `text`
    instead of the answer sent, when given). Returns the message."""
    from marketdock.outbox.models import OutboxMessage

    message = OutboxMessage.objects.filter(kind="inquiry_answer", reference=f"inquiry:{inquiry.pk}").last()
    payload = {**message.payload, "item": {**message.payload["item"], "text": text}} if text else message.payload
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING, payload=payload,
                                                      next_attempt_at=timezone.now(), sent_at=None)
    return message
