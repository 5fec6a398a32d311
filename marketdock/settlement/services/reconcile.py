"""Line-level reconciliation (STL-3): what each order line should pay (`ExpectedSettlement` plus its
`SettlementAdjustment`s) against what the marketplace settled (`SettlementRecord`), per settlement key
of an account (see `imports`: the line for Naver, order + item for Coupang, the order for Shopify).

Set-based: both sides are read in two grouped queries, compared in memory, and the outcomes written
with one bulk upsert per table — no query per line. Outcomes (`ReconStatus`):

- matched: paid (or scheduled) = expected;
- amount differs: the difference split into commission / discount / shipping / other;
- paid but unknown to us: rows under a key none of our lines has;
- expected but not paid after its due date (before it: not due yet).

Each difference becomes a 정산 오류 (`SettlementIssue`, keyed account + line key + kind so re-running
changes nothing); a difference that went away resolves its open issue; an issue the user accepted or
sent to the marketplace keeps its state. A payment later than the due date is an issue of its own
(`late`), also when the amount matches."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, Max, Q, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from marketdock.channels.models import ChannelAccount

from ..models import (
    ExpectedSettlement,
    ExpectedState,
    IssueKind,
    IssueState,
    Reconciliation,
    ReconStatus,
    SettlementAdjustment,
    SettlementIssue,
    SettlementIssueEvent,
    SettlementRecord,
    SettlementRun,
)
from .expected import expected_refresh
from .imports import key_functions, run_finish, run_start, settlement_file_import, settlement_import


@dataclass
class _Side:
    currency: str = "KRW"
    total: int = 0
    commission: int = 0
    discount: int = 0  # marketplace-funded discount − seller discount
    shipping: int = 0
    other_fee: int = 0
    line_id: int | None = None
    due: date | None = None
    paid_date: date | None = None
    all_paid: bool = True
    order_id: str = ""
    lines: list[int] = field(default_factory=list)


def _side(sides: dict[str, _Side], key: str, currency: str, line_id: int, order_id: str) -> _Side:
    side = sides.get(key)
    if side is None:
        side = sides[key] = _Side(currency=currency, line_id=line_id, order_id=order_id)
    return side


def _expected(account: ChannelAccount) -> dict[str, _Side]:
    adjustments = {row["line_id"]: row for row in SettlementAdjustment.objects.filter(
        company_id=account.company_id, account=account, line__isnull=False).values("line_id").annotate(
        net=Sum("net"), reversed=Sum("commission_reversed"), shipping=Sum("shipping_fee"))}
    sides: dict[str, _Side] = {}
    line_key, shipping_key = key_functions(account.kind)
    rows = ExpectedSettlement.objects.filter(company_id=account.company_id, account=account).values_list(
        "line_id", "order__channel_order_id", "line__channel_line_id", "currency", "expected_payout",
        "sale_commission", "payment_commission", "shipping_commission", "fixed_fee", "seller_discount",
        "marketplace_discount", "shipping_fee", Coalesce("due_date", "payout_date"), "state")
    for (line_id, order_id, channel_line, currency, payout, sale_c, pay_c, ship_c, fixed, seller_d, market_d, ship,
         due, state) in rows.iterator(chunk_size=5000):
        adj = adjustments.get(line_id) or {}
        line_side = _side(sides, line_key(order_id, channel_line), currency, line_id, order_id)
        ship_total = ship + (adj.get("shipping") or 0)
        ship_key = shipping_key(order_id) if ship_total or ship_c else ""
        ship_side = _side(sides, ship_key, currency, line_id, order_id) if ship_key else line_side
        # the shipping fee and its commission go where the marketplace settles them (per order for some)
        line_side.total += payout + (adj.get("net") or 0) - (ship_total - ship_c)
        ship_side.total += ship_total - ship_c
        line_side.commission += sale_c + pay_c + fixed - (adj.get("reversed") or 0)
        ship_side.commission += ship_c
        line_side.discount += market_d - seller_d
        ship_side.shipping += ship_total
        line_side.lines.append(line_id)
        if state != ExpectedState.CANCELLED and due:
            for side in {id(line_side): line_side, id(ship_side): ship_side}.values():
                side.due = max(side.due, due) if side.due else due
    return sides


def _total(expression) -> Cast:
    """A column's SUM as a 64-bit integer (PostgreSQL sums bigint into numeric: a Decimal per value)."""
    return Cast(Sum(expression), BigIntegerField())


def _paid(account: ChannelAccount) -> dict[str, _Side]:
    rows = SettlementRecord.objects.filter(company_id=account.company_id, account=account).values_list(
        "order_line_id").annotate(
        currency=Max("currency"), total=_total("payout_amount"),
        commission=_total(F("sale_commission") + F("payment_commission") + F("shipping_commission")),
        discount=_total(F("marketplace_discount") - F("seller_discount")), shipping=_total("shipping_fee"),
        other=_total("other_fee"), paid_date=Max("pay_date"), unpaid=Count("id", filter=Q(paid=False)),
        line=Max("line_id"), order=Max("order_id"))
    sides: dict[str, _Side] = {}
    for key, currency, total, commission, discount, shipping, other, paid_date, unpaid, line, order in rows.iterator(
            chunk_size=5000):
        sides[key] = _Side(currency=currency or "KRW", total=total, commission=commission, discount=discount,
                           shipping=shipping, other_fee=other, line_id=line, paid_date=paid_date, all_paid=not unpaid,
                           order_id=order or "")
    return sides


@dataclass(frozen=True)
class Finding:
    kind: str
    code: str  # a key of models.ISSUE_TEXTS, worded when shown
    params: dict


@dataclass
class _Outcome:
    """One key's Reconciliation row before it is written (plain values: written in bulk by SQL)."""

    line_key: str
    line_id: int | None
    currency: str
    expected_amount: int
    paid_amount: int
    due_date: date | None
    paid_date: date | None
    status: str = ReconStatus.MATCHED
    difference: int = 0
    diff_commission: int = 0
    diff_discount: int = 0
    diff_shipping: int = 0
    diff_other: int = 0


WRITE_BATCH = 500  # rows per multi-row VALUES statement (17 parameters each: within SQLite's limit)
JSON_BATCH = 20_000  # rows per PostgreSQL statement (one JSON parameter whatever the row count)
_RECON_COLUMNS = ("line_id", "line_key", "status", "currency", "expected_amount", "paid_amount", "difference",
                  "diff_commission", "diff_discount", "diff_shipping", "diff_other", "due_date", "paid_date")
_WRITE_COLUMNS = ("company_id", "account_id", "run_id", *_RECON_COLUMNS, "reconciled_at")


def _recon_write(account: ChannelAccount, run: SettlementRun, outcomes: list[_Outcome]) -> None:
    """Upsert the outcomes that changed on (company, account, line_key) — no model instances; a row
    whose outcome is the same as last time is left alone (the daily re-run touches only what moved)."""
    previous = {row[1]: row for row in Reconciliation.objects.filter(
        company_id=account.company_id, account=account).values_list(*_RECON_COLUMNS).iterator(chunk_size=5000)}
    now = timezone.now()
    rows = []
    for o in outcomes:
        values = (o.line_id, o.line_key, str(o.status), o.currency, o.expected_amount, o.paid_amount, o.difference,
                  o.diff_commission, o.diff_discount, o.diff_shipping, o.diff_other, o.due_date, o.paid_date)
        if previous.get(o.line_key) != values:
            rows.append((account.company_id, account.id, run.id, *values, now))
    if rows:
        (_upsert_json if connection.vendor == "postgresql" else _upsert_values)(rows)


def _upsert_tail() -> str:
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in _WRITE_COLUMNS[2:])
    return f"ON CONFLICT (company_id, account_id, line_key) DO UPDATE SET {updates}"


def _upsert_json(rows: list[tuple]) -> None:
    """PostgreSQL: one statement per JSON_BATCH rows, the outcome columns sent as one JSON array of rows
    (serialised in C, taken apart server-side) and the run's own columns (company, account, run, time)
    once — a VALUES list of thousands of placeholders, or an array per column, costs more to bind
    client-side than the insert takes."""
    quote = connection.ops.quote_name
    meta = Reconciliation._meta
    casts = ", ".join(f"(e->>{i})::{meta.get_field(c).db_type(connection)}" for i, c in enumerate(_RECON_COLUMNS))
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in _WRITE_COLUMNS)}) "
           f"SELECT %s, %s, %s, {casts}, %s FROM json_array_elements(%s::json) AS e {_upsert_tail()}")
    own = [*rows[0][:3], rows[0][-1]]  # a row: (company, account, run, *outcome, time); all but the outcome shared
    with connection.cursor() as cursor:
        for start in range(0, len(rows), JSON_BATCH):
            data = json.dumps([row[3:-1] for row in rows[start:start + JSON_BATCH]], default=date.isoformat,
                              separators=(",", ":"), ensure_ascii=False)
            cursor.execute(sql, [*own, data])


def _upsert_values(rows: list[tuple]) -> None:
    """Other backends: multi-row VALUES statements, one round trip per WRITE_BATCH rows."""
    ops = connection.ops
    day = ops.adapt_datefield_value
    stamp = ops.adapt_datetimefield_value(rows[0][-1])  # one time for the whole run
    table = ops.quote_name(Reconciliation._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in _WRITE_COLUMNS)
    row_sql = f"({', '.join(['%s'] * len(_WRITE_COLUMNS))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start:start + WRITE_BATCH]
            params = []
            for row in batch:  # (…, due_date, paid_date, reconciled_at): dates as the backend stores them
                params.extend(row[:-3])
                params.extend((day(row[-3]), day(row[-2]), stamp))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([row_sql] * len(batch))} {_upsert_tail()}",
                           params)


def _compare(key: str, exp: _Side | None, paid: _Side | None, today: date) -> tuple[_Outcome, list[Finding]]:
    """One key's outcome and the issues it raises."""
    recon = _Outcome(line_key=key[:120], line_id=(exp or paid).line_id, currency=(exp or paid).currency,
                     expected_amount=exp.total if exp else 0, paid_amount=paid.total if paid else 0,
                     due_date=exp.due if exp else None, paid_date=paid.paid_date if paid else None)
    recon.difference = recon.paid_amount - recon.expected_amount

    findings: list[Finding] = []
    if exp is None:
        recon.status = ReconStatus.PAID_UNKNOWN
        findings.append(Finding(IssueKind.PAID_UNKNOWN, "paid_unknown", {"amount": recon.paid_amount}))
        return recon, findings
    if paid is None:
        if exp.total == 0:
            recon.status = ReconStatus.MATCHED  # cancelled before payout: nothing due, nothing paid
        elif exp.due and exp.due < today:
            recon.status = ReconStatus.EXPECTED_UNPAID
            findings.append(Finding(IssueKind.UNPAID, "unpaid", {"due": exp.due.isoformat(), "amount": exp.total}))
        else:
            recon.status = ReconStatus.NOT_DUE
        return recon, findings
    recon.diff_commission = exp.commission - paid.commission
    recon.diff_discount = paid.discount - exp.discount
    # a marketplace that charges goods and shipping together (Shopify) reports no shipping to compare
    recon.diff_shipping = paid.shipping - exp.shipping if paid.shipping else 0
    recon.diff_other = recon.difference - recon.diff_commission - recon.diff_discount - recon.diff_shipping
    if recon.difference == 0:
        recon.status = ReconStatus.MATCHED
    else:
        recon.status = ReconStatus.AMOUNT_DIFFERS
        findings.append(_difference(recon, paid))
    if paid.paid_date and exp.due and paid.paid_date > exp.due:  # paid, or scheduled by the marketplace, too late
        findings.append(Finding(IssueKind.LATE, "paid_late" if paid.all_paid else "scheduled_late",
                                {"due": exp.due.isoformat(), "paid": paid.paid_date.isoformat()}))
    return recon, findings


def _difference(recon: _Outcome, paid: _Side) -> Finding:
    parts = {IssueKind.COMMISSION: recon.diff_commission, IssueKind.DISCOUNT: recon.diff_discount,
             IssueKind.SHIPPING: recon.diff_shipping, IssueKind.OTHER: recon.diff_other}
    kind = max(parts, key=lambda k: abs(parts[k]))
    if kind == IssueKind.OTHER and paid.other_fee > 0 and recon.diff_other < 0:
        kind = IssueKind.EXTRA_FEE
    if kind == IssueKind.EXTRA_FEE:
        return Finding(kind, "extra_fee", {"fee": paid.other_fee})
    return Finding(kind, "differs", {"diff": recon.difference,
                                     "detail": [[str(k), v] for k, v in parts.items() if v]})


def settlement_reconcile(account: ChannelAccount, *, today: date | None = None, trigger: str = "schedule",
                         user=None) -> SettlementRun:
    """Reconcile every key of the account (idempotent: the same data gives the same rows and issues)."""
    today = today or timezone.localdate()
    run = run_start(account, SettlementRun.What.RECONCILE, trigger=trigger, user=user)
    expected, paid = _expected(account), _paid(account)
    recons: list[_Outcome] = []
    findings: dict[str, tuple[_Outcome, Finding]] = {}
    for key in expected.keys() | paid.keys():
        if not key:
            continue
        recon, found = _compare(key, expected.get(key), paid.get(key), today)
        recons.append(recon)
        for finding in found:
            findings[f"{account.id}:{recon.line_key}:{finding.kind}"[:200]] = (recon, finding)
    with transaction.atomic():
        _recon_write(account, run, recons)
        _issues_sync(account, findings, paid)
        run.seen = len(recons)
        run.matched = sum(1 for r in recons if r.status == ReconStatus.MATCHED)
        run.differences = len(findings)
        run.save(update_fields=["seen", "matched", "differences"])
    return run_finish(run)


def settlement_file_upload(account: ChannelAccount, data: bytes, *, file_name: str,
                           user=None) -> tuple[SettlementRun, SettlementRun]:
    """An uploaded settlement file: its rows stored (the FILE run), then the account reconciled against
    them (the RECONCILE run); UploadRejected when the file is unreadable (nothing stored)."""
    stored = settlement_file_import(account, data, file_name=file_name, user=user)
    expected_refresh(account.company)
    return stored, settlement_reconcile(account, trigger="manual", user=user)


def settlement_import_reconcile(account: ChannelAccount, start: date, end: date, *, trigger: str = "manual",
                                user=None, connector=None, today: date | None = None
                                ) -> tuple[SettlementRun, SettlementRun]:
    """정산 가져오기: the marketplace's rows of the period stored (the IMPORT run), the expected rows of the
    lines they paid brought to the marketplace's pay day and state, then the account reconciled."""
    stored = settlement_import(account, start, end, trigger=trigger, user=user, connector=connector)
    expected_refresh(account.company)
    return stored, settlement_reconcile(account, trigger=trigger, user=user, today=today)


_ISSUE_FIELDS = ("reconciliation_id", "line_id", "kind", "currency", "expected_amount", "paid_amount", "difference",
                 "reason_code", "reason_params", "due_date")
LOOKUP_BATCH = 2000  # keys per IN (…) lookup


def _issues_sync(account: ChannelAccount, findings: dict[str, tuple[_Outcome, Finding]],
                 paid: dict[str, _Side]) -> None:
    """Issues of the account as plain tuples (key → id, state, compared values): a model instance is
    built only for an issue that changes."""
    now = timezone.now()
    existing = {key: (pk, state, values) for key, pk, state, *values in SettlementIssue.objects.filter(
        company_id=account.company_id, account=account).values_list("key", "id", "state", *_ISSUE_FIELDS).iterator(
        chunk_size=5000)}
    line_keys = list({recon.line_key for recon, _finding in findings.values()})
    recon_ids = {}
    for start in range(0, len(line_keys), LOOKUP_BATCH):
        recon_ids.update(Reconciliation.objects.filter(
            company_id=account.company_id, account=account,
            line_key__in=line_keys[start:start + LOOKUP_BATCH]).values_list("line_key", "id"))
    new, changed, events = [], [], []
    for key, (recon, finding) in findings.items():
        values = (recon_ids.get(recon.line_key), recon.line_id, finding.kind, recon.currency, recon.expected_amount,
                  recon.paid_amount, recon.difference, finding.code, finding.params, recon.due_date)
        if key not in existing:
            side = paid.get(recon.line_key)
            new.append(SettlementIssue(company_id=account.company_id, account=account, key=key,
                                       channel_order_id=(side.order_id if side else "")[:100],
                                       channel_line_id=recon.line_key, created_at=now, updated_at=now,
                                       **dict(zip(_ISSUE_FIELDS, values, strict=True))))
            continue
        pk, state, old = existing[key]
        if state == IssueState.RESOLVED:
            events.append(SettlementIssueEvent(company_id=account.company_id, issue_id=pk, old_state=state,
                                               new_state=IssueState.OPEN, code="found_again", at=now))
            state = IssueState.OPEN
        elif tuple(old) == values:
            continue
        changed.append(SettlementIssue(pk=pk, state=state, updated_at=now, **dict(zip(_ISSUE_FIELDS, values, strict=True))))
    gone = [pk for key, (pk, state, _old) in existing.items() if key not in findings and state == IssueState.OPEN]
    events.extend(SettlementIssueEvent(company_id=account.company_id, issue_id=pk, old_state=IssueState.OPEN,
                                       new_state=IssueState.RESOLVED, code="gone", at=now) for pk in gone)
    for start in range(0, len(gone), LOOKUP_BATCH):
        SettlementIssue.objects.filter(company_id=account.company_id, pk__in=gone[start:start + LOOKUP_BATCH]).update(
            state=IssueState.RESOLVED, updated_at=now)
    created = SettlementIssue.objects.bulk_create(new, batch_size=2000)
    SettlementIssue.objects.bulk_update(changed, ["reconciliation", "line", "kind", "currency", "expected_amount",
                                                  "paid_amount", "difference", "reason_code", "reason_params",
                                                  "due_date", "state",
                                                  "updated_at"], batch_size=2000)
    if created and created[0].pk is None:  # backends that do not return ids: read them back
        by_key = dict(SettlementIssue.objects.filter(company_id=account.company_id, account=account,
                                                     key__in=[i.key for i in created]).values_list("key", "id"))
        for issue in created:
            issue.pk = issue.id = by_key[issue.key]
    events.extend(SettlementIssueEvent(company_id=account.company_id, issue=issue, new_state=IssueState.OPEN,
                                       code=issue.reason_code, params=issue.reason_params, at=now)
                  for issue in created)
    SettlementIssueEvent.objects.bulk_create(events, batch_size=2000)

