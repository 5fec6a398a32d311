"""Demo step: the demo company's catalogue, stock and sandbox shops agree — orders collected from the
sandbox (started with the command's default seed) match through the listings and reserve stock; the
one product left out waits in 미매칭; running the step again changes nothing."""

from __future__ import annotations

import pytest

from marketdock.catalog.models import SKU, Product
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.demo import demo_channel_accounts, sandbox_seed
from marketdock.channels.models import ChannelAccount, OptionMapping
from marketdock.inventory import services as inventory
from marketdock.inventory.models import StockLevel
from marketdock.listings import selectors
from marketdock.listings.demo import KINDS, UNLINKED, demo_listings
from marketdock.listings.models import Listing
from marketdock.orders.models import MatchSource, MatchStatus, OrderLine, StockState
from marketdock.orders.services import collection
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.core import make_company


@pytest.fixture
def sandbox(monkeypatch):
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=25)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", base)
    limiter = LocalRateLimiter()
    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(
        limiter=limiter, rate=Rate(1000, 1000), sleep=lambda s: None, retry=RetryPolicy(attempts=2)))
    yield state, base
    server.shutdown()
    server.server_close()


def snapshot(company):
    return (
        sorted(Product.objects.filter(company=company).values_list("code", "name", "price")),
        sorted(SKU.objects.filter(company=company).values_list("code", "option_text")),
        sorted(Listing.objects.filter(company=company).values_list("account__name", "channel_product_id", "name")),
        sorted(OptionMapping.objects.filter(company=company).values_list(
            "account_id", "channel_product_id", "channel_option_id", "sku__code", "quantity")),
        sorted(StockLevel.objects.filter(company=company).values_list("sku__code", "on_hand")),
    )


def test_demo_links_the_sandbox_products_so_collected_orders_match_and_reserve(db, sandbox):
    state, _base = sandbox
    demo = make_company("demo", "demo_admin")
    inventory.warehouse_save(company=demo, code="MAIN", name="본사창고")
    demo_channel_accounts(demo, [])
    out: list[str] = []
    demo_listings(demo, out)
    first = snapshot(demo)
    demo_listings(demo, again := [])
    assert again == [] and snapshot(demo) == first
    # the picker has the sandbox's category tree for the Naver and Coupang accounts (Shopify has none)
    from marketdock.listings.models import MarketCategory

    cached = dict(MarketCategory.objects.filter(company=demo, is_leaf=True, code__in=["50000803", "56137"])
                  .values_list("code", "account__kind"))
    assert cached == {"50000803": "naver", "56137": "coupang"}

    # the catalogue holds the sandbox products under their seller codes, with stock, except the one left out
    shop = state.shops["naver-demo"]
    expected = {p.code: p for p in shop.products if p.code not in UNLINKED}
    assert {code: (name, price) for code, name, price in first[0]} == {
        code: (p.name, p.price) for code, p in expected.items()}
    assert {code for code, _text in first[1]} == {o.sku for p in expected.values() for o in p.options}
    assert all(on_hand > 0 for _code, on_hand in first[4]) and len(first[4]) == len(first[1])
    accounts = ChannelAccount.objects.filter(company=demo, kind__in=KINDS)  # the demo accounts with listing APIs
    assert accounts.count() == 3
    for account in accounts:
        sandbox_shop = state.shops[f"{account.kind}-demo"]
        listings = Listing.objects.filter(company=demo, account=account, status=Listing.Status.LINKED)
        assert set(listings.values_list("channel_product_id", flat=True)) == {
            p.product_id for p in sandbox_shop.products if p.code not in UNLINKED}
        # stock push has a target for every option of every linked product
        skus = SKU.objects.filter(company=demo).values_list("pk", flat=True)
        targets = {(t.channel_product_id, t.channel_option_id) for t in selectors.listing_targets(demo, skus)
                   if t.account_id == account.pk}
        assert targets == {(p.product_id, o.option_id) for p in sandbox_shop.products if p.code not in UNLINKED
                           for o in p.options}

    # orders collected from the sandbox match through the listings; the left-out product waits in 미매칭
    for account in accounts:
        collection.collection_execute(account_id=account.pk)
    lines = list(OrderLine.objects.filter(company=demo).select_related("order"))
    unlinked_ids = {p.product_id for s in state.shops.values() for p in s.products if p.code in UNLINKED}
    linked = [line for line in lines if line.channel_product_id not in unlinked_ids]
    waiting = [line for line in lines if line.channel_product_id in unlinked_ids]
    assert linked and waiting
    assert all(line.match_status == MatchStatus.MATCHED and line.match_source == MatchSource.MAPPING
               for line in linked)
    assert all(line.match_status == MatchStatus.UNMATCHED for line in waiting)
    assert any(line.order.stock_state == StockState.RESERVED for line in linked)
    assert sum(StockLevel.objects.filter(company=demo).values_list("reserved", flat=True)) > 0


def test_demo_step_leaves_other_companies_alone(company):
    demo_listings(company, out := [])
    assert out == [] and not Listing.objects.exists() and not Product.objects.filter(code__startswith="SBP-").exists()
