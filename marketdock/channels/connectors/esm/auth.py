"""ESM Trading API authentication: a JWT signed with HS256 by the seller's secret key, sent on every
request as `Authorization: Bearer {JWT}` (a fresh token per request; nothing is cached).

UNCONFIRMED: the whole token is described by third parties only (marketplaces.md §6). The claim set
used here — header `{alg: HS256, typ: JWT, kid: <ESM master ID>}`, payload `{iss: www.esmplus.com,
sub: sell, aud: sa.esmplus.com, iat, ssi: "A:<옥션 ID>" | "G:<G마켓 ID>"}` — is the one one source
attributes to the etapi.gmarket.com guide; another repository used different claim values. A
one-site `ssi` ("A:id" or "G:id") is how a third party describes a single-site seller. Check it
against the live API before relying on it (a 401 then names this file's claims as the suspect)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
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


def ssi(site: str, seller_id: str) -> str:
    return f"{SITE_PREFIX[site]}:{seller_id}"


def make_token(credentials: EsmCredentials, site: str, *, now: Callable[[], float] = time.time) -> str:
    """The HS256 JWT ESM wants on every request (PyJWT writes and signs it)."""
    payload = {"iss": ISSUER, "sub": SUBJECT, "aud": AUDIENCE, "iat": int(now()),
               "ssi": ssi(site, credentials.seller_id)}
    return jwt.encode(payload, credentials.secret_key, algorithm="HS256", headers={"kid": credentials.master_id})


def read_token(token: str, secret_key: str) -> tuple[dict, dict] | None:
    """(header, payload) of a token whose HS256 signature matches `secret_key`, else None. Used by the
    tests to check what the connector sends (claims are checked by the caller, not here)."""
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(token, secret_key, algorithms=["HS256"],
                             options={"verify_aud": False, "verify_iat": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    return header, payload


def unverified_kid(token: str) -> str:
    """The `kid` of a token's header without checking the signature (to find whose key to check with)."""
    try:
        return str(jwt.get_unverified_header(token).get("kid") or "")
    except jwt.PyJWTError:
        return ""
