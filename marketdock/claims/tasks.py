"""Claim jobs: one claim collection of an account (지금 수집 or the schedule) and the minute
scheduler that starts the due ones beside the order collection."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job

from .services import collection


@job(kind="claims.collect", label=gettext_lazy("클레임 수집"))
def collect_claims(ctx, *, account_id: int, trigger: str = "manual") -> dict:
    """Collect one account's claims; progress = pages, counts = the run's ledger."""

    def progress(pages: int, **counts: int) -> None:
        ctx.progress(min(95, pages * 5), 100, pages=pages, **counts)

    return collection.claims_collection_execute(account_id=account_id, trigger=trigger, log=ctx.log,
                                                progress=progress)


@db_periodic_task(crontab(minute="*"), name="claims.collect_due")
def collect_claims_due() -> None:
    """Every minute: enqueue the accounts whose scheduled claim collection is due."""
    for account in collection.claims_due_accounts():
        collection.claims_schedule_start(account=account)
