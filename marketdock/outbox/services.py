"""Outbox services: enqueue in the caller's transaction, claim and deliver, retry.

    from marketdock.outbox.services import outbox_enqueue, outbox_handler

    @outbox_handler("tracking")
    def send_tracking(message):            # network I/O happens here, outside any transaction
        connector_for(message.account).dispatch(...)
        return {"ok": True}                # stored as message.result

    with transaction.atomic():
        line.status = "shipped"; line.save()
        outbox_enqueue(company=c, account=a, kind="tracking", key=f"tracking:{line.pk}:{number}",
                       payload={...}, reference=f"order_line:{line.pk}")

Delivery outcomes by exception (marketdock.outbox.errors; the connector errors subclass them):
- Throttled (RateLimited)            → retried after `retry_after` (or backoff); the account's other
  claimed messages wait too
- TemporaryFailure (TemporaryError)  → retried with exponential backoff + jitter; "dead" after MAX_ATTEMPTS
- any other DeliveryError (BusinessError / AuthError / MalformedPayload / UnsupportedOperation) →
  "failed" with the marketplace's message, never retried by itself (a person fixes the cause and retries)
- any other exception (a bug) → retried like a temporary error, so nothing is lost silently
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DeliveryError, TemporaryFailure, Throttled
from .models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
STALE_SENDING_AFTER = timedelta(minutes=10)
CLAIM_BATCH = 50

Status = OutboxMessage.Status
Handler = Callable[[OutboxMessage], Any]
_handlers: dict[str, Handler] = {}


def outbox_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that delivers messages of `kind` (one per kind; the last one wins)."""

    def decorator(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return decorator


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


# --- enqueue -----------------------------------------------------------------------------------


def _kick(account_ids: Iterable[int], lanes: Iterable[str] = ()) -> None:
    """One delivery task per account (and per lane): a slow or failing marketplace or endpoint holds its
    own worker thread, never another one's messages."""
    from .tasks import deliver_account, deliver_lane

    for account_id in sorted(set(account_ids)):
        deliver_account(account_id)
    for lane in sorted(set(lanes)):
        deliver_lane(lane)


def _kick_on_commit(account_id: int | None, lane: str = "") -> None:
    """Start the account's (or lane's) delivery right after the surrounding transaction commits (one
    task per account or lane and transaction)."""
    for entry in getattr(connection, "run_on_commit", []):
        targets = getattr(entry[1] if len(entry) > 1 else None, "_outbox_targets", None)
        if targets is not None:
            (targets[0].add(account_id) if account_id is not None else targets[1].add(lane))
            return
    accounts: set[int] = {account_id} if account_id is not None else set()
    lanes: set[str] = {lane} if account_id is None else set()

    def callback() -> None:
        _kick(accounts, lanes)

    callback._outbox_targets = (accounts, lanes)
    transaction.on_commit(callback, robust=True)


def outbox_enqueue(
    *, company, kind: str, key: str, payload: dict, account=None, lane: str = "", reference: str = "",
    ordering_key: str = "",
) -> tuple[OutboxMessage, bool]:
    """Record a write to a marketplace account (or to another destination named by `lane`, e.g.
    "webhook:12") in the caller's transaction (the same one as the state change that causes it).
    Idempotent by `key`: a second enqueue with the same key returns the existing message and changes
    nothing. Messages of one account or lane with the same `ordering_key` are delivered in the order
    they were enqueued. Returns (message, created)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must be called inside the caller's transaction.atomic()")
    if (account is None) == (not lane):
        raise ValueError("a message goes to exactly one channel account or lane")
    if account is not None and account.company_id != company.pk:
        raise ValueError("the channel account belongs to another company")
    if not key or len(key) > 200:
        raise ValueError("an idempotency key of 1..200 characters is required")
    message, created = OutboxMessage.objects.get_or_create(
        company=company, key=key,
        defaults={"account": account, "lane": lane[:40], "kind": kind, "payload": payload,
                  "reference": reference[:100], "ordering_key": ordering_key[:100]},
    )
    if created:
        _kick_on_commit(account.pk if account is not None else None, lane)
    return message, created


# --- claim and deliver -------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min, ... capped at 1 h, each ±20 %. The first
    step is settings.OUTBOX_BACKOFF_BASE_SECONDS (30; a benchmark's worker shortens it)."""
    first = float(getattr(settings, "OUTBOX_BACKOFF_BASE_SECONDS", BACKOFF_BASE_SECONDS))
    base = min(BACKOFF_MAX_SECONDS, first * 2 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def outbox_release_stale(*, now: datetime | None = None) -> int:
    """Put back messages stuck in "sending" (their worker died) so they are delivered again."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER).update(
        status=Status.PENDING, claim_token="", next_attempt_at=now)


def _not_waiting(qs):
    """Messages no earlier message of the same account or lane and ordering key is still ahead of."""
    earlier = OutboxMessage.objects.filter(ordering_key=OuterRef("ordering_key"), id__lt=OuterRef("id"),
                                           status__in=[Status.PENDING, Status.SENDING])
    same_account = earlier.filter(account_id=OuterRef("account_id"))  # NULL accounts never match
    same_lane = earlier.filter(lane=OuterRef("lane")).exclude(lane="")
    return qs.filter(Q(ordering_key="") | (~Exists(same_account) & ~Exists(same_lane)))


def outbox_claim(*, now: datetime | None = None, limit: int = CLAIM_BATCH,
                 account_id: int | None = None, lane: str = "") -> list[OutboxMessage]:
    """Atomically take up to `limit` due messages (of one account or lane, when given) for this worker:
    a conditional UPDATE moves them pending → sending under a fresh claim token, so a message is
    claimed by one worker only. A message waits while an earlier one of its ordering key is ahead."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        # rows another worker is claiming are skipped, never waited for: two workers take disjoint
        # batches and cannot deadlock on them (SQLite has no row locks: its writers are serialised)
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            status=Status.PENDING, next_attempt_at__lte=now)
        if account_id is not None:
            due = due.filter(account_id=account_id)
        if lane:
            due = due.filter(lane=lane)
        due = _not_waiting(due)
        ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING, next_attempt_at__lte=now).update(
            status=Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    return list(OutboxMessage.objects.filter(claim_token=token, status=Status.SENDING)
                .select_related("account", "company").order_by("next_attempt_at", "id"))


def _finish(message: OutboxMessage, **fields) -> bool:
    """Write the outcome, only while this worker still holds the claim."""
    fields.setdefault("claim_token", "")
    return bool(OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING,
                                             claim_token=message.claim_token).update(**fields))


def _error_text(exc: BaseException) -> str:
    return (getattr(exc, "message", "") or str(exc) or exc.__class__.__name__)[:2000]


def _retry(message: OutboxMessage, exc: BaseException, *, now: datetime, delay: float | None = None) -> str:
    code = str(getattr(exc, "code", "") or getattr(exc, "status", "") or "")[:50]
    if message.attempts >= MAX_ATTEMPTS:
        _finish(message, status=Status.DEAD, last_error=_error_text(exc), last_error_code=code)
        return "dead"
    seconds = delay if delay is not None else backoff_seconds(message.attempts)
    _finish(message, status=Status.PENDING, next_attempt_at=now + timedelta(seconds=seconds),
            last_error=_error_text(exc), last_error_code=code)
    return "retry"


def outbox_deliver(message: OutboxMessage, *, now: datetime | None = None) -> str:
    """Deliver one claimed message through its kind's handler; returns the outcome
    ("sent", "retry", "failed", "dead", "throttled")."""
    now = now or timezone.now()
    handler = handler_for(message.kind)
    if handler is None:
        _finish(message, status=Status.FAILED,
                last_error=_("'%(kind)s' 전송을 처리할 수 없습니다 (처리기 없음).") % {"kind": message.kind})
        return "failed"
    try:
        result = handler(message)
    except Throttled as exc:
        delay = exc.retry_after if exc.retry_after is not None else backoff_seconds(message.attempts)
        _retry(message, exc, now=now, delay=max(1.0, float(delay)) + random.uniform(0, 1))  # noqa: S311
        return "throttled"
    except TemporaryFailure as exc:
        return _retry(message, exc, now=now)
    except DeliveryError as exc:  # refused, malformed answer, unsupported operation: retrying will not help
        _finish(message, status=Status.FAILED, last_error=_error_text(exc), last_error_code=str(exc.code or "")[:50])
        return "failed"
    except Exception as exc:  # a bug in a handler: keep the message, retry later, log loudly
        logger.exception("outbox handler %s failed for message %s", message.kind, message.pk)
        return _retry(message, exc, now=now)
    _finish(message, status=Status.SENT, sent_at=timezone.now(), last_error="", last_error_code="",
            result=result if isinstance(result, dict) else {})
    return "sent"


def _defer(message: OutboxMessage, until: datetime) -> None:
    """Give a claimed message back untouched (not counted as an attempt)."""
    _finish(message, status=Status.PENDING, next_attempt_at=until, attempts=F("attempts") - 1)


def outbox_account_busy(account_id: int, *, now: datetime | None = None) -> bool:
    """Another worker is delivering this account's messages right now (it holds some in "sending",
    claimed within STALE_SENDING_AFTER): it goes on until none is due, so a second delivery task of the
    account has nothing to add — and would only hold a worker thread other accounts' deliveries wait for."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(account_id=account_id, status=Status.SENDING,
                                        claimed_at__gt=now - STALE_SENDING_AFTER).exists()


def outbox_accounts_due(*, now: datetime | None = None) -> list[int]:
    """Accounts with a message due now (the minute sweep starts one delivery task for each)."""
    now = now or timezone.now()
    return sorted(set(OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now,
                                                   account__isnull=False)
                      .order_by().values_list("account_id", flat=True).distinct()))


def outbox_lanes_due(*, now: datetime | None = None) -> list[str]:
    """Lanes (destinations other than accounts) with a message due now."""
    now = now or timezone.now()
    return sorted(set(OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now,
                                                   account__isnull=True)
                      .order_by().values_list("lane", flat=True).distinct()))


def outbox_deliver_due(*, now: datetime | None = None, limit: int = 500,
                       account_id: int | None = None, lane: str = "") -> dict[str, int]:
    """Claim and deliver due messages (of one account or lane, when given: the delivery tasks go per
    account or lane) until none is due or `limit` were handled. A throttled account's other messages in
    the batch wait for its retry time; other accounts go on. A message whose ordering key's earlier
    message was not delivered in this batch waits for it."""
    fixed_now = now
    counts: Counter[str] = Counter()
    outbox_release_stale(now=fixed_now)
    handled = 0
    while handled < limit:
        batch = outbox_claim(now=fixed_now, limit=min(CLAIM_BATCH, limit - handled), account_id=account_id,
                             lane=lane)
        if not batch:
            break
        throttled: dict[object, datetime] = {}
        stuck: set[str] = set()  # ordering keys whose earlier message was not delivered in this batch
        for message in batch:
            at = fixed_now or timezone.now()
            target = message.account_id or message.lane
            if target in throttled or (message.ordering_key and message.ordering_key in stuck):
                _defer(message, throttled.get(target) or at)
                counts["deferred"] += 1
                continue
            outcome = outbox_deliver(message, now=at)
            counts[outcome] += 1
            if outcome not in ("sent", "failed", "dead") and message.ordering_key:
                stuck.add(message.ordering_key)
            if outcome == "throttled":
                retry_at = OutboxMessage.objects.filter(pk=message.pk).values_list("next_attempt_at", flat=True).first()
                throttled[target] = retry_at or at
        handled += len(batch)
    return dict(counts)


# --- manual retry ------------------------------------------------------------------------------


def outbox_retry(*, company, message_ids: Iterable[int]) -> list[tuple[int, bool, str]]:
    """Send failed or given-up messages again (attempts start over). Per-message results:
    (id, done, message)."""
    results: list[tuple[int, bool, str]] = []
    now = timezone.now()
    with transaction.atomic():
        for pk in message_ids:
            updated = OutboxMessage.objects.filter(
                pk=pk, company=company, status__in=[Status.FAILED, Status.DEAD]
            ).update(status=Status.PENDING, attempts=0, next_attempt_at=now, claim_token="")
            if updated:
                _kick_on_commit(*OutboxMessage.objects.filter(pk=pk).values_list("account_id", "lane").get())
                results.append((pk, True, _("다시 전송합니다.")))
            elif OutboxMessage.objects.filter(pk=pk, company=company).exists():
                results.append((pk, False, _("실패한 전송만 다시 보낼 수 있습니다.")))
            else:
                results.append((pk, False, _("찾을 수 없습니다.")))
    return results
