"""Stock/price push tasks: the debounced cycle a stock change asks for, the every-minute sweep, and the
periodic full reconciliation (reads every listing back from its channel)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from marketdock.channels.models import ChannelAccount
from marketdock.core.jobs import JobContext, job
from marketdock.core.models import Company

from . import services


@db_task(name="listings.stock_sync_company")
def stock_sync_company(company_id: int) -> dict:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return {}
    return services.stock_sync_cycle(company=company)


@db_periodic_task(crontab(minute="*"), name="listings.stock_sync_sweep")
def stock_sync_sweep_every_minute() -> dict:
    return services.stock_sync_sweep()


@db_periodic_task(crontab(minute="23"), name="listings.stock_reconcile_hourly")
def stock_reconcile_hourly() -> dict:
    return services.stock_reconcile_all()


@job(kind="listings.stock_reconcile", label=gettext_lazy("쇼핑몰 재고 대조"))
def stock_reconcile_job(ctx: JobContext, *, account_id: int) -> dict:
    """전체 재고 동기화 of one account, started from the 동기화 현황 screen."""
    account = ChannelAccount.objects.get(company=ctx.company, pk=account_id)
    result = services.stock_reconcile_account(account=account)
    ctx.log(_("확인 %(checked)s개, 차이 %(drifted)s개 → 재전송") % result)
    return result
