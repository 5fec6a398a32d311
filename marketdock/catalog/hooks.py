"""Listeners told when SKUs get a code they did not have (a new SKU, or a code changed), inside the
transaction that saves them.

The catalogue knows nothing of who listens (the orders app matches the order lines waiting in 미매칭
whose seller code is that code); a listener registers itself from its app's `ready()`::

    from marketdock.catalog.hooks import on_sku_codes_added

    @on_sku_codes_added
    def match_waiting(*, company, sku_ids):   # runs in the product save's transaction
        ...

Listeners must be small and do no network I/O; one that raises rolls the product save back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Listener = Callable[..., None]
_listeners: list[Listener] = []


def on_sku_codes_added(fn: Listener) -> Listener:
    """Register `fn(*, company, sku_ids: set[int])`; registering the same function twice is a no-op."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def sku_codes_added(company, sku_ids: Iterable[int]) -> None:
    ids = {int(i) for i in sku_ids}
    if not ids:
        return
    for listener in list(_listeners):
        listener(company=company, sku_ids=ids)
