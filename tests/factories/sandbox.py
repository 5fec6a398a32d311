"""The sandbox marketplace from a test's side: a real connector to one of its shops, its fault
switches, and what it holds and received (its ground truth)."""

from __future__ import annotations

import httpx

from marketdock.channels.connectors.base import Connector, build_connector
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate

# Small pages, so every collection pages several times.
PAGE_SIZES = {"naver": 7, "coupang": 5, "shopify": 10}


def shop_info(base: str, code: str) -> dict:
    return next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == code)


def connect(base: str, code: str, sleeps: list[float] | None = None, credentials: dict | None = None,
            timeout: float = 10.0) -> Connector:
    """The real connector for sandbox shop `code` (small pages, no rate-limit waits; the sleeps it
    would make are appended to `sleeps` when given)."""
    info = shop_info(base, code)
    kind = info["protocol"]
    options = HttpOptions(limiter=LocalRateLimiter(), sleep=(sleeps.append if sleeps is not None else lambda s: None),
                          rate=Rate(1000, 1000), timeout=httpx.Timeout(timeout))
    conn = build_connector(kind, credentials or info["credentials"], base_url=f"{base}/external" if kind == "naver"
                           else base, options=options)
    conn.page_size = PAGE_SIZES[kind]
    return conn


def set_faults(base: str, code: str, **faults) -> None:
    response = httpx.post(f"{base}/_sandbox/shops/{code}/faults", json=faults)
    assert response.status_code == 200, response.text


def received(base: str, code: str, *operations: str) -> list[dict]:
    """The write calls shop `code` received, only those of `operations` when any are named."""
    rows = httpx.get(f"{base}/_sandbox/shops/{code}/received").json()["received"]
    return [r for r in rows if not operations or r["operation"] in operations]


def listings_truth(base: str, code: str) -> dict[str, dict]:
    """The products shop `code` holds, by product id."""
    return {p["product_id"]: p for p in httpx.get(f"{base}/_sandbox/shops/{code}/listings").json()["products"]}


def orders_truth(base: str, code: str) -> dict:
    """The orders shop `code` holds (what a collection must end up with)."""
    return httpx.get(f"{base}/_sandbox/shops/{code}/orders").json()


def unthrottled_sandbox(monkeypatch, *, seed: int = 5, initial_orders: int = 6):
    """A sandbox marketplace served on a free port whose connectors (collection and sends) run without
    rate limits or sleeps; yields (state, base address) and stops the server afterwards. For a
    fixture: `yield from unthrottled_sandbox(monkeypatch, initial_orders=8)`."""
    from marketdock.orders.services import collection, effects
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=seed, order_rate=0, initial_orders=initial_orders)
    server, base = serve_in_thread(SandboxApp(state))
    options = lambda account: HttpOptions(  # noqa: E731
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(10.0))
    monkeypatch.setattr(collection, "connector_options", options)
    monkeypatch.setattr(effects, "connector_options", options)
    try:
        yield state, base
    finally:
        server.shutdown()
        server.server_close()
