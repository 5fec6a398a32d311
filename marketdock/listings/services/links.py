"""Linking channel listings to our SKUs by code (Excel rows or the screen), and a listing's option map."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU, Product
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company, User

from ..models import Listing, ListingOption, ShippingPolicy
from .common import ListingError, _own
from .send import _mappings_write, _mark_linked

# --- data migration (데이터 이관, LST-4) -------------------------------------------------------------


@dataclass
class LinkRow:
    row: int
    code: str  # SKU code/barcode, or a product code of a single-SKU product
    channel_product_id: str
    channel_option_id: str = ""
    quantity: int = 1
    sku: SKU | None = field(default=None, repr=False)


def link_rows_parse(text: str) -> list[LinkRow]:
    """Rows pasted from Excel (tab) or CSV (comma): 단품코드, 연동상품코드[, 쇼핑몰옵션코드[, 수량]].
    A header row (starting with 단품코드/상품코드/code) is skipped. Raises ListingError naming rows."""
    rows, errors = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in (line.split("\t") if "\t" in line else line.split(","))]
        if n == 1 and cells[0].replace(" ", "") in ("단품코드", "상품코드", "code", "SKU", "sku"):
            continue
        cells += [""] * (4 - len(cells))
        code, pid, oid, qty = cells[:4]
        if not code or not pid:
            errors.append(_("%(n)s행: 단품코드와 연동상품코드를 모두 입력하세요.") % {"n": n})
            continue
        try:
            quantity = int(qty) if qty else 1
        except ValueError:
            errors.append(_("%(n)s행: 수량 '%(v)s'은(는) 숫자가 아닙니다.") % {"n": n, "v": qty})
            continue
        if quantity < 1:
            errors.append(_("%(n)s행: 수량은 1 이상이어야 합니다.") % {"n": n})
            continue
        rows.append(LinkRow(n, code, pid, oid, quantity))
    if errors:
        raise ListingError(errors)
    if not rows:
        raise ListingError(_("연결할 행이 없습니다. 단품코드와 연동상품코드를 한 줄에 하나씩 붙여넣으세요."))
    return rows


@dataclass
class LinkSummary:
    created: list[Listing]
    updated: list[Listing]
    mappings: int


def listings_link_by_code(*, company: Company, account: ChannelAccount, rows: list[LinkRow],
                          user: User | None = None) -> LinkSummary:
    """Link catalogue SKUs to products that already exist on the channel, by code, without sending
    anything to the channel: creates/extends the listing (연동상품코드) and its option mappings. The
    listing's name, price and status come from the next sync. All rows or none."""
    _own(company, account)
    errors: list[str] = []
    codes = {r.code for r in rows}
    skus = {}
    for s in SKU.objects.filter(Q(code__in=codes) | Q(barcode__in=codes), company=company).select_related("product"):
        skus[s.barcode] = s
        skus[s.code] = s
    products = {p.code: p for p in Product.objects.filter(company=company, code__in=codes).prefetch_related("skus")}
    seen: set[tuple[str, str, int]] = set()
    for r in rows:
        sku = skus.get(r.code)
        if sku is None and r.code in products:
            own = list(products[r.code].skus.all())
            if len(own) == 1:
                sku = own[0]
            else:
                errors.append(_("%(n)s행: 상품 '%(code)s'은(는) 단품이 여러 개입니다. 단품코드를 입력하세요.") % {
                    "n": r.row, "code": r.code})
                continue
        if sku is None:
            errors.append(_("%(n)s행: 단품코드 '%(code)s'을(를) 찾을 수 없습니다.") % {"n": r.row, "code": r.code})
            continue
        key = (r.channel_product_id, r.channel_option_id, sku.pk)
        if key in seen:
            errors.append(_("%(n)s행: 같은 연결이 두 번 있습니다.") % {"n": r.row})
        seen.add(key)
        r.sku = sku
    products_per_pid: dict[str, set[int]] = {}
    for r in rows:
        if r.sku is not None:
            products_per_pid.setdefault(r.channel_product_id, set()).add(r.sku.product_id)
    existing = {lst.channel_product_id: lst for lst in Listing.objects.filter(
        company=company, account=account, channel_product_id__in=list(products_per_pid))}
    for pid, prods in products_per_pid.items():
        lst = existing.get(pid)
        if lst is not None and lst.product_id not in prods:
            errors.append(_("연동상품코드 %(pid)s은(는) 이미 다른 상품(%(name)s)에 연결되어 있습니다.") % {
                "pid": pid, "name": lst.product.name})
    if errors:
        raise ListingError(errors)
    created, updated, mappings = [], [], 0
    with transaction.atomic():
        by_pid: dict[str, list[LinkRow]] = {}
        for r in rows:
            by_pid.setdefault(r.channel_product_id, []).append(r)
        for pid, group in by_pid.items():
            product = group[0].sku.product
            listing = existing.get(pid)
            if listing is None:
                listing = Listing.objects.create(
                    company=company, account=account, product=product, channel_product_id=pid,
                    name=product.name, price=product.price, seller_product_code=product.seller_code or product.code,
                    status=Listing.Status.LINKED, created_by=user,
                    shipping_policy=ShippingPolicy.objects.filter(company=company, account=account,
                                                                  is_default=True).first())
                created.append(listing)
            else:
                updated.append(listing)
            have = {(o.channel_option_id, o.sku_id): o for o in listing.options.all()}
            for i, r in enumerate(group):
                o = have.get((r.channel_option_id, r.sku.pk))
                if o is None:
                    ListingOption.objects.create(company=company, listing=listing, channel_option_id=r.channel_option_id,
                                                 name=r.sku.option_text, price_delta=r.sku.price_delta,
                                                 seller_option_code=r.sku.code, sku=r.sku, quantity=r.quantity,
                                                 sort_order=i)
                elif o.quantity != r.quantity:
                    o.quantity = r.quantity
                    o.save(update_fields=["quantity"])
            mappings += _mappings_write(company=company, listing=listing, user=user)
        # linked by code: stock only (the price stays the channel's until someone edits it here)
        _mark_linked(company, created + updated, resync=True)
    return LinkSummary(created, updated, mappings)


def listing_option_map(*, company: Company, option: ListingOption, sku: SKU | None, quantity: int = 1,
                       user: User | None = None) -> ListingOption:
    """Point one channel option at a SKU × quantity (or at nothing) and rewrite the listing's mappings."""
    _own(company, option, sku)
    if quantity < 1:
        raise ListingError(_("수량은 1 이상이어야 합니다."))
    with transaction.atomic():
        option.sku = sku
        option.quantity = quantity
        option.save(update_fields=["sku", "quantity"])
        listing = option.listing
        if listing.channel_product_id:
            _mappings_write(company=company, listing=listing, user=user)
            _mark_linked(company, [listing])
    return option
