"""쇼핑몰 계정 (LST-1): credentials encrypted and never shown again, shape checks, 연결 테스트 against
the sandbox marketplace over real HTTP, deletion rules, the expiry tile, the demo step, isolation."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter

from marketdock.channels import selectors, services
from marketdock.channels.demo import ACCOUNT_NAMES, MANUAL_NAME, demo_channel_accounts, sandbox_seed
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.dashboard import tiles_for
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.channels import COUPANG_CREDENTIALS as COUPANG
from tests.factories.channels import NAVER_CREDENTIALS as NAVER
from tests.factories.channels import SHOPIFY_CREDENTIALS as SHOPIFY
from tests.factories.channels import account_form_inputs, make_account_through_services
from tests.factories.core import make_company
from tests.isolation import assert_isolated


def form_data(kind: str, name: str, credentials: dict, **extra) -> dict:
    data = {"kind": kind, "name": name, "base_url": "", "credentials_expire_on": "", "collect_every_minutes": "30",
            "auto_collect": "on", "is_active": "on", **account_form_inputs(kind, credentials)}
    data.update(extra)
    return data


def raw_column(account: ChannelAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM channels_channelaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


# --- storing credentials ---------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "credentials"), [("naver", NAVER), ("coupang", COUPANG), ("shopify", SHOPIFY)])
def test_credentials_are_encrypted_at_rest_and_decrypt_back(admin_client, company, kind, credentials):
    response = admin_client.post(reverse("channels:account_create"), form_data(kind, "내 계정", credentials))
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ChannelAccount.objects.get(company=company, name="내 계정")
    stored = raw_column(account)
    assert stored and all(value not in stored for value in credentials.values())
    assert account.credentials == credentials


def test_naver_and_shopify_keys_of_the_same_name_are_separate_inputs(admin_client, company):
    """Naver and Shopify both call their keys client_id / client_secret. The form renders every kind's
    inputs (the chosen kind's are shown), so a browser submits the hidden ones too: each kind's input
    needs its own name, or the empty Shopify input would override what the seller typed for Naver."""
    page = admin_client.get(reverse("channels:account_create")).content.decode()
    account_form = re.search(r'<form[^>]*data-testid="account-form".*?</form>', page, re.S).group(0)
    names = re.findall(r'<input[^>]* name="([^"]+)"', account_form)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert {"naver_client_id", "naver_client_secret", "shopify_client_id", "shopify_client_secret"} <= set(names)
    shopify_app = {"shop_domain": "my-shop.myshopify.com", "client_id": "0123456789abcdef0123456789abcdef",
                   "client_secret": "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"}
    everything = {**form_data("naver", "", NAVER), **form_data("shopify", "", shopify_app)}  # as a browser sends it
    for kind, name, credentials in (("naver", "네이버 본점", NAVER), ("shopify", "Shopify 앱", shopify_app)):
        response = admin_client.post(reverse("channels:account_create"), {**everything, "kind": kind, "name": name})
        assert response.status_code == 302, response.content.decode()[:2000]
        account = ChannelAccount.objects.get(company=company, name=name)
        assert account.kind == kind and account.credentials == credentials
    blank_shopify = {**everything, **account_form_inputs("shopify", {"client_id": "", "client_secret": ""}),
                     "kind": "naver", "name": "네이버 2호점"}
    assert admin_client.post(reverse("channels:account_create"), blank_shopify).status_code == 302
    assert ChannelAccount.objects.get(company=company, name="네이버 2호점").credentials == NAVER
    wrong = {**form_data("naver", "네이버 3호점", {**NAVER, "client_id": "x"})}
    body = admin_client.post(reverse("channels:account_create"), wrong).content.decode()
    assert "애플리케이션 ID는 영문·숫자 8~64자입니다" in body and "클라이언트 ID는 영문·숫자" not in body


def test_pasted_keys_are_cleaned_before_storing(admin_client, company):
    messy = {"shop_domain": " https://My-Shop.myshopify.com/admin ", "access_token": SHOPIFY["access_token"] + "\n"}
    admin_client.post(reverse("channels:account_create"), form_data("shopify", "Shopify", messy))
    assert ChannelAccount.objects.get(company=company).credentials == SHOPIFY


def test_edit_page_shows_secrets_masked_only(admin_client, company):
    account = make_account_through_services(company)
    body = admin_client.get(reverse("channels:account_edit", args=[account.pk])).content.decode()
    assert COUPANG["vendor_id"] in body  # the identifier is not a secret
    for secret in (COUPANG["access_key"], COUPANG["secret_key"]):
        assert secret not in body
        assert secret[-4:] in body  # masked: last four characters


def test_secret_left_empty_is_unchanged_and_a_new_one_replaces_it(admin_client, company):
    account = make_account_through_services(company)
    url = reverse("channels:account_edit", args=[account.pk])
    response = admin_client.post(url, form_data("coupang", "쿠팡 2호점", {"vendor_id": "A00012345", "access_key": "",
                                                                       "secret_key": ""}))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "쿠팡 2호점" and account.credentials == COUPANG
    new_secret = "a" * 40
    admin_client.post(url, form_data("coupang", "쿠팡 2호점", {"vendor_id": "A00012345", "access_key": "",
                                                            "secret_key": new_secret}))
    account.refresh_from_db()
    assert account.credentials == {**COUPANG, "secret_key": new_secret}


def test_kind_cannot_be_changed_on_edit(admin_client, company):
    account = make_account_through_services(company)
    admin_client.post(reverse("channels:account_edit", args=[account.pk]),
                      form_data("naver", "쿠팡 본점", {"vendor_id": "A00012345", **NAVER}))
    account.refresh_from_db()
    assert account.kind == ChannelKind.COUPANG and account.credentials == COUPANG


def test_fernet_key_rotation_decrypts_old_tokens(settings, company):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FERNET_KEYS = [old]
    account = make_account_through_services(company)
    settings.FERNET_KEYS = [new, old]
    account.refresh_from_db()
    assert account.credentials == COUPANG
    account.set_credentials(account.credentials)  # re-encrypted with the new key
    account.save()
    settings.FERNET_KEYS = [new]
    account.refresh_from_db()
    assert account.credentials == COUPANG
    settings.FERNET_KEYS = [old]
    account.refresh_from_db()
    with pytest.raises(ValueError):
        account.credentials  # noqa: B018


def test_credentials_are_hidden_from_django_error_reports(admin_client, company):
    response = admin_client.post(reverse("channels:account_create"), form_data("coupang", "쿠팡", COUPANG))
    cleaned = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert cleaned["vendor_id"] != COUPANG["vendor_id"]
    assert cleaned["secret_key"] != COUPANG["secret_key"] and cleaned["access_key"] != COUPANG["access_key"]
    assert cleaned["name"] == "쿠팡"


# --- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "credentials", "message"), [
    ("naver", {**NAVER, "client_secret": "abc123"}, "애플리케이션 시크릿은 $2a$로 시작하는 29자입니다"),
    ("naver", {**NAVER, "client_id": ""}, "애플리케이션 ID을(를) 입력하세요."),
    ("coupang", {**COUPANG, "vendor_id": "12345"}, "업체코드는 A로 시작하는 9자리입니다"),
    ("coupang", {**COUPANG, "secret_key": "short"}, "Secret Key는 영문·숫자 32~64자입니다"),
    ("shopify", {**SHOPIFY, "shop_domain": "www.myshop.co.kr"}, "상점 도메인은 xxx.myshopify.com 형식입니다"),
    ("shopify", {**SHOPIFY, "access_token": "abcdef"}, "Admin API 액세스 토큰은 shpat_로 시작합니다"),
])
def test_credential_shape_errors_are_named_and_nothing_is_saved(admin_client, company, kind, credentials, message):
    response = admin_client.post(reverse("channels:account_create"), form_data(kind, "계정", credentials))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChannelAccount.objects.filter(company=company).exists()


@pytest.mark.parametrize(("extra", "message"), [
    ({"collect_every_minutes": "3"}, "수집 주기는 5분 이상"),
    ({"base_url": "ftp://example.com"}, "API 주소는 http:// 또는 https://로 시작하는 주소입니다"),
    ({"name": "쿠팡 본점"}, "같은 이름의 쇼핑몰 계정(쿠팡 본점)이 이미 있습니다"),
])
def test_account_field_errors(admin_client, company, extra, message):
    make_account_through_services(company)
    response = admin_client.post(reverse("channels:account_create"), {**form_data("naver", "네이버", NAVER), **extra})
    assert response.status_code == 200 and message in response.content.decode()
    assert ChannelAccount.objects.filter(company=company).count() == 1


def test_several_accounts_per_marketplace_and_manual_needs_no_credentials(admin_client, company):
    make_account_through_services(company)
    other_keys = {**COUPANG, "vendor_id": "A00099999"}
    assert admin_client.post(reverse("channels:account_create"),
                             form_data("coupang", "쿠팡 2호점", other_keys)).status_code == 302
    assert admin_client.post(reverse("channels:account_create"), form_data("manual", "자사몰", {})).status_code == 302
    assert selectors.channel_accounts(company).filter(kind="coupang").count() == 2
    assert selectors.channel_accounts(company).get(name="자사몰").credentials == {}


# --- Coupang expiry and the home tile --------------------------------------------------------

def test_coupang_without_expiry_gets_the_key_validity_period_and_says_so(admin_client, company):
    response = admin_client.post(reverse("channels:account_create"), form_data("coupang", "쿠팡", COUPANG), follow=True)
    account = ChannelAccount.objects.get(company=company)
    expected = timezone.localdate() + timedelta(days=services.COUPANG_KEY_VALID_DAYS)
    assert account.credentials_expire_on == expected
    assert f"인증키 만료일을 {expected.isoformat()}로 설정했습니다" in response.content.decode()
    naver = make_account_through_services(company, ChannelKind.NAVER, "네이버")
    assert naver.credentials_expire_on is None


def test_new_coupang_keys_get_a_new_expiry(company):
    account = make_account_through_services(company, credentials_expire_on=timezone.localdate() + timedelta(days=3))
    services.channel_account_update(account=account, name=account.name, credentials={**COUPANG, "secret_key": "b" * 40},
                                    credentials_expire_on=account.credentials_expire_on)
    assert account.credentials_expire_on == timezone.localdate() + timedelta(days=services.COUPANG_KEY_VALID_DAYS)


def test_home_tile_lists_expired_and_soon_expiring_keys(admin_client, company, admin_user):
    today = timezone.localdate()
    make_account_through_services(company, name="만료됨", credentials_expire_on=today - timedelta(days=2))
    make_account_through_services(company, ChannelKind.NAVER, "곧 만료", credentials_expire_on=today + timedelta(days=10))
    make_account_through_services(company, ChannelKind.SHOPIFY, "여유", credentials_expire_on=today + timedelta(days=90))
    make_account_through_services(company, ChannelKind.NAVER, "사용 안 함", credentials={**NAVER, "client_id": "zzzzzzzzzz"},
                 credentials_expire_on=today - timedelta(days=1), is_active=False)
    tile = next(t for t in tiles_for(company, admin_user) if t.key == "channels_credentials_expiring")
    assert tile.count == 2 and tile.level == "danger" and str(tile.label) == "인증키 만료 임박"
    home = admin_client.get("/").content.decode()
    assert "인증키 만료 임박" in home
    listing = admin_client.get(tile.url).content.decode()
    assert "만료됨 (2일 지남)" in listing and "만료 D-10" in listing and "여유" not in listing


def test_no_tile_without_expiring_keys(company, admin_user):
    make_account_through_services(company, credentials_expire_on=timezone.localdate() + timedelta(days=31))
    assert not [t for t in tiles_for(company, admin_user) if t.key == "channels_credentials_expiring"]


# --- delete ----------------------------------------------------------------------------------

def test_delete_is_refused_when_orders_exist(admin_client, company):
    from marketdock.orders.models import Order

    account = make_account_through_services(company)
    Order.objects.create(company=company, account=account, channel_order_id="2100000000001",
                         ordered_at=timezone.now())
    response = admin_client.post(reverse("channels:account_delete", args=[account.pk]), follow=True)
    assert "주문 1건이 있어 삭제할 수 없습니다" in response.content.decode()
    assert "끄세요 (수집이 멈추고 주문 이력은 남습니다)" in response.content.decode()
    assert ChannelAccount.objects.filter(pk=account.pk).exists()


def test_delete_without_orders(admin_client, company):
    account = make_account_through_services(company)
    response = admin_client.post(reverse("channels:account_delete", args=[account.pk]))
    assert response.status_code == 302
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()
    assert admin_client.get(reverse("channels:account_delete", args=[make_account_through_services(company).pk])).status_code == 405


# --- permissions and isolation ---------------------------------------------------------------

def test_viewer_can_read_but_not_change(viewer_client, company):
    account = make_account_through_services(company)
    assert viewer_client.get(reverse("channels:account_list")).status_code == 200
    body = viewer_client.get(reverse("channels:account_edit", args=[account.pk])).content.decode()
    assert 'data-testid="account-save"' not in body and COUPANG["secret_key"] not in body
    for url, data in [
        (reverse("channels:account_create"), form_data("naver", "네이버", NAVER)),
        (reverse("channels:account_edit", args=[account.pk]), form_data("coupang", "바뀐 이름", {})),
        (reverse("channels:account_test", args=[account.pk]), {}),
        (reverse("channels:account_delete", args=[account.pk]), {}),
    ]:
        assert viewer_client.post(url, data).status_code == 403
    account.refresh_from_db()
    assert account.name == "쿠팡 본점" and ChannelAccount.objects.filter(company=company).count() == 1


def test_another_company_cannot_reach_an_account(other_client, company):
    account = make_account_through_services(company, name="비밀상점")
    assert_isolated(other_client, [
        reverse("channels:account_edit", args=[account.pk]),
        reverse("channels:account_test", args=[account.pk]),
        reverse("channels:account_delete", args=[account.pk]),
    ], secrets=("비밀상점", COUPANG["vendor_id"], COUPANG["secret_key"][-4:]))
    assert "비밀상점" not in other_client.get(reverse("channels:account_list")).content.decode()
    account.refresh_from_db()
    assert account.last_status == ""


# --- 연결 테스트 over real HTTP ----------------------------------------------------------------

@pytest.mark.parametrize("shop", ["naver-demo", "coupang-demo", "shopify-demo2"])
def test_connection_test_succeeds_with_the_sandbox_credentials(admin_client, company, sandbox, shop):
    state, base = sandbox
    kind = shop.split("-")[0]
    account = make_account_through_services(company, kind, "샌드박스 상점", credentials=state.shops[shop].credentials, base_url=base)
    response = admin_client.post(reverse("channels:account_test", args=[account.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-ok="1"' in body
    assert "연결 성공: 샌드박스 상점" in body
    account.refresh_from_db()
    assert account.last_status == "ok" and account.last_error == ""


@pytest.mark.parametrize(("shop", "bad", "message"), [
    ("coupang-demo", {"secret_key": "f" * 40}, "Invalid signature."),
    ("naver-demo", {"client_id": "unknownapp1"}, "등록되지 않은 애플리케이션입니다."),
    ("shopify-demo", {"access_token": "shpat_" + "0" * 32}, "Invalid API key or access token"),
])
def test_connection_test_shows_the_marketplace_error(admin_client, company, sandbox, shop, bad, message):
    state, base = sandbox
    account = make_account_through_services(company, shop.split("-")[0], "틀린 키", credentials={**state.shops[shop].credentials, **bad},
                           base_url=base)
    response = admin_client.post(reverse("channels:account_test", args=[account.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-ok="0"' in body and "인증 실패" in body and message in body
    account.refresh_from_db()
    assert account.last_status == "error" and message in account.last_error
    listing = admin_client.get(reverse("channels:account_list")).content.decode()
    assert "연결 오류" in listing


def test_connection_test_names_the_unreachable_host(admin_client, company):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    account = make_account_through_services(company, base_url=f"http://127.0.0.1:{port}")
    response = admin_client.post(reverse("channels:account_test", args=[account.pk]), follow=True)
    body = response.content.decode()
    assert f"127.0.0.1:{port} 서버에 연결할 수 없습니다" in body
    account.refresh_from_db()
    assert account.last_status == "error"


# --- demo ------------------------------------------------------------------------------------

def test_demo_step_is_idempotent_and_its_credentials_work_on_the_sandbox(db, monkeypatch):
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    try:
        monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", base)
        demo = make_company("demo", "demo_admin")
        out: list[str] = []
        demo_channel_accounts(demo, out)
        first = {a.name: (a.pk, a.credentials_encrypted) for a in selectors.channel_accounts(demo)}
        demo_channel_accounts(demo, out := [])
        assert out == []
        assert {a.name: (a.pk, a.credentials_encrypted) for a in selectors.channel_accounts(demo)} == first
        assert set(first) == {*ACCOUNT_NAMES.values(), MANUAL_NAME}
        for account in selectors.channel_accounts(demo).exclude(kind=ChannelKind.MANUAL):
            result = services.channel_account_test(account=account)
            assert result.ok, (account.name, result.message)
        shops = {a.kind: a.credentials for a in selectors.channel_accounts(demo)}
        assert shops["coupang"] == state.shops["coupang-demo"].credentials
        assert shops["elevenst"] == state.shops["elevenst-demo"].credentials
    finally:
        server.shutdown()
        server.server_close()


def test_screens_and_errors_in_english(admin_client, company):
    make_account_through_services(company, credentials_expire_on=timezone.localdate() + timedelta(days=5))
    admin_client.cookies["django_language"] = "en"
    listing = admin_client.get(reverse("channels:account_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Channel accounts" in listing and "Expires in 5 days" in listing and "Test connection" in listing
    response = admin_client.post(reverse("channels:account_create"),
                                 form_data("coupang", "Coupang", {**COUPANG, "vendor_id": "x"}), HTTP_ACCEPT_LANGUAGE="en")
    assert "The vendor ID is 9 characters starting with A" in response.content.decode()


def test_editing_and_testing_never_overwrite_a_running_collection(company, sandbox):
    """The collector commits its cursor and holds a lease in last_status while the seller edits the
    account on screen: the edit writes only its own fields, the test leaves the lease alone."""
    state, base = sandbox
    account = make_account_through_services(company, credentials=state.shops["coupang-demo"].credentials, base_url=base)
    stale = ChannelAccount.objects.get(pk=account.pk)
    lease = timezone.now() + timedelta(minutes=5)
    ChannelAccount.objects.filter(pk=account.pk).update(cursor="page-7", last_status="running", next_collect_at=lease)
    services.channel_account_update(account=stale, name="쿠팡 새 이름", credentials={"secret_key": "c" * 40,
                                                                               "vendor_id": "A10012345"},
                                    base_url=base)
    assert services.channel_account_test(account=stale).ok is False
    fresh = ChannelAccount.objects.get(pk=account.pk)
    assert (fresh.name, fresh.cursor, fresh.last_status, fresh.next_collect_at) == ("쿠팡 새 이름", "page-7", "running",
                                                                                     lease)
    assert fresh.credentials["secret_key"] == "c" * 40
    with pytest.raises(services.ChannelAccountInUse, match="지금 주문을 수집하고 있습니다"):
        services.channel_account_delete(account=fresh)
