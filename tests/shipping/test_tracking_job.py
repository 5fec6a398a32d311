"""Delivery tracking (SHP-9): the poll moves shipped packages and their orders to 배송중 and 배송완료,
stores each event once, never downgrades a delivered package, and one carrier's error does not stop
the batch. The provider here is a scripted stand-in for the tracking-provider interface."""

from __future__ import annotations

import pytest

from marketdock.orders.models import Order, OrderStatus
from marketdock.shipping import selectors
from marketdock.shipping.models import PackageStatus, TrackingEvent
from marketdock.shipping.services_packages import packages_build
from marketdock.shipping.services_tracking import packages_poll
from marketdock.shipping.tasks import companies_to_poll, tracking_poll_due
from tests.factories.orders import make_order
from tests.factories.shipping import (
    DELIVERED,
    LATE_SCAN,
    MOVING,
    PICKED,
    Event,
    ScriptedProvider,
    at,
    shipped_package,
)

pytestmark = pytest.mark.django_db
S = OrderStatus


def test_shipped_to_in_transit_to_delivered_and_never_back(company, account, contract, admin_user):
    package, order = shipped_package(company, account, admin_user)
    provider = ScriptedProvider({package.tracking_number: [PICKED]})
    result = packages_poll(company=company, provider=provider)
    assert provider.calls == [("cj", package.tracking_number)]
    assert (result.polled, result.new_events, result.in_transit) == (1, 1, 1)
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.status == PackageStatus.IN_TRANSIT and order.status == S.IN_TRANSIT
    assert package.last_event_text == "집화처리 · 성수집배점"

    provider.events_by_number[package.tracking_number] = [PICKED, MOVING, DELIVERED]
    result = packages_poll(company=company, provider=provider)
    assert (result.new_events, result.delivered) == (2, 1)
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.status == PackageStatus.DELIVERED and order.status == S.DELIVERED
    assert package.delivered_at == DELIVERED.at

    # a transit scan logged after delivery: recorded, but delivered stays delivered
    provider.events_by_number[package.tracking_number] = [PICKED, MOVING, DELIVERED, LATE_SCAN]
    from marketdock.shipping.services_tracking import package_events_record

    assert package_events_record(company=company, package=package,
                                 events=provider.events_by_number[package.tracking_number]) == PackageStatus.DELIVERED
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.status == PackageStatus.DELIVERED and order.status == S.DELIVERED
    assert package.last_event_status == "delivered"  # delivered outranks the later scan
    assert TrackingEvent.objects.filter(package=package).count() == 4
    # delivered packages are no longer polled
    provider.calls.clear()
    packages_poll(company=company, provider=provider)
    assert provider.calls == []


def test_straight_to_delivered_and_events_stored_once(company, account, contract, admin_user):
    package, order = shipped_package(company, account, admin_user)
    provider = ScriptedProvider({package.tracking_number: [DELIVERED]})
    packages_poll(company=company, provider=provider)
    packages_poll(company=company, provider=provider)
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert TrackingEvent.objects.filter(package=package).count() == 1


def test_nothing_yet_keeps_shipped_and_notes_the_poll(company, account, contract, admin_user):
    package, order = shipped_package(company, account, admin_user)
    packages_poll(company=company, provider=ScriptedProvider())
    package.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED and package.last_polled_at is not None


def test_one_carrier_error_does_not_stop_the_batch(company, account, contract, admin_user):
    first, _o1 = shipped_package(company, account, admin_user)
    second, o2 = shipped_package(company, account, admin_user)
    assert first != second  # shipped packages are closed: a later order gets its own package
    provider = ScriptedProvider({second.tracking_number: [PICKED]}, fail={first.tracking_number})
    result = packages_poll(company=company, provider=provider)
    assert len(result.errors) == 1 and first.tracking_number in result.errors[0]
    o2.refresh_from_db()
    assert o2.status == S.IN_TRANSIT


def test_unknown_statuses_are_ignored(company, account, contract, admin_user):
    package, _order = shipped_package(company, account, admin_user)
    packages_poll(company=company, provider=ScriptedProvider({package.tracking_number: [Event("teleported", at(2))]}))
    assert TrackingEvent.objects.filter(package=package).count() == 0


def test_periodic_task_polls_every_company_with_shipped_packages(company, other_company, account, contract, admin_user,
                                                                 monkeypatch):
    package, order = shipped_package(company, account, admin_user)
    assert companies_to_poll() == [company]
    provider = ScriptedProvider({package.tracking_number: [PICKED, DELIVERED]})
    monkeypatch.setattr("marketdock.shipping.services_tracking.default_provider", lambda: provider)
    tracking_poll_due.call_local()
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert companies_to_poll() == []


def test_visit_pickups_are_not_polled(company, account, stock, admin_user):
    from datetime import date

    from marketdock.shipping.services_packages import package_handover

    order = make_order(account)
    packages_build(company=company)
    package_handover(company=company, package=selectors.package_for_order(company, order), method="visit",
                     handover_date=date.today(), user=admin_user)
    provider = ScriptedProvider()
    packages_poll(company=company, provider=provider)
    assert provider.calls == [] and companies_to_poll() == []
