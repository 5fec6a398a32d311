"""Per-account rate limiting (token bucket) shared by every process that talks to one marketplace
account. With REDIS_URL the bucket lives in Redis (one atomic Lua script), so many workers share it;
otherwise it lives in this process.

`reserve(key, rate, burst)` takes one token and returns how many seconds the caller must wait before
sending (0 when a token was available). `block(key, seconds)` honours a marketplace's Retry-After:
every reservation on the key waits at least until then."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")


class RateLimiter(Protocol):
    def reserve(self, key: str, rate: Rate) -> float: ...

    def block(self, key: str, seconds: float) -> None: ...


class LocalRateLimiter:
    """Thread-safe in-process token buckets."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float, float]] = {}  # key -> (tokens, at, blocked_until)

    def reserve(self, key: str, rate: Rate) -> float:
        with self._lock:
            now = self._clock()
            tokens, at, blocked = self._buckets.get(key, (float(rate.burst), now, 0.0))
            tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second) - 1.0
            self._buckets[key] = (tokens, now, blocked)
            wait = -tokens / rate.per_second if tokens < 0 else 0.0
            return max(wait, blocked - now, 0.0)

    def block(self, key: str, seconds: float) -> None:
        with self._lock:
            now = self._clock()
            tokens, at, blocked = self._buckets.get(key, (0.0, now, 0.0))
            self._buckets[key] = (min(tokens, 0.0), at, max(blocked, now + seconds))


_RESERVE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'blocked')
local tokens = tonumber(v[1]) or burst
local at = tonumber(v[2]) or now
local blocked = tonumber(v[3]) or 0
tokens = math.min(burst, tokens + (now - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now), 'blocked', tostring(blocked))
redis.call('EXPIRE', KEYS[1], 3600)
local wait = 0
if tokens < 0 then wait = -tokens / rate end
if blocked - now > wait then wait = blocked - now end
return tostring(wait)
"""

_BLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
if until_ > blocked then redis.call('HSET', KEYS[1], 'blocked', tostring(until_)) end
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
if tokens == nil or tokens > 0 then redis.call('HSET', KEYS[1], 'tokens', '0', 'at', tostring(now)) end
redis.call('EXPIRE', KEYS[1], 3600)
return 1
"""


class RedisRateLimiter:
    """Token buckets in Redis (time from the Redis server, so hosts need not agree on clocks)."""

    def __init__(self, client, prefix: str = "marketdock:ratelimit:") -> None:
        self._client = client
        self._prefix = prefix
        self._reserve = client.register_script(_RESERVE)
        self._block = client.register_script(_BLOCK)

    def reserve(self, key: str, rate: Rate) -> float:
        return float(self._reserve(keys=[self._prefix + key], args=[rate.per_second, rate.burst]))

    def block(self, key: str, seconds: float) -> None:
        self._block(keys=[self._prefix + key], args=[max(0.0, seconds)])


_default: RateLimiter | None = None
_default_lock = threading.Lock()


def default_limiter() -> RateLimiter:
    """Redis-backed when settings.REDIS_URL is set, else one process-wide local limiter."""
    global _default
    with _default_lock:
        if _default is None:
            redis_url = ""
            try:
                from django.conf import settings

                redis_url = getattr(settings, "REDIS_URL", "") or ""
            except Exception:  # noqa: S110 - used outside a configured Django too (sandbox scripts)
                pass
            if redis_url:
                import redis

                _default = RedisRateLimiter(redis.Redis.from_url(redis_url))
            else:
                _default = LocalRateLimiter()
        return _default
