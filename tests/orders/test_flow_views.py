"""Order processing screens: bulk actions with per-row results, the detail's status buttons,
partial shipment, 발송지연, recipient edit, the 전송 실패 filter and retry, tiles, permissions and
company isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketdock.core.dashboard import tiles_for
from marketdock.core.models import PersonalDataDownloadLog
from marketdock.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from marketdock.orders.services import order_transition
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping.carrier_data import carriers_ensure
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture(autouse=True)
def _carriers(db):
    carriers_ensure()


@pytest.fixture
def account(company):
    return make_account_with_credentials(company, name="네이버 본점", kind="naver")


def new_order(account, no="1", lines=1) -> Order:
    ingest(account, [co(no, f"{no}-{i}", marketplace="naver") for i in range(1, lines + 1)])
    return Order.objects.get(company=account.company, account=account, channel_order_id=no)


def rows(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    return re.findall(r'data-testid="bulk-row" data-ok="(\d)">.*?<td class="small">([^<]*)</td>\s*</tr>', html, re.S)


def test_bulk_confirm_gives_a_result_per_order(admin_client, company, other_company, account, admin_user):
    a, b = new_order(account, "1"), new_order(account, "2")
    order_transition(company=company, orders=[b], to=S.CANCELLED, user=admin_user)
    theirs = new_order(make_account_with_credentials(other_company, name="남의 몰"), "X9")
    response = admin_client.post(reverse("orders:bulk"), {"action": "confirm", "order": [a.pk, b.pk, theirs.pk],
                                                          "back": "status=new"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "성공 1건, 실패 2건" in html
    assert html.count('data-ok="1"') == 1 and html.count('data-ok="0"') == 2
    assert "취소 상태의 주문은 주문확정(으)로 바꿀 수 없습니다." in html and "주문을 찾을 수 없습니다." in html
    assert "X9" not in html and 'href="/orders/?status=new"' in html
    assert Order.objects.get(pk=a.pk).status == S.CONFIRMED
    assert Order.objects.get(pk=theirs.pk).status == S.NEW
    assert OutboxMessage.objects.filter(company=company, kind="confirm").count() == 1


def test_bulk_hold_needs_a_reason_and_unhold_goes_back(admin_client, account):
    order = new_order(account)
    response = admin_client.post(reverse("orders:bulk"), {"action": "hold", "order": [order.pk]})
    assert "보류 사유를 입력하세요." in response.content.decode()
    admin_client.post(reverse("orders:bulk"), {"action": "hold", "order": [order.pk], "reason": "주소 확인"})
    assert Order.objects.get(pk=order.pk).status == S.HOLD
    admin_client.post(reverse("orders:bulk"), {"action": "unhold", "order": [order.pk]})
    assert Order.objects.get(pk=order.pk).status == S.NEW


def test_bulk_bad_input(admin_client, account):
    order = new_order(account)
    assert admin_client.post(reverse("orders:bulk"), {"action": "explode", "order": [order.pk]}).status_code == 302
    assert admin_client.post(reverse("orders:bulk"), {"action": "confirm"}).status_code == 302
    response = admin_client.post(reverse("orders:bulk"), {"action": "confirm", "order": ["abc"]})
    assert response.status_code == 200 and "주문을 찾을 수 없습니다." in response.content.decode()
    assert admin_client.get(reverse("orders:bulk")).status_code == 405


def test_detail_buttons_move_the_order_and_refusals_are_clear(admin_client, account):
    order = new_order(account)
    detail = reverse("orders:detail", args=[order.pk])
    html = admin_client.get(detail).content.decode()
    assert 'data-testid="to-confirmed"' in html and 'data-testid="to-shipped"' not in html
    response = admin_client.post(reverse("orders:status", args=[order.pk]), {"to": "delivered"}, follow=True)
    assert "신규 상태의 주문은 배송완료(으)로 바꿀 수 없습니다." in response.content.decode()
    admin_client.post(reverse("orders:status", args=[order.pk]), {"to": "confirmed", "reason": "확인 완료"})
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    event = OrderEvent.objects.get(order=order, kind="status")
    assert "확인 완료" in event.message and event.user.username == "acme_admin"


def test_partial_shipment_from_the_detail(admin_client, company, account, admin_user):
    order = new_order(account, lines=2)
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    order_transition(company=company, orders=[order], to=S.READY, user=admin_user)
    first, second = OrderLine.objects.filter(order=order).order_by("id")
    url = reverse("orders:ship", args=[order.pk])
    bad = admin_client.post(url, {"line": [first.pk], "method": "parcel", "carrier": "cj", "number": "12"}, follow=True)
    assert "자리" in bad.content.decode() and OrderLine.objects.get(pk=first.pk).status == S.READY
    admin_client.post(url, {"line": [first.pk], "method": "parcel", "carrier": "cj", "number": "1234-5678-9012"})
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == S.SHIPPED and first.tracking_number == "123456789012" and order.status == S.READY
    admin_client.post(url, {"line": [second.pk], "method": "visit"})
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert OutboxMessage.objects.filter(kind="dispatch").count() == 2


def test_delay_screen(admin_client, account):
    order = new_order(account)
    url = reverse("orders:delay")
    page = admin_client.get(url, {"order": [order.pk]})
    assert page.status_code == 200 and "1" in page.content.decode()
    bad = admin_client.post(url, {"order": [order.pk], "expected_date": "2024-13-40", "reason_code": "ETC",
                                  "message": "x"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    when = (timezone.localdate() + timedelta(days=3)).isoformat()
    done = admin_client.post(url, {"order": [order.pk], "expected_date": when, "reason_code": "PRODUCT_PREPARE",
                                   "message": "입고 지연"})
    assert "성공 1건, 실패 0건" in done.content.decode()
    assert OutboxMessage.objects.get(kind="delay").payload["items"][0]["expected_date"] == when
    listed = admin_client.get(reverse("orders:list"), {"delayed": "1"}).content.decode()
    assert 'data-order-no="1"' in listed


def test_recipient_edit_screen(admin_client, account):
    order = new_order(account)
    url = reverse("orders:edit", args=[order.pk])
    assert admin_client.get(url).status_code == 200
    fields = {"recipient_name": "최유리", "recipient_phone": "010-5555-6666", "recipient_address1": "대전 유성구 1",
              "recipient_address2": "", "recipient_postal_code": "34000", "buyer_name": "김민준",
              "buyer_phone": "010-1234-5678", "buyer_email": "", "delivery_message": "문 앞"}
    bad = admin_client.post(url, {**fields, "recipient_phone": "abc"})
    assert bad.status_code == 400 and "전화번호" in bad.content.decode()
    assert admin_client.post(url, fields).status_code == 302
    order.refresh_from_db()
    assert order.recipient_name == "최유리" and order.delivery_message == "문 앞"
    assert OrderEvent.objects.filter(order=order, kind="edit").count() == 1


def test_failed_filter_badge_and_retry(admin_client, company, account, admin_user):
    failed, fine = new_order(account, "1"), new_order(account, "2")
    order_transition(company=company, orders=[failed, fine], to=S.CONFIRMED, user=admin_user)
    OutboxMessage.objects.filter(reference=f"order:{failed.pk}").update(
        status=OutboxMessage.Status.FAILED, last_error="이미 발주확인된 주문입니다.")
    listed = admin_client.get(reverse("orders:list"), {"effect": "failed"}).content.decode()
    assert re.findall(r'data-order-no="([^"]+)"', listed) == ["1"] and 'data-testid="effect-failed"' in listed
    detail = admin_client.get(reverse("orders:detail", args=[failed.pk])).content.decode()
    assert "이미 발주확인된 주문입니다." in detail and 'data-testid="retry-button"' in detail
    admin_client.post(reverse("orders:retry", args=[failed.pk]))
    assert OutboxMessage.objects.get(reference=f"order:{failed.pk}").status == OutboxMessage.Status.PENDING
    listed = admin_client.get(reverse("orders:list"), {"effect": "failed"}).content.decode()
    assert re.findall(r'data-order-no="([^"]+)"', listed) == []


def test_tiles(company, account, admin_user):
    _a, b, c = new_order(account, "1"), new_order(account, "2"), new_order(account, "3")
    order_transition(company=company, orders=[b], to=S.CONFIRMED, user=admin_user)
    order_transition(company=company, orders=[c], to=S.HOLD, user=admin_user, reason="문의")
    OutboxMessage.objects.update(status=OutboxMessage.Status.DEAD)
    listed = tiles_for(company, admin_user)
    tiles = {t.key: t for t in listed}
    assert tiles["orders_to_confirm"].count == 1
    assert tiles["orders_held"].count == 1 and tiles["orders_effect_failed"].count == 1
    assert tiles["orders_delayed"].count == 0
    assert tiles["orders_effect_failed"].url.endswith("?effect=failed")
    # one tile per waiting step: shipping's package counts stand in for orders' status counts
    labels = [str(t.label) for t in listed]
    assert labels.count("운송장 출력 대기") == 1 and labels.count("출고검수 대기") == 1
    assert "orders_to_print" not in tiles and "orders_to_scan" not in tiles
    assert tiles["shipping_to_print"].step == "to_print" and tiles["shipping_to_scan"].step == "to_scan"


def test_a_waiting_step_without_a_higher_app_keeps_the_orders_tile(company, account, admin_user, monkeypatch):
    from marketdock.core import dashboard

    monkeypatch.setattr(dashboard, "_providers", [p for p in dashboard._providers if "shipping" not in p.__module__])
    b = new_order(account, "2")
    order_transition(company=company, orders=[b], to=S.CONFIRMED, user=admin_user)
    tiles = {t.key: t for t in tiles_for(company, admin_user)}
    assert tiles["orders_to_print"].count == 1 and tiles["orders_to_scan"].count == 0


def test_shipped_export_logs_personal_data(admin_client, company, account, admin_user):
    order = new_order(account)
    order_transition(company=company, orders=[order], to=S.CONFIRMED, user=admin_user)
    order_transition(company=company, orders=[order], to=S.READY, user=admin_user)
    order_transition(company=company, orders=[order], to=S.SHIPPED, user=admin_user, tracking=("cj", "123456789012"))
    response = admin_client.get(reverse("orders:shipped_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[1][1] == "1" and values[1][6] == "김민준" and values[1][12] == "123456789012"
    assert PersonalDataDownloadLog.objects.filter(company=company, record_count=1).exists()
    sheet = admin_client.get(reverse("orders:status_sheet"))
    assert sheet.status_code == 200


def test_viewer_cannot_post(viewer_client, account):
    order = new_order(account)
    assert viewer_client.get(reverse("orders:detail", args=[order.pk])).status_code == 200
    assert 'data-testid="status-form"' not in viewer_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    for url, data in ((reverse("orders:bulk"), {"action": "confirm", "order": [order.pk]}),
                      (reverse("orders:status", args=[order.pk]), {"to": "confirmed"}),
                      (reverse("orders:ship", args=[order.pk]), {"line": [1], "method": "visit"}),
                      (reverse("orders:retry", args=[order.pk]), {}),
                      (reverse("orders:edit", args=[order.pk]), {"recipient_name": "x"}),
                      (reverse("orders:delay"), {"order": [order.pk]}),
                      (reverse("orders:status_upload"), {})):
        assert viewer_client.post(url, data).status_code == 403, url
    assert Order.objects.get(pk=order.pk).status == S.NEW


def test_other_company_cannot_reach_orders(other_client, company, account):
    order = new_order(account)
    urls = [reverse(name, args=[order.pk]) for name in ("orders:status", "orders:ship", "orders:retry", "orders:edit")]
    assert_isolated(other_client, urls, secrets=("김민준", order.channel_order_id + "-1"))
    page = other_client.get(reverse("orders:delay"), {"order": [order.pk]}).content.decode()
    assert "김민준" not in page and 'name="order"' not in page and "선택한 주문이 없습니다" in page
    assert Order.objects.get(pk=order.pk).status == S.NEW
