"""The daily sales rollup (STL-5): `DailySales` rows per KST day × channel account (or store) × SKU ×
currency, rebuilt a day at a time from the expected settlements (orders), the adjustments, the
imported settlement records and the store sales, with grouped SQL (one query per source per chunk of
days). Days are marked dirty by the services that change them (`SalesDirtyDay`); `sales_refresh`
(the debounced job) rebuilds those; `sales_rebuild` rebuilds a range.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.utils import timezone

from marketdock.catalog.models import SKU
from marketdock.core.models import Company
from marketdock.orders.models import OrderLineComponent

from ..models import (
    DailySales,
    ExpectedSettlement,
    SalesDirtyDay,
    SettlementAdjustment,
    SettlementRecord,
    SettlementState,
    StoreSale,
    StoreSaleLine,
)

CHUNK_DAYS = 31
SUMS = ("orders", "lines", "quantity", "cancelled_quantity", "revenue", "discounts", "refunds", "commission",
        "expected", "actual")


def _first_sku(line_ref: str):
    return Subquery(OrderLineComponent.objects.filter(line_id=OuterRef(line_ref)).order_by("id").values("sku_id")[:1])


def _channel_rows(company: Company, days: list[date], rows: dict) -> None:
    base = (ExpectedSettlement.objects.filter(company=company, order_date__in=days)
            .annotate(sku=_first_sku("line_id"))
            .values("order_date", "account_id", "sku", "currency")
            .annotate(n_orders=Count("order_id", distinct=True), n_lines=Count("id"), qty=Sum("quantity"),
                      cancelled=Sum("cancelled_quantity"), rev=Sum(F("sale_amount") - F("seller_discount")),
                      disc=Sum(F("seller_discount") + F("marketplace_discount")),
                      comm=Sum(F("sale_commission") + F("payment_commission") + F("shipping_commission")
                               + F("fixed_fee")),
                      exp=Sum("expected_payout")))
    for r in base:
        row = rows[(r["order_date"], r["account_id"], None, r["sku"], r["currency"])]
        row.update(orders=r["n_orders"], lines=r["n_lines"], quantity=r["qty"] or 0,
                   cancelled_quantity=r["cancelled"] or 0, revenue=r["rev"] or 0, discounts=r["disc"] or 0,
                   commission=r["comm"] or 0, expected=r["exp"] or 0)
    adjustments = (SettlementAdjustment.objects.filter(company=company, line__expected_settlement__order_date__in=days)
                   .annotate(sku=_first_sku("line_id"))
                   .values("line__expected_settlement__order_date", "account_id", "sku", "currency")
                   .annotate(refund=Sum("amount"), back=Sum("commission_reversed"), net=Sum("net")))
    for r in adjustments:
        row = rows[(r["line__expected_settlement__order_date"], r["account_id"], None, r["sku"], r["currency"])]
        row["refunds"] = row.get("refunds", 0) - (r["refund"] or 0)
        row["commission"] = row.get("commission", 0) - (r["back"] or 0)
        row["expected"] = row.get("expected", 0) + (r["net"] or 0)
    actual = (SettlementRecord.objects.filter(company=company, line__expected_settlement__order_date__in=days)
              .annotate(sku=_first_sku("line_id"))
              .values("line__expected_settlement__order_date", "account_id", "sku", "currency")
              .annotate(paid=Sum("payout_amount")))
    for r in actual:
        row = rows[(r["line__expected_settlement__order_date"], r["account_id"], None, r["sku"], r["currency"])]
        row["actual"] = row.get("actual", 0) + (r["paid"] or 0)


def _store_rows(company: Company, days: list[date], rows: dict) -> None:
    qs = (StoreSaleLine.objects.filter(company=company, sale__sold_on__in=days,
                                       sale__status=StoreSale.Status.COMPLETED)
          .values("sale__sold_on", "sale__warehouse_id", "sku_id", "sale__currency")
          .annotate(n_orders=Count("sale_id", distinct=True), n_lines=Count("id"), qty=Sum("quantity"),
                    rev=Sum("total_amount"), disc=Sum("discount_amount")))
    for r in qs:
        row = rows[(r["sale__sold_on"], None, r["sale__warehouse_id"], r["sku_id"], r["sale__currency"])]
        revenue = r["rev"] or 0
        row.update(orders=r["n_orders"], lines=r["n_lines"], quantity=r["qty"] or 0, revenue=revenue,
                   discounts=r["disc"] or 0, expected=revenue, actual=revenue)


def sales_rebuild_days(company: Company, days: Iterable[date]) -> int:
    """Throw away and recompute the rows of these days; returns the rows written."""
    days = sorted(set(days))
    written = 0
    for start in range(0, len(days), CHUNK_DAYS):
        chunk = days[start:start + CHUNK_DAYS]
        rows: dict[tuple, dict] = defaultdict(dict)
        _channel_rows(company, chunk, rows)
        _store_rows(company, chunk, rows)
        products = dict(SKU.objects.filter(company=company, pk__in={k[3] for k in rows if k[3]})
                        .values_list("pk", "product_id"))
        objs = [DailySales(company=company, day=day, account_id=account, store_id=store, sku_id=sku,
                           product_id=products.get(sku), currency=currency,
                           **{name: values.get(name, 0) for name in SUMS})
                for (day, account, store, sku, currency), values in rows.items()]
        with transaction.atomic():
            DailySales.objects.filter(company=company, day__in=chunk).delete()
            DailySales.objects.bulk_create(objs, batch_size=2000)
        written += len(objs)
    return written


def mark_days(company: Company, days: Iterable[date]) -> None:
    SalesDirtyDay.objects.bulk_create([SalesDirtyDay(company=company, day=d) for d in set(days) if d],
                                      ignore_conflicts=True)


def sales_refresh(company: Company) -> dict:
    """Rebuild the days marked dirty since the last refresh."""
    began = time.monotonic()
    started = timezone.now()
    days = list(SalesDirtyDay.objects.filter(company=company, queued_at__lte=started).values_list("day", flat=True))
    rows = sales_rebuild_days(company, days) if days else 0
    SalesDirtyDay.objects.filter(company=company, day__in=days, queued_at__lte=started).delete()
    state, _created = SettlementState.objects.get_or_create(company=company)
    SettlementState.objects.filter(pk=state.pk).update(sales_as_of=started, refreshed_at=timezone.now())
    return {"days": len(days), "rows": rows, "seconds": round(time.monotonic() - began, 3)}


def sales_rebuild(company: Company, since: date | None = None) -> dict:
    """Every day from `since` (default: the first order or store sale) to today."""
    first = [d for d in (ExpectedSettlement.objects.filter(company=company).order_by("order_date")
                         .values_list("order_date", flat=True).first(),
                         StoreSale.objects.filter(company=company).order_by("sold_on")
                         .values_list("sold_on", flat=True).first()) if d]
    start = since or (min(first) if first else None)
    if start is None:
        return {"days": 0, "rows": 0}
    today = timezone.localdate()
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    return {"days": len(days), "rows": sales_rebuild_days(company, days)}
