"""Listings against the sandbox marketplace over real HTTP with the real connectors: 쇼핑몰전송 of one
catalogue product to two marketplaces (different protocols, different names), per-channel results,
option mappings that match the orders collected afterwards; bulk edit sends only what was chosen;
data migration links without sending; import creates or links by seller code; 상품동기화 shows what
changed on the marketplace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount, OptionMapping
from marketdock.inventory import services as inventory
from marketdock.listings import selectors, services
from marketdock.listings.models import Listing, ListingOption
from marketdock.listings.tasks import listings_import_job, listings_pull_job, listings_send_job
from marketdock.orders.models import MatchSource, MatchStatus, OrderLine
from marketdock.orders.services import collection, collection_execute
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.catalog import make_product
from tests.factories.sandbox import listings_truth, received

LISTING_FIELDS = {
    "naver": {
        "afterServiceInfo": {"afterServiceTelephoneNumber": "02-1234-5678", "afterServiceGuideContent": "평일 10-17시"},
        "originAreaInfo": {"originAreaCode": "00"},
        "productInfoProvidedNotice": {"productInfoProvidedNoticeType": "ETC"},
        "image_urls": ["https://img.example.com/marketdock/main.jpg"],
        "description_html": "<p>상세페이지 참조</p>",
    },
    "coupang": {
        "vendorUserId": "wing-id", "outboundShippingPlaceCode": "74010", "returnCenterCode": "1000274592",
        "returnChargeName": "반품지", "companyContactNumber": "02-1234-5678", "returnZipCode": "06236",
        "returnAddress": "서울특별시 강남구 테헤란로 152", "returnAddressDetail": "21층",
        "afterServiceInformation": "A/S 1544-0000", "afterServiceContactNumber": "1544-0000",
        "deliveryCompanyCode": "CJGLS",
        "notices": [{"noticeCategoryName": "기타 재화", "noticeCategoryDetailName": "품명 및 모델명",
                     "content": "상세페이지 참조"}],
        "image_urls": ["https://img.example.com/marketdock/main.jpg"],
    },
    "shopify": {},
}


@pytest.fixture
def sandbox(monkeypatch):
    state = SandboxState(seed=21, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    limiter = LocalRateLimiter()

    def options(account):
        return HttpOptions(limiter=limiter, rate=Rate(1000, 1000), sleep=lambda s: None,
                           retry=RetryPolicy(attempts=2))

    monkeypatch.setattr(services.common, "connector_options", options)
    monkeypatch.setattr(collection, "connector_options", options)
    yield state, base
    server.shutdown()
    server.server_close()


def account_for(company, state, base, code: str, *, fields: bool = True) -> ChannelAccount:
    shop = state.shops[code]
    account = ChannelAccount(company=company, kind=shop.protocol, name=f"{code} 계정", base_url=base,
                             auto_collect=False)
    account.set_credentials(shop.credentials)
    account.save()
    if fields:
        services.account_listing_fields_save(company=company, account=account, fields=LISTING_FIELDS[shop.protocol])
    return account


WRITES = ("register_listing", "update_listing", "stock", "price", "sale_status")


@pytest.fixture
def hoodie(company):
    """A two-option product with stock at a warehouse exposed to channels."""
    product = make_product(company, "HOOD-01", name="오버핏 후드티", price=39000,
                           axes=[{"name": "색상", "values": ["블랙", "그레이"]}])
    wh = inventory.warehouse_save(company=company, code="MAIN", name="본사창고")
    skus = {s.option_text: s for s in product.skus.all()}
    inventory.stock_adjust(company=company, sku_id=skus["블랙"].pk, warehouse_id=wh.pk, quantity=7, reason="기초재고")
    inventory.stock_adjust(company=company, sku_id=skus["그레이"].pk, warehouse_id=wh.pk, quantity=3, reason="기초재고")
    return product, skus


def like_at_the_shop(company, code: str, shop_product: dict, *, name: str = ""):
    """A catalogue product with the marketplace product's options ("블랙 / M" = two option axes)."""
    parts = [o["name"].split(" / ") for o in shop_product["options"]]
    axes = [{"name": f"옵션{i + 1}", "values": list(dict.fromkeys(p[i] for p in parts))} for i in range(len(parts[0]))]
    product = make_product(company, code, name=name or shop_product["name"], axes=axes)
    wanted = {o["name"] for o in shop_product["options"]}
    for sku in product.skus.all():
        if sku.option_text not in wanted:
            sku.delete()  # the full grid has combinations the shop does not sell
    return product, {s.option_text: s for s in product.skus.all()}


def send(company, admin_user, listings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = listings_send_job.start(company=company, user=admin_user, title="쇼핑몰전송",
                                      listing_ids=[lst.pk for lst in listings])
    run.refresh_from_db()
    return run


def order_for(state, code: str, product_id: str, option_id: str):
    """A new paid order at the sandbox shop for one option of one product."""
    shop = state.shops[code]
    with state.lock:
        order = state.add_order(shop, at=datetime.now(UTC) - timedelta(minutes=10))
        line = order.lines[0]
        line.product_id, line.option_id, line.quantity = product_id, option_id, 2
        if shop.protocol == "coupang":
            line.line_no = option_id
        order.lines = [line]
    return order


def test_register_to_two_marketplaces_with_their_own_names_then_orders_match(
        company, admin_user, sandbox, hoodie, django_capture_on_commit_callbacks):
    state, base = sandbox
    product, skus = hoodie
    naver = account_for(company, state, base, "naver-demo")
    coupang = account_for(company, state, base, "coupang-demo")
    before = {code: set(listings_truth(base, code)) for code in ("naver-demo", "coupang-demo")}
    names = {naver.pk: "[스토어] 오버핏 후드티 기모", coupang.pk: "[쿠팡] 남녀공용 오버핏 후드"}
    listings = services.listings_draft(company=company, product=product, user=admin_user, targets=[
        services.RegisterTarget(account=naver, name=names[naver.pk], price=39000, category_id="50000803"),
        services.RegisterTarget(account=coupang, name=names[coupang.pk], price=41000, category_id="56137"),
    ])
    run = send(company, admin_user, listings, django_capture_on_commit_callbacks)

    assert run.result["sent"] == 2 and run.result["failed"] == 0, run.result
    assert {r["account"] for r in run.result["results"] if r["ok"]} == {naver.name, coupang.name}
    for lst in listings:
        lst.refresh_from_db()
        code = lst.account.name.removesuffix(" 계정")
        assert lst.status == Listing.Status.LINKED and lst.channel_product_id
        created = set(listings_truth(base, code)) - before[code]
        assert created == {lst.channel_product_id}
        shop_product = listings_truth(base, code)[lst.channel_product_id]
        assert shop_product["name"] == names[lst.account_id]
        # stock the OMS can sell, per option, named as the catalogue names them
        assert {o["name"]: o["stock"] for o in shop_product["options"]} == {"블랙": 7, "그레이": 3}
        assert shop_product["price"] + min(o["extra_price"] for o in shop_product["options"]) == lst.price
        # the channel's option ids are written where order matching reads them
        options = {o.sku_id: o.channel_option_id for o in ListingOption.objects.filter(listing=lst)}
        mapped = set(OptionMapping.objects.filter(company=company, account=lst.account,
                                                  channel_product_id=lst.channel_product_id)
                     .values_list("channel_option_id", "sku_id", "quantity"))
        assert mapped == {(options[s.pk], s.pk, 1) for s in skus.values()}
        assert {o["option_id"] for o in shop_product["options"]} == set(options.values())

    # an order for the gray option arrives at each marketplace: collected, it matches through the listing
    for lst in listings:
        code = lst.account.name.removesuffix(" 계정")
        gray = ListingOption.objects.get(listing=lst, sku=skus["그레이"]).channel_option_id
        order_for(state, code, lst.channel_product_id, gray)
        collection_execute(account_id=lst.account_id)
        line = OrderLine.objects.get(company=company, order__account=lst.account)
        assert (line.channel_product_id, line.channel_option_id) == (lst.channel_product_id, gray)
        assert line.match_status == MatchStatus.MATCHED and line.match_source == MatchSource.MAPPING
        assert list(line.components.values_list("sku_id", "quantity")) == [(skus["그레이"].pk, 2)]


def test_a_marketplace_refusal_is_recorded_on_its_listing_only(
        company, admin_user, sandbox, hoodie, django_capture_on_commit_callbacks):
    state, base = sandbox
    product, _skus = hoodie
    naver = account_for(company, state, base, "naver-demo", fields=False)  # no A/S, 원산지, 고시, images
    shopify = account_for(company, state, base, "shopify-demo")
    listings = services.listings_draft(company=company, product=product, user=admin_user, targets=[
        services.RegisterTarget(account=naver, name="후드티", price=39000, category_id="50000803"),
        services.RegisterTarget(account=shopify, name="Overfit hoodie", price=39000),
    ])
    run = send(company, admin_user, listings, django_capture_on_commit_callbacks)
    by_account = {r["account"]: r for r in run.result["results"]}
    assert by_account[shopify.name]["ok"] is True
    refused = by_account[naver.name]
    # refused before sending, one message per missing value (not the marketplace's DRAFT_INVALID)
    assert refused["ok"] is False and "원산지이(가) 없습니다" in refused["message"]
    failed = Listing.objects.get(account=naver)
    assert failed.status == Listing.Status.ERROR and "A/S" in failed.last_error and not failed.channel_product_id
    assert received(base, "naver-demo", "register_listing") == []
    assert Listing.objects.get(account=shopify).status == Listing.Status.LINKED


def test_bulk_edit_sends_only_the_chosen_listings_to_their_one_marketplace(
        company, admin_user, sandbox, django_capture_on_commit_callbacks):
    state, base = sandbox
    naver = account_for(company, state, base, "naver-demo")
    coupang = account_for(company, state, base, "coupang-demo")
    with django_capture_on_commit_callbacks(execute=True):
        listings_import_job.start(company=company, user=admin_user, title="가져오기", account_id=naver.pk,
                                  create_missing=True)
        listings_import_job.start(company=company, user=admin_user, title="가져오기", account_id=coupang.pk,
                                  create_missing=True)
    mine = list(Listing.objects.filter(account=naver).order_by("channel_product_id"))
    assert len(mine) == 6 and Listing.objects.filter(account=coupang).count() == 6
    chosen = mine[:2]
    shop_before = listings_truth(base, "naver-demo")
    # the imports linked the listings, which pushed our stock to both shops: count from here
    seen = {code: len(received(base, code)) for code in ("naver-demo", "coupang-demo")}
    services.listings_bulk_edit(company=company, account=naver, listing_ids=[lst.pk for lst in chosen],
                                changes={"price_delta": 1000, "name_prefix": "[특가]"}, user=admin_user)
    run = send(company, admin_user, chosen, django_capture_on_commit_callbacks)
    assert run.result["sent"] == 2, run.result

    updates = [r for r in received(base, "naver-demo")[seen["naver-demo"]:] if r["operation"] in WRITES]
    rewrites = [r for r in updates if r["operation"] == "update_listing"]
    assert sorted(r["product_id"] for r in rewrites) == sorted(lst.channel_product_id for lst in chosen)
    # besides the rewrite only the chosen products' price/stock pushes (the new price was marked for a push)
    assert {r["product_id"] for r in updates} == {lst.channel_product_id for lst in chosen}
    assert {r["operation"] for r in updates} <= {"update_listing", "price", "stock"}
    assert [r for r in received(base, "coupang-demo")[seen["coupang-demo"]:] if r["operation"] in WRITES] == []
    after = listings_truth(base, "naver-demo")
    for lst in chosen:
        pid = lst.channel_product_id
        assert after[pid]["name"] == f"[특가] {shop_before[pid]['name']}"
        assert after[pid]["price"] == shop_before[pid]["price"] + 1000
        # a rewrite keeps the marketplace's option ids (orders already carry them) and their stock
        assert [o["option_id"] for o in after[pid]["options"]] == [o["option_id"] for o in shop_before[pid]["options"]]
    for pid in set(after) - {lst.channel_product_id for lst in chosen}:
        assert after[pid]["name"] == shop_before[pid]["name"] and after[pid]["price"] == shop_before[pid]["price"]


def test_data_migration_links_by_code_without_creating_anything_at_the_marketplace(company, admin_user, sandbox):
    state, base = sandbox
    account = account_for(company, state, base, "coupang-demo")
    shop_product = next(iter(listings_truth(base, "coupang-demo").values()))
    product, skus = like_at_the_shop(company, shop_product["code"], shop_product)
    text = "단품코드\t연동상품코드\t쇼핑몰옵션코드\n" + "\n".join(
        f"{skus[o['name']].code}\t{shop_product['product_id']}\t{o['option_id']}" for o in shop_product["options"])
    summary = services.listings_link_by_code(company=company, account=account, rows=services.link_rows_parse(text),
                                             user=admin_user)
    assert len(summary.created) == 1 and summary.mappings == len(shop_product["options"])
    listing = summary.created[0]
    assert (listing.channel_product_id, listing.status) == (shop_product["product_id"], Listing.Status.LINKED)
    assert set(OptionMapping.objects.filter(account=account).values_list("channel_option_id", "sku_id")) == {
        (o["option_id"], skus[o["name"]].pk) for o in shop_product["options"]}
    assert received(base, "coupang-demo", *WRITES) == []
    assert len(listings_truth(base, "coupang-demo")) == 6


def test_import_creates_products_or_links_to_the_one_with_the_seller_code(
        company, admin_user, sandbox, django_capture_on_commit_callbacks):
    state, base = sandbox
    account = account_for(company, state, base, "shopify-demo")
    shop = listings_truth(base, "shopify-demo")
    existing_code = next(p for p in shop.values() if len(p["options"]) == 2)
    # the seller already has one of them in the catalogue (Shopify keeps the seller code lowercased)
    ours, _skus = like_at_the_shop(company, existing_code["code"], existing_code, name="기존 상품")
    with django_capture_on_commit_callbacks(execute=True):
        run = listings_import_job.start(company=company, user=admin_user, title="가져오기", account_id=account.pk,
                                        create_missing=True)
    run.refresh_from_db()
    assert (run.result["linked"], run.result["created"], run.result["error"]) == (1, 5, 0), run.result
    linked = Listing.objects.get(account=account, channel_product_id=existing_code["product_id"])
    assert linked.product == ours
    assert ours.skus.count() == 2  # linked, not duplicated
    for pid, p in shop.items():
        listing = Listing.objects.get(account=account, channel_product_id=pid)
        maps = dict(OptionMapping.objects.filter(account=account, channel_product_id=pid)
                    .values_list("channel_option_id", "sku__code"))
        assert set(maps) == {o["option_id"] for o in p["options"]}, p["name"]
        if pid != existing_code["product_id"]:
            assert listing.product.name == p["name"] and listing.product.price == listing.price
            assert sorted(maps.values()) == sorted(o["sku"] for o in p["options"])  # SB-xx-yy kept as SKU codes
    assert received(base, "shopify-demo", *WRITES) == []

    # importing again refreshes, never duplicates
    with django_capture_on_commit_callbacks(execute=True):
        again = listings_import_job.start(company=company, user=admin_user, title="가져오기", account_id=account.pk,
                                          create_missing=True)
    again.refresh_from_db()
    assert again.result["updated"] == 6 and Listing.objects.filter(account=account).count() == 6


def test_import_without_creating_skips_unknown_products(company, admin_user, sandbox,
                                                        django_capture_on_commit_callbacks):
    state, base = sandbox
    account = account_for(company, state, base, "naver-demo")
    with django_capture_on_commit_callbacks(execute=True):
        run = listings_import_job.start(company=company, user=admin_user, title="가져오기", account_id=account.pk,
                                        create_missing=False)
    run.refresh_from_db()
    assert run.result["skipped"] == 6 and not Listing.objects.filter(account=account).exists()


def test_sync_shows_what_changed_at_the_marketplace(company, admin_user, sandbox, hoodie,
                                                    django_capture_on_commit_callbacks):
    state, base = sandbox
    product, skus = hoodie
    account = account_for(company, state, base, "naver-demo")
    [listing] = services.listings_draft(company=company, product=product, user=admin_user, targets=[
        services.RegisterTarget(account=account, name="오버핏 후드티", price=39000, category_id="50000803")])
    send(company, admin_user, [listing], django_capture_on_commit_callbacks)
    listing.refresh_from_db()

    def pull(ids=None):
        with django_capture_on_commit_callbacks(execute=True):
            run = listings_pull_job.start(company=company, user=admin_user, title="상품동기화",
                                          account_id=account.pk, listing_ids=ids)
        run.refresh_from_db()
        listing.refresh_from_db()
        return run

    assert pull().result["pulled"] == 1
    assert selectors.listing_differences(company, listing) == []

    # at the marketplace: the seller suspends the product, someone edits the price, one option sells out
    shop = state.shops["naver-demo"]
    gray = ListingOption.objects.get(listing=listing, sku=skus["그레이"]).channel_option_id
    with state.lock:
        shop_product = shop.product(listing.channel_product_id)
        shop_product.selling = False
        shop_product.price = 35000
        next(o for o in shop_product.options if o.option_id == gray).stock = 0
    assert pull([listing.pk]).result["pulled"] == 1
    diffs = {(d.field, d.option): (d.ours, d.theirs) for d in selectors.listing_differences(company, listing)}
    assert diffs == {("price", ""): (39000, 35000), ("sale_status", ""): ("판매중", "판매중지"),
                     ("stock", "그레이"): (3, 0)}
    assert ListingOption.objects.get(listing=listing, sku=skus["그레이"]).channel_stock == 0

    # accepting the marketplace's values leaves only the stock to push
    services.listing_accept_channel(company=company, listing=listing)
    listing.refresh_from_db()
    assert [d.field for d in selectors.listing_differences(company, listing)] == ["stock"]
