"""A return arrives on a shipped order of two units → the claims list shows it → approve → the parcel
arrives (회수 도착) → 입고검수 with one unit 정상 and one 불량 → on-hand of the SKU rises by exactly the
good unit (a `return` movement referencing the claim). Screenshots: var/screenshots/claims-list.png,
var/screenshots/claims-inspection.png.

The second test has the return arrive from the sandbox marketplace over HTTP (claim collection), the
approval kept here (Naver picks the parcel up itself; its 반품 승인 is the refund), the return completed
there once inspected (반품 승인 through the outbox → RETURN_DONE) and the restocked unit pushed back to it
as the listing's stock. Screenshots: var/screenshots/claims-list-sandbox.png, var/screenshots/claims-inspection-sandbox.png."""

from __future__ import annotations

import pytest

from marketdock.claims.models import Claim, ClaimStatus, ClaimType
from marketdock.claims.services import claims_collection_execute
from marketdock.inventory.models import MovementKind, StockMovement
from marketdock.inventory.services import warehouse_default
from marketdock.orders.models import OrderStatus
from marketdock.orders.services import collection_execute
from marketdock.outbox.services import outbox_deliver_due
from tests.factories.catalog import on_hand
from tests.factories.claims import (
    ClaimShop,
    import_sandbox_product,
    make_claim,
    return_flow_sandbox,
    sandbox_claim_account,
    sandbox_claim_line_ids,
    sandbox_claims_clock_forward,
    sandbox_delivered_order,
    sandbox_option_stock,
    sandbox_return_on,
    stock_push_all,
)
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_from_list_and_approve(page, screenshot, claim, shot: str, hint: bool = False) -> None:
    """클레임 목록 shows the requested return → its detail → 승인 (the parcel is on its way back).
    `hint`: the marketplace collects itself, and the screen says 승인 is not sent to it."""
    page.goto("/claims/")
    row = page.locator(f"tr[data-claim='{claim.pk}']")
    assert "반품" in row.inner_text() and "요청" in row.inner_text()
    screenshot(page, shot, full_page=False)
    row.locator("[data-testid=claim-link]").click()
    assert page.locator("[data-testid=collect-hint]").count() == (1 if hint else 0)
    if hint:
        assert "보내지 않습니다" in page.locator("[data-testid=collect-hint]").inner_text()
    page.click("[data-testid=btn-approve]")
    page.wait_for_selector("[data-testid=btn-receive]")
    assert page.locator("[data-testid=claim-status]").inner_text().startswith("회수중")


def receive_and_inspect(page, screenshot, sku_code: str, shot: str) -> None:
    """회수 도착 → 입고검수: one unit 정상 재입고, one 불량 → the claim is 완료."""
    page.click("[data-testid=btn-receive]")
    page.click("[data-testid=inspect-link]")
    item = page.locator(f"[data-testid=inspect-item][data-sku='{sku_code}']")
    item.locator("[data-testid=q-restock]").fill("1")
    item.locator("[data-testid=q-defect]").fill("1")
    screenshot(page, shot, full_page=False)
    page.click("[data-testid=inspect-submit]")
    page.wait_for_selector("[data-testid=claim-status]")
    assert page.locator("[data-testid=claim-status]").inner_text().startswith("완료")


def test_return_approve_inspect_restocks_only_the_good_unit(page, login, screenshot, company, admin_user):
    shop = ClaimShop(company, admin_user)
    order = shop.order(status=OrderStatus.SHIPPED, lines=(("SKU-A", 2),))
    claim = make_claim(order, type=ClaimType.RETURN, quantity=2, reason="사이즈가 작아요")
    assert shop.level(shop.a) == (8, 0)

    login(page, admin_user.username, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    open_from_list_and_approve(page, screenshot, claim, "claims-list", hint=True)  # (a Coupang return)
    receive_and_inspect(page, screenshot, "SKU-A", "claims-inspection")

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    assert shop.level(shop.a) == (9, 0)  # the 정상 unit came back, the 불량 one did not
    back = StockMovement.objects.get(company=company, kind=MovementKind.RETURN, sku=shop.a)
    assert (back.quantity, back.reference_type, back.reference_id) == (1, "claim", str(claim.pk))


@pytest.fixture
def sandbox(monkeypatch):
    yield from return_flow_sandbox(monkeypatch)


def test_a_return_from_the_sandbox_is_approved_inspected_and_the_good_unit_reaches_the_channel(
        page, login, screenshot, company, admin_user, sandbox):
    """The sandbox's buyer asks to return both units of a delivered order → the claim collection brings
    it → approve (nothing sent: the screen says so, and Naver collects the parcel itself) → 회수 도착 →
    입고검수 정상 1 · 불량 1 → the sandbox's return is completed (반품 승인 through the outbox) →
    on-hand +1, and the stock push shows the sandbox shop the new figure."""
    state, base = sandbox
    code = "naver-demo"
    account = sandbox_claim_account(company, base, code)
    order = sandbox_delivered_order(base, code, quantity=2)
    (line,) = order["lines"]
    listing = import_sandbox_product(account, line["product_id"], stock=10)
    sku = listing.options.get(channel_option_id=line["option_id"]).sku
    collection_execute(account_id=account.pk)  # the shop's orders, this delivered one among them
    stock_push_all(company)
    shop_before = sandbox_option_stock(base, code, line["option_id"])
    on_hand_before = on_hand(sku, warehouse_default(company))
    asked = sandbox_return_on(base, code, order)
    result = claims_collection_execute(account_id=account.pk)  # the scheduled claim collection's job
    assert result["created"] >= 1 and result["quarantined"] == 0
    claim = Claim.objects.get(company=company, account=account, type=ClaimType.RETURN,
                              line__channel_line_id=order["line_ids"][0])
    assert (claim.status, claim.quantity) == (ClaimStatus.REQUESTED, 2)
    assert list(claim.line.components.values_list("sku_id", flat=True)) == [sku.pk]  # matched to the SKU

    login(page, admin_user.username, PASSWORD)
    open_from_list_and_approve(page, screenshot, claim, "claims-list-sandbox", hint=True)
    outbox_deliver_due()  # the worker's part: nothing to deliver (반품 승인 now would refund the buyer)
    truth = sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]
    assert truth["claim_id"] == asked["claim_id"]
    assert truth["decisions"] == [] and truth["state"] == "requested"
    claim.refresh_from_db()
    assert claim.push_state == ""
    sandbox_claims_clock_forward(state, code)  # Naver's own pickup (자동 수거)
    assert sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]["state"] == "collecting"

    receive_and_inspect(page, screenshot, sku.code, "claims-inspection-sandbox")
    outbox_deliver_due()  # the worker's part (if it has not run yet): the marketplace is told the return is done
    truth = sandbox_claim_line_ids(base, code)[claim.line.channel_line_id]
    assert truth["state"] == "completed" and [d["action"] for d in truth["decisions"]] == ["complete"]
    claim.refresh_from_db()
    assert claim.push_state == "sent", claim.push_error
    claims_collection_execute(account_id=account.pk)  # the marketplace's own word: 반품완료
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED and claim.raw_status == "RETURN:RETURN_DONE"

    assert on_hand(sku, warehouse_default(company)) == on_hand_before + 1  # only the 정상 unit is back on hand
    stock_push_all(company)
    assert sandbox_option_stock(base, code, line["option_id"]) == shop_before + 1
