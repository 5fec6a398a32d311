"""An 11st account on the 쇼핑몰 계정 screens: the Open API key is checked and stored encrypted, the API
address is 11st's own host or one the operator listed (no SSRF), the 연결 테스트 reaches the sandbox
11st over HTTP, a viewer changes nothing and another company sees nothing."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from marketdock.channels import services
from marketdock.channels.models import ChannelAccount, ChannelKind
from tests.isolation import assert_isolated

KEY = {"openapikey": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}


def form_data(name: str, credentials: dict, **extra) -> dict:
    return {"kind": "elevenst", "name": name, "base_url": "", "credentials_expire_on": "",
            "collect_every_minutes": "30", "auto_collect": "on", "is_active": "on", **credentials, **extra}


def test_form_creates_an_11st_account_with_the_key_encrypted(admin_client, company):
    assert "11번가" in admin_client.get(reverse("channels:account_create")).content.decode()
    response = admin_client.post(reverse("channels:account_create"), form_data("11번가 본점", KEY))
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ChannelAccount.objects.get(company=company, name="11번가 본점")
    assert account.kind == ChannelKind.ELEVENST and account.credentials == KEY
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM channels_channelaccount WHERE id = %s", [account.pk])
        assert KEY["openapikey"] not in cursor.fetchone()[0]


def test_a_half_copied_key_is_named_and_nothing_saved(admin_client, company):
    response = admin_client.post(reverse("channels:account_create"), form_data("11번가", {"openapikey": "abc-1"}))
    assert response.status_code == 200 and "11번가 Open API Key는 영문·숫자 16~64자입니다" in response.content.decode()
    assert not ChannelAccount.objects.filter(company=company).exists()


def test_api_address_is_11st_or_operator_listed(company, settings, monkeypatch):
    settings.MARKETDOCK_ALLOWED_API_HOSTS = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "",
                                                                  ("113.217.247.90", 443))])
    for url in ("http://127.0.0.1:9010", "https://api.11st.co.kr.evil.example", "http://api.11st.co.kr",
                "https://api-gateway.coupang.com"):
        with pytest.raises(ValidationError) as exc:
            services.channel_account_create(company=company, kind=ChannelKind.ELEVENST, name="11번가",
                                            credentials=KEY, base_url=url)
        problem = str(exc.value.message_dict["base_url"])
        assert "api.11st.co.kr" in problem or (url.startswith("http://api.11st") and "https://" in problem)
    official = services.channel_account_create(company=company, kind=ChannelKind.ELEVENST, name="11번가",
                                               credentials=KEY, base_url="https://api.11st.co.kr")
    assert official.base_url == "https://api.11st.co.kr"
    settings.MARKETDOCK_ALLOWED_API_HOSTS = ["127.0.0.1:9010"]
    listed = services.channel_account_create(company=company, kind=ChannelKind.ELEVENST, name="11번가 샌드박스",
                                             credentials=KEY, base_url="http://127.0.0.1:9010")
    assert listed.base_url == "http://127.0.0.1:9010"


def test_connection_test_against_the_sandbox(admin_client, company, sandbox):
    state, base = sandbox
    account = services.channel_account_create(company=company, kind=ChannelKind.ELEVENST, name="샌드박스 11번가",
                                              credentials=state.shops["elevenst-demo"].credentials, base_url=base)
    body = admin_client.post(reverse("channels:account_test", args=[account.pk]), HTTP_HX_REQUEST="true"
                             ).content.decode()
    assert 'data-ok="1"' in body and "연결 성공: 샌드박스 11번가" in body
    bad = services.channel_account_create(company=company, kind=ChannelKind.ELEVENST, name="틀린 키",
                                          credentials={"openapikey": "0" * 32}, base_url=base)
    body = admin_client.post(reverse("channels:account_test", args=[bad.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-ok="0"' in body and "인증 실패" in body and "openapikey" in body


def test_viewer_changes_nothing_and_another_company_sees_nothing(viewer_client, other_client, company):
    account = services.channel_account_create(company=company, kind=ChannelKind.ELEVENST, name="비밀 11번가",
                                              credentials=KEY)
    assert viewer_client.post(reverse("channels:account_create"), form_data("새 11번가", KEY)).status_code == 403
    assert viewer_client.post(reverse("channels:account_edit", args=[account.pk]),
                              form_data("바뀐 이름", {"openapikey": ""})).status_code == 403
    assert KEY["openapikey"] not in viewer_client.get(reverse("channels:account_edit", args=[account.pk])
                                                      ).content.decode()
    assert_isolated(other_client, [
        reverse("channels:account_edit", args=[account.pk]),
        reverse("channels:account_test", args=[account.pk]),
        reverse("channels:account_delete", args=[account.pk]),
    ], secrets=("비밀 11번가", KEY["openapikey"][-6:]))
    account.refresh_from_db()
    assert account.name == "비밀 11번가" and ChannelAccount.objects.filter(company=company).count() == 1
