"""Shopify's stock writes under its documented cost limit (MockTransport): a call waits only for the
points it lacks, at the restore rate — a cheap mutation after an expensive look-up does not wait for the
look-up's cost, and the next push message's new connector knows what the last one spent instead of
running into THROTTLED. The floor and message size come from cost points, not from a request count."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from marketdock.channels.connectors import shopify
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.models import StockUpdate
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate


@pytest.fixture(autouse=True)
def _fresh_inventory_refs():
    shopify.INVENTORY_REFS.clear()
    yield
    shopify.INVENTORY_REFS.clear()


class CostShop:
    """Answers the stock operations with Shopify's cost extension: a bucket restoring 100 points/s (in
    real time, and by whatever the connector sleeps), less each call's cost, answering THROTTLED when a
    call's requested cost does not fit."""

    def __init__(self, available: float) -> None:
        self.set(available)
        self.calls: list[tuple[str, int]] = []  # (operation, requested cost)
        self.throttled = 0

    def set(self, available: float) -> None:
        self.available, self.at = available, time.monotonic()

    def restore(self, seconds: float) -> None:
        self.available = min(1000.0, self.available + seconds * 100.0)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        name = body["query"].split("(")[0].split()[-1]
        variables = body["variables"]
        requested = len(variables["ids"]) * 6 if name == "VariantsInventory" else 12
        now = time.monotonic()
        self.restore(now - self.at)
        self.at = now
        self.calls.append((name, requested))
        status = {"maximumAvailable": 1000.0, "restoreRate": 100.0}
        if requested > self.available:
            self.throttled += 1
            return httpx.Response(200, json={"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                             "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                                                     "throttleStatus": {**status,
                                                                                        "currentlyAvailable": self.available}}}})
        self.available -= requested
        cost = {"requestedQueryCost": requested, "actualQueryCost": requested,
                "throttleStatus": {**status, "currentlyAvailable": self.available}}
        if name == "VariantsInventory":
            nodes = [{"id": g, "legacyResourceId": g.rsplit("/", 1)[1], "inventoryItem": {
                "id": f"gid://shopify/InventoryItem/{g.rsplit('/', 1)[1]}", "inventoryLevels": {"nodes": [{
                    "location": {"id": "gid://shopify/Location/1"},
                    "quantities": [{"name": "available", "quantity": 0}]}]}}} for g in variables["ids"]]
            return httpx.Response(200, json={"data": {"nodes": nodes}, "extensions": {"cost": cost}})
        return httpx.Response(200, json={"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": {"reason": "correction", "changes": []}, "userErrors": []}},
            "extensions": {"cost": cost}})


def connector(shop: CostShop, limiter: LocalRateLimiter, sleeps: list[float]) -> shopify.ShopifyConnector:
    def sleep(seconds: float) -> None:  # the bucket restores while we wait, as Shopify's does
        sleeps.append(seconds)
        shop.restore(seconds)

    creds = shopify.ShopifyCredentials(shop_domain="cost.myshopify.com", access_token="shpat_x")
    return shopify.ShopifyConnector(creds, base_url="https://cost.test", options=HttpOptions(
        transport=httpx.MockTransport(shop), limiter=limiter, sleep=sleep, rate=Rate(1000, 1000),
        retry=RetryPolicy(attempts=2)))


def items(start: int, n: int) -> list[StockUpdate]:
    return [StockUpdate(product_id=f"p{v}", option_id=str(v), quantity=3, expected_quantity=None)
            for v in range(start, start + n)]


def test_a_mutation_after_an_expensive_lookup_waits_only_for_its_own_points():
    shop = CostShop(available=300)
    sleeps: list[float] = []
    result = connector(shop, LocalRateLimiter(), sleeps).update_stock(items(1000, 48))
    assert len(result.applied) == 48
    assert shop.calls == [("VariantsInventory", 288), ("InventorySet", 12)]
    assert shop.throttled == 0
    assert sleeps == [] or max(sleeps) < 0.01  # 12 points were left: no wait (not 288 points' worth)


def test_the_next_message_knows_what_the_last_one_spent_and_waits_by_the_restore_rate():
    shop = CostShop(available=300)
    limiter = LocalRateLimiter()
    sleeps: list[float] = []
    connector(shop, limiter, sleeps).update_stock(items(2000, 48))  # spends the bucket down to about 0
    assert sleeps == [] or max(sleeps) < 0.01
    # the next push message builds a new connector: it waits for the 288 + 12 points it needs (less what
    # restored meanwhile), by the restore rate, and is never THROTTLED
    result = connector(shop, limiter, sleeps).update_stock(items(3000, 48))
    assert len(result.applied) == 48 and shop.throttled == 0
    assert 2.0 < sum(sleeps) <= 300 / 100 + 0.01
    # a connector with another limiter has no guess: it goes, is THROTTLED, and waits for what it lacked
    shop.set(100)
    other: list[float] = []
    result = connector(shop, LocalRateLimiter(), other).update_stock(items(4000, 48))
    assert len(result.applied) == 48 and shop.throttled == 1
    assert other[0] == pytest.approx((288 - 100) / 100, abs=0.05)  # the lacking points at 100/s, no full refill


def test_message_size_and_floor_follow_the_cost_budget():
    conn = connector(CostShop(available=1000), LocalRateLimiter(), [])
    conn.api.rate = Rate(4, 8)  # the production pacing: requests are not what limits Shopify
    assert conn.stock_push_capacity(3.0) == 48  # 48 × 6 + 12 = 300 points = 3 s of restore
    assert conn.stock_push_capacity(6.0) == 98  # 98 × 6 + 12 = 600
    assert conn.stock_push_floor(150) == 0  # 912 points fit in the full bucket
    assert conn.stock_push_floor(1000) == pytest.approx((6000 + 4 * 12 - 1000) / 100)
