"""Access tokens a marketplace issues for an account's stored credentials (Shopify's client-credentials
grant: 24 h tokens), shared by every worker of every process through the account row.

The token is kept encrypted on the account with its expiry. When it is missing, expiring (within the
connector's TOKEN_REFRESH_MARGIN) or just refused by the shop, ONE worker renews it: it claims the
refresh with a conditional UPDATE (`token_refreshing_until` empty or past — on SQLite and PostgreSQL
alike exactly one UPDATE matches), re-reads the row (another worker may have stored a token in between)
and only then asks the marketplace. The others wait for the stored token instead of asking too. A
worker that dies mid-refresh loses its claim after REFRESH_LEASE."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from marketdock.channels.connectors.errors import TemporaryError

from .crypto import decrypt_credentials, encrypt_credentials
from .models import ChannelAccount

REFRESH_LEASE = timedelta(seconds=60)
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.1

IssuedToken = tuple[str, datetime]


class AccountTokenStore:
    def __init__(self, account: ChannelAccount, *, margin: timedelta, marketplace: str = "",
                 clock: Callable[[], datetime] = timezone.now, sleep: Callable[[float], None] = time.sleep,
                 wait_seconds: float = WAIT_SECONDS) -> None:
        self.pk, self.company_id = account.pk, account.company_id
        self.margin, self.marketplace = margin, marketplace
        self.clock, self.sleep, self.wait_seconds = clock, sleep, wait_seconds

    def _rows(self):
        return ChannelAccount.objects.filter(pk=self.pk, company_id=self.company_id)

    def _stored(self, rejected: str) -> str:
        row = self._rows().values("token_encrypted", "token_expires_at").first()
        if not row or not row["token_encrypted"] or not row["token_expires_at"]:
            return ""
        try:
            token = str(decrypt_credentials(row["token_encrypted"]).get("access_token") or "")
        except ValueError:  # encrypted with a key no longer configured: ask for a new token
            return ""
        if token and token != rejected and row["token_expires_at"] - self.margin > self.clock():
            return token
        return ""

    def token(self, issue: Callable[[], IssuedToken], *, rejected: str = "") -> str:
        waited = 0.0
        while True:
            token = self._stored(rejected)
            if token:
                return token
            now = self.clock()
            claimed = self._rows().filter(Q(token_refreshing_until__isnull=True) | Q(token_refreshing_until__lte=now)
                                          ).update(token_refreshing_until=now + REFRESH_LEASE)
            if claimed:
                return self._refresh(issue, rejected)
            if waited >= self.wait_seconds:
                raise TemporaryError("다른 작업자가 액세스 토큰을 갱신하고 있습니다. 잠시 후 다시 시도하세요.",
                                     marketplace=self.marketplace)
            if connection.in_atomic_block:  # inside a transaction the other worker's token cannot be seen
                raise TemporaryError("액세스 토큰 갱신을 기다릴 수 없습니다 (트랜잭션 안). 잠시 후 다시 시도하세요.",
                                     marketplace=self.marketplace)
            self.sleep(POLL_SECONDS)
            waited += POLL_SECONDS

    def _refresh(self, issue: Callable[[], IssuedToken], rejected: str) -> str:
        try:
            token = self._stored(rejected)  # stored by another worker between our read and our claim
            if token:
                return token
            token, expires_at = issue()
            self._rows().update(token_encrypted=encrypt_credentials({"access_token": token}),
                                token_expires_at=expires_at)
            return token
        finally:
            self._rows().update(token_refreshing_until=None)


def account_token_forget(account: ChannelAccount) -> None:
    """Drop the issued token (the credentials it was issued for changed)."""
    ChannelAccount.objects.filter(pk=account.pk, company_id=account.company_id).update(
        token_encrypted="", token_expires_at=None, token_refreshing_until=None)
