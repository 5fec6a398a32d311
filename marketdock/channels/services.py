"""Channel account state changes and the one way to reach a marketplace for an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from pydantic import ValidationError as PydanticValidationError

from marketdock.channels.connectors import shopify
from marketdock.channels.connectors.base import Connector, build_connector
from marketdock.channels.connectors.errors import (
    AuthError,
    BusinessError,
    ConnectorError,
    RateLimited,
    TemporaryError,
)
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.core.usage import usage_limit_check

from . import hooks, selectors
from .credentials import credentials_check
from .hosts import api_url_problem
from .models import ChannelAccount, ChannelKind
from .tokens import AccountTokenStore, account_token_forget


def connector_base_url(account: ChannelAccount) -> str | None:
    """The URL the connector talks to: the account's override (the demo's sandbox) or the real API.
    Naver's connector expects the `/external` root; Shopify derives its URL from the shop domain."""
    url = (account.effective_base_url or "").rstrip("/")
    if not url:
        return None
    if account.kind == ChannelKind.NAVER and not url.endswith("/external"):
        url += "/external"
    return url


def connector_for(account: ChannelAccount, *, options: HttpOptions | None = None) -> Connector:
    """A ready connector for this account (decrypted credentials, base URL, shared rate limiter)."""
    if account.kind == ChannelKind.MANUAL:
        raise ValueError("기타(엑셀 업로드) 쇼핑몰은 API 연동이 없습니다. 주문은 엑셀로 등록하세요.")
    base_url = connector_base_url(account)
    # checked before every connection too: an address saved earlier or a setting changed since
    problem = api_url_problem(account.kind, base_url, resolve=False) if base_url else ""
    if problem:
        raise ConnectorError(problem, marketplace=account.kind)
    credentials = account.credentials
    extra = {}
    if account.kind == ChannelKind.SHOPIFY and credentials.get("client_id") and credentials.get("client_secret"):
        # client-credentials tokens live on the account row: one token and one refresh for every worker
        extra["token_store"] = AccountTokenStore(account, margin=shopify.TOKEN_REFRESH_MARGIN, marketplace="shopify")
    if account.kind == ChannelKind.CAFE24:
        from .rotating_tokens import RotatingTokenStore

        # the access/refresh pair lives on the account row; refreshed under a row lock (rotation)
        extra["token_store"] = RotatingTokenStore(account)
    return build_connector(account.kind, credentials, base_url=base_url, options=options, **extra)


# --- channel accounts (LST-1) ----------------------------------------------------------------

# Coupang: since 2023-07-10 an OPEN API key is valid for 180 days and must then be re-issued in WING
# (Coupang seller notices); an account saved without an expiry date gets this default.
COUPANG_KEY_VALID_DAYS = 180
MIN_COLLECT_MINUTES = 5
MAX_COLLECT_MINUTES = 24 * 60
TEST_TIMEOUT_SECONDS = 10.0
# `last_status` while a collection holds the account's lease (marketdock.orders.services.collection):
# the connection test and the edit screen never overwrite it.
COLLECTING = "running"
MAX_DISPATCH_DAYS = 30


def _account_values_check(*, company, kind: str, name: str, base_url: str, collect_every_minutes: int,
                          exclude_pk: int | None = None, dispatch_days: int = 2,
                          dispatch_cutoff_hour: int = 15) -> tuple[str, str, dict[str, str]]:
    errors: dict[str, str] = {}
    if not 0 <= int(dispatch_days if dispatch_days is not None else -1) <= MAX_DISPATCH_DAYS:
        errors["dispatch_days"] = _("출고기한은 결제 후 0~%(max)d영업일로 입력하세요.") % {"max": MAX_DISPATCH_DAYS}
    if not 0 <= int(dispatch_cutoff_hour if dispatch_cutoff_hour is not None else -1) <= 23:
        errors["dispatch_cutoff_hour"] = _("당일 출고 마감시각은 0~23시로 입력하세요 (0은 마감 없음).")
    if kind not in ChannelKind.values:
        errors["kind"] = _("쇼핑몰 종류를 고르세요.")
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("계정명을 입력하세요.")
    elif len(name) > 100:
        errors["name"] = _("계정명은 100자 이내로 입력하세요.")
    elif selectors.channel_account_name_taken(company, name, exclude_pk=exclude_pk):
        errors["name"] = _("같은 이름의 쇼핑몰 계정(%(name)s)이 이미 있습니다. 다른 이름을 쓰세요.") % {"name": name}
    base_url = (base_url or "").strip().rstrip("/")
    if base_url:
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except ValidationError:
            errors["base_url"] = _("API 주소는 http:// 또는 https://로 시작하는 주소입니다(비워 두면 쇼핑몰의 실제 API).")
        else:
            if len(base_url) > 300:
                errors["base_url"] = _("API 주소가 너무 깁니다(300자 이내).")
            elif kind in ChannelKind.values and (problem := api_url_problem(kind, base_url)):
                errors["base_url"] = problem
    if not (MIN_COLLECT_MINUTES <= int(collect_every_minutes or 0) <= MAX_COLLECT_MINUTES):
        errors["collect_every_minutes"] = _("수집 주기는 %(min)d분 이상 %(max)d분 이하로 입력하세요.") % {
            "min": MIN_COLLECT_MINUTES, "max": MAX_COLLECT_MINUTES}
    return name, base_url, errors


def _default_expiry(kind: str, given):
    if given is None and kind == ChannelKind.COUPANG:
        return timezone.localdate() + timedelta(days=COUPANG_KEY_VALID_DAYS)
    return given


@sensitive_variables("credentials", "checked")
def channel_account_create(*, company, kind: str, name: str, credentials: dict[str, str], base_url: str = "",
                           collect_every_minutes: int = 30, auto_collect: bool = True,
                           credentials_expire_on=None, is_active: bool = True,
                           dispatch_days: int = 2, dispatch_cutoff_hour: int = 15) -> ChannelAccount:
    """Add a marketplace account. Credentials are shape-checked and stored encrypted. A Coupang
    account without an expiry date gets today + COUPANG_KEY_VALID_DAYS. Raises ValidationError with
    a message per form field."""
    name, base_url, errors = _account_values_check(company=company, kind=kind, name=name, base_url=base_url,
                                                   collect_every_minutes=collect_every_minutes,
                                                   dispatch_days=dispatch_days, dispatch_cutoff_hour=dispatch_cutoff_hour)
    checked, cred_errors = credentials_check(kind, credentials)
    errors.update(cred_errors)
    if errors:
        raise ValidationError(errors)
    # service usage (SYS-8): stores (channel accounts) are limited by the plan, with a 10 % grace
    usage_limit_check(company, "stores", current=ChannelAccount.objects.filter(company=company).count())
    account = ChannelAccount(company=company, kind=kind, name=name, base_url=base_url,
                             collect_every_minutes=collect_every_minutes, auto_collect=auto_collect,
                             credentials_expire_on=_default_expiry(kind, credentials_expire_on), is_active=is_active,
                             dispatch_days=dispatch_days, dispatch_cutoff_hour=dispatch_cutoff_hour)
    account.set_credentials(checked)
    account.save()
    return account


@sensitive_variables("credentials", "checked", "current")
def channel_account_update(*, account: ChannelAccount, name: str, credentials: dict[str, str], base_url: str = "",
                           collect_every_minutes: int = 30, auto_collect: bool = True,
                           credentials_expire_on=None, is_active: bool = True,
                           dispatch_days: int = 2, dispatch_cutoff_hour: int = 15) -> ChannelAccount:
    """Change an account. The marketplace kind never changes (orders belong to it). A secret left
    empty keeps its stored value. When Coupang keys are replaced and the expiry date was left as it
    was (or empty), the new keys get a fresh default expiry. Changed credentials or URL reset the
    last connection result. Only the fields of this screen are written (the collector's cursor and
    lease are updated concurrently and never overwritten)."""
    name, base_url, errors = _account_values_check(
        company=account.company, kind=account.kind, name=name, base_url=base_url,
        collect_every_minutes=collect_every_minutes, exclude_pk=account.pk,
        dispatch_days=dispatch_days, dispatch_cutoff_hour=dispatch_cutoff_hour)
    current = account.credentials
    checked, cred_errors = credentials_check(account.kind, credentials, current=current)
    errors.update(cred_errors)
    if errors:
        raise ValidationError(errors)
    credentials_changed = checked != current
    if (account.kind == ChannelKind.COUPANG and credentials_changed
            and credentials_expire_on in (None, account.credentials_expire_on)
            and (checked.get("access_key"), checked.get("secret_key"))
            != (current.get("access_key"), current.get("secret_key"))):
        credentials_expire_on = None  # new keys: a new validity period
    connection_changed = credentials_changed or base_url != account.base_url
    account.name = name
    account.base_url = base_url
    account.collect_every_minutes = collect_every_minutes
    account.auto_collect = auto_collect
    account.credentials_expire_on = _default_expiry(account.kind, credentials_expire_on)
    account.is_active = is_active
    account.dispatch_days, account.dispatch_cutoff_hour = dispatch_days, dispatch_cutoff_hour
    fields = ["name", "base_url", "collect_every_minutes", "auto_collect", "credentials_expire_on", "is_active",
              "dispatch_days", "dispatch_cutoff_hour", "updated_at"]
    if credentials_changed:
        account.set_credentials(checked)
        fields.append("credentials_encrypted")
    with transaction.atomic():
        # only the fields this screen owns: the collector updates cursor/lease/status concurrently
        account.save(update_fields=fields)
        if connection_changed:  # the last test/collection result was for the old keys or URL
            ChannelAccount.objects.filter(pk=account.pk).exclude(last_status=COLLECTING).update(
                last_status="", last_error="")
            account_token_forget(account)  # a token issued for the old keys or shop
    account.refresh_from_db(fields=["last_status", "last_error"])
    return account


class ChannelAccountInUse(Exception):
    """The account cannot be deleted; the message says why and what to do instead."""


def channel_account_delete(*, account: ChannelAccount) -> None:
    """Delete an account that never received orders (its option mappings and collection history
    go with it). An account with orders is refused: deactivate it instead."""
    if account.last_status == COLLECTING and account.next_collect_at and account.next_collect_at > timezone.now():
        raise ChannelAccountInUse(_("%(name)s 계정은 지금 주문을 수집하고 있습니다. 수집이 끝난 뒤 다시 시도하세요.")
                                  % {"name": account.name})
    orders = hooks.account_order_count(account.company, account)
    if orders:
        raise ChannelAccountInUse(
            _("%(name)s 계정에는 주문 %(count)s건이 있어 삭제할 수 없습니다. 더 쓰지 않으려면 '사용'을 끄세요 "
              "(수집이 멈추고 주문 이력은 남습니다).") % {"name": account.name, "count": f"{orders:,}"})
    try:
        with transaction.atomic():
            account.delete()
    except ProtectedError:
        raise ChannelAccountInUse(
            _("%(name)s 계정을 참조하는 자료가 있어 삭제할 수 없습니다. 대신 '사용'을 끄세요.") % {"name": account.name})


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    account_name: str = ""


def _test_failure_message(exc: ConnectorError, url: str) -> str:
    host = urlsplit(url).netloc or url
    if isinstance(exc, (AuthError, BusinessError)):
        text = exc.message
        if exc.code and exc.code not in text:
            text = f"{exc.code}: {text}"
        prefix = _("인증 실패") if isinstance(exc, AuthError) else _("쇼핑몰 오류")
        status = f" (HTTP {exc.status})" if exc.status else ""
        return f"{prefix}{status}: {text}"
    if isinstance(exc, RateLimited):
        return _("요청 한도를 초과했습니다. 잠시 후 다시 시도하세요: %(detail)s") % {"detail": exc.message}
    if isinstance(exc, TemporaryError):
        if exc.status:
            return _("%(host)s 서버가 일시적인 오류로 응답했습니다: %(detail)s") % {"host": host, "detail": exc.message}
        return _("%(host)s 서버에 연결할 수 없습니다. 주소와 네트워크(방화벽·고정 IP)를 확인하세요: %(detail)s") % {
            "host": host, "detail": exc.message}
    return exc.message


def channel_account_test(*, account: ChannelAccount, timeout: float = TEST_TIMEOUT_SECONDS) -> ConnectionTestResult:
    """연결 테스트: ask the marketplace with the stored credentials (one try, short timeout) and
    record the result on the account (`last_status` ok/error, `last_error`)."""
    if account.kind == ChannelKind.MANUAL:
        result = ConnectionTestResult(False, _("기타(엑셀 업로드) 계정은 API 연동이 없어 연결 테스트가 필요 없습니다."))
        return result
    options = HttpOptions(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), retry=RetryPolicy(attempts=1))
    url = connector_base_url(account) or ""
    try:
        with connector_for(account, options=options) as conn:
            url = conn.api.base_url
            status = conn.test_connection()
    except ValueError as exc:  # undecryptable credentials
        if isinstance(exc, PydanticValidationError):
            message = _("저장된 인증정보가 완전하지 않습니다. 수정 화면에서 인증정보를 다시 입력하세요.")
        else:
            message = _("저장된 인증정보를 복호화할 수 없습니다(암호화 키가 바뀌었습니다). 인증정보를 다시 입력하세요.")
        result = ConnectionTestResult(False, message)
    except ConnectorError as exc:
        result = ConnectionTestResult(False, _test_failure_message(exc, url))
    else:
        remote = status.account_name or ""
        message = _("연결 성공: %(name)s") % {"name": account.name}
        if remote and remote != account.name:
            message += " · " + _("쇼핑몰 계정 %(remote)s") % {"remote": remote}
        if status.detail:
            message += f" — {status.detail}"
        result = ConnectionTestResult(True, message, remote or account.name)
    status, error = ("ok", "") if result.ok else ("error", result.message)
    # a collection running right now keeps its lease; its own result will be the last one
    if ChannelAccount.objects.filter(pk=account.pk).exclude(last_status=COLLECTING).update(
            last_status=status, last_error=error, updated_at=timezone.now()):
        account.last_status, account.last_error = status, error
    return result


# --- OAuth token pairs (Cafe24) ----------------------------------------------------------------

def oauth_refresh_account(*, account: ChannelAccount) -> bool:
    """Refresh one account's token pair now if it is older than a day (under the row lock). A refusal
    is recorded on the account (the screen then asks for 다시 연결). True when refreshed."""
    from marketdock.channels.connectors.cafe24 import Cafe24Credentials, OAuthClient

    from .rotating_tokens import RotatingTokenStore

    base_url = connector_base_url(account)
    client = OAuthClient(Cafe24Credentials.model_validate(account.credentials), base_url=base_url)
    try:
        return RotatingTokenStore(account).refresh_now(client.refresh)
    except AuthError as exc:
        ChannelAccount.objects.filter(pk=account.pk).exclude(last_status=COLLECTING).update(
            last_status="error", last_error=exc.message)
        return False
    finally:
        client.close()


def oauth_refresh_due_accounts() -> int:
    """The hourly job's body: every active, connected Cafe24 account of every company."""
    refreshed = 0
    accounts = ChannelAccount.objects.filter(kind=ChannelKind.CAFE24, is_active=True,
                                             token_refresh_expires_at__gt=timezone.now()).exclude(token_encrypted="")
    for account in accounts:
        try:
            refreshed += oauth_refresh_account(account=account)
        except (ConnectorError, ValueError):
            continue  # unreachable now: the next hour tries again
    return refreshed
