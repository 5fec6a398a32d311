"""Combined packaging (SHP-3): tolerant address keys, automatic grouping by recipient + account +
warehouse, the no-merge lock, split and merge by hand, handover without a number (SHP-5)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdock.orders.models import OrderLine, OrderStatus
from marketdock.orders.services import order_transition
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping import selectors
from marketdock.shipping.addresses import address_key
from marketdock.shipping.models import IssuedTrackingNumber, Package, PackageMethod, PackageStatus
from marketdock.shipping.services import ShippingError
from marketdock.shipping.services_packages import (
    order_no_merge_set,
    package_handover,
    package_split,
    packages_build,
    packages_merge,
    packages_print,
)
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import make_order

pytestmark = pytest.mark.django_db
S = OrderStatus
def package_of(company, order) -> Package:
    return selectors.package_for_order(company, order)


# --- address keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("서울시 강남구 테헤란로 1 , 101호", "서울특별시 강남구 테헤란로1 101호"),
    ("서울 강남구 테헤란로 1, 101 호", "서울특별시  강남구 테헤란로 1 101호"),
    ("부산광역시 해운대구 우동 1408번지", "부산시 해운대구 우동 1408"),
    ("경기도 성남시 분당구 정자동 123-4번지 (정자동, 느티마을)", "경기 성남시 분당구 정자동 123 - 4"),
    ("제주특별자치도 제주시 첨단로 242", "제주도 제주시 첨단로242"),
    ("서울특별시 송파구 올림픽로 300 101동 1203호", "서울 송파구 올림픽로300 101동1203호"),
    ("ＳＥＯＵＬ 강남구 테헤란로 1", "seoul 강남구 테헤란로1"),
])
def test_addresses_written_differently_have_one_key(a, b):
    assert address_key(a) == address_key(b)


@pytest.mark.parametrize("a, b", [
    ("서울 강남구 테헤란로 1, 101호", "서울 강남구 테헤란로 11, 01호"),  # the numbers stay apart
    ("서울 강남구 테헤란로 1 101호", "서울 강남구 테헤란로 1 102호"),
    ("서울 강남구 테헤란로 1", "부산 강남구 테헤란로 1"),
    ("광주광역시 북구 첨단로 1", "경기도 광주시 첨단로 1"),
])
def test_different_addresses_keep_different_keys(a, b):
    assert address_key(a) != address_key(b)


@given(st.lists(st.sampled_from(["서울특별시", "강남구", "테헤란로", "1", "101호", "번지", ",", "(역삼동)"]),
                min_size=1, max_size=8),
       st.lists(st.sampled_from([" ", "  ", " , ", ",", "\t"]), min_size=8, max_size=8))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # 2 shared cores: generation can be slow
def test_spacing_and_punctuation_never_change_the_key(tokens, seps):
    spaced = "".join(t + s for t, s in zip(tokens, seps, strict=False))
    assert address_key(spaced) == address_key(" ".join(tokens))


# --- automatic grouping ---------------------------------------------------------------------------


def test_orders_to_one_recipient_share_one_package(company, account, stock):
    a = make_order(account, recipient_address1="서울시 강남구 테헤란로 1 ,", recipient_address2="101호")
    b = make_order(account, skus=(("SKU-B", 2),), recipient_address1="서울특별시 강남구 테헤란로1",
                   recipient_address2="101호", recipient_phone="01022223333")
    other_unit = make_order(account, recipient_address2="102호")
    other_person = make_order(account, recipient_name="홍길순")
    other_phone = make_order(account, recipient_phone="010-2222-4444")
    new = make_order(account, status=S.NEW)
    result = packages_build(company=company)
    assert result.created == 4
    assert package_of(company, a) == package_of(company, b)
    assert len({package_of(company, o).pk for o in (a, other_unit, other_person, other_phone)}) == 4
    assert package_of(company, new) is None  # 신규 orders are not packed
    # a later order to the same recipient joins the open package; building again changes nothing
    c = make_order(account, recipient_address1="서울 강남구 테헤란로 1", recipient_address2="101 호")
    result = packages_build(company=company)
    assert (result.created, result.joined) == (0, 1)
    assert package_of(company, c) == package_of(company, a)
    assert packages_build(company=company).created == 0
    assert selectors.package_orders(company, package_of(company, a)).count() == 3


def test_another_account_is_another_package(company, account, stock):
    naver = make_account_with_credentials(company, name="스마트스토어", kind="naver")
    a = make_order(account)
    b = make_order(naver)
    packages_build(company=company)
    assert package_of(company, a) != package_of(company, b)


def test_cancelled_order_leaves_its_open_package(company, account, stock, admin_user):
    a, b = make_order(account), make_order(account)
    packages_build(company=company)
    package = package_of(company, a)
    assert package_of(company, b) == package
    order_transition(company=company, orders=[b], to=S.CANCELLED, user=admin_user)
    result = packages_build(company=company)
    assert result.removed == 1
    assert package_of(company, b) is None
    assert list(selectors.package_orders(company, package)) == [a]


def test_no_merge_lock_keeps_an_order_alone(company, account, stock, admin_user):
    a, b = make_order(account), make_order(account)
    packages_build(company=company)
    shared = package_of(company, a)
    order_no_merge_set(company=company, order=b, locked=True, user=admin_user, reason="선물 포장")
    assert package_of(company, b) != shared and package_of(company, a) == shared
    c = make_order(account)
    packages_build(company=company)
    assert package_of(company, c) == shared  # new orders still join the shared one, never b's
    with pytest.raises(ShippingError, match="합포장 제외"):
        packages_merge(company=company, packages=[shared, package_of(company, b)])
    # unlocking lets the grouping combine it again
    order_no_merge_set(company=company, order=b, locked=False, user=admin_user)
    assert package_of(company, b) == shared


def test_split_and_merge_by_hand(company, account, stock, admin_user):
    a, b, c = make_order(account), make_order(account), make_order(account)
    packages_build(company=company)
    package = package_of(company, a)
    new = package_split(company=company, package=package, orders=[b, c], user=admin_user)
    assert package_of(company, b) == new == package_of(company, c) and package_of(company, a) == package
    packages_build(company=company)
    assert package_of(company, b) == new  # a split stays split
    with pytest.raises(ShippingError, match="모든 주문"):
        package_split(company=company, package=package, orders=[a])
    with pytest.raises(ShippingError, match="없습니다"):
        package_split(company=company, package=package, orders=[b])
    # a hand merge also takes an address the grouping did not recognise
    d = make_order(account, recipient_address1="서울 강남구 역삼동 678-9")
    packages_build(company=company)
    merged = packages_merge(company=company, packages=[package, new, package_of(company, d)], user=admin_user)
    assert merged == package
    assert {package_of(company, o) for o in (a, b, c, d)} == {package}
    new.refresh_from_db()
    assert new.status == PackageStatus.VOIDED
    with pytest.raises(ShippingError, match="두 개 이상"):
        packages_merge(company=company, packages=[package])


def test_printed_packages_cannot_be_split_or_merged(company, account, contract, admin_user):
    a, b = make_order(account), make_order(account)
    c = make_order(account, recipient_name="다른사람")
    packages_build(company=company)
    package = package_of(company, a)
    packages_print(company=company, packages=[package], user=admin_user)
    with pytest.raises(ShippingError, match="나눌 수 없습니다"):
        package_split(company=company, package=package, orders=[b])
    with pytest.raises(ShippingError, match="출고대기"):
        packages_merge(company=company, packages=[package_of(company, c), package])


def test_other_companies_packages_are_refused(company, other_company, account, stock):
    a = make_order(account)
    packages_build(company=company)
    with pytest.raises(ShippingError):
        package_split(company=other_company, package=package_of(company, a), orders=[a])
    assert selectors.package_for_order(other_company, a) is None


# --- visit pickup / direct delivery --------------------------------------------------------------------


def test_visit_pickup_ships_without_a_number(company, account, stock, admin_user):
    a = make_order(account, status=S.CONFIRMED)
    packages_build(company=company)
    package = package_handover(company=company, package=package_of(company, a), method=PackageMethod.VISIT,
                               handover_date=date(2025, 3, 4), user=admin_user)
    a.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED and package.tracking_number == ""
    assert package.handover_date == date(2025, 3, 4)
    assert a.status == S.SHIPPED
    line = OrderLine.objects.get(order=a)
    assert line.shipping_method == "visit" and line.tracking_number == ""
    message = OutboxMessage.objects.get(company=company, kind="dispatch")
    assert message.payload["items"][0]["method"] == "visit"
    assert not message.payload["items"][0].get("tracking_number")


def test_direct_delivery_voids_a_printed_number(company, account, contract, admin_user):
    a = make_order(account)
    packages_build(company=company)
    package = package_of(company, a)
    packages_print(company=company, packages=[package], user=admin_user)
    package.refresh_from_db()
    number = package.tracking
    package_handover(company=company, package=package, method=PackageMethod.DIRECT, handover_date=date.today(),
                     user=admin_user)
    number.refresh_from_db()
    assert number.status == IssuedTrackingNumber.Status.VOIDED
    with pytest.raises(ShippingError, match="이미 출고"):
        package_handover(company=company, package=package, method=PackageMethod.VISIT, handover_date=date.today())


def test_handover_refuses_held_orders(company, account, stock, admin_user):
    a = make_order(account)
    packages_build(company=company)
    package = package_of(company, a)
    order_transition(company=company, orders=[a], to=S.HOLD, user=admin_user, reason="고객 문의")
    with pytest.raises(ShippingError, match="보류"):
        package_handover(company=company, package=package, method=PackageMethod.VISIT, handover_date=date.today())
