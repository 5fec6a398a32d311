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
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from huey.contrib.djhuey import HUEY, db_task

from .models import Company, JobRun, User

logger = logging.getLogger(__name__)

MAX_LOG_LINES = 500

# What the screens call each job kind: filled by `job(kind=..., label=...)`.
JOB_LABELS: dict[str, Any] = {}
# The words jobs count with (`ctx.progress(..., created=3)`), as the 작업 현황 screen shows them.
COUNT_LABELS: dict[str, Any] = {key: pgettext_lazy("job count", word) for key, word in {
    "pages": "페이지", "seen": "조회", "created": "신규", "updated": "변경", "unchanged": "변경없음",
    "quarantined": "보류(오류)", "skipped": "건너뜀", "labels": "운송장", "checked": "확인", "drift": "차이",
    "fixed": "바로잡음", "lines": "품목", "adjusted": "조정", "sent": "전송", "failed": "실패", "pulled": "가져옴",
    "linked": "연결", "error": "오류", "applied": "반영"}.items()}


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
    try:
        result = fn(ctx, **kwargs)
    except Exception as exc:
        logger.exception("job %s (%s) failed", run.kind, run_id)
        tb = traceback.format_exc(limit=8)
        JobRun.objects.filter(pk=run_id).update(
            status=JobRun.Status.FAILED, finished_at=timezone.now(), error=f"{exc}\n\n{tb}"[:20000]
        )
        raise
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


__all__ = ["job", "JobContext", "job_run_create", "execute", "run_consumer_in_thread", "stop_consumer", "bump", "F"]
