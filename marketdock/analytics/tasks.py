"""The debounced rollup refresh: every 5 minutes for every company with orders, and 지금 갱신 on demand.
The screens show the rollup's 기준 시각 (RollupState.as_of)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job

from . import services

logger = logging.getLogger(__name__)


@job(kind="analytics.refresh", label=gettext_lazy("매출 집계 갱신"))
def refresh_rollup(ctx) -> dict:
    state = services.rollup_refresh(ctx.company)
    ctx.log(_("%(days)s일치 매출 집계를 다시 계산했습니다.") % {"days": state.days})
    return {"days": state.days, "seconds": state.seconds}


@db_periodic_task(crontab(minute="*/5"), name="analytics.refresh_due")
def refresh_due() -> None:
    """Every 5 minutes: each company's days touched since its last refresh."""
    for company in services.companies_with_orders():
        try:
            services.rollup_refresh(company)
        except Exception:  # one company's failure must not stop the others
            logger.exception("analytics refresh failed for company %s", company.pk)
