"""The debounced settlement refresh: every 5 minutes for every company with channel accounts or
stores, and [지금 갱신] on demand. It seeds missing default rules, recomputes the expected settlement
of lines changed or queued since the last run, then rebuilds the sales days they touched."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job

from . import selectors, services
from .tasks_import import import_first

logger = logging.getLogger(__name__)


@job(kind="settlement.refresh", label=gettext_lazy("정산예정·매출 집계 갱신"))
def refresh_settlement(ctx) -> dict:
    result = services.settlement_refresh(ctx.company)
    ctx.log(_("주문상품 %(lines)s건의 정산예정금액과 %(days)s일치 매출 집계를 다시 계산했습니다.") % result)
    return result


@job(kind="settlement.rebuild_sales", label=gettext_lazy("매출 집계 다시 만들기"))
def rebuild_sales(ctx) -> dict:
    result = services.sales_rebuild(ctx.company)
    ctx.log(_("%(days)s일치 매출 집계를 다시 만들었습니다.") % result)
    return result


@db_periodic_task(crontab(minute="*/5"), name="settlement.refresh_due")
def refresh_due() -> None:
    for company in selectors.companies_to_refresh():
        try:
            services.settlement_refresh(company)
            import_first(company)
        except Exception:  # one company's failure must not stop the others
            logger.exception("settlement refresh failed for company %s", company.pk)
