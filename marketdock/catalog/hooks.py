"""Catalogue hooks: listeners in higher apps told about SKU changes, inside the transaction that makes them.

`on_sku_codes_added`: listeners told when SKUs get a code they did not have (a new SKU, or a code changed), inside the
transaction that saves them.

The catalogue knows nothing of who listens (the orders app matches the order lines waiting in 미매칭
whose seller code is that code); a listener registers itself from its app's `ready()`::

    from marketdock.catalog.hooks import on_sku_codes_added

    @on_sku_codes_added
    def match_waiting(*, company, sku_ids):   # runs in the product save's transaction
        ...

Listeners must be small and do no network I/O; one that raises rolls the product save back.

`on_sku_availability_change`: listeners told of changes that are not stock movements but still
change what SKUs can sell on the channels: a SKU's status to/from 품절/사용안함, a product's stock
management flag or a set's composition (`catalog.services`), a warehouse's "expose to channels" or
active flag (`inventory.services.warehouse_save`). The listings app marks the channel listings of
those SKUs for a stock push. Same rules: called inside the change's transaction, listeners small and
without network I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Listener = Callable[..., None]
_listeners: list[Listener] = []
_availability_listeners: list[Listener] = []


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


def on_sku_availability_change(fn: Listener) -> Listener:
    """Register `fn(*, company, sku_ids: set[int])` (any SKUs, sets included); registering twice is a no-op."""
    if fn not in _availability_listeners:
        _availability_listeners.append(fn)
    return fn


def sku_availability_changed(company, sku_ids: Iterable[int]) -> None:
    """Tell every availability listener that what `sku_ids` can sell on the channels changed for
    `company` without a stock movement (warehouse exposure/active flag, SKU status, set composition)."""
    ids = {int(i) for i in sku_ids}
    if not ids:
        return
    for listener in list(_availability_listeners):
        listener(company=company, sku_ids=ids)


def availability_listeners() -> list[Listener]:
    return list(_availability_listeners)
