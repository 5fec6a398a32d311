"""listing_targets: which linked channel options a stock change of some SKUs affects, with the full
SKU × quantity mapping of each option (what the stock push computes from)."""

from __future__ import annotations

from marketdock.catalog.models import SetComponent
from marketdock.channels.models import OptionMapping
from marketdock.listings.models import Listing, ListingOption
from marketdock.listings.selectors import listing_targets
from tests.factories.catalog import make_product
from tests.factories.channels import make_account


def link(company, account, product, pid, options):
    listing = Listing.objects.create(company=company, account=account, product=product, channel_product_id=pid,
                                     name=product.name, price=product.price, status=Listing.Status.LINKED)
    for oid, comps in options.items():
        ListingOption.objects.create(company=company, listing=listing, channel_option_id=oid, name=oid,
                                     sku_id=comps[0][0], quantity=comps[0][1])
        for sku_id, qty in comps:
            OptionMapping.objects.create(company=company, account=account, channel_product_id=pid,
                                         channel_option_id=oid, sku_id=sku_id, quantity=qty,
                                         source=OptionMapping.Source.LISTING)
    return listing


def test_targets_name_every_affected_option_with_its_whole_bundle(company, other_company, tshirt):
    black, white = tshirt.skus.order_by("id")
    naver = make_account(company)
    coupang = make_account(company, "쿠팡", "coupang")
    a = link(company, naver, tshirt, "N1", {"o-black": [(black.pk, 1)], "o-white": [(white.pk, 1)]})
    b = link(company, coupang, tshirt, "C9", {"v-2pack": [(black.pk, 1), (white.pk, 1)]})
    # a draft listing (not linked) and a bare manual mapping without a listing are not targets
    Listing.objects.create(company=company, account=naver, product=tshirt, name="draft")
    OptionMapping.objects.create(company=company, account=naver, channel_product_id="X", sku=black)

    targets = listing_targets(company, [black.pk])
    got = {(t.listing_id, t.channel_product_id, t.channel_option_id): t for t in targets}
    assert set(got) == {(a.pk, "N1", "o-black"), (b.pk, "C9", "v-2pack")}
    assert sorted(got[(b.pk, "C9", "v-2pack")].components) == sorted([(black.pk, 1), (white.pk, 1)])
    assert got[(a.pk, "N1", "o-black")].account_id == naver.pk
    assert got[(a.pk, "N1", "o-black")].listing_option_id == a.options.get(channel_option_id="o-black").pk
    # another company's call sees nothing of ours
    assert listing_targets(other_company, [black.pk]) == []
    assert listing_targets(company, []) == []


def test_a_component_stock_change_reaches_a_listing_of_its_set(company, tshirt):
    black = tshirt.skus.order_by("id").first()
    gift = make_product(company, "SET-1", name="선물세트")
    set_sku = gift.skus.get()
    set_sku.is_set = True
    set_sku.save()
    SetComponent.objects.create(company=company, set_sku=set_sku, component=black, quantity=2)
    account = make_account(company)
    listing = link(company, account, gift, "S1", {"": [(set_sku.pk, 1)]})
    [target] = listing_targets(company, [black.pk])
    assert (target.listing_id, target.channel_option_id, target.components) == (listing.pk, "", [(set_sku.pk, 1)])
