"""Delivery tracking lookups (배송조회): where the OMS learns that a parcel was picked up, is moving,
out for delivery or delivered.

    from marketdock.shipping.tracking_provider import tracking_provider
    events = tracking_provider().events("cj", "123456789012")   # oldest first

The implementation is chosen by the setting TRACKING_PROVIDER (a dotted class path). The default,
`SandboxTrackingProvider`, reads the sandbox marketplace's `/_sandbox/tracking/<carrier>/<number>`
(at MARKETDOCK_SANDBOX_URL) — the demo and the tests use it; a real carrier API or an aggregator
(SweetTracker, tracker.delivery, GoodsFlow) is another subclass with the same `events` method.

`events` returns [] for a number the provider does not know (yet), and raises TrackingUnavailable
when the provider cannot answer now (timeout, 5xx): the caller tries again later."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Literal
from urllib.parse import quote

import httpx
from django.conf import settings
from django.utils.module_loading import import_string
from pydantic import BaseModel, ValidationError, field_validator

TrackingStatus = Literal["picked_up", "in_transit", "out_for_delivery", "delivered", "exception"]


class TrackingEvent(BaseModel):
    status: TrackingStatus
    at: datetime
    location: str = ""
    description: str = ""

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("tracking event time must be timezone-aware")
        return value


class TrackingUnavailable(Exception):
    """The provider could not answer now (timeout, server error, unreadable answer); retry later."""


class TrackingProvider(ABC):
    @abstractmethod
    def events(self, carrier_code: str, number: str) -> list[TrackingEvent]:
        """Every event known for this parcel, oldest first. `carrier_code` is the OMS carrier key
        (shipping.Carrier.key, e.g. "cj")."""


class SandboxTrackingProvider(TrackingProvider):
    """Reads the sandbox marketplace's tracking endpoint over HTTP. `now` (tests) asks the sandbox
    about a later moment, so tracking can be fast-forwarded without waiting."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None, now: Callable[[], datetime] | None = None) -> None:
        self.base_url = (base_url or getattr(settings, "MARKETDOCK_SANDBOX_URL", "http://127.0.0.1:8010")).rstrip("/")
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self.transport = transport
        self.now = now

    def events(self, carrier_code: str, number: str) -> list[TrackingEvent]:
        url = f"{self.base_url}/_sandbox/tracking/{quote(carrier_code, safe='')}/{quote(number, safe='')}"
        params = {"now": self.now().isoformat()} if self.now else None
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise TrackingUnavailable(f"배송조회 서버에 연결할 수 없습니다 ({type(exc).__name__})") from exc
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise TrackingUnavailable(f"배송조회 서버 오류 (HTTP {response.status_code})")
        try:
            body = response.json()
            return [TrackingEvent.model_validate(event) for event in body["events"]]
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            raise TrackingUnavailable(f"배송조회 응답을 읽을 수 없습니다: {exc}") from exc


def tracking_provider(**kwargs) -> TrackingProvider:
    """The configured provider (setting TRACKING_PROVIDER)."""
    return import_string(settings.TRACKING_PROVIDER)(**kwargs)
