"""Tenancy, companies, menu and screen permissions (SYS-1, SYS-2, SYS-7)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from marketdock.core import permissions
from marketdock.core.menu import MENU, screens_by_key
from marketdock.core.models import Company, Role, ScreenPermission
from marketdock.core.validators import business_no_is_valid, format_business_no, validate_business_no
from tests.factories.core import make_company, make_user


class TestBusinessNumber:
    @pytest.mark.parametrize("value", ["124-81-00998", "2208162517", "220-81-62517"])
    def test_real_numbers_pass(self, value):
        assert business_no_is_valid(value)

    @pytest.mark.parametrize("value", ["124-81-00997", "123", "", "abcdefghij", "1248100998 1"])
    def test_wrong_numbers_fail_with_a_clear_message(self, value):
        assert not business_no_is_valid(value)
        with pytest.raises(ValidationError) as exc:
            validate_business_no(value)
        assert "사업자등록번호" in str(exc.value)

    @given(st.text(alphabet="0123456789", min_size=9, max_size=9))
    def test_exactly_one_check_digit_is_valid(self, first9):
        valid = [d for d in "0123456789" if business_no_is_valid(first9 + d)]
        assert len(valid) == 1

    def test_format(self):
        assert format_business_no("1248100998") == "124-81-00998"


@pytest.mark.django_db
class TestCompanyCreate:
    def test_new_company_gets_builtin_roles_codes_and_main_admin(self):
        c = make_company("newco", "newco_admin")
        roles = {r.builtin: r for r in Role.objects.filter(company=c)}
        assert set(roles) == {"admin", "operator", "viewer"}
        assert roles["viewer"].permissions.filter(level=ScreenPermission.Level.WRITE).count() == 0
        assert roles["viewer"].permissions.count() > 20
        admin = c.users.get()
        assert admin.is_company_admin and admin.role == roles["admin"]
        assert admin.password.startswith("argon2")
        assert c.status == "trial" and c.trial_ends_at is not None
        assert c.user_limit == 5

    def test_bad_business_number_creates_nothing(self):
        with pytest.raises(ValidationError):
            make_company("badco", "badco_admin", business_no="124-81-00997")
        assert not Company.objects.filter(code="badco").exists()


@pytest.mark.django_db
class TestScreenPermissions:
    def test_main_admin_may_write_everything(self, admin_user):
        assert all(permissions.can_write(admin_user, key) for key in screens_by_key())

    def test_viewer_reads_but_never_writes(self, viewer_user):
        assert permissions.can_read(viewer_user, "core.jobs")
        assert not permissions.can_write(viewer_user, "core.jobs")

    def test_admin_only_screens_refused_to_non_admins_even_if_granted(self, company, operator_user):
        ScreenPermission.objects.create(role=operator_user.role, screen="core.users", level="write")
        operator_user = type(operator_user).objects.get(pk=operator_user.pk)
        assert not permissions.can_read(operator_user, "core.users")

    def test_custom_role_sees_only_its_menu(self, company, client):
        role = Role.objects.create(company=company, name="작업현황만")
        ScreenPermission.objects.create(role=role, screen="core.jobs", level="read")
        user = make_user(company, "jobs_only", "viewer")
        user.role = role
        user.save()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        html = client.get(reverse("home")).content.decode()
        assert 'data-screen="core.jobs"' in html
        assert 'data-screen="orders.list"' not in html
        assert client.get(reverse("core:job_list")).status_code == 200

    def test_user_without_permission_is_refused_with_styled_403(self, company, client):
        role = Role.objects.create(company=company, name="아무것도없음")
        user = make_user(company, "nobody", "viewer")
        user.role = role
        user.save()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        response = client.get(reverse("core:job_list"))
        assert response.status_code == 403
        assert 'data-testid="error-page"' in response.content.decode()
        html = client.get(reverse("home")).content.decode()
        assert 'data-screen="core.jobs"' not in html

    def test_every_menu_screen_key_is_unique(self):
        keys = [s.key for section in MENU for s in section.screens]
        assert len(keys) == len(set(keys))


@pytest.mark.django_db
class TestShell:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_login_form_uses_username_and_password(self, client):
        html = client.get(reverse("login")).content.decode()
        assert 'name="username"' in html and 'name="password"' in html

    def test_login_then_korean_dashboard(self, client, admin_user):
        from tests.factories.core import PASSWORD

        response = client.post(reverse("login"), {"username": admin_user.username, "password": PASSWORD})
        assert response.status_code == 302
        html = client.get("/").content.decode()
        assert "처리할 일" in html and 'lang="ko"' in html
        assert "acme 상사" in html

    def test_static_assets_come_from_installed_packages_not_a_cdn(self, admin_client):
        html = admin_client.get("/").content.decode()
        assert "/static/bootstrap/css/bootstrap.min.css" in html
        # every script and stylesheet is ours (the page's random CSRF token may spell "cdn" by chance)
        sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert sources and all(src.startswith("/static/") for src in sources), sources
        assert "https://" not in html

    def test_other_companys_job_is_invisible(self, admin_client, other_client, company):
        from marketdock.core.jobs import job_run_create

        from ..isolation import assert_isolated

        run = job_run_create(kind="test.kind", title="비밀작업-acme", company=company)
        assert admin_client.get(reverse("core:job_detail", args=[run.pk])).status_code == 200
        assert_isolated(other_client, [reverse("core:job_detail", args=[run.pk])], secrets=("비밀작업-acme",))
        assert "비밀작업-acme" not in other_client.get(reverse("core:job_list")).content.decode()


@pytest.mark.django_db
class TestMediaAndClientIp:
    def test_uploaded_files_are_served_only_to_their_company(self, settings, tmp_path, company, admin_client,
                                                             other_client, client):
        settings.MEDIA_ROOT = tmp_path
        folder = tmp_path / "catalog" / str(company.pk) / "uploads"
        folder.mkdir(parents=True)
        (folder / "orders.xlsx").write_bytes(b"secret-bytes")
        url = f"/media/catalog/{company.pk}/uploads/orders.xlsx"
        response = admin_client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"secret-bytes"
        assert other_client.get(url).status_code == 404
        assert client.get(url).status_code == 302  # anonymous: to the login page
        assert admin_client.get(f"/media/catalog/{company.pk}/../{company.pk}/uploads/orders.xlsx").status_code == 404

    def test_forwarded_for_is_believed_only_from_a_trusted_proxy(self, settings, rf):
        from marketdock.core.services import client_ip

        request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.9")
        settings.TRUSTED_PROXIES = []
        assert client_ip(request) == "10.0.0.9"
        settings.TRUSTED_PROXIES = ["10.0.0.9"]
        request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4", REMOTE_ADDR="10.0.0.9")
        assert client_ip(request) == "1.2.3.4"

    def test_notice_end_must_follow_start(self):
        from datetime import timedelta

        from django.utils import timezone

        from marketdock.core.models import Notice

        now = timezone.now()
        with pytest.raises(ValidationError) as exc:
            Notice(title="점검", body="-", starts_at=now, ends_at=now - timedelta(hours=1)).full_clean()
        assert "ends_at" in exc.value.message_dict


def test_numbers_are_never_grouped_implicitly_but_money_filters_group():
    """ids end up in URLs and data attributes: 1808 must render as 1808, not 1,808."""
    from django.template import engines

    engine = engines["django"]
    html = engine.from_string('{% load humanize %}<a data-id="{{ n }}">{{ n|intcomma }}원</a>').render({"n": 1808})
    assert html == '<a data-id="1808">1,808원</a>'


@pytest.mark.django_db(transaction=True)
def test_worker_threads_beating_at_once_never_fail():
    import threading

    from django.db import connection

    from marketdock.core.models import WorkerHeartbeat
    from marketdock.core.services import worker_heartbeat

    errors = []

    def beat():
        try:
            worker_heartbeat("host:1")
        except Exception as exc:  # noqa: BLE001 - the test collects any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert WorkerHeartbeat.objects.filter(worker="host:1").count() == 1


def test_xlsx_downloads_keep_korean_file_names(tmp_path):
    from marketdock.core.downloads import XLSX, xlsx_response

    response = xlsx_response(b"PK-bytes", "재고현황 2026.xlsx")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%EC%9E%AC%EA%B3%A0%ED%98%84%ED%99%A9%202026.xlsx"
    spooled = tmp_path / "x.xlsx"
    spooled.write_bytes(b"PK-file")
    streamed = xlsx_response(spooled.open("rb"), "orders.xlsx")
    assert b"".join(streamed.streaming_content) == b"PK-file"
    assert streamed["Content-Disposition"] == 'attachment; filename="orders.xlsx"'
