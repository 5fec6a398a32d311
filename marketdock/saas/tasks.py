"""Nightly jobs: the buyer-data purge (SYS-9), terminated companies deleted after 3 months, and the
usage snapshot (SYS-8). Each is a job (작업 현황) run by the periodic task at night (KST)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job

from . import services


@job(kind="saas.buyer_data_purge", label=gettext_lazy("구매자 개인정보 파기"))
def buyer_data_purge(ctx) -> dict:
    done = services.buyer_data_purge_all()
    ctx.log(_("%(n)s개 회사의 주문 %(orders)s건을 파기했습니다.") % {"n": len(done), "orders": sum(done.values())})
    return done


@job(kind="saas.terminated_delete", label=gettext_lazy("해지 회사 자료 삭제"))
def terminated_delete(ctx) -> dict:
    codes = services.terminated_delete_due()
    ctx.log(_("해지 후 보관기간이 지난 회사 %(n)s곳을 삭제했습니다.") % {"n": len(codes)})
    return {"deleted": codes}


@job(kind="saas.usage_snapshot", label=gettext_lazy("서비스 사용량 기록"))
def usage_snapshot(ctx) -> dict:
    return {"companies": services.usage_snapshot_all()}


@db_periodic_task(crontab(hour="18", minute="17"), name="saas.nightly")
def nightly() -> None:
    """18:17 UTC = 03:17 KST (Huey's crontab is in UTC): usage, purge, deletions — each a job."""
    title = _("야간 작업")
    usage_snapshot.start(company=None, title=title)
    buyer_data_purge.start(company=None, title=title)
    terminated_delete.start(company=None, title=title)
