"""Catalogue reads. Every selector takes the company first and filters by it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from marketdock.core.models import Company

from .models import SetComponent


def set_components(company: Company, sku_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """For each given SKU id that is a set, its components as (component SKU id, quantity).

    SKUs that are not sets (or have no components) are absent from the result.
    """
    ids = {int(i) for i in sku_ids}
    result: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if not ids:
        return {}
    rows = (
        SetComponent.objects.filter(company=company, set_sku_id__in=ids, set_sku__is_set=True)
        .order_by("set_sku_id", "id")
        .values_list("set_sku_id", "component_id", "quantity")
    )
    for set_id, comp_id, qty in rows:
        result[set_id].append((comp_id, qty))
    return dict(result)
