"""The nightly API housekeeping: expired idempotency answers and old call-log rows go."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="18", minute="41"), name="api.housekeeping")
def housekeeping() -> None:
    """18:41 UTC = 03:41 KST (Huey's crontab is in UTC)."""
    services.housekeeping()
