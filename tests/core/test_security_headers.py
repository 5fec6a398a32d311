"""Headers for production: a Content-Security-Policy that allows no inline script on any page (every
template is free of inline <script> and on* handlers); over HTTPS: HSTS and Secure cookies;
`marketdock check --deploy` passes with the README's production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=\s*["']""", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def _argless_urls() -> list[str]:
    """Every URL of the project that takes no argument (the screens a seller opens from the menu)."""
    urls: list[str] = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                if "<" not in route and not route.startswith("^"):
                    walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and "<" not in route and not route.startswith("^"):
                urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns)
    return sorted(u for u in set(urls) if not u.startswith(("/operator/", "/i18n/")))


def test_no_template_has_inline_script_or_handlers():
    offenders = []
    for path in (ROOT / "marketdock").rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            for m in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)[:80]}")
    assert offenders == []


@pytest.mark.django_db
def test_every_page_sends_a_csp_without_inline_script(admin_client):
    policy = None
    checked = 0
    for url in _argless_urls():
        response = admin_client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        header = response["Content-Security-Policy"]
        policy = policy or header
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not HANDLER.search(body), url
        checked += 1
    assert checked >= 20
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_sign_in_pages_send_the_csp_too(client):
    for url in ("/accounts/login/", "/accounts/password/forgot/", "/accounts/password/reset/"):
        response = client.get(url)
        assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
        assert not INLINE_SCRIPT.search(response.content.decode())


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
                   SECURE_HSTS_PRELOAD=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True,
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_https_gets_hsts_and_secure_cookies(client, admin_user):
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    page = client.get("/accounts/login/", **https)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.cookies["csrftoken"]["secure"]
    signed_in = client.post("/accounts/login/", {"username": "acme_admin", "password": "Test-pass-1234"}, **https)
    assert signed_in.status_code == 302 and signed_in.cookies["sessionid"]["secure"]


def _settings_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "REDIS_URL", "DATABASE_URL", "PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(MARKETDOCK_VAR=str(tmp_path / "var"), **extra)
    return env


def test_secure_ssl_turns_on_hsts_and_secure_cookies(tmp_path):
    code = ("from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)")
    out = subprocess.run([sys.executable, "-m", "marketdock.manage", "shell", "-v", "0", "-c", code], capture_output=True,
                         text=True, check=True, cwd=ROOT, timeout=120,
                         env=_settings_env(tmp_path, SECURE_SSL="1", SECURE_PROXY_SSL_HEADER="1")).stdout.split()
    assert out[:4] == ["31536000", "True", "True", "True"] and "HTTP_X_FORWARDED_PROTO" in out[4]
    off = subprocess.run([sys.executable, "-m", "marketdock.manage", "shell", "-v", "0", "-c",
                          "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE)"],
                         capture_output=True, text=True, check=True, cwd=ROOT, timeout=120,
                         env=_settings_env(tmp_path)).stdout.split()
    assert off == ["False"]


def test_check_deploy_passes_with_the_readme_production_settings(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    exported = dict(re.findall(r"^export (SECURE_[A-Z_]+)=(\S+)", readme, re.M))
    assert {"SECURE_SSL", "SECURE_PROXY_SSL_HEADER"} <= set(exported)
    env = _settings_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="oms.example.com",
                        CSRF_TRUSTED_ORIGINS="https://oms.example.com", **exported)
    result = subprocess.run([sys.executable, "-m", "marketdock.manage", "check", "--deploy", "--fail-level", "WARNING"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
