"""The listings app's listeners to other apps' hooks (registered from ListingsConfig.ready()).

Stock movements are heard in services.dirty (`on_stock_change`); here: changes that are not stock
movements but change what SKUs can sell on the channels — a warehouse's exposure/active flag, a SKU's
status to/from 품절/사용안함, a product's stock management flag, a set's composition. The linked
listings that sell those SKUs (directly or through a set) are marked for a stock push inside the
change's transaction, so a rolled-back change marks nothing."""

from __future__ import annotations

from marketdock.catalog.hooks import on_sku_availability_change
from marketdock.core.models import Company

from .services import listings_mark_dirty_for_skus

CHUNK = 2000  # SKU ids per lookup (a warehouse flag can touch every SKU of the company)


@on_sku_availability_change
def sku_availability_changed(*, company: Company, sku_ids: set[int]) -> None:
    ids = sorted(sku_ids)
    for start in range(0, len(ids), CHUNK):
        listings_mark_dirty_for_skus(company=company, sku_ids=ids[start:start + CHUNK])
