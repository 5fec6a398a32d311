"""Cafe24 Admin API: OAuth 2.0 (authorization code + rotating refresh tokens) and the transport every
Cafe24 call goes through.

- Base `https://{mall_id}.cafe24api.com/api/v2` (an account may point elsewhere: the sandbox).
- The mall operator approves the app in a browser: `GET /api/v2/oauth/authorize?response_type=code&
  client_id&state&redirect_uri&scope`; the code (valid 1 minute) is exchanged at `POST
  /api/v2/oauth/token` with a form body and `Authorization: Basic base64(client_id:client_secret)`.
- Access tokens live 2 hours, refresh tokens 2 weeks; every refresh returns a NEW refresh token and the
  old one dies at once (`grant_type=refresh_token`). Times in the token answer (`expires_at`,
  `refresh_token_expires_at`) are KST without an offset. Who stores the pair, and makes sure only one
  worker refreshes, is the caller's `token_store` (marketdock.channels.rotating_tokens).
- Every Admin call carries `Authorization: Bearer …` and the pinned `X-Cafe24-Api-Version` (API_VERSION,
  the one place it is set). Without the header Cafe24 uses whatever version the app is set to in the
  developer center, and an expired version silently falls forward — so it is always sent.
- Limits: a leaky bucket per mall, 40 calls deep, draining 2 calls/s; every answer reports its level in
  `X-Api-Call-Limit: used/size`. The shared limiter runs at the drain rate with the bucket as burst, and
  when a header shows the bucket nearly full every worker of the account is held back until it has
  drained (CallLimit.wait). A 429 is retried by ApiClient after Retry-After or a backoff.
- Errors: `{"error": {"code": 4xx, "message": "…"}}`; 401 = the access token was refused (refreshed once
  and retried), 403 = a scope the app lacks, 422 = validation, 207 = partial success of a batch."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
from pydantic import AliasChoices, BaseModel, Field

from .. import values as v
from ..errors import AuthError, BusinessError, MalformedPayload, TemporaryError
from ..http import ApiClient, HttpOptions
from ..models import Marketplace
from ..ratelimit import Rate

MP = Marketplace.CAFE24.value
API_VERSION = "2025-12-01"  # X-Cafe24-Api-Version sent on every Admin API call
ACCESS_TOKEN_LIFETIME = timedelta(hours=2)
REFRESH_TOKEN_LIFETIME = timedelta(days=14)
ACCESS_REFRESH_MARGIN = timedelta(minutes=5)  # renew an access token this long before it expires
SCOPES = ("mall.read_order", "mall.write_order", "mall.read_product", "mall.write_product", "mall.read_shipping",
          "mall.read_store", "mall.read_community", "mall.write_community")  # community: product Q&A boards
BUCKET_SIZE = 40
DRAIN_PER_SECOND = 2.0
HEADROOM = 5  # keep this many calls free in the mall's bucket for the seller's other apps
DEFAULT_RATE = Rate(per_second=DRAIN_PER_SECOND, burst=BUCKET_SIZE - HEADROOM)


def mall_base_url(mall_id: str) -> str:
    return f"https://{mall_id}.cafe24api.com"


class Cafe24Credentials(BaseModel):
    """The stored form names the app's keys cafe24_client_id/cafe24_client_secret (the account form keeps
    one input per key across marketplaces); client_id/client_secret are accepted too."""

    mall_id: str = Field(min_length=1)
    client_id: str = Field(min_length=1, validation_alias=AliasChoices("cafe24_client_id", "client_id"))
    client_secret: str = Field(min_length=1, validation_alias=AliasChoices("cafe24_client_secret", "client_secret"))
    access_token: str = ""  # only for a connector used without a token store (tools, tests)


class TokenPair(BaseModel):
    access_token: str
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    scopes: list[str] = Field(default_factory=list)


class TokenStore(Protocol):
    def token(self, refresh: Callable[[str], TokenPair], *, rejected: str = "") -> str: ...


@dataclass(frozen=True)
class CallLimit:
    """`X-Api-Call-Limit: 3/40` → used 3 of a 40-call bucket."""

    used: int
    size: int

    @classmethod
    def parse(cls, header: str | None) -> CallLimit | None:
        if not header or "/" not in header:
            return None
        used, _, size = header.partition("/")
        try:
            result = cls(int(used.strip()), int(size.strip()))
        except ValueError:
            return None
        return result if result.size > 0 and result.used >= 0 else None

    def wait(self, drain: float = DRAIN_PER_SECOND, headroom: int = HEADROOM) -> float:
        """Seconds to hold back so the bucket drains below `size - headroom` (0 when it already is)."""
        over = self.used - (self.size - headroom)
        return max(0.0, over / drain)


def _kst_time(value: Any, field: str) -> datetime:
    when = v.timestamp(value, field, marketplace=MP, required=True)
    assert when is not None
    return when


def token_pair(body: Any, *, now: datetime | None = None) -> TokenPair:
    """The token endpoint's answer → TokenPair (times read as KST when they carry no offset)."""
    if not isinstance(body, Mapping) or not body.get("access_token") or not body.get("refresh_token"):
        raise MalformedPayload("access_token", "토큰 응답에 access_token/refresh_token이 없습니다", marketplace=MP)
    now = now or datetime.now(UTC)
    expires = _kst_time(body["expires_at"], "expires_at") if body.get("expires_at") else now + ACCESS_TOKEN_LIFETIME
    refresh_expires = (_kst_time(body["refresh_token_expires_at"], "refresh_token_expires_at")
                       if body.get("refresh_token_expires_at") else now + REFRESH_TOKEN_LIFETIME)
    scopes = body.get("scopes") if isinstance(body.get("scopes"), list) else []
    return TokenPair(access_token=str(body["access_token"]), expires_at=expires,
                     refresh_token=str(body["refresh_token"]), refresh_expires_at=refresh_expires,
                     scopes=[str(s) for s in scopes])


def error_of(response: httpx.Response) -> tuple[str, str]:
    """(code, message) of a Cafe24 error body (`{"error": {...}}` or OAuth's `error`/`error_description`)."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, Mapping):
        return "", ""
    error = body.get("error")
    if isinstance(error, Mapping):
        return str(error.get("code") or ""), str(error.get("message") or "")
    if isinstance(error, str):
        return error, str(body.get("error_description") or "")
    return "", ""


class OAuthClient:
    """The mall's OAuth endpoints for one app (client id + secret)."""

    def __init__(self, credentials: Cafe24Credentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None) -> None:
        self.credentials = credentials
        self.base_url = (base_url or mall_base_url(credentials.mall_id)).rstrip("/")
        basic = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode()).decode()
        self.api = ApiClient(marketplace=MP, base_url=self.base_url, limiter_key=f"cafe24-oauth:{credentials.mall_id}",
                             rate=Rate(per_second=1.0, burst=5), options=options,
                             default_headers={"Authorization": f"Basic {basic}"})

    def close(self) -> None:
        self.api.close()

    def authorize_url(self, *, state: str, redirect_uri: str, scopes: tuple[str, ...] = SCOPES) -> str:
        query = urlencode({"response_type": "code", "client_id": self.credentials.client_id, "state": state,
                           "redirect_uri": redirect_uri, "scope": ",".join(scopes)})
        return f"{self.base_url}/api/v2/oauth/authorize?{query}"

    def _token(self, form: dict[str, str]) -> TokenPair:
        # never retried after it may have reached Cafe24: a refresh that was processed has already
        # killed the refresh token we would send again
        response = self.api.send("POST", "/api/v2/oauth/token", data=form, idempotent=False, retry_status=False)
        if response.status_code >= 500:
            raise TemporaryError(f"HTTP {response.status_code}: 카페24 토큰 발급 서버 오류", marketplace=MP,
                                 status=response.status_code)
        if response.status_code >= 400:
            code, message = error_of(response)
            raise AuthError(message or f"HTTP {response.status_code}: 카페24가 토큰 발급을 거절했습니다",
                            marketplace=MP, code=code or str(response.status_code), status=response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise MalformedPayload("(응답 본문)", "토큰 응답이 JSON이 아닙니다", marketplace=MP) from None
        return token_pair(body)

    def exchange_code(self, code: str, redirect_uri: str) -> TokenPair:
        return self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})

    def refresh(self, refresh_token: str) -> TokenPair:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})


class StaticTokens:
    """A token store for a connector used without the database: the given access token, refreshed in
    memory (tools and tests)."""

    def __init__(self, access_token: str = "", refresh_token: str = "") -> None:
        self.access_token, self.refresh_token = access_token, refresh_token

    def token(self, refresh: Callable[[str], TokenPair], *, rejected: str = "") -> str:
        if self.access_token and self.access_token != rejected:
            return self.access_token
        if not self.refresh_token:
            raise AuthError("카페24 액세스 토큰이 없습니다. 쇼핑몰 계정 화면에서 '카페24 연결'을 하세요.", marketplace=MP,
                            code="NOT_CONNECTED")
        pair = refresh(self.refresh_token)
        self.access_token, self.refresh_token = pair.access_token, pair.refresh_token
        return self.access_token


class Transport:
    """Admin API calls for one mall: bearer token from the token store (one refresh + retry on 401),
    the pinned version header, the bucket level read from every answer, typed errors."""

    def __init__(self, credentials: Cafe24Credentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, token_store: TokenStore | None = None) -> None:
        self.credentials = credentials
        self.oauth = OAuthClient(credentials, base_url=base_url, options=options)
        self.tokens: TokenStore = token_store or StaticTokens(credentials.access_token)
        self.api = ApiClient(marketplace=MP, base_url=self.oauth.base_url, limiter_key=f"cafe24:{credentials.mall_id}",
                             rate=DEFAULT_RATE, options=options,
                             default_headers={"X-Cafe24-Api-Version": API_VERSION, "Accept": "application/json"})
        self.last_call_limit: CallLimit | None = None

    def close(self) -> None:
        self.api.close()
        self.oauth.close()

    def _observe(self, response: httpx.Response) -> None:
        limit = CallLimit.parse(response.headers.get("X-Api-Call-Limit"))
        if limit is None:
            return
        self.last_call_limit = limit
        wait = limit.wait()
        if wait > 0:
            self.api.limiter.block(self.api.limiter_key, wait)

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
             idempotent: bool = True) -> Any:
        """One Admin API call → the JSON body (any 2xx, 207 included). Raises AuthError / BusinessError /
        TemporaryError / RateLimited."""
        query = urlencode({k: val for k, val in (params or {}).items() if val is not None and val != ""})
        rejected = ""
        for _attempt in range(2):
            token = self.tokens.token(self.oauth.refresh, rejected=rejected)
            headers = {"Authorization": f"Bearer {token}"}
            if json is not None:
                headers["Content-Type"] = "application/json"
            response = self.api.send(method, f"/api/v2/admin{path}", query=query, json=json, headers=headers,
                                     idempotent=idempotent)
            self._observe(response)
            if response.status_code == 401 and not rejected:
                rejected = token  # expired or revoked early: one refresh, one retry
                continue
            return self._body(response)
        raise AssertionError("unreachable")

    @staticmethod
    def _body(response: httpx.Response) -> Any:
        status = response.status_code
        code, message = error_of(response) if status >= 400 else ("", "")
        if status in (401, 403):
            hint = "권한(scope)이 없습니다. 앱 권한을 확인하고 다시 연결하세요" if status == 403 else "다시 연결하세요"
            raise AuthError(f"{message or f'HTTP {status}'} — 카페24 {hint}", marketplace=MP, code=code, status=status)
        if status >= 500:
            raise TemporaryError(f"HTTP {status}: {message or '카페24 서버 오류'}", marketplace=MP, status=status)
        if status >= 400:
            raise BusinessError(message or f"HTTP {status}", marketplace=MP, code=code or str(status), status=status)
        if not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError:
            from ..http import unparsed_body

            raise MalformedPayload("(응답 본문)", f"JSON이 아닙니다: {unparsed_body(response)}", marketplace=MP) from None
