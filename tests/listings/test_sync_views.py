"""동기화 현황 screen (channels.sync): what a seller sees per channel, permissions, bad input, isolation."""

from __future__ import annotations

from django.urls import reverse

from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inventory
from marketdock.listings.models_sync import ListingSyncState
from marketdock.listings.selectors_sync import sync_overview
from tests.factories.catalog import make_sku
from tests.factories.channels import make_account
from tests.isolation import assert_isolated

from .sync_helpers import FakeShop, install_fake, link, push_all, warehouse


def _seed(company, monkeypatch, *, down=False):
    wh = warehouse(company)
    sku = make_sku(company)
    naver, coupang = make_account(company, "내 스마트스토어"), make_account(company, "내 쿠팡", "coupang")
    shops = {naver.pk: FakeShop(down=down), coupang.pk: FakeShop()}
    shops[coupang.pk].refuse[("C-9", "v-9")] = ("SELLER_ITEM_STOP", "판매중지된 옵션입니다 (vendorItemId 9)")
    install_fake(monkeypatch, shops)
    link(company, naver, "N-9", {"": [(sku, 1)]})
    link(company, coupang, "C-9", {"v-9": [(sku, 1)]})
    inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=5, reason="입고")
    push_all(company)
    return naver, coupang


def test_the_screen_shows_each_channel_with_waiting_failures_and_lag(company, admin_client, monkeypatch):
    naver, coupang = _seed(company, monkeypatch, down=True)
    response = admin_client.get(reverse("channels:sync_status"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "동기화 현황" in html and "내 스마트스토어" in html and "내 쿠팡" in html
    assert "재시도 대기" in html and "점검 중" in html  # naver is down: its push waits with the reason
    assert "판매중지된 옵션입니다 (vendorItemId 9)" in html and "SELLER_ITEM_STOP" in html  # the marketplace's message
    rows = {row.account.pk: row for row in sync_overview(company)}
    assert rows[naver.pk].pending_listings == 1 and rows[naver.pk].lag_p95_s is None
    assert rows[coupang.pk].pending_listings == 0 and rows[coupang.pk].failed_pushes == 1
    # one channel only
    response = admin_client.get(reverse("channels:sync_status") + f"?account={naver.pk}")
    assert "판매중지된 옵션입니다" not in response.content.decode().split("전송 실패")[-1]


def test_lag_is_shown_once_a_push_was_acknowledged(company, admin_client, monkeypatch):
    naver, _coupang = _seed(company, monkeypatch)
    html = admin_client.get(reverse("channels:sync_status")).content.decode()
    assert 'data-testid="sync-lag-p95">-' not in html.split(f'data-name="{naver.name}"')[1].split("</tr>")[0]


def test_settings_are_saved_and_the_viewer_cannot_change_them(company, admin_client, viewer_client, monkeypatch):
    naver, _ = _seed(company, monkeypatch)
    url = reverse("channels:sync_settings", args=[naver.pk])
    assert viewer_client.get(reverse("channels:sync_status")).status_code == 200
    assert viewer_client.post(url, {"auto_resume": "1"}).status_code == 403
    assert viewer_client.post(reverse("channels:sync_reconcile", args=[naver.pk])).status_code == 403
    response = admin_client.post(url, {"auto_resume": "1"})
    assert response.status_code == 302
    naver.refresh_from_db()
    assert naver.options["auto_stop_sale"] is False and naver.options["auto_resume_sale"] is True
    assert admin_client.get(url).status_code == 405


def test_bad_input_is_harmless(company, admin_client, monkeypatch):
    _seed(company, monkeypatch)
    assert admin_client.get(reverse("channels:sync_status") + "?account=abc").status_code == 200
    assert admin_client.get(reverse("channels:sync_status") + "?account=999999").status_code == 404
    assert admin_client.post(reverse("channels:sync_settings", args=[999999]), {}).status_code == 404
    assert admin_client.post(reverse("channels:sync_settings", args=[ChannelAccount.objects.first().pk]),
                             {"auto_stop": "yes-please"}).status_code == 302


def test_reconcile_starts_a_job(company, admin_client, monkeypatch):
    naver, _ = _seed(company, monkeypatch)
    response = admin_client.post(reverse("channels:sync_reconcile", args=[naver.pk]))
    assert response.status_code == 302 and "/jobs/" in response["Location"]


def test_another_company_sees_nothing_of_ours(company, other_client, monkeypatch):
    naver, coupang = _seed(company, monkeypatch)
    secrets = ("내 스마트스토어", "내 쿠팡", "판매중지된 옵션입니다")
    assert_isolated(other_client, [
        reverse("channels:sync_settings", args=[naver.pk]),
        reverse("channels:sync_reconcile", args=[coupang.pk]),
        reverse("channels:sync_status") + f"?account={naver.pk}",
    ], secrets=secrets)
    html = other_client.get(reverse("channels:sync_status")).content.decode()
    assert not any(s in html for s in secrets)
    naver.refresh_from_db()
    assert "auto_stop_sale" not in naver.options
    assert ListingSyncState.objects.filter(company=company).exists()
