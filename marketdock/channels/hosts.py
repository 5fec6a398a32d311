"""Which API addresses a channel account may talk to (no SSRF through the "API 주소" field).

An account's API address must be its marketplace's official API host (per connector, https), or an
address the operator listed in the MARKETDOCK_ALLOWED_API_HOSTS setting (`make run`'s demo lists the
sandbox there). An official host that resolves to a private, loopback, link-local or otherwise
non-public address is refused too. Checked when the account is saved and again before every
connection (an address saved before, or a setting changed since, cannot slip through)."""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .models import ChannelKind

# The marketplaces' own API hosts; "*." allows any sub-domain (Shopify: one per shop).
OFFICIAL_API_HOSTS: dict[str, tuple[str, ...]] = {
    ChannelKind.NAVER: ("api.commerce.naver.com",),
    ChannelKind.COUPANG: ("api-gateway.coupang.com",),
    ChannelKind.SHOPIFY: ("*.myshopify.com",),
    ChannelKind.ELEVENST: ("api.11st.co.kr",),
    ChannelKind.GMARKET: ("sa2.esmplus.com", "sa.esmplus.com"),
    ChannelKind.AUCTION: ("sa2.esmplus.com", "sa.esmplus.com"),
    ChannelKind.CAFE24: ("*.cafe24api.com",),
    ChannelKind.MANUAL: (),
}


def _host_port(value: str) -> tuple[str, int | None]:
    """'127.0.0.1:8010', 'http://127.0.0.1:8010/', 'sandbox.local' → (host, port or None)."""
    value = value.strip()
    parts = urlsplit(value if "//" in value else f"//{value}")
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port


def operator_allow(base_url: str) -> None:
    """Add an address to MARKETDOCK_ALLOWED_API_HOSTS for this process and the workers it starts: a
    benchmark's own sandbox marketplace on a loopback port, exactly as an operator would list it."""
    entry = base_url.split("//", 1)[-1].rstrip("/")
    listed = [h for h in os.environ.get("MARKETDOCK_ALLOWED_API_HOSTS", "").split(",") if h.strip()]
    os.environ["MARKETDOCK_ALLOWED_API_HOSTS"] = ",".join([*listed, entry])
    settings.MARKETDOCK_ALLOWED_API_HOSTS = [*getattr(settings, "MARKETDOCK_ALLOWED_API_HOSTS", []), entry]


def allowed_by_operator(url: str) -> bool:
    host, port = _host_port(url)
    port = port or (443 if url.lower().startswith("https:") else 80)
    for entry in getattr(settings, "MARKETDOCK_ALLOWED_API_HOSTS", []):
        allowed_host, allowed_port = _host_port(entry)
        if allowed_host and allowed_host == host and allowed_port in (None, port):
            return True
    return False


def is_official(kind: str, host: str) -> bool:
    host = host.lower().rstrip(".")
    for pattern in OFFICIAL_API_HOSTS.get(kind, ()):
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def _resolves_to_non_public(host: str, port: int) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # not resolvable now: the connection will fail on its own
    return any(not _public(info[4][0]) for info in infos)


def api_url_problem(kind: str, url: str, *, resolve: bool = True) -> str:
    """'' when the account may use this API address, else the reason (Korean, for the form)."""
    if not url:
        return ""
    if allowed_by_operator(url):
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    official = OFFICIAL_API_HOSTS.get(kind, ())
    if not is_official(kind, host):
        if not official:
            return _("이 쇼핑몰은 API 주소를 쓰지 않습니다. 비워 두세요.")
        return _("%(kind)s의 공식 API 주소(%(hosts)s)만 쓸 수 있습니다. 다른 주소(테스트 서버 등)는 서버 운영자가 "
                 "MARKETDOCK_ALLOWED_API_HOSTS 설정에 등록해야 합니다.") % {
            "kind": ChannelKind(kind).label, "hosts": ", ".join(official)}
    if parts.scheme != "https":
        return _("쇼핑몰 API 주소는 https:// 로 시작해야 합니다.")
    try:
        port = parts.port or 443
    except ValueError:
        return _("API 주소의 포트가 올바르지 않습니다.")
    if resolve and _resolves_to_non_public(host, port):
        return _("API 주소가 내부망(사설·루프백·링크로컬) 주소를 가리켜 쓸 수 없습니다.")
    return ""
