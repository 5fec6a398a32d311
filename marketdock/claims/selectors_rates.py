"""클레임 분석 (CS-5): claim rates per channel account and per product over a period.

Rate = order lines with a claim of the type ÷ order lines, both counted over the orders placed in the
period (KST dates, inclusive), so a month's rate does not move when last month's returns arrive
late. Withdrawn claims (철회) do not count. Products are the catalog products the lines were matched
to (a set line counts once for each product in it); lines not matched yet are grouped by the
marketplace's product name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import Product
from marketdock.channels.models import ChannelAccount
from marketdock.core.params import date_param, id_list
from marketdock.orders.models import OrderLine

from .models import Claim, ClaimStatus, ClaimType, ReasonClass

TYPES = tuple(ClaimType.values)
CLASSES = tuple(ReasonClass.values)
PRODUCT_LIMIT = 30
DEFAULT_DAYS = 30


@dataclass
class RateFilters:
    start: date
    end: date
    accounts: list[int] = field(default_factory=list)

    def query_items(self) -> list[tuple[str, str]]:
        items = [("from", self.start.isoformat()), ("to", self.end.isoformat())]
        return items + [("account", str(a)) for a in self.accounts]


def rate_filters_from(query, *, today: date | None = None) -> RateFilters:
    today = today or timezone.localdate()
    end = date_param(query.get("to"), today)
    start = date_param(query.get("from"), end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        start, end = end, start
    return RateFilters(start=start, end=end, accounts=id_list(query.getlist("account")))


@dataclass
class Row:
    key: object
    label: str
    lines: int = 0
    claims: dict = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    classes: dict = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))

    def rate(self, claim_type: str) -> float | None:
        return self.claims[claim_type] / self.lines if self.lines else None

    @property
    def total_claims(self) -> int:
        return sum(self.claims.values())

    @property
    def total_rate(self) -> float | None:
        return self.total_claims / self.lines if self.lines else None


def _lines(company, f: RateFilters):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(f.start, time.min), tz)
    end = timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min), tz)
    rows = OrderLine.objects.filter(company=company, order__ordered_at__gte=start, order__ordered_at__lt=end)
    if f.accounts:
        rows = rows.filter(account_id__in=f.accounts)
    return rows


def _claims(company, lines):
    return Claim.objects.filter(company=company, line__in=lines.values("pk")).exclude(status=ClaimStatus.WITHDRAWN)


def _fill(rows: dict, key_field: str, lines, claims, label) -> None:
    for r in lines.values(key_field).annotate(n=Count("pk", distinct=True)):
        key = r[key_field]
        rows.setdefault(key, Row(key, label(key))).lines += r["n"]
    for r in claims.values("line__" + key_field, "type").annotate(
            n=Count("line_id", distinct=True)):
        key = r["line__" + key_field]
        rows.setdefault(key, Row(key, label(key))).claims[r["type"]] += r["n"]
    for r in claims.values("line__" + key_field, "reason_class").annotate(n=Count("pk")):
        key = r["line__" + key_field]
        rows.setdefault(key, Row(key, label(key))).classes[r["reason_class"] or ReasonClass.OTHER] += r["n"]


def by_account(company, f: RateFilters) -> list[Row]:
    names = dict(ChannelAccount.objects.filter(company=company).values_list("pk", "name"))
    lines = _lines(company, f)
    rows: dict = {}
    _fill(rows, "account_id", lines, _claims(company, lines), lambda k: names.get(k, "-"))
    return sorted(rows.values(), key=lambda r: (r.label, str(r.key)))


def by_product(company, f: RateFilters, limit: int = PRODUCT_LIMIT) -> list[Row]:
    lines = _lines(company, f)
    matched = lines.filter(components__isnull=False)
    unmatched = lines.filter(components__isnull=True)
    rows: dict = {}
    _fill(rows, "components__sku__product_id", matched, _claims(company, matched), lambda k: "")
    loose: dict = {}
    _fill(loose, "product_name", unmatched, _claims(company, unmatched),
          lambda k: _("%(name)s (미매칭)") % {"name": k or "-"})
    products = {p.pk: f"{p.code} {p.name}" for p in Product.objects.filter(company=company, pk__in=list(rows))}
    for key, row in rows.items():
        row.label = products.get(key, "-")
    out = list(rows.values()) + [Row(("n", r.key), r.label, r.lines, r.claims, r.classes) for r in loose.values()]
    out.sort(key=lambda r: (-r.total_claims, -(r.total_rate or 0), r.label))
    return out[:limit]


def totals(rows: list[Row]) -> Row:
    total = Row("total", _("합계"))
    for r in rows:
        total.lines += r.lines
        for t in TYPES:
            total.claims[t] += r.claims[t]
        for c in CLASSES:
            total.classes[c] += r.classes[c]
    return total


def class_by_type(company, f: RateFilters) -> dict[str, dict[str, int]]:
    """{claim type: {reason class: claims}} over the period."""
    out = {t: dict.fromkeys(CLASSES, 0) for t in TYPES}
    claims = _claims(company, _lines(company, f))
    for r in claims.values("type", "reason_class").annotate(n=Count("pk")):
        out[r["type"]][r["reason_class"] or ReasonClass.OTHER] += r["n"]
    return out
