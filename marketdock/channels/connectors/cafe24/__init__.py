"""Cafe24 (own-mall) Admin API connector, split by concern: auth.py (OAuth, pinned version, leaky
bucket, transport), orders.py (status table, windows, parsing), fulfilment.py (배송준비중, shipments,
the mall's carrier list), listings.py (stock, price, selling/display), connector.py (the class)."""

from .auth import (
    ACCESS_REFRESH_MARGIN,
    API_VERSION,
    SCOPES,
    Cafe24Credentials,
    CallLimit,
    OAuthClient,
    TokenPair,
    mall_base_url,
)
from .connector import Cafe24Connector
from .orders import STATUS_TABLE, WriteOutcome, parse_order, parse_orders, parse_payload

__all__ = ["ACCESS_REFRESH_MARGIN", "API_VERSION", "SCOPES", "STATUS_TABLE", "CallLimit", "Cafe24Connector",
           "Cafe24Credentials", "OAuthClient", "TokenPair", "WriteOutcome", "mall_base_url", "parse_order",
           "parse_orders", "parse_payload"]
