"""A Shopify re-sync against the sandbox's cost bucket (Shopify's documented costs, 100 points/s): the
messages are as big as 3 s of restored points look up and write, and the connector waits for exactly
what each call lacks — no call is refused as THROTTLED, and the whole push takes what the points take."""

from __future__ import annotations

import time

import pytest

from marketdock.channels.connectors import shopify
from marketdock.inventory import services as inventory
from marketdock.listings.models_sync import SyncPush
from marketdock.listings.services import sync_transport
from tests.factories.catalog import make_sku

from .sync_helpers import listed, push_all, stock_at, warehouse


@pytest.fixture
def shopify_sandbox(monkeypatch):
    """The sandbox over real HTTP; pushes go through the real Shopify connector, which really sleeps for
    the cost bucket (the waits are recorded)."""
    from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
    from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
    from marketdock.channels.services import connector_for
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=11, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    limiter, waits = LocalRateLimiter(), []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(sync_transport, "_connector", lambda account, transport: connector_for(
        account, options=HttpOptions(transport=transport, limiter=limiter, rate=Rate(1000, 1000), sleep=sleep,
                                     retry=RetryPolicy(attempts=2))))
    shopify.INVENTORY_REFS.clear()
    try:
        yield state, base, waits
    finally:
        shopify.INVENTORY_REFS.clear()
        server.shutdown()
        server.server_close()


def test_a_shopify_resync_goes_in_cost_sized_messages_and_is_never_throttled(company, shopify_sandbox):
    state, base, waits = shopify_sandbox
    wh = warehouse(company)
    keys = []
    for i in range(100):
        sku = make_sku(company)
        _listing, shop, key = listed(company, state, base, "shopify-demo", sku)
        keys.append(key)
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=1 + i % 9, reason="입고")
    with state.lock:  # a bucket with 300 points left: the other 336 the push needs restore at 100/s
        shop.available_points, shop.points_at = 300.0, time.monotonic()
    calls_before = shop.calls
    started = time.monotonic()
    push_all(company)
    took = time.monotonic() - started
    assert sorted(SyncPush.objects.filter(company=company).values_list("listings", flat=True)) == [4, 48, 48]
    assert shop.calls - calls_before == 6  # a look-up and a mutation per message, none refused as THROTTLED
    assert [stock_at(shop, key) for key in keys] == [1 + i % 9 for i in range(100)]
    # 48 × 6 + 12 = 300 points a message: the waits add up to the 336 points missing at 100/s, not more
    assert sum(waits) <= 3.36 + 0.05
    assert took >= 3.36 - 0.3  # and the bucket was respected: it could not go faster
