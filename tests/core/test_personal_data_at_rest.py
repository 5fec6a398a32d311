"""Personal data at rest and in logs: buyer search terms never reach the access log or the 메뉴 접속
로그; ./var is the owner's only (0700 / 0600, umask for new files); signed-in pages and downloads are
never cached (Cache-Control: no-store)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from marketdock.core.accesslog import GunicornLogger, redact_path
from marketdock.core.models import MenuAccessLog
from marketdock.settings import _restrict_var_dir

PHONE = "010-4363-1839"


def test_redact_path_keeps_names_and_harmless_values():
    assert redact_path(f"/orders/?phone={PHONE}&page=2") == "/orders/?phone=***&page=2"
    assert redact_path("/orders/?name=%ED%99%8D%EA%B8%B8%EB%8F%99&q=010&status=new") == \
        "/orders/?name=***&q=***&status=new"
    assert redact_path("/orders/?phone=") == "/orders/?phone="
    assert redact_path("/orders/") == "/orders/"
    assert redact_path(f"https://shop.example/orders/?phone={PHONE}") == "https://shop.example/orders/?phone=***"


def test_gunicorn_access_log_line_has_no_phone_number():
    logger = GunicornLogger(SimpleNamespace(
        errorlog="-", accesslog="-", loglevel="info", syslog=False, capture_output=False, logconfig=None,
        logconfig_dict={}, logconfig_json=None, disable_redirect_access_to_syslog=False, user=os.getuid(),
        group=os.getgid(), access_log_format='%(h)s "%(r)s" %(s)s "%(f)s" %(q)s', syslog_addr=None,
        syslog_prefix=None, syslog_facility="user", statsd_host=None, dogstatsd_tags="", statsd_prefix=""))
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/orders/?phone={PHONE}&sort=new", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/orders/", "QUERY_STRING": f"phone={PHONE}&sort=new", "REMOTE_ADDR": "203.0.113.1",
               "HTTP_REFERER": f"http://127.0.0.1:8000/orders/?name=홍길동&phone={PHONE}"}
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(resp, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    line = logger.cfg.access_log_format % atoms
    assert PHONE not in line and "홍길동" not in line
    assert "GET /orders/?phone=***&sort=new HTTP/1.1" in line and "phone=***&sort=new" in line


def test_serve_uses_the_redacting_logger():
    source = (Path(settings.BASE_DIR) / "marketdock/core/management/commands/serve.py").read_text()
    assert '"--logger-class", "marketdock.core.accesslog.GunicornLogger"' in source


@pytest.mark.django_db
def test_menu_access_log_keeps_no_search_terms(admin_client, company):
    assert admin_client.get(reverse("orders:list"), {"phone": PHONE, "name": "홍길동"}).status_code == 200
    paths = list(MenuAccessLog.objects.filter(company=company).values_list("path", flat=True))
    assert paths and all(PHONE not in p and "홍길동" not in p for p in paths)
    assert any("phone=***" in p for p in paths)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["orders:list", "core:user_list", "home", "orders:export"])
def test_signed_in_pages_and_downloads_are_not_stored(admin_client, name):
    response = admin_client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_static_files_stay_cacheable(client):
    response = client.get("/static/core/marketdock.css")
    assert "no-store" not in response.get("Cache-Control", "")


def test_existing_var_files_are_tightened(tmp_path):
    var = tmp_path / "var"
    (var / "mail").mkdir(parents=True)
    (var / "static").mkdir()
    for path in (var / "marketdock.sqlite3", var / "marketdock.sqlite3-wal", var / "jobs.sqlite3",
                 var / "mail" / "20260101-1.log", var / "static" / "app.css"):
        path.write_text("x")
        path.chmod(0o644)
    for d in (var, var / "mail"):
        d.chmod(0o755)
    _restrict_var_dir(var)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "mail").stat().st_mode) == 0o700
    for name in ("marketdock.sqlite3", "marketdock.sqlite3-wal", "jobs.sqlite3", "mail/20260101-1.log"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((var / "static" / "app.css").stat().st_mode) == 0o644  # public by nature


def test_new_files_from_the_marketdock_command_are_private(tmp_path):
    """`marketdock …` (manage, serve, worker) sets umask 0077: a fresh ./var, its SQLite database and
    journal, the job queue and a mail file are created owner-only, whatever the shell's umask."""
    var = tmp_path / "var"
    code = (
        "from django.conf import settings; from django.db import connection; from django.core import mail;"
        "connection.ensure_connection(); connection.cursor().execute('CREATE TABLE t (x int)');"
        "from huey.contrib.djhuey import HUEY; HUEY.storage.enqueue(b'x');"
        "mail.send_mail('s', 'b', 'a@example.com', ['b@example.com'])"
    )
    env = {**os.environ, "MARKETDOCK_VAR": str(var), "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}
    env.pop("REDIS_URL", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("DATABASE_URL", None)
    old = os.umask(0o022)
    try:
        subprocess.run([sys.executable, "-m", "marketdock.manage", "shell", "-c", code], env=env, check=True,
                       cwd=settings.BASE_DIR, capture_output=True, timeout=120)
    finally:
        os.umask(old)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    files = [p for p in var.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"marketdock.sqlite3", "jobs.sqlite3", "secret_key", "fernet.key"} <= names
    assert any(p.parent.name == "mail" for p in files)
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {p.name: "0o600" for p in files}
