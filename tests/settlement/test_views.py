"""정산관리 screens: Korean, what the seller sees, read-only for the viewer, nothing of another company."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from marketdock.settlement import services
from marketdock.settlement.models import (
    CommissionRule,
    ExpectedSettlement,
    PayoutSchedule,
    ScheduleKind,
    StoreSale,
)
from tests.factories.catalog import on_hand
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db

SCREENS = ["settlement:commissions", "settlement:expected", "settlement:sales", "settlement:store_sales",
           "settlement:store_sale_new"]
RAW_CODES = ("after_confirm", "payout_days", "marketplace", "waiting", "scheduled", "gift_card", "transfer",
             "completed", "voided")


@pytest.fixture
def shop(kit, company, admin_user):
    today = timezone.localdate()
    account = kit.account("쿠팡 본점", "coupang", rule={"sale": "10.8", "shipping": "3"},
                          schedule={"kind": ScheduleKind.WEEKLY, "days": 15})
    order = kit.order(account, ordered=today, lines=[(2, 15000, 0)], shipping_fee=3000)
    store = kit.store()
    sku = kit.stocked_sku("TEE-9", store, 10, barcode="8801234567890")
    sale = services.store_sale_create(company=company, user=admin_user, warehouse=store, sold_on=today,
                                      payment_method="card", items=[services.SaleItem(sku.pk, 1, 15000)])
    services.settlement_refresh(company)
    return {"account": account, "order": order, "store": store, "sku": sku, "sale": sale,
            "rule": CommissionRule.objects.get(account=account),
            "expected": ExpectedSettlement.objects.get(order=order)}


def _object_urls(shop):
    return [reverse("settlement:commission_edit", args=[shop["rule"].pk]),
            reverse("settlement:commission_delete", args=[shop["rule"].pk]),
            reverse("settlement:schedule_edit", args=[shop["account"].pk]),
            reverse("settlement:expected_detail", args=[shop["expected"].pk]),
            reverse("settlement:store_sale_detail", args=[shop["sale"].pk]),
            reverse("settlement:store_sale_void", args=[shop["sale"].pk])]


def test_every_screen_answers_in_korean_without_raw_codes(admin_client, shop):
    for name in SCREENS:
        body = admin_client.get(reverse(name)).content.decode()
        for code in RAW_CODES:
            assert f">{code}<" not in body, (name, code)
    body = admin_client.get(reverse("settlement:expected")).content.decode()
    assert "정산예정" in body and "수수료 규칙" in body and "29,670" in body  # 30,000 + 3,000 − 3,240 − 90
    detail = admin_client.get(reverse("settlement:expected_detail", args=[shop["expected"].pk])).content.decode()
    assert "수수료 규칙" in detail and "정산예정금액" in detail
    rules = admin_client.get(reverse("settlement:commissions")).content.decode()
    assert "주정산" in rules and "10.8" in rules
    store = admin_client.get(reverse("settlement:store_sale_detail", args=[shop["sale"].pk])).content.decode()
    assert "카드" in store and "판매 완료" in store


def test_sales_screen_chart_and_xlsx(admin_client, shop):
    response = admin_client.get(reverse("settlement:sales"), {"group": "channel"})
    body = response.content.decode()
    assert 'data-md-chart="chart-sales"' in body and "매장: 강남 매장" in body and "쿠팡 본점" in body
    assert response.context["totals"]["revenue"] == 30000 + 15000
    by_product = admin_client.get(reverse("settlement:sales"), {"group": "product", "unit": "month"})
    assert "TEE-9" in by_product.content.decode()
    xlsx = admin_client.get(reverse("settlement:sales_xlsx"), {"group": "product"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("기간", "쇼핑몰/매장", "상품")
    assert sum(r[5] for r in rows[1:]) == 45000


def test_rule_form_adds_a_category_rule_and_refuses_bad_input(admin_client, shop):
    url = reverse("settlement:commissions")
    bad = admin_client.post(url, {"account": shop["account"].pk, "sale_rate": "150", "payment_rate": "0",
                                  "shipping_rate": "0", "fixed_fee_per_line": 0, "fixed_fee_per_order": 0,
                                  "currency": "KRW"})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    ok = admin_client.post(url, {"account": shop["account"].pk, "sale_rate": "7.5", "payment_rate": "0",
                                 "shipping_rate": "0", "fixed_fee_per_line": 0, "fixed_fee_per_order": 0,
                                 "currency": "KRW", "valid_from": "2026-01-01", "refund_reverses_commission": "on"})
    assert ok.status_code == 302
    assert CommissionRule.objects.filter(account=shop["account"], valid_from=date(2026, 1, 1)).exists()


def test_store_sale_entry_by_barcode_scan_then_save(admin_client, shop):
    url = reverse("settlement:store_sale_new")
    scanned = admin_client.post(url, {"scan": "8801234567890", "action": "scan"})
    assert scanned.status_code == 200 and 'data-sku="TEE-9"' in scanned.content.decode()
    before = on_hand(shop["sku"], shop["store"])
    saved = admin_client.post(url, {"item_sku": [shop["sku"].pk], "item_qty": ["2"], "item_price": ["14000"],
                                    "item_discount": ["0"], "warehouse": shop["store"].pk,
                                    "sold_on": timezone.localdate().isoformat(), "payment_method": "cash",
                                    "sale_discount": "1000", "action": "save"})
    assert saved.status_code == 302
    sale = StoreSale.objects.exclude(pk=shop["sale"].pk).get()
    assert sale.total_amount == 27000 and on_hand(shop["sku"], shop["store"]) == before - 2
    unknown = admin_client.post(url, {"scan": "없는바코드", "action": "scan"})
    assert "해당하는 SKU가 없습니다" in unknown.content.decode()


def test_viewer_sees_every_screen_and_changes_nothing(viewer_client, shop):
    for name in SCREENS[:-1]:
        assert viewer_client.get(reverse(name)).status_code == 200
    assert "rule-save" not in viewer_client.get(reverse("settlement:commissions")).content.decode()
    sale, rule, account = shop["sale"], shop["rule"], shop["account"]
    posts = [(reverse("settlement:commissions"), {"account": account.pk, "sale_rate": "1"}),
             (reverse("settlement:commission_edit", args=[rule.pk]), {"account": account.pk, "sale_rate": "1"}),
             (reverse("settlement:commission_delete", args=[rule.pk]), {}),
             (reverse("settlement:schedule_edit", args=[account.pk]), {"kind": "monthly", "days": 3}),
             (reverse("settlement:commission_seed"), {}), (reverse("settlement:refresh"), {}),
             (reverse("settlement:store_sale_new"), {"scan": "8801234567890", "action": "scan"}),
             (reverse("settlement:store_sale_void", args=[sale.pk]), {})]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    rule.refresh_from_db()
    sale.refresh_from_db()
    assert rule.sale_rate == Decimal("10.8") and sale.status == StoreSale.Status.COMPLETED
    assert PayoutSchedule.objects.get(account=account).kind == ScheduleKind.WEEKLY


def test_another_company_sees_nothing(other_client, shop):
    assert_isolated(other_client, _object_urls(shop), secrets=(shop["sale"].number, shop["order"].channel_order_id))
    for name in SCREENS[:-1]:
        body = other_client.get(reverse(name)).content.decode()
        assert shop["sale"].number not in body and "쿠팡 본점" not in body


def test_void_from_the_screen_returns_the_stock(admin_client, shop):
    before = on_hand(shop["sku"], shop["store"])
    response = admin_client.post(reverse("settlement:store_sale_void", args=[shop["sale"].pk]))
    assert response.status_code == 302 and on_hand(shop["sku"], shop["store"]) == before + 1


def test_english_catalogue_covers_the_settlement_screens():
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("정산예정·매출 집계 갱신") == "Refresh expected settlement and sales figures"
        assert translation.gettext("쇼핑몰 제공") == "Reported by the marketplace"
        assert str(ScheduleKind.WEEKLY.label) == "Weekly settlement"
