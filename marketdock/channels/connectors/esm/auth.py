"""ESM Trading API authentication: a JWT signed with HS256 by the seller's secret key, sent on every
request as `Authorization: Bearer {JWT}` (a fresh token per request; nothing is cached).

UNCONFIRMED: the whole token is described by third parties only (marketplaces.md §6). The claim set
used here — header `{alg: HS256, typ: JWT, kid: <ESM master ID>}`, payload `{iss: www.esmplus.com,
sub: sell, aud: sa.esmplus.com, iat, ssi: "A:<옥션 ID>" | "G:<G마켓 ID>"}` — is the one one source
attributes to the etapi.gmarket.com guide; another repository used different claim values. A
one-site `ssi` ("A:id" or "G:id") is how a third party describes a single-site seller. Check it
against the live API before relying on it (a 401 then names this file's claims as the suspect)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, model_validator

ISSUER = "www.esmplus.com"  # UNCONFIRMED (third-party claim value)
SUBJECT = "sell"  # UNCONFIRMED
AUDIENCE = "sa.esmplus.com"  # UNCONFIRMED
SITE_PREFIX = {"gmarket": "G", "auction": "A"}


class EsmCredentials(BaseModel):
    """One ESM+ seller on one site. `master_id` is the ESM+ master ID (the JWT `kid`), `secret_key`
    the key ESM issued for the selling tool, `seller_id` the site's seller ID (G마켓 or 옥션)."""

    master_id: str = Field(min_length=1)
    secret_key: str = Field(min_length=1)
    seller_id: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _site_keys(cls, data: Any) -> Any:
        """Stored account credentials carry the site in their keys (`gmarket_master_id`, `auction_...`)."""
        if isinstance(data, dict):
            data = {key.removeprefix("gmarket_").removeprefix("auction_"): value for key, value in data.items()}
        return data


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def ssi(site: str, seller_id: str) -> str:
    return f"{SITE_PREFIX[site]}:{seller_id}"


def make_token(credentials: EsmCredentials, site: str, *, now: Callable[[], float] = time.time) -> str:
    header = {"alg": "HS256", "typ": "JWT", "kid": credentials.master_id}
    payload = {"iss": ISSUER, "sub": SUBJECT, "aud": AUDIENCE, "iat": int(now()),
               "ssi": ssi(site, credentials.seller_id)}
    signing_input = f"{_b64(_json(header))}.{_b64(_json(payload))}"
    signature = hmac.new(credentials.secret_key.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def read_token(token: str, secret_key: str) -> tuple[dict, dict] | None:
    """(header, payload) of a token whose HS256 signature matches `secret_key`, else None. Used by the
    sandbox and the tests to check what the connector sends."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = hmac.new(secret_key.encode("utf-8"), f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    try:
        given = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None
    if not hmac.compare_digest(given, expected) or not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


def unverified_kid(token: str) -> str:
    """The `kid` of a token's header without checking the signature (to find whose key to check with)."""
    try:
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=" * (-len(token.split(".")[0]) % 4)))
    except (ValueError, json.JSONDecodeError, IndexError):
        return ""
    return str(header.get("kid") or "") if isinstance(header, dict) else ""
