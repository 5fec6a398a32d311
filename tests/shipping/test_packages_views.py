"""묶음배송/합포장 screen: build packages, see them masked, merge, split, lock, visit pickup; bad input,
permissions (viewer reads only) and company isolation for every URL with an id."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.orders.models import OrderStatus
from marketdock.shipping import selectors
from marketdock.shipping.models import PackageLock, PackageStatus
from tests.factories.orders import make_order
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
S = OrderStatus


def test_build_and_list_masked(admin_client, company, account, stock):
    a, b = make_order(account), make_order(account)
    make_order(account, recipient_name="김영희", recipient_address1="부산광역시 해운대구 우동 1408")
    page = admin_client.get(reverse("shipping:packages")).content.decode()
    assert "포장되지 않은 주문확정 주문 3건" in page
    response = admin_client.post(reverse("shipping:package_build"))
    assert response.status_code == 302
    page = admin_client.get(reverse("shipping:packages")).content.decode()
    assert page.count('data-testid="package-row"') == 2
    assert "홍*동" in page and "010-2222-****" in page
    assert "홍길동" not in page and "010-2222-3333" not in page and "테헤란로" not in page  # masked list
    assert "서울특별시 강남구" in page
    multi = admin_client.get(reverse("shipping:packages") + "?multi=1").content.decode()
    assert multi.count('data-testid="package-row"') == 1
    package = selectors.package_for_order(company, a)
    assert selectors.package_for_order(company, b) == package
    detail = admin_client.get(reverse("shipping:package_detail", args=[package.pk])).content.decode()
    assert a.channel_order_id in detail and b.channel_order_id in detail


def test_split_merge_and_lock_through_the_screen(admin_client, company, account, stock):
    a, b = make_order(account), make_order(account)
    admin_client.post(reverse("shipping:package_build"))
    package = selectors.package_for_order(company, a)
    response = admin_client.post(reverse("shipping:package_split", args=[package.pk]), {"order": [b.pk]})
    new = selectors.package_for_order(company, b)
    assert new != package and response.url == reverse("shipping:package_detail", args=[new.pk])
    # bad input: nothing chosen, all orders, garbage ids
    for data, error in (({}, "나눌 주문을 선택하세요"), ({"order": [a.pk]}, "모든 주문을 나눌 수는 없습니다"),
                        ({"order": ["x"]}, "나눌 주문을 선택하세요")):
        response = admin_client.post(reverse("shipping:package_split", args=[package.pk]), data, follow=True)
        assert response.status_code == 200 and error in response.content.decode()
    assert selectors.package_for_order(company, a) == package
    admin_client.post(reverse("shipping:package_merge"), {"package": [package.pk, new.pk]})
    assert selectors.package_for_order(company, b) == package
    response = admin_client.post(reverse("shipping:package_merge"), {"package": [package.pk]}, follow=True)
    assert "두 개 이상" in response.content.decode()
    admin_client.post(reverse("shipping:order_lock", args=[b.pk]), {"locked": "1"})
    assert PackageLock.objects.filter(order=b).exists()
    assert selectors.package_for_order(company, b) != package
    admin_client.post(reverse("shipping:order_lock", args=[b.pk]), {"locked": "0"})
    assert not PackageLock.objects.filter(order=b).exists()
    assert selectors.package_for_order(company, b) == package


def test_visit_pickup_through_the_screen(admin_client, company, account, stock):
    a = make_order(account)
    admin_client.post(reverse("shipping:package_build"))
    package = selectors.package_for_order(company, a)
    response = admin_client.post(reverse("shipping:package_handover", args=[package.pk]),
                                 {"method": "visit", "handover_date": "2025-13-40"}, follow=True)
    assert "날짜(YYYY-MM-DD)가 아닙니다" in response.content.decode()
    response = admin_client.post(reverse("shipping:package_handover", args=[package.pk]),
                                 {"method": "teleport", "handover_date": "2025-03-04"}, follow=True)
    assert "방문수령 또는 직접배송" in response.content.decode()
    admin_client.post(reverse("shipping:package_handover", args=[package.pk]),
                      {"method": "visit", "handover_date": "2025-03-04"})
    package.refresh_from_db()
    a.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED and package.handover_date.isoformat() == "2025-03-04"
    assert a.status == S.SHIPPED


def test_viewer_reads_but_cannot_change(viewer_client, company, account, stock):
    a = make_order(account)
    assert viewer_client.get(reverse("shipping:packages")).status_code == 200
    assert viewer_client.post(reverse("shipping:package_build")).status_code == 403
    assert selectors.package_for_order(company, a) is None
    from marketdock.shipping.services_packages import packages_build

    packages_build(company=company)
    package = selectors.package_for_order(company, a)
    assert viewer_client.get(reverse("shipping:package_detail", args=[package.pk])).status_code == 200
    for url, data in ((reverse("shipping:package_split", args=[package.pk]), {"order": [a.pk]}),
                      (reverse("shipping:package_handover", args=[package.pk]), {"method": "visit",
                                                                                 "handover_date": "2025-03-04"}),
                      (reverse("shipping:order_lock", args=[a.pk]), {"locked": "1"}),
                      (reverse("shipping:package_merge"), {"package": [package.pk]})):
        assert viewer_client.post(url, data).status_code == 403
    package.refresh_from_db()
    assert package.status == PackageStatus.OPEN and not PackageLock.objects.exists()


def test_other_company_cannot_reach_packages(other_client, company, account, stock):
    a = make_order(account, recipient_name="비밀수령자")
    from marketdock.shipping.services_packages import packages_build

    packages_build(company=company)
    package = selectors.package_for_order(company, a)
    assert_isolated(other_client, [
        reverse("shipping:package_detail", args=[package.pk]),
        reverse("shipping:package_split", args=[package.pk]),
        reverse("shipping:package_handover", args=[package.pk]),
        reverse("shipping:order_lock", args=[a.pk]),
    ], secrets=(a.channel_order_id, "비*자"))
    other_client.post(reverse("shipping:package_merge"), {"package": [package.pk, package.pk]})
    other_client.post(reverse("shipping:package_build"))
    assert selectors.package_for_order(company, a) == package
    package.refresh_from_db()
    assert package.status == PackageStatus.OPEN
    assert a.channel_order_id not in other_client.get(reverse("shipping:packages")).content.decode()


def test_home_tiles_count_the_work(admin_user, admin_client, company, account, contract):
    from marketdock.core.dashboard import tiles_for
    from marketdock.orders.services import order_transition
    from marketdock.shipping.services_packages import packages_build, packages_print

    def counts():
        return {t.key: t.count for t in tiles_for(company, admin_user) if t.key.startswith("shipping_")
                and t.key != "shipping_bands_low"}

    a = make_order(account)
    make_order(account, recipient_name="김영희")
    assert counts() == {"shipping_unpacked": 2, "shipping_to_print": 0, "shipping_to_scan": 0}
    packages_build(company=company)
    assert counts() == {"shipping_unpacked": 0, "shipping_to_print": 2, "shipping_to_scan": 0}
    packages_print(company=company, packages=[selectors.package_for_order(company, a)], move_to_ready=True,
                   user=admin_user)
    order_transition(company=company, orders=[a], to=S.CANCELLED, user=admin_user, reason="고객 취소")
    assert counts() == {"shipping_unpacked": 0, "shipping_to_print": 1, "shipping_to_scan": 1, "shipping_stopped": 1}
    assert "운송장 출력 대기" in admin_client.get("/").content.decode()
