"""`make run` shows the demo's settlement at once: `marketdock serve` runs the settlement app's start-up step
once the sandbox marketplace answers and before the web app starts. Each demo account with a settlement API
collects its orders first, then imports and reconciles its settlement through the services the jobs use;
nothing is inserted by hand. After it the 정산 오류 queue and 정산 내역 of the demo company are filled, and a
second start changes nothing. Run with `-s` to see the step's lines."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.demo import sandbox_seed
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.demo import run_demo
from marketdock.core.models import Company
from marketdock.core.serve import startup_steps
from marketdock.orders.models import CollectionRun, Order
from marketdock.orders.services import collection
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from marketdock.settlement.demo import demo_first_settlement, first_settlement_accounts
from marketdock.settlement.models import ExpectedSettlement, IssueState, SettlementIssue, SettlementRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=40)  # `make run`'s sandbox
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", base)
    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(10.0)))
    yield base
    server.shutdown()
    server.server_close()


def test_the_demo_start_fills_the_settlement_queue_from_the_sandbox(sandbox, client):
    assert demo_first_settlement in startup_steps()  # what `marketdock serve` runs before the web app
    run_demo()
    demo = Company.objects.get(code="demo")
    assert not SettlementIssue.objects.exists() and not Order.objects.exists()  # seeding inserts neither
    accounts = first_settlement_accounts()
    assert {(a.company.code, a.kind) for a in accounts} == {
        (code, kind) for code in ("demo", "demo2") for kind in (ChannelKind.NAVER, ChannelKind.COUPANG,
                                                                ChannelKind.SHOPIFY)}
    lines: list[str] = []
    assert demo_first_settlement(lines.append, wait=5) == 6
    print("\n" + "\n".join(lines))
    for account in accounts:  # the orders were collected before the settlement import
        collected = CollectionRun.objects.get(account=account).finished_at
        imported = SettlementRun.objects.get(account=account, what=SettlementRun.What.IMPORT)
        assert imported.status == SettlementRun.Status.DONE and imported.seen > 0, account.name
        assert collected < imported.started_at, account.name
    # the accounts without a settlement API are left to the schedule
    assert not CollectionRun.objects.exclude(account__in=accounts).exists()
    open_issues = SettlementIssue.objects.filter(company=demo, state=IssueState.OPEN)
    assert open_issues.exists() and ExpectedSettlement.objects.filter(company=demo).exists()
    assert SettlementIssue.objects.filter(company__code="demo2").exists()

    client.force_login(demo.users.get(username="admin"), backend="django.contrib.auth.backends.ModelBackend")
    queue = client.get(reverse("settlement:reconcile")).content.decode()
    assert 'data-testid="issue-row"' in queue  # the 정산 오류 queue the user opens first is not empty
    statements = client.get(reverse("settlement:statements")).content.decode()
    assert statements.count('data-testid="run-row"') >= 6  # import + reconcile of each of the 3 accounts

    # a second start: nothing to do, no waiting for the sandbox, nothing changes
    issues = SettlementIssue.objects.count()
    assert first_settlement_accounts() == []
    assert demo_first_settlement(lines.append, wait=60) == 0
    assert SettlementIssue.objects.count() == issues
    assert SettlementRun.objects.filter(what=SettlementRun.What.IMPORT).count() == 6
    assert ChannelAccount.objects.filter(pk__in=[a.pk for a in accounts], collected_until__isnull=False).count() == 6
