"""Listings read from a channel: imported as listings (and products when asked), pulled changes applied or accepted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU, Product
from marketdock.channels.connectors.models import ChannelListing
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company, User

from ..models import Listing, ListingOption, SaleStatus, ShippingPolicy
from .common import ListingError, _own
from .send import _apply_channel_listing, _mappings_write, _mark_linked, _snapshot, order_product_id

# --- import (LST-3) ----------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    product_id: str
    name: str
    outcome: str  # "updated" | "linked" | "created" | "skipped" | "error"
    message: str = ""
    listing_id: int | None = None


CODE_RE = re.compile(r"[^0-9A-Za-z_\-.]")


def _free_code(company: Company, want: str, fallback: str, model) -> str:
    code = CODE_RE.sub("", want or "")[:40] or fallback
    if not model.objects.filter(company=company, code=code).exists():
        return code
    i = 2
    while model.objects.filter(company=company, code=f"{code[:36]}-{i}").exists():
        i += 1
    return f"{code[:36]}-{i}"


def _product_for(company: Company, cl: ChannelListing) -> tuple[Product | None, dict[str, SKU]]:
    """The catalogue product a channel listing is (by seller product code = product seller code or
    code; else by seller option codes = SKU codes/barcodes of one product), and its SKUs by channel
    option id."""
    opt_codes = {o.seller_option_code for o in cl.options if o.seller_option_code}
    skus = {}
    if opt_codes:
        for s in SKU.objects.filter(Q(code__in=opt_codes) | Q(barcode__in=opt_codes), company=company):
            skus[s.code] = s
            skus[s.barcode] = s
    product = None
    code = cl.seller_product_code.strip()
    if code:
        # case-insensitive: Shopify keeps the seller code as the product handle, lowercased
        product = (Product.objects.filter(company=company, seller_code__iexact=code).order_by("id").first()
                   or Product.objects.filter(company=company, code__iexact=code).order_by("id").first())
    if product is None and skus:
        owners = {s.product_id for s in skus.values()}
        if len(owners) == 1:
            product = Product.objects.get(company=company, pk=owners.pop())
    if product is None and code:  # a single-SKU product sold under its SKU code
        sku = (SKU.objects.filter(Q(code__iexact=code) | Q(barcode__iexact=code), company=company)
               .select_related("product").order_by("id").first())
        if sku is not None:
            product = sku.product
            skus.setdefault(code, sku)
    by_option: dict[str, SKU] = {}
    if product is not None:
        own = list(product.skus.all())
        by_text = {s.option_text: s for s in own}
        for o in cl.options:
            s = skus.get(o.seller_option_code) if o.seller_option_code else None
            if s is None or s.product_id != product.pk:
                s = by_text.get(o.name)
            if s is None and len(own) == 1 and len(cl.options) == 1:
                s = own[0]
            if s is not None:
                by_option[o.option_id] = s
    return product, by_option


def _product_create_from(company: Company, account: ChannelAccount, cl: ChannelListing) -> tuple[Product, dict[str, SKU]]:
    from marketdock.catalog import services as catalog

    code = _free_code(company, cl.seller_product_code, f"{account.kind.upper()}-{cl.product_id}", Product)
    names = [o.name for o in cl.options if o.name]
    has_options = len(names) == len(cl.options) and len(set(names)) == len(names) and len(names) > 0 \
        and not (len(names) == 1 and names[0] in ("", cl.name))
    data = {"code": code, "seller_code": cl.seller_product_code, "name": cl.name[:200] or code, "price": cl.price,
            "cost": 0, "tax_type": "taxable", "status": "on_sale", "inventory_managed": True}
    if has_options:
        # "블랙 / M" is two option axes in the catalogue (whose values may not contain "/")
        parts = [[" ".join(p.replace("/", "-").split())[:50] for p in n.split(" / ")] for n in names]
        depth = len(parts[0])
        if depth > 3 or any(len(p) != depth for p in parts) or len({tuple(p) for p in parts}) != len(parts):
            parts = [[" ".join(n.replace("/", "-").split())[:50]] for n in names]
            depth = 1
        axis_names = [_("옵션")] if depth == 1 else [_("옵션%(n)s") % {"n": i + 1} for i in range(depth)]
        axes = [{"name": axis_names[i], "values": list(dict.fromkeys(p[i] for p in parts))} for i in range(depth)]
        taken: set[str] = set()
        rows = []
        for o, values in zip(cl.options, parts, strict=True):
            want = _free_code(company, o.seller_option_code, f"{code}-{len(rows) + 1}", SKU)
            if want in taken:
                want = f"{code}-{len(rows) + 1}"
            taken.add(want)
            rows.append(catalog.SkuRow(option_values=dict(zip(axis_names, values, strict=True)), code=want,
                                       barcode=want, price_delta=o.price_delta))
    else:
        axes = []
        first = cl.options[0] if cl.options else None
        want = _free_code(company, first.seller_option_code if first else "", code, SKU)
        rows = [catalog.SkuRow(option_values={}, code=want, barcode=want)]
    product = catalog.product_save(company=company, product=None, data=data, axes=axes, rows=rows)
    skus = list(product.skus.order_by("sort_order", "id"))
    if has_options:
        by_code = {s.code: s for s in skus}
        by_option = {o.option_id: by_code[row.code] for o, row in zip(cl.options, rows, strict=True)
                     if row.code in by_code}
    else:
        by_option = {o.option_id: skus[0] for o in cl.options} or {"": skus[0]}
    return product, by_option


def product_create_from_channel(*, company: Company, account: ChannelAccount, cl: ChannelListing) -> Product:
    """A catalogue product with one SKU per channel option (codes = the seller codes where free)."""
    product, _by_option = _product_create_from(company, account, cl)
    return product


def listing_import_one(*, company: Company, account: ChannelAccount, cl: ChannelListing, create_missing: bool,
                       user: User | None = None, pulled: bool = True) -> ImportOutcome:
    """Bring one channel listing into marketdock in one transaction: refresh the listing we already
    have, or link it to the catalogue product with the same seller code, or create the product and its
    SKUs (when `create_missing`)."""
    from marketdock.catalog.services import CatalogError

    pid = order_product_id(cl)
    existing = Listing.objects.filter(company=company, account=account, channel_product_id=pid).first()
    try:
        with transaction.atomic():
            if existing is not None:
                _apply_channel_listing(company=company, listing_id=existing.pk, cl=cl, user=user, sent=False)
                return ImportOutcome(cl.product_id, cl.name, "updated", _("이미 연동된 상품: 쇼핑몰 상태를 갱신했습니다."),
                                     existing.pk)
            product, by_option = _product_for(company, cl)
            outcome = "linked"
            if product is None:
                if not create_missing:
                    return ImportOutcome(cl.product_id, cl.name, "skipped",
                                         _("판매자상품코드 '%(code)s'와 같은 상품이 없어 건너뛰었습니다.") % {
                                             "code": cl.seller_product_code or "-"})
                product, by_option = _product_create_from(company, account, cl)
                outcome = "created"
            listing = _listing_from_channel(company=company, account=account, product=product, cl=cl,
                                            by_option=by_option, user=user, pulled=pulled)
    except CatalogError as exc:
        return ImportOutcome(cl.product_id, cl.name, "error", "; ".join(exc.messages))
    message = _("상품 %(code)s에 연결했습니다.") if outcome == "linked" else _("상품 %(code)s을(를) 새로 만들었습니다.")
    unmapped = sum(1 for o in cl.options if o.option_id not in by_option)
    if unmapped:
        message += " " + _("매칭되지 않은 옵션 %(n)s개는 상세 화면에서 단품을 지정하세요.") % {"n": unmapped}
    return ImportOutcome(cl.product_id, cl.name, outcome, message % {"code": product.code}, listing.pk)


def _listing_from_channel(*, company: Company, account: ChannelAccount, product: Product, cl: ChannelListing,
                          by_option: dict[str, SKU], user: User | None, pulled: bool = True) -> Listing:
    """`pulled` False: `cl` was not read from the marketplace just now (no snapshot to compare with)."""
    listing = Listing.objects.create(
        company=company, account=account, product=product, channel_product_id=order_product_id(cl),
        api_product_id=cl.origin_product_id, seller_product_code=cl.seller_product_code, name=cl.name[:200] or product.name,
        price=cl.price, currency=(cl.currency or "KRW")[:3], sale_status=cl.sale_status, category_id=cl.category_id,
        status=Listing.Status.LINKED, channel_snapshot=_snapshot(cl) if pulled else {}, last_synced_at=timezone.now() if pulled else None,
        created_by=user,
        shipping_policy=ShippingPolicy.objects.filter(company=company, account=account, is_default=True).first(),
    )
    ListingOption.objects.bulk_create([
        ListingOption(company=company, listing=listing, channel_option_id=o.option_id, name=o.name,
                      price_delta=o.price_delta, seller_option_code=o.seller_option_code, sku=by_option.get(o.option_id),
                      quantity=1, channel_stock=o.stock if pulled else None, sort_order=i)
        for i, o in enumerate(cl.options)
    ] or [ListingOption(company=company, listing=listing, channel_option_id="", sku=by_option.get(""), quantity=1)])
    _mappings_write(company=company, listing=listing, user=user)
    _mark_linked(company, [listing], resync=True)  # newly imported (first connection): push our stock
    return listing


# --- pulling the channel's state (상품동기화, LST-6) ------------------------------------------------


def listing_pull_apply(*, company: Company, listing_id: int, cl: ChannelListing) -> Listing:
    """Store what the channel holds now (name, price, sale status, per-option stock) beside the listing,
    for the differences screen. Our own values stay as they are."""
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(company=company, pk=listing_id)
        listing.channel_snapshot = _snapshot(cl)
        listing.last_synced_at = timezone.now()
        if cl.origin_product_id:
            listing.api_product_id = cl.origin_product_id
        listing.save(update_fields=["channel_snapshot", "last_synced_at", "api_product_id", "updated_at"])
        stock = {c.option_id: c.stock for c in cl.options}
        options = list(ListingOption.objects.filter(company=company, listing=listing))
        known = {o.channel_option_id for o in options}
        for o in options:
            if o.channel_option_id in stock or (o.channel_option_id == "" and len(cl.options) == 1):
                o.channel_stock = stock.get(o.channel_option_id, cl.options[0].stock if cl.options else None)
                o.save(update_fields=["channel_stock"])
        # an option that exists on the channel but not here (added on the marketplace): keep it, unmapped
        for i, c in enumerate(cl.options):
            if c.option_id not in known and not (len(cl.options) == 1 and "" in known):
                ListingOption.objects.create(company=company, listing=listing, channel_option_id=c.option_id,
                                             name=c.name, price_delta=c.price_delta,
                                             seller_option_code=c.seller_option_code, channel_stock=c.stock,
                                             sort_order=100 + i)
    return listing


def listing_accept_channel(*, company: Company, listing: Listing) -> Listing:
    """Take the channel's name, price and sale status as ours (after a pull showed a difference)."""
    _own(company, listing)
    snap = listing.channel_snapshot or {}
    if not snap:
        raise ListingError(_("쇼핑몰에서 가져온 상태가 없습니다. 먼저 동기화하세요."))
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(company=company, pk=listing.pk)
        listing.name = (snap.get("name") or listing.name)[:200]
        listing.price = int(snap.get("price") or 0)
        if snap.get("sale_status") in SaleStatus.values:
            listing.sale_status = snap["sale_status"]
        listing.save()
    return listing
