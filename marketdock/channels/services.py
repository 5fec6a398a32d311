"""Channel account state changes and the one way to reach a marketplace for an account."""

from __future__ import annotations

from marketdock.channels.connectors.base import Connector, build_connector
from marketdock.channels.connectors.http import HttpOptions

from .models import ChannelAccount, ChannelKind


def connector_base_url(account: ChannelAccount) -> str | None:
    """The URL the connector talks to: the account's override (the demo's sandbox) or the real API.
    Naver's connector expects the `/external` root; Shopify derives its URL from the shop domain."""
    url = (account.effective_base_url or "").rstrip("/")
    if not url:
        return None
    if account.kind == ChannelKind.NAVER and not url.endswith("/external"):
        url += "/external"
    return url


def connector_for(account: ChannelAccount, *, options: HttpOptions | None = None) -> Connector:
    """A ready connector for this account (decrypted credentials, base URL, shared rate limiter)."""
    if account.kind == ChannelKind.MANUAL:
        raise ValueError("기타(엑셀 업로드) 쇼핑몰은 API 연동이 없습니다. 주문은 엑셀로 등록하세요.")
    return build_connector(account.kind, account.credentials, base_url=connector_base_url(account), options=options)
