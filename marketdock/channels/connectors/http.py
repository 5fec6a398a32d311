"""The one HTTP path every connector uses: httpx with explicit timeouts, the shared rate limiter,
and a limited number of retries with exponential backoff + jitter on 429 / 5xx / timeouts.

Writes are not retried after the request may have reached the marketplace (5xx, read timeout):
a Coupang 504 on an acknowledgement may still have succeeded, so the caller must read back first.
429 is always retryable (the request was refused before processing)."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .errors import RateLimited, TemporaryError
from .ratelimit import Rate, RateLimiter, default_limiter

Signer = Callable[[str, str, str], Mapping[str, str]]  # (method, path, query) -> extra headers


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # total tries per request
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 120.0  # a longer Retry-After is handed to the caller as RateLimited


@dataclass
class HttpOptions:
    """What a caller (collector, test, sandbox) may tune; the defaults suit production."""

    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=10.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx.BaseTransport | None = None
    limiter: RateLimiter | None = None
    sleep: Callable[[float], None] = time.sleep
    rate: Rate | None = None  # overrides the connector's default rate


RETRYABLE_STATUS = {500, 502, 503, 504, 521, 522, 524}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ApiClient:
    def __init__(self, *, marketplace: str, base_url: str, limiter_key: str, rate: Rate,
                 options: HttpOptions | None = None, default_headers: Mapping[str, str] | None = None) -> None:
        self.options = options or HttpOptions()
        self.marketplace = marketplace
        self.base_url = base_url.rstrip("/")
        self.limiter_key = limiter_key
        self.rate = self.options.rate or rate
        self.limiter = self.options.limiter or default_limiter()
        self._client = httpx.Client(timeout=self.options.timeout, transport=self.options.transport,
                                    headers=dict(default_headers or {}), follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def _backoff(self, attempt: int) -> float:
        policy = self.options.retry
        return min(policy.backoff_max, policy.backoff_base * (2 ** (attempt - 1))) * (0.5 + random.random() / 2)  # noqa: S311

    def _wait_for_token(self) -> None:
        wait = self.limiter.reserve(self.limiter_key, self.rate)
        if wait > 0:
            self.options.sleep(wait)

    def send(self, method: str, path: str, *, query: str = "", json: Any = None, data: Mapping[str, str] | None = None,
             content: bytes | None = None, headers: Mapping[str, str] | None = None, sign: Signer | None = None,
             idempotent: bool = True, retry_status: bool = True) -> httpx.Response:
        """Send one logical request. `query` is the already-encoded query string without '?' (so a
        signer can sign exactly what is sent). Returns the response for any status that is not
        retried; raises RateLimited / TemporaryError when the retries run out."""
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        policy = self.options.retry
        last_problem = ""
        for attempt in range(1, policy.attempts + 1):
            self._wait_for_token()
            request_headers = dict(headers or {})
            if sign is not None:
                request_headers.update(sign(method, path, query))
            try:
                response = self._client.request(method, url, json=json, data=data, content=content,
                                                headers=request_headers)
            except httpx.TimeoutException as exc:
                last_problem = f"시간 초과 ({type(exc).__name__})"
                connect_phase = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                if not (idempotent or connect_phase) or attempt == policy.attempts:
                    raise TemporaryError(last_problem, marketplace=self.marketplace) from exc
                self.options.sleep(self._backoff(attempt))
                continue
            except httpx.TransportError as exc:
                last_problem = f"연결 실패 ({type(exc).__name__}: {exc})"
                if not (idempotent or isinstance(exc, httpx.ConnectError)) or attempt == policy.attempts:
                    raise TemporaryError(last_problem, marketplace=self.marketplace) from exc
                self.options.sleep(self._backoff(attempt))
                continue

            if response.status_code == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                wait = retry_after if retry_after is not None else self._backoff(attempt)
                self.limiter.block(self.limiter_key, wait)
                if attempt == policy.attempts or wait > policy.max_retry_after:
                    raise RateLimited(_short(response) or "요청 한도를 초과했습니다", marketplace=self.marketplace,
                                      retry_after=wait)
                continue  # the next reserve() waits out the block
            if retry_status and response.status_code in RETRYABLE_STATUS:
                last_problem = f"HTTP {response.status_code}: {_short(response)}"
                if not idempotent or attempt == policy.attempts:
                    raise TemporaryError(last_problem, marketplace=self.marketplace, status=response.status_code)
                self.options.sleep(self._backoff(attempt))
                continue
            return response
        raise TemporaryError(last_problem or "재시도 횟수를 초과했습니다", marketplace=self.marketplace)


def unparsed_body(response: httpx.Response) -> str:
    """What an error says about a body that is not the marketplace's error format: its status, type
    and size, never its content (an API address pointing elsewhere must not show what it answered)."""
    kind = (response.headers.get("content-type") or "").split(";")[0].strip() or "-"
    return f"HTTP {response.status_code} 응답 ({kind}, {len(response.content)}바이트)"


def _short(response: httpx.Response) -> str:
    return unparsed_body(response)
