"""Shared fixtures: two companies (A = ours, B = the stranger), their users, logged-in clients,
Huey in immediate mode (a real consumer is started explicitly where a test needs one)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import get_hashers
from django.test import Client
from huey.contrib.djhuey import HUEY
from hypothesis import HealthCheck, settings

from marketdock.core.models import Company, User

from .factories.core import login_client, make_company, make_user
from .factories.orders import OrderKit
from .isolation import check_isolation_coverage, probed_names

# The suite runs on two processes of a 2-core machine, often beside other work: Hypothesis's timing
# checks (deadline, too_slow) then fail tests whose logic is fine. Properties are checked, not speed.
settings.register_profile("marketdock", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("marketdock")

django_settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]
get_hashers.cache_clear()


@pytest.fixture(autouse=True)
def _korean_by_default():
    """Every test starts in Korean, whatever language an earlier test (or a client cookie) switched to."""
    from django.utils import translation

    translation.activate("ko")
    yield
    translation.activate("ko")


@pytest.fixture(autouse=True)
def _huey_immediate():
    HUEY.immediate = True
    yield
    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "marketdock.core.sms.MemorySmsBackend"
    from marketdock.core.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _sandbox_api_hosts(settings):
    """Tests point channel accounts at sandboxes on 127.0.0.1 (random ports): the operator's list of
    extra API addresses names that host, as `make run` does for the demo sandbox."""
    settings.MARKETDOCK_ALLOWED_API_HOSTS = ["127.0.0.1"]


@pytest.fixture
def company(db) -> Company:
    return make_company("acme", "acme_admin")


@pytest.fixture
def other_company(db) -> Company:
    return make_company("other", "other_admin", business_no="220-81-62517")


@pytest.fixture
def admin_user(company) -> User:
    return User.objects.get(username="acme_admin")


@pytest.fixture
def other_admin(other_company) -> User:
    return User.objects.get(username="other_admin")


@pytest.fixture
def operator_user(company) -> User:
    return make_user(company, "acme_operator", "operator")


@pytest.fixture
def viewer_user(company) -> User:
    return make_user(company, "acme_viewer", "viewer")


@pytest.fixture
def admin_client(admin_user) -> Client:
    return login_client(admin_user)


@pytest.fixture
def operator_client(operator_user) -> Client:
    return login_client(operator_user)


@pytest.fixture
def viewer_client(viewer_user) -> Client:
    return login_client(viewer_user)


@pytest.fixture
def other_client(other_admin) -> Client:
    return login_client(other_admin)


@pytest.fixture
def demo_client(db, settings, tmp_path) -> Client:
    """The demo data set (products, stock, orders of every status…) and its main admin logged in; a
    server error is returned as a response, not raised, so a test can collect every failing screen."""
    from marketdock.core.demo import run_demo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    run_demo()
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="admin"), backend="django.contrib.auth.backends.ModelBackend")
    return client


def _probe_dir() -> Path:
    return Path(os.environ.get("MARKETDOCK_VAR", "var")).resolve() / "isolation-probed"


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the only process, or the xdist controller
        shutil.rmtree(_probe_dir(), ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    """With ISOLATION_COVERAGE=1 (make test), every URL that takes an object id must have been
    probed by `assert_isolated` somewhere in the suite. Under pytest-xdist each worker writes what it
    probed to a file and the controller checks the union."""
    worker = getattr(session.config, "workerinput", None)
    if worker is not None:
        _probe_dir().mkdir(parents=True, exist_ok=True)
        (_probe_dir() / f"{worker['workerid']}.txt").write_text("\n".join(sorted(probed_names())))
        return
    if os.environ.get("ISOLATION_COVERAGE") == "1" and exitstatus == 0 and not session.config.option.keyword \
            and not session.config.option.markexpr and len(session.config.args) <= 1:
        extra = set()
        for path in _probe_dir().glob("*.txt"):
            extra.update(filter(None, path.read_text().splitlines()))
        missing = check_isolation_coverage(extra)
        if missing:
            print("\nURLs with object ids never probed by another company's user (tests/isolation.py):")
            for name in missing:
                print("  -", name)
            session.exitstatus = 1


@pytest.fixture
def order_kit(company) -> OrderKit:
    return OrderKit(company)
