"""Stock push at the marketplaces' real limits: a push message carries what the account's rate budget
writes in a few seconds; a full re-sync yields to stock changes (a change made during a re-sync reaches
the channel before the re-sync is done); accounts are delivered by separate tasks, so one failing
marketplace never holds back another's push."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from marketdock.core.jobs import run_consumer_in_thread, stop_consumer
from marketdock.inventory import services as inventory
from marketdock.listings import selectors_sync
from marketdock.listings import services as services_sync
from marketdock.listings.models import Listing
from marketdock.listings.models_sync import ListingDirty, ListingSyncState, SyncPush
from marketdock.outbox import services as outbox
from marketdock.outbox.models import OutboxMessage
from marketdock.sandbox.state import SandboxState
from tests.factories.catalog import make_sku
from tests.factories.channels import make_account

from .sync_helpers import FakeShop, install_fake, link, listed, push_all, sandbox_pushes, stock_at, warehouse


def _shop_with_listings(company, monkeypatch, n: int, *, rate: float):
    wh = warehouse(company)
    acc = make_account(company, "쿠팡", "coupang")
    shop = FakeShop(rate=rate)
    install_fake(monkeypatch, {acc.pk: shop})
    skus = [make_sku(company) for _ in range(n)]
    listings = [link(company, acc, f"C-{i}", {f"v-{i}": [(sku, 1)]}) for i, sku in enumerate(skus)]
    for sku in skus:
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=5, reason="입고")
    return wh, acc, shop, skus, listings


def _deliver_one() -> None:
    assert outbox.outbox_deliver_due(limit=1).get("sent") == 1


def _pushed(shop, call: int) -> set[str]:
    return {item.product_id for item in [c for c in shop.calls if c[0] == "update_stock"][call][1]}


def test_message_size_follows_the_rate_budget(company, monkeypatch):
    """2 listings/s × a 3-second window = 6 listings per message; the rest follow message by message."""
    _wh, acc, shop, _skus, listings = _shop_with_listings(company, monkeypatch, 20, rate=2)
    assert services_sync.push_capacity(acc) == 6
    services_sync.stock_sync_cycle(company=company)
    assert ListingDirty.objects.filter(company=company).exclude(claim="").values("listing_id").distinct().count() == 6
    push_all(company)
    sizes = [len(items) for name, items in shop.calls if name == "update_stock"]
    assert sizes == [6, 6, 6, 2]
    assert all(shop.stock[(lst.channel_product_id, f"v-{i}")] == 5 for i, lst in enumerate(listings))
    # a faster budget gives bigger messages
    shop.rate = 100
    assert services_sync.push_capacity(acc) == 300


def test_where_each_option_is_a_call_the_message_counts_options(company, monkeypatch):
    """Coupang writes one vendor item per request: at 2 calls/s a 3-second message holds 6 options — one
    listing of 4 options, never two — and a listing with more options than that still goes out alone."""
    wh = warehouse(company)
    acc = make_account(company, "쿠팡", "coupang")
    shop = FakeShop(rate=2, per_option=True)
    install_fake(monkeypatch, {acc.pk: shop})
    for i, n in enumerate((4, 4, 1, 1, 9)):
        sku = make_sku(company)
        link(company, acc, f"C-{i}", {f"v-{i}-{k}": [(sku, 1)] for k in range(n)})
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=3, reason="입고")
    push_all(company)
    assert [len(items) for name, items in shop.calls if name == "update_stock"] == [4, 6, 9]
    assert len(shop.stock) == 19 and set(shop.stock.values()) == {3}


def test_the_budget_comes_from_each_connectors_documented_limit():
    """Coupang 5 calls/s (half its 10/s block threshold), one per vendor item; Naver 2/s, one per product;
    Shopify by cost points: 100 restored a second (standard plan), a variant's inventory look-up 6 points,
    a mutation of up to 250 quantities 12, and a full bucket of 1000 to start with."""
    from marketdock.channels.connectors.coupang import CoupangConnector
    from marketdock.channels.connectors.naver import NaverConnector
    from marketdock.channels.connectors.shopify import ShopifyConnector

    state = SandboxState(seed=1, order_rate=0, initial_orders=0)
    figures = {}
    for shop in state.shops.values():
        if shop.protocol not in ("naver", "coupang", "shopify") or shop.protocol in figures:
            continue
        cls = {"naver": NaverConnector, "coupang": CoupangConnector, "shopify": ShopifyConnector}[shop.protocol]
        conn = cls(cls.credentials_model(**shop.credentials), base_url="http://127.0.0.1:9")
        figures[shop.protocol] = (conn.stock_push_capacity(services_sync.PUSH_WINDOW_SECONDS),
                                  conn.stock_push_floor(1000))
        conn.api.close()
    assert figures["coupang"] == (15, 200.0)
    assert figures["naver"] == (6, 500.0)
    assert figures["shopify"][0] == 48  # 48 × 6 + 12 = 300 points: what 3 s restore
    assert figures["shopify"][1] == pytest.approx((1000 * 6 + 4 * 12 - 1000) / 100)  # beyond the full bucket


def test_a_change_during_a_full_resync_reaches_the_channel_before_the_resync_finishes(company, monkeypatch):
    wh, acc, shop, skus, listings = _shop_with_listings(company, monkeypatch, 40, rate=2)
    push_all(company)
    shop.calls.clear()
    # 전체 재고 동기화: every listing again, at low priority
    ListingDirty.objects.filter(company=company).delete()
    ListingSyncState.objects.filter(company=company).update(stock_pushed={})
    SyncPush.objects.filter(company=company).delete()
    services_sync.listings_mark_dirty(company=company, listings=listings, resync=True)
    services_sync.stock_sync_cycle(company=company)
    _deliver_one()  # the first 6 of the re-sync (its delivery already claimed the next 6)
    last = listings[-1]
    inventory.stock_reserve(company=company, lines=[(skus[-1].pk, wh.pk, 2, ("order_line", 1))])  # a sale now
    _deliver_one()  # the re-sync message that was in flight when the sale happened
    _deliver_one()  # the sale goes out next, ahead of the 26 re-sync listings still waiting
    assert last.channel_product_id in _pushed(shop, 2)
    assert shop.stock[(last.channel_product_id, "v-39")] == 3
    waiting = ListingDirty.objects.filter(company=company, resync=True, claim="").values("listing_id").distinct()
    assert waiting.count() == 16  # the re-sync is far from done (24 claimed so far, the sale among them)
    push = SyncPush.objects.filter(company=company).exclude(lags_ms=[]).get()  # only the sale is a lag sample
    assert len(push.lags_ms) == 1
    push_all(company, rounds=20)
    assert all(shop.stock[(lst.channel_product_id, f"v-{i}")] == (3 if lst == last else 5)
               for i, lst in enumerate(listings))
    assert not ListingDirty.objects.filter(company=company).exists()


def test_the_sync_screen_shows_both_queues_and_when_they_clear(company, admin_client, monkeypatch):
    wh, acc, shop, skus, listings = _shop_with_listings(company, monkeypatch, 30, rate=2)
    push_all(company)
    services_sync.listings_mark_dirty(company=company, listings=listings[:24], resync=True)
    inventory.stock_adjust(company=company, sku_id=skus[-1].pk, warehouse_id=wh.pk, quantity=1, reason="입고")
    row = next(r for r in selectors_sync.sync_overview(company) if r.account.pk == acc.pk)
    assert (row.pending_changes, row.pending_resync, row.pending_listings) == (1, 24, 25)
    assert row.clears_in_s == pytest.approx(25 / 2)  # 2 listings/s
    html = admin_client.get(reverse("channels:sync_status")).content.decode()
    assert "재고 변경 1" in html and "전체 동기화 24" in html and "약 13초 후 완료" in html
    shop.rate = 0.1  # a slow account: 25 listings at 0.1/s
    html = admin_client.get(reverse("channels:sync_status")).content.decode()
    assert "약 5분 후 완료" in html


@pytest.fixture
def slow_failing_sandbox(monkeypatch):
    with sandbox_pushes(monkeypatch, seed=5, attempts=3) as running:
        HUEY.immediate = False
        HUEY.flush()
        yield running
        HUEY.flush()
        HUEY.immediate = True


@pytest.mark.django_db(transaction=True)
def test_a_failing_slow_channel_does_not_delay_another_accounts_push(company, slow_failing_sandbox):
    """Naver answers every request with a 500 after 2 s; Coupang's push of the same change arrives while
    Naver's message is still in its first attempt (its own worker thread), not after it."""
    state, base = slow_failing_sandbox
    wh = warehouse(company)
    sku = make_sku(company)
    naver_listing, naver, naver_key = listed(company, state, base, "naver-demo", sku)  # the older account
    _c, coupang, coupang_key = listed(company, state, base, "coupang-demo", sku)
    naver.faults.update({"error_500_rate": 1.0, "slow_ms": 2000})
    consumer = run_consumer_in_thread(workers=3)
    try:
        with transaction.atomic():
            inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=7, reason="입고")
        deadline = time.monotonic() + 30
        while stock_at(coupang, coupang_key) != 7 and time.monotonic() < deadline:
            time.sleep(0.05)
        naver_message = OutboxMessage.objects.filter(account_id=naver_listing.account_id, kind="stock").get()
        assert stock_at(coupang, coupang_key) == 7
        assert naver_message.status == OutboxMessage.Status.SENDING and naver_message.attempts == 1
        assert stock_at(naver, naver_key) == 0
    finally:
        stop_consumer(consumer)


def test_each_account_gets_its_own_delivery_task(company, django_capture_on_commit_callbacks, monkeypatch):
    started = []
    monkeypatch.setattr("marketdock.outbox.tasks.deliver_account", lambda account_id: started.append(account_id))
    wh = warehouse(company)
    sku = make_sku(company)
    a, b = make_account(company, "스마트스토어"), make_account(company, "쿠팡", "coupang")
    install_fake(monkeypatch, {a.pk: FakeShop(), b.pk: FakeShop()})
    link(company, a, "N-1", {"": [(sku, 1)]})
    link(company, b, "C-1", {"v-1": [(sku, 1)]})
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=3, reason="입고")
    with django_capture_on_commit_callbacks(execute=True):
        services_sync.stock_sync_cycle(company=company)
    assert sorted(started) == sorted([a.pk, b.pk])  # two tasks: neither waits for the other's marketplace
    assert Listing.objects.filter(company=company).count() == 2


def test_coupang_stops_and_resumes_a_known_listing_without_reading_it(company, monkeypatch):
    """Stock 0 → one quantities PUT and one sales/stop PUT per vendor item; Coupang's product is not read
    first (the listing rows know its vendor items)."""
    with sandbox_pushes(monkeypatch, seed=9) as (state, base):
        wh = warehouse(company)
        sku = make_sku(company)
        listing, coupang, key = listed(company, state, base, "coupang-demo", sku)
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=4, reason="입고")
        push_all(company)
        assert stock_at(coupang, key) == 4
        before = coupang.calls
        inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 4, ("order_line", 1))])
        push_all(company)
        listing.refresh_from_db()
        assert stock_at(coupang, key) == 0 and listing.sale_status == "sold_out"
        assert coupang.calls - before == 2
        before = coupang.calls
        inventory.stock_release(company=company, lines=[(sku.pk, wh.pk, 4, ("order_line", 1))])
        push_all(company)
        listing.refresh_from_db()
        assert stock_at(coupang, key) == 4 and listing.sale_status == "on_sale"
        assert coupang.calls - before == 2
