"""출고검수 screen: htmx reads return the panel with counts and a loud warning flag; completion, reset,
permissions and isolation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.orders.models import OrderStatus
from marketdock.orders.services import order_transition
from marketdock.shipping.models import PackageStatus
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def read(client, code, package=None):
    data = {"code": code}
    if package is not None:
        data["package"] = package.pk
    return client.post(reverse("shipping:scan"), data, **HX)


def test_scan_station_flow(admin_client, printed):
    package, orders = printed
    page = admin_client.get(reverse("shipping:scan")).content.decode()
    assert 'data-testid="scan-input"' in page and "shipping/scan.js" in page and "autofocus" in page
    body = read(admin_client, package.tracking_number).content.decode()
    assert 'data-scan-kind="opened"' in body and 'data-alarm="0"' in body and "0 / 3" in body
    assert "<html" not in body  # an htmx partial
    body = read(admin_client, "880SKU-C", package).content.decode()
    assert 'data-scan-kind="wrong"' in body and 'data-alarm="1"' in body and "오상품" in body
    read(admin_client, "880SKU-A", package)
    read(admin_client, "880SKU-B", package)
    body = read(admin_client, "880SKU-B", package).content.decode()
    assert 'data-scan-kind="extra"' in body and "2 / 3" in body
    body = admin_client.post(reverse("shipping:scan_complete", args=[package.pk]), **HX).content.decode()
    assert 'data-scan-kind="missing"' in body and "누락" in body
    body = read(admin_client, "880SKU-A", package).content.decode()
    assert 'data-scan-kind="shipped"' in body and 'data-alarm="0"' in body
    package.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED


def test_cancelled_after_print_is_loud(admin_client, admin_user, company, printed):
    package, (a, b) = printed
    order_transition(company=company, orders=[a], to=OrderStatus.CANCELLED, user=admin_user, reason="고객 취소")
    body = read(admin_client, package.tracking_number).content.decode()
    assert 'data-scan-kind="stopped"' in body and 'data-alarm="1"' in body and a.channel_order_id in body


def test_bad_input(admin_client, printed):
    package, _orders = printed
    assert 'data-scan-kind="wrong"' in read(admin_client, "   ").content.decode()
    assert 'data-scan-kind="not_found"' in read(admin_client, "NOPE-123").content.decode()
    assert read(admin_client, "880SKU-A", package=type("P", (), {"pk": 999999})()).status_code == 404
    response = admin_client.post(reverse("shipping:scan"), {"code": "880SKU-A", "package": "abc"}, **HX)
    assert 'data-scan-kind="not_found"' in response.content.decode()
    assert admin_client.get(reverse("shipping:scan") + "?number=" + package.tracking_number).status_code == 200


def test_reset_starts_over(admin_client, printed):
    package, _orders = printed
    read(admin_client, "880SKU-A", package)
    body = admin_client.post(reverse("shipping:scan_reset", args=[package.pk]), **HX).content.decode()
    assert "0 / 3" in body


def test_viewer_cannot_scan(viewer_client, printed):
    package, _orders = printed
    assert viewer_client.get(reverse("shipping:scan")).status_code == 200
    assert read(viewer_client, package.tracking_number).status_code == 403
    assert viewer_client.post(reverse("shipping:scan_complete", args=[package.pk])).status_code == 403
    assert viewer_client.post(reverse("shipping:scan_reset", args=[package.pk])).status_code == 403


def test_other_company_cannot_scan(other_client, printed):
    package, (a, _b) = printed
    assert_isolated(other_client, [reverse("shipping:scan_complete", args=[package.pk]),
                                   reverse("shipping:scan_reset", args=[package.pk])],
                    secrets=(package.tracking_number, a.channel_order_id))
    assert read(other_client, "880SKU-A", package).status_code == 404
    body = read(other_client, package.tracking_number).content.decode()
    assert 'data-scan-kind="not_found"' in body and a.channel_order_id not in body
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED
