"""Background jobs (SYS-6) on Huey, each recorded as a `JobRun` the 작업 현황 screen shows.

Usage in any app's tasks.py::

    from marketdock.core.jobs import job

    @job(kind="catalog.excel_import", retries=0)
    def import_products(run: JobContext, *, upload_id: int) -> dict:
        for i, row in enumerate(rows):
            ...
            run.progress(i + 1, len(rows))
        run.log("12 rows applied")
        return {"applied": 12}            # stored as JobRun.result

    run = import_products.start(company=c, user=u, title="상품 엑셀등록", upload_id=5)

`start` creates the JobRun and enqueues the task after the surrounding transaction commits; the
worker marks it running, reports progress, and records success or the error. A task retried by
Huey updates the same JobRun.

Retry what the database asks to retry (issue 11): a deadlock (SQLSTATE 40P01) or serialization
failure (40001) means PostgreSQL rolled the transaction back and the same work may simply run again.
`retry_on_conflict` does that with jittered exponential backoff, at most CONFLICT_RETRIES times, and
only where the failed transaction is the outermost one (inside an enclosing atomic block the whole
enclosing transaction is lost, so the error goes up to whoever owns it). `execute` retries a job's
function this way before the job fails; a job that commits in several transactions (a collection
commits page by page) retries each of them itself, so work already committed is not redone. Every
retry is logged on the JobRun and counted in its `counts["retries"]`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from huey.contrib.djhuey import HUEY, db_task

from .models import Company, JobRun, User

logger = logging.getLogger(__name__)

MAX_LOG_LINES = 500

CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
CONFLICT_RETRIES = 5
CONFLICT_BACKOFF = 0.05  # seconds, doubled per attempt, ×0.5–1.5 jitter, at most CONFLICT_BACKOFF_MAX
CONFLICT_BACKOFF_MAX = 2.0

_current = threading.local()

# What the screens call each job kind: filled by `job(kind=..., label=...)`.
JOB_LABELS: dict[str, Any] = {}
# The words jobs count with (`ctx.progress(..., created=3)`), as the 작업 현황 screen shows them.
COUNT_LABELS: dict[str, Any] = {key: pgettext_lazy("job count", word) for key, word in {
    "pages": "페이지", "seen": "조회", "created": "신규", "updated": "변경", "unchanged": "변경없음",
    "quarantined": "보류(오류)", "skipped": "건너뜀", "labels": "운송장", "checked": "확인", "drift": "차이",
    "fixed": "바로잡음", "lines": "품목", "adjusted": "조정", "sent": "전송", "failed": "실패", "pulled": "가져옴",
    "linked": "연결", "error": "오류", "applied": "반영", "retries": "재시도"}.items()}


def job_label(kind: str):
    """The job kind in the user's language (an unlabelled kind reads as 백그라운드 작업, not as its code)."""
    return JOB_LABELS.get(kind) or pgettext_lazy("job kind", "백그라운드 작업")


def count_items(counts: dict) -> list[tuple[Any, Any]]:
    """A job's counts as (label, value), in the user's language; a key already written in Korean is
    its own label, an unknown code reads as 기타."""
    items = []
    for key, value in (counts or {}).items():
        label = COUNT_LABELS.get(key) or (key if not str(key).isascii() else pgettext_lazy("job count", "기타"))
        items.append((label, value))
    return items


class JobContext:
    """Handed to a job function: progress, counts and log lines go to its JobRun row."""

    def __init__(self, run: JobRun):
        self.run = run
        self._last_progress = -1

    @property
    def company(self) -> Company | None:
        return self.run.company

    @property
    def user(self) -> User | None:
        return self.run.created_by

    def progress(self, done: int, total: int | None = None, **counts: int) -> None:
        pct = done if total is None else (100 if not total else int(done * 100 / total))
        pct = max(0, min(100, pct))
        if pct == self._last_progress and not counts:
            return
        self._last_progress = pct
        fields = {"progress": pct}
        if counts:
            self.run.counts.update(counts)
            fields["counts"] = self.run.counts
        JobRun.objects.filter(pk=self.run.pk).update(**fields)
        self.run.progress = pct

    def count(self, **counts: int) -> None:
        for key, value in counts.items():
            self.run.counts[key] = self.run.counts.get(key, 0) + value
        JobRun.objects.filter(pk=self.run.pk).update(counts=self.run.counts)

    def log(self, line: str) -> None:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        self.run.log.append(f"{stamp} {line}")
        self.run.log = self.run.log[-MAX_LOG_LINES:]
        JobRun.objects.filter(pk=self.run.pk).update(log=self.run.log)


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure the database asks the client to retry (also when wrapped)."""
    seen = 0
    while exc is not None and seen < 5:
        code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if code in CONFLICT_SQLSTATES:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def conflict_backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): exponential with jitter, so the
    transactions that collided do not collide again in lockstep."""
    return min(CONFLICT_BACKOFF_MAX, CONFLICT_BACKOFF * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)  # noqa: S311


def retry_on_conflict(fn: Callable[[], Any], *, attempts: int = CONFLICT_RETRIES,
                      on_retry: Callable[[int, BaseException], None] | None = None) -> Any:
    """Run `fn` (which opens and commits its own transaction); run it again after a deadlock or a
    serialization failure, at most `attempts` more times. Not inside an atomic block: there the
    enclosing transaction is already lost and the error is raised at once."""
    attempt = 0
    while True:
        try:
            return fn()
        except DatabaseError as exc:
            if attempt >= attempts or not is_conflict(exc) or connection.in_atomic_block:
                raise
            attempt += 1
            (on_retry or _note_retry)(attempt, exc)
            time.sleep(conflict_backoff(attempt))


def company_xact_lock(namespace: int, company_id: int) -> None:
    """A per-company serialisation point for the rest of the current transaction: PostgreSQL's
    transaction-level advisory lock on (namespace, company). Nothing on SQLite, whose writers are
    serialised already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, company_id])


def _note_retry(attempt: int, exc: BaseException) -> None:
    first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
    logger.warning("database conflict, retry %s/%s: %s", attempt, CONFLICT_RETRIES, first)
    ctx = getattr(_current, "ctx", None)
    if ctx is not None:
        ctx.count(retries=1)
        ctx.log(_("데이터베이스 충돌(교착 상태)로 다시 시도합니다 (%(n)s/%(max)s): %(err)s") % {
            "n": attempt, "max": CONFLICT_RETRIES, "err": first})


def job_run_create(
    *, kind: str, title: str, company: Company | None, user: User | None = None, params: dict | None = None
) -> JobRun:
    return JobRun.objects.create(
        kind=kind, title=title, company=company, created_by=user if user and user.pk else None, params=params or {}
    )


def execute(run_id: int, fn: Callable[..., Any], kwargs: dict) -> None:
    """Run `fn` for JobRun `run_id`, recording start, progress, result or error."""
    updated = JobRun.objects.filter(pk=run_id).exclude(status=JobRun.Status.CANCELLED).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now(), error="", finished_at=None
    )
    if not updated:
        logger.info("job run %s is gone or cancelled; skipping", run_id)
        return
    run = JobRun.objects.select_related("company", "created_by").get(pk=run_id)
    ctx = JobContext(run)
    _current.ctx = ctx
    try:
        result = retry_on_conflict(lambda: fn(ctx, **kwargs))
    except Exception as exc:
        logger.exception("job %s (%s) failed", run.kind, run_id)
        tb = traceback.format_exc(limit=8)
        JobRun.objects.filter(pk=run_id).update(
            status=JobRun.Status.FAILED, finished_at=timezone.now(), error=f"{exc}\n\n{tb}"[:20000]
        )
        raise
    finally:
        _current.ctx = None
    JobRun.objects.filter(pk=run_id).update(
        status=JobRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        progress=100,
        result=result if isinstance(result, dict) else {},
    )


def job(*, kind: str, label: Any = None, retries: int = 0, retry_delay: int = 0, **task_options: Any):
    """Declare a background job: a Huey task that records itself as a JobRun. `label` is what the
    screens call the kind (Korean, gettext_lazy)."""
    if label:
        JOB_LABELS[kind] = label

    def decorator(fn: Callable[..., Any]):
        @db_task(retries=retries, retry_delay=retry_delay, name=kind, **task_options)
        @wraps(fn)
        def task(run_id: int, kwargs: dict) -> None:
            execute(run_id, fn, kwargs)

        def start(*, company: Company | None, title: str, user: User | None = None, **kwargs: Any) -> JobRun:
            run = job_run_create(kind=kind, title=title, company=company, user=user, params=kwargs)

            def _enqueue() -> None:
                result = task(run.pk, kwargs)
                task_id = getattr(result, "id", "") or ""
                if task_id:
                    JobRun.objects.filter(pk=run.pk).update(task_id=task_id)

            transaction.on_commit(_enqueue)
            return run

        task.start = start
        task.kind = kind
        task.fn = fn
        return task

    return decorator


def run_consumer_in_thread(workers: int = 2, periodic: bool = False):
    """Start a real Huey consumer (scheduler + worker threads) inside this process; tests and
    benchmarks use it to run tasks exactly as `marketdock worker` does. Stop it with `stop_consumer`."""
    import signal

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    consumer = HUEY.create_consumer(
        workers=workers, worker_type="thread", periodic=periodic, check_worker_health=False, scheduler_interval=1
    )
    consumer.start()
    for sig, handler in saved.items():  # keep the host process's own signal handling
        signal.signal(sig, handler)
    return consumer


def stop_consumer(consumer) -> None:
    consumer.stop(graceful=True)


def bump(run_id: int, **counts: int) -> None:
    """Atomically add to integer counters of a JobRun from several workers at once (JSON is rewritten)."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        for key, value in counts.items():
            run.counts[key] = run.counts.get(key, 0) + value
        run.save(update_fields=["counts"])


__all__ = ["job", "JobContext", "job_run_create", "execute", "run_consumer_in_thread", "stop_consumer", "bump", "F",
           "retry_on_conflict", "is_conflict"]
