"""Turn a raw marketplace payload (a saved API response or webhook body; bytes for XML kinds) into normalized order lines,
using the same parsers the connectors use. Backs `marketdock channels normalize`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .connectors import cafe24, coupang, elevenst, esm, naver, shopify
from .connectors.models import ChangedStatus, ChannelOrder

KINDS = ("naver", "coupang", "shopify", "elevenst", "cafe24", "esm", "gmarket", "auction")
XML_KINDS = ("elevenst",)  # payloads read as bytes (decoded by their XML declaration)


def normalize_payload(kind: str, payload: Any) -> list[ChannelOrder] | list[ChangedStatus] | list[cafe24.WriteOutcome]:
    """Order lines for an order payload; for a Naver last-changed-statuses response, its change rows.
    Raises MalformedPayload (naming the field) on unreadable input, ValueError on an unknown kind."""
    if kind == "naver":
        data = payload.get("data") if isinstance(payload, Mapping) else None
        if isinstance(data, Mapping) and "lastChangeStatuses" in data:
            return naver.parse_changed_statuses(payload)[0]
        return naver.parse_payload(payload)
    if kind == "coupang":
        return coupang.parse_payload(payload)
    if kind == "shopify":
        return shopify.parse_payload(payload)
    if kind == "elevenst":
        return elevenst.parse_payload(payload)
    if kind in ("esm", "gmarket", "auction"):  # esm: the site from the response's Data.SiteType
        return esm.parse_payload(payload, None if kind == "esm" else kind)
    if kind == "cafe24":
        return cafe24.parse_payload(payload)  # order lines, or per-order outcomes of a batch-write answer
    raise ValueError(f"unknown marketplace kind: {kind!r}")
