"""Settlement reads, always company-scoped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet, Sum

from marketdock.catalog.models import SKU
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company
from marketdock.core.rates import MoneyTotal
from marketdock.core.selectors import krw_converter
from marketdock.inventory.models import Warehouse
from marketdock.orders.models import Order

from .models import (
    CommissionRule,
    DailySales,
    ExpectedSettlement,
    PayoutSchedule,
    SettlementAdjustment,
    SettlementRun,
    SettlementState,
    StoreSale,
)


def companies_to_refresh() -> QuerySet[Company]:
    return Company.objects.filter(
        Q(pk__in=ChannelAccount.objects.values("company_id")) | Q(pk__in=StoreSale.objects.values("company_id")))


def accounts_never_imported(company: Company, *, since) -> list[ChannelAccount]:
    """Active accounts of the company that collected orders but never imported settlement successfully,
    with no import attempt after `since` (a failing account is retried now and then, not every run)."""
    runs = SettlementRun.objects.filter(company=company, what=SettlementRun.What.IMPORT)
    return list(ChannelAccount.objects.filter(company=company, is_active=True)
                .filter(pk__in=Order.objects.filter(company=company).values("account_id"))
                .exclude(pk__in=runs.filter(status__in=[SettlementRun.Status.DONE, SettlementRun.Status.PARTIAL],
                                            seen__gt=0).values("account_id"))
                .exclude(pk__in=runs.filter(started_at__gte=since).values("account_id"))
                .order_by("pk"))


def state(company: Company) -> SettlementState | None:
    return SettlementState.objects.filter(company=company).first()


# --- commission rules ----------------------------------------------------------------------------------


def commission_rules(company: Company) -> QuerySet[CommissionRule]:
    return (CommissionRule.objects.filter(company=company).select_related("account", "category", "updated_by")
            .order_by("account__name", "account_id", "category__name", "-valid_from", "pk"))


def commission_rule_get(company: Company, pk) -> CommissionRule:
    return CommissionRule.objects.select_related("account", "category").get(company=company, pk=pk)


def payout_schedules(company: Company) -> dict[int, PayoutSchedule]:
    return {s.account_id: s for s in PayoutSchedule.objects.filter(company=company)}


def accounts(company: Company) -> list[ChannelAccount]:
    return list(ChannelAccount.objects.filter(company=company).order_by("name", "pk"))


def account_get(company: Company, pk) -> ChannelAccount:
    return ChannelAccount.objects.get(company=company, pk=pk)


# --- expected settlement -------------------------------------------------------------------------------


def expected_list(company: Company, *, account: int | None = None, state: str = "", source: str = "",
                  start: date | None = None, end: date | None = None, q: str = "") -> QuerySet[ExpectedSettlement]:
    qs = (ExpectedSettlement.objects.filter(company=company)
          .select_related("line", "order", "account", "rule").order_by("-order_date", "-line_id"))
    if account:
        qs = qs.filter(account_id=account)
    if state:
        qs = qs.filter(state=state)
    if source:
        qs = qs.filter(source=source)
    if start:
        qs = qs.filter(payout_date__gte=start)
    if end:
        qs = qs.filter(payout_date__lte=end)
    if q:
        qs = qs.filter(Q(order__channel_order_id__icontains=q) | Q(line__channel_line_id__icontains=q)
                       | Q(line__product_name__icontains=q))
    return qs


def expected_get(company: Company, pk) -> ExpectedSettlement:
    return ExpectedSettlement.objects.select_related("line", "order", "account", "rule", "rule__category").get(
        company=company, pk=pk)


def adjustments_for_line(company: Company, line_id: int) -> QuerySet[SettlementAdjustment]:
    return SettlementAdjustment.objects.filter(company=company, line_id=line_id).select_related("claim").order_by(
        "booked_on", "pk")


@dataclass
class PayoutTotal:
    """Expected payout of a set of lines in won (foreign currencies converted with the dated rate)."""

    payout: MoneyTotal = field(default_factory=MoneyTotal)
    commission: MoneyTotal = field(default_factory=MoneyTotal)
    lines: int = 0


def expected_totals(company: Company, qs: QuerySet[ExpectedSettlement]) -> PayoutTotal:
    """Totals grouped by (currency, order date) in SQL, converted in Python with core/rates."""
    converter = krw_converter(company)
    total = PayoutTotal()
    for row in (qs.order_by().values("currency", "order_date")
                .annotate(p=Sum("expected_payout"), c=Sum("sale_commission"), pc=Sum("payment_commission"),
                          sc=Sum("shipping_commission"), f=Sum("fixed_fee"))):
        day = row["order_date"] or date.today()
        total.payout.add(converter, row["p"] or 0, row["currency"], day)
        total.commission.add(converter, (row["c"] or 0) + (row["pc"] or 0) + (row["sc"] or 0) + (row["f"] or 0),
                             row["currency"], day)
    total.lines = qs.count()
    return total


# --- store sales ---------------------------------------------------------------------------------------


def stores(company: Company) -> list[Warehouse]:
    return list(Warehouse.objects.filter(company=company, kind=Warehouse.Kind.STORE, is_active=True)
                .order_by("code"))


def store_get(company: Company, pk) -> Warehouse:
    return Warehouse.objects.get(company=company, kind=Warehouse.Kind.STORE, pk=pk)


def store_sales(company: Company, *, store: int | None = None, start: date | None = None,
                end: date | None = None) -> QuerySet[StoreSale]:
    qs = StoreSale.objects.filter(company=company).select_related("warehouse", "created_by")
    if store:
        qs = qs.filter(warehouse_id=store)
    if start:
        qs = qs.filter(sold_on__gte=start)
    if end:
        qs = qs.filter(sold_on__lte=end)
    return qs.order_by("-sold_on", "-pk")


def store_sale_get(company: Company, pk) -> StoreSale:
    return StoreSale.objects.select_related("warehouse", "created_by").get(company=company, pk=pk)


def sku_lookup(company: Company, term: str, limit: int = 20) -> list[SKU]:
    """By exact barcode or code first, then code/name containing the term."""
    term = term.strip()
    if not term:
        return []
    exact = list(SKU.objects.filter(company=company).filter(Q(barcode=term) | Q(code=term))
                 .select_related("product")[:limit])
    if exact:
        return exact
    return list(SKU.objects.filter(company=company, is_set=False)
                .filter(Q(code__icontains=term) | Q(product__name__icontains=term) | Q(barcode__icontains=term))
                .select_related("product").order_by("code")[:limit])


# --- sales figures -------------------------------------------------------------------------------------

FIGURES = ("orders", "quantity", "revenue", "discounts", "refunds", "commission", "expected", "actual")


@dataclass
class SalesFilter:
    start: date
    end: date
    unit: str = "day"  # day | month
    group: str = "channel"  # channel | product
    accounts: list[int] = field(default_factory=list)
    stores: list[int] = field(default_factory=list)


def sales_rows(company: Company, f: SalesFilter) -> list[dict]:
    """Rows of (bucket, channel key, sku) with figures converted to won by the bucket's rate; a row
    of a currency without a rate keeps `unconverted=True` and its minor units out of the won totals."""
    qs = DailySales.objects.filter(company=company, day__gte=f.start, day__lte=f.end)
    if f.accounts or f.stores:
        qs = qs.filter(Q(account_id__in=f.accounts) | Q(store_id__in=f.stores))
    keys = ["day", "account_id", "store_id", "currency"] + (["sku_id"] if f.group == "product" else [])
    converter = krw_converter(company)
    out: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, 0) | {"unconverted": False})
    for row in qs.values(*keys).annotate(**{k: Sum(k) for k in FIGURES}):
        bucket = row["day"].replace(day=1) if f.unit == "month" else row["day"]
        channel = ("a", row["account_id"]) if row["account_id"] else ("s", row["store_id"])
        key = (bucket, channel, row.get("sku_id"))
        target = out[key]
        for name in FIGURES:
            value = row[name] or 0
            if name in ("orders", "quantity"):
                target[name] += value
                continue
            won = converter.to_krw(value, row["currency"], row["day"])
            if won is None:
                target["unconverted"] = True
            else:
                target[name] += won
    return [{"bucket": k[0], "channel": k[1], "sku_id": k[2], **v} for k, v in sorted(
        out.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0))]


def sku_names(company: Company, ids) -> dict[int, str]:
    return {pk: f"{code} {name}".strip() for pk, code, name in SKU.objects.filter(
        company=company, pk__in=[i for i in ids if i]).values_list("pk", "code", "product__name")}


def store_names(company: Company) -> dict[int, str]:
    return dict(Warehouse.objects.filter(company=company, kind=Warehouse.Kind.STORE).values_list("pk", "name"))
