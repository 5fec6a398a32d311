"""Listing fixtures: products made through the catalogue's services, plain channel accounts."""

from __future__ import annotations

import pytest

from marketdock.channels.models import ChannelAccount
from tests.factories.catalog import make_product


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tshirt(company):
    return make_product(company, "TS-001", name="베이직 반팔 티셔츠", price=12900,
                        axes=[{"name": "색상", "values": ["블랙", "화이트"]}])


@pytest.fixture
def market_sandbox(monkeypatch):
    """A sandbox marketplace over real HTTP, its connectors without rate-limit waits: (state, base URL,
    account factory by sandbox shop code)."""
    from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
    from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
    from marketdock.listings import services
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=5, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    limiter = LocalRateLimiter()
    monkeypatch.setattr(services.common, "connector_options", lambda account: HttpOptions(
        limiter=limiter, rate=Rate(1000, 1000), sleep=lambda s: None, retry=RetryPolicy(attempts=2)))

    def account(company, code: str) -> ChannelAccount:
        shop = state.shops[code]
        acc = ChannelAccount(company=company, kind=shop.protocol, name=f"{code} 계정", base_url=base,
                             auto_collect=False)
        acc.set_credentials(shop.credentials)
        acc.save()
        return acc

    yield state, base, account
    server.shutdown()
    server.server_close()
