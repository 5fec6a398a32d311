"""Exchanges: the replacement SKU is reserved on an order of its own that goes through packages,
labels and the scan check; shipping it tells the marketplace RESHIP (carrier code + number), not a
송장전송 of an order it does not know."""

from __future__ import annotations

import pytest

from marketdock.claims import services
from marketdock.claims.models import ClaimStatus, ClaimType, InspectionOutcome
from marketdock.orders.models import OrderStatus, StockState
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping import selectors as shipping_selectors
from marketdock.shipping import services as shipping_services
from marketdock.shipping.services_packages import packages_print
from marketdock.shipping.services_scan import scan_item
from tests.factories.claims import ClaimShop, make_claim
from tests.factories.shipping import make_contract

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def shop(company, admin_user):
    return ClaimShop(company, admin_user)


def _to_inspection(shop, company, user):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = make_claim(order, type=ClaimType.EXCHANGE, exchange_option_text="화이트 / L")
    assert services.claims_approve(company=company, claims=[claim], user=user)[0].ok
    assert services.claims_receive(company=company, claims=[claim], user=user)[0].ok
    claim.refresh_from_db()
    return order, claim


def test_the_marketplace_hears_the_receipt_at_arrival_not_at_approval(shop, company, admin_user):
    """Coupang (as Naver) picks the item up itself: 승인 sends nothing; 회수 도착 sends its receipt step
    (RECEIVE: Coupang 교환 입고확인, Naver 교환 수거 완료) — once."""
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED), type=ClaimType.EXCHANGE)
    assert services.claims_approve(company=company, claims=[claim], user=admin_user)[0].ok
    assert not OutboxMessage.objects.filter(company=company, kind="claim_decision").exists()
    assert services.claims_receive(company=company, claims=[claim], user=admin_user)[0].ok
    (message,) = OutboxMessage.objects.filter(company=company, kind="claim_decision", reference=f"claim:{claim.pk}")
    assert message.payload["item"]["action"] == "receive" and message.payload["item"]["kind"] == "exchange"
    claim.refresh_from_db()
    assert claim.push_state == "pending"


def test_exchange_defaults_to_the_same_sku_and_can_be_changed(shop, company, admin_user):
    order, claim = _to_inspection(shop, company, admin_user)
    assert services.exchange_sku(company, claim) == shop.a
    services.exchange_sku_set(company=company, claim=claim, sku=shop.b, user=admin_user)
    claim.refresh_from_db()
    assert services.exchange_sku(company, claim) == shop.b


def test_exchange_reserves_the_new_sku_and_creates_a_package(shop, company, admin_user):
    order, claim = _to_inspection(shop, company, admin_user)
    services.exchange_sku_set(company=company, claim=claim, sku=shop.b, user=admin_user)
    claim.refresh_from_db()
    outcome = services.claim_inspect(company=company, claim=claim, warehouse=shop.warehouse, user=admin_user,
                                     counts={shop.a.pk: {InspectionOutcome.RESTOCK: 1}})
    assert outcome.ok, outcome.message
    claim.refresh_from_db()
    assert claim.status == S.RESHIPPING
    reship = claim.reship_order
    assert reship.account_id == order.account_id and reship.status == OrderStatus.CONFIRMED
    assert reship.recipient_address1 == order.recipient_address1
    assert reship.stock_state == StockState.RESERVED
    assert shop.level(shop.b) == (10, 1)  # the replacement is held
    assert shop.level(shop.a) == (10, 0)  # the returned one is back on hand
    assert shipping_selectors.package_for_order(company, reship) is not None
    with pytest.raises(services.ClaimError):
        services.exchange_sku_set(company=company, claim=claim, sku=shop.a, user=admin_user)


def test_replacement_ships_through_label_and_scan_and_sends_reship(shop, company, admin_user):
    order, claim = _to_inspection(shop, company, admin_user)
    assert services.claim_inspect(company=company, claim=claim, warehouse=shop.warehouse, user=admin_user,
                                  counts={shop.a.pk: {InspectionOutcome.DEFECT: 1}}).ok
    claim.refresh_from_db()
    contract = make_contract(company, "cj", warehouse=shop.warehouse, is_default=True)
    shipping_services.band_create(company=company, contract=contract, start="632976600000", end="632976600999")
    package = shipping_selectors.package_for_order(company, claim.reship_order)
    plan = packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    assert plan.packages, plan.rows
    # the first one shipped (9), the replacement deducted at 출고준비 (8); the defect was not restocked
    assert shop.level(shop.a) == (8, 0)
    assert scan_item(company=company, package=package, barcode="880SKU-A", user=admin_user).kind == "shipped"
    claim.refresh_from_db()
    package.refresh_from_db()
    assert claim.status == S.COMPLETED
    assert claim.reship_tracking_number == package.tracking_number and claim.reship_carrier_key == "cj"
    reship = OutboxMessage.objects.get(company=company, kind="claim_decision", payload__item__action="reship")
    item = reship.payload["item"]
    assert item["tracking_number"] == package.tracking_number
    assert item["marketplace_carrier_code"]  # the carrier's Coupang code from the carrier master
    assert item["order_line_id"] == order.lines.get().channel_line_id
    assert not OutboxMessage.objects.filter(company=company, kind="dispatch",
                                            reference=f"order:{claim.reship_order_id}").exists()
