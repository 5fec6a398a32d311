"""Settlement import jobs: one account's import + reconciliation (정산 가져오기, on demand or from the
daily schedule) and the daily scheduler that starts one per account with a settlement API."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.channels.connectors.base import connector_class
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.models import ChannelAccount
from marketdock.core.jobs import job

from . import selectors, services

DAILY_DAYS = 35  # the window re-read every day: late rows and corrections of the last month
FIRST_RETRY = timedelta(minutes=30)  # an account whose first import failed is tried again after this


@job(kind="settlement.import", label=gettext_lazy("정산 가져오기"))
def import_settlements(ctx, *, account_id: int, start: str, end: str, trigger: str = "manual") -> dict:
    account = ChannelAccount.objects.get(pk=account_id)
    run, recon = services.settlement_import_reconcile(account, date.fromisoformat(start), date.fromisoformat(end),
                                                      trigger=trigger, user=ctx.user)
    return {"status": run.status, "seen": run.seen, "created": run.created, "updated": run.updated,
            "quarantined": run.quarantined, "matched": recon.matched, "differences": recon.differences}


def settlement_import_now(account_id: int, start: str, end: str, user_id: int | None, trigger: str = "manual"):
    account = ChannelAccount.objects.get(pk=account_id)
    from marketdock.core.models import User

    user = User.objects.filter(pk=user_id).first() if user_id else None
    return import_settlements.start(company=account.company, user=user,
                                    title=_("%(account)s 정산 가져오기") % {"account": account.name},
                                    account_id=account.pk, start=start, end=end, trigger=trigger)


def _has_api(kind: str) -> bool:
    try:
        return bool(connector_class(kind).capabilities.settlements)
    except ConnectorError:
        return False


def settlement_accounts():
    """Active accounts whose marketplace has a settlement API."""
    for account in ChannelAccount.objects.filter(is_active=True).order_by("id"):
        if _has_api(account.kind):
            yield account


@db_periodic_task(crontab(hour="5", minute="10"), name="settlement.import_daily")
def import_daily() -> None:
    """Every morning: each account's settlement rows of the last DAILY_DAYS days, then reconciliation."""
    today = timezone.localdate()
    for account in settlement_accounts():
        settlement_import_now(account.pk, (today - timedelta(days=DAILY_DAYS)).isoformat(), today.isoformat(), None,
                              trigger="schedule")


def import_first(company) -> int:
    """After the expected settlement is refreshed: each account that collected orders but never imported
    its settlement gets its first import + reconciliation now, not at the next morning's run (a new
    account, and the demo company right after `make run`, see their 정산 오류 without pressing a button)."""
    today = timezone.localdate()
    accounts = [a for a in selectors.accounts_never_imported(company, since=timezone.now() - FIRST_RETRY)
                if _has_api(a.kind)]
    for account in accounts:
        settlement_import_now(account.pk, (today - timedelta(days=DAILY_DAYS)).isoformat(), today.isoformat(), None,
                              trigger="schedule")
    return len(accounts)
