"""The OAuth connect flow (Cafe24): the account screen sends the seller to the mall's consent page with a
random `state`; the mall sends the browser back to our callback with `code` and that `state`.

The state is bound to the company, the user who started the flow and the account it connects; it is
single-use (claimed with a conditional UPDATE) and expires after STATE_TTL. Only its SHA-256 is stored.
A callback whose state belongs to another company or user, was used already or has expired is refused
before anything is sent to the mall."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from marketdock.channels.connectors.cafe24 import Cafe24Credentials, OAuthClient
from marketdock.channels.connectors.errors import ConnectorError

from .hosts import api_url_problem
from .models import ChannelAccount, ChannelKind, OAuthState
from .rotating_tokens import store_pair

STATE_TTL = timedelta(minutes=10)


class OAuthRefused(Exception):
    """The callback cannot be accepted; the message says why (Korean, shown to the user). `status`: 403
    for a state that is not this company's and user's, 400 otherwise."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _client(account: ChannelAccount) -> OAuthClient:
    from .services import connector_base_url

    base_url = connector_base_url(account)
    if base_url and (problem := api_url_problem(account.kind, base_url, resolve=False)):
        raise OAuthRefused(problem)
    try:
        credentials = Cafe24Credentials.model_validate(account.credentials)
    except (PydanticValidationError, ValueError):
        raise OAuthRefused(_("쇼핑몰 ID·Client ID·Client Secret을 먼저 저장하세요."))
    return OAuthClient(credentials, base_url=base_url)


def connect_start(*, account: ChannelAccount, user, redirect_uri: str) -> str:
    """A new state for this account and user → the mall's authorize URL to send the browser to."""
    if account.kind != ChannelKind.CAFE24:
        raise OAuthRefused(_("카페24 계정만 쇼핑몰 승인으로 연결합니다."))
    client = _client(account)
    state = secrets.token_urlsafe(32)
    now = timezone.now()
    OAuthState.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()  # housekeeping
    OAuthState.objects.create(company_id=account.company_id, account=account, user=user, state_hash=_hash(state),
                              redirect_uri=redirect_uri, created_at=now, expires_at=now + STATE_TTL)
    try:
        return client.authorize_url(state=state, redirect_uri=redirect_uri)
    finally:
        client.close()


def connect_finish(*, company, user, state: str, code: str, error: str = "") -> ChannelAccount:
    """Check the state (this company, this user, unused, not expired), claim it, exchange the code and
    store the token pair. Raises OAuthRefused with the reason."""
    if not state:
        raise OAuthRefused(_("연결 요청 정보(state)가 없습니다. 쇼핑몰 계정 화면에서 다시 연결하세요."))
    row = OAuthState.objects.select_related("account").filter(state_hash=_hash(state)).first()
    if row is None or row.company_id != company.pk or row.user_id != user.pk:
        raise OAuthRefused(_("이 연결 요청은 현재 회사·사용자가 시작한 것이 아닙니다. 쇼핑몰 계정 화면에서 다시 연결하세요."),
                           status=403)
    now = timezone.now()
    if row.expires_at <= now:
        raise OAuthRefused(_("연결 요청이 만료되었습니다(10분). 쇼핑몰 계정 화면에서 다시 연결하세요."))
    if not OAuthState.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise OAuthRefused(_("이미 처리된 연결 요청입니다. 쇼핑몰 계정 화면에서 연결 상태를 확인하세요."))
    account = row.account
    if error:
        raise OAuthRefused(_("쇼핑몰에서 앱 권한 승인을 거절했습니다: %(error)s") % {"error": error[:200]})
    if not code:
        raise OAuthRefused(_("쇼핑몰이 승인 코드(code)를 보내지 않았습니다. 다시 연결하세요."))
    client = _client(account)
    try:
        pair = client.exchange_code(code, row.redirect_uri)
    except ConnectorError as exc:
        raise OAuthRefused(_("카페24 토큰 발급에 실패했습니다: %(error)s") % {"error": exc.message})
    finally:
        client.close()
    with transaction.atomic():
        store_pair(account, pair)
    account.refresh_from_db()
    return account
