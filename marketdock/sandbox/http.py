"""Request/response values the sandbox handlers exchange (independent of the HTTP server)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


@dataclass
class Request:
    method: str
    path: str  # raw (still percent-encoded) path
    query: str  # raw query string without '?'
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, ensure_ascii=False).encode()


def kst_iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    local = moment.astimezone(KST)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+09:00"


def kst_naive(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%dT%H:%M:%S")


def utc_z(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def trace_id() -> str:
    return uuid.uuid4().hex
