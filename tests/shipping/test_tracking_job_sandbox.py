"""End to end against the sandbox marketplace over HTTP: a collected Coupang order is packed, printed
with a band number, scan-checked to 출고완료 (the dispatch reaches the sandbox with that number), and
the tracking job then follows the sandbox's events to 배송완료."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.inventory.models import Warehouse
from marketdock.orders.models import Order, OrderStatus
from marketdock.orders.services import collection_execute, effects
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from marketdock.shipping import selectors
from marketdock.shipping.models import PackageStatus
from marketdock.shipping.services import band_create
from marketdock.shipping.services_packages import packages_build, packages_print
from marketdock.shipping.services_scan import scan_complete, scan_open
from marketdock.shipping.services_tracking import packages_poll
from marketdock.shipping.tracking_provider import SandboxTrackingProvider
from tests.factories.shipping import make_contract

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(monkeypatch):
    state = SandboxState(seed=5, order_rate=0, initial_orders=20)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setattr(effects, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(3.0)))
    yield state, base
    server.shutdown()
    server.server_close()


def test_collected_order_ships_and_is_tracked_to_delivery(company, admin_user, sandbox):
    state, base = sandbox
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == "coupang-demo")
    account = ChannelAccount(company=company, kind=info["protocol"], name="쿠팡", base_url=base)
    account.set_credentials(info["credentials"])
    account.save()
    collection_execute(account_id=account.pk)
    shop = state.shops["coupang-demo"]
    # Coupang takes invoices in INSTRUCT (not one the buyer asked to cancel: that one must not ship)
    ready = next(o for o in shop.orders if o.status == "INSTRUCT" and not o.claim_type)
    order = Order.objects.get(company=company, account=account, channel_order_id=ready.order_no)

    # a sender warehouse that is not the stock warehouse (this company keeps no stock)
    warehouse = Warehouse.objects.create(company=company, code="SEND", name="출고지", sender_name="마켓독",
                                         phone="02-555-0101", address="서울 성동구 성수이로 100")
    contract = make_contract(company, "cj", warehouse=warehouse, is_default=True)
    band_create(company=company, contract=contract, start="630200000000", end="630200000099")

    assert order.status == OrderStatus.CONFIRMED  # acknowledged at Coupang (INSTRUCT): 주문확정 on collection
    packages_build(company=company, orders=[order], user=admin_user)
    package = selectors.package_for_order(company, order)
    packages_print(company=company, packages=[package], move_to_ready=True, user=admin_user)
    package.refresh_from_db()
    opened = scan_open(company=company, number=package.tracking_number)
    assert opened.kind == "opened" and opened.state.unmatched  # not matched to SKUs: checked by eye
    done = scan_complete(company=company, package=package, user=admin_user, confirm_unmatched=True)
    assert done.kind == "shipped", done.message

    # the marketplace received the dispatch with the package's number
    calls = [r for r in httpx.get(f"{base}/_sandbox/shops/coupang-demo/received").json()["received"]
             if r["operation"] == "dispatch"]
    assert len(calls) == 1 and {i["invoiceNumber"] for i in calls[0]["items"]} == {package.tracking_number}
    assert package.tracking_number in state.shipments

    now = datetime.now(UTC)
    result = packages_poll(company=company, provider=SandboxTrackingProvider(base, now=lambda: now))
    assert result.polled == 1
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.status == PackageStatus.IN_TRANSIT and order.status == OrderStatus.IN_TRANSIT

    later = SandboxTrackingProvider(base, now=lambda: now + timedelta(days=1))
    result = packages_poll(company=company, provider=later)
    package.refresh_from_db()
    order.refresh_from_db()
    assert result.delivered == 1 and package.status == PackageStatus.DELIVERED and order.status == OrderStatus.DELIVERED
    assert package.events.count() == 4
