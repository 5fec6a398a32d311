"""Coupang WING Open API — credentials and the request signature.

Every request is signed: `Authorization: CEA algorithm=HmacSHA256, access-key=…, signed-date=…,
signature=…` with signed-date = UTC `yyMMdd'T'HHmmss'Z'` and signature = hex HMAC-SHA256(secret,
signed-date + METHOD + path + query) where query is exactly the encoded string sent, without '?'.
A fresh signature per attempt (a reused signed-date is refused as expired)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from ..models import (
    Marketplace,
)

MP = Marketplace.COUPANG.value
BASE_URL = "https://api-gateway.coupang.com"


class CoupangCredentials(BaseModel):
    vendor_id: str = Field(min_length=1)
    access_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1)


# --- signature -------------------------------------------------------------------------------

def signed_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%y%m%dT%H%M%SZ")


def signature(secret_key: str, signed: str, method: str, path: str, query: str) -> str:
    message = f"{signed}{method.upper()}{path}{query}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def authorization(access_key: str, secret_key: str, method: str, path: str, query: str, signed: str) -> str:
    return (f"CEA algorithm=HmacSHA256, access-key={access_key}, signed-date={signed}, "
            f"signature={signature(secret_key, signed, method, path, query)}")
