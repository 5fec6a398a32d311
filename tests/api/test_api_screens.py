"""시스템관리 › Open API screens: the main admin creates a key (shown once) and revokes it; the API log
lists and exports calls; other companies see nothing; the read-only role changes nothing; Korean only."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.api.models import SCOPES, ApiKey
from tests.factories.api import api_client, make_key
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def _create(client, **extra):
    data = {"name": "ERP", "scopes": ["orders:read", "stock:write"], "rate_per_minute": "600", **extra}
    return client.post(reverse("api:keys"), data)


def test_admin_creates_a_key_shown_once_and_revokes_it(admin_client, company):
    response = _create(admin_client, allowed_ips="127.0.0.1")
    token = re.search(r"md_[0-9a-f]{12}_[\w-]{40,}", response.content.decode()).group(0)
    key = ApiKey.objects.get(company=company)
    assert key.secret_hash not in token and token.split("_", 2)[2] not in key.secret_hash
    assert token not in admin_client.get(reverse("api:keys")).content.decode()  # never again
    assert api_client(token).get("/api/v1/orders").status_code == 200
    admin_client.post(reverse("api:key_revoke", args=[key.pk]))
    assert api_client(token).get("/api/v1/orders").status_code == 401


def test_bad_key_form_names_the_problem(admin_client, company):
    response = _create(admin_client, allowed_ips="not-an-ip")
    assert response.status_code == 422 and "IP 주소 형식이 아닙니다" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_viewer_and_operator_change_nothing(viewer_client, operator_client, company):
    assert _create(viewer_client).status_code == 403
    assert _create(operator_client).status_code == 403  # only the main admin makes keys
    key = ApiKey.objects.get(pk=ApiKey.objects.create(company=company, name="k", prefix="abc", secret_hash="x",
                                                      scopes=["orders:read"]).pk)
    viewer_client.post(reverse("api:key_revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is None and ApiKey.objects.count() == 1


def test_other_company_sees_no_key_and_no_call(admin_client, other_client, company):
    token = make_key(company, name="비밀키")
    api_client(token).get("/api/v1/orders")
    key = ApiKey.objects.get(company=company)
    assert_isolated(other_client, [reverse("api:key_revoke", args=[key.pk])], secrets=("비밀키",))
    assert "비밀키" not in other_client.get(reverse("api:keys")).content.decode()
    assert "비밀키" not in other_client.get(reverse("api:logs")).content.decode()
    assert other_client.get(reverse("api:logs") + f"?key={key.pk}").content.decode().count("/api/v1/orders") == 0
    assert key.revoked_at is None


def test_log_lists_and_exports_calls(admin_client, company):
    token = make_key(company, name="ERP 연동", scopes=["orders:read"])
    client = api_client(token)
    client.get("/api/v1/orders")
    client.post("/api/v1/orders/hold", {}, content_type="application/json")  # 403: no scope
    page = admin_client.get(reverse("api:logs")).content.decode()
    assert "/api/v1/orders/hold" in page and "403" in page and "ERP 연동" in page
    errors_only = admin_client.get(reverse("api:logs") + "?status=error").content.decode()
    assert "/api/v1/orders/hold" in errors_only and ">200<" not in errors_only
    export = admin_client.get(reverse("api:logs") + "?export=1")
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content) if export.streaming else export.content)).active.values)
    assert rows[0][0] == "일시" and {r[4] for r in rows[1:]} == {"/api/v1/orders", "/api/v1/orders/hold"}
    assert ApiKey.objects.get(company=company).last_used_ip == "127.0.0.1"


def test_screens_are_korean(admin_client, company):
    make_key(company, name="연동")
    api_client(make_key(company, name="다른")).get("/api/v1/orders")
    for url in (reverse("api:keys"), reverse("api:logs")):
        text = re.sub(r"<[^>]+>", " ", admin_client.get(url).content.decode())
        for scope in SCOPES:
            assert scope not in text, (url, scope)
        assert "권한" in text or "기록" in text
