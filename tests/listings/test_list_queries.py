"""The 쇼핑몰 상품조회 list computes every row's differences with the channel in a fixed number of
queries: a page of 20 listings costs what a page of 5 does, and the differences are still right."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketdock.channels.models import OptionMapping
from marketdock.inventory import services as inventory
from marketdock.listings.models import Listing, ListingOption
from tests.factories.catalog import make_product
from tests.factories.channels import make_account


def add_listings(company, account, warehouse, start: int, count: int) -> None:
    for n in range(start, start + count):
        product = make_product(company, f"P-{n:03d}", axes=[{"name": "색상", "values": ["블랙", "화이트"]}])
        listing = Listing.objects.create(
            company=company, account=account, product=product, channel_product_id=f"CP-{n}", name=product.name,
            price=10000, status=Listing.Status.LINKED,
            channel_snapshot={"name": product.name, "price": 9000, "sale_status": "on_sale", "options": [
                {"option_id": f"O-{n}-{i}", "name": sku.option_text, "stock": 1}
                for i, sku in enumerate(product.skus.order_by("id"))]})
        for i, sku in enumerate(product.skus.order_by("id")):
            inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=4 + i,
                                   reason="기초재고")
            ListingOption.objects.create(company=company, listing=listing, channel_option_id=f"O-{n}-{i}",
                                         name=sku.option_text, sku=sku, sort_order=i)
            OptionMapping.objects.create(company=company, account=account, channel_product_id=f"CP-{n}",
                                         channel_option_id=f"O-{n}-{i}", sku=sku, quantity=1 if i == 0 else 2)


def render(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("channels:listing_list"), {"size": 50}).content.decode()
    return len(ctx.captured_queries), body


def test_list_page_costs_the_same_queries_for_5_or_20_listings(admin_client, company):
    account = make_account(company)
    warehouse = inventory.warehouse_save(company=company, code="MAIN", name="본사창고")
    add_listings(company, account, warehouse, 0, 5)
    render(admin_client)  # warm per-session caches (menu, permissions)
    five, body = render(admin_client)
    assert body.count('data-testid="listing-row"') == 5
    assert body.count('data-testid="listing-diff"') == 5 * 3  # price, and the stock of both options
    add_listings(company, account, warehouse, 5, 15)
    twenty, body = render(admin_client)
    assert body.count('data-testid="listing-row"') == 20
    assert body.count('data-testid="listing-diff"') == 20 * 3
    assert twenty == five
    # the values themselves: 블랙 4 sellable (1 per unit), 화이트 5 // 2 = 2
    assert "재고(블랙): 4 → 1" in body and "재고(화이트): 2 → 1" in body and "판매가: 10000 → 9000" in body
