"""Expected settlement per order line (STL-1, STL-2), computed in bulk.

`expected_recompute(company, line_ids)` loads a batch of lines with one query per table (orders,
components → category, claims, paid settlement records, Naver's reported figures), computes each
line with `figures.line_figures`, and writes with one upsert per table. The lines of every order
touched are computed together (the order's shipping fee moves to its first line still settled).

`expected_refresh(company)` is the debounced incremental path the refresh job runs: the lines queued
by the orders hook and by rule changes, plus every line, claim and settlement record written since
the last refresh (with a few minutes of overlap), in batches.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.claims.models import Claim, ClaimStatus, ClaimType, FeePayer
from marketdock.core.models import Company
from marketdock.orders.models import ChannelStatus, Order, OrderLine, OrderLineComponent

from ..models import (
    ExpectedSettlement,
    PayoutSchedule,
    RecomputeQueue,
    SalesDirtyDay,
    SettlementAdjustment,
    SettlementRecord,
    SettlementState,
)
from .commission import RuleBook, default_schedule
from .figures import ClaimInput, LineInput, line_figures
from .reported import reported_figures
from .schedule import Schedule, basis_date, kst_date, payout_date

BATCH = 2000
OVERLAP = timedelta(minutes=5)
ADJ_FIELDS = ["kind", "account", "order", "line", "claim", "quantity", "currency", "amount", "commission_reversed",
              "shipping_fee", "net", "booked_on"]
LINE_VALUES = ("id", "order_id", "account_id", "quantity", "cancelled_quantity", "unit_price", "discount_amount",
               "currency", "shipped_at", "channel_status")


@dataclass
class Context:
    """What one batch needs besides the lines themselves."""

    orders: dict[int, dict]
    carrier: dict[int, int]  # order id → the line that carries its shipping fee
    category: dict[int, int | None]
    claims: dict[int, list[ClaimInput]]
    paid: dict[int, object]  # line id → pay date of its paid sale record
    reported: dict[int, object]
    schedules: dict[int, Schedule]
    kinds: dict[int, str]


def _schedules(company: Company) -> dict[int, Schedule]:
    return {s.account_id: Schedule(s.kind, s.days, s.weekday, s.auto_confirm_days)
            for s in PayoutSchedule.objects.filter(company=company)}


def _claims(company: Company, line_ids: list[int]) -> dict[int, list[ClaimInput]]:
    done = Q(type=ClaimType.CANCEL, status__in=[ClaimStatus.APPROVED, ClaimStatus.COMPLETED]) | Q(
        type=ClaimType.RETURN, status=ClaimStatus.COMPLETED)
    out: dict[int, list[ClaimInput]] = defaultdict(list)
    rows = (Claim.objects.filter(company=company, line_id__in=line_ids).filter(done)
            .values_list("id", "line_id", "type", "quantity", "refund_amount", "return_shipping_fee",
                         "return_fee_payer", "completed_at", "decided_at", "requested_at"))
    for pk, line_id, kind, qty, refund, fee, payer, completed, decided, requested in rows:
        day = kst_date(completed or decided or requested)
        out[line_id].append(ClaimInput(id=pk, kind=kind, quantity=qty, day=day, refund_amount=refund,
                                       buyer_return_fee=fee if payer == FeePayer.BUYER else 0))
    return out


def _context(company: Company, lines: list[dict], kinds: dict[int, str], schedules) -> Context:
    ids = [ln["id"] for ln in lines]
    order_ids = {ln["order_id"] for ln in lines}
    orders = {o["id"]: o for o in Order.objects.filter(pk__in=order_ids).values(
        "id", "ordered_at", "paid_at", "shipping_fee", "currency")}
    carrier = {}
    for ln in sorted(lines, key=lambda x: x["id"]):
        active = ln["channel_status"] != ChannelStatus.CANCELLED and ln["cancelled_quantity"] < ln["quantity"]
        if active and ln["order_id"] not in carrier:
            carrier[ln["order_id"]] = ln["id"]
    category: dict[int, int | None] = {}
    for line_id, cat in (OrderLineComponent.objects.filter(line_id__in=ids).order_by("-id")
                         .values_list("line_id", "sku__product__category_id")):
        category[line_id] = cat  # the first component wins (ordered by -id)
    paid = dict(SettlementRecord.objects.filter(company=company, line_id__in=ids, paid=True)
                .values("line_id").annotate(day=Min("pay_date")).values_list("line_id", "day"))
    naver = [ln["id"] for ln in lines if kinds.get(ln["account_id"]) == ChannelKind.NAVER]
    reported = {}
    if naver:
        for line_id, raw in OrderLine.objects.filter(pk__in=naver).values_list("id", "raw"):
            found = reported_figures(ChannelKind.NAVER, raw)
            if found is not None:
                reported[line_id] = found
    return Context(orders=orders, carrier=carrier, category=category, claims=_claims(company, ids), paid=paid,
                   reported=reported, schedules=schedules, kinds=kinds)


def _line_input(ln: dict, ctx: Context, book: RuleBook) -> tuple[LineInput, dict]:
    order = ctx.orders[ln["order_id"]]
    ordered = kst_date(order["ordered_at"])
    schedule = ctx.schedules.get(ln["account_id"]) or Schedule(*default_schedule(ctx.kinds.get(ln["account_id"], ""))[:4])
    confirmed = ctx.reported[ln["id"]].confirmed if ln["id"] in ctx.reported else None
    basis, estimated = basis_date(schedule, ordered=ordered, paid=kst_date(order["paid_at"]),
                                  shipped=kst_date(ln["shipped_at"]), confirmed=confirmed)
    due = payout_date(schedule, basis)
    paid_day = ctx.paid.get(ln["id"])
    rates = book.rule_for(ln["account_id"], ctx.category.get(ln["id"]), ordered)
    carries = ctx.carrier.get(ln["order_id"]) == ln["id"]
    li = LineInput(
        quantity=ln["quantity"], unit_price=ln["unit_price"], discount_amount=ln["discount_amount"],
        channel_cancelled=ln["quantity"] if ln["channel_status"] == ChannelStatus.CANCELLED else ln["cancelled_quantity"],
        marketplace_discount=0, shipping_fee=order["shipping_fee"] if carries else 0, carries_order_fee=carries,
        currency=ln["currency"], rates=rates, payout_date=paid_day or due, paid=paid_day is not None,
        estimated=estimated and paid_day is None,
        returned_without_claim=ln["channel_status"] == ChannelStatus.RETURNED,
        claims=ctx.claims.get(ln["id"], []),
        reported=ctx.reported[ln["id"]].figures if ln["id"] in ctx.reported else None)
    meta = {"order_date": ordered, "basis_date": basis, "payout_date": paid_day or due, "due_date": due,
            "rule_id": rates.rule_id}
    return li, meta


def _expand_orders(company: Company, line_ids: Iterable[int]) -> list[dict]:
    order_ids = OrderLine.objects.filter(company=company, pk__in=list(line_ids)).values("order_id")
    return list(OrderLine.objects.filter(company=company, order_id__in=order_ids).values(*LINE_VALUES))


def expected_recompute(company: Company, line_ids: Iterable[int], *, book: RuleBook | None = None,
                       kinds: dict[int, str] | None = None, schedules=None) -> int:
    """Recompute the lines (and their orders' other lines); returns how many rows were written."""
    lines = _expand_orders(company, line_ids)
    if not lines:
        return 0
    kinds = kinds if kinds is not None else dict(ChannelAccount.objects.filter(company=company).values_list("id", "kind"))
    book = book or RuleBook(company)
    ctx = _context(company, lines, kinds, schedules if schedules is not None else _schedules(company))
    now = timezone.now()
    rows, adjustments, days = [], [], set()
    for ln in lines:
        li, meta = _line_input(ln, ctx, book)
        values, adjs = line_figures(li)
        rows.append({"company_id": company.pk, "line_id": ln["id"], "order_id": ln["order_id"],
                     "account_id": ln["account_id"], "currency": ln["currency"], "basis_date": meta["basis_date"],
                     "payout_date": meta["payout_date"], "due_date": meta["due_date"], "payout_estimated": li.estimated, "rule_id": meta["rule_id"],
                     "order_date": meta["order_date"], "recomputed_at": now, **vars(values)})
        days.add(meta["order_date"])
        adjustments.extend(SettlementAdjustment(
            company=company, account_id=ln["account_id"], order_id=ln["order_id"], line_id=ln["id"],
            currency=ln["currency"], **vars(a)) for a in adjs)
    _write(company, rows, adjustments, days, [ln["id"] for ln in lines])
    return len(rows)


def _write(company, rows, adjustments, days, line_ids) -> None:
    with transaction.atomic():
        _upsert_expected(rows)
        keep = {a.key for a in adjustments}
        (SettlementAdjustment.objects.filter(company=company, line_id__in=line_ids, claim__isnull=False)
         .exclude(key__in=keep).delete())
        (SettlementAdjustment.objects.filter(company=company, line_id__in=line_ids, key__startswith="claim:",
                                             claim__isnull=True).delete())
        if adjustments:
            SettlementAdjustment.objects.bulk_create(adjustments, update_conflicts=True,
                                                     unique_fields=["company", "key"], update_fields=ADJ_FIELDS)
        SalesDirtyDay.objects.bulk_create([SalesDirtyDay(company=company, day=d) for d in days if d],
                                          ignore_conflicts=True)


def _upsert_expected(rows: list[dict]) -> None:
    """INSERT … ON CONFLICT (line) DO UPDATE through executemany (one prepared statement, pipelined on
    PostgreSQL): the ORM's bulk_create builds a model instance per row, which dominated the
    recomputation, and one huge multi-row statement costs psycopg more to parse than to run."""
    if not rows:
        return
    ops = connection.ops
    columns = list(rows[0])
    table = ExpectedSettlement._meta.db_table
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("company_id", "line_id"))
    dates = {"basis_date", "payout_date", "due_date", "order_date"}

    def prepared(row: dict) -> tuple:
        values = []
        for c in columns:
            value = row[c]
            if c in dates:
                value = ops.adapt_datefield_value(value)
            elif c == "recomputed_at":
                value = ops.adapt_datetimefield_value(value)
            elif isinstance(value, str):
                value = str(value)  # a TextChoices member as its plain value
            values.append(value)
        return tuple(values)

    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "  # noqa: S608 - names only
                           f"ON CONFLICT (line_id) DO UPDATE SET {updates}", [prepared(r) for r in rows])


@dataclass
class RefreshResult:
    lines: int = 0
    seconds: float = 0.0


def _changed_line_ids(company: Company, since) -> set[int]:
    ids = set(RecomputeQueue.objects.filter(company=company).values_list("line_id", flat=True))
    if since is None:
        return ids | set(OrderLine.objects.filter(company=company).values_list("id", flat=True))
    ids |= set(OrderLine.objects.filter(company=company, updated_at__gte=since).values_list("id", flat=True))
    ids |= set(Claim.objects.filter(company=company, updated_at__gte=since, line__isnull=False)
               .values_list("line_id", flat=True))
    ids |= set(SettlementRecord.objects.filter(company=company, updated_at__gte=since, line__isnull=False)
               .values_list("line_id", flat=True))
    return ids


def expected_refresh(company: Company) -> RefreshResult:
    began = time.monotonic()
    started = timezone.now()
    state, _created = SettlementState.objects.get_or_create(company=company)
    since = state.expected_as_of - OVERLAP if state.expected_as_of else None
    ids = sorted(_changed_line_ids(company, since))
    kinds = dict(ChannelAccount.objects.filter(company=company).values_list("id", "kind"))
    book, schedules = RuleBook(company), _schedules(company)
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        done += expected_recompute(company, chunk, book=book, kinds=kinds, schedules=schedules)
        RecomputeQueue.objects.filter(company=company, line_id__in=chunk, queued_at__lte=started).delete()
    SettlementState.objects.filter(pk=state.pk).update(expected_as_of=started, refreshed_at=timezone.now())
    return RefreshResult(lines=done, seconds=round(time.monotonic() - began, 3))
