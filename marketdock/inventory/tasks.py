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


@job(kind="inventory.inbound_xlsx", label=gettext_lazy("입고확정 엑셀"))
def inbound_xlsx_confirm(ctx, *, path: str, name: str) -> dict:
    """입고확정 엑셀 for a big file: the same all-or-nothing check and confirmation as the screen,
    with progress; the row errors stay in the result for the downloadable report."""
    from django.core.files.storage import default_storage

    from marketdock.core.models import JobRun

    ctx.log(name)
    try:
        with default_storage.open(path, "rb") as fh:
            data = fh.read()
        try:
            result = services.inbound_confirm_xlsx(company=ctx.company, data=data, user=ctx.user, progress=ctx.progress)
        except services.ExcelRejected as exc:
            errors = [{"row": e.row, "column": str(e.column), "value": "" if e.value is None else str(e.value)[:200],
                       "message": str(e.message)} for e in exc.errors]
            JobRun.objects.filter(pk=ctx.run.pk).update(result={"errors": errors})
            raise
    finally:
        default_storage.delete(path)
    ctx.log(f"rows {result['rows']}, inbounds {result['inbounds']}, quantity {result['quantity']}")
    return result


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
