"""What claims do to stock: a cancel gives stock back exactly once however often it is approved or
reported; a return restocks only what 입고검수 accepted, into the chosen warehouse, on the ledger."""

from __future__ import annotations

import pytest

from marketdock.claims import services
from marketdock.claims.models import ClaimInspection, ClaimStatus, ClaimType, InspectionOutcome
from marketdock.inventory.models import MovementKind, StockMovement
from marketdock.orders.models import Order, OrderStatus, StockState
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping import selectors as shipping_selectors
from marketdock.shipping import services as shipping_services
from marketdock.shipping.services_packages import packages_build, packages_print
from marketdock.shipping.services_scan import scan_open, scan_state
from tests.factories.catalog import make_warehouse
from tests.factories.claims import ClaimShop, make_claim
from tests.factories.orders import ingest
from tests.factories.shipping import make_contract

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def shop(company, admin_user):
    return ClaimShop(company, admin_user)


def _marketplace_cancels(shop, order):
    """The next collection reports the order's line cancelled at the marketplace."""
    line = order.lines.get()
    cos = [shop.kit.line(order.channel_order_id, seller_option_code="SKU-A", channel_option_id="OSKU-A",
                         quantity=line.quantity, product_name="상품 SKU-A", status="cancelled",
                         cancelled_quantity=line.quantity)]
    cos = [c.model_copy(update={"order_line_id": line.channel_line_id}) for c in cos]
    ingest(shop.account, cos)


def test_cancel_of_deducted_unshipped_order_puts_stock_back_exactly_once(shop, company, admin_user):
    order = shop.order(status=OrderStatus.READY)
    assert shop.level(shop.a) == (9, 0)  # deducted at 출고준비, not shipped
    claim = make_claim(order, type=ClaimType.CANCEL)
    (outcome,) = services.claims_approve(company=company, claims=[claim], user=admin_user)
    assert outcome.ok, outcome.message
    assert shop.level(shop.a) == (10, 0)
    claim.refresh_from_db()
    order.refresh_from_db()
    assert claim.status == S.COMPLETED and order.status == OrderStatus.CANCELLED
    assert order.lines.get().stock_state == StockState.RELEASED
    # approved again: refused, nothing more
    assert not services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    # the marketplace reports the same cancel on the next collection: nothing more either
    _marketplace_cancels(shop, order)
    assert shop.level(shop.a) == (10, 0)
    returns = StockMovement.objects.filter(company=company, sku=shop.a, kind=MovementKind.RETURN)
    assert list(returns.values_list("quantity", flat=True)) == [1]
    assert OutboxMessage.objects.get(company=company, kind="claim_decision").payload["item"]["action"] == "approve"


def test_marketplace_cancel_first_then_approval_gives_deducted_stock_back_once(shop, company, admin_user):
    order = shop.order(status=OrderStatus.READY)
    _marketplace_cancels(shop, order)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert shop.level(shop.a) == (9, 0)  # collection only releases reservations; deducted goods wait for the claim
    claim = make_claim(order, type=ClaimType.CANCEL)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    assert shop.level(shop.a) == (10, 0)
    second = make_claim(order, type=ClaimType.CANCEL)  # the same cancel collected twice as two claims
    assert services.claims_approve(company=company, claims=[second], user=admin_user)[0].ok
    assert shop.level(shop.a) == (10, 0)


def test_reserved_order_cancelled_by_marketplace_then_approved_releases_once(shop, company, admin_user):
    order = shop.order(status=OrderStatus.CONFIRMED)
    assert shop.level(shop.a) == (10, 1)
    _marketplace_cancels(shop, order)
    assert shop.level(shop.a) == (10, 0)
    claim = make_claim(order, type=ClaimType.CANCEL)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    assert shop.level(shop.a) == (10, 0)


def test_partial_cancel_releases_only_the_cancelled_quantity(shop, company, admin_user):
    order = shop.order(status=OrderStatus.CONFIRMED, lines=(("SKU-A", 3),))
    assert shop.level(shop.a) == (10, 3)
    claim = make_claim(order, type=ClaimType.CANCEL, quantity=2)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    assert shop.level(shop.a) == (10, 1)
    line = order.lines.get()
    assert (line.cancelled_quantity, line.status) == (2, OrderStatus.CONFIRMED)


def test_cancel_of_a_shipped_line_is_refused_and_changes_nothing(shop, company, admin_user):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = make_claim(order, type=ClaimType.CANCEL)
    (outcome,) = services.claims_approve(company=company, claims=[claim], user=admin_user)
    assert not outcome.ok and "반품" in outcome.message
    claim.refresh_from_db()
    assert claim.status == S.REQUESTED
    assert not OutboxMessage.objects.filter(company=company, kind="claim_decision").exists()


def test_seller_cancel_of_a_sold_out_line(shop, company, admin_user):
    order = shop.order(status=OrderStatus.CONFIRMED)
    claim = services.seller_cancel(company=company, line=order.lines.get(), quantity=1, reason="품절",
                                   user=admin_user)
    assert claim.status == S.COMPLETED and claim.reason_class == "sold_out"
    assert shop.level(shop.a) == (10, 0)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    item = OutboxMessage.objects.get(company=company, kind="claim_decision").payload["item"]
    assert (item["action"], item["claim_id"], item["order_line_id"]) == (
        "seller_cancel", "", order.lines.get().channel_line_id)


def _printed(shop, company, admin_user, order):
    contract = make_contract(company, "cj", warehouse=shop.warehouse, is_default=True)
    shipping_services.band_create(company=company, contract=contract, start="632976600000", end="632976600999")
    packages_build(company=company)
    package = shipping_selectors.package_for_order(company, order)
    plan = packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    assert plan.packages, plan.rows
    package.refresh_from_db()
    return package


def test_cancel_after_the_label_was_printed_stops_the_box(shop, company, admin_user):
    order = shop.order(status=OrderStatus.CONFIRMED)
    package = _printed(shop, company, admin_user, order)
    claim = make_claim(order, type=ClaimType.CANCEL)
    (outcome,) = services.claims_approve(company=company, claims=[claim], user=admin_user)
    assert outcome.ok and "출력한 뒤 취소" in outcome.message
    assert shop.level(shop.a) == (10, 0)
    opened = scan_open(company=company, number=package.tracking_number)
    assert opened.kind == "stopped" and "출력 후" in opened.message


def test_partial_cancel_after_printing_holds_the_order_so_the_scan_stops(shop, company, admin_user):
    order = shop.order(status=OrderStatus.CONFIRMED, lines=(("SKU-A", 1), ("SKU-B", 1)))
    package = _printed(shop, company, admin_user, order)
    line_b = order.lines.get(seller_option_code="SKU-B")
    claim = make_claim(order, line=line_b, type=ClaimType.CANCEL)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    order.refresh_from_db()
    assert order.status == OrderStatus.HOLD and "출력 후" in order.hold_reason
    assert [o.pk for o in scan_state(company, package).stopped] == [order.pk]
    assert shop.level(shop.b) == (10, 0) and shop.level(shop.a) == (9, 0)


def _inspecting(shop, company, admin_user, *, qty=2, type_=ClaimType.RETURN):
    order = shop.order(status=OrderStatus.SHIPPED, lines=(("SKU-A", qty),))
    claim = make_claim(order, type=type_, quantity=qty)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    assert services.claims_receive(company=company, claims=[claim], user=admin_user)[0].ok
    claim.refresh_from_db()
    assert claim.status == S.INSPECTING
    return order, claim


def test_return_restocks_only_what_inspection_accepted(shop, company, admin_user):
    order, claim = _inspecting(shop, company, admin_user)
    assert shop.level(shop.a) == (8, 0)
    second = make_warehouse(company, "WH2", "반품창고")
    items = services.inspection_items(company, claim)
    assert [(i.sku.code, i.expected) for i in items] == [("SKU-A", 2)]
    outcome = services.claim_inspect(company=company, claim=claim, warehouse=second, user=admin_user,
                                     counts={shop.a.pk: {InspectionOutcome.RESTOCK: 1, InspectionOutcome.DEFECT: 1}})
    assert outcome.ok, outcome.message
    claim.refresh_from_db()
    assert claim.status == S.COMPLETED
    assert shop.level(shop.a) == (8, 0)  # the default warehouse is untouched
    movement = StockMovement.objects.get(company=company, kind=MovementKind.RETURN, sku=shop.a)
    assert (movement.warehouse_id, movement.quantity, movement.reference_type, movement.reference_id) == (
        second.pk, 1, "claim", str(claim.pk))
    from marketdock.inventory.models import StockLevel

    assert StockLevel.objects.get(sku=shop.a, warehouse=second).on_hand == 1
    assert sorted(ClaimInspection.objects.filter(claim=claim).values_list("outcome", "quantity")) == [
        ("defect", 1), ("restock", 1)]


def test_inspection_refuses_more_than_came_back_and_restocks_nothing(shop, company, admin_user):
    order, claim = _inspecting(shop, company, admin_user)
    outcome = services.claim_inspect(company=company, claim=claim, warehouse=shop.warehouse, user=admin_user,
                                     counts={shop.a.pk: {InspectionOutcome.RESTOCK: 2, InspectionOutcome.DISPOSE: 1}})
    assert not outcome.ok and "회수 수량 2개" in outcome.message
    claim.refresh_from_db()
    assert claim.status == S.INSPECTING
    assert shop.level(shop.a) == (8, 0)
    assert not ClaimInspection.objects.filter(claim=claim).exists()


def test_inspection_of_only_defects_and_disposal_adds_no_stock(shop, company, admin_user):
    order, claim = _inspecting(shop, company, admin_user)
    outcome = services.claim_inspect(company=company, claim=claim, warehouse=None, user=admin_user,
                                     counts={shop.a.pk: {InspectionOutcome.DEFECT: 1, InspectionOutcome.DISPOSE: 1}})
    assert outcome.ok, outcome.message
    assert shop.level(shop.a) == (8, 0)
    assert not StockMovement.objects.filter(company=company, kind=MovementKind.RETURN).exists()


def test_order_cancelled_whole_by_claim_is_cancelled_through_the_order_flow(shop, company, admin_user):
    order = shop.order(status=OrderStatus.CONFIRMED)
    claim = make_claim(order, type=ClaimType.CANCEL)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.CANCELLED
    assert order.events.filter(kind="status").exists()


def test_marketplace_completed_cancel_follows_without_telling_it_back(shop, company, admin_user):
    order = shop.order(status=OrderStatus.READY)
    claim = make_claim(order, type=ClaimType.CANCEL)
    outcome = services.claim_follow_channel(company=company, claim=claim, progress="completed")
    assert outcome.ok, outcome.message
    claim.refresh_from_db()
    assert claim.status == S.COMPLETED
    assert shop.level(shop.a) == (10, 0)
    assert not OutboxMessage.objects.filter(company=company, kind="claim_decision").exists()
    _marketplace_cancels(shop, order)
    assert services.claim_follow_channel(company=company, claim=claim, progress="completed").message == "바뀐 것이 없습니다."
    assert shop.level(shop.a) == (10, 0)


def test_marketplace_completed_return_still_waits_for_inspection(shop, company, admin_user):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = make_claim(order, type=ClaimType.RETURN)
    assert services.claim_follow_channel(company=company, claim=claim, progress="completed").ok
    claim.refresh_from_db()
    assert claim.status == S.INSPECTING
    assert shop.level(shop.a) == (9, 0)
    assert services.claim_follow_channel(company=company, claim=claim, progress="approved").message == "바뀐 것이 없습니다."
