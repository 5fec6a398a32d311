"""The demo's claims and inquiries arrive the way `make run` brings them: the sandbox marketplace
(`marketdock sandbox`, seeded with returns and exchanges on its delivered orders) and the scheduled
collections (orders, then claims and inquiries of every account the schedule finds due). Nothing is
inserted: after one round the demo company's 클레임 목록 shows returns and exchanges, 입고검수 has a
return waiting, and 문의함 has questions. Run with `-s` to see the counts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.demo import sandbox_seed
from marketdock.channels.models import ChannelAccount
from marketdock.claims.models import Claim, ClaimStatus, ClaimType, Inquiry
from marketdock.claims.services import claims_collection_execute, inquiries_collect
from marketdock.claims.services import collection as claim_collection
from marketdock.claims.services import inquiries as inquiry_service
from marketdock.core.demo import run_demo
from marketdock.core.models import Company
from marketdock.orders.services import collection, collection_execute
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=40, seeded_claims=True)  # `make run`'s
    for shop in state.shops.values():
        shop.faults.esm_lookup_interval = 0
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", base)
    options = lambda account: HttpOptions(  # noqa: E731
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(10.0))
    for module in (collection, claim_collection, inquiry_service):
        monkeypatch.setattr(module, "connector_options", options)
    yield base
    server.shutdown()
    server.server_close()


def test_the_demo_shows_returns_exchanges_and_inquiries_collected_from_the_sandbox(sandbox, client):
    run_demo()
    demo = Company.objects.get(code="demo")
    assert not Claim.objects.filter(company=demo).exists()  # the demo step inserts no claim
    ChannelAccount.objects.filter(company=demo).update(collected_until=timezone.now() - timedelta(days=4))
    due = [a for a in claim_collection.claims_due_accounts() if a.company_id == demo.pk]
    assert due, "the schedule finds the demo's marketplace accounts due"
    for account in due:  # what the minute schedulers run: orders, then the claims and questions on them
        collection_execute(account_id=account.pk)
        result = claims_collection_execute(account_id=account.pk, trigger="schedule")
        assert result["quarantined"] == 0, (account.name, result)
        inquiries_collect(account=account, trigger="schedule")

    claims = Claim.objects.filter(company=demo)
    counts = {(t, s): claims.filter(type=t, status=s).count() for t, s in claims.values_list("type", "status")}
    print(f"\ndemo claims after one collection: {counts}; inquiries {Inquiry.objects.filter(company=demo).count()}")
    assert claims.filter(type=ClaimType.RETURN, status=ClaimStatus.INSPECTING).exists()  # 입고검수 대기
    assert claims.filter(type=ClaimType.RETURN, status=ClaimStatus.REQUESTED).exists()
    assert claims.filter(type=ClaimType.EXCHANGE).exists() and claims.filter(type=ClaimType.CANCEL).exists()
    assert Inquiry.objects.filter(company=demo).exists()

    client.force_login(demo.users.get(username="admin"), backend="django.contrib.auth.backends.ModelBackend")
    listed = client.get(reverse("claims:list")).content.decode()
    assert "반품" in listed and "교환" in listed and "취소" in listed
    waiting = claims.filter(type=ClaimType.RETURN, status=ClaimStatus.INSPECTING).first()
    queue = client.get(reverse("claims:inspection")).content.decode()
    assert waiting.order.channel_order_id in queue
    inbox = client.get(reverse("claims:inquiries")).content.decode()
    assert Inquiry.objects.filter(company=demo).first().body[:20] in inbox
