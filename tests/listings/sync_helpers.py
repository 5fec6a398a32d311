"""Helpers for the stock push tests: a recording fake marketplace (the sandbox-backed tests are in
test_push_sandbox.py), linked listings, and a loop that runs push cycles until nothing is left."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from marketdock.catalog.models import SKU
from marketdock.channels.connectors.errors import TemporaryError
from marketdock.channels.connectors.models import (
    LineFailure,
    ListingUpdateResult,
    StockUpdateResult,
)
from marketdock.channels.models import ChannelAccount, OptionMapping
from marketdock.inventory import services as inventory
from marketdock.inventory.models import Warehouse
from marketdock.listings import services as services_sync
from marketdock.listings.models import Listing, ListingOption
from marketdock.listings.models_sync import ListingDirty
from marketdock.listings.services import sync_transport
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_deliver_due


@dataclass
class FakeShop:
    """What one marketplace account holds, and every call made to it."""

    cas: bool = False
    sale_status: bool = True
    stock: dict[tuple[str, str], int] = field(default_factory=dict)
    on_sale: dict[str, bool] = field(default_factory=dict)
    prices: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, list]] = field(default_factory=list)
    down: bool = False
    refuse: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # item → (code, message)
    known: dict[str, object] = field(default_factory=dict)  # product id → the KnownListing last remembered
    rate: float = 1000.0  # stock writes (listings) per second its limits allow: sizes the push messages
    per_option: bool = False  # its stock unit is the option (like Coupang's vendor items), not the listing

    def connector(self):
        return FakeConnector(self)


class FakeConnector:
    def __init__(self, shop: FakeShop):
        self.shop = shop
        self.capabilities = SimpleNamespace(compare_and_set=shop.cas, sale_status=shop.sale_status)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def _check(self):
        if self.shop.down:
            raise TemporaryError("HTTP 503: 점검 중", marketplace="fake")

    @property
    def STOCK_PER_OPTION(self):  # noqa: N802 - the connector attribute it stands in for
        return self.shop.per_option

    def stock_push_capacity(self, seconds):
        return max(1, int(self.shop.rate * seconds))

    def remember_listings(self, listings):
        self.shop.known.update({known.product_id: known for known in listings})

    def update_stock(self, items):
        self._check()
        self.shop.calls.append(("update_stock", list(items)))
        result = StockUpdateResult()
        for item in items:
            key = (item.product_id, item.option_id)
            if key in self.shop.refuse:
                code, message = self.shop.refuse[key]
                result.failed.append(LineFailure(order_line_id=f"{key[0]}:{key[1]}", product_id=key[0],
                                                 option_id=key[1], code=code, message=message))
                continue
            if self.shop.cas and item.expected_quantity is not None and self.shop.stock.get(key) != item.expected_quantity:
                result.conflicts.append((*key, self.shop.stock.get(key, 0)))
                continue
            self.shop.stock[key] = item.quantity
            result.applied.append(key)
        return result

    def set_sale_status(self, items):
        self._check()
        self.shop.calls.append(("set_sale_status", list(items)))
        for item in items:
            self.shop.on_sale[item.product_id] = item.on_sale
        return ListingUpdateResult(applied=[(item.product_id, "") for item in items])

    def update_price(self, items):
        self._check()
        self.shop.calls.append(("update_price", list(items)))
        for item in items:
            self.shop.prices[item.product_id] = item.price
        return ListingUpdateResult(applied=[(item.product_id, item.option_id or "") for item in items])

    def iter_listings(self):
        from marketdock.channels.connectors.models import ChannelListing, ChannelListingOption

        products: dict[str, list] = {}
        for (pid, oid), qty in self.shop.stock.items():
            products.setdefault(pid, []).append(ChannelListingOption(option_id=oid, stock=qty))
        for pid, options in products.items():
            yield ChannelListing(product_id=pid, options=options)


def install_fake(monkeypatch, shops: dict[int, FakeShop]) -> None:
    """Route every connector the push builds to the fake shop of its account."""
    monkeypatch.setattr(sync_transport, "_connector", lambda account, transport: shops[account.pk].connector())


def warehouse(company, code="WH1", **extra) -> Warehouse:
    return inventory.warehouse_save(company=company, code=code, name=f"창고 {code}", **extra)


def link(company, acc, pid: str, options: dict[str, list[tuple[SKU, int]]], *, product=None, **fields) -> Listing:
    """A linked listing whose options sell the given SKU × units."""
    first_sku = next(iter(options.values()))[0][0]
    product = product or first_sku.product
    listing = Listing.objects.create(company=company, account=acc, product=product, channel_product_id=pid,
                                     name=f"{product.name} @{acc.name}", price=10000, status=Listing.Status.LINKED,
                                     **fields)
    for oid, comps in options.items():
        ListingOption.objects.create(company=company, listing=listing, channel_option_id=oid, name=oid or "단일",
                                     sku=comps[0][0], quantity=comps[0][1])
        for sku, qty in comps:
            OptionMapping.objects.create(company=company, account=acc, channel_product_id=pid, channel_option_id=oid,
                                         sku=sku, quantity=qty, source=OptionMapping.Source.LISTING)
    return listing


@contextmanager
def sandbox_pushes(monkeypatch, *, seed: int, attempts: int = 2):
    """The sandbox marketplace over real HTTP, with every push going to it through the real connectors
    (no client-side rate limit, no sleeping between retries). Yields (state, base URL)."""
    from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
    from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
    from marketdock.channels.services import connector_for
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=seed, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    limiter = LocalRateLimiter()
    monkeypatch.setattr(sync_transport, "_connector", lambda account, transport: connector_for(
        account, options=HttpOptions(transport=transport, limiter=limiter, rate=Rate(1000, 1000),
                                     sleep=lambda s: None, retry=RetryPolicy(attempts=attempts))))
    try:
        yield state, base
    finally:
        server.shutdown()
        server.server_close()


def listed(company, state, base, code, sku, *, stock=0):
    """A product with one option at the sandbox shop `code`, linked to `sku` in the OMS (the account is
    created on first use). Returns (listing, sandbox shop, (product id, option id))."""
    from marketdock.sandbox.state import Option, Product

    shop = state.shops[code]
    pid = state.new_id(8_000_000_000 if shop.protocol != "naver" else 9_000_000_000)
    oid = state.new_id(3_000_000_000)
    with state.lock:
        shop.products.append(Product(product_id=pid, code=sku.code, name=f"{sku.code}@{code}", price=10000,
                                     options=[Option(option_id=oid, name="기본", sku=sku.code, extra_price=0,
                                                     stock=stock)]))
    acc = ChannelAccount.objects.filter(company=company, name=code).first()
    if acc is None:
        acc = ChannelAccount(company=company, kind=shop.protocol, name=code, base_url=base, auto_collect=False)
        acc.set_credentials(shop.credentials)
        acc.save()
    origin = str(int(pid) + 1) if shop.protocol == "naver" else ""
    return link(company, acc, pid, {oid: [(sku, 1)]}, api_product_id=origin), shop, (pid, oid)


def stock_at(shop, key) -> int:
    return next(o.stock for p in shop.products for o in p.options if (p.product_id, o.option_id) == key)


def push_all(company, rounds: int = 10) -> None:
    """Run push cycles and outbox deliveries until no dirty row is left unclaimed and nothing is due."""
    for _ in range(rounds):
        services_sync.stock_sync_cycle(company=company)
        outbox_deliver_due()
        due = OutboxMessage.objects.filter(company=company, status=OutboxMessage.Status.PENDING).exists()
        if not ListingDirty.objects.filter(company=company, claim="").exists() and not due:
            return
