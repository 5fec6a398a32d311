"""Catalogue in real Chromium: create a product with two option axes, see its SKUs, list screenshot."""

from __future__ import annotations

import pytest

from marketdock.catalog.models import Product
from tests.factories.core import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_product_with_two_option_axes(page, login, screenshot, admin_user, company):
    login(page, "acme_admin", PASSWORD)
    page.goto("/catalog/products/")
    page.click("[data-testid=product-new]")
    page.fill("[data-testid=product-code]", "BR-TEE")
    page.fill("[data-testid=product-name]", "브라우저 티셔츠")
    page.fill("[data-testid=product-price]", "15900")
    page.fill("[data-testid=axis-name-1]", "색상")
    page.fill("[data-testid=axis-values-1]", "블랙, 화이트")
    page.fill("[data-testid=axis-name-2]", "사이즈")
    page.fill("[data-testid=axis-values-2]", "S, M, L")
    page.click("[data-testid=sku-generate]")
    page.wait_for_function("document.querySelectorAll('[data-testid=sku-row]').length === 6")
    options = page.locator("[data-testid=sku-option]").all_inner_texts()
    assert options[0] == "블랙 / S" and options[-1] == "화이트 / L"
    page.locator("[data-testid=sku-code]").nth(1).fill("BR-TEE-BM")
    page.click("[data-testid=product-save]")
    page.wait_for_selector("[data-testid=toast]", state="attached")
    p = Product.objects.get(company=company, code="BR-TEE")
    assert p.skus.count() == 6
    assert p.skus.get(option_text="블랙 / M").code == "BR-TEE-BM"
    assert page.locator("[data-testid=sku-row]").count() == 6
    screenshot(page, "product-form")
    page.goto("/catalog/products/")
    page.wait_for_selector("[data-testid=product-row][data-code=BR-TEE]")
    screenshot(page, "product-list")
