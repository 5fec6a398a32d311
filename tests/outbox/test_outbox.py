"""Outbox: enqueue in the caller's transaction, idempotent by key; delivery that survives an outage
(every message arrives exactly once after recovery), honours rate limits without holding up other
accounts, fails business errors with the marketplace's message and no retries, gives up after N
attempts, can be retried by hand, and never delivers one message twice with concurrent workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from marketdock.channels.connectors.errors import AuthError, BusinessError, RateLimited, TemporaryError
from marketdock.outbox import selectors, services
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue, outbox_handler
from tests.factories.channels import make_account

Status = OutboxMessage.Status


class Recorder:
    """A marketplace stand-in: records what arrived; `fail` decides per message whether to raise."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrived: list[str] = []
        self.fail = None

    def __call__(self, message):
        if self.fail is not None:
            error = self.fail(message)
            if error is not None:
                raise error
        with self.lock:
            self.arrived.append(message.key)
        return {"accepted": message.payload.get("n")}


@pytest.fixture
def marketplace():
    recorder = Recorder()
    outbox_handler("tracking")(recorder)
    yield recorder
    services._handlers.pop("tracking", None)


def enqueue(company, account, n: int, kind="tracking"):
    with transaction.atomic():
        return outbox_enqueue(company=company, account=account, kind=kind, key=f"{kind}:{n}:6329766154{n:02d}",
                              payload={"n": n}, reference=f"order_line:{n}")


@pytest.mark.django_db(transaction=True)
def test_enqueue_must_be_inside_the_callers_transaction(company):
    account = make_account(company)
    with pytest.raises(RuntimeError, match="transaction"):
        outbox_enqueue(company=company, account=account, kind="tracking", key="k", payload={})


def test_enqueue_is_idempotent_by_key(company):
    account = make_account(company)
    first, created = enqueue(company, account, 1)
    again, created_again = enqueue(company, account, 1)
    assert created and not created_again and again.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert first.reference == "order_line:1" and first.status == Status.PENDING


def test_enqueue_rolls_back_with_the_state_change(company):
    account = make_account(company)
    with pytest.raises(ValueError, match="재고 부족"), transaction.atomic():
        outbox_enqueue(company=company, account=account, kind="tracking", key="tracking:9", payload={})
        raise ValueError("재고 부족")  # the state change failed: its marketplace write must not survive
    assert not OutboxMessage.objects.exists()


def test_enqueue_refuses_another_companys_account(company, other_company):
    theirs = make_account(other_company)
    with pytest.raises(ValueError), transaction.atomic():
        outbox_enqueue(company=company, account=theirs, kind="tracking", key="x", payload={})


def test_delivery_marks_sent_with_the_result(company, marketplace):
    account = make_account(company)
    message, _ = enqueue(company, account, 1)
    assert services.outbox_deliver_due() == {"sent": 1}
    message.refresh_from_db()
    assert message.status == Status.SENT and message.sent_at and message.attempts == 1
    assert message.result == {"accepted": 1}
    assert marketplace.arrived == [message.key]
    assert services.outbox_deliver_due() == {}  # nothing left: a sent message is never sent again


def test_outage_then_recovery_delivers_every_message_exactly_once(company, marketplace):
    account = make_account(company)
    keys = [enqueue(company, account, n)[0].key for n in range(12)]
    outage = {"on": True}
    marketplace.fail = lambda m: TemporaryError("503 Service Unavailable", marketplace="naver") if outage["on"] else None
    now = timezone.now()
    for _round in range(3):
        counts = services.outbox_deliver_due(now=now)
        assert counts == {"retry": 12}
        assert services.outbox_deliver_due(now=now) == {}  # backing off: not hammered again at once
        now += timedelta(hours=2)
    pending = OutboxMessage.objects.get(key=keys[0])
    assert pending.status == Status.PENDING and pending.attempts == 3 and "503" in pending.last_error
    outage["on"] = False
    assert services.outbox_deliver_due(now=now) == {"sent": 12}
    assert sorted(marketplace.arrived) == sorted(keys)
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 12
    assert OutboxMessage.objects.get(key=keys[0]).last_error == ""


def test_backoff_grows_with_jitter():
    first = [services.backoff_seconds(1) for _ in range(50)]
    later = [services.backoff_seconds(5) for _ in range(50)]
    assert all(24 <= s <= 36 for s in first) and len(set(first)) > 1
    assert all(384 <= s <= 576 for s in later)
    assert services.backoff_seconds(30) <= services.BACKOFF_MAX_SECONDS * 1.2


def test_gives_up_after_max_attempts(company, marketplace):
    account = make_account(company)
    message, _ = enqueue(company, account, 1)
    marketplace.fail = lambda m: TemporaryError("timeout")
    now = timezone.now()
    for _ in range(services.MAX_ATTEMPTS):
        services.outbox_deliver_due(now=now)
        now += timedelta(days=1)
    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == services.MAX_ATTEMPTS
    assert services.outbox_deliver_due(now=now + timedelta(days=30)) == {}


@pytest.mark.parametrize("error", [
    BusinessError("104121 이미 사용된 송장번호입니다.", marketplace="naver", code="104121", status=400),
    AuthError("인증 정보가 올바르지 않습니다.", marketplace="coupang", code="401", status=401),
])
def test_business_and_auth_errors_fail_with_the_marketplaces_message_and_no_retry(company, marketplace, error):
    account = make_account(company)
    message, _ = enqueue(company, account, 1)
    marketplace.fail = lambda m: error
    assert services.outbox_deliver_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 1
    assert message.last_error == error.message and message.last_error_code == error.code
    assert services.outbox_deliver_due(now=timezone.now() + timedelta(days=7)) == {}
    assert list(selectors.failed_messages(company)) == [message]


def test_manual_retry_sends_a_failed_message_again(company, other_company, marketplace):
    account = make_account(company)
    message, _ = enqueue(company, account, 1)
    marketplace.fail = lambda m: BusinessError("104119 택배사 코드를 확인하세요.", code="104119")
    services.outbox_deliver_due()
    sent, _ = enqueue(company, account, 2)
    marketplace.fail = None
    services.outbox_deliver_due()
    results = services.outbox_retry(company=company, message_ids=[message.pk, sent.pk, 999999])
    assert [(pk, ok) for pk, ok, _msg in results] == [(message.pk, True), (sent.pk, False), (999999, False)]
    assert services.outbox_retry(company=other_company, message_ids=[message.pk])[0][1] is False  # not theirs
    assert services.outbox_deliver_due() == {"sent": 1}
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1
    assert marketplace.arrived.count(message.key) == 1


def test_rate_limit_honours_retry_after_and_does_not_block_other_accounts(company, marketplace):
    slow, fast = make_account(company, "쿠팡", "coupang"), make_account(company, "네이버")
    slow_messages = [enqueue(company, slow, n)[0] for n in range(5)]
    fast_messages = [enqueue(company, fast, n)[0] for n in range(10, 15)]
    calls_to_slow = []

    def throttle(message):
        if message.account_id == slow.pk:
            calls_to_slow.append(message.key)
            return RateLimited("429 Too Many Requests", marketplace="coupang", retry_after=120)
        return None

    marketplace.fail = throttle
    now = timezone.now()
    counts = services.outbox_deliver_due(now=now)
    assert counts == {"throttled": 1, "deferred": 4, "sent": 5}
    assert len(calls_to_slow) == 1  # one 429 is enough: the account's other messages wait without calls
    assert sorted(marketplace.arrived) == sorted(m.key for m in fast_messages)
    for m in slow_messages:
        m.refresh_from_db()
        assert m.status == Status.PENDING
        assert now + timedelta(seconds=120) <= m.next_attempt_at <= now + timedelta(seconds=122)
    assert sorted(m.attempts for m in slow_messages) == [0, 0, 0, 0, 1]
    assert services.outbox_deliver_due(now=now + timedelta(seconds=60)) == {}
    marketplace.fail = None
    assert services.outbox_deliver_due(now=now + timedelta(seconds=125)) == {"sent": 5}


def test_unknown_kind_fails_and_a_handler_bug_is_retried(company, marketplace):
    account = make_account(company)
    nobody, _ = enqueue(company, account, 1, kind="answer")
    buggy, _ = enqueue(company, account, 2)
    marketplace.fail = lambda m: KeyError("productOrderId")
    counts = services.outbox_deliver_due()
    assert counts == {"failed": 1, "retry": 1}
    nobody.refresh_from_db()
    buggy.refresh_from_db()
    assert nobody.status == Status.FAILED and "처리기 없음" in nobody.last_error
    assert buggy.status == Status.PENDING and "productOrderId" in buggy.last_error


def test_a_message_stuck_in_sending_is_delivered_again(company, marketplace):
    account = make_account(company)
    message, _ = enqueue(company, account, 1)
    claimed = services.outbox_claim()
    assert [m.pk for m in claimed] == [message.pk]  # ... and the worker died here
    assert services.outbox_deliver_due() == {}
    later = timezone.now() + services.STALE_SENDING_AFTER + timedelta(minutes=1)
    assert services.outbox_deliver_due(now=later) == {"sent": 1}
    # the dead worker's late answer cannot overwrite the new outcome
    assert services._finish(claimed[0], status=Status.FAILED, last_error="late") is False
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.django_db(transaction=True)
def test_enqueue_starts_a_delivery_right_after_commit(company, marketplace):
    account = make_account(company)
    with transaction.atomic():
        for n in range(3):
            outbox_enqueue(company=company, account=account, kind="tracking", key=f"tracking:{n}", payload={"n": n})
        assert marketplace.arrived == []  # nothing leaves before the state change is committed
    assert sorted(marketplace.arrived) == ["tracking:0", "tracking:1", "tracking:2"]  # Huey runs inline in tests
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 3


WORKERS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_deliver_one_message_twice(company, marketplace):
    """Four threads, each on its own connection, run the delivery loop at once over 80 messages
    of two accounts (claim batches are small so they interleave). SQLite and PostgreSQL."""
    accounts = [make_account(company, "A"), make_account(company, "B", "coupang")]
    OutboxMessage.objects.bulk_create([  # created directly so no on-commit delivery runs first
        OutboxMessage(company=company, account=accounts[n % 2], kind="tracking", key=f"tracking:{n}", payload={"n": n})
        for n in range(80)])
    start = threading.Barrier(WORKERS)
    errors: list[str] = []

    def worker():
        try:
            start.wait()
            for _ in range(40):
                if not services.outbox_deliver_due(limit=5):
                    break
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    original_batch = services.CLAIM_BATCH
    services.CLAIM_BATCH = 3
    try:
        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        services.CLAIM_BATCH = original_batch
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(marketplace.arrived) == 80 and len(set(marketplace.arrived)) == 80
    assert OutboxMessage.objects.filter(status=Status.SENT, attempts=1).count() == 80


def test_a_second_delivery_task_of_an_account_being_delivered_leaves_its_thread_free(company, marketplace):
    """Every commit that enqueues starts the account's delivery task: found by `marketdock bench claims`
    at 2,000 orders, 400 approvals of one account filled every worker thread with that account while the
    other accounts' deliveries waited in the queue. A task whose account is being delivered does nothing
    (the running delivery goes on until none is due); a dead worker's claim does not count."""
    from marketdock.outbox.tasks import deliver_account

    busy, other = make_account(company), make_account(company, name="쿠팡 본점", kind="coupang")
    enqueue(company, busy, 1)
    services.outbox_claim(account_id=busy.pk)  # a worker is delivering this account right now
    enqueue(company, busy, 2)
    enqueue(company, other, 3)

    assert deliver_account.call_local(busy.pk) == {"busy": 1}
    assert deliver_account.call_local(other.pk) == {"sent": 1}
    assert [key.split(":")[1] for key in marketplace.arrived] == ["3"]
    later = timezone.now() + services.STALE_SENDING_AFTER + timedelta(minutes=1)
    assert services.outbox_account_busy(busy.pk, now=later) is False
