"""The shell (SYS-7): styled error pages instead of Django's bare ones or a 500, the menu in
English after switching the language, and the home page."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _error_page(response, status):
    body = response.content.decode()
    assert response.status_code == status
    assert f'data-testid="error-page" data-status="{status}"' in body
    return body


class TestErrorPages:
    def test_missing_object_gives_the_styled_404_with_a_clear_sentence(self, admin_client):
        body = _error_page(admin_client.get(reverse("core:notice_detail", args=[987654])), 404)
        assert "페이지를 찾을 수 없습니다" in body and "공지사항을 찾을 수 없습니다." in body
        assert 'data-testid="main-menu"' in body  # inside the shell, the user can go on

    def test_unknown_url_gives_the_styled_404_without_technical_details(self, admin_client, client):
        body = _error_page(admin_client.get("/system/no-such-screen/"), 404)
        assert "주소가 바뀌었거나 삭제된 자료입니다." in body and "tried" not in body and "urlpatterns" not in body
        body = _error_page(client.get("/no-such-page/"), 404)  # anonymous: the plain layout
        assert 'data-testid="main-menu"' not in body

    def test_forbidden_screen_gives_the_styled_403(self, viewer_client):
        body = _error_page(viewer_client.get(reverse("core:notice_create")), 403)
        assert "권한이 없습니다" in body and "관리자에게 화면권한을 요청하세요." in body

    def test_admin_only_screen_is_403_for_an_operator(self, operator_client):
        from marketdock.core.menu import screen_url, screens_by_key

        url = screen_url(screens_by_key()["core.users"])
        assert url is not None
        _error_page(operator_client.get(url), 403)

    def test_malformed_upload_gives_a_styled_400_not_a_500(self, admin_client):
        r = admin_client.generic("POST", reverse("core:notice_create"), b"--xx\r\ngarbage",
                                 content_type="multipart/form-data; boundary=")
        body = _error_page(r, 400)
        assert "잘못된 요청입니다" in body

    def test_garbage_form_post_gives_field_errors_not_a_500(self, admin_client):
        r = admin_client.post(reverse("core:notice_create"),
                              {"title": "x" * 5000, "body": "\x00", "starts_at": "2026-13-45T99:99", "ends_at": "[]"})
        assert r.status_code == 200
        body = r.content.decode()
        assert "200" in body and "날짜와 시각을 YYYY-MM-DD HH:mm 형식으로 입력하세요." in body

    def test_server_error_gives_the_styled_500(self, admin_user, monkeypatch):
        from marketdock.core import selectors

        def boom():
            raise RuntimeError("database exploded")

        monkeypatch.setattr(selectors, "health", boom)
        client = Client(raise_request_exception=False)
        r = client.get("/healthz")
        body = _error_page(r, 500)
        assert "database exploded" not in body and "일시적인 오류가 발생했습니다" in body


class TestLanguage:
    def test_switching_to_english_shows_the_english_menu(self, admin_client):
        assert "주문" in admin_client.get("/").content.decode()
        r = admin_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert r.status_code == 302
        body = admin_client.get("/").content.decode()
        assert '<html lang="en">' in body
        for label in ("Orders", "Shipping", "Inventory", "System", "Notices", "To do"):
            assert label in body, label
        body = admin_client.get(reverse("core:code_groups")).content.decode()
        assert "Common codes" in body and "공통코드관리" not in body

        admin_client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
        body = admin_client.get("/").content.decode()
        assert '<html lang="ko">' in body and "처리할 일" in body and "Orders" not in body

    def test_every_menu_label_has_an_english_translation(self):
        from django.utils import translation

        from marketdock.core.menu import MENU

        with translation.override("en"):
            missing = [str(s.label) for section in MENU for s in (section, *section.screens)
                       if any("\uac00" <= ch <= "\ud7a3" for ch in str(s.label))]
        assert missing == []


class TestHome:
    def test_home_shows_tiles_and_current_notices(self, admin_client, company):
        from datetime import timedelta

        from django.utils import timezone

        from marketdock.core.models import Notice

        now = timezone.now()
        Notice.objects.create(company=company, title="우리 회사 공지", body="b", starts_at=now - timedelta(hours=1),
                              ends_at=now + timedelta(days=1), is_popup=False)
        body = admin_client.get("/").content.decode()
        assert "처리할 일" in body and 'data-tile="jobs_failed"' in body
        assert 'data-testid="home-notices"' in body and "우리 회사 공지" in body
