"""Stock shortage before the label, not at the last scan: a package whose stock cannot be deducted is
named with its SKU and shortfall when packages are built and on the packing and label screens, and
printing it asks for a decision (print anyway / leave out)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.inventory import services as inv
from marketdock.orders.models import OrderStatus, StockState
from marketdock.orders.services import order_transition
from marketdock.shipping import selectors
from marketdock.shipping.models import PackageStatus
from marketdock.shipping.services import ShippingError
from marketdock.shipping.services_packages import packages_build, packages_print, packages_shortages

pytestmark = pytest.mark.django_db


def test_build_names_the_packages_that_cannot_be_deducted(company, shop):
    result = packages_build(company=company)
    pkg = {k: selectors.package_for_order(company, shop[k]) for k in ("held", "short_a", "short_b")}
    assert set(result.shortages) == {pkg["short_a"].pk, pkg["short_b"].pk}
    (a,) = result.shortages[pkg["short_a"].pk]
    assert (a.sku_code, a.needed, a.available, a.shortfall) == ("SKU-A", 1, 0, 1)
    (b,) = result.shortages[pkg["short_b"].pk]
    assert (b.sku_code, b.needed, b.shortfall) == ("SKU-B", 2, 2) and "2개 부족" in b.text


def test_two_packages_never_count_the_same_last_unit(company, order_kit, shop, admin_user):
    c = order_kit.sku("SKU-C", stock=0)
    first, second = order_kit.ingest(shop["account"], [
        order_kit.line("C-0001", seller_option_code="SKU-C", recipient_name="최넷", recipient_phone="010-1111-0001"),
        order_kit.line("C-0002", seller_option_code="SKU-C", recipient_name="정다섯", recipient_phone="010-1111-0002")])
    assert first.lines.get().stock_state == StockState.SHORT
    order_transition(company=company, orders=[first, second], to=OrderStatus.CONFIRMED, user=admin_user)
    inv.stock_adjust(company=company, sku_id=c.pk, warehouse_id=None, quantity=1, reason="입고")
    packages_build(company=company)
    p1, p2 = selectors.package_for_order(company, first), selectors.package_for_order(company, second)
    short = packages_shortages(company, [p1, p2])
    assert p1.pk not in short and [s.shortfall for s in short[p2.pk]] == [1]
    assert p2.pk not in packages_shortages(company, [p2])  # alone, the unit is there


def test_printing_asks_for_a_decision(company, shop, admin_user):
    packages_build(company=company)
    held, short = (selectors.package_for_order(company, shop[k]) for k in ("held", "short_b"))
    plan = packages_print(company=company, packages=[held, short], user=admin_user, move_to_ready=True)
    rows = {r.ref: r for r in plan.rows}
    assert rows[held.code].ok and not rows[short.code].ok
    assert "SKU-B" in rows[short.code].message and "그래도 출력" in rows[short.code].message
    short.refresh_from_db()
    assert short.status == PackageStatus.OPEN and not short.tracking_number  # no number spent on it

    plan = packages_print(company=company, packages=[short], user=admin_user, shortage="skip")
    assert [r.ok for r in plan.rows] == [False] and "제외" in plan.rows[0].message

    plan = packages_print(company=company, packages=[short], user=admin_user, shortage="print", move_to_ready=True)
    short.refresh_from_db()
    assert short.status == PackageStatus.PRINTED and short.tracking_number
    assert "출고준비로 바꾸지 못한" in plan.rows[0].message  # the flow still refuses to deduct what is not there
    with pytest.raises(ShippingError):
        packages_print(company=company, packages=[short], user=admin_user, shortage="maybe")


def test_packing_and_label_screens_list_the_shortage(admin_client, company, shop):
    packages_build(company=company)
    short = selectors.package_for_order(company, shop["short_b"])
    for url in (reverse("shipping:labels"), reverse("shipping:packages")):
        html = admin_client.get(url).content.decode()
        assert 'data-testid="shortage-warning"' in html and f'data-package="{short.pk}"' in html
        assert "SKU-B" in html and 'data-testid="shortage-shortfall">2<' in html
    labels = admin_client.get(reverse("shipping:labels")).content.decode()
    assert 'data-testid="label-shortage"' in labels  # the decision is asked on the print form
    r = admin_client.post(reverse("shipping:label_print"), {"package": [short.pk], "layout": "single"}, follow=True)
    assert "그래도 출력" in r.content.decode()
    short.refresh_from_db()
    assert short.status == PackageStatus.OPEN


def test_build_warns_on_the_packing_screen(admin_client, shop):
    r = admin_client.post(reverse("shipping:package_build"), follow=True)
    html = r.content.decode()
    assert "재고가 부족해 출고할 수 없는 포장 2개" in html and "SKU-B" in html
