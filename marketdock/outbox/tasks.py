"""Outbox delivery: a task started right after a transaction that enqueued messages commits, and a
periodic sweep every minute for retries that have come due."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task(name="outbox.deliver_now")
def deliver_now() -> dict:
    return services.outbox_deliver_due()


@db_periodic_task(crontab(minute="*"), name="outbox.deliver_due")
def deliver_due_every_minute() -> dict:
    return services.outbox_deliver_due()
