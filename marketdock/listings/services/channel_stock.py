"""Channel stock: what one listing option may sell on its channel (allocation rules, sets and bundles, 품절/사용안함 SKUs, auto stop/resume settings)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import F, Sum

from marketdock.catalog.models import SKU, SKUStatus
from marketdock.catalog.selectors import set_components
from marketdock.channels.models import ChannelAccount, OptionMapping
from marketdock.core.models import Company
from marketdock.inventory.models import StockLevel

from ..models import AllocationRule, Listing, ListingOption

MAX_SET_DEPTH = 3

# ChannelAccount.options keys (set on the 동기화 현황 screen)
OPT_AUTO_STOP = "auto_stop_sale"
OPT_AUTO_RESUME = "auto_resume_sale"


# --- allocation and channel stock -------------------------------------------------------------


def allocate(available: int, rule: str, value: int) -> int:
    """The quantity a channel is shown out of `available` sellable units (never negative, rounded down).

    all: everything; fixed: at most `value`; percent: `value` % of it; buffer: all but `value`."""
    available = max(0, int(available))
    value = max(0, int(value or 0))
    if rule == AllocationRule.FIXED:
        return min(available, value)
    if rule == AllocationRule.PERCENT:
        return available * min(value, 100) // 100
    if rule == AllocationRule.BUFFER:
        return max(0, available - value)
    return available


def auto_stop_enabled(account: ChannelAccount) -> bool:
    return bool((account.options or {}).get(OPT_AUTO_STOP, True))


def auto_resume_enabled(account: ChannelAccount) -> bool:
    return bool((account.options or {}).get(OPT_AUTO_RESUME, True))


def sku_channel_available(company: Company, sku_ids: Iterable[int]) -> dict[int, int]:
    """Available stock (on hand − reserved) of plain SKUs in the active warehouses exposed to channels."""
    ids = set(sku_ids)
    if not ids:
        return {}
    rows = (
        StockLevel.objects.filter(company=company, sku_id__in=ids, warehouse__is_active=True,
                                  warehouse__exposed_to_channels=True)
        .order_by().values("sku_id").annotate(available=Sum(F("on_hand") - F("reserved")))
    )
    out = dict.fromkeys(ids, 0)
    for row in rows:
        out[row["sku_id"]] = max(0, row["available"] or 0)
    return out


def _leaves(company: Company, sku_ids: set[int]) -> dict[int, list[tuple[int, int]]]:
    """Each SKU as plain (non-set) SKUs × units: a plain SKU is [(itself, 1)], a set its components
    (nested sets expanded, MAX_SET_DEPTH deep)."""
    skus = {s.pk: s for s in SKU.objects.filter(company=company, pk__in=sku_ids).only("id", "is_set")}
    out: dict[int, list[tuple[int, int]]] = {}
    for sku_id in sku_ids:
        sku = skus.get(sku_id)
        out[sku_id] = [] if sku is None else ([(sku_id, 1)] if not sku.is_set else None)
    pending = {sid: [(sid, 1)] for sid, v in out.items() if v is None}
    for _depth in range(MAX_SET_DEPTH + 1):
        if not pending:
            break
        wanted = {cid for parts in pending.values() for cid, _q in parts}
        comps = set_components(company, wanted)
        nxt: dict[int, list[tuple[int, int]]] = {}
        for root, parts in pending.items():
            expanded: list[tuple[int, int]] = []
            unresolved = False
            for cid, qty in parts:
                if cid in comps:
                    expanded.extend((c, qty * q) for c, q in comps[cid])
                    unresolved = True
                else:
                    expanded.append((cid, qty))
            if unresolved:
                nxt[root] = expanded
            else:
                out[root] = expanded
        pending = nxt
    for root in pending:  # too deep or circular: sell nothing rather than guess
        out[root] = []
    # a set whose expansion ends in set SKUs without components has those as leaves: they hold no stock
    return out


@dataclass
class OptionStock:
    option_id: str
    quantity: int


@dataclass
class ListingStock:
    listing_id: int
    options: dict[str, int] = field(default_factory=dict)  # channel option id → quantity to show

    @property
    def total(self) -> int:
        return sum(self.options.values())


def channel_stock(company: Company, listings: Sequence[Listing]) -> dict[int, ListingStock]:
    """The stock each listing option should show on its channel right now (see module docstring).
    Options without an SKU mapping are absent (never pushed); an unmanaged product without typed stock
    gives an empty result. A few queries whatever the number of listings."""
    listings = [lst for lst in listings if lst.channel_product_id]
    if not listings:
        return {}
    by_key = {(lst.account_id, lst.channel_product_id): lst for lst in listings}
    options: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for acc, pid, oid, sku_id, qty in (
        OptionMapping.objects.filter(company=company, account_id__in={k[0] for k in by_key},
                                     channel_product_id__in={k[1] for k in by_key})
        .order_by("id").values_list("account_id", "channel_product_id", "channel_option_id", "sku_id", "quantity")
    ):
        lst = by_key.get((acc, pid))
        if lst is not None:
            options[lst.pk][oid].append((sku_id, qty))
    mapped = {sku_id for opts in options.values() for comps in opts.values() for sku_id, _q in comps}
    leaves = _leaves(company, mapped)
    leaf_ids = {leaf for parts in leaves.values() for leaf, _q in parts}
    info = {
        s["id"]: s for s in SKU.objects.filter(company=company, pk__in=leaf_ids | mapped)
        .values("id", "status", "product__inventory_managed")
    }
    available = sku_channel_available(company, leaf_ids)
    managed_products = dict(
        Listing.objects.filter(company=company, pk__in=[lst.pk for lst in listings])
        .values_list("id", "product__inventory_managed"))
    unmanaged_options: dict[int, set[str]] = defaultdict(set)
    for listing_id, oid in ListingOption.objects.filter(
            company=company, listing_id__in=[pk for pk, managed in managed_products.items() if not managed]
    ).values_list("listing_id", "channel_option_id"):
        unmanaged_options[listing_id].add(oid)
    out: dict[int, ListingStock] = {}
    for lst in listings:
        result = ListingStock(listing_id=lst.pk)
        out[lst.pk] = result
        if not managed_products.get(lst.pk, True):
            if lst.typed_stock is not None:
                for oid in set(options.get(lst.pk, {})) | unmanaged_options.get(lst.pk, set()) or {""}:
                    result.options[oid] = lst.typed_stock
            continue
        for oid, comps in options.get(lst.pk, {}).items():
            limits: list[int] = []
            for sku_id, units in comps:
                top = info.get(sku_id)
                if top is not None and top["status"] in (SKUStatus.SOLD_OUT, SKUStatus.INACTIVE):
                    limits.append(0)
                    continue
                parts = leaves.get(sku_id) or []
                if not parts:
                    limits.append(0)
                    continue
                for leaf, per in parts:
                    leaf_info = info.get(leaf)
                    if leaf_info is None:
                        limits.append(0)
                    elif not leaf_info["product__inventory_managed"]:
                        continue  # not stock-managed: never the limiting part
                    elif leaf_info["status"] in (SKUStatus.SOLD_OUT, SKUStatus.INACTIVE):
                        limits.append(0)
                    else:
                        limits.append(available.get(leaf, 0) // (per * units))
            if not limits:  # only unmanaged parts: the typed stock, if any
                if lst.typed_stock is None:
                    continue
                limits.append(lst.typed_stock)
            result.options[oid] = allocate(min(limits), lst.allocation_rule, lst.allocation_value)
    return out
