"""Tracking provider: the sandbox implementation reads real events for a number the sandbox received
in a dispatch (advancing with time), [] for an unknown number, TrackingUnavailable when the provider
cannot answer; the setting TRACKING_PROVIDER chooses the implementation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.test import override_settings

from marketdock.channels.connectors.base import build_connector
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import DispatchItem
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from marketdock.shipping.tracking_provider import (
    SandboxTrackingProvider,
    TrackingProvider,
    TrackingUnavailable,
    tracking_provider,
)


@pytest.fixture
def shipped():
    """A sandbox where one Coupang box was dispatched with CJ number 630099990001."""
    state = SandboxState(seed=3, order_rate=0, initial_orders=20)
    server, base = serve_in_thread(SandboxApp(state))
    shop = state.shops["coupang-demo"]
    order = next(o for o in shop.orders if o.status == "INSTRUCT")
    options = HttpOptions(limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000))
    with build_connector("coupang", shop.credentials, base_url=base, options=options) as conn:
        result = conn.dispatch([DispatchItem(order_line_id=line, order_id=order.order_no, carrier_code="cj",
                                             marketplace_carrier_code="CJGLS", tracking_number="630099990001",
                                             shipped_at=datetime.now(UTC)) for line in shop.line_ids(order)])
    assert result.failed == []
    yield state, base
    server.shutdown()
    server.server_close()


def test_events_advance_from_pickup_to_delivery(shipped):
    state, base = shipped
    assert [e.status for e in SandboxTrackingProvider(base).events("cj", "630099990001")] == ["picked_up"]
    stage = state.tracking_stage_seconds
    middle = SandboxTrackingProvider(base, now=lambda: datetime.now(UTC) + timedelta(seconds=stage * 1.5))
    assert [e.status for e in middle.events("cj", "630099990001")] == ["picked_up", "in_transit"]
    later = SandboxTrackingProvider(base, now=lambda: datetime.now(UTC) + timedelta(days=1))
    events = later.events("cj", "630099990001")
    assert [e.status for e in events] == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert all(e.at.tzinfo is not None and e.location and e.description for e in events)
    assert events == sorted(events, key=lambda e: e.at)


def test_tracking_speed_is_configurable(shipped):
    _state, base = shipped
    assert httpx.post(f"{base}/_sandbox/tracking", json={"stage_seconds": 0.001}).status_code == 200
    assert SandboxTrackingProvider(base).events("cj", "630099990001")[-1].status == "delivered"
    assert httpx.post(f"{base}/_sandbox/tracking", json={"stage_seconds": -1}).status_code == 400


def test_unknown_number_or_other_carrier_has_no_events(shipped):
    _state, base = shipped
    provider = SandboxTrackingProvider(base)
    assert provider.events("cj", "630099990002") == []
    assert provider.events("hanjin", "630099990001") == []


@pytest.mark.parametrize("answer", [
    httpx.Response(503, json={"error": "down"}),
    httpx.Response(200, text="<html>not json</html>"),
    httpx.Response(200, json={"events": [{"status": "teleported", "at": "2026-01-01T00:00:00+09:00"}]}),
])
def test_provider_trouble_is_reported_as_unavailable(answer):
    provider = SandboxTrackingProvider("http://sandbox.test", transport=httpx.MockTransport(lambda request: answer))
    with pytest.raises(TrackingUnavailable):
        provider.events("cj", "630099990001")


def test_connection_failure_is_unavailable():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TrackingUnavailable, match="연결"):
        SandboxTrackingProvider("http://sandbox.test", transport=httpx.MockTransport(refuse)).events("cj", "1")


class FixedProvider(TrackingProvider):
    def events(self, carrier_code, number):
        return []


def test_setting_chooses_the_provider(settings):
    assert isinstance(tracking_provider(), SandboxTrackingProvider)
    assert tracking_provider().base_url == settings.MARKETDOCK_SANDBOX_URL
    with override_settings(MARKETDOCK_SANDBOX_URL="http://10.0.0.9:8010"):
        assert tracking_provider().base_url == "http://10.0.0.9:8010"
    with override_settings(TRACKING_PROVIDER="tests.shipping.test_tracking_provider.FixedProvider"):
        assert isinstance(tracking_provider(), FixedProvider)
