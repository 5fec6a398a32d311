"""공지사항 (SYS-5): platform and company notices, the pop-up shown once per user, the company's own
notices edited by writers only, isolation and bad input."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from marketdock.core.models import Notice, NoticeDismissal
from marketdock.core.selectors import notices_to_show
from marketdock.core.services_notices import notice_create, notice_dismiss, notice_update
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def _notice(company=None, title="점검 안내", days_from=-1, days_to=1, popup=True, body="새벽 2시부터 점검합니다."):
    now = timezone.now()
    return Notice.objects.create(
        company=company, title=title, body=body, starts_at=now + timedelta(days=days_from),
        ends_at=now + timedelta(days=days_to), is_popup=popup,
    )


def _form(title="택배 마감 변경", body="오늘부터 오후 3시 마감입니다.", start=None, end=None, popup=True):
    start = start or timezone.localtime() - timedelta(hours=1)
    end = end or start + timedelta(days=3)
    data = {"title": title, "body": body, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": end.strftime("%Y-%m-%dT%H:%M")}
    if popup:
        data["is_popup"] = "on"
    return data


class TestPopup:
    def test_popup_shows_once_and_not_after_dismissal(self, admin_client, admin_user):
        n = _notice(title="서버 점검 공지")
        home = admin_client.get("/")
        assert 'data-testid="notice-popup"' in home.content.decode()
        assert "서버 점검 공지" in home.content.decode()

        r = admin_client.post(reverse("core:notice_dismiss"), {"notice": [n.pk]}, HTTP_HX_REQUEST="true")
        assert r.status_code == 204
        assert NoticeDismissal.objects.filter(notice=n, user=admin_user).exists()
        home = admin_client.get("/")
        assert 'data-testid="notice-popup"' not in home.content.decode()
        # the notice itself stays readable in the list
        assert "서버 점검 공지" in admin_client.get(reverse("core:notice_list")).content.decode()

    def test_dismissal_is_per_user(self, admin_user, operator_user, operator_client):
        n = _notice()
        notice_dismiss(user=admin_user, notice_ids=[n.pk])
        assert list(notices_to_show(operator_user)) == [n]
        assert 'data-testid="notice-popup"' in operator_client.get("/").content.decode()

    def test_dismiss_without_htmx_redirects_back_and_twice_is_harmless(self, admin_client, admin_user):
        n = _notice()
        url = reverse("core:notice_dismiss")
        r = admin_client.post(url, {"notice": [n.pk, "garbage", ""]}, HTTP_REFERER="http://testserver/system/jobs/")
        assert r.status_code == 302 and r["Location"] == "http://testserver/system/jobs/"
        r = admin_client.post(url, {"notice": [n.pk], "next": "https://evil.example/"})
        assert r.status_code == 302 and r["Location"] == "/"
        assert NoticeDismissal.objects.filter(notice=n, user=admin_user).count() == 1

    def test_cannot_dismiss_another_companys_notice(self, admin_user, other_company):
        theirs = _notice(company=other_company)
        assert notice_dismiss(user=admin_user, notice_ids=[theirs.pk]) == 0
        assert not NoticeDismissal.objects.exists()

    def test_only_current_popup_notices_of_own_company_or_platform(self, admin_user, company, other_company):
        platform = _notice(title="platform")
        own = _notice(company=company, title="own")
        _notice(company=other_company, title="theirs")
        _notice(title="expired", days_from=-5, days_to=-1)
        _notice(title="future", days_from=1, days_to=3)
        _notice(title="not a popup", popup=False)
        assert {n.title for n in notices_to_show(admin_user)} == {platform.title, own.title}

    def test_dismiss_needs_login_and_post(self, client):
        assert client.post(reverse("core:notice_dismiss"), {"notice": ["1"]}).status_code == 302
        assert client.get(reverse("core:notice_dismiss")).status_code == 405


class TestNoticeScreen:
    def test_everyone_reads_current_and_past_but_not_other_companies(self, viewer_client, company, other_company):
        _notice(title="지금 공지")
        _notice(company=company, title="지난 공지", days_from=-10, days_to=-5)
        _notice(company=other_company, title="남의 공지")
        _notice(company=company, title="예정 공지", days_from=2, days_to=4)
        body = viewer_client.get(reverse("core:notice_list")).content.decode()
        assert "지금 공지" in body and "지난 공지" in body
        assert "남의 공지" not in body
        assert "예정 공지" not in body  # scheduled notices are for writers only
        assert 'data-testid="notice-new"' not in body

    def test_writer_sees_scheduled_own_notices_and_filters(self, admin_client, company):
        _notice(company=company, title="예정 공지", days_from=2, days_to=4)
        _notice(title="지난 공지", days_from=-10, days_to=-5)
        url = reverse("core:notice_list")
        body = admin_client.get(url).content.decode()
        assert "예정 공지" in body and 'data-testid="notice-new"' in body
        body = admin_client.get(url, {"state": "past"}).content.decode()
        assert "지난 공지" in body and "예정 공지" not in body
        body = admin_client.get(url, {"q": "예정"}).content.decode()
        assert "예정 공지" in body and "지난 공지" not in body

    def test_detail(self, viewer_client):
        n = _notice(title="배송 지연", body="첫 줄\n둘째 줄")
        r = viewer_client.get(reverse("core:notice_detail", args=[n.pk]))
        assert r.status_code == 200
        assert "배송 지연" in r.content.decode() and "둘째 줄" in r.content.decode()
        assert 'data-testid="notice-edit"' not in r.content.decode()

    def test_admin_creates_edits_and_deletes_a_company_notice(self, admin_client, admin_user, company):
        r = admin_client.post(reverse("core:notice_create"), _form())
        n = Notice.objects.get(title="택배 마감 변경")
        assert r.status_code == 302 and r["Location"] == reverse("core:notice_detail", args=[n.pk])
        assert n.company == company and n.created_by == admin_user and n.is_popup
        assert admin_client.get(reverse("core:notice_edit", args=[n.pk])).status_code == 200

        r = admin_client.post(reverse("core:notice_edit", args=[n.pk]), _form(title="택배 마감 변경(수정)", popup=False))
        n.refresh_from_db()
        assert r.status_code == 302 and n.title == "택배 마감 변경(수정)" and not n.is_popup

        assert admin_client.get(reverse("core:notice_delete", args=[n.pk])).status_code == 405
        r = admin_client.post(reverse("core:notice_delete", args=[n.pk]))
        assert r.status_code == 302 and not Notice.objects.filter(pk=n.pk).exists()

    def test_end_must_be_after_start(self, admin_client):
        start = timezone.localtime()
        r = admin_client.post(reverse("core:notice_create"), _form(start=start, end=start - timedelta(days=1)))
        assert r.status_code == 200
        assert "게시 종료는 게시 시작보다 뒤여야 합니다." in r.content.decode()
        assert not Notice.objects.exists()

    def test_garbage_post_gives_form_errors_not_500(self, admin_client):
        r = admin_client.post(reverse("core:notice_create"), {"title": "", "starts_at": "어제", "ends_at": "\x00"})
        assert r.status_code == 200
        body = r.content.decode()
        assert "날짜와 시각을 YYYY-MM-DD HH:mm 형식으로 입력하세요." in body
        assert 'data-field="title"' in body and 'data-field="body"' in body
        assert not Notice.objects.exists()

    def test_viewer_cannot_post_or_open_the_form(self, viewer_client, company):
        n = _notice(company=company)
        assert viewer_client.get(reverse("core:notice_create")).status_code == 403
        assert viewer_client.post(reverse("core:notice_create"), _form()).status_code == 403
        assert viewer_client.post(reverse("core:notice_edit", args=[n.pk]), _form(title="x")).status_code == 403
        assert viewer_client.post(reverse("core:notice_delete", args=[n.pk])).status_code == 403
        assert Notice.objects.filter(pk=n.pk, title="점검 안내").exists()

    def test_platform_notices_cannot_be_edited_by_a_company(self, admin_client):
        n = _notice(title="운영자 공지")
        assert admin_client.get(reverse("core:notice_edit", args=[n.pk])).status_code == 404
        assert admin_client.post(reverse("core:notice_delete", args=[n.pk])).status_code == 404
        with pytest.raises(ValidationError):
            notice_update(notice=n, title="x", body="y", starts_at=n.starts_at, ends_at=n.ends_at, is_popup=True)

    def test_editing_the_text_shows_the_popup_again(self, admin_user, company):
        n = notice_create(company=company, user=admin_user, title="a", body="b", starts_at=timezone.now() - timedelta(hours=1),
                          ends_at=timezone.now() + timedelta(days=1))
        notice_dismiss(user=admin_user, notice_ids=[n.pk])
        assert not notices_to_show(admin_user).exists()
        notice_update(notice=n, title="a", body="b (정정)", starts_at=n.starts_at, ends_at=n.ends_at, is_popup=True)
        assert list(notices_to_show(admin_user)) == [n]

    def test_isolation(self, other_client, company):
        n = _notice(company=company, title="비밀 프로모션 일정", body="3월 1일 반값")
        urls = [reverse(name, args=[n.pk]) for name in ("core:notice_detail", "core:notice_edit", "core:notice_delete")]
        assert_isolated(other_client, urls, secrets=("비밀 프로모션 일정", "3월 1일 반값"))
        assert Notice.objects.filter(pk=n.pk).exists()
