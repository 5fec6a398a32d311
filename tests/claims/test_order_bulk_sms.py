"""문자 보내기 from the order list's selection (CS-4): the claims app registers the bulk action through
`orders.hooks`; the action's screen texts each selected order's buyer through the SMS service with
the template variables filled, logs masked numbers and shows a result per order. Another company's
order id in the selection is dropped; a viewer neither sees the button nor sends."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from marketdock.claims.models import SmsMessage
from marketdock.core.sms import MemorySmsBackend
from marketdock.orders.hooks import bulk_actions
from tests.factories.channels import make_account
from tests.factories.cs import make_sender
from tests.factories.orders import make_raw_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(company):
    account = make_account(company, "스마트스토어")
    return (make_raw_order(account, no="BULK-1", buyer="홍길동", buyer_phone="010-4321-8765"),
            make_raw_order(account, no="BULK-2", buyer="김영희", buyer_phone="010-2222-3333"))


def _button_url(page: str) -> str:
    found = re.search(r'data-md-bulk-get="([^"]+)" data-testid="bulk-sms"', page)
    assert found, "the order list shows the 문자 보내기 bulk button"
    return found.group(1)


def test_the_order_list_offers_the_sms_action_registered_by_claims(admin_client, orders):
    page = admin_client.get(reverse("orders:list")).content.decode()
    assert _button_url(page) == reverse("claims:sms_send_orders") and "문자 보내기" in page


def test_sending_to_two_selected_orders_logs_two_masked_messages(admin_client, company, orders):
    sender = make_sender(company)
    first, second = orders
    url = _button_url(admin_client.get(reverse("orders:list")).content.decode())
    query = urlencode([("order", first.pk), ("order", second.pk), ("back", "status=new")], doseq=True)
    form = admin_client.get(f"{url}?{query}").content.decode()
    assert "받는 사람 2명" in form and "010-4321-****" in form and "4321-8765" not in form
    assert f'href="{reverse("orders:list")}?status=new"' in form  # 돌아가기 leads back to the filtered list
    page = admin_client.post(f"{url}?{query}", {"sender": sender.pk, "text": "{구매자}님, 주문 {주문번호} 안내드립니다",
                                                "order": [first.pk, second.pk]}).content.decode()
    assert page.count('data-result="sent"') == 2 and "4321-8765" not in page and "2222-3333" not in page
    logged = SmsMessage.objects.filter(company=company).order_by("order_id")
    assert [(m.order_id, m.to_masked, m.status) for m in logged] == [
        (first.pk, "010-4321-****", "sent"), (second.pk, "010-2222-****", "sent")]
    assert [m["text"] for m in MemorySmsBackend.outbox[-2:]] == ["홍길동님, 주문 BULK-1 안내드립니다",
                                                                 "김영희님, 주문 BULK-2 안내드립니다"]


def test_another_companys_order_in_the_selection_is_dropped(admin_client, company, orders, other_company):
    sender = make_sender(company)
    first, _second = orders
    foreign = make_raw_order(make_account(other_company, "남의 스토어"), no="FOREIGN-1", buyer="남의구매자",
                             buyer_phone="010-9999-8888")
    url = reverse("claims:sms_send_orders") + f"?order={first.pk}&order={foreign.pk}"
    form = admin_client.get(url).content.decode()
    assert "받는 사람 1명" in form and "FOREIGN-1" not in form and "9999" not in form
    page = admin_client.post(url, {"sender": sender.pk, "text": "안내드립니다", "order": [first.pk, foreign.pk]})
    assert "FOREIGN-1" not in page.content.decode()
    assert list(SmsMessage.objects.values_list("order_id", flat=True)) == [first.pk]
    assert all("9999" not in m["to"] for m in MemorySmsBackend.outbox)


def test_a_viewer_sees_no_sms_action_and_cannot_send(viewer_client, viewer_user, company, orders, rf):
    sender = make_sender(company)
    first, second = orders
    page = viewer_client.get(reverse("orders:list")).content.decode()
    assert 'data-testid="bulk-sms"' not in page
    request = rf.get(reverse("orders:list"))
    request.user = viewer_user
    assert [a.key for a in bulk_actions(request=request)] == []
    url = reverse("claims:sms_send_orders") + f"?order={first.pk}&order={second.pk}"
    answer = viewer_client.post(url, {"sender": sender.pk, "text": "x", "order": [first.pk, second.pk]})
    assert answer.status_code == 403
    assert not SmsMessage.objects.exists() and not MemorySmsBackend.outbox
