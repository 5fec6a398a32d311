"""Reads for listings. Every selector takes the company first and filters by it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from marketdock.catalog.models import SetComponent
from marketdock.channels.models import ChannelAccount, OptionMapping
from marketdock.core.models import Company

from .models import Listing, ListingOption, ShippingPolicy


@dataclass
class ListingTarget:
    """One channel option whose stock depends on some of the SKUs asked about.

    `components` is the FULL SKU × units-per-1-sold list of the option (every SKU of a bundle, not only
    the ones asked about), so the caller can compute the option's sellable stock."""

    listing_id: int
    listing_option_id: int | None
    account_id: int
    channel_product_id: str
    channel_option_id: str
    components: list[tuple[int, int]] = field(default_factory=list)  # (sku id, quantity)
    allocation_rule: str = "all"
    allocation_value: int = 0
    typed_stock: int | None = None
    sale_status: str = "on_sale"


def listing_targets(company: Company, sku_ids: Iterable[int]) -> list[ListingTarget]:
    """For every linked listing option affected by a stock change of `sku_ids` (directly, or through a
    set SKU those SKUs are components of): the listing, its account, the channel product/option ids and
    the option's SKU × quantity mapping (read from `channels.OptionMapping`, the rows order matching
    uses). A few queries whatever the number of SKUs."""
    sku_ids = set(sku_ids)
    if not sku_ids:
        return []
    set_ids = set(SetComponent.objects.filter(company=company, component_id__in=sku_ids)
                  .values_list("set_sku_id", flat=True))
    affected = sku_ids | set_ids
    keys = set(OptionMapping.objects.filter(company=company, sku_id__in=affected)
               .values_list("account_id", "channel_product_id", "channel_option_id"))
    if not keys:
        return []
    accounts = {k[0] for k in keys}
    products = {k[1] for k in keys}
    components: dict[tuple[int, str, str], list[tuple[int, int]]] = defaultdict(list)
    for acc, pid, oid, sku_id, qty in (
        OptionMapping.objects.filter(company=company, account_id__in=accounts, channel_product_id__in=products)
        .order_by("id").values_list("account_id", "channel_product_id", "channel_option_id", "sku_id", "quantity")
    ):
        if (acc, pid, oid) in keys:
            components[(acc, pid, oid)].append((sku_id, qty))
    listings = {
        (lst.account_id, lst.channel_product_id): lst
        for lst in Listing.objects.filter(company=company, account_id__in=accounts, channel_product_id__in=products,
                                          status=Listing.Status.LINKED)
        .only("id", "account_id", "channel_product_id", "allocation_rule", "allocation_value", "typed_stock",
              "sale_status")
    }
    options = {
        (opt.listing_id, opt.channel_option_id): opt.pk
        for opt in ListingOption.objects.filter(company=company, listing_id__in=[x.pk for x in listings.values()])
        .only("id", "listing_id", "channel_option_id")
    }
    out = []
    for (acc, pid, oid), comps in sorted(components.items()):
        lst = listings.get((acc, pid))
        if lst is None:
            continue
        out.append(ListingTarget(
            listing_id=lst.pk, listing_option_id=options.get((lst.pk, oid)), account_id=acc,
            channel_product_id=pid, channel_option_id=oid, components=comps,
            allocation_rule=lst.allocation_rule, allocation_value=lst.allocation_value,
            typed_stock=lst.typed_stock, sale_status=lst.sale_status,
        ))
    return out


def listing_get(company: Company, pk: int) -> Listing:
    return Listing.objects.select_related("account", "product", "shipping_policy").get(company=company, pk=pk)


def listings_for_company(company: Company) -> QuerySet[Listing]:
    return Listing.objects.filter(company=company).select_related("account", "product", "shipping_policy")


def listing_options(company: Company, listing: Listing) -> QuerySet[ListingOption]:
    return ListingOption.objects.filter(company=company, listing=listing).select_related("sku", "sku__product")


def listing_mappings(company: Company, listing: Listing) -> dict[str, list[OptionMapping]]:
    """The OptionMapping rows of a linked listing, by channel option id."""
    out: dict[str, list[OptionMapping]] = defaultdict(list)
    if not listing.channel_product_id:
        return out
    for m in (OptionMapping.objects.filter(company=company, account_id=listing.account_id,
                                           channel_product_id=listing.channel_product_id)
              .select_related("sku", "sku__product").order_by("id")):
        out[m.channel_option_id].append(m)
    return out


def shipping_policies_for(company: Company, account: ChannelAccount | None = None) -> QuerySet[ShippingPolicy]:
    qs = ShippingPolicy.objects.filter(company=company).select_related("account")
    if account is not None:
        qs = qs.filter(account=account)
    return qs


def shipping_policy_get(company: Company, pk: int) -> ShippingPolicy:
    return ShippingPolicy.objects.select_related("account").get(company=company, pk=pk)


def listing_search(company: Company, *, account_id: int | None = None, q: str = "", status: str = "",
                   sale_status: str = "") -> QuerySet[Listing]:
    qs = listings_for_company(company)
    if account_id:
        qs = qs.filter(account_id=account_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(channel_product_id=q) | Q(product__code=q)
                       | Q(product__name__icontains=q) | Q(seller_product_code=q))
    if status:
        qs = qs.filter(status=status)
    if sale_status:
        qs = qs.filter(sale_status=sale_status)
    return qs


@dataclass
class Difference:
    field: str
    label: str
    ours: object
    theirs: object
    option: str = ""


SALE_LABELS = {"on_sale": "판매중", "sold_out": "품절", "stopped": "판매중지"}


def listing_differences(company: Company, listing: Listing) -> list[Difference]:
    """Where the channel (as last pulled) differs from marketdock: name, price, sale status, and per
    option the stock the channel shows vs what marketdock can sell. Empty when never pulled."""
    return listings_differences(company, [listing]).get(listing.pk, [])


def listings_differences(company: Company, listings: Iterable[Listing]) -> dict[int, list[Difference]]:
    """`listing_differences` for a page of listings in a constant number of queries (options, their
    mappings, the SKUs' sellable stock), whatever the page size."""
    from django.db.models import Sum
    from django.utils.translation import gettext as _

    from marketdock.inventory.models import StockLevel

    from .services.drafts import _allocated

    pulled = [lst for lst in listings if lst.company_id == company.pk and lst.channel_snapshot]
    out: dict[int, list[Difference]] = {lst.pk: [] for lst in listings}
    if not pulled:
        return out
    options: dict[int, list[ListingOption]] = defaultdict(list)
    for opt in ListingOption.objects.filter(company=company, listing_id__in=[lst.pk for lst in pulled]).order_by(
            "listing_id", "sort_order", "id"):
        options[opt.listing_id].append(opt)
    keys = {(lst.account_id, lst.channel_product_id) for lst in pulled if lst.channel_product_id}
    comps: dict[tuple[int, str, str], list[tuple[int, int]]] = defaultdict(list)
    if keys:
        for acc, pid, oid, sku_id, qty in (
            OptionMapping.objects.filter(company=company, account_id__in={k[0] for k in keys},
                                         channel_product_id__in={k[1] for k in keys})
            .order_by("id").values_list("account_id", "channel_product_id", "channel_option_id", "sku_id", "quantity")
        ):
            if (acc, pid) in keys:
                comps[(acc, pid, oid)].append((sku_id, qty))
    sku_ids = {sku_id for rows in comps.values() for sku_id, _q in rows}
    avail = dict(
        StockLevel.objects.filter(company=company, sku_id__in=sku_ids, warehouse__exposed_to_channels=True)
        .values_list("sku_id").annotate(a=Sum("on_hand") - Sum("reserved")).values_list("sku_id", "a")
    ) if sku_ids else {}

    def sellable(rows: list[tuple[int, int]]) -> int:
        return max(0, min((avail.get(s) or 0) // max(1, q) for s, q in rows))

    for listing in pulled:
        snap = listing.channel_snapshot
        diffs = out[listing.pk]
        if snap.get("name") is not None and snap.get("name") != listing.name:
            diffs.append(Difference("name", _("상품명"), listing.name, snap.get("name")))
        if snap.get("price") is not None and int(snap.get("price") or 0) != listing.price:
            diffs.append(Difference("price", _("판매가"), listing.price, int(snap.get("price") or 0)))
        if snap.get("sale_status") and snap["sale_status"] != listing.sale_status:
            diffs.append(Difference("sale_status", _("판매상태"),
                                    _(SALE_LABELS.get(listing.sale_status, listing.sale_status)),
                                    _(SALE_LABELS.get(snap["sale_status"], snap["sale_status"]))))
        theirs = {o.get("option_id"): o for o in snap.get("options") or []}
        for opt in options.get(listing.pk, []):
            chan = theirs.get(opt.channel_option_id)
            if chan is None and opt.channel_option_id == "" and len(theirs) == 1:
                chan = next(iter(theirs.values()))
            if chan is None:
                continue
            rows = comps.get((listing.account_id, listing.channel_product_id, opt.channel_option_id))
            if not rows:
                continue
            ours = _allocated(listing, sellable(rows))
            if int(chan.get("stock") or 0) != ours:
                diffs.append(Difference("stock", _("재고"), ours, int(chan.get("stock") or 0),
                                        option=opt.name or chan.get("name") or ""))
    return out
