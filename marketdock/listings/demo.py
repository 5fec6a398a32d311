"""Demo step: make the demo companies' catalogue, stock and sandbox shops agree.

For each sandbox shop of a demo company (the channels demo step made its accounts), the shop's
products are read in-process from the sandbox state the `marketdock sandbox` command starts with (same
default seed; no HTTP — the demo runs before the sandbox does) and brought in exactly as 쇼핑몰 상품
가져오기 would: the first shop creates the catalogue products and SKUs under the sandbox seller codes
(SBP-xxx / SB-xx-yy, names and prices as sold), which then get stock at the default warehouse through
an inbound; every shop's products are linked (Listing + ListingOption + OptionMapping with the
marketplace's product and option ids), so collected demo orders match and the stock push has targets.
`UNLINKED` stays out of the catalogue, so its orders show in 미매칭. Idempotent: what exists is kept."""

from __future__ import annotations

from functools import cache

from marketdock.channels.connectors.models import ChannelListing, ChannelListingOption
from marketdock.channels.demo import ACCOUNT_NAMES, SHOP_SUFFIX, sandbox_seed
from marketdock.channels.models import ChannelKind
from marketdock.core.models import Company

from . import services
from .models import Listing

# the first shop's products create the catalogue (Naver sells in won, as the catalogue does)
KINDS = (ChannelKind.NAVER, ChannelKind.COUPANG, ChannelKind.SHOPIFY)
# sandbox products left out of the catalogue: their orders wait in 미매칭 (주문 매칭) in every shop
UNLINKED = frozenset({"SBP-006"})
# demo stock per SKU at the default warehouse, by position in the catalogue (a couple run low)
STOCK = (40, 25, 60, 12, 35, 3, 80, 18, 50)


@cache
def sandbox_products(seed: int) -> dict[str, list[ChannelListing]]:
    """Every sandbox shop's products as the connectors would read them (shop code → listings)."""
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=seed, order_rate=0, initial_orders=0)
    out: dict[str, list[ChannelListing]] = {}
    for code, shop in state.shops.items():
        out[code] = [
            ChannelListing(
                product_id=p.product_id, origin_product_id=p.origin_no if shop.protocol == "naver" else "",
                name=p.name, price=p.price, currency=shop.currency, sale_status=p.sale_status(),
                seller_product_code=p.code.lower() if shop.protocol == "shopify" else p.code,
                category_id=p.category_id,
                options=[ChannelListingOption(option_id=o.option_id, name=o.name, stock=o.stock,
                                              price_delta=o.extra_price, seller_option_code=o.sku)
                         for o in p.options])
            for p in shop.products
        ]
    return out


def _stock(company: Company, out: list[str], codes: set[str]) -> None:
    """An inbound at the default warehouse for the demo products' SKUs that never had stock."""
    from marketdock.catalog.models import SKU
    from marketdock.inventory import services as inventory
    from marketdock.inventory.models import StockMovement

    warehouse = inventory.warehouse_default(company)
    if warehouse is None:
        out.append(f"{company.code}: sandbox products without stock (no default warehouse)")
        return
    skus = list(SKU.objects.filter(company=company, product__code__in=codes).order_by("code"))
    moved = set(StockMovement.objects.filter(company=company, sku__in=skus).values_list("sku_id", flat=True))
    lines = [(sku.pk, STOCK[i % len(STOCK)]) for i, sku in enumerate(skus) if sku.pk not in moved]
    if not lines:
        return
    inbound = inventory.inbound_create(company=company, warehouse=warehouse, lines=lines, registered=True,
                                       supplier_name="데모 매입처", memo="샌드박스 상품 기초재고")
    inventory.inbound_confirm(company=company, inbound=inbound)
    out.append(f"{company.code}: stock for {len(lines)} sandbox SKUs at {warehouse.name}")


def demo_listings(company: Company, out: list[str]) -> None:
    from marketdock.catalog.models import Product
    from marketdock.channels import selectors as channel_selectors

    suffix = SHOP_SUFFIX.get(company.code)
    if suffix is None:
        return
    products = sandbox_products(sandbox_seed())
    accounts = []
    for kind in KINDS:
        account = channel_selectors.channel_accounts(company).filter(kind=kind, name=ACCOUNT_NAMES[kind]).first()
        if account is not None:
            accounts.append((account, products[f"{kind}-{suffix}"]))
    if not accounts:
        return
    # 1) the catalogue, from the first shop (created once; a product the seller already has is kept)
    _first, catalogue = accounts[0]
    codes = {cl.seller_product_code for cl in catalogue if cl.seller_product_code not in UNLINKED}
    have = set(Product.objects.filter(company=company, code__in=codes).values_list("code", flat=True))
    created = 0
    for cl in catalogue:
        if cl.seller_product_code in codes - have:
            services.product_create_from_channel(company=company, account=accounts[0][0], cl=cl)
            created += 1
    if created:
        out.append(f"{company.code}: {created} catalogue products for the sandbox shops' products")
    # 2) stock, before any listing exists (nothing to push while the sandbox is not running)
    _stock(company, out, codes)
    # 3) every shop's products linked to them
    for account, listings in accounts:
        linked = set(Listing.objects.filter(company=company, account=account).values_list("channel_product_id",
                                                                                          flat=True))
        n = 0
        for cl in listings:
            if cl.seller_product_code.upper() in UNLINKED or cl.product_id in linked:
                continue
            outcome = services.listing_import_one(company=company, account=account, cl=cl, create_missing=False,
                                                  pulled=False)
            if outcome.outcome == "linked":
                n += 1
            else:
                out.append(f"{company.code}: {account.name} {cl.product_id} not linked ({outcome.message})")
        if n:
            out.append(f"{company.code}: {account.name} — {n} products linked to the catalogue")
    # 4) the category tree the sandbox marketplaces serve, cached as 카테고리 불러오기 would (no HTTP)
    _categories(company, out, [account for account, _listings in accounts])


def _categories(company: Company, out: list[str], accounts) -> None:
    from marketdock.channels.connectors.coupang import parse_display_categories
    from marketdock.channels.connectors.naver import parse_categories
    from marketdock.sandbox.categories import coupang_display_categories, naver_categories

    from .models import MarketCategory
    from .services_categories import categories_store

    trees = {ChannelKind.NAVER: lambda: parse_categories(naver_categories()),
             ChannelKind.COUPANG: lambda: parse_display_categories(coupang_display_categories())}
    for account in accounts:
        tree = trees.get(account.kind)
        if tree is None or MarketCategory.objects.filter(company=company, account=account).exists():
            continue
        result = categories_store(company=company, account=account, nodes=tree())
        out.append(f"{company.code}: {account.name} — {result.count} marketplace categories")
