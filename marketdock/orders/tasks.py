"""Order collection jobs: one collection of an account (지금 수집, schedule, backfill) and the
minute scheduler that starts the due ones."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job

from . import services


@job(kind="orders.collect", label=gettext_lazy("주문수집"))
def collect_orders(ctx, *, account_id: int, trigger: str = "manual", window_start: str | None = None,
                   window_end: str | None = None) -> dict:
    """Collect one account's orders; progress = pages, counts = the run's ledger."""

    def progress(pages: int, **counts: int) -> None:
        ctx.progress(min(95, pages * 5), 100, pages=pages, **counts)

    return services.collection_execute(
        account_id=account_id, trigger=trigger,
        window_start=datetime.fromisoformat(window_start) if window_start else None,
        window_end=datetime.fromisoformat(window_end) if window_end else None,
        job_run=ctx.run, user=ctx.user, progress=progress, log=ctx.log)


@db_periodic_task(crontab(minute="*"), name="orders.collect_due")
def collect_due() -> None:
    """Every minute: enqueue the accounts whose scheduled collection is due (each once)."""
    for account in services.collection_due_accounts():
        if services.collection_schedule_claim(account=account):
            services.collection_run_start(account=account, trigger="schedule")
