"""Settlement fixtures (the factories live in tests/factories/settlement.py)."""

from __future__ import annotations

import pytest

from tests.factories.settlement import SettleKit


@pytest.fixture
def kit(company) -> SettleKit:
    return SettleKit(company)
