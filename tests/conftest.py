"""Shared fixtures: two companies (A = ours, B = the stranger), their users, logged-in clients,
Huey in immediate mode (a real consumer is started explicitly where a test needs one)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from marketdock.core.models import Company, Role, User
from marketdock.core.services import company_create

from .isolation import check_isolation_coverage, probed_names

PASSWORD = "Test-pass-1234"


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


def make_company(code: str, admin_username: str, business_no: str = "124-81-00998") -> Company:
    return company_create(
        code=code, name=f"{code} 상사", business_no=business_no, admin_username=admin_username,
        admin_password=PASSWORD, admin_email=f"{admin_username}@example.com", admin_phone="010-1234-5678",
    )


def make_user(company: Company, username: str, builtin: str = "operator", **extra) -> User:
    user = User(username=username, company=company, role=Role.objects.get(company=company, builtin=builtin),
                email=f"{username}@example.com", **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


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


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def admin_client(admin_user) -> Client:
    return _login(admin_user)


@pytest.fixture
def operator_client(operator_user) -> Client:
    return _login(operator_user)


@pytest.fixture
def viewer_client(viewer_user) -> Client:
    return _login(viewer_user)


@pytest.fixture
def other_client(other_admin) -> Client:
    return _login(other_admin)


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


class OrderKit:
    """Factories for orders collected through the real ingest (stock reserved where there is stock):
    a channel account, a SKU with stock, a marketplace line, and the ingest itself."""

    def __init__(self, company):
        self.company = company
        self._seq = 0

    def account(self, name: str = "쿠팡 본점", kind: str = "coupang", **extra):
        from marketdock.channels.models import ChannelAccount

        account = ChannelAccount(company=self.company, kind=kind, name=name, **extra)
        account.set_credentials({"vendor_id": "A1", "access_key": "k", "secret_key": "s"})
        account.save()
        return account

    def sku(self, code: str, *, stock: int | None = None):
        from marketdock.catalog.models import SKU, Product
        from marketdock.inventory import services as inv

        product = Product.objects.create(company=self.company, code=f"P-{code}", name=f"상품 {code}")
        sku = SKU.objects.create(company=self.company, product=product, code=code, barcode=f"880{code}")
        if stock is not None:
            warehouse = inv.warehouse_default(self.company) or inv.warehouse_save(
                company=self.company, code="WH", name="본창고", is_default=True)
            if stock:
                inv.stock_adjust(company=self.company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=stock,
                                 reason="기초")
        return sku

    def line(self, order_id: str = "", **kw):
        from datetime import UTC, datetime

        from marketdock.channels.connectors.models import ChannelOrder

        self._seq += 1
        order_id = order_id or f"K{self._seq:05d}"
        values = dict(marketplace="coupang", order_id=order_id, order_line_id=f"{order_id}-{self._seq}",
                      bundle_id=f"B{order_id}", ordered_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC), status="new",
                      raw_status="ACCEPT", buyer_name="김민준", buyer_phone="010-1234-5678", recipient_name="김민준",
                      recipient_phone="010-1234-5678", recipient_postal_code="06236",
                      recipient_address1="서울특별시 강남구 테헤란로 152", recipient_address2="21층",
                      channel_product_id="P1", channel_option_id=f"O{self._seq}", product_name="기모 트레이닝 팬츠",
                      option_text="블랙 / M", quantity=1, unit_price=19900, total_amount=19900, raw={})
        values.update(kw)
        return ChannelOrder(**values)

    def ingest(self, account, lines):
        from marketdock.orders.models import CollectionRun, Order
        from marketdock.orders.services import channel_orders_ingest, collection_run_open

        run = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
        channel_orders_ingest(account=account, orders=lines, run=run, errors=())
        return list(Order.objects.filter(company=account.company, account=account,
                                         channel_order_id__in={ln.order_id for ln in lines}).order_by("id"))


@pytest.fixture
def order_kit(company) -> OrderKit:
    return OrderKit(company)
