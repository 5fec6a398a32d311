"""Login safety (SYS-3): argon2, lockout after 5 wrong passwords (reached only from several addresses:
one address is throttled first), unlock with a temporary password, forced change of temporary
passwords, password rules, access log rows. 비밀번호 찾기 with a one-time code: tests/core/test_password_reset.py."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import password_validation
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdock.core import selectors
from marketdock.core.models import AccessLog, AccountChangeLog, User
from marketdock.core.services_users import temporary_password_generate
from marketdock.core.sms import MemorySmsBackend
from tests.factories.core import PASSWORD

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (marketdock-test)"
IP = "203.0.113.7"


def _client() -> Client:
    return Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=UA)


def _attempt(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _fail(client: Client, username: str, times: int):
    responses = [_attempt(client, username, "Wrong-pass-999") for _ in range(times)]
    return responses[-1]


def _lock(username: str):
    """5 wrong passwords, each from another address (one address alone is throttled before the lock)."""
    for i in range(5):
        response = _attempt(Client(REMOTE_ADDR=f"198.51.100.{10 + i}", HTTP_USER_AGENT=UA), username, "Wrong-pass-999")
    return response


def _temp_password_from(text: str) -> str:
    return re.search(r"임시 비밀번호는 (\S+) 입니다", text).group(1)


def _is_locked(user: User) -> bool:
    return user.username in selectors.locked_usernames(user.company, [user.username])


def test_passwords_are_hashed_with_argon2(operator_user):
    assert operator_user.password.startswith("argon2")


def test_four_failures_do_not_lock_the_fifth_does(operator_user):
    client = _client()
    response = _fail(client, "acme_operator", 4)
    assert response.status_code == 200
    assert "5회 연속 틀리면 계정이 잠깁니다" in response.content.decode()
    assert not _is_locked(operator_user)

    # the same address is throttled before it can lock the account
    response = _fail(client, "acme_operator", 1)
    assert response.status_code == 429 and 'data-testid="throttled"' in response.content.decode()
    assert not _is_locked(operator_user)

    response = _fail(Client(REMOTE_ADDR="198.51.100.77"), "acme_operator", 1)
    assert response.status_code == 429
    assert 'data-testid="locked"' in response.content.decode()
    assert _is_locked(operator_user)
    # the right password no longer helps, from any browser
    response = _attempt(Client(REMOTE_ADDR="198.51.100.1"), "acme_operator", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_in_between_resets_the_count(operator_user):
    client = _client()
    _fail(client, "acme_operator", 3)
    _fail(Client(REMOTE_ADDR="198.51.100.3"), "acme_operator", 1)
    assert _attempt(client, "acme_operator", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    response = _fail(client, "acme_operator", 3)
    assert response.status_code == 200
    assert not _is_locked(operator_user)
    assert _attempt(client, "acme_operator", PASSWORD).status_code == 302


def test_lock_is_per_account_not_per_browser(operator_user, viewer_user):
    _lock("acme_operator")
    assert _is_locked(operator_user)
    assert _attempt(_client(), "acme_viewer", PASSWORD).status_code == 302


def test_access_log_records_failures_lockout_login_logout_with_ip_and_agent(operator_user, company):
    client = _client()
    _fail(client, "acme_operator", 2)
    assert _attempt(client, "acme_operator", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    _fail(client, "acme_operator", 4)
    _fail(Client(REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT=UA), "acme_operator", 1)
    rows = list(AccessLog.objects.filter(username="acme_operator").order_by("at", "id"))
    events = [r.event for r in rows]
    assert events[:4] == ["login_failed", "login_failed", "login", "logout"]
    assert events.count("locked") == 1
    assert events.count("login_failed") == 7
    assert all(r.ip == IP and r.user_agent == UA for r in rows[:-2])
    assert rows[-1].ip == "198.51.100.9"
    assert all(r.company_id == company.pk and r.user_id == operator_user.pk for r in rows)


def test_one_address_cannot_lock_many_accounts(company, operator_user, viewer_user, admin_user):
    """The probe: 100 failures across 25 usernames from one address went through and locked whoever
    was named. Now the address is throttled after LOGIN_THROTTLE_PER_IP failures (429, in Korean),
    the password is not even checked, and no account gets locked."""
    client = _client()
    names = ["acme_admin", "acme_operator", "acme_viewer"] + [f"ghost{i}" for i in range(22)]
    statuses = [_attempt(client, names[i % len(names)], "Wrong-pass-999").status_code for i in range(14)]
    assert statuses[:10] == [200] * 10 and set(statuses[10:]) == {429}
    response = _attempt(client, "acme_admin", PASSWORD)  # even the right password waits
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "잠시 후 다시 시도하세요" in body and "분 뒤에 다시 시도할 수 있습니다" in body
    assert "_auth_user_id" not in client.session
    assert not any(_is_locked(u) for u in (admin_user, operator_user, viewer_user))
    assert AccessLog.objects.filter(event="login_failed", ip=IP).count() == 10
    assert AccessLog.objects.filter(event="throttled", ip=IP).count() == 1
    # another address is not affected
    assert _attempt(Client(REMOTE_ADDR="198.51.100.1"), "acme_admin", PASSWORD).status_code == 302


def test_throttle_window_slides(operator_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.LOGIN_THROTTLE_PER_IP_USERNAME = 2
    client = _client()
    _fail(client, "acme_operator", 2)
    assert _attempt(client, "acme_operator", PASSWORD).status_code == 429
    AccessLog.objects.filter(event="login_failed").update(
        at=timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS + 1))
    assert _attempt(client, "acme_operator", PASSWORD).status_code == 302


def test_lock_tells_the_owner_and_the_admin_sees_the_addresses(admin_client, operator_user,
                                                               django_capture_on_commit_callbacks):
    User.objects.filter(pk=operator_user.pk).update(phone="010-5555-6666")
    with django_capture_on_commit_callbacks(execute=True):
        _lock("acme_operator")
    notices = [m for m in mail.outbox if m.to == [operator_user.email]]
    assert len(notices) == 1
    assert "잠겼습니다" in notices[0].body and "198.51.100.10" in notices[0].body
    assert not MemorySmsBackend.outbox  # e-mail preferred; SMS only without an e-mail
    # further attempts while locked send nothing more (no flooding the owner)
    with django_capture_on_commit_callbacks(execute=True):
        _attempt(Client(REMOTE_ADDR="198.51.100.99"), "acme_operator", "Wrong-pass-999")
    assert len([m for m in mail.outbox if m.to == [operator_user.email]]) == 1

    body = admin_client.get(reverse("core:user_list")).content.decode()
    ips = re.search(r'data-testid="lock-ips">(.*?)</div>', body, re.S).group(1)
    assert all(f"198.51.100.{10 + i} (1회)" in ips for i in range(5))
    body = admin_client.get(reverse("core:user_edit", args=[operator_user.pk])).content.decode()
    assert "198.51.100.14 (1회)" in re.search(r'data-testid="lock-ips">(.*?)</p>', body, re.S).group(1)


def test_lock_notice_goes_by_sms_without_email(operator_user, django_capture_on_commit_callbacks):
    User.objects.filter(pk=operator_user.pk).update(email="", phone="010-5555-6666")
    with django_capture_on_commit_callbacks(execute=True):
        _lock("acme_operator")
    assert MemorySmsBackend.outbox[-1]["to"] == "01055556666"
    assert "잠겼습니다" in MemorySmsBackend.outbox[-1]["text"]


def test_admin_unlock_sends_temporary_password_and_forces_change(admin_client, operator_user, admin_user):
    _lock("acme_operator")
    mail.outbox.clear()
    body = admin_client.get(reverse("core:user_list")).content.decode()
    assert 'data-testid="locked-badge"' in body and 'data-testid="unlock-acme_operator"' in body

    response = admin_client.post(reverse("core:user_unlock", args=[operator_user.pk]), {"channel": ""})
    assert response.status_code == 302
    assert not _is_locked(operator_user)
    assert mail.outbox[-1].to == [operator_user.email]
    temp = _temp_password_from(mail.outbox[-1].body)
    assert 'data-testid="locked-badge"' not in admin_client.get(reverse("core:user_list")).content.decode()

    # the old password no longer works; the temporary one does, and forces a change
    client = _client()
    assert _attempt(client, "acme_operator", PASSWORD).status_code == 200
    assert _attempt(client, "acme_operator", temp).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get(reverse("core:job_list"))["Location"] == reverse("password_change")
    page = client.get(reverse("password_change")).content.decode()
    assert 'data-testid="forced-change"' in page
    # password rules apply to the new password
    response = client.post(reverse("password_change"),
                           {"old_password": temp, "new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    response = client.post(reverse("password_change"),
                           {"old_password": temp, "new_password1": "New-pass-5678", "new_password2": "New-pass-5678"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    operator_user.refresh_from_db()
    assert not operator_user.must_change_password

    events = set(AccessLog.objects.filter(user=operator_user).values_list("event", flat=True))
    assert {"unlocked", "password_reset", "password_changed"} <= events
    unlock = AccessLog.objects.get(user=operator_user, event="unlocked")
    assert "acme_admin" in unlock.detail and unlock.ip == "127.0.0.1"
    actions = set(AccountChangeLog.objects.filter(target_user=operator_user).values_list("action", flat=True))
    assert {"user_unlock", "password_reset"} <= actions


def test_admin_can_choose_sms(admin_client, operator_user):
    User.objects.filter(pk=operator_user.pk).update(phone="010-3333-4444")
    admin_client.post(reverse("core:user_unlock", args=[operator_user.pk]), {"channel": "sms"})
    assert not mail.outbox
    assert MemorySmsBackend.outbox[-1]["to"] == "01033334444"
    operator_user.refresh_from_db()
    assert operator_user.check_password(_temp_password_from(MemorySmsBackend.outbox[-1]["text"]))
    assert operator_user.must_change_password


def test_unlock_without_that_contact_gives_a_clear_error(admin_client, operator_user):
    response = admin_client.post(reverse("core:user_unlock", args=[operator_user.pk]), {"channel": "sms"}, follow=True)
    assert "연락처가 등록되어 있지 않습니다" in response.content.decode()
    operator_user.refresh_from_db()
    assert operator_user.check_password(PASSWORD) and not operator_user.must_change_password


def test_unlock_is_admin_only(operator_client, viewer_user):
    assert operator_client.post(reverse("core:user_unlock", args=[viewer_user.pk])).status_code == 403
    viewer_user.refresh_from_db()
    assert viewer_user.check_password(PASSWORD)


def test_login_page_links_forgot_password():
    body = Client().get(reverse("login")).content.decode()
    assert f'href="{reverse("password_forgot")}"' in body


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(length=st.integers(min_value=10, max_value=20))
def test_temporary_passwords_satisfy_the_password_rules(length):
    password = temporary_password_generate(length=length)
    assert len(password) == length
    password_validation.validate_password(password)


class FailingSms:
    def send(self, *, to, text, sender=""):
        from marketdock.core.sms import SmsResult

        return SmsResult(ok=False, error="provider down")


def test_failed_delivery_changes_nothing_and_says_so(admin_client, operator_user, settings):
    settings.SMS_BACKEND = "tests.core.test_auth.FailingSms"
    User.objects.filter(pk=operator_user.pk).update(phone="010-3333-4444", email="")
    _lock("acme_operator")
    response = admin_client.post(reverse("core:user_unlock", args=[operator_user.pk]), {"channel": "sms"}, follow=True)
    assert "문자 발송에 실패했습니다: provider down" in response.content.decode()
    operator_user.refresh_from_db()
    assert operator_user.check_password(PASSWORD) and not operator_user.must_change_password
    assert _is_locked(operator_user)  # still locked: nothing was half-applied
