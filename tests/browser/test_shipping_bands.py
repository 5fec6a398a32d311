"""Register a carrier contract and a tracking-number band in the real UI, then see the band's
remaining count go down as numbers are issued."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketdock.inventory.models import Warehouse
from marketdock.shipping import services
from marketdock.shipping.carrier_data import carriers_ensure
from marketdock.shipping.models import CarrierContract
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contract_and_band_in_the_browser(page, login, screenshot, company, admin_user):
    carriers_ensure()
    Warehouse.objects.create(company=company, code="MAIN", name="본사창고", address="서울특별시 성동구 성수이로 100",
                             phone="02-1234-5678", sender_name="마켓독상사", is_default=True)
    login(page, admin_user.username, PASSWORD)
    page.goto("/shipping/carriers/")
    expect(page.locator("[data-testid=carrier-row][data-key=lotte]")).to_contain_text("HYUNDAI")
    page.click("[data-testid=contract-new]")
    page.select_option("select[name=carrier]", label="롯데택배")
    page.fill("input[name=name]", "롯데 본사")
    page.fill("input[name=contract_code]", "LT-12345")
    page.fill("input[name=box-2-price]", "3300")
    page.click("[data-testid=contract-save]")
    expect(page.locator("[data-testid=contract-row]")).to_contain_text("3,300원")
    screenshot(page, "shipping-carriers")

    page.goto("/shipping/bands/")
    page.select_option("select[name=contract]", label="롯데택배 · 롯데 본사")
    page.fill("input[name=start]", "31765377481")
    page.fill("input[name=end]", "31765377980")
    page.fill("input[name=warning_threshold]", "100")
    page.click("[data-testid=band-save]")
    expect(page.locator("[data-testid=band-remaining]")).to_have_text("500")
    contract = CarrierContract.objects.get(company=company)
    services.tracking_number_issue(company=company, contract=contract, count=450)
    page.reload()
    expect(page.locator("[data-testid=band-remaining]")).to_have_text("50")
    expect(page.locator("[data-testid=band-row]")).to_contain_text("소진 임박")
    screenshot(page, "shipping-bands")
