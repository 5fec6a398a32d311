"""Listing tools in real Chromium: the category picker (browse and search the cached marketplace tree,
pick a leaf) on the 쇼핑몰전송 screen, and the 상세설명 template editor's live preview (htmx, no script)."""

from __future__ import annotations

import pytest

from marketdock.catalog import services as catalog_services
from marketdock.channels.models import ChannelAccount
from marketdock.listings.models import MarketCategory
from tests.factories.core import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_category_picker_browse_search_and_pick(page, login, screenshot, admin_user, company):
    account = ChannelAccount.objects.create(company=company, kind="naver", name="스마트스토어")
    for code, name, path, parent, leaf in (("1", "패션의류", "패션의류", "", False),
                                           ("2", "여성의류", "패션의류 > 여성의류", "1", False),
                                           ("3", "니트", "패션의류 > 여성의류 > 니트", "2", True),
                                           ("4", "원피스", "패션의류 > 여성의류 > 원피스", "2", True)):
        MarketCategory.objects.create(company=company, account=account, code=code, name=name, path=path,
                                      parent_code=parent, is_leaf=leaf)
    product = catalog_services.product_save(company=company, product=None, axes=[], data={
        "code": "KNIT", "name": "울 니트", "price": 39000, "cost": 0, "tax_type": "taxable", "status": "on_sale",
        "inventory_managed": True})
    login(page, "acme_admin", PASSWORD)
    page.goto(f"/channels/listings/register/?product={product.pk}")
    picker = page.locator(f"[data-testid=category-picker-{account.pk}]")
    picker.locator("[data-testid=category-open-1]").click()  # browse: top level → 패션의류
    picker.locator("[data-testid=category-open-2]").click()
    picker.locator("[data-testid=category-pick-4]").wait_for()
    picker.locator(f"[data-testid=category-search-{account.pk}]").fill("니트")
    picker.locator("text=패션의류 > 여성의류 > 니트").wait_for()
    picker.locator("[data-testid=category-pick-3]").check()
    assert page.locator(f"input[name=category_id_{account.pk}]:checked").input_value() == "3"
    screenshot(page, "listing-category-picker")


def test_description_template_live_preview(page, login, screenshot, admin_user, company):
    login(page, "acme_admin", PASSWORD)
    page.goto("/channels/description-templates/")
    page.fill("[data-testid=t-name]", "농산물 공통")
    page.fill("[data-testid=t-header]", "<h2>산지 직송</h2><script>window.hacked=1</script>")
    page.fill("[data-testid=t-footer]", "<p>문의 1588-0000</p>")
    preview = page.locator("[data-testid=description-preview]")
    preview.locator("h2", has_text="산지 직송").wait_for()
    preview.locator("text=문의 1588-0000").wait_for()
    assert page.evaluate("window.hacked === undefined")
    page.click("[data-testid=t-save]")
    page.wait_for_selector("[data-testid=toast]", state="attached")
    page.locator("[data-testid=description-preview] h2").wait_for()
    screenshot(page, "description-template")
