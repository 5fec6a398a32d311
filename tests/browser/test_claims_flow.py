"""A return arrives on a shipped order of two units → the claims list shows it → approve → the parcel
arrives (회수 도착) → 입고검수 with one unit 정상 and one 불량 → on-hand of the SKU rises by exactly the
good unit (a `return` movement referencing the claim). Screenshots: var/screenshots/claims-list.png,
var/screenshots/claims-inspection.png."""

from __future__ import annotations

import pytest

from marketdock.claims.models import ClaimStatus, ClaimType
from marketdock.inventory.models import MovementKind, StockMovement
from marketdock.orders.models import OrderStatus
from tests.factories.claims import ClaimShop, make_claim
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_return_approve_inspect_restocks_only_the_good_unit(page, login, screenshot, company, admin_user):
    shop = ClaimShop(company, admin_user)
    order = shop.order(status=OrderStatus.SHIPPED, lines=(("SKU-A", 2),))
    claim = make_claim(order, type=ClaimType.RETURN, quantity=2, reason="사이즈가 작아요")
    assert shop.level(shop.a) == (8, 0)

    login(page, admin_user.username, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/claims/")
    row = page.locator(f"tr[data-claim='{claim.pk}']")
    assert "반품" in row.inner_text() and "요청" in row.inner_text()
    screenshot(page, "claims-list", full_page=False)
    row.locator("[data-testid=claim-link]").click()

    page.click("[data-testid=btn-approve]")
    page.wait_for_selector("[data-testid=btn-receive]")
    assert page.locator("[data-testid=claim-status]").inner_text().startswith("회수중")
    page.click("[data-testid=btn-receive]")
    page.click("[data-testid=inspect-link]")

    item = page.locator("[data-testid=inspect-item][data-sku='SKU-A']")
    item.locator("[data-testid=q-restock]").fill("1")
    item.locator("[data-testid=q-defect]").fill("1")
    screenshot(page, "claims-inspection", full_page=False)
    page.click("[data-testid=inspect-submit]")
    page.wait_for_selector("[data-testid=claim-status]")
    assert page.locator("[data-testid=claim-status]").inner_text().startswith("완료")

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    assert shop.level(shop.a) == (9, 0)  # the 정상 unit came back, the 불량 one did not
    back = StockMovement.objects.get(company=company, kind=MovementKind.RETURN, sku=shop.a)
    assert (back.quantity, back.reference_type, back.reference_id) == (1, "claim", str(claim.pk))
