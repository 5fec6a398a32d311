"""The stock push against the sandbox marketplace over real HTTP with the real connectors: every
protocol receives the computed stock; Shopify's compare-and-set conflict is resolved by re-reading;
an outage of one shop (HTTP 500s) delays nothing else and loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketdock.inventory import services as inventory
from marketdock.listings.models_sync import ListingDirty, SyncPush
from marketdock.outbox.services import outbox_deliver_due
from tests.factories.catalog import make_sku

from .sync_helpers import listed, push_all, sandbox_pushes, stock_at, warehouse


@pytest.fixture
def sandbox(monkeypatch):
    with sandbox_pushes(monkeypatch, seed=3) as running:
        yield running


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
