"""문자 보내기 from the order list: tick two orders → the bulk button (registered by the claims app)
opens the compose form with both buyers masked → the text with a variable is sent → one result per
order, and 돌아가기 leads back to the list. Screenshot: var/screenshots/order-bulk-sms.png."""

from __future__ import annotations

import pytest

from marketdock.claims.models import SmsMessage
from marketdock.core.sms import MemorySmsBackend
from tests.factories.channels import make_account
from tests.factories.core import PASSWORD
from tests.factories.cs import make_sender
from tests.factories.orders import make_raw_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sms_to_the_selected_orders_from_the_order_list(page, login, screenshot, company, admin_user):
    make_sender(company)
    account = make_account(company, "스마트스토어")
    first = make_raw_order(account, no="SMS-1", buyer="홍길동", buyer_phone="010-4321-8765")
    second = make_raw_order(account, no="SMS-2", buyer="김영희", buyer_phone="010-2222-3333")
    make_raw_order(account, no="SMS-3", buyer="박철수", buyer_phone="010-5555-6666")  # not selected

    login(page, admin_user.username, PASSWORD)
    page.goto("/orders/?status=new")
    for order in (first, second):
        page.locator(f"[data-testid=order-row][data-order-no='{order.channel_order_id}'] input[name=order]").check()
    page.click("[data-testid=bulk-sms]")
    page.wait_for_selector("[data-testid=sms-form]")
    recipients = page.locator("[data-testid=sms-recipients]").inner_text()
    assert "SMS-1" in recipients and "SMS-2" in recipients and "SMS-3" not in recipients
    assert "010-4321-****" in recipients and "8765" not in recipients
    page.fill("[data-testid=sms-text]", "{구매자}님, 주문 {주문번호} 발송 안내드립니다.")
    screenshot(page, "order-bulk-sms", full_page=False)
    page.click("[data-testid=sms-send]")
    page.wait_for_selector("[data-testid=sms-results]")
    assert page.locator("[data-testid=sms-results] tr[data-result=sent]").count() == 2
    assert sorted(SmsMessage.objects.filter(company=company).values_list("to_masked", flat=True)) == [
        "010-2222-****", "010-4321-****"]
    assert sorted(m["text"] for m in MemorySmsBackend.outbox) == [
        "김영희님, 주문 SMS-2 발송 안내드립니다.", "홍길동님, 주문 SMS-1 발송 안내드립니다."]
    page.click("text=돌아가기")
    page.wait_for_selector("[data-testid=order-table]")
    assert "status=new" in page.url  # the list as it was filtered
