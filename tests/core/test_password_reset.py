"""비밀번호 찾기 proves ownership (SYS-3): a one-time code goes to the registered contact, nothing about
the account changes until the code is entered with a new password; the code works once, expires and
dies after 5 wrong entries; the answer is the same (and as fast) for any input; limits per address
and per user."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from marketdock.core import selectors
from marketdock.core.models import AccessLog, AccountChangeLog, PasswordResetCode, User
from marketdock.core.sms import MemorySmsBackend
from tests.factories.core import PASSWORD

pytestmark = pytest.mark.django_db

IP = "203.0.113.44"
NEW = "Fresh-pass-2468"


def _client(ip: str = IP) -> Client:
    return Client(REMOTE_ADDR=ip)


def _forgot(client: Client, username: str, contact: str):
    return client.post(reverse("password_forgot"), {"username": username, "contact": contact})


def _confirm(client: Client, username: str, code: str, password: str = NEW):
    return client.post(reverse("password_reset_code"), {
        "username": username, "code": code, "new_password1": password, "new_password2": password})


def _code(text: str) -> str:
    return re.search(r"인증번호는 (\d{6}) 입니다", text).group(1)


def _lock(username: str) -> None:
    for i in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{20 + i}").post(reverse("login"), {"username": username, "password": "Wrong-1!a"})


def _is_locked(user: User) -> bool:
    return user.username in selectors.locked_usernames(user.company, [user.username])


def test_code_by_email_changes_nothing_until_used_then_works_once(operator_user):
    _lock("acme_operator")
    mail.outbox.clear()
    client = _client()
    response = _forgot(client, "acme_operator", "ACME_OPERATOR@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_code")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="forgot-sent"' in page and 'value="acme_operator"' in page
    assert mail.outbox[-1].to == [operator_user.email]
    code = _code(mail.outbox[-1].body)
    assert code not in PasswordResetCode.objects.get().code_hash  # only a hash is stored

    # nothing changed yet: old password, lock, no temporary password
    operator_user.refresh_from_db()
    assert operator_user.check_password(PASSWORD) and not operator_user.must_change_password
    assert _is_locked(operator_user)

    # a wrong code changes nothing either
    wrong = "000000" if code != "000000" else "111111"
    response = _confirm(client, "acme_operator", wrong)
    assert response.status_code == 200 and "인증번호가 맞지 않거나 만료되었습니다" in response.content.decode()
    operator_user.refresh_from_db()
    assert operator_user.check_password(PASSWORD)

    # the password rules apply; a refused password keeps the code usable
    response = _confirm(client, "acme_operator", code, password="password")
    assert response.status_code == 200 and 'data-testid="error-new_password1"' in response.content.decode()

    response = _confirm(client, "acme_operator", code)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    operator_user.refresh_from_db()
    assert operator_user.check_password(NEW) and not operator_user.check_password(PASSWORD)
    assert not operator_user.must_change_password
    assert not _is_locked(operator_user)
    assert AccessLog.objects.filter(user=operator_user, event="unlocked").exists()
    assert AccessLog.objects.filter(user=operator_user, event="password_changed", ip=IP).exists()
    assert AccountChangeLog.objects.filter(target_user=operator_user, action="password_recovered").exists()

    # single use: the same code cannot set another password
    response = _confirm(_client(), "acme_operator", code, password="Other-pass-1357")
    assert response.status_code == 200 and "인증번호가 맞지 않거나 만료되었습니다" in response.content.decode()
    operator_user.refresh_from_db()
    assert operator_user.check_password(NEW)
    login = _client().post(reverse("login"), {"username": "acme_operator", "password": NEW})
    assert login.status_code == 302 and login["Location"] == reverse("home")


def test_code_by_sms(operator_user):
    User.objects.filter(pk=operator_user.pk).update(phone="010-7777-8888")
    _forgot(_client(), "acme_operator", "010 7777 8888")
    assert MemorySmsBackend.outbox[-1]["to"] == "01077778888"
    assert not mail.outbox
    assert _confirm(_client(), "acme_operator", _code(MemorySmsBackend.outbox[-1]["text"])).status_code == 302


def test_code_expires(operator_user, settings):
    _forgot(_client(), "acme_operator", operator_user.email)
    code = _code(mail.outbox[-1].body)
    row = PasswordResetCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(minutes=settings.PASSWORD_RESET_CODE_MINUTES)
    PasswordResetCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _confirm(_client(), "acme_operator", code).status_code == 200
    operator_user.refresh_from_db()
    assert operator_user.check_password(PASSWORD)


def test_code_dies_after_five_wrong_entries(operator_user):
    _forgot(_client(), "acme_operator", operator_user.email)
    code = _code(mail.outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    for i in range(5):
        _confirm(_client(f"198.51.100.{60 + i}"), "acme_operator", wrong)
    assert _confirm(_client(), "acme_operator", code).status_code == 200
    operator_user.refresh_from_db()
    assert operator_user.check_password(PASSWORD)


def test_a_new_code_replaces_the_old_one(operator_user):
    _forgot(_client(), "acme_operator", operator_user.email)
    first = _code(mail.outbox[-1].body)
    PasswordResetCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    _forgot(_client(), "acme_operator", operator_user.email)
    second = _code(mail.outbox[-1].body)
    if first != second:
        assert _confirm(_client(), "acme_operator", first).status_code == 200
    assert _confirm(_client(), "acme_operator", second).status_code == 302


def test_same_answer_whatever_the_input_and_only_a_match_sends(operator_user):
    answers = [
        _forgot(_client("198.51.100.1"), "acme_operator", operator_user.email),
        _forgot(_client("198.51.100.2"), "nobody_here", "nobody@example.com"),
        _forgot(_client("198.51.100.3"), "acme_operator", "someone-else@example.com"),
        _forgot(_client("198.51.100.4"), "acme_operator", "010-0000-0000"),
    ]
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, reverse("password_reset_code"))}
    assert len(mail.outbox) == 1 and not MemorySmsBackend.outbox


def test_inactive_users_get_nothing_and_empty_input_is_named(operator_user):
    User.objects.filter(pk=operator_user.pk).update(is_active=False)
    _forgot(_client(), "acme_operator", operator_user.email)
    assert not mail.outbox
    response = _client().post(reverse("password_forgot"), {"username": "", "contact": ""})
    assert response.status_code == 200 and "필수" in response.content.decode()


def test_one_code_a_minute_per_user(operator_user):
    _forgot(_client("198.51.100.1"), "acme_operator", operator_user.email)
    _forgot(_client("198.51.100.2"), "acme_operator", operator_user.email)
    assert len(mail.outbox) == 1


def test_codes_per_user_per_hour_are_limited(operator_user, settings):
    for i in range(settings.PASSWORD_RESET_CODES_PER_USER + 2):
        PasswordResetCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
        _forgot(_client(f"198.51.100.{i + 1}"), "acme_operator", operator_user.email)
    assert len(mail.outbox) == settings.PASSWORD_RESET_CODES_PER_USER


def test_requests_per_address_are_limited(operator_user, settings):
    client = _client()
    for i in range(settings.PASSWORD_RESET_PER_IP):
        assert _forgot(client, f"someone{i}", "x@example.com").status_code == 302
    response = _forgot(client, "acme_operator", operator_user.email)
    assert response.status_code == 429 and 'data-testid="throttled"' in response.content.decode()
    assert not mail.outbox
    # wrong codes count against the address too
    response = _confirm(client, "acme_operator", "123456")
    assert response.status_code == 429
    assert _forgot(_client("198.51.100.200"), "acme_operator", operator_user.email).status_code == 302


def test_answer_takes_the_same_time_for_valid_and_invalid_input(operator_user):
    """The view only records the request and enqueues the job: a matching account (whose code costs a
    lookup, a hash and a mail) answers within a few milliseconds of a non-existent one."""
    HUEY.immediate = False
    HUEY.flush()
    try:
        timings: dict[str, list[float]] = {"valid": [], "invalid": []}
        for i in range(24):
            kind = "valid" if i % 2 else "invalid"
            username = "acme_operator" if kind == "valid" else f"ghost{i}"
            client = _client(f"198.51.100.{i + 1}")
            start = time.perf_counter()
            response = _forgot(client, username, operator_user.email if kind == "valid" else "ghost@example.com")
            timings[kind].append(time.perf_counter() - start)
            assert response.status_code == 302
        assert not mail.outbox  # nothing was sent while answering
        valid, invalid = (statistics.median(timings[k][2:]) for k in ("valid", "invalid"))
        assert abs(valid - invalid) < 0.025, timings
        # the queued job does the work afterwards (run here in this test's transaction)
        task = HUEY.dequeue()
        while task is not None and task.kwargs.get("username") != "acme_operator":
            task = HUEY.dequeue()
        HUEY.immediate = True
        HUEY.execute(task)
        assert mail.outbox[-1].to == [operator_user.email]
    finally:
        HUEY.flush()
        HUEY.immediate = True
