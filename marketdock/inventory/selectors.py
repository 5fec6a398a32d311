"""Inventory reads. Every selector takes the company first and filters by it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from marketdock.catalog.models import SKU, SKUStatus
from marketdock.core.models import CommonCode, Company

from .models import (
    CountLine,
    CountSheet,
    InboundLine,
    InboundOrder,
    MovementKind,
    StockLevel,
    StockMovement,
    StockTransfer,
    StockTransferLine,
    Warehouse,
)

# --- warehouses ----------------------------------------------------------------------------------


def warehouses(company: Company) -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(company=company)


def warehouses_active(company: Company) -> QuerySet[Warehouse]:
    return warehouses(company).filter(is_active=True)


def warehouse_get(company: Company, pk: int) -> Warehouse:
    return warehouses(company).get(pk=pk)


def suppliers(company: Company) -> QuerySet[CommonCode]:
    return CommonCode.objects.filter(company=company, group__code="SUPPLIER", is_active=True).order_by("sort_order", "code")


# --- stock ---------------------------------------------------------------------------------------


def stock_skus(company: Company) -> QuerySet[SKU]:
    """SKUs that hold stock themselves: stock-managed products, not sets."""
    return SKU.objects.filter(company=company, is_set=False, product__inventory_managed=True).select_related("product")


def sku_get(company: Company, pk: int) -> SKU:
    return SKU.objects.filter(company=company).select_related("product").get(pk=pk)


def sku_lookup(company: Company, keys: list[str]) -> dict[str, SKU]:
    """SKUs by code or barcode (the code wins when both match)."""
    keys = [k for k in keys if k]
    found: dict[str, SKU] = {}
    if not keys:
        return found
    for sku in SKU.objects.filter(company=company, code__in=keys).select_related("product"):
        found[sku.code] = sku
    rest = [k for k in keys if k not in found]
    if rest:
        for sku in SKU.objects.filter(company=company, barcode__in=rest).select_related("product"):
            found.setdefault(sku.barcode, sku)
    return found


def expected_inbound_subquery(company: Company, warehouse_id: int | None = None):
    """Per SKU: quantity still expected from open inbound orders (예정 − 확정)."""
    lines = InboundLine.objects.filter(company=company, sku=OuterRef("pk"), inbound__status__in=InboundOrder.OPEN_STATUSES)
    if warehouse_id:
        lines = lines.filter(inbound__warehouse_id=warehouse_id)
    total = lines.order_by().values("sku").annotate(t=Sum(F("quantity") - F("confirmed_quantity"))).values("t")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _with_stock(company: Company, qs: QuerySet[SKU], *, warehouse_id: int | None = None,
                per_warehouse: list[Warehouse] | None = None) -> QuerySet[SKU]:
    where = Q(stock_levels__warehouse__is_active=True)
    if warehouse_id:
        where &= Q(stock_levels__warehouse_id=warehouse_id)
    qs = qs.annotate(
        on_hand=Coalesce(Sum("stock_levels__on_hand", filter=where), Value(0)),
        reserved=Coalesce(Sum("stock_levels__reserved", filter=where), Value(0)),
        channel_available=Coalesce(
            Sum(F("stock_levels__on_hand") - F("stock_levels__reserved"),
                filter=where & Q(stock_levels__warehouse__exposed_to_channels=True)), Value(0)),
        expected=expected_inbound_subquery(company, warehouse_id),
    ).annotate(available=F("on_hand") - F("reserved"))
    for wh in per_warehouse or ():
        qs = qs.annotate(**{f"wh_{wh.pk}": Coalesce(
            Sum(F("stock_levels__on_hand") - F("stock_levels__reserved"), filter=Q(stock_levels__warehouse_id=wh.pk)),
            Value(0))})
    return qs


STOCK_SORTS = {
    "code": "code", "-code": "-code", "name": "product__name", "-name": "-product__name",
    "on_hand": "on_hand", "-on_hand": "-on_hand", "available": "available", "-available": "-available",
    "reserved": "reserved", "-reserved": "-reserved", "expected": "expected", "-expected": "-expected",
}


def stock_grid(company: Company, *, q: str = "", warehouse_id: int | None = None, status: str = "",
               in_stock: bool = False, low: bool = False, sort: str = "code",
               per_warehouse: list[Warehouse] | None = None) -> QuerySet[SKU]:
    """재고현황: one row per stock SKU with on hand / reserved / available / expected inbound
    (in the chosen warehouse, or summed over active warehouses)."""
    qs = stock_skus(company)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(barcode__icontains=q) | Q(product__name__icontains=q)
                       | Q(product__code__icontains=q) | Q(option_text__icontains=q))
    if status == "all":
        pass
    elif status in SKUStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=SKUStatus.INACTIVE)
    qs = _with_stock(company, qs, warehouse_id=warehouse_id, per_warehouse=per_warehouse)
    if in_stock:
        qs = qs.filter(on_hand__gt=0)
    if low:
        qs = _low_filter(qs)
    return qs.order_by(STOCK_SORTS.get(sort, "code"), "pk")


def _low_filter(qs: QuerySet[SKU]) -> QuerySet[SKU]:
    return qs.annotate(threshold=Greatest("safety_stock", "reorder_point")).filter(threshold__gt=0,
                                                                                   available__lte=F("threshold"))


def low_stock(company: Company, *, warehouse_id: int | None = None, q: str = "") -> QuerySet[SKU]:
    """재고부족 (INV-7): SKUs whose available stock is at or below the reorder point or below the
    safety stock, most urgent first."""
    qs = stock_skus(company).exclude(status=SKUStatus.INACTIVE)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(barcode__icontains=q) | Q(product__name__icontains=q))
    qs = _low_filter(_with_stock(company, qs, warehouse_id=warehouse_id))
    return qs.annotate(shortage=F("threshold") - F("available")).order_by("-shortage", "code")


def low_stock_count(company: Company) -> int:
    return low_stock(company).count()


def sku_levels(company: Company, sku: SKU) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(company=company, sku=sku).select_related("warehouse").order_by(
        "-warehouse__is_default", "warehouse__code")


def expected_for_sku(company: Company, sku: SKU) -> QuerySet[InboundLine]:
    return (InboundLine.objects.filter(company=company, sku=sku, inbound__status__in=InboundOrder.OPEN_STATUSES)
            .select_related("inbound", "inbound__warehouse").order_by("inbound__expected_date", "inbound_id"))


@dataclass
class HistoryPoint:
    at: datetime
    on_hand: int


def sku_history(company: Company, sku: SKU, *, days: int = 90, warehouse_id: int | None = None) -> list[HistoryPoint]:
    """On hand over time from the ledger: the balance at the start of the window, then one point
    per on-hand movement, then now."""
    end = timezone.now()
    start = end - timedelta(days=days)
    moves = StockMovement.objects.filter(company=company, sku=sku).exclude(quantity=0)
    if warehouse_id:
        moves = moves.filter(warehouse_id=warehouse_id)
    balance = moves.filter(created_at__lt=start).aggregate(t=Sum("quantity"))["t"] or 0
    points = [HistoryPoint(start, balance)]
    for at, qty in moves.filter(created_at__gte=start).order_by("created_at", "id").values_list("created_at", "quantity"):
        balance += qty
        points.append(HistoryPoint(at, balance))
    points.append(HistoryPoint(end, balance))
    return points


# --- ledger --------------------------------------------------------------------------------------


def movements(company: Company, *, date_from=None, date_to=None, warehouse_id: int | None = None, kind: str = "",
              q: str = "", sku_id: int | None = None, reference: str = "") -> QuerySet[StockMovement]:
    qs = StockMovement.objects.filter(company=company).select_related("sku", "sku__product", "warehouse", "user")
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if kind in MovementKind.values:
        qs = qs.filter(kind=kind)
    if sku_id:
        qs = qs.filter(sku_id=sku_id)
    if q:
        qs = qs.filter(Q(sku__code__icontains=q) | Q(sku__barcode__icontains=q) | Q(sku__product__name__icontains=q))
    if reference:
        qs = qs.filter(Q(reference_id__icontains=reference) | Q(reason__icontains=reference))
    return qs.order_by("-created_at", "-id")


# --- inbound -------------------------------------------------------------------------------------


def inbounds(company: Company, *, status: str = "", warehouse_id: int | None = None, q: str = "",
             date_from=None, date_to=None) -> QuerySet[InboundOrder]:
    qs = InboundOrder.objects.filter(company=company).select_related("warehouse", "supplier", "created_by")
    if status == "open":
        qs = qs.filter(status__in=InboundOrder.OPEN_STATUSES)
    elif status in InboundOrder.Status.values:
        qs = qs.filter(status=status)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(supplier_name__icontains=q) | Q(supplier__name__icontains=q)
                       | Q(lines__sku__code__icontains=q)).distinct()
    if date_from:
        qs = qs.filter(expected_date__gte=date_from)
    if date_to:
        qs = qs.filter(expected_date__lte=date_to)
    return qs.annotate(
        total_quantity=Coalesce(Subquery(
            InboundLine.objects.filter(inbound=OuterRef("pk")).order_by().values("inbound")
            .annotate(t=Sum("quantity")).values("t"), output_field=IntegerField()), Value(0)),
        total_confirmed=Coalesce(Subquery(
            InboundLine.objects.filter(inbound=OuterRef("pk")).order_by().values("inbound")
            .annotate(t=Sum("confirmed_quantity")).values("t"), output_field=IntegerField()), Value(0)),
    )


def inbound_get(company: Company, pk: int) -> InboundOrder:
    return InboundOrder.objects.select_related("warehouse", "supplier", "created_by").get(company=company, pk=pk)


def inbound_lines(company: Company, inbound: InboundOrder) -> QuerySet[InboundLine]:
    return InboundLine.objects.filter(company=company, inbound=inbound).select_related("sku", "sku__product")


# --- counts --------------------------------------------------------------------------------------


def count_sheets(company: Company, *, status: str = "", warehouse_id: int | None = None) -> QuerySet[CountSheet]:
    qs = CountSheet.objects.filter(company=company).select_related("warehouse", "created_by")
    if status in CountSheet.Status.values:
        qs = qs.filter(status=status)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs


def count_sheet_get(company: Company, pk: int) -> CountSheet:
    return CountSheet.objects.select_related("warehouse", "created_by").get(company=company, pk=pk)


def count_lines(company: Company, sheet: CountSheet, *, q: str = "", only: str = "") -> QuerySet[CountLine]:
    qs = CountLine.objects.filter(company=company, sheet=sheet).select_related("sku", "sku__product").order_by("sku__code")
    if q:
        qs = qs.filter(Q(sku__code__icontains=q) | Q(sku__barcode__icontains=q) | Q(sku__product__name__icontains=q))
    if only == "counted":
        qs = qs.filter(counted_quantity__isnull=False)
    elif only == "uncounted":
        qs = qs.filter(counted_quantity__isnull=True)
    elif only == "diff":
        qs = qs.filter(counted_quantity__isnull=False).exclude(counted_quantity=F("system_quantity"))
    return qs


def companies_with_scheduled_counts() -> QuerySet[Company]:
    """System read for the :10 run: companies with count sheets waiting to be applied."""
    return Company.objects.filter(pk__in=CountSheet.objects.filter(status=CountSheet.Status.SCHEDULED).values("company_id"))


def companies_with_stock() -> QuerySet[Company]:
    """System read for the hourly reconciliation."""
    return Company.objects.filter(pk__in=StockLevel.objects.values("company_id"))


# --- transfers -----------------------------------------------------------------------------------


def transfers(company: Company, *, warehouse_id: int | None = None, q: str = "", date_from=None,
              date_to=None) -> QuerySet[StockTransfer]:
    qs = StockTransfer.objects.filter(company=company).select_related("from_warehouse", "to_warehouse", "created_by")
    if warehouse_id:
        qs = qs.filter(Q(from_warehouse_id=warehouse_id) | Q(to_warehouse_id=warehouse_id))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(memo__icontains=q) | Q(lines__sku__code__icontains=q)).distinct()
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.annotate(total_quantity=Coalesce(Subquery(
        StockTransferLine.objects.filter(transfer=OuterRef("pk")).order_by().values("transfer")
        .annotate(t=Sum("quantity")).values("t"), output_field=IntegerField()), Value(0)))


def transfer_get(company: Company, pk: int) -> StockTransfer:
    return StockTransfer.objects.select_related("from_warehouse", "to_warehouse", "created_by").get(company=company, pk=pk)
