"""Inquiry collection jobs (imported from the claims app's ready()): one collection of an account
(문의 수집, the schedule) and the minute scheduler beside the order collection's, on the same
per-account interval."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.channels.models import ChannelAccount
from marketdock.core.jobs import job

from .services import inquiries as service


@job(kind="claims.collect_inquiries", label=gettext_lazy("문의수집"))
def collect_inquiries(ctx, *, account_id: int, trigger: str = "manual") -> dict:
    account = ChannelAccount.objects.select_related("company").get(pk=account_id)
    run = service.inquiries_collect(account=account, trigger=trigger, log=ctx.log)
    if run is None:
        return {"skipped": 1}
    return {"run": run.pk, "seen": run.seen, "created": run.created, "updated": run.updated,
            "quarantined": run.quarantined, "error": run.error}


@db_periodic_task(crontab(minute="*"), name="claims.collect_inquiries_due")
def collect_inquiries_due() -> None:
    """Every minute: collect the inquiries of the accounts whose interval has passed."""
    for account in service.inquiries_due_accounts():
        collect_inquiries.start(company=account.company, user=None, title=str(account.name),
                                account_id=account.pk, trigger="schedule")
