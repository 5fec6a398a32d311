"""Orders fixtures: the sandbox marketplace over real HTTP for collections."""

from __future__ import annotations

import httpx
import pytest

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.orders.services import collection
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState


@pytest.fixture
def sandbox(monkeypatch):
    """(state, base url) of a sandbox with 25 orders per shop; the connectors skip rate limits."""
    state = SandboxState(seed=7, order_rate=0, initial_orders=25)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(2.0)))
    yield state, base
    server.shutdown()
    server.server_close()
