"""Retry what the database asks to retry (issue 11): a deadlock or serialization failure rolls the
whole transaction back, so running it again is exact — a collection page is ingested again with its
cursor (nothing twice, nothing lost, the run's counts once), an outbox message enqueued with a state
change exists once; a job gives up only after a bounded number of retries, and anything else is not
retried at all. The conflicts are injected (SQLSTATE 40P01 on the error's cause, as psycopg raises
them), so this runs on SQLite as well as PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from marketdock.channels.models import ChannelAccount
from marketdock.core import jobs
from marketdock.core.models import JobRun
from marketdock.orders.models import CollectionRun, Order, OrderLine, OrderStatus
from marketdock.orders.services import collection, collection_run_start, order_transition
from marketdock.outbox.models import OutboxMessage

SHOP = "naver-demo"


class _PsycopgDeadlock(Exception):
    sqlstate = "40P01"


def deadlock() -> OperationalError:
    try:
        raise _PsycopgDeadlock("deadlock detected")
    except _PsycopgDeadlock as cause:
        error = OperationalError("deadlock detected")
        error.__cause__ = cause
        return error


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch):
    monkeypatch.setattr(jobs, "CONFLICT_BACKOFF", 0.001)


@pytest.fixture
def marketplace(sandbox):
    return sandbox[1]


def _account(company, base: str) -> ChannelAccount:
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == SHOP)
    account = ChannelAccount(company=company, kind=info["protocol"], name=SHOP, base_url=base,
                             options={"page_size": 7}, collected_until=timezone.now() - timedelta(days=4))
    account.set_credentials(info["credentials"])
    account.save()
    return account


@pytest.mark.django_db(transaction=True)
def test_a_page_rolled_back_by_a_deadlock_is_collected_again_exactly_once(company, marketplace, monkeypatch):
    account = _account(company, marketplace)
    real_ingest = collection.channel_orders_ingest
    calls = []
    committed_seen = []

    def ingest_then_deadlock_on_page_two(**kwargs):
        counts = real_ingest(**kwargs)  # the page is written inside the page transaction…
        calls.append(len(calls) + 1)
        if len(calls) == 2:
            raise deadlock()  # …and the database kills that transaction (cursor included)
        committed_seen.append(counts["seen"])
        return counts

    monkeypatch.setattr(collection, "channel_orders_ingest", ingest_then_deadlock_on_page_two)
    job_run = collection_run_start(account=account, trigger="manual")

    job_run.refresh_from_db()
    assert job_run.status == JobRun.Status.SUCCEEDED
    assert job_run.counts["retries"] == 1
    assert any("다시 시도합니다 (1/" in line for line in job_run.log)
    truth = httpx.get(f"{marketplace}/_sandbox/shops/{SHOP}/orders").json()
    good = [o for o in truth["orders"] if not o["malformed"]]
    wanted = {line_id for o in good for line_id in o["line_ids"]}
    have = list(OrderLine.objects.filter(account=account).values_list("channel_line_id", flat=True))
    assert sorted(have) == sorted(wanted)  # nothing lost, nothing twice
    assert Order.objects.filter(account=account).count() == len(good)
    run = CollectionRun.objects.get(account=account)
    assert run.status == CollectionRun.Status.SUCCEEDED
    assert run.created == len(good)  # the retried page counted once
    assert run.seen == sum(committed_seen)
    assert run.pages == len(calls) - 1  # one ingest was rolled back
    account.refresh_from_db()
    assert account.cursor == "" and account.collected_until is not None


@pytest.mark.django_db(transaction=True)
def test_an_outbox_message_of_a_retried_transaction_exists_once(company, admin_user, marketplace):
    account = _account(company, marketplace)
    collection_run_start(account=account, trigger="manual")
    line = OrderLine.objects.filter(account=account, order__status=OrderStatus.NEW, channel_status="new").first()
    order = line.order  # 결제완료 at the marketplace: confirming sends 발주확인 through the outbox
    before = OutboxMessage.objects.filter(company=company).count()
    attempts = []

    def confirm() -> None:
        with transaction.atomic():
            result = order_transition(company=company, orders=[order], to=OrderStatus.CONFIRMED, user=admin_user)
            assert result.outcomes[0].ok, result.outcomes[0].message
            attempts.append(1)
            if len(attempts) == 1:
                raise deadlock()  # the confirm and its outbox message roll back together

    jobs.retry_on_conflict(confirm)
    assert len(attempts) == 2
    assert OutboxMessage.objects.filter(company=company).count() == before + 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_a_job_retries_a_conflict_a_bounded_number_of_times_then_fails(company):
    seen = []

    @jobs.job(kind="tests.always_deadlocks")
    def always(ctx) -> dict:
        seen.append(1)
        raise deadlock()

    run = jobs.job_run_create(kind="tests.always_deadlocks", title="교착", company=company)
    with pytest.raises(OperationalError):
        jobs.execute(run.pk, always.fn, {})
    run.refresh_from_db()
    assert len(seen) == jobs.CONFLICT_RETRIES + 1
    assert run.status == JobRun.Status.FAILED and "deadlock detected" in run.error
    assert run.counts["retries"] == jobs.CONFLICT_RETRIES


@pytest.mark.django_db(transaction=True)
def test_other_errors_and_conflicts_inside_a_transaction_are_not_retried(company):
    calls = []

    def broken() -> None:
        calls.append(1)
        raise OperationalError("no such table")

    with pytest.raises(OperationalError):
        jobs.retry_on_conflict(broken)
    assert len(calls) == 1

    def nested() -> None:  # the enclosing transaction is lost: only its owner may retry
        calls.append(1)
        raise deadlock()

    with pytest.raises(OperationalError), transaction.atomic():
        jobs.retry_on_conflict(nested)
    assert len(calls) == 2
