"""주문확인/처리 on the screens sellers use (1366×768 and 1440×900): every column is seen without
sideways scrolling (not the page, not the table's own box), and the 쇼핑몰 filter is a compact
dropdown of checkboxes. Screenshots go to var/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.orders.models import MatchStatus, Order, OrderLine, OrderStatus
from tests.factories.core import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SCROLL = """() => {
  const page = document.scrollingElement;
  const box = document.querySelector('[data-testid=order-table-scroll]');
  return {page: [page.scrollWidth, page.clientWidth], box: [box.scrollWidth, box.clientWidth]};
}"""


def _orders(company):
    accounts = [ChannelAccount.objects.create(company=company, kind=kind, name=name) for kind, name in (
        (ChannelKind.NAVER, "스마트스토어 본점 (유기농 식품 전문관)"), (ChannelKind.COUPANG, "쿠팡 로켓그로스 판매자센터"),
        (ChannelKind.MANUAL, "자사몰"))]
    now = timezone.now()
    long_name = "국내산 유기농 현미 10kg 2025년 햅쌀 당일도정 무농약 인증 + 사은품 잡곡 500g 증정 특가 한정수량"
    for i in range(30):
        account = accounts[i % 3]
        no = f"20261206{i:08d}01" if i % 3 != 1 else f"3100{i:09d}"
        order = Order.objects.create(
            company=company, account=account, channel_order_id=no, bundle_id=f"PK{no}",
            status=(OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.HOLD, OrderStatus.READY)[i % 4],
            ordered_at=now - timedelta(hours=i), collected_at=now - timedelta(hours=i, minutes=-5),
            buyer_name="남궁민수" if i % 2 else "김민준", buyer_phone="010-1234-5678",
            recipient_name="황보세영" if i % 2 else "이서연", recipient_phone="010-9876-5432",
            recipient_address1="서울특별시 강남구 테헤란로 1", recipient_postal_code="06236",
            total_amount=1_234_500 + i, is_matched=bool(i % 2), line_count=1 + i % 3, address_changed=i % 5 == 0,
            item_summary=long_name if i % 2 else "머그컵 350ml 화이트", search_text=f"{no} 현미",
            expected_ship_date=(now + timedelta(days=2)).date() if i % 7 == 0 else None,
        )
        OrderLine.objects.create(company=company, order=order, account=account, channel_line_id=f"{no}-1",
                                 product_name=long_name, option_text="10kg", quantity=1, unit_price=1_234_500,
                                 total_amount=1_234_500, match_status=MatchStatus.MATCHED if i % 2 else
                                 MatchStatus.UNMATCHED)
    return accounts


@pytest.mark.parametrize("width,height", [(1366, 768), (1440, 900)])
def test_order_list_fits_without_sideways_scroll(browser, live_server, login, screenshot, company, admin_user,
                                                 width, height):
    accounts = _orders(company)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR",
                                  timezone_id="Asia/Seoul", base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        login(page, admin_user.username, PASSWORD)
        page.goto("/orders/")
        page.wait_for_selector("[data-testid=order-row]")
        sizes = page.evaluate(NO_SCROLL)
        assert sizes["page"][0] <= sizes["page"][1], sizes
        assert sizes["box"][0] <= sizes["box"][1], sizes
        # every column's content is inside the visible box: recipient, matching, collection time
        box = page.locator("[data-testid=order-table-scroll]").bounding_box()
        for testid in ("order-recipient", "order-matched", "order-collected", "order-account"):
            cell = page.locator(f"[data-testid={testid}]").first
            assert cell.is_visible()
            b = cell.bounding_box()
            assert b["x"] >= box["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5, testid
        screenshot(page, f"order-list-{width}x{height}", full_page=False)

        # 쇼핑몰: a one-line dropdown of checkboxes, not a multi-select box
        assert page.locator("select[name=account]").count() == 0
        toggle = page.locator("[data-testid=filter-account-toggle]")
        assert toggle.inner_text().strip() == "전체 쇼핑몰"
        toggle.click()
        page.check(f"#f-account-{accounts[0].pk}")
        page.check(f"#f-account-{accounts[1].pk}")
        screenshot(page, f"order-list-shop-filter-{width}x{height}", full_page=False)
        toggle.click()  # closes the dropdown; the choices stay ticked
        assert page.locator(f"#f-account-{accounts[1].pk}").is_checked()
        page.click("[data-testid=search-submit]")
        page.wait_for_load_state()
        rows = page.locator("[data-testid=order-row] [data-testid=order-account]").all_inner_texts()
        assert rows and set(rows) == {accounts[0].name, accounts[1].name}
        label = toggle.inner_text().strip()
        assert label.endswith(" 외 1곳") and label[: -len(" 외 1곳")] in (accounts[0].name, accounts[1].name)
        sizes = page.evaluate(NO_SCROLL)
        assert sizes["page"][0] <= sizes["page"][1] and sizes["box"][0] <= sizes["box"][1], sizes
    finally:
        context.close()
