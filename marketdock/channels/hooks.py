"""What channels asks of higher apps, registered from their `ready()` (never an upward import).

`account_order_count(company, account)`: how many orders a channel account has received, so an
account with orders is refused deletion with a message that says how many. The orders app registers
the counter::

    from marketdock.channels.hooks import register_account_order_counter
    register_account_order_counter(count)   # count(company, account) -> int

With nobody registered the count is 0 (the database still protects the orders' foreign key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Counter = Callable[[Any, Any], int]
_counters: list[Counter] = []


def register_account_order_counter(fn: Counter) -> Counter:
    """Register `fn(company, account) -> int`; registering twice is a no-op."""
    if fn not in _counters:
        _counters.append(fn)
    return fn


def account_order_count(company, account) -> int:
    return sum(fn(company, account) for fn in list(_counters))
