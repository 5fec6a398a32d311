"""Changes that must be followed by a stock or price push mark the affected linked listings dirty IN the
transaction that makes them (a rolled-back or refused change marks nothing): linking (register
success, import, link by code, an option mapped), a listing's typed stock / allocation rule / price
(single and bulk edit), a warehouse's "expose to channels" or active flag, a SKU's status to/from
품절/사용안함, a set's composition. Inventory and catalog tell through catalog.hooks; they never
import listings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from marketdock.catalog import services as catalog
from marketdock.catalog.models import SKUStatus
from marketdock.channels.connectors.models import ChannelListing, ChannelListingOption
from marketdock.channels.models import ChannelKind
from marketdock.inventory import services as inventory
from marketdock.listings import services
from marketdock.listings.models import AllocationRule, Listing
from marketdock.listings.models_sync import ListingDirty, SyncKind
from tests.factories.catalog import make_product
from tests.factories.channels import make_account


class Rollback(Exception):
    pass


def dirty(listing=None, kind=None) -> list[tuple[int, str]]:
    qs = ListingDirty.objects.all()
    if listing is not None:
        qs = qs.filter(listing=listing)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return list(qs.values_list("listing_id", "kind"))


def clear() -> None:
    ListingDirty.objects.all().delete()


@pytest.fixture
def wh(company):
    return inventory.warehouse_save(company=company, code="MAIN", name="본사창고")


@pytest.fixture
def stocked(company, wh):
    """A two-option product with stock."""
    product = make_product(company, "DM-01", name="면 티셔츠", price=15000,
                           axes=[{"name": "색상", "values": ["블랙", "화이트"]}])
    skus = {s.option_text: s for s in product.skus.all()}
    for sku in skus.values():
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=5, reason="기초재고")
    return product, skus


def link_rows(skus, pid="P-100"):
    return services.link_rows_parse("\n".join(f"{s.code}\t{pid}\t{pid}-{i}" for i, s in enumerate(skus.values())))


@pytest.fixture
def linked(company, stocked):
    account = make_account(company, "스마트스토어", ChannelKind.NAVER)
    product, skus = stocked
    listing = services.listings_link_by_code(company=company, account=account, rows=link_rows(skus)).created[0]
    clear()
    return listing, product, skus


# --- linking ------------------------------------------------------------------------------------------


def test_link_by_code_marks_a_stock_push_in_its_transaction_and_a_rollback_marks_nothing(company, stocked):
    account = make_account(company, "쿠팡", ChannelKind.COUPANG)
    product, skus = stocked
    clear()
    with pytest.raises(Rollback), transaction.atomic():
        summary = services.listings_link_by_code(company=company, account=account, rows=link_rows(skus))
        assert dirty() == [(summary.created[0].pk, SyncKind.STOCK)]
        raise Rollback
    assert dirty() == [] and not Listing.objects.exists()
    summary = services.listings_link_by_code(company=company, account=account, rows=link_rows(skus))
    assert dirty() == [(summary.created[0].pk, SyncKind.STOCK)]  # stock only: the price stays the channel's
    # a refused link (unknown code) marks nothing
    clear()
    with pytest.raises(services.ListingError):
        services.listings_link_by_code(company=company, account=account,
                                       rows=services.link_rows_parse("NOPE\tP-200"))
    assert dirty() == []


def test_linking_a_product_without_any_stock_record_pushes_nothing(company, wh):
    """Pushing would set the channel to 0 and stop its sales; the first stock movement marks it instead."""
    account = make_account(company)
    product = make_product(company, "DM-NEW", name="새 상품")
    sku = product.skus.get()
    summary = services.listings_link_by_code(company=company, account=account,
                                             rows=services.link_rows_parse(f"{sku.code}\tP-300"))
    assert dirty() == []
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=3, reason="입고")
    assert dirty() == [(summary.created[0].pk, SyncKind.STOCK)]


def test_import_linking_to_a_catalogue_product_marks_it_but_a_product_the_import_created_is_not(company, stocked):
    account = make_account(company, "쿠팡", ChannelKind.COUPANG)
    product, skus = stocked
    clear()
    theirs = ChannelListing(product_id="8001", name="면 티셔츠 (쿠팡)", price=15900, seller_product_code="DM-01", options=[
        ChannelListingOption(option_id=f"v-{i}", name=s.option_text, stock=1, seller_option_code=s.code)
        for i, s in enumerate(skus.values())])
    with pytest.raises(Rollback), transaction.atomic():
        outcome = services.listing_import_one(company=company, account=account, cl=theirs, create_missing=False)
        assert outcome.outcome == "linked" and dirty() == [(outcome.listing_id, SyncKind.STOCK)]
        raise Rollback
    assert dirty() == []
    outcome = services.listing_import_one(company=company, account=account, cl=theirs, create_missing=False)
    assert dirty() == [(outcome.listing_id, SyncKind.STOCK)]
    clear()
    new = ChannelListing(product_id="8002", name="쿠팡에만 있는 상품", price=9000, seller_product_code="CP-ONLY",
                         options=[ChannelListingOption(option_id="v-9", name="", stock=4)])
    created = services.listing_import_one(company=company, account=account, cl=new, create_missing=True)
    assert created.outcome == "created" and dirty() == []  # no stock in the OMS yet: the channel keeps its 4
    # importing again refreshes the linked one: marked again
    again = services.listing_import_one(company=company, account=account, cl=theirs, create_missing=False)
    assert again.outcome == "updated" and dirty() == [(outcome.listing_id, SyncKind.STOCK)]


class FakeConnector:
    def __init__(self, answer: ChannelListing):
        self.answer = answer

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def register_listing(self, draft):
        return self.answer

    def update_listing(self, product_id, draft):
        return self.answer


def test_a_successful_registration_marks_the_new_listing(company, stocked, monkeypatch):
    account = make_account(company, "쿠팡", ChannelKind.COUPANG)
    from marketdock.channels.connectors.coupang import COUPANG_REQUIRED_EXTRA

    # everything the pre-send check asks of a Coupang registration (the fake connector reads none of it)
    services.account_listing_fields_save(company=company, account=account, fields={
        **{key: "x" for key in COUPANG_REQUIRED_EXTRA}, "image_urls": ["https://img.example.com/a.jpg"]})
    product, skus = stocked
    listing = services.listings_draft(company=company, product=product, user=None, targets=[
        services.RegisterTarget(account=account, name="면 티셔츠", price=15000, category_id="56137")])[0]
    answer = ChannelListing(product_id="9001", name="면 티셔츠", price=15000, options=[
        ChannelListingOption(option_id=f"v-{i}", name=s.option_text, stock=5, seller_option_code=s.code)
        for i, s in enumerate(skus.values())])
    monkeypatch.setattr(services.common, "_connector", lambda account: FakeConnector(answer))
    clear()
    with pytest.raises(Rollback), transaction.atomic():
        assert services.listing_send(company=company, listing_id=listing.pk).ok
        assert dirty() == [(listing.pk, SyncKind.STOCK)]
        raise Rollback
    assert dirty() == []
    assert services.listing_send(company=company, listing_id=listing.pk).ok
    assert dirty() == [(listing.pk, SyncKind.STOCK)]


def test_registrations_count_as_usage_and_stop_beyond_the_grace(company, stocked, monkeypatch):
    """서비스 사용량 (SYS-8): a first registration counts in the month's 상품등록수; beyond the plan's
    limit and its 10 % grace (베이직: 1,000 + 100) it is refused in Korean before anything is sent."""
    from marketdock.channels.connectors.coupang import COUPANG_REQUIRED_EXTRA
    from marketdock.core.models import UsageCounter
    from marketdock.core.usage import usage_month, usage_record

    account = make_account(company, "쿠팡", ChannelKind.COUPANG)
    services.account_listing_fields_save(company=company, account=account, fields={
        **{key: "x" for key in COUPANG_REQUIRED_EXTRA}, "image_urls": ["https://img.example.com/a.jpg"]})
    product, skus = stocked
    listing = services.listings_draft(company=company, product=product, user=None, targets=[
        services.RegisterTarget(account=account, name="면 티셔츠", price=15000, category_id="56137")])[0]
    answer = ChannelListing(product_id="9002", name="면 티셔츠", price=15000, options=[
        ChannelListingOption(option_id=f"v-{i}", name=s.option_text, stock=5, seller_option_code=s.code)
        for i, s in enumerate(skus.values())])
    calls = []
    monkeypatch.setattr(services.common, "_connector", lambda account: calls.append(1) or FakeConnector(answer))
    usage_record(company, "products", 1100)
    refused = services.listing_send(company=company, listing_id=listing.pk)
    assert not refused.ok and "상품등록수" in refused.message and calls == []
    UsageCounter.objects.filter(company=company, metric="products").update(value=5)
    assert services.listing_send(company=company, listing_id=listing.pk).ok
    assert usage_month(company, "products") == 6
    assert services.listing_send(company=company, listing_id=listing.pk).ok  # an update is not a registration
    assert usage_month(company, "products") == 6


def test_mapping_an_option_of_a_linked_listing_marks_it(company, linked):
    listing, product, skus = linked
    option = listing.options.order_by("id").first()
    services.listing_option_map(company=company, option=option, sku=skus["화이트"], quantity=2)
    assert dirty() == [(listing.pk, SyncKind.STOCK)]


# --- editing a listing -----------------------------------------------------------------------------


def edit(company, listing, **data):
    listing.refresh_from_db()
    base = {"name": listing.name, "price": listing.price, "sale_status": listing.sale_status,
            "allocation_rule": listing.allocation_rule, "allocation_value": listing.allocation_value,
            "typed_stock": listing.typed_stock}
    base.update(data)
    return services.listing_update(company=company, listing=listing, data=base)


def test_single_edit_marks_stock_for_allocation_and_price_for_price_only_when_they_change(company, linked):
    listing, product, skus = linked
    edit(company, listing, name="면 티셔츠 리뉴얼")
    assert dirty() == []  # the name goes with 쇼핑몰전송, nothing to push
    with pytest.raises(Rollback), transaction.atomic():
        edit(company, listing, allocation_rule=AllocationRule.BUFFER, allocation_value=2)
        assert dirty() == [(listing.pk, SyncKind.STOCK)]
        raise Rollback
    assert dirty() == []
    edit(company, listing, allocation_rule=AllocationRule.PERCENT, allocation_value=50)
    assert dirty() == [(listing.pk, SyncKind.STOCK)]
    clear()
    edit(company, listing, price=17000)
    assert dirty() == [(listing.pk, SyncKind.PRICE)]
    clear()
    with pytest.raises(services.ListingError):  # refused: nothing changes, nothing is marked
        edit(company, listing, price=18000, allocation_rule=AllocationRule.PERCENT, allocation_value=150)
    assert dirty() == []


def test_typed_stock_of_an_unmanaged_product_marks_a_stock_push(company):
    account = make_account(company)
    product = make_product(company, "DM-UN", name="주문제작 액자", inventory_managed=False)
    sku = product.skus.get()
    listing = services.listings_link_by_code(company=company, account=account,
                                             rows=services.link_rows_parse(f"{sku.code}\tP-400")).created[0]
    assert dirty() == [(listing.pk, SyncKind.STOCK)]  # not stock-managed: linking asks for a push anyway
    clear()
    edit(company, listing, typed_stock=30)
    assert dirty() == [(listing.pk, SyncKind.STOCK)]


def test_bulk_edit_marks_a_price_push_for_the_repriced_listings_only(company, stocked):
    account = make_account(company)
    product, skus = stocked
    other = make_product(company, "DM-02", name="후드티", price=30000)
    rows = services.link_rows_parse("\n".join([*(f"{s.code}\tP-1" for s in skus.values()),
                                               f"{other.skus.get().code}\tP-2"]))
    services.listings_link_by_code(company=company, account=account, rows=rows)
    listings = {lst.channel_product_id: lst for lst in Listing.objects.filter(account=account)}
    clear()
    services.listings_bulk_edit(company=company, account=account, listing_ids=[lst.pk for lst in listings.values()],
                                changes={"name_prefix": "[특가]"})
    assert dirty() == []
    with pytest.raises(Rollback), transaction.atomic():
        services.listings_bulk_edit(company=company, account=account, listing_ids=[listings["P-1"].pk],
                                    changes={"price_delta": 1000})
        assert dirty() == [(listings["P-1"].pk, SyncKind.PRICE)]
        raise Rollback
    assert dirty() == []
    services.listings_bulk_edit(company=company, account=account, listing_ids=[lst.pk for lst in listings.values()],
                                changes={"price": 20000})
    assert sorted(dirty()) == sorted([(listings["P-1"].pk, SyncKind.PRICE), (listings["P-2"].pk, SyncKind.PRICE)])


# --- warehouses, SKU status, sets (through catalog.hooks) --------------------------------------------


def test_a_warehouse_exposure_or_active_flag_change_marks_the_listings_selling_its_stock(company, linked, wh):
    listing, product, skus = linked
    other_wh = inventory.warehouse_save(company=company, code="EMPTY", name="빈 창고")
    inventory.warehouse_save(company=company, warehouse=wh, name="본사 물류센터")
    assert dirty() == []  # a rename changes nothing the channels see
    with pytest.raises(Rollback), transaction.atomic():
        inventory.warehouse_save(company=company, warehouse=wh, exposed_to_channels=False)
        assert dirty() == [(listing.pk, SyncKind.STOCK)]
        raise Rollback
    assert dirty() == []
    wh.refresh_from_db()
    inventory.warehouse_save(company=company, warehouse=wh, exposed_to_channels=False)
    assert dirty() == [(listing.pk, SyncKind.STOCK)]
    clear()
    inventory.warehouse_save(company=company, warehouse=other_wh, is_active=False)
    assert dirty() == []  # holds none of its stock
    wh.refresh_from_db()
    inventory.warehouse_save(company=company, warehouse=wh, exposed_to_channels=True)
    assert dirty() == [(listing.pk, SyncKind.STOCK)]


def resave(company, product, status_of):
    """product_save with every SKU kept and the given SKU statuses changed."""
    product.refresh_from_db()
    rows = [catalog.SkuRow(option_values=s.option_values, sku_id=s.pk, code=s.code, barcode=s.barcode,
                           price_delta=s.price_delta, status=status_of.get(s.code, s.status))
            for s in product.skus.order_by("sort_order")]
    data = {f: getattr(product, f) for f in ("code", "name", "price", "cost", "tax_type", "status", "inventory_managed")}
    return catalog.product_save(company=company, product=product, data=data, axes=product.option_axes, rows=rows)


def test_a_sku_status_change_to_or_from_sold_out_or_unused_marks_its_listings(company, linked):
    listing, product, skus = linked
    black = skus["블랙"]
    resave(company, product, {})
    assert dirty() == []  # saved unchanged
    with pytest.raises(Rollback), transaction.atomic():
        resave(company, product, {black.code: SKUStatus.SOLD_OUT})
        assert dirty() == [(listing.pk, SyncKind.STOCK)]
        raise Rollback
    assert dirty() == []
    resave(company, product, {black.code: SKUStatus.SOLD_OUT})
    assert dirty() == [(listing.pk, SyncKind.STOCK)]
    clear()
    resave(company, product, {black.code: SKUStatus.INACTIVE})
    assert dirty() == []  # 품절 → 사용안함: sells nothing either way
    resave(company, product, {black.code: SKUStatus.ACTIVE})
    assert dirty() == [(listing.pk, SyncKind.STOCK)]


def test_a_set_composition_change_marks_the_set_listing(company, linked, wh):
    listing, product, skus = linked
    account = listing.account
    gift = make_product(company, "DM-SET", name="티셔츠 2종 세트")
    set_sku = gift.skus.get()
    catalog.set_components_replace(company=company, set_sku=set_sku, components=[(skus["블랙"].code, 1)])
    set_listing = services.listings_link_by_code(company=company, account=account,
                                                 rows=services.link_rows_parse(f"{set_sku.code}\tP-SET")).created[0]
    clear()
    catalog.set_components_replace(company=company, set_sku=set_sku,
                                   components=[(skus["블랙"].code, 1), (skus["화이트"].code, 1)])
    assert dirty() == [(set_listing.pk, SyncKind.STOCK)]


def test_inventory_and_catalog_do_not_import_listings():
    root = Path(__file__).resolve().parents[2] / "marketdock"
    for app in ("inventory", "catalog"):
        for path in (root / app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n.startswith("marketdock.listings") for n in names), path
