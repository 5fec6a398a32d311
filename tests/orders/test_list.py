"""주문확인/처리 (ORD-2): filters, keyset paging, constant queries, masking, detail and isolation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketdock.channels.models import ChannelKind
from marketdock.orders.models import CollectionRun, OrderEvent, OrderStatus
from marketdock.orders.selectors import OrderFilters, buyer_history, order_page
from tests.factories.channels import make_account
from tests.factories.orders import make_raw_order
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
KST = timezone.get_default_timezone()
def _nos(response) -> list[str]:
    return re.findall(r'data-order-no="([^"]+)"', response.content.decode())


@pytest.fixture
def naver(company):
    return make_account(company)


@pytest.fixture
def coupang(company):
    return make_account(company, "쿠팡", ChannelKind.COUPANG)


def test_list_shows_all_channels_with_masked_personal_data(admin_client, naver, coupang):
    make_raw_order(naver, no="N-1")
    make_raw_order(coupang, no="C-1", buyer="남궁민수", buyer_phone="01055556666")
    r = admin_client.get(reverse("orders:list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert set(_nos(r)) == {"N-1", "C-1"}
    assert "홍*동" in body and "010-1234-****" in body and "남**수" in body
    assert "홍길동" not in body and "010-1234-5678" not in body and "5678" not in body.split("order-table")[1]
    assert "총 2건" in body


def test_filter_channel(admin_client, naver, coupang):
    make_raw_order(naver, no="N-1")
    make_raw_order(coupang, no="C-1")
    r = admin_client.get(reverse("orders:list"), {"account": [coupang.pk]})
    assert _nos(r) == ["C-1"]
    r = admin_client.get(reverse("orders:list"), {"account": [coupang.pk, naver.pk]})
    assert set(_nos(r)) == {"N-1", "C-1"}


def test_filter_period_by_order_date_and_by_collection_date(admin_client, naver):
    d = datetime(2025, 3, 10, 23, 30, tzinfo=KST)  # late evening KST: must count as 3/10, not 3/11 (UTC)
    make_raw_order(naver, no="OLD", ordered_at=d, collected_at=d + timedelta(days=5))
    make_raw_order(naver, no="NEW", ordered_at=d + timedelta(days=3), collected_at=d + timedelta(days=3))
    url = reverse("orders:list")
    assert _nos(admin_client.get(url, {"start": "2025-03-10", "end": "2025-03-10"})) == ["OLD"]
    assert _nos(admin_client.get(url, {"start": "2025-03-11", "end": "2025-03-31"})) == ["NEW"]
    collected = admin_client.get(url, {"date_field": "collected", "start": "2025-03-15", "end": "2025-03-15"})
    assert _nos(collected) == ["OLD"]


def test_quick_period_buttons_link_today(admin_client, naver):
    make_raw_order(naver, no="TODAY", ordered_at=timezone.now())
    make_raw_order(naver, no="LASTMONTH", ordered_at=timezone.now() - timedelta(days=40))
    body = admin_client.get(reverse("orders:list")).content.decode()
    href = re.search(r'href="\?([^"]+)" data-testid="quick-today"', body).group(1).replace("&amp;", "&")
    assert _nos(admin_client.get(reverse("orders:list") + "?" + href)) == ["TODAY"]
    href = re.search(r'href="\?([^"]+)" data-testid="quick-1m"', body).group(1).replace("&amp;", "&")
    assert _nos(admin_client.get(reverse("orders:list") + "?" + href)) == ["TODAY"]


def test_filter_status_and_matched(admin_client, naver):
    make_raw_order(naver, no="A", status=OrderStatus.NEW, matched=True)
    make_raw_order(naver, no="B", status=OrderStatus.HOLD, matched=False)
    url = reverse("orders:list")
    assert _nos(admin_client.get(url, {"status": "hold"})) == ["B"]
    assert _nos(admin_client.get(url, {"matched": "0"})) == ["B"]
    assert _nos(admin_client.get(url, {"matched": "1"})) == ["A"]
    assert set(_nos(admin_client.get(url, {"status": "bogus"}))) == {"A", "B"}  # unknown value ignored


def test_filter_name_phone_product_order_no(admin_client, naver):
    make_raw_order(naver, no="A-100", buyer="홍길동", buyer_phone="010-1111-2222", recipient="박수령",
               recipient_phone="010-3333-4444", product="겨울 패딩")
    make_raw_order(naver, no="B-200", buyer="이몽룡", buyer_phone="010-5555-6666", recipient="성춘향",
               recipient_phone="010-7777-8888", product="여름 샌들")
    url = reverse("orders:list")
    assert _nos(admin_client.get(url, {"name": "홍길동"})) == ["A-100"]
    assert _nos(admin_client.get(url, {"name": "성춘향"})) == ["B-200"]  # recipient name too
    assert _nos(admin_client.get(url, {"phone": "010-5555-6666"})) == ["B-200"]
    assert _nos(admin_client.get(url, {"phone": "01033334444"})) == ["A-100"]  # recipient phone
    assert _nos(admin_client.get(url, {"phone": "8888"})) == ["B-200"]  # last 4 digits
    assert _nos(admin_client.get(url, {"phone": "2222"})) == ["A-100"]
    assert _nos(admin_client.get(url, {"product": "패딩"})) == ["A-100"]
    assert _nos(admin_client.get(url, {"order_no": "B-200"})) == ["B-200"]
    assert _nos(admin_client.get(url, {"order_no": "A-100-L1"})) == ["A-100"]  # a line number finds its order


def test_order_number_and_product_match_a_prefix_or_a_part(admin_client, naver):
    make_raw_order(naver, no="2026120612345601", product="무선 충전기 15W", option="화이트")
    make_raw_order(naver, no="2026120699887701", product="캠핑 의자", option="Navy/L")
    make_raw_order(naver, no="CP-77410", product="선크림 SPF50", option="기본")
    url = reverse("orders:list")
    assert _nos(admin_client.get(url, {"order_no": "20261206123"})) == ["2026120612345601"]  # prefix
    assert _nos(admin_client.get(url, {"order_no": "998877"})) == ["2026120699887701"]  # middle part
    assert _nos(admin_client.get(url, {"order_no": "cp-774"})) == ["CP-77410"]  # any letter case
    assert _nos(admin_client.get(url, {"order_no": "99887701-L1"})) == ["2026120699887701"]  # end of a line no.
    assert set(_nos(admin_client.get(url, {"order_no": "20261206"}))) == {"2026120612345601", "2026120699887701"}
    assert _nos(admin_client.get(url, {"product": "충전"})) == ["2026120612345601"]  # inside the name
    assert _nos(admin_client.get(url, {"product": "의자 navy"})) == ["2026120699887701"]  # name end + option
    assert _nos(admin_client.get(url, {"product": "spf5"})) == ["CP-77410"]
    assert _nos(admin_client.get(url, {"order_no": "55555"})) == []
    assert _nos(admin_client.get(url, {"product": "텀블러"})) == []


def test_filter_collection_run_outcome(admin_client, naver, company):
    run = CollectionRun.objects.create(company=company, account=naver, trigger="manual")
    make_raw_order(naver, no="CREATED", created_run=run)
    make_raw_order(naver, no="CHANGED", changed_run=run)
    make_raw_order(naver, no="OTHER")
    url = reverse("orders:list")
    assert _nos(admin_client.get(url, {"run": run.pk, "outcome": "created"})) == ["CREATED"]
    assert _nos(admin_client.get(url, {"run": run.pk, "outcome": "updated"})) == ["CHANGED"]
    assert set(_nos(admin_client.get(url, {"run": run.pk}))) == {"CREATED", "CHANGED"}


def test_sort_by_amount(admin_client, naver):
    make_raw_order(naver, no="CHEAP", total=1000)
    make_raw_order(naver, no="DEAR", total=90000)
    assert _nos(admin_client.get(reverse("orders:list"), {"sort": "-total_amount"})) == ["DEAR", "CHEAP"]
    assert _nos(admin_client.get(reverse("orders:list"), {"sort": "total_amount"})) == ["CHEAP", "DEAR"]


@pytest.mark.parametrize("sort", ["-ordered_at", "ordered_at", "-collected_at", "-total_amount"])
def test_keyset_paging_with_equal_timestamps_loses_and_repeats_nothing(company, naver, sort):
    same = timezone.now().replace(microsecond=0) - timedelta(days=1)
    for i in range(23):  # three groups of identical timestamps and amounts
        make_raw_order(naver, no=f"K{i:02d}", ordered_at=same - timedelta(minutes=i // 8), total=1000 * (i % 3))
    filters = OrderFilters(sort=sort)
    seen, pages, cursor = [], [], ""
    while True:
        page = order_page(company, filters, cursor=cursor, size=5)
        pages.append(page)
        seen += [o.channel_order_id for o in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == 23 and len(set(seen)) == 23
    # and back again with the prev cursors gives the same pages
    back = order_page(company, filters, cursor=pages[-1].prev_cursor, size=5)
    assert [o.pk for o in back.rows] == [o.pk for o in pages[-2].rows]
    first = order_page(company, filters, cursor=pages[1].prev_cursor, size=5)
    assert [o.pk for o in first.rows] == [o.pk for o in pages[0].rows] and first.prev_cursor is None


def test_bad_cursor_is_ignored(admin_client, naver):
    make_raw_order(naver, no="X")
    for junk in ("zzz", "bnwxfGRub3Q=", "%%%", "a" * 500):
        r = admin_client.get(reverse("orders:list"), {"cursor": junk})
        assert r.status_code == 200 and _nos(r) == ["X"]


def test_constant_queries_across_deep_pages(company, admin_client, naver, coupang):
    for i in range(260):
        make_raw_order(naver if i % 3 else coupang, no=f"D{i:03d}", lines=1)
    url = reverse("orders:list")
    admin_client.get(url)
    counts, cursor, pages = [], "", 0
    while pages < 5:
        with CaptureQueriesContext(connection) as ctx:
            r = admin_client.get(url, {"cursor": cursor} if cursor else {})
        counts.append(len(ctx.captured_queries))
        pages += 1
        m = re.search(r'href="\?([^"]*)" data-testid="page-next"', r.content.decode())
        if not m:
            break
        cursor = re.search(r"cursor=([^&]+)", m.group(1).replace("&amp;", "&")).group(1)
    assert pages == 5 and counts[0] == counts[4], counts


def test_count_is_capped(monkeypatch, admin_client, naver):
    from marketdock.orders import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors.order_count, "__kwdefaults__", {"cap": 3})
    for i in range(5):
        make_raw_order(naver, no=f"C{i}")
    body = admin_client.get(reverse("orders:list")).content.decode()
    assert "3+ 건" in body


def test_detail_full_data_for_writer_masked_for_viewer(admin_client, viewer_client, naver):
    o = make_raw_order(naver, no="DET-1", buyer="홍길동", buyer_phone="010-1234-5678")
    OrderEvent.objects.create(company=o.company, order=o, kind="collected", message="주문을 수집했습니다")
    r = admin_client.get(reverse("orders:detail", args=[o.pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert "홍길동" in body and "010-1234-5678" in body and "테헤란로 1 101호" in body
    assert "주문을 수집했습니다" in body and "productOrderId" in body and "DET-1-L1" in body
    r = viewer_client.get(reverse("orders:detail", args=[o.pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert "홍*동" in body and "010-1234-****" in body and 'data-testid="masked-note"' in body
    assert "홍길동" not in body and "010-1234-5678" not in body and "테헤란로" not in body
    assert "productOrderId" not in body  # the raw payload carries personal data too


def test_detail_duplicate_banner_buyer_history_and_unmatched(admin_client, naver):
    first = make_raw_order(naver, no="FIRST", buyer_key="k1", product="머그컵")
    dup = make_raw_order(naver, no="SECOND", buyer_key="k1", duplicate_of=first, matched=False)
    make_raw_order(naver, no="STRANGER", buyer_key="k2")
    body = admin_client.get(reverse("orders:detail", args=[dup.pk])).content.decode()
    assert 'data-testid="duplicate-banner"' in body and "FIRST" in body
    history = body.split('data-testid="buyer-history"')[1].split("</table>")[0]
    assert "FIRST" in history and "STRANGER" not in history
    assert [o.channel_order_id for o in buyer_history(dup.company, dup)] == ["FIRST"]
    assert "미매칭" in body


def test_list_links_to_detail_and_empty_list(admin_client, naver):
    r = admin_client.get(reverse("orders:list"))
    assert "조건에 맞는 주문이 없습니다" in r.content.decode()
    o = make_raw_order(naver, no="L-1")
    assert reverse("orders:detail", args=[o.pk]) in admin_client.get(reverse("orders:list")).content.decode()


def test_viewer_reads_list_but_cannot_post(viewer_client, naver):
    make_raw_order(naver, no="V-1")
    assert viewer_client.get(reverse("orders:list")).status_code == 200
    assert viewer_client.post(reverse("orders:list")).status_code == 403


def test_other_company_sees_nothing(other_client, other_company, naver):
    o = make_raw_order(naver, no="SECRET-ORDER-1", buyer="비밀고객")
    mine = make_raw_order(make_account(other_company, "남의몰"), no="THEIRS-1")
    r = other_client.get(reverse("orders:list"))
    assert _nos(r) == ["THEIRS-1"]
    r = other_client.get(reverse("orders:list"), {"order_no": "SECRET-ORDER-1", "account": [naver.pk]})
    assert _nos(r) == []
    assert mine.pk
    assert_isolated(other_client, [reverse("orders:detail", args=[o.pk])], secrets=("SECRET-ORDER-1", "비밀고객"))


def test_list_in_english(admin_client, naver):
    make_raw_order(naver, no="EN-1")
    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = admin_client.get(reverse("orders:list")).content.decode()
    assert "Personal data is masked in the list." in body and "1 in total" in body and "엑셀다운로드" not in body
    admin_client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
