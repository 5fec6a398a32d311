"""Inventory jobs: the hourly ledger reconciliation and the :10 application of physical counts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from marketdock.core.jobs import job

from . import selectors, services


@job(kind="inventory.reconcile", label=gettext_lazy("재고 점검"))
def reconcile_stock(ctx) -> dict:
    """Recompute stock levels from the ledger and report (and fix) any drift."""
    result = services.stock_levels_reconcile(company=ctx.company)
    codes = dict(selectors.stock_skus(ctx.company).filter(pk__in=[d.sku_id for d in result["drifts"]])
                 .values_list("pk", "code"))
    for d in result["drifts"][:200]:
        ctx.log(f"{codes.get(d.sku_id, d.sku_id)} @ {d.warehouse_id}: on hand {d.level_on_hand} → {d.ledger_on_hand}, "
                f"reserved {d.level_reserved} → {d.ledger_reserved}")
    ctx.progress(1, 1, checked=result["checked"], drift=result["drift"], fixed=result["fixed"])
    return {"checked": result["checked"], "drift": result["drift"], "fixed": result["fixed"]}


@job(kind="inventory.count_apply", label=gettext_lazy("재고실사 반영"))
def apply_counts(ctx) -> dict:
    """Apply every count sheet waiting for the :10 run."""
    result = services.count_sheets_apply_scheduled(company=ctx.company, user=ctx.user, log=ctx.log)
    ctx.progress(1, 1, **result)
    return result


@db_periodic_task(crontab(minute="0"), name="inventory.reconcile_hourly")
def reconcile_hourly() -> None:
    for company in selectors.companies_with_stock():
        reconcile_stock.start(company=company, title="재고 재계산 (정기)")


@db_periodic_task(crontab(minute="10"), name="inventory.count_apply_hourly")
def apply_counts_hourly() -> None:
    for company in selectors.companies_with_scheduled_counts():
        apply_counts.start(company=company, title="재고실사 반영 (정기)")
