"""OAuth token pairs whose refresh token is single-use (Cafe24: access 2 h, refresh 2 weeks, a new refresh
token on every refresh and the old one dead at once), shared by every worker through the account row.

A refresh happens under a row lock: the transaction's first statement is an UPDATE of the account row
(PostgreSQL: that row stays locked until commit; SQLite, whose transactions here are IMMEDIATE: the
database write lock), then the row is re-read — a worker that waited finds the pair the other one
stored and uses it instead of spending the dead refresh token. The new access + refresh pair and both
expiries are written in one UPDATE in the same transaction.

Only one window is left open, and it is Cafe24's, not ours: a refresh Cafe24 processed whose answer
never reached us (a crash or timeout after sending) leaves the stored refresh token dead. The token call
is therefore never retried, and the account then shows "다시 연결" (re-authorise in the browser).
`refresh_due` drives the daily refresh job (a refresh token unused for 14 days dies as well)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from marketdock.channels.connectors.cafe24 import ACCESS_REFRESH_MARGIN, TokenPair
from marketdock.channels.connectors.errors import AuthError

from .crypto import decrypt_credentials, encrypt_credentials
from .models import ChannelAccount

MP = "cafe24"
LOCK_LEASE = timedelta(seconds=60)
# the daily job refreshes a pair older than this (so a refresh token never gets near its 14 days)
PROACTIVE_AGE = timedelta(hours=20)
REFRESH_TOKEN_LIFETIME = timedelta(days=14)
WARN_BEFORE = timedelta(days=7)  # the account screen warns when the refresh token dies within this


def store_pair(account: ChannelAccount, pair: TokenPair) -> None:
    """Keep a freshly issued pair (the authorization-code exchange of the connect flow)."""
    ChannelAccount.objects.filter(pk=account.pk, company_id=account.company_id).update(
        token_encrypted=encrypt_credentials({"access_token": pair.access_token, "refresh_token": pair.refresh_token}),
        token_expires_at=pair.expires_at, token_refresh_expires_at=pair.refresh_expires_at,
        token_refreshing_until=None, last_status="", last_error="")


def _decrypt(value: str) -> dict:
    try:
        return decrypt_credentials(value) if value else {}
    except ValueError:
        return {}


class RotatingTokenStore:
    def __init__(self, account: ChannelAccount, *, margin: timedelta = ACCESS_REFRESH_MARGIN,
                 clock: Callable[[], datetime] = timezone.now) -> None:
        self.pk, self.company_id = account.pk, account.company_id
        self.margin, self.clock = margin, clock

    def _rows(self):
        return ChannelAccount.objects.filter(pk=self.pk, company_id=self.company_id)

    def _usable(self, row: dict, rejected: str) -> str:
        token = str(_decrypt(row["token_encrypted"]).get("access_token") or "")
        expires = row["token_expires_at"]
        if token and token != rejected and expires and expires - self.margin > self.clock():
            return token
        return ""

    def _row(self) -> dict | None:
        return self._rows().values("token_encrypted", "token_expires_at", "token_refresh_expires_at").first()

    def token(self, refresh: Callable[[str], TokenPair], *, rejected: str = "") -> str:
        """A usable access token: the stored one, or one refresh (under the row lock) when it is missing,
        expiring or was just refused (`rejected`)."""
        row = self._row()
        if row is None:
            raise AuthError("카페24 계정을 찾을 수 없습니다", marketplace=MP, code="NOT_FOUND")
        token = self._usable(row, rejected)
        return token or self._refresh(refresh, rejected=rejected)

    def refresh_now(self, refresh: Callable[[str], TokenPair], *, older_than: timedelta = PROACTIVE_AGE) -> bool:
        """The daily job: refresh when the stored pair was issued more than `older_than` ago. True when a
        refresh happened (here or by another worker meanwhile)."""
        return bool(self._refresh(refresh, rejected="", proactive_age=older_than))

    def _refresh(self, refresh: Callable[[str], TokenPair], *, rejected: str,
                 proactive_age: timedelta | None = None) -> str:
        now = self.clock()
        with transaction.atomic():
            # the row lock: an UPDATE first (PostgreSQL row lock / SQLite write lock until commit)
            if not self._rows().update(token_refreshing_until=now + LOCK_LEASE):
                raise AuthError("카페24 계정을 찾을 수 없습니다", marketplace=MP, code="NOT_FOUND")
            row = self._rows().select_for_update().values(
                "token_encrypted", "token_expires_at", "token_refresh_expires_at").get()
            if proactive_age is None:
                token = self._usable(row, rejected)
                if token:  # another worker refreshed while we waited for the lock
                    self._rows().update(token_refreshing_until=None)
                    return token
            else:
                refresh_expires = row["token_refresh_expires_at"]
                issued = refresh_expires - REFRESH_TOKEN_LIFETIME if refresh_expires else None
                if issued and issued > now - proactive_age:
                    self._rows().update(token_refreshing_until=None)
                    return ""  # fresh enough (another worker just refreshed)
            refresh_token = str(_decrypt(row["token_encrypted"]).get("refresh_token") or "")
            if not refresh_token:
                raise AuthError("카페24에 아직 연결하지 않았습니다. 쇼핑몰 계정 화면에서 '카페24 연결'을 하세요.",
                                marketplace=MP, code="NOT_CONNECTED")
            if row["token_refresh_expires_at"] and row["token_refresh_expires_at"] <= now:
                raise AuthError("카페24 갱신 토큰이 만료되었습니다(14일). 쇼핑몰 계정 화면에서 '카페24 다시 연결'을 하세요.",
                                marketplace=MP, code="REFRESH_EXPIRED")
            pair = refresh(refresh_token)
            self._rows().update(
                token_encrypted=encrypt_credentials({"access_token": pair.access_token,
                                                     "refresh_token": pair.refresh_token}),
                token_expires_at=pair.expires_at, token_refresh_expires_at=pair.refresh_expires_at,
                token_refreshing_until=None)
            return pair.access_token


def refresh_state(account: ChannelAccount, *, now: datetime | None = None) -> tuple[str, int | None]:
    """For the account screen: ("not_connected" | "expired" | "soon" | "ok", days left of the refresh token)."""
    now = now or timezone.now()
    if not account.token_encrypted or not account.token_refresh_expires_at:
        return "not_connected", None
    left = account.token_refresh_expires_at - now
    days = left.days
    if left <= timedelta(0):
        return "expired", days
    if left <= WARN_BEFORE:
        return "soon", days
    return "ok", days
