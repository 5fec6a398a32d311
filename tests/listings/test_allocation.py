"""Channel stock (LST-7, INV-6): allocation rules with rounding down, warehouses exposed to channels,
sets (min over components), bundles, unmanaged products with typed stock."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from marketdock.catalog.models import SKUStatus
from marketdock.inventory import services as inventory
from marketdock.listings.models import AllocationRule
from marketdock.listings.services import allocate, channel_stock
from tests.factories.catalog import make_set, make_sku
from tests.factories.channels import make_account

from .sync_helpers import link, warehouse


def test_allocation_rules_round_down():
    assert allocate(10, AllocationRule.ALL, 0) == 10
    assert allocate(10, AllocationRule.FIXED, 3) == 3
    assert allocate(2, AllocationRule.FIXED, 3) == 2  # never more than there is
    assert allocate(10, AllocationRule.PERCENT, 33) == 3  # 3.3 → 3
    assert allocate(9, AllocationRule.PERCENT, 50) == 4  # 4.5 → 4
    assert allocate(1, AllocationRule.PERCENT, 99) == 0
    assert allocate(10, AllocationRule.BUFFER, 4) == 6
    assert allocate(3, AllocationRule.BUFFER, 4) == 0  # keep-back larger than the stock: 0, not negative
    assert allocate(-5, AllocationRule.ALL, 0) == 0


@given(available=st.integers(min_value=0, max_value=10**6), value=st.integers(min_value=0, max_value=10**6),
       rule=st.sampled_from(list(AllocationRule.values)))
def test_allocation_never_exceeds_stock_nor_goes_negative(available, value, rule):
    shown = allocate(available, rule, value)
    assert 0 <= shown <= available
    if rule == AllocationRule.PERCENT:
        assert shown == available * min(value, 100) // 100
        assert shown * 100 <= available * min(value, 100) < (shown + 1) * 100  # floor
    if rule == AllocationRule.BUFFER:
        assert shown == max(0, available - value)


def test_channel_stock_counts_only_exposed_active_warehouses_and_available(company):
    main = warehouse(company, "MAIN")
    hidden = warehouse(company, "B2B", exposed_to_channels=False)
    closed = warehouse(company, "OLD", is_active=False)
    sku = make_sku(company)
    for wh, qty in ((main, 20), (hidden, 100), (closed, 50)):
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=qty, reason="기초")
    inventory.stock_reserve(company=company, lines=[(sku.pk, main.pk, 5, ("order_line", 1))])
    acc = make_account(company)
    listing = link(company, acc, "P1", {"": [(sku, 1)]})
    assert channel_stock(company, [listing])[listing.pk].options == {"": 15}


def test_rules_apply_per_channel(company):
    wh = warehouse(company)
    sku = make_sku(company)
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=25, reason="기초")
    naver, coupang, shop = make_account(company, "N"), make_account(company, "C", "coupang"), make_account(company, "S", "shopify")
    a = link(company, naver, "N1", {"": [(sku, 1)]}, allocation_rule=AllocationRule.PERCENT, allocation_value=30)
    b = link(company, coupang, "C1", {"v1": [(sku, 1)]}, allocation_rule=AllocationRule.BUFFER, allocation_value=5)
    c = link(company, shop, "S1", {"g1": [(sku, 1)]}, allocation_rule=AllocationRule.FIXED, allocation_value=10)
    got = channel_stock(company, [a, b, c])
    assert (got[a.pk].options, got[b.pk].options, got[c.pk].options) == ({"": 7}, {"v1": 20}, {"g1": 10})


def test_sets_take_the_minimum_over_components_and_bundles_divide(company):
    wh = warehouse(company)
    cup, lid = make_sku(company), make_sku(company)
    inventory.stock_adjust(company=company, sku_id=cup.pk, warehouse_id=wh.pk, quantity=10, reason="기초")
    inventory.stock_adjust(company=company, sku_id=lid.pk, warehouse_id=wh.pk, quantity=7, reason="기초")
    gift = make_set(company, "GIFT", [(cup, 2), (lid, 1)])  # one set = 2 cups + 1 lid
    acc = make_account(company)
    listing = link(company, acc, "G1", {
        "set": [(gift, 1)],          # min(10 // 2, 7 // 1) = 5
        "set-x2": [(gift, 2)],       # two sets per sale: min(10 // 4, 7 // 2) = 2
        "cup+lid": [(cup, 1), (lid, 1)],  # a bundle of two SKUs: min(10, 7)
    })
    assert channel_stock(company, [listing])[listing.pk].options == {"set": 5, "set-x2": 2, "cup+lid": 7}


def test_nested_set(company):
    wh = warehouse(company)
    cup = make_sku(company)
    inventory.stock_adjust(company=company, sku_id=cup.pk, warehouse_id=wh.pk, quantity=9, reason="기초")
    pair = make_set(company, "PAIR", [(cup, 2)])
    box = make_set(company, "BOX", [(pair, 2)])  # 4 cups
    listing = link(company, make_account(company), "B1", {"": [(box, 1)]})
    assert channel_stock(company, [listing])[listing.pk].options == {"": 2}


def test_catalogue_sold_out_sku_counts_zero(company):
    wh = warehouse(company)
    sku = make_sku(company)
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=9, reason="기초")
    sku.status = SKUStatus.SOLD_OUT
    sku.save()
    listing = link(company, make_account(company), "P1", {"": [(sku, 1)]})
    assert channel_stock(company, [listing])[listing.pk].options == {"": 0}


def test_unmanaged_product_pushes_the_typed_stock(company):
    warehouse(company)
    sku = make_sku(company, managed=False)
    acc = make_account(company)
    listing = link(company, acc, "U1", {"o1": [(sku, 1)], "o2": [(sku, 1)]}, typed_stock=30)
    assert channel_stock(company, [listing])[listing.pk].options == {"o1": 30, "o2": 30}
    untyped = link(company, make_account(company, "쿠팡", "coupang"), "U2", {"": [(sku, 1)]})
    assert channel_stock(company, [untyped])[untyped.pk].options == {}  # nothing typed: nothing pushed


def test_an_unmanaged_gift_in_a_bundle_does_not_limit_it(company):
    wh = warehouse(company)
    shirt, sticker = make_sku(company), make_sku(company, managed=False)
    inventory.stock_adjust(company=company, sku_id=shirt.pk, warehouse_id=wh.pk, quantity=4, reason="기초")
    listing = link(company, make_account(company), "P1", {"": [(shirt, 1), (sticker, 1)]})
    assert channel_stock(company, [listing])[listing.pk].options == {"": 4}
