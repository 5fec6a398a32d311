"""Naver Commerce API — one authorised call (token issue, Bearer header, one retry on 401), HTTP
errors mapped to connector errors, the `data` envelope. The `+` of `+09:00` is always sent as %2B."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from .. import values as v
from ..base import (
    Connector,
    response_json,
)
from ..errors import AuthError, BusinessError, MalformedPayload, TemporaryError
from ..http import ApiClient, HttpOptions, unparsed_body
from ..models import (
    KnownListing,
)
from .auth import BASE_URL, MP, TOKEN_PATH, TOKENS, NaverCredentials, TokenCache, client_secret_sign


def response_data(payload: Any, prefix: str = "data") -> Any:
    if not isinstance(payload, Mapping) or "data" not in payload:
        raise MalformedPayload(prefix, "응답에 data가 없습니다", marketplace=MP)
    return payload["data"]


def query_string(params: Sequence[tuple[str, str]]) -> str:
    return urlencode(list(params), quote_via=quote, safe=":")


class NaverTransport(Connector):
    """The connection to one application/seller: HTTP client, token cache and the authorised call."""

    def __init__(self, credentials: NaverCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, page_size: int = 300, token_cache: TokenCache | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.page_size = max(1, min(300, page_size))
        self.tokens = token_cache or TOKENS
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api = ApiClient(marketplace=MP, base_url=self.base_url, limiter_key=f"naver:{credentials.client_id}",
                             rate=self.DEFAULT_RATE, options=options)
        self._token_key = (self.base_url, credentials.client_id, "SELLER" if credentials.account_id else "SELF",
                           credentials.account_id)
        self._origin_nos: dict[str, str] = {}  # channel product no -> origin product no
        self._known: dict[str, KnownListing] = {}  # channel product no -> what the OMS told us

    # token
    def _issue_token(self) -> str:
        creds = self.credentials
        timestamp_ms = int(self.clock().timestamp() * 1000)
        form = {
            "client_id": creds.client_id,
            "timestamp": str(timestamp_ms),
            "client_secret_sign": client_secret_sign(creds.client_id, creds.client_secret, timestamp_ms),
            "grant_type": "client_credentials",
            "type": "SELLER" if creds.account_id else "SELF",
        }
        if creds.account_id:
            form["account_id"] = creds.account_id
        response = self.api.send("POST", TOKEN_PATH, data=form)
        if response.status_code != 200:
            code, message = _error_fields(response)
            raise AuthError(_auth_message(code, message, response.status_code), marketplace=MP, code=code,
                            status=response.status_code)
        body = response_json(response, MP)
        token = v.text(body.get("access_token") if isinstance(body, Mapping) else None, "access_token",
                       marketplace=MP, required=True)
        expires_in = v.integer(body.get("expires_in"), "expires_in", marketplace=MP, required=False, default=10800)
        self.tokens.put(self._token_key, token, self.clock() + timedelta(seconds=expires_in))
        return token

    def _token(self) -> str:
        return self.tokens.get(self._token_key, self.clock()) or self._issue_token()

    def _call(self, method: str, path: str, *, query: str = "", json: Any = None, idempotent: bool = True) -> Any:
        for attempt in (1, 2):
            token = self._token()
            response = self.api.send(method, path, query=query, json=json, idempotent=idempotent,
                                     headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
            if response.status_code == 401 and attempt == 1:
                self.tokens.drop(self._token_key)  # expired or revoked: fetch a new token once
                continue
            if response.status_code >= 400:
                _raise_for(response)
            return response_json(response, MP)
        raise AssertionError("unreachable")

    # interface

def _error_fields(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", unparsed_body(response)
    if not isinstance(body, Mapping):
        return "", unparsed_body(response)
    return str(body.get("code") or ""), str(body.get("message") or "")


def _auth_message(code: str, message: str, status: int) -> str:
    text = f"{code}: {message}" if code else (message or f"HTTP {status}")
    if code == "GW.IP_NOT_ALLOWED":
        text += " — 커머스API센터 애플리케이션에 이 서버의 고정 IP를 등록해야 합니다"
    return text


def _raise_for(response: httpx.Response) -> None:
    code, message = _error_fields(response)
    status = response.status_code
    if status in (401, 403):
        raise AuthError(_auth_message(code, message, status), marketplace=MP, code=code, status=status)
    if status >= 500:
        raise TemporaryError(f"{code}: {message}" if code else f"HTTP {status}", marketplace=MP, status=status)
    details = None
    try:
        body = response.json()
        details = body.get("invalidInputs") if isinstance(body, Mapping) else None
    except ValueError:
        pass
    raise BusinessError(f"{code}: {message}" if code else (message or f"HTTP {status}"), marketplace=MP, code=code,
                        status=status, details=details)
