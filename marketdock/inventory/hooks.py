"""Listeners told about every stock change, inside the transaction that makes it.

Inventory knows nothing of who listens (the listings app marks the channel listings of the changed
SKUs for a stock push); a listener registers itself from its app's `ready()`::

    from marketdock.inventory.hooks import on_stock_change

    @on_stock_change
    def mark_listings(*, company, sku_ids):   # runs in the stock change's transaction
        ...

`stock_changed` is called by `inventory.services.ledger._apply` after the ledger rows are written, so a
listener's writes commit or roll back together with the stock change. A listener that raises rolls
the stock change back too: listeners must be small and must not do network I/O (schedule that with
`transaction.on_commit`).

Changes that are not stock movements but still change what SKUs can sell on the channels (a
warehouse's flags, a SKU's status, a set's composition) go through `catalog.hooks.sku_availability_changed`:
the catalogue raises them and sits below inventory, so the hook lives there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Listener = Callable[..., None]
_listeners: list[Listener] = []


def on_stock_change(fn: Listener) -> Listener:
    """Register `fn(*, company, sku_ids: set[int])`; registering the same function twice is a no-op."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def stock_changed(company, sku_ids: Iterable[int]) -> None:
    """Tell every listener that the stock of `sku_ids` (plain, non-set SKUs) changed for `company`."""
    ids = {int(i) for i in sku_ids}
    if not ids:
        return
    for listener in list(_listeners):
        listener(company=company, sku_ids=ids)


def listeners() -> list[Listener]:
    return list(_listeners)

