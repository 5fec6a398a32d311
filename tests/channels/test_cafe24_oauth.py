"""Cafe24 OAuth: the connect screens (redirect to the mall, callback with a single-use state bound to the
company, user and account), the rotating refresh token kept on the account under a row lock (two workers
never lose it), the daily refresh and the warning before the 14-day cliff, and the demo's seeded pair."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from marketdock.channels import oauth, services
from marketdock.channels.connectors.cafe24 import TokenPair
from marketdock.channels.connectors.errors import AuthError
from marketdock.channels.models import ChannelAccount, OAuthState
from marketdock.channels.rotating_tokens import RotatingTokenStore, refresh_state, store_pair
from tests.factories.core import make_user
from tests.isolation import assert_isolated

CREDS = {"mall_id": "myshop", "cafe24_client_id": "AbCdEfGhIjKlMnOpQrStUv", "cafe24_client_secret": "s3cr3tS3cr3tS3cr3t"}


def pair(n: int, *, access_for: timedelta = timedelta(hours=2)) -> TokenPair:
    now = timezone.now()
    return TokenPair(access_token=f"access-{n}", expires_at=now + access_for, refresh_token=f"refresh-{n}",
                     refresh_expires_at=now + timedelta(days=14))


class Mall:
    """Cafe24's token endpoint in miniature: refresh tokens are single-use (rotation)."""

    def __init__(self, first: int = 0, delay: float = 0.0) -> None:
        self.current, self.delay, self.calls = first, delay, []
        self.lock = threading.Lock()

    def refresh(self, refresh_token: str) -> TokenPair:
        self.calls.append(refresh_token)
        time.sleep(self.delay)  # the other worker arrives while this one waits for Cafe24
        with self.lock:
            if refresh_token != f"refresh-{self.current}":
                raise AuthError("refresh_token is invalid, used or expired", marketplace="cafe24", code="invalid_grant")
            self.current += 1
            return pair(self.current)


def cafe24_account(company, name="카페24 본점", **extra) -> ChannelAccount:
    return services.channel_account_create(company=company, kind="cafe24", name=name, credentials=CREDS, **extra)


# --- rotation under concurrency ---------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_make_one_refresh_and_both_get_the_new_token(company):
    """Threads on the configured database (PostgreSQL with DATABASE_URL, else the SQLite file): the
    second worker waits on the row lock, then finds the stored pair instead of spending the dead token."""
    account = cafe24_account(company)
    store_pair(account, pair(0, access_for=timedelta(seconds=-1)))  # access expired: both must refresh
    mall = Mall(delay=0.3)
    results: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            store = RotatingTokenStore(ChannelAccount.objects.get(pk=account.pk))
            barrier.wait()
            results.append(store.token(mall.refresh))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and mall.calls == ["refresh-0"] and results == ["access-1", "access-1"]
    account.refresh_from_db()
    assert "refresh-1" not in account.token_encrypted and account.token_refreshing_until is None
    # the stored refresh token is the live one: the next refresh works
    assert RotatingTokenStore(account).token(mall.refresh, rejected="access-1") == "access-2"


def test_a_late_worker_reporting_the_old_token_gets_the_stored_one_not_a_second_refresh(company):
    """SQLite-safe sequential variant of the race: worker B read the old token, worker A refreshed; when B
    reports the old token refused, it is handed A's token (no second refresh with a dead token)."""
    account = cafe24_account(company)
    store_pair(account, pair(0))
    mall = Mall()
    store = RotatingTokenStore(account)
    assert store.token(mall.refresh) == "access-0" and mall.calls == []
    assert store.token(mall.refresh, rejected="access-0") == "access-1"  # worker A
    assert store.token(mall.refresh, rejected="access-0") == "access-1"  # worker B, late
    assert mall.calls == ["refresh-0"]


def test_a_refused_refresh_keeps_the_stored_pair_and_asks_for_reconnect(company):
    account = cafe24_account(company)
    store_pair(account, pair(5, access_for=timedelta(seconds=-1)))
    mall = Mall(first=9)  # the mall no longer knows refresh-5
    with pytest.raises(AuthError):
        RotatingTokenStore(account).token(mall.refresh)
    account.refresh_from_db()
    assert account.token_refreshing_until is None and account.token_encrypted  # nothing half-written
    empty = cafe24_account(company, name="미연결")
    with pytest.raises(AuthError, match="카페24 연결"):
        RotatingTokenStore(empty).token(mall.refresh)


def test_daily_refresh_rotates_day_old_pairs_and_the_screen_warns_before_the_cliff(company, admin_client):
    account = cafe24_account(company)
    old = pair(0)
    store_pair(account, old.model_copy(update={"refresh_expires_at": timezone.now() + timedelta(days=5)}))
    account.refresh_from_db()
    assert refresh_state(account)[0] == "soon"
    page = admin_client.get(reverse("channels:account_edit", args=[account.pk])).content.decode()
    assert 'data-testid="oauth-warning"' in page and "갱신 토큰 만료 D-" in page
    mall = Mall()
    store = RotatingTokenStore(account)
    assert store.refresh_now(mall.refresh) and mall.calls == ["refresh-0"]
    assert not store.refresh_now(mall.refresh)  # fresh now: the next hourly run leaves it alone
    account.refresh_from_db()
    assert refresh_state(account)[0] == "ok"
    listing = admin_client.get(reverse("channels:account_list")).content.decode()
    assert "카페24 연결됨" in listing


# --- the connect flow over the sandbox ---------------------------------------------------------

def sandbox_account(company, state, base, name="카페24 샌드박스"):
    shop = state.shops["cafe24-demo"]
    return services.channel_account_create(company=company, kind="cafe24", name=name, credentials=shop.credentials,
                                           base_url=base)


def start(client, account) -> str:
    response = client.post(reverse("channels:account_oauth_start", args=[account.pk]))
    assert response.status_code == 302
    return response["Location"]


def consent(url: str) -> str:
    """The sandbox's consent page → the 승인 link (back to our callback)."""
    page = httpx.get(url).text
    href = page.split("id='approve' href='", 1)[1].split("'", 1)[0]
    return href.replace("&amp;", "&")


def test_connect_flow_stores_the_pair_and_the_account_then_collects(admin_client, company, sandbox):
    state, base = sandbox
    account = sandbox_account(company, state, base)
    page = admin_client.get(reverse("channels:account_edit", args=[account.pk])).content.decode()
    assert "카페24 미연결" in page and 'data-testid="oauth-start"' in page
    authorize = start(admin_client, account)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{base}/api/v2/oauth/authorize?") and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver" + reverse("channels:oauth_callback")]
    back = consent(authorize)
    response = admin_client.get(back[len("http://testserver"):])
    assert response.status_code == 302 and response["Location"] == reverse("channels:account_edit", args=[account.pk])
    account.refresh_from_db()
    assert refresh_state(account)[0] == "ok"
    result = services.channel_account_test(account=account)
    assert result.ok and "샌드박스몰 1" in result.message
    # the state was single-use: the same callback again is refused
    again = admin_client.get(back[len("http://testserver"):])
    assert again.status_code == 400 and "이미 처리된" in again.content.decode()


def test_a_callback_with_another_companys_state_is_refused(admin_client, other_client, company, sandbox):
    state, base = sandbox
    account = sandbox_account(company, state, base)
    back = consent(start(admin_client, account))
    response = other_client.get(back[len("http://testserver"):])
    assert response.status_code == 403 and "현재 회사·사용자" in response.content.decode()
    account.refresh_from_db()
    assert not account.token_encrypted  # nothing stored, the code never exchanged
    assert OAuthState.objects.get(account=account).used_at is None  # and the real user can still finish


def test_a_callback_by_another_user_of_the_company_expired_or_without_state_is_refused(
        admin_client, company, sandbox, client):
    state, base = sandbox
    account = sandbox_account(company, state, base)
    back = consent(start(admin_client, account))
    colleague = make_user(company, "cafe24-colleague", builtin="admin")
    client.force_login(colleague)
    assert client.get(back[len("http://testserver"):]).status_code == 403
    OAuthState.objects.filter(account=account).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = admin_client.get(back[len("http://testserver"):])
    assert expired.status_code == 400 and "만료" in expired.content.decode()
    assert admin_client.get(reverse("channels:oauth_callback")).status_code == 400


def test_denied_consent_is_reported_and_nothing_is_stored(admin_client, company, sandbox):
    state, base = sandbox
    account = sandbox_account(company, state, base)
    page = httpx.get(start(admin_client, account)).text
    deny = page.split("id='deny' href='", 1)[1].split("'", 1)[0].replace("&amp;", "&")
    response = admin_client.get(deny[len("http://testserver"):])
    assert response.status_code == 400 and "거절" in response.content.decode()
    account.refresh_from_db()
    assert not account.token_encrypted


def test_connect_screens_are_company_isolated_and_closed_to_read_only_roles(
        company, other_client, viewer_client, sandbox):
    state, base = sandbox
    account = sandbox_account(company, state, base)
    assert_isolated(other_client, [reverse("channels:account_oauth_start", args=[account.pk])],
                    secrets=(state.shops["cafe24-demo"].credentials["mall_id"],))
    assert viewer_client.post(reverse("channels:account_oauth_start", args=[account.pk])).status_code == 403
    assert viewer_client.get(reverse("channels:oauth_callback") + "?state=x&code=y").status_code == 403
    assert not OAuthState.objects.exists()


def test_connect_start_refuses_an_account_without_app_keys(admin_client, company):
    account = services.channel_account_create(company=company, kind="naver", name="네이버",
                                              credentials={"client_id": "abcdefgh1234",
                                                           "client_secret": "$2a$04$abcdefghijklmnopqrstuv"})
    with pytest.raises(oauth.OAuthRefused):
        oauth.connect_start(account=account, user=None, redirect_uri="http://x/cb")


def test_the_sandbox_refuses_a_used_refresh_token_after_rotation(company, sandbox):
    state, base = sandbox
    account = sandbox_account(company, state, base)
    from marketdock.sandbox.cafe24 import seeded_tokens

    seeded = seeded_tokens(state.seed, "cafe24-demo")
    store_pair(account, TokenPair(access_token=seeded["access_token"], expires_at=timezone.now(),
                                  refresh_token=seeded["refresh_token"],
                                  refresh_expires_at=timezone.now() + timedelta(days=14)))
    assert services.channel_account_test(account=account).ok  # refreshed on the way (access expired)
    from marketdock.channels.connectors.cafe24 import Cafe24Credentials, OAuthClient

    client = OAuthClient(Cafe24Credentials.model_validate(account.credentials), base_url=base)
    with pytest.raises(AuthError, match="invalid, used or expired"):
        client.refresh(seeded["refresh_token"])
    client.close()
    account.refresh_from_db()
    assert account.token_expires_at > datetime.now(UTC) + timedelta(minutes=100)


def test_the_hourly_job_refreshes_day_old_pairs_of_connected_accounts_only(company, sandbox):
    from marketdock.channels.demo import seed_sandbox_cafe24_tokens

    state, base = sandbox
    account = sandbox_account(company, state, base)
    seed_sandbox_cafe24_tokens(account, "cafe24-demo", state.seed, access_valid=True)
    ChannelAccount.objects.filter(pk=account.pk).update(  # issued two days ago
        token_refresh_expires_at=timezone.now() + timedelta(days=12))
    sandbox_account(company, state, base, name="미연결 카페24")  # never connected: left alone
    assert services.oauth_refresh_due_accounts() == 1
    account.refresh_from_db()
    assert account.token_refresh_expires_at > timezone.now() + timedelta(days=13)
    assert services.oauth_refresh_due_accounts() == 0  # refreshed today: nothing to do
    tokens = [r for r in state.shops["cafe24-demo"].received if r["operation"] == "token"]
    assert len(tokens) == 1
