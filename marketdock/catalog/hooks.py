"""Catalogue hooks: listeners in higher apps told about SKU changes, inside the transaction that
makes them (`core.hooks.IdsHook`).

`on_sku_codes_added`: listeners told when SKUs get a code they did not have (a new SKU, or a code
changed), inside the transaction that saves them.

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

from marketdock.core.hooks import IdsHook

_codes_added = IdsHook("sku_ids")
_availability = IdsHook("sku_ids")

#: register `fn(*, company, sku_ids: set[int])`, told of SKUs with a code they did not have
on_sku_codes_added = _codes_added.register
sku_codes_added = _codes_added.notify

#: register `fn(*, company, sku_ids: set[int])` (any SKUs, sets included), told when what they can
#: sell on the channels changed without a stock movement (warehouse exposure/active flag, SKU status,
#: a product's stock management flag, set composition)
on_sku_availability_change = _availability.register
sku_availability_changed = _availability.notify
availability_listeners = _availability.listeners
