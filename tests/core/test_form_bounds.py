"""Bounded numbers and dates in forms (issue 10.3): a huge quantity, price or date gives a field
message and changes nothing, never a 500 and never a success message for something not done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.catalog.models import SKU, Product
from marketdock.channels.models import ChannelKind
from marketdock.channels.services import channel_account_create
from marketdock.inventory import services as inventory
from marketdock.inventory.models import InboundOrder, StockMovement, Warehouse
from marketdock.orders import services
from marketdock.orders.models import CollectionRun, Order, QuarantinedRecord

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def manual_account(company):
    return channel_account_create(company=company, kind=ChannelKind.MANUAL, name="전화주문", credentials={})


def _manual(client, account, **line):
    return client.post(reverse("orders:manual_order"), {
        "m-account": account.pk, "m-ordered_at": "2025-03-01 10:00", "m-recipient_name": "홍길동",
        "m-recipient_phone": "010-1234-5678", "m-address1": "서울시 종로구 1", "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0", "line-MIN_NUM_FORMS": "1", "line-MAX_NUM_FORMS": "20",
        "line-0-product_name": "전화주문 상품", "line-0-quantity": "1", "line-0-unit_price": "5000",
        **{f"line-0-{k}": v for k, v in line.items()}})


@pytest.mark.parametrize("line", [{"quantity": HUGE}, {"unit_price": HUGE}, {"quantity": "-1"}])
def test_manual_order_with_a_huge_number_is_a_field_message(admin_client, company, manual_account, line):
    response = _manual(admin_client, manual_account, **line)
    assert response.status_code == 400
    field = next(iter(line))
    assert response.context["line_formset"].forms[0].errors[field], "the field says what is wrong"
    assert "을(를) 등록했습니다" not in response.content.decode()
    assert not Order.objects.filter(company=company).exists()


def test_manual_order_with_a_date_out_of_range_is_a_field_message(admin_client, company, manual_account):
    response = admin_client.post(reverse("orders:manual_order"), {
        "m-account": manual_account.pk, "m-ordered_at": "0001-01-01 00:00", "m-recipient_name": "홍길동",
        "m-recipient_phone": "010-1234-5678", "m-address1": "서울", "line-TOTAL_FORMS": "1", "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "1", "line-MAX_NUM_FORMS": "20", "line-0-product_name": "A", "line-0-quantity": "1"})
    assert response.status_code == 400 and "1970-01-01부터" in response.content.decode()


def test_a_quarantined_manual_order_is_reported_not_announced_as_registered(admin_client, company, manual_account,
                                                                           monkeypatch):
    def quarantining(*, company, user, account, order, lines):
        run = CollectionRun.objects.create(company=company, account=account, trigger=CollectionRun.Trigger.UPLOAD)
        QuarantinedRecord.objects.create(company=company, account=account, run=run, field="quantity",
                                         message="수량이 허용 범위를 넘습니다")
        return {"seen": 0, "created": 0, "updated": 0, "unchanged": 0, "quarantined": 1, "order_id": "M1"}, run.pk

    monkeypatch.setattr(services, "manual_order_create", quarantining)
    response = _manual(admin_client, manual_account)
    body = response.content.decode()
    assert response.status_code == 400
    assert "등록하지 못했습니다" in body and "수량이 허용 범위를 넘습니다" in body and "을(를) 등록했습니다" not in body


@pytest.fixture
def sku(company):
    product = Product.objects.create(company=company, code="BND-1", name="상품", price=1000)
    return SKU.objects.create(company=company, product=product, code="BND-1")


@pytest.fixture
def warehouse(company):
    return Warehouse.objects.filter(company=company).first() or inventory.warehouse_save(
        company=company, code="WH", name="창고")


def test_stock_adjustment_with_a_huge_quantity_is_a_field_message(admin_client, company, sku, warehouse):
    response = admin_client.post(reverse("inventory:sku_stock", args=[sku.pk]), {
        "action": "adjust", "adj-warehouse": warehouse.pk, "adj-quantity": HUGE, "adj-reason": "테스트"})
    assert response.status_code == 200 and response.context["adjust_form"].errors["quantity"]
    assert not StockMovement.objects.filter(company=company).exists()


def test_inbound_lines_with_a_huge_quantity_are_named(admin_client, company, sku, warehouse):
    response = admin_client.post(reverse("inventory:inbound_create"), {
        "warehouse": warehouse.pk, "lines": f"BND-1 {HUGE}", "expected_date": "9999-12-31"})
    body = response.content.decode()
    assert "1번째 줄" in body and "1,000,000 이하" in body and "1970-01-01부터" in body
    assert not InboundOrder.objects.filter(company=company).exists()


def test_count_quantity_too_big_is_a_line_message(admin_client, company, sku, warehouse):
    sheet = inventory.count_sheet_create(company=company, warehouse=warehouse)
    line = sheet.lines.get()
    response = admin_client.post(reverse("inventory:count_detail", args=[sheet.pk]),
                                 {"action": "save", f"count_{line.pk}": HUGE})
    assert response.status_code == 200 and "0 이상의 정수" in response.content.decode()
    line.refresh_from_db()
    assert line.counted_quantity is None
