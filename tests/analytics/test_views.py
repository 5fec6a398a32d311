"""분석관리 screens and their xlsx: what the seller sees, who may see it, and nothing of another company."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.analytics import services
from marketdock.analytics.models import RollupState, SalesHour
from marketdock.analytics.selectors import filters_from, today_kst
from marketdock.core.models import Role, ScreenPermission
from marketdock.orders.models import ChannelStatus, OrderLine
from tests.factories.core import make_user

KST = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db

SCREENS = ["analytics:sales", "analytics:hourly", "analytics:rates", "analytics:compare"]
EXPORTS = ["analytics:sales_xlsx", "analytics:hourly_xlsx", "analytics:rates_xlsx", "analytics:compare_xlsx"]


@pytest.fixture
def history(company, sales_kit):
    """Two channels: today 3 orders, yesterday 1, 40 days ago 1 (cancelled and returned lines among them)."""
    today = today_kst()
    at = lambda d, h: datetime.combine(today - timedelta(days=d), datetime.min.time(), tzinfo=KST) + timedelta(hours=h)  # noqa: E731
    coupang = sales_kit.account("쿠팡 본점")
    naver = sales_kit.account("스마트스토어", kind="naver")
    shirt = sales_kit.sku("TSHIRT-01")
    pants = sales_kit.sku("PANTS-02")
    sales_kit.order(coupang, at(0, 9), [(shirt, 2, 39800)], shipping_fee=3000)
    o = sales_kit.order(coupang, at(0, 10), [(pants, 1, 25000)])
    sales_kit.change_lines(o, channel_status=ChannelStatus.CANCELLED)
    r = sales_kit.order(naver, at(0, 21), [(shirt, 1, 19900), (pants, 1, 25000)])
    OrderLine.objects.filter(order=r, total_amount=25000).update(channel_status=ChannelStatus.RETURNED)
    sales_kit.order(naver, at(1, 14), [(shirt, 1, 19900)])
    sales_kit.order(coupang, at(40, 12), [(pants, 3, 75000)])
    services.rollup_refresh(company)
    return {"coupang": coupang, "naver": naver, "shirt": shirt, "pants": pants}


def test_sales_screen_totals_delta_channels_and_top_products(admin_client, history):
    response = admin_client.get(reverse("analytics:sales"), {"period": "today"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "매출현황" in body and "집계 기준" in body
    kpis = response.context["kpis"]
    revenue = next(k for k in kpis if k["label"] == "매출")
    assert revenue["value"] == 39800 + 25000 + 19900 + 25000
    assert revenue["previous"] == 19900
    assert revenue["delta"] == pytest.approx((109700 - 19900) / 19900)
    net = next(k for k in kpis if k["label"].startswith("순매출"))
    assert net["value"] == 109700 - 25000 - 25000
    tables = {t.key: t for t in response.context["tables"]}
    channels = {row[0]: row for row in tables["channels"].rows}
    assert channels["쿠팡 본점"][2] == 64800 and channels["스마트스토어"][2] == 44900
    top = tables["products"].rows
    assert top[0][0][0].startswith("TSHIRT-01") and top[0][3] == 59700
    # charts are drawn from json_script data by the static chart script, no inline script
    assert 'id="chart-revenue" type="application/json"' in body
    assert "core/vendor/plotly.min.js" in body and "<script>" not in body
    spec = json.loads(body.split('id="chart-revenue" type="application/json">')[1].split("</script>")[0])
    assert {s["name"] for s in spec["series"]} == {"쿠팡 본점", "스마트스토어"}


def test_channel_filter_and_top_n_with_others(admin_client, history):
    response = admin_client.get(reverse("analytics:sales"), {"period": "today", "account": history["naver"].pk,
                                                             "top": "5"})
    revenue = next(k for k in response.context["kpis"] if k["label"] == "매출")
    assert revenue["value"] == 44900
    response = admin_client.get(reverse("analytics:sales"), {"period": "90d", "top": "5"})
    assert response.status_code == 200
    tables = {t.key: t for t in response.context["tables"]}
    assert len(tables["products"].rows) == 2  # two SKUs, no 기타 row
    assert tables["series"].rows[-1][3] == 109700  # today is the last day of the 90-day series


def test_period_picker_kst_and_previous_period():
    class Q(dict):
        def getlist(self, key):
            return [self[key]] if key in self else []

    f = filters_from(Q(period="month"), today=date(2026, 3, 10))
    assert (f.start, f.end, f.prev_start, f.prev_end) == (date(2026, 3, 1), date(2026, 3, 10), date(2026, 2, 1),
                                                          date(2026, 2, 10))
    f = filters_from(Q(period="quarter"), today=date(2026, 5, 31))
    assert (f.start, f.prev_start, f.prev_end) == (date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 2))  # 61 days each
    f = filters_from(Q(period="year"), today=date(2026, 3, 10))
    assert f.start == date(2026, 1, 1) and f.unit == "day" and f.prev_start == date(2025, 1, 1)
    f = filters_from(Q(period="custom", **{"from": "2026-03-31", "to": "2026-01-01"}), today=date(2026, 3, 10))
    assert (f.start, f.end, f.unit) == (date(2026, 1, 1), date(2026, 3, 31), "day")
    assert (f.prev_start, f.prev_end) == (date(2025, 10, 3), date(2025, 12, 31))  # 90 days each
    f = filters_from(Q(period="custom", **{"from": "2026-02-30"}), today=date(2026, 3, 10))
    assert f.period == "30d"  # a broken custom period falls back, never a 500
    assert filters_from(Q(period="nope", top="1000000"), today=date(2026, 3, 10)).top == 10


def test_heat_map_rates_and_compare(admin_client, history):
    today = today_kst()
    response = admin_client.get(reverse("analytics:hourly"), {"period": "7d"})
    assert response.status_code == 200
    grid = {t.key: t for t in response.context["tables"]}["heatmap"].rows
    weekday = today.weekday()
    assert grid[weekday][1 + 9] == 1 and grid[weekday][1 + 21] == 1 and grid[weekday][-1] == 3
    response = admin_client.get(reverse("analytics:rates"), {"period": "today"})
    rows = {r[0]: r for r in {t.key: t for t in response.context["tables"]}["channel_rates"].rows}
    assert rows["쿠팡 본점"][2:4] == [1, 0.5] and rows["스마트스토어"][4:6] == [1, 0.5]
    response = admin_client.get(reverse("analytics:compare"), {"period": "today"})
    rows = {r[0]: r for r in {t.key: t for t in response.context["tables"]}["compare"].rows}
    assert rows["쿠팡 본점"][1:4] == [2, 64800, 32400]
    assert rows["스마트스토어"][3] == 44900  # one order of 44,900원


def test_sales_xlsx_has_filters_in_header_and_numbers_as_numbers(admin_client, history):
    response = admin_client.get(reverse("analytics:sales_xlsx"), {"period": "today", "account": history["coupang"].pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    ws = wb["쇼핑몰별 매출"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0].startswith("매출현황")
    assert ["쇼핑몰", "쿠팡 본점"] in [row[:2] for row in cells]
    assert any(row[0] == "기간" and "오늘" in row[1] for row in cells)
    data = next(row for row in ws.iter_rows() if row[0].value == "쿠팡 본점" and isinstance(row[2].value, int))
    assert data[2].value == 64800 and data[2].number_format == "#,##0"
    assert data[3].number_format == "0.0%"
    assert set(wb.sheetnames) >= {"기간별 매출", "쇼핑몰별 매출", "재고 소진 예상 (최근 28일 판매 속도)"[:28]}


@pytest.mark.parametrize("name", EXPORTS)
def test_every_export_opens(admin_client, history, name):
    response = admin_client.get(reverse(name), {"period": "30d"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames


def test_other_company_sees_none_of_our_sales(history, other_client, other_company, django_capture_on_commit_callbacks):
    for name in SCREENS + EXPORTS:
        response = other_client.get(reverse(name), {"period": "90d"})
        assert response.status_code == 200
        content = response.content
        if name.endswith("_xlsx"):
            wb = load_workbook(io.BytesIO(content))
            content = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row).encode()
        body = content.decode(errors="ignore")
        for secret in ("쿠팡 본점", "스마트스토어", "TSHIRT-01", "109,700", "64,800"):
            assert secret not in body, f"{name} leaked {secret}"
    # filters naming our account ids are ignored for them
    response = other_client.get(reverse("analytics:sales"), {"account": history["coupang"].pk})
    assert response.context["f"].accounts == []
    # their 지금 갱신 recomputes their rollup only
    with django_capture_on_commit_callbacks(execute=True):
        other_client.post(reverse("analytics:refresh"))
    assert not SalesHour.objects.filter(company=other_company).exists()
    assert RollupState.objects.filter(company=other_company).exists()


def test_screen_permissions_on_every_view_and_export(company, history, viewer_client):
    # read-only role: may look and download, may not start a refresh
    for name in SCREENS + EXPORTS:
        assert viewer_client.get(reverse(name)).status_code == 200
    assert viewer_client.post(reverse("analytics:refresh")).status_code == 403
    # a role without the analytics screens sees none of them, nor the home sales tiles
    role = Role.objects.create(company=company, name="창고")
    ScreenPermission.objects.create(role=role, screen="inventory.stock", level="write")
    user = make_user(company, "acme_warehouse", "viewer")
    user.role = role
    user.save()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for name in SCREENS + EXPORTS:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("analytics:refresh")).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert 'data-tile="sales_today"' not in home


def test_home_sales_strip_for_permitted_users(admin_client, history):
    body = admin_client.get(reverse("home")).content.decode()
    assert 'data-tile="sales_today"' in body and "109,700" in body
    assert 'data-tile="sales_month"' in body


def test_refresh_button_starts_the_job(admin_client, company, sales_kit, history, django_capture_on_commit_callbacks):
    sales_kit.order(history["coupang"], datetime.now(KST), [(None, 1, 5000)])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("analytics:refresh"),
                                     {"next": reverse("analytics:sales") + "?period=today"})
    assert response.status_code == 302 and response["Location"].endswith("?period=today")
    response = admin_client.get(reverse("analytics:sales"), {"period": "today"})
    revenue = next(k for k in response.context["kpis"] if k["label"] == "매출")
    assert revenue["value"] == 109700 + 5000  # Huey runs immediately in tests


def test_empty_company_shows_screens_without_error(admin_client):
    for name in SCREENS:
        response = admin_client.get(reverse(name), {"period": "year"})
        assert response.status_code == 200
        assert "아직 집계하지 않았습니다" in response.content.decode()
    for bad in ({"period": "custom", "from": "0001-01-01", "to": "9999-12-31"}, {"account": "99999999999999999999"},
                {"top": "abc", "unit": "week"}):
        assert admin_client.get(reverse("analytics:sales"), bad).status_code == 200


def test_screens_read_in_english_for_english_users(admin_client, history):
    from django.utils import translation

    with translation.override("en"):
        admin_client.cookies["django_language"] = "en"
        body = admin_client.get(reverse("analytics:sales"), {"period": "today"},
                                HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revenue by channel" in body and "Refresh now" in body and "As of" in body
    assert "쇼핑몰별 매출 추이" not in body
