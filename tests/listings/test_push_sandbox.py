"""The stock push against the sandbox marketplace over real HTTP with the real connectors: every
protocol receives the computed stock; Shopify's compare-and-set conflict is resolved by re-reading;
an outage of one shop (HTTP 500s) delays nothing else and loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.channels.services import connector_for
from marketdock.inventory import services as inventory
from marketdock.listings import services_sync
from marketdock.listings.models_sync import ListingDirty, SyncPush
from marketdock.outbox.services import outbox_deliver_due
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import Option, Product, SandboxState

from .sync_helpers import link, make_sku, push_all, warehouse


@pytest.fixture
def sandbox(monkeypatch):
    state = SandboxState(seed=3, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    limiter = LocalRateLimiter()
    monkeypatch.setattr(services_sync, "_connector", lambda account, transport: connector_for(
        account, options=HttpOptions(transport=transport, limiter=limiter, rate=Rate(1000, 1000),
                                     sleep=lambda s: None, retry=RetryPolicy(attempts=2))))
    yield state, base
    server.shutdown()
    server.server_close()


def listed(company, state, base, code, sku, *, stock=0):
    """A product with one option at the sandbox shop, linked to `sku` in the OMS."""
    shop = state.shops[code]
    pid = state.new_id(8_000_000_000 if shop.protocol != "naver" else 9_000_000_000)
    oid = state.new_id(3_000_000_000)
    with state.lock:
        shop.products.append(Product(product_id=pid, code=sku.code, name=f"{sku.code}@{code}", price=10000,
                                     options=[Option(option_id=oid, name="기본", sku=sku.code, extra_price=0,
                                                     stock=stock)]))
    account = ChannelAccount.objects.filter(company=company, name=code).first()
    if account is None:
        account = ChannelAccount(company=company, kind=shop.protocol, name=code, base_url=base, auto_collect=False)
        account.set_credentials(shop.credentials)
        account.save()
    origin = str(int(pid) + 1) if shop.protocol == "naver" else ""
    return link(company, account, pid, {oid: [(sku, 1)]}, api_product_id=origin), shop, (pid, oid)


def stock_at(shop, key) -> int:
    return next(o.stock for p in shop.products for o in p.options if (p.product_id, o.option_id) == key)


def test_every_protocol_receives_the_computed_stock(company, sandbox):
    state, base = sandbox
    wh = warehouse(company)
    sku = make_sku(company)
    targets = [listed(company, state, base, code, sku) for code in ("naver-demo", "coupang-demo", "shopify-demo")]
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=12, reason="입고")
    inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 5, ("order_line", 1))])
    push_all(company)
    for _listing, shop, key in targets:
        assert stock_at(shop, key) == 7, shop.code
    assert SyncPush.objects.filter(company=company, status=SyncPush.Status.SENT).count() == 3


def test_shopify_compare_and_set_conflict_rereads(company, sandbox):
    state, base = sandbox
    wh = warehouse(company)
    sku = make_sku(company)
    _listing, shop, key = listed(company, state, base, "shopify-demo", sku, stock=0)
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=10, reason="입고")
    push_all(company)
    assert stock_at(shop, key) == 10
    with state.lock:  # a sale at Shopify the OMS has not collected yet
        next(o for p in shop.products for o in p.options if (p.product_id, o.option_id) == key).stock = 8
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=5, reason="입고")
    push_all(company)
    assert stock_at(shop, key) == 8  # conflict seen, re-read, not raised above the channel's count
    assert SyncPush.objects.filter(company=company, conflicts__gte=1).exists()
    inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 2, ("order_line", 9))])  # collected
    push_all(company)
    assert stock_at(shop, key) == 13


def test_one_shop_failing_does_not_hold_back_the_others(company, sandbox):
    state, base = sandbox
    wh = warehouse(company)
    sku = make_sku(company)
    _n, naver, naver_key = listed(company, state, base, "naver-demo", sku)
    _c, coupang, coupang_key = listed(company, state, base, "coupang-demo", sku)
    naver.faults.update({"error_500_rate": 1.0})
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=6, reason="입고")
    push_all(company)
    assert stock_at(coupang, coupang_key) == 6
    assert stock_at(naver, naver_key) == 0
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=3, reason="입고")
    push_all(company)
    assert stock_at(coupang, coupang_key) == 9
    naver.faults.update({"error_500_rate": 0.0})
    outbox_deliver_due(now=timezone.now() + timedelta(hours=2))
    push_all(company)
    assert stock_at(naver, naver_key) == 9
    assert not ListingDirty.objects.filter(company=company).exists()


def test_a_push_of_known_listings_sends_one_request_per_shop(company, sandbox):
    """Naver writes the option stock without reading the product first (the listing rows and the import's
    snapshot know it); Shopify, once it knows the variant's inventory item, sends only the mutation."""
    from marketdock.channels.connectors import shopify

    shopify.INVENTORY_REFS.clear()
    state, base = sandbox
    wh = warehouse(company)
    sku = make_sku(company)
    targets = {}
    for code in ("naver-demo", "shopify-demo", "coupang-demo"):
        listing, shop, (pid, oid) = listed(company, state, base, code, sku)
        listing.channel_snapshot = {"product_id": pid, "origin_product_id": listing.api_product_id, "price": 10000,
                                    "options": [{"option_id": oid, "price_delta": 0, "stock": 0}]}
        listing.save(update_fields=["channel_snapshot"])
        targets[code] = (listing, shop, (pid, oid))
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=12, reason="입고")
    push_all(company)
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=3, reason="입고")
    calls = {code: shop.calls for code, (_l, shop, _k) in targets.items()}
    push_all(company)
    for code, (listing, shop, key) in targets.items():
        assert stock_at(shop, key) == 15, code
        assert shop.calls - calls[code] == 1, code
        last = SyncPush.objects.filter(company=company, account=listing.account).order_by("-created_at", "-id").first()
        assert last.api_calls == 1 and last.listings == 1, code
    naver_ops = [r["operation"] for r in targets["naver-demo"][1].received[-1:]]
    assert naver_ops == ["stock"]
