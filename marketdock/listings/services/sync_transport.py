"""The connector a sync push or read-back uses, with a transport that counts the API calls (patch `sync_transport._connector` to point pushes elsewhere)."""

from __future__ import annotations

import logging

import httpx

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.models import ChannelAccount
from marketdock.channels.services import connector_for

logger = logging.getLogger(__name__)


# --- delivery (outbox handlers) ---------------------------------------------------------------


class _CountingTransport(httpx.BaseTransport):
    """Counts the HTTP requests a connector sends (retries included) for the push record. The real
    transport (its TLS context) is made at the first request: sizing a message builds a connector
    that sends nothing."""

    def __init__(self) -> None:
        self.inner: httpx.HTTPTransport | None = None
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.inner is None:
            self.inner = httpx.HTTPTransport()
        return self.inner.handle_request(request)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()


def _connector(account: ChannelAccount, transport: _CountingTransport):
    return connector_for(account, options=HttpOptions(transport=transport))
