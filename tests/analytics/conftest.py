"""Analytics fixtures (the factories live in tests/factories/analytics.py)."""

from __future__ import annotations

import pytest

from tests.factories.analytics import SalesKit


@pytest.fixture
def sales_kit(company) -> SalesKit:
    return SalesKit(company)
