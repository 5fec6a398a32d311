"""Outbox delivery: one task per account started right after a transaction that enqueued its messages
commits (so a slow or failing marketplace holds one worker thread, never another account's delivery),
and a periodic sweep every minute that starts the same per-account task for retries that have come due."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task(name="outbox.deliver_account")
def deliver_account(account_id: int) -> dict:
    """The account's due messages; nothing when another worker is delivering them already (every commit
    that enqueues starts this task: a bulk approval of 400 claims must not fill every worker thread
    with one account while the other accounts' deliveries wait in the queue)."""
    if services.outbox_account_busy(account_id):
        return {"busy": 1}
    return services.outbox_deliver_due(account_id=account_id)


@db_task(name="outbox.deliver_lane")
def deliver_lane(lane: str) -> dict:
    """The due messages of one destination other than a channel account (e.g. a webhook endpoint)."""
    return services.outbox_deliver_due(lane=lane)


@db_task(name="outbox.deliver_now")
def deliver_now() -> dict:
    """Every account's due messages in this one task (kept for tasks queued before an upgrade)."""
    return services.outbox_deliver_due()


@db_periodic_task(crontab(minute="*"), name="outbox.deliver_due")
def deliver_due_every_minute() -> dict:
    services.outbox_release_stale()
    accounts = services.outbox_accounts_due()
    for account_id in accounts:
        deliver_account(account_id)
    lanes = services.outbox_lanes_due()
    for lane in lanes:
        deliver_lane(lane)
    return {"accounts": len(accounts), "lanes": len(lanes)}
