"""Marketplace categories: the connectors read each marketplace's category tree (Naver 전체 카테고리,
Coupang 노출 카테고리) from the sandbox, the tree is cached per account and refreshed on demand, the
picker searches and browses it, and listings take a picked leaf (its path as the name), never an
unknown or non-leaf code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.channels.services import connector_for
from marketdock.listings import services
from marketdock.listings.models import Listing, MarketCategory
from marketdock.listings.services_categories import categories_refresh, categories_search
from tests.factories.catalog import make_product
from tests.factories.channels import make_account
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code,leaf,path", [("naver-demo", "50000803", "패션의류 > 여성의류 > 니트"),
                                            ("coupang-demo", "59262", "식품 > 농산물 > 현미")])
def test_connectors_read_the_category_tree_from_the_sandbox(company, market_sandbox, code, leaf, path):
    _state, _base, account_of = market_sandbox
    account = account_of(company, code)
    with connector_for(account, options=services.connector_options(account)) as conn:
        assert conn.capabilities.categories
        nodes = {n.id: n for n in conn.list_categories()}
    assert nodes[leaf].path == path and nodes[leaf].leaf
    parent = nodes[nodes[leaf].parent_id]
    assert not parent.leaf and path.startswith(parent.path)
    assert all(not n.parent_id or n.parent_id in nodes for n in nodes.values())


def test_tree_cached_per_account_refreshed_on_demand_and_searched(company, market_sandbox):
    _state, _base, account_of = market_sandbox
    naver, coupang = account_of(company, "naver-demo"), account_of(company, "coupang-demo")
    result = categories_refresh(company=company, account=naver)
    assert result.count == MarketCategory.objects.filter(account=naver).count() > result.leaves > 0
    assert not MarketCategory.objects.filter(account=coupang).exists()  # per account
    again = categories_refresh(company=company, account=naver)  # replaced, not doubled
    assert MarketCategory.objects.filter(account=naver).count() == again.count
    found = categories_search(company, naver, "여성 니트")
    assert [c.code for c in found] == ["50000803"]
    assert all(c.is_leaf for c in categories_search(company, naver, "현미"))


def test_picker_browses_searches_and_refreshes_over_htmx(admin_client, company, market_sandbox):
    _state, _base, account_of = market_sandbox
    naver = account_of(company, "naver-demo")
    url = reverse("channels:category_picker", args=[naver.pk])
    empty = admin_client.get(url + "?field=category_id_1", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="category-empty"' in empty and f'data-testid="category-refresh-{naver.pk}"' in empty
    loaded = admin_client.post(reverse("channels:category_refresh", args=[naver.pk]) + "?field=category_id_1",
                               HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="category-open-50000000"' in loaded and "패션의류" in loaded  # the top level
    children = admin_client.get(url + "?field=category_id_1&parent=50000167").content.decode()
    assert 'name="category_id_1" value="50000803"' in children and "니트" in children
    found = admin_client.get(url + "?field=category_id_1&cq=니트").content.decode()
    assert "패션의류 &gt; 여성의류 &gt; 니트" in found
    bad_field = admin_client.get(url + "?field=evil&cq=니트").content.decode()
    assert 'name="category_id"' in bad_field and "evil" not in bad_field


def test_listing_takes_a_picked_leaf_with_its_path_and_refuses_unknown_or_parent_codes(
        admin_client, admin_user, company, market_sandbox):
    _state, _base, account_of = market_sandbox
    naver = account_of(company, "naver-demo")
    categories_refresh(company=company, account=naver)
    product = make_product(company, "KNIT", name="울 니트")
    page = admin_client.get(reverse("channels:listing_register") + f"?product={product.pk}").content.decode()
    assert f'data-testid="category-picker-{naver.pk}"' in page and f"category_id_{naver.pk}" in page
    with pytest.raises(services.ListingError, match="목록에 없습니다"):
        services.listings_draft(company=company, product=product, user=admin_user, targets=[
            services.RegisterTarget(account=naver, name="울 니트", price=1000, category_id="99999")])
    with pytest.raises(services.ListingError, match="최하위 카테고리가 아닙니다"):
        services.listings_draft(company=company, product=product, user=admin_user, targets=[
            services.RegisterTarget(account=naver, name="울 니트", price=1000, category_id="50000167")])
    listing, = services.listings_draft(company=company, product=product, user=admin_user, targets=[
        services.RegisterTarget(account=naver, name="울 니트", price=1000, category_id="50000803")])
    assert (listing.category_id, listing.category_name) == ("50000803", "패션의류 > 여성의류 > 니트")
    detail = admin_client.get(reverse("channels:listing_detail", args=[listing.pk])).content.decode()
    assert "패션의류 &gt; 여성의류 &gt; 니트" in detail
    # the detail form posts the code only (picker): an unchanged code keeps its name
    services.listing_update(company=company, listing=listing, data={"name": "울 니트", "price": 1000,
                                                                     "category_id": "50000803"})
    assert Listing.objects.get(pk=listing.pk).category_name == "패션의류 > 여성의류 > 니트"


def test_without_a_category_api_or_cache_the_code_is_kept_as_typed(company, admin_user, admin_client):
    shop = make_account(company, "쇼피파이", "shopify")
    product = make_product(company, "X1")
    listing, = services.listings_draft(company=company, product=product, user=admin_user, targets=[
        services.RegisterTarget(account=shop, name="x", price=1, category_id="gid://shopify/TaxonomyCategory/aa")])
    assert listing.category_id == "gid://shopify/TaxonomyCategory/aa"
    r = admin_client.post(reverse("channels:category_refresh", args=[shop.pk]), HTTP_HX_REQUEST="true")
    assert "카테고리 목록을 제공하지 않습니다" in r.content.decode()


def test_viewer_browses_but_cannot_refresh_and_another_company_sees_nothing(viewer_client, other_client, company):
    naver = make_account(company, "비밀 스토어")
    MarketCategory.objects.create(company=company, account=naver, code="1", name="비밀분류", path="비밀분류")
    url = reverse("channels:category_picker", args=[naver.pk])
    assert "비밀분류" in viewer_client.get(url).content.decode()
    assert viewer_client.post(reverse("channels:category_refresh", args=[naver.pk])).status_code == 403
    assert MarketCategory.objects.count() == 1
    assert_isolated(other_client, [url, reverse("channels:category_refresh", args=[naver.pk])],
                    secrets=("비밀분류",))
