"""Naver Commerce API — credentials and the access token.

Token: POST /v1/oauth2/token (form) with client_secret_sign = base64(bcrypt(f"{client_id}_{ts_ms}",
salt=client_secret)); the Bearer token lives 3 h and is cached until TOKEN_REFRESH_MARGIN before expiry;
one refresh-and-retry on 401 GW.AUTHN (see transport)."""

from __future__ import annotations

import base64
import threading
from datetime import datetime, timedelta

import bcrypt
from pydantic import BaseModel, Field

from ..errors import AuthError
from ..models import (
    Marketplace,
)

MP = Marketplace.NAVER.value
BASE_URL = "https://api.commerce.naver.com/external"
TOKEN_PATH = "/v1/oauth2/token"

TOKEN_REFRESH_MARGIN = timedelta(minutes=30)


class NaverCredentials(BaseModel):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    account_id: str = ""  # only for a solution acting for a seller (type=SELLER)


# --- signature -------------------------------------------------------------------------------

_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def canonical_salt(client_secret: str) -> str:
    """A bcrypt salt is 22 base64 chars = 132 bits for 128 bits of salt, so the last char carries
    only 2 bits. Java/Node ignore the 4 spare bits; pyca/bcrypt rejects a non-zero remainder (Naver's
    documented example secret has one). Clearing them changes nothing for real issued secrets."""
    if len(client_secret) < 29 or client_secret[0] != "$":
        return client_secret
    last = client_secret[28]
    index = _BCRYPT_ALPHABET.find(last)
    if index < 0:
        return client_secret
    return client_secret[:28] + _BCRYPT_ALPHABET[index & 0b110000] + client_secret[29:]


def client_secret_sign(client_id: str, client_secret: str, timestamp_ms: int) -> str:
    password = f"{client_id}_{timestamp_ms}".encode()
    try:
        hashed = bcrypt.hashpw(password, canonical_salt(client_secret).encode())
    except ValueError as exc:
        raise AuthError(f"client_secret 형식이 올바르지 않습니다 (bcrypt salt가 아님): {exc}", marketplace=MP) from exc
    return base64.b64encode(hashed).decode()


# --- token cache -----------------------------------------------------------------------------

class TokenCache:
    """Process-wide cache of Bearer tokens per (host, client_id, type, account). Naver hands out the
    same token while more than 30 minutes remain, so parallel processes need no lock for correctness."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, ...], tuple[str, datetime]] = {}

    def get(self, key: tuple[str, ...], now: datetime) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry and entry[1] - TOKEN_REFRESH_MARGIN > now:
            return entry[0]
        return None

    def put(self, key: tuple[str, ...], token: str, expires_at: datetime) -> None:
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def drop(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


TOKENS = TokenCache()
