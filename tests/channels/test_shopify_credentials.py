"""Shopify's app credentials of 2026: a Dev Dashboard app's client id + secret exchanged for a 24 h token
with the client-credentials grant (cached, renewed before expiry, one refresh at a time across workers),
beside a legacy custom app's static token; every call on the one pinned Admin API version."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from django.db import connection
from django.urls import reverse

from marketdock.channels import services
from marketdock.channels.connectors import shopify
from marketdock.channels.connectors.errors import AuthError
from marketdock.channels.models import ChannelAccount
from marketdock.channels.tokens import AccountTokenStore
from tests.factories.channels import mock_options

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
CLIENT = {"shop_domain": "demo.myshopify.com", "client_id": "0123456789abcdef0123456789abcdef",
          "client_secret": "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"}
SHOP_BODY = {"data": {"shop": {"name": "데모", "myshopifyDomain": "demo.myshopify.com", "currencyCode": "KRW"}}}


class FakeShop:
    """A MockTransport handler: issues tok-1, tok-2, … at the token endpoint; GraphQL accepts only the
    newest token (or `static`)."""

    def __init__(self, static: str = "", expires_in: int = 86399) -> None:
        self.token_requests: list[dict[str, list[str]]] = []
        self.graphql_tokens: list[str] = []
        self.paths: list[str] = []
        self.static, self.expires_in = static, expires_in
        self.valid = {static} if static else set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path == "/admin/oauth/access_token":
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            form = parse_qs(request.content.decode())
            self.token_requests.append(form)
            if form.get("client_secret") != [CLIENT["client_secret"]]:
                return httpx.Response(400, json={"error": "invalid_client"})
            token = f"tok-{len(self.token_requests)}"
            self.valid = {token}
            return httpx.Response(200, json={"access_token": token, "scope": "read_orders",
                                             "expires_in": self.expires_in})
        token = request.headers.get("x-shopify-access-token", "")
        self.graphql_tokens.append(token)
        if token not in self.valid:
            return httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
        return httpx.Response(200, json=SHOP_BODY)


def connector(fake: FakeShop, clock, **creds) -> shopify.ShopifyConnector:
    credentials = shopify.ShopifyCredentials(**(creds or CLIENT))
    return shopify.ShopifyConnector(credentials, options=mock_options(fake), clock=clock,
                                    token_store=shopify.MemoryTokenStore(clock=clock).for_key(("t", "k")))


def test_client_credentials_token_is_requested_with_a_form_body_and_reused():
    fake = FakeShop()
    c = connector(fake, lambda: NOW)
    status = c.test_connection()
    c.test_connection()
    assert status.ok and shopify.API_VERSION in status.detail
    assert fake.token_requests == [{"client_id": [CLIENT["client_id"]], "client_secret": [CLIENT["client_secret"]],
                                    "grant_type": ["client_credentials"]}]
    assert fake.graphql_tokens == ["tok-1", "tok-1"]
    assert all(p == f"/admin/api/{shopify.API_VERSION}/graphql.json" for p in fake.paths if "graphql" in p)


def test_token_is_renewed_before_it_expires():
    fake = FakeShop()
    now = [NOW]
    c = connector(fake, lambda: now[0])
    c.test_connection()
    now[0] = NOW + timedelta(hours=23)  # 1 h left: still more than the margin
    c.test_connection()
    assert len(fake.token_requests) == 1
    now[0] = NOW + timedelta(seconds=86399) - shopify.TOKEN_REFRESH_MARGIN + timedelta(seconds=1)
    c.test_connection()
    assert len(fake.token_requests) == 2 and fake.graphql_tokens[-1] == "tok-2"


def test_a_refused_token_is_replaced_once_and_the_call_retried():
    fake = FakeShop()
    c = connector(fake, lambda: NOW)
    c.test_connection()
    fake.valid = set()  # revoked at the shop: the next token request issues tok-2
    assert c.test_connection().ok
    assert fake.graphql_tokens == ["tok-1", "tok-1", "tok-2"]


def test_wrong_secret_is_a_clear_auth_error():
    fake = FakeShop()
    c = connector(fake, lambda: NOW, **{**CLIENT, "client_secret": "shpss_wrongwrongwrongwrong"})
    with pytest.raises(AuthError, match="Client ID·Secret"):
        c.test_connection()


def test_legacy_static_token_needs_no_token_request():
    fake = FakeShop(static="shpat_0123456789abcdef0123456789")
    c = connector(fake, lambda: NOW, shop_domain="demo.myshopify.com", access_token="shpat_0123456789abcdef0123456789")
    assert c.test_connection().ok
    assert fake.token_requests == [] and fake.graphql_tokens == ["shpat_0123456789abcdef0123456789"]


def test_credentials_need_a_token_or_an_app():
    with pytest.raises(ValueError, match="client_id"):
        shopify.ShopifyCredentials(shop_domain="demo.myshopify.com", client_id="abc")


def test_pinned_version_is_a_supported_one():
    # Shopify supports a version for 12 months after its quarterly release; 2025-07 has left the list
    year, month = map(int, shopify.API_VERSION.split("-"))
    assert month in (1, 4, 7, 10) and (year, month) >= (2026, 1)


# --- the account: credentials form, token shared by workers ------------------------------------


def test_account_with_client_credentials_is_accepted_and_half_an_app_is_refused(company):
    account = services.channel_account_create(company=company, kind="shopify", name="Shopify 앱",
                                              credentials={**CLIENT, "access_token": ""})
    assert account.credentials["client_id"] == CLIENT["client_id"]
    assert CLIENT["client_secret"] not in account.credentials_encrypted
    with pytest.raises(Exception) as exc:
        services.channel_account_create(company=company, kind="shopify", name="반쪽",
                                        credentials={"shop_domain": "x.myshopify.com", "client_id": CLIENT["client_id"]})
    assert "클라이언트 시크릿" in str(exc.value)
    with pytest.raises(Exception) as exc:
        services.channel_account_create(company=company, kind="shopify", name="빈", credentials={
            "shop_domain": "x.myshopify.com"})
    assert "액세스 토큰" in str(exc.value)


def test_account_screens_show_the_pinned_version(company, admin_client):
    account = services.channel_account_create(company=company, kind="shopify", name="Shopify 앱", credentials=CLIENT)
    edit = admin_client.get(reverse("channels:account_edit", args=[account.pk]))
    listing = admin_client.get(reverse("channels:account_list"))
    assert f"Admin API 버전: {shopify.API_VERSION}" in edit.content.decode()
    assert f"Admin API {shopify.API_VERSION}" in listing.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_make_one_token_request(company):
    account = services.channel_account_create(company=company, kind="shopify", name="동시 갱신", credentials=CLIENT)
    issued: list[int] = []
    results: list[str] = []
    barrier = threading.Barrier(2)

    def issue():
        issued.append(1)
        time.sleep(0.3)  # the other worker arrives while this one is asking Shopify
        return f"tok-{len(issued)}", datetime.now(UTC) + timedelta(hours=24)

    def worker():
        try:
            store = AccountTokenStore(ChannelAccount.objects.get(pk=account.pk), margin=shopify.TOKEN_REFRESH_MARGIN)
            barrier.wait()
            results.append(store.token(issue))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert issued == [1] and results == ["tok-1", "tok-1"]
    account.refresh_from_db()
    assert account.token_expires_at and "tok-1" not in account.token_encrypted  # stored encrypted
    assert account.token_refreshing_until is None


def test_refused_token_is_replaced_unless_another_worker_already_did(company):
    account = services.channel_account_create(company=company, kind="shopify", name="거절", credentials=CLIENT)
    store = AccountTokenStore(account, margin=shopify.TOKEN_REFRESH_MARGIN)
    tokens = iter(["tok-1", "tok-2", "tok-3"])

    def issue():
        return next(tokens), datetime.now(UTC) + timedelta(hours=24)

    assert store.token(issue) == "tok-1"
    assert store.token(issue) == "tok-1"
    assert store.token(issue, rejected="tok-1") == "tok-2"
    assert store.token(issue, rejected="tok-1") == "tok-2"  # a late worker reporting the old token
    # new credentials: the old token is forgotten
    services.channel_account_update(account=account, name=account.name,
                                    credentials={**CLIENT, "client_secret": "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"})
    assert store.token(issue) == "tok-3"


# --- over the sandbox ---------------------------------------------------------------------------


def test_sandbox_issues_tokens_and_serves_the_pinned_version(company, sandbox):
    state, base = sandbox
    shop = state.shops["shopify-demo"]
    account = services.channel_account_create(
        company=company, kind="shopify", name="샌드박스 앱", base_url=base,
        credentials={"shop_domain": shop.credentials["shop_domain"], **shop.app})
    for _ in range(2):
        result = services.channel_account_test(account=ChannelAccount.objects.get(pk=account.pk))
        assert result.ok, result.message
    assert state.shopify_token_requests == 1  # the second test used the token stored on the account
    account.refresh_from_db()
    assert account.token_expires_at > datetime.now(UTC) + timedelta(hours=23)


def test_sandbox_token_endpoint_refuses_wrong_secret_and_json_body(sandbox):
    state, base = sandbox
    app = state.shops["shopify-demo"].app
    wrong = httpx.post(f"{base}/admin/oauth/access_token", data={**app, "client_secret": "shpss_nope",
                                                                 "grant_type": "client_credentials"})
    as_json = httpx.post(f"{base}/admin/oauth/access_token", json={**app, "grant_type": "client_credentials"})
    ok = httpx.post(f"{base}/admin/oauth/access_token", data={**app, "grant_type": "client_credentials"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    assert as_json.status_code == 400
    assert ok.status_code == 200 and ok.json()["expires_in"] == 86399
    token = ok.json()["access_token"]
    query = {"query": "query Shop { shop { name myshopifyDomain currencyCode } }", "variables": {}}
    pinned = httpx.post(f"{base}/admin/api/{shopify.API_VERSION}/graphql.json", json=query,
                        headers={"X-Shopify-Access-Token": token})
    old = httpx.post(f"{base}/admin/api/2025-07/graphql.json", json=query, headers={"X-Shopify-Access-Token": token})
    bogus = httpx.post(f"{base}/admin/api/2026-05/graphql.json", json=query, headers={"X-Shopify-Access-Token": token})
    assert pinned.status_code == 200 and pinned.headers["x-shopify-api-version"] == shopify.API_VERSION
    assert pinned.json()["data"]["shop"]["myshopifyDomain"] == "shopify-demo.myshopify.com"
    assert old.status_code == 200 and old.headers["x-shopify-api-version"] == "2026-01"  # falls forward
    assert bogus.status_code == 404


def test_a_stored_token_that_cannot_be_decrypted_is_replaced(company):
    account = services.channel_account_create(company=company, kind="shopify", name="키 교체", credentials=CLIENT)
    ChannelAccount.objects.filter(pk=account.pk).update(token_encrypted="not-a-fernet-token",
                                                        token_expires_at=datetime.now(UTC) + timedelta(hours=20))
    store = AccountTokenStore(account, margin=shopify.TOKEN_REFRESH_MARGIN)
    assert store.token(lambda: ("tok-new", datetime.now(UTC) + timedelta(hours=24))) == "tok-new"
