"""API keys (API-2): creation (shown once), revocation, authentication of a call, the per-key token
bucket and the call log.

Why SHA-256 and not argon2: the secret is 32 random bytes (256 bits) from `secrets`, so nobody can
guess it from a leaked hash however fast the hash is — slow password hashes exist for low-entropy
human passwords. argon2 would add tens of milliseconds of CPU to every API call. A plain SHA-256
(no server key) also survives a SECRET_KEY rotation. The key's public `prefix` finds the row; the
hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import Company, User

from .models import SCOPES, ApiCall, ApiKey, IdempotencyRecord, RateBucket

KEY_PREFIX = "md"
MAX_RATE_PER_MINUTE = 100_000


class ApiKeyError(Exception):
    """The key cannot be created or changed as asked; `str(exc)` is a Korean message."""

    def __init__(self, message: str, field: str = "__all__"):
        super().__init__(message)
        self.field = field


@dataclass
class NewKey:
    key: ApiKey
    token: str  # the full key, shown once


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_scopes(scopes) -> list[str]:
    chosen = [str(s).strip() for s in scopes if str(s).strip()]
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ApiKeyError(_("알 수 없는 권한입니다: %(s)s") % {"s": ", ".join(unknown)}, "scopes")
    if not chosen:
        raise ApiKeyError(_("권한을 하나 이상 고르세요."), "scopes")
    return [s for s in SCOPES if s in chosen]


def clean_ips(text_or_list) -> list[str]:
    """IP addresses or CIDR networks, one per line or comma-separated."""
    items = text_or_list.replace(",", "\n").splitlines() if isinstance(text_or_list, str) else list(text_or_list)
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ApiKeyError(_("IP 주소 형식이 아닙니다: %(v)s") % {"v": item[:60]}, "allowed_ips") from None
    return out


def api_key_create(*, company: Company, name: str, scopes, allowed_ips=(), expires_at: datetime | None = None,
                   rate_per_minute: int = 600, user: User | None = None) -> NewKey:
    """A new key; the returned token is the only time the secret exists outside the caller."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError(_("키 이름을 입력하세요."), "name")
    if len(name) > 100:
        raise ApiKeyError(_("키 이름은 100자 이하로 입력하세요."), "name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiKeyError(_("만료일시는 지금보다 뒤여야 합니다."), "expires_at")
    if not isinstance(rate_per_minute, int) or not 1 <= rate_per_minute <= MAX_RATE_PER_MINUTE:
        raise ApiKeyError(_("분당 호출 한도는 1~%(n)s 사이여야 합니다.") % {"n": MAX_RATE_PER_MINUTE}, "rate_per_minute")
    scopes, ips = clean_scopes(scopes), clean_ips(allowed_ips)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(company=company, name=name, prefix=prefix, secret_hash=_hash(secret), scopes=scopes,
                                allowed_ips=ips, expires_at=expires_at, rate_per_minute=rate_per_minute,
                                created_by=user if user is not None and user.pk else None)
    return NewKey(key=key, token=f"{KEY_PREFIX}_{prefix}_{secret}")


def api_key_revoke(*, company: Company, key: ApiKey) -> ApiKey:
    if key.company_id != company.pk:
        raise ApiKeyError(_("API 키를 찾을 수 없습니다."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


# --- authenticating a call -----------------------------------------------------------------------


class Refused(Exception):
    """The call is refused before it reaches a handler (401/403/429)."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def key_find(token: str) -> ApiKey | None:
    """The key a token names (whatever its state), or None."""
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("company").filter(prefix=parts[1][:16]).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    return key


def ip_allowed(key: ApiKey, ip: str | None) -> bool:
    if not key.allowed_ips:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    for net in key.allowed_ips:
        try:
            if address in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def key_check(key: ApiKey | None, ip: str | None) -> ApiKey:
    """The key if it may be used from `ip` now, else Refused (401 unknown/revoked/expired, 403 IP)."""
    if key is None:
        raise Refused(401, "unauthorized", _("API 키가 없거나 올바르지 않습니다."))
    if key.revoked_at is not None:
        raise Refused(401, "key_revoked", _("폐기된 API 키입니다."))
    if key.is_expired:
        raise Refused(401, "key_expired", _("만료된 API 키입니다."))
    if not ip_allowed(key, ip):
        raise Refused(403, "ip_not_allowed", _("이 IP(%(ip)s)에서는 이 API 키를 쓸 수 없습니다.") % {"ip": ip or "-"})
    return key


@dataclass
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the bucket is full again
    retry_after: int = 0

    @property
    def headers(self) -> dict[str, str]:
        h = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
             "X-RateLimit-Reset": str(self.reset)}
        if self.retry_after:
            h["Retry-After"] = str(self.retry_after)
        return h


def rate_take(key: ApiKey, *, now: float | None = None) -> RateState:
    """Take one token from the key's bucket (capacity = the per-minute limit, refilled evenly).

    One conditional UPDATE refills and takes at once, so concurrent workers never hand out the same
    token: the database applies the updates one after another on the row."""
    now = time.time() if now is None else now
    capacity = float(key.rate_per_minute)
    rate = capacity / 60.0
    RateBucket.objects.get_or_create(key=key, defaults={"company_id": key.company_id, "tokens": capacity,
                                                        "updated": now})
    refilled = Least(Value(capacity), F("tokens") + Greatest(Value(now) - F("updated"), Value(0.0)) * Value(rate))
    taken = RateBucket.objects.filter(key=key, tokens__gte=1 - Greatest(Value(now) - F("updated"), Value(0.0)) * Value(rate)).update(
        tokens=refilled - Value(1.0), updated=Greatest(F("updated"), Value(now)))
    tokens = RateBucket.objects.filter(key=key).values_list("tokens", flat=True).first() or 0.0
    reset = math.ceil((capacity - tokens) / rate) if tokens < capacity else 0
    state = RateState(limit=int(capacity), remaining=max(0, int(tokens)), reset=max(0, reset))
    if not taken:
        state.retry_after = max(1, math.ceil((1 - tokens) / rate))
        state.remaining = 0
    return state


def call_record(*, key: ApiKey, method: str, path: str, status: int, duration_ms: int, ip: str | None) -> None:
    """The API log row and the key's last use (one short transaction)."""
    with transaction.atomic():
        ApiCall.objects.create(company_id=key.company_id, key=key, method=method[:10], path=path[:300], status=status,
                               duration_ms=max(0, duration_ms), ip=ip)
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now(), last_used_ip=ip)


# An `Idempotency-Key` answers repeats for a day (a client's retries come within minutes; Stripe keeps
# keys 24 hours); after that the same key is a new request — the lookup ignores (and the write replaces) an
# older record at once, housekeeping only drops the rows. The call log is kept 90 days for support.
IDEMPOTENCY_KEEP = timedelta(hours=24)
CALL_LOG_KEEP = timedelta(days=90)


def housekeeping(*, now: datetime | None = None) -> dict[str, int]:
    """Drop idempotency answers older than a day and API log rows older than 90 days (all companies)."""
    now = now or timezone.now()
    idempotency, _n = IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_KEEP).delete()
    calls, _n = ApiCall.objects.filter(at__lt=now - CALL_LOG_KEEP).delete()
    return {"idempotency_records": idempotency, "api_calls": calls}
