"""Home tile: SKUs at or below their reorder point / safety stock (INV-7)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketdock.core.dashboard import Tile

from . import selectors


def low_stock_tiles(*, company, user):
    count = selectors.low_stock_count(company)
    yield Tile("inventory_low", _("재고 부족"), count, reverse("inventory:low_stock"), "inventory.low",
               "warning" if count else "secondary", _("발주점·안전재고 이하 SKU"))
