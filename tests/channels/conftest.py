"""Fixtures of the channel tests."""

from __future__ import annotations

import pytest

from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState


@pytest.fixture
def sandbox():
    """A sandbox marketplace on a free port: (its state, its base URL)."""
    state = SandboxState(seed=7, order_rate=0, initial_orders=3)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()
