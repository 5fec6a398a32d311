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

from marketdock.core.hooks import IdsHook

_stock = IdsHook("sku_ids")

#: register `fn(*, company, sku_ids: set[int])`, told that the stock of those (plain, non-set) SKUs changed
on_stock_change = _stock.register
stock_changed = _stock.notify
listeners = _stock.listeners
