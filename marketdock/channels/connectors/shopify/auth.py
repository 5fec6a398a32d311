"""Shopify — the pinned Admin API version and the credentials.

- The token: either a legacy custom app's static `shpat_` token, or (apps created in the Dev Dashboard,
  the only kind since 2026-01-01) the client-credentials grant: POST /admin/oauth/access_token with a
  form body {client_id, client_secret, grant_type=client_credentials} → {access_token, scope,
  expires_in} (24 h). Such tokens are kept in a TokenStore (per process by default; the channels app
  keeps them on the account row so every worker shares one token and one refresh), renewed
  TOKEN_REFRESH_MARGIN before expiry and once more on a 401.
- Request authenticity: the HMAC of OAuth redirects and of webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, Field, field_validator, model_validator

from .. import values as v
from ..errors import (
    MalformedPayload,
)
from ..models import (
    Marketplace,
)

MP = Marketplace.SHOPIFY.value
# The one pinned Admin API version, used by every call. Shopify releases a version each quarter and
# supports it for 12 months; 2026-07 is a stable version Shopify lists as supported (2025-07 is not any
# more). Moving it: read the release notes, run the contract tests, change this line.
API_VERSION = "2026-07"
TOKEN_PATH = "/admin/oauth/access_token"
TOKEN_LIFETIME = timedelta(hours=24)  # what Shopify documents when a response carries no expires_in
TOKEN_REFRESH_MARGIN = timedelta(minutes=30)

class ShopifyCredentials(BaseModel):
    shop_domain: str = Field(min_length=1)  # "my-shop.myshopify.com"
    access_token: str = ""  # a legacy custom app's static token
    client_id: str = ""  # a Dev Dashboard app: client id + secret for the client-credentials grant
    client_secret: str = ""

    @model_validator(mode="after")
    def _one_way_in(self) -> ShopifyCredentials:
        if not self.access_token and not (self.client_id and self.client_secret):
            raise ValueError("access_token or client_id + client_secret is required")
        return self

    @property
    def uses_client_credentials(self) -> bool:
        """The client-credentials grant wins when both are stored (the Dev Dashboard app is the newer)."""
        return bool(self.client_id and self.client_secret)

    @field_validator("shop_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.strip().removeprefix("https://").removeprefix("http://").strip("/")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", value):
            raise ValueError("shop_domain must look like my-shop.myshopify.com")
        return value.lower()


# --- access tokens (client-credentials grant) -----------------------------------------------------

IssuedToken = tuple[str, datetime]  # (access token, expires at, UTC)


class TokenStore(Protocol):
    def token(self, issue: Callable[[], IssuedToken], *, rejected: str = "") -> str:
        """A token valid for at least TOKEN_REFRESH_MARGIN more, calling `issue` only when there is
        none (or only `rejected`, the one the shop just refused); one caller issues at a time."""


class MemoryTokenStore:
    """The default store: process-wide, per (shop URL, client id); one thread refreshes at a time."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._tokens: dict[tuple[str, str], IssuedToken] = {}
        self.clock = clock

    def for_key(self, key: tuple[str, str]) -> _KeyedTokenStore:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        return _KeyedTokenStore(self, key, lock)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


class _KeyedTokenStore:
    def __init__(self, parent: MemoryTokenStore, key: tuple[str, str], lock: threading.Lock) -> None:
        self.parent, self.key, self.lock = parent, key, lock

    def token(self, issue: Callable[[], IssuedToken], *, rejected: str = "") -> str:
        with self.lock:
            current = self.parent._tokens.get(self.key)
            if current and current[0] != rejected and current[1] - TOKEN_REFRESH_MARGIN > self.parent.clock():
                return current[0]
            issued = issue()
            self.parent._tokens[self.key] = issued
            return issued[0]


TOKENS = MemoryTokenStore()


def parse_token_response(body: Any, now: datetime) -> IssuedToken:
    """{access_token, scope, expires_in} → (token, expires at)."""
    if not isinstance(body, Mapping):
        raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=body)
    token = v.text(body.get("access_token"), "access_token", marketplace=MP, required=True)
    seconds = v.integer(body.get("expires_in"), "expires_in", marketplace=MP, required=False,
                        default=int(TOKEN_LIFETIME.total_seconds()))
    if seconds <= 0:
        raise MalformedPayload("expires_in", "0보다 커야 합니다", marketplace=MP, value=seconds)
    return token, now + timedelta(seconds=seconds)


# --- request authenticity (OAuth redirects, webhooks) -------------------------------------------

def oauth_hmac(params: Mapping[str, Any], secret: str) -> str:
    """Shopify's HMAC over OAuth/redirect query params: drop `hmac` (and legacy `signature`), sort,
    join `k=v` with '&' (array params `ids[]` become `ids=["2", "1"]`), HMAC-SHA256, hex."""
    def escape(text: str, key: bool = False) -> str:
        text = text.replace("%", "%25").replace("&", "%26")
        return text.replace("=", "%3D") if key else text

    parts = []
    for raw_key, value in params.items():
        if raw_key in ("hmac", "signature"):
            continue
        key = raw_key[:-2] if raw_key.endswith("[]") else raw_key
        if isinstance(value, (list, tuple)):
            value = "[" + ", ".join(f'"{item}"' for item in value) + "]"
        parts.append(f"{escape(key, key=True)}={escape(str(value))}")
    message = "&".join(sorted(parts))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_oauth_hmac(params: Mapping[str, Any], secret: str) -> bool:
    return hmac.compare_digest(oauth_hmac(params, secret), str(params.get("hmac") or ""))


def webhook_hmac(raw_body: bytes, secret: str) -> str:
    """The value Shopify sends in X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def verify_webhook(raw_body: bytes, header_value: str, secret: str) -> bool:
    return hmac.compare_digest(webhook_hmac(raw_body, secret), header_value or "")
