"""Channel jobs: the proactive refresh of OAuth token pairs (Cafe24 refresh tokens die after 14 days
unused, and every refresh rotates them)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="23"), name="channels.oauth_refresh_due")
def oauth_refresh_due() -> None:
    """Every hour: refresh each connected Cafe24 account whose pair is older than a day (so each is
    refreshed about daily, and a failure is retried the next hour, long before the 14-day cliff)."""
    services.oauth_refresh_due_accounts()
