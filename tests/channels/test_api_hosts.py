"""No SSRF through a channel account's "API 주소": only the marketplace's official API host, or an
address the operator listed in MARKETDOCK_ALLOWED_API_HOSTS; internal addresses refused (after DNS
resolution); the 연결 테스트 never shows what some other server answered."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketdock.channels import hosts, services
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState

pytestmark = pytest.mark.django_db

COUPANG = {"vendor_id": "A00012345", "access_key": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
           "secret_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"}
SECRET = "internal-admin-page users=acme_admin,acme_operator"


class _Internal(BaseHTTPRequestHandler):
    """Stands in for an internal service (e.g. the app's own /system/users)."""

    def do_GET(self):  # noqa: N802
        body = f"<html><body>{SECRET}</body></html>".encode()
        self.send_response(403)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def internal_server():
    server = HTTPServer(("127.0.0.1", 0), _Internal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _create(company, url: str, kind=ChannelKind.COUPANG):
    return services.channel_account_create(company=company, kind=kind, name="계정", credentials=COUPANG, base_url=url)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8100/system/users",
    "http://localhost:8000",
    "http://169.254.169.254/latest/meta-data",
    "https://10.0.0.5",
    "https://[::1]:8443",
    "https://evil.example",
    "http://api-gateway.coupang.com",  # the official host, but not over https
    "https://api-gateway.coupang.com.evil.example",
])
def test_unlisted_addresses_are_refused_when_saving(company, settings, url):
    settings.MARKETDOCK_ALLOWED_API_HOSTS = []
    with pytest.raises(ValidationError) as exc:
        _create(company, url)
    assert "base_url" in exc.value.message_dict
    assert not ChannelAccount.objects.exists()


def test_the_form_names_the_official_host_and_the_setting(admin_client, settings):
    settings.MARKETDOCK_ALLOWED_API_HOSTS = []
    response = admin_client.post(reverse("channels:account_create"), {
        "kind": "coupang", "name": "쿠팡", "base_url": "http://127.0.0.1:8100/system/users",
        "credentials_expire_on": "", "collect_every_minutes": "30", "auto_collect": "on", "is_active": "on",
        **COUPANG})
    body = response.content.decode()
    assert response.status_code == 200
    assert "api-gateway.coupang.com" in body and "MARKETDOCK_ALLOWED_API_HOSTS" in body
    assert not ChannelAccount.objects.exists()


def test_official_hosts_are_accepted(company, settings, monkeypatch):
    settings.MARKETDOCK_ALLOWED_API_HOSTS = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "",
                                                                  ("211.249.220.24", 443))])
    assert _create(company, "https://api-gateway.coupang.com").base_url == "https://api-gateway.coupang.com"
    naver = services.channel_account_create(
        company=company, kind=ChannelKind.NAVER, name="네이버", base_url="https://api.commerce.naver.com/external",
        credentials={"client_id": "4mVbq0aXyZ12cdEF34ghIJ", "client_secret": "$2a$04$kRzW9vQpL3mN7xYbT5sA1u"})
    assert naver.base_url.endswith("/external")


def test_an_official_name_resolving_inside_is_refused(company, settings, monkeypatch):
    """DNS decides: a marketplace name that resolves to a private or loopback address is refused."""
    settings.MARKETDOCK_ALLOWED_API_HOSTS = []
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::ffff:192.168.0.1"):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        monkeypatch.setattr(socket, "getaddrinfo",
                            lambda *a, _f=family, _a=address, **k: [(_f, socket.SOCK_STREAM, 6, "", (_a, 443))])
        assert "내부망" in hosts.api_url_problem(ChannelKind.COUPANG, "https://api-gateway.coupang.com")


def test_listed_addresses_are_allowed(company, settings):
    settings.MARKETDOCK_ALLOWED_API_HOSTS = ["127.0.0.1:8010", "sandbox.internal"]
    assert _create(company, "http://127.0.0.1:8010").base_url == "http://127.0.0.1:8010"
    assert hosts.api_url_problem(ChannelKind.NAVER, "http://sandbox.internal:9000") == ""
    assert hosts.api_url_problem(ChannelKind.NAVER, "http://127.0.0.1:8011") != ""  # the port is part of it


def test_an_address_saved_before_is_refused_at_connection_time(admin_client, company, settings, internal_server):
    """An account saved while the address was allowed (or before this check existed) cannot be used
    once it is not: the 연결 테스트 refuses to connect at all."""
    account = _create(company, internal_server)
    settings.MARKETDOCK_ALLOWED_API_HOSTS = []
    response = admin_client.post(reverse("channels:account_test", args=[account.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-ok="0"' in body and "공식 API 주소" in body
    assert SECRET not in body


def test_connection_test_never_echoes_a_foreign_body(admin_client, company, internal_server):
    """Even an allowed address that answers with something that is not the marketplace's error format:
    the message gives status, type and size, not the content."""
    account = _create(company, internal_server)
    response = admin_client.post(reverse("channels:account_test", args=[account.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-ok="0"' in body and "HTTP 403" in body and "text/html" in body
    assert SECRET not in body and "internal-admin-page" not in body
    account.refresh_from_db()
    assert "internal-admin-page" not in account.last_error


def test_the_marketplace_error_message_is_still_shown(admin_client, company):
    state = SandboxState(seed=7, order_rate=0, initial_orders=0)
    server, base = serve_in_thread(SandboxApp(state))
    try:
        account = _create(company, base)
        account.set_credentials({**state.shops["coupang-demo"].credentials, "secret_key": "f" * 40})
        account.save()
        response = admin_client.post(reverse("channels:account_test", args=[account.pk]), HTTP_HX_REQUEST="true")
        assert "Invalid signature." in response.content.decode()
    finally:
        server.shutdown()
        server.server_close()
