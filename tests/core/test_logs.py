"""사용자계정로그 (SYS-4): four logs, period and user filters, Excel export (which itself is logged),
admin only, company scoped."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from marketdock.core.models import AccessLog, AccountChangeLog, MenuAccessLog, PersonalDataDownloadLog
from marketdock.core.services import access_log_record, personal_data_download_record

pytestmark = pytest.mark.django_db


def _logs(client, **params):
    return client.get(reverse("core:logs"), params)


def _rows(response) -> list[str]:
    body = response.content.decode()
    table = body.split('data-testid="log-table"')[1].split("</table>")[0]
    return table.split("<tbody>")[1].split("</tr>")[:-1]


def test_access_tab_lists_logins_of_this_company_only(admin_client, admin_user, other_admin):
    Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="UA-test").post(
        reverse("login"), {"username": "acme_admin", "password": "nope-nope-1"})
    access_log_record(event=AccessLog.Event.LOGIN, username="other_admin", user=other_admin)
    AccessLog.objects.filter(username="other_admin").update(detail="남의회사비밀")
    response = _logs(admin_client, tab="access")
    body = response.content.decode()
    assert response.status_code == 200
    assert "203.0.113.9" in body and "로그인 실패" in body and "UA-test" in body
    assert "other_admin" not in body and "남의회사비밀" not in body


def test_menu_access_is_logged_and_listed(admin_client, operator_user, operator_client):
    operator_client.get(reverse("core:job_list"))
    assert MenuAccessLog.objects.filter(user=operator_user, screen="core.jobs").count() == 1
    body = _logs(admin_client, tab="menu").content.decode()
    assert "작업 현황" in body and "acme_operator" in body
    # visiting the log screen is itself logged
    assert MenuAccessLog.objects.filter(screen="core.logs").exists()


def test_account_change_tab_shows_old_and_new_values(admin_client, company, operator_user):
    admin_client.post(reverse("core:user_edit", args=[operator_user.pk]), {
        "name": "새이름", "email": operator_user.email, "phone": "", "role": operator_user.role_id, "is_active": "on",
    })
    rows = _rows(_logs(admin_client, tab="account"))
    row = next(r for r in rows if "새이름" in r)
    assert "acme_admin" in row and "acme_operator" in row and "사용자 수정" in row and "이름" in row


def test_period_and_user_filters(admin_client, company, admin_user, operator_user):
    old = access_log_record(event=AccessLog.Event.LOGIN, username="acme_operator", user=operator_user)
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=20), detail="옛날기록")
    access_log_record(event=AccessLog.Event.LOGIN, username="acme_operator", user=operator_user, detail="오늘기록")
    access_log_record(event=AccessLog.Event.LOGIN, username="acme_admin", user=admin_user, detail="관리자기록")

    body = _logs(admin_client, tab="access").content.decode()  # default: last 7 days
    assert "오늘기록" in body and "관리자기록" in body and "옛날기록" not in body

    today = timezone.localdate()
    month = {"date_from": (today - timedelta(days=30)).isoformat(), "date_to": today.isoformat()}
    body = _logs(admin_client, tab="access", **month).content.decode()
    assert "옛날기록" in body

    body = _logs(admin_client, tab="access", user=operator_user.pk, **month).content.decode()
    assert "오늘기록" in body and "옛날기록" in body and "관리자기록" not in body

    past = (today - timedelta(days=20)).isoformat()
    body = _logs(admin_client, tab="access", date_from=past, date_to=past).content.decode()
    assert "옛날기록" in body and "오늘기록" not in body


def test_bad_filter_input_is_a_clear_error_not_500(admin_client):
    response = _logs(admin_client, tab="access", date_from="2026-13-45")
    assert response.status_code == 200 and "시작일" in response.content.decode()
    response = _logs(admin_client, tab="access", date_from="2026-05-02", date_to="2026-05-01")
    assert "시작일이 종료일보다 늦습니다" in response.content.decode()
    response = _logs(admin_client, tab="nonsense", user="abc", page="x")
    assert response.status_code == 200
    response = admin_client.get(reverse("core:logs_export"), {"date_from": "bad"})
    assert response.status_code == 400


def test_pagination(admin_client, admin_user):
    AccessLog.objects.bulk_create([
        AccessLog(company=admin_user.company, user=admin_user, username="acme_admin", event="login", detail=f"n{i}")
        for i in range(60)
    ])
    first = _logs(admin_client, tab="access")
    assert len(_rows(first)) == 50 and "1 / 2" in first.content.decode()
    total = AccessLog.objects.filter(company=admin_user.company).count()  # + the fixture's own login
    assert total > 60
    assert len(_rows(_logs(admin_client, tab="access", page=2))) == total - 50


@pytest.mark.parametrize("tab", ["access", "menu", "account", "pd"])
def test_excel_export_writes_the_personal_data_download_log(admin_client, admin_user, operator_user, tab):
    access_log_record(event=AccessLog.Event.LOGIN, username="acme_operator", user=operator_user, detail="x")
    AccountChangeLog.objects.create(
        company=operator_user.company, actor=admin_user, target_user=operator_user, target_label="acme_operator",
        action="user_update", field="이름", old_value="A", new_value="B")
    personal_data_download_record(company=admin_user.company, user=operator_user, screen="orders.list",
                                  description="주문 엑셀", record_count=3)
    admin_client.get(reverse("core:job_list"))
    before = PersonalDataDownloadLog.objects.count()

    response = admin_client.get(reverse("core:logs_export"), {"tab": tab})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(response.content)).active
    values = list(ws.values)
    assert values[0][0] == "일시"
    assert len(values) >= 2

    assert PersonalDataDownloadLog.objects.count() == before + 1
    log = PersonalDataDownloadLog.objects.latest("id")
    assert log.user == admin_user and log.screen == "core.logs" and log.record_count == len(values) - 1
    assert log.filters["tab"] == tab and log.file_name.endswith(".xlsx")


def test_export_is_company_scoped(admin_client, other_admin):
    access_log_record(event=AccessLog.Event.LOGIN, username="other_admin", user=other_admin, detail="남의회사")
    ws = load_workbook(BytesIO(admin_client.get(reverse("core:logs_export"), {"tab": "access"}).content)).active
    assert all("other_admin" not in (row[1] or "") for row in ws.values)


def test_logs_are_admin_only(operator_client, viewer_client):
    for client in (operator_client, viewer_client):
        assert client.get(reverse("core:logs")).status_code == 403
        assert client.get(reverse("core:logs_export")).status_code == 403
    assert not PersonalDataDownloadLog.objects.exists()
