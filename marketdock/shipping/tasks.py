"""Shipping jobs: large label batches (운송장 출력 over ~200 packages) and delivery tracking
(every 30 minutes for every company with shipped packages, and 지금 조회 on demand)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job
from marketdock.core.models import Company

from . import selectors, services_label_batches, services_tracking
from .models import Package, PackageMethod

logger = logging.getLogger(__name__)


@job(kind="shipping.label_batch", label=gettext_lazy("운송장 출력"))
def render_label_batch(ctx, *, batch_id: int) -> dict:
    """Render a label batch's PDF; the batch page offers it once done."""
    batch = selectors.label_batch_get(ctx.company, batch_id)
    services_label_batches.label_batch_render(company=ctx.company, batch=batch,
                                         progress=lambda done, total: ctx.progress(done, total, labels=done))
    ctx.log(_("운송장 %(n)s건 PDF를 만들었습니다.") % {"n": batch.count})
    return {"batch_id": batch.pk, "labels": batch.count}


@job(kind="shipping.tracking_poll", label=gettext_lazy("배송조회"))
def poll_tracking(ctx, *, package_ids: list[int] | None = None) -> dict:
    """지금 조회: poll the company's shipped packages (or the chosen ones) now."""
    company = ctx.company
    packages = None
    if package_ids:
        packages = list(selectors.packages(company).filter(pk__in=package_ids))
    result = services_tracking.packages_poll(company=company, packages=packages, user=ctx.user,
                                             limit=services_tracking.BATCH * 5,
                                             progress=lambda done, total: ctx.progress(done, total))
    for line in result.errors[:50]:
        ctx.log(line)
    ctx.count(**result.counts())
    return result.counts()


def companies_to_poll() -> list[Company]:
    ids = (Package.objects.filter(status__in=services_tracking.POLLED, method=PackageMethod.PARCEL)
           .exclude(tracking_number="").values_list("company_id", flat=True).distinct())
    return list(Company.objects.filter(pk__in=list(ids)))


@db_periodic_task(crontab(minute="*/30"), name="shipping.tracking_poll_due")
def tracking_poll_due() -> None:
    """Every 30 minutes: one batch of each company's shipped packages, least recently polled first."""
    for company in companies_to_poll():
        try:
            result = services_tracking.packages_poll(company=company)
        except Exception:  # one company's failure must not stop the others
            logger.exception("tracking poll failed for company %s", company.pk)
            continue
        if result.errors:
            logger.warning("tracking poll of company %s: %s errors", company.pk, len(result.errors))
