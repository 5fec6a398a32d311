"""Inventory state changes. Every change of stock goes through `_apply` and so through the ledger.

Concurrency (INV-5, anchors §2.4): each stock line is ONE conditional UPDATE on its StockLevel row,

    UPDATE stocklevel SET reserved = reserved + q WHERE sku = … AND warehouse = … AND on_hand - reserved >= q

with `RETURNING on_hand, reserved` on PostgreSQL and SQLite ≥ 3.35 (one statement per line: no row
returned means "not enough"; elsewhere the ORM's `.update()` row count says so and the level is read
back for the ledger's balances). There is no
read-modify-write, so concurrent workers cannot lose updates on PostgreSQL (the row lock taken by
the UPDATE serialises writers of one row, and the WHERE is re-checked on the latest version) nor on
SQLite (IMMEDIATE transactions serialise writers). Rows are touched in a fixed order, sorted by
(sku_id, warehouse_id), so two multi-line orders never wait on each other in opposite order
(no deadlocks). A whole call is one transaction: if any line is short, everything is rolled back
and `InsufficientStock` names every short SKU with its available quantity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.catalog.hooks import sku_availability_changed
from marketdock.catalog.models import SKU, SKUStatus
from marketdock.catalog.selectors import set_components
from marketdock.core import params, uploads
from marketdock.core.models import CommonCode, Company, User

from .hooks import stock_changed
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
from .selectors import sku_lookup

Reference = tuple[str, Any] | str | None

MAX_SET_DEPTH = 3


# --- errors and results ---------------------------------------------------------------------------


class StockError(Exception):
    """A stock operation was refused; `str(exc)` is a Korean message for the user."""


class StockInputError(StockError):
    """The request itself is wrong (unknown SKU, bad quantity, no default warehouse…)."""


@dataclass(frozen=True)
class Shortage:
    sku_id: int
    sku_code: str
    warehouse_id: int
    warehouse_name: str
    requested: int
    available: int
    what: str = "available"  # "available" (on hand − reserved) or "reserved" (for release/deduct)

    def __str__(self) -> str:
        if self.what == "reserved":
            return _("%(code)s (%(wh)s): 요청 %(req)s개, 예약 %(avail)s개") % {
                "code": self.sku_code, "wh": self.warehouse_name, "req": self.requested, "avail": self.available}
        return _("%(code)s (%(wh)s): 요청 %(req)s개, 가용 %(avail)s개") % {
            "code": self.sku_code, "wh": self.warehouse_name, "req": self.requested, "avail": self.available}


class InsufficientStock(StockError):
    """Some lines could not be applied; nothing was applied. `shortages` names each SKU."""

    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        reserved_only = all(s.what == "reserved" for s in self.shortages)
        head = _("예약 수량이 부족합니다") if reserved_only else _("재고가 부족합니다")
        super().__init__(f"{head}: " + "; ".join(str(s) for s in self.shortages))


@dataclass(frozen=True)
class StockLine:
    """One requested line: `warehouse_id=None` means the company's default warehouse."""

    sku_id: int
    warehouse_id: int | None
    quantity: int
    reference: Reference = None


@dataclass
class StockResult:
    movements: list[StockMovement] = field(default_factory=list)
    skipped_sku_ids: list[int] = field(default_factory=list)  # not stock-managed products


@dataclass
class _Op:
    sku_id: int
    warehouse_id: int
    kind: str
    on_hand: int
    reserved: int
    reason: str
    reference_type: str
    reference_id: str
    requested: int


def _as_line(line: StockLine | Sequence) -> StockLine:
    if isinstance(line, StockLine):
        return line
    values = list(line)
    if len(values) == 3:
        values.append(None)
    if len(values) != 4:
        raise StockInputError(_("재고 요청 형식이 잘못되었습니다: %(line)r") % {"line": line})
    return StockLine(*values)


def _split_reference(reference: Reference) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if isinstance(reference, tuple):
        kind, ident = reference
        return str(kind)[:40], "" if ident is None else str(ident)[:100]
    text = str(reference)
    if ":" in text:
        kind, ident = text.split(":", 1)
        return kind[:40], ident[:100]
    return "", text[:100]


# --- the engine ------------------------------------------------------------------------------------


def warehouse_default(company: Company) -> Warehouse | None:
    return Warehouse.objects.filter(company=company, is_default=True).first()


def _skus_for(company: Company, sku_ids: Iterable[int]) -> dict[int, SKU]:
    ids = set(sku_ids)
    skus = {s.pk: s for s in SKU.objects.filter(company=company, pk__in=ids).select_related("product")}
    missing = ids - skus.keys()
    if missing:
        raise StockInputError(_("SKU를 찾을 수 없습니다: %(ids)s") % {"ids": ", ".join(str(i) for i in sorted(missing))})
    return skus


def _is_managed(sku: SKU) -> bool:
    return bool(getattr(sku.product, "inventory_managed", True))


def _expand(company: Company, lines: Sequence[StockLine]) -> tuple[list[tuple[SKU, int | None, int, Reference, str]], list[int]]:
    """Replace set SKUs by their components × quantity and drop SKUs whose product is not
    stock-managed. Returns ([(sku, warehouse_id, qty, reference, note)], skipped sku ids)."""
    for line in lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity <= 0:
            raise StockInputError(_("수량은 1 이상의 정수여야 합니다: %(q)r") % {"q": line.quantity})
    skus = _skus_for(company, (line.sku_id for line in lines))
    out: list[tuple[SKU, int | None, int, Reference, str]] = []
    skipped: list[int] = []
    pending = [(skus[line.sku_id], line.warehouse_id, line.quantity, line.reference, "") for line in lines]
    for _depth in range(MAX_SET_DEPTH + 1):
        sets = [p for p in pending if p[0].is_set]
        for sku, wh, qty, ref, note in pending:
            if sku.is_set:
                continue
            if not _is_managed(sku):
                skipped.append(sku.pk)
                continue
            out.append((sku, wh, qty, ref, note))
        if not sets:
            return out, skipped
        components = set_components(company, {p[0].pk for p in sets})
        component_skus = _skus_for(company, {cid for comps in components.values() for cid, _q in comps})
        pending = []
        for sku, wh, qty, ref, note in sets:
            if not components.get(sku.pk):
                raise StockInputError(_("세트 SKU %(code)s에 구성품이 없습니다.") % {"code": sku.code})
            for component_id, per_set in components[sku.pk]:
                pending.append((component_skus[component_id], wh, qty * per_set, ref,
                                note or _("세트 %(code)s") % {"code": sku.code}))
    raise StockInputError(_("세트 구성이 너무 깊거나 순환합니다."))


def _warehouses_for(company: Company, ids: set[int | None]) -> tuple[dict[int, Warehouse], Warehouse | None]:
    wanted = {i for i in ids if i is not None}
    found = {w.pk: w for w in Warehouse.objects.filter(company=company, pk__in=wanted)}
    missing = wanted - found.keys()
    if missing:
        raise StockInputError(_("창고를 찾을 수 없습니다: %(ids)s") % {"ids": ", ".join(str(i) for i in sorted(missing))})
    default = None
    if None in ids:
        default = warehouse_default(company)
        if default is None:
            raise StockInputError(_("기본 창고가 없습니다. 창고관리에서 기본 창고를 지정하세요."))
        found[default.pk] = default
    return found, default


def _level_update_sql(connection, *, check_available: bool, check_reserved: bool) -> str | None:
    """The conditional UPDATE of one StockLevel row that also returns the row's new (on_hand, reserved),
    or None where the database cannot return rows from an UPDATE (then `_apply` reads them back).
    Same statement as the ORM's `.filter(...).update(...)`, with `RETURNING` added."""
    if connection.vendor not in _RETURNING_VENDORS or not connection.features.can_return_columns_from_insert:
        return None  # SQLite < 3.35, or a database whose UPDATE has no RETURNING
    key = (connection.vendor, check_available, check_reserved)
    sql = _LEVEL_SQL.get(key)
    if sql is None:
        meta, qn = StockLevel._meta, connection.ops.quote_name
        on_hand, reserved, updated_at, company_id, sku_id, warehouse_id = (
            qn(meta.get_field(name).column)
            for name in ("on_hand", "reserved", "updated_at", "company", "sku", "warehouse"))
        where = [f"{company_id} = %s", f"{sku_id} = %s", f"{warehouse_id} = %s"]
        if check_available:  # the available quantity (on hand − reserved) may not go below 0
            where.append(f"{on_hand} - {reserved} >= %s")
        if check_reserved:  # nor the reserved quantity
            where.append(f"{reserved} >= %s")
        sql = _LEVEL_SQL[key] = (
            f"UPDATE {qn(meta.db_table)} SET {on_hand} = {on_hand} + %s, {reserved} = {reserved} + %s, "
            f"{updated_at} = %s WHERE {' AND '.join(where)} RETURNING {on_hand}, {reserved}")
    return sql


_RETURNING_VENDORS = frozenset({"postgresql", "sqlite"})
_LEVEL_SQL: dict[tuple[str, bool, bool], str] = {}


def _level_change(company: Company, op: _Op, now, now_db) -> tuple[bool, tuple[int, int] | None]:
    """Apply one op to its level row with ONE conditional UPDATE … RETURNING where the database
    supports it (two statements otherwise). Returns (changed, (on_hand, reserved) after, or now if
    unchanged; None when the row does not exist)."""
    available_change = op.on_hand - op.reserved
    connection = connections[router.db_for_write(StockLevel)]
    sql = _level_update_sql(connection, check_available=available_change < 0, check_reserved=op.reserved < 0)
    if sql is not None:
        params = [op.on_hand, op.reserved, now_db, company.pk, op.sku_id, op.warehouse_id]
        if available_change < 0:
            params.append(-available_change)
        if op.reserved < 0:
            params.append(-op.reserved)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is not None:
            return True, (row[0], row[1])
        changed = False
    else:
        qs = StockLevel.objects.filter(company=company, sku_id=op.sku_id, warehouse_id=op.warehouse_id)
        if available_change < 0:
            qs = qs.filter(on_hand__gte=F("reserved") - available_change)
        if op.reserved < 0:
            qs = qs.filter(reserved__gte=-op.reserved)
        changed = bool(qs.update(on_hand=F("on_hand") + op.on_hand, reserved=F("reserved") + op.reserved,
                                 updated_at=now))
    level = (
        StockLevel.objects.filter(company=company, sku_id=op.sku_id, warehouse_id=op.warehouse_id)
        .values_list("on_hand", "reserved").first()
    )
    return changed, level


def _apply(company: Company, ops: list[_Op], *, user: User | None, skus: dict[int, SKU],
           warehouses: dict[int, Warehouse]) -> list[StockMovement]:
    """Apply ops with conditional UPDATEs in (sku, warehouse) order; all or nothing."""
    if not ops:
        return []
    ops = sorted(ops, key=lambda o: (o.sku_id, o.warehouse_id))
    now = timezone.now()
    now_db = StockLevel._meta.get_field("updated_at").get_db_prep_value(
        now, connections[router.db_for_write(StockLevel)])
    user = user if user and user.pk else None
    with transaction.atomic():
        # Rows that will receive stock must exist; INSERT … ON CONFLICT DO NOTHING is safe under concurrency.
        grow = sorted({(o.sku_id, o.warehouse_id) for o in ops if o.on_hand > 0})
        if grow:
            StockLevel.objects.bulk_create(
                [StockLevel(company=company, sku_id=s, warehouse_id=w) for s, w in grow], ignore_conflicts=True
            )
        shortages: list[Shortage] = []
        movements: list[StockMovement] = []
        for op in ops:
            changed, level = _level_change(company, op, now, now_db)
            if not changed:
                on_hand, reserved = level or (0, 0)
                short_of_reserved = op.reserved < 0 and reserved < -op.reserved
                shortages.append(Shortage(
                    sku_id=op.sku_id, sku_code=skus[op.sku_id].code, warehouse_id=op.warehouse_id,
                    warehouse_name=warehouses[op.warehouse_id].name, requested=op.requested,
                    available=reserved if short_of_reserved else on_hand - reserved,
                    what="reserved" if short_of_reserved else "available",
                ))
                continue
            if shortages:
                continue  # everything rolls back: no movement will be written
            movements.append(StockMovement(
                company=company, sku_id=op.sku_id, warehouse_id=op.warehouse_id, kind=op.kind, quantity=op.on_hand,
                reserved_change=op.reserved, on_hand_after=level[0], reserved_after=level[1], reason=op.reason[:200],
                reference_type=op.reference_type, reference_id=op.reference_id, user=user,
                created_at=now,
            ))
        if shortages:
            raise InsufficientStock(shortages)
        StockMovement.objects.bulk_create(movements)
        stock_changed(company, {m.sku_id for m in movements})  # listeners mark channel listings in this transaction
    return movements


# (on-hand sign, reserved sign) per kind of line service
_LINE_KINDS: dict[str, tuple[int, int]] = {
    MovementKind.RESERVE: (0, 1),
    MovementKind.RELEASE: (0, -1),
    MovementKind.SHIPMENT: (-1, -1),  # deduct: reserved stock leaves the warehouse
    MovementKind.INBOUND: (1, 0),
    MovementKind.RETURN: (1, 0),
}


def _line_ops(kind: str, *, company: Company, lines: Sequence[StockLine | Sequence], reason: str
              ) -> tuple[list[_Op], dict[int, SKU], dict[int, Warehouse], list[int]]:
    """Parse, expand (sets → components, unmanaged dropped) and resolve the warehouse of each line:
    (ops, skus, warehouses, skipped sku ids). Reads only; locks nothing."""
    parsed = [_as_line(line) for line in lines]
    if not parsed:
        return [], {}, {}, []
    expanded, skipped = _expand(company, parsed)
    warehouses, default = _warehouses_for(company, {wh for _s, wh, _q, _r, _n in expanded})
    sign_on_hand, sign_reserved = _LINE_KINDS[kind]
    ops = []
    for sku, wh, qty, ref, note in expanded:
        ref_type, ref_id = _split_reference(ref)
        ops.append(_Op(
            sku_id=sku.pk, warehouse_id=wh if wh is not None else default.pk, kind=kind,
            on_hand=sign_on_hand * qty, reserved=sign_reserved * qty,
            reason=" · ".join(x for x in (reason, note) if x), reference_type=ref_type, reference_id=ref_id,
            requested=qty,
        ))
    skus = {sku.pk: sku for sku, *_rest in expanded}
    return ops, skus, warehouses, skipped


def _line_service(kind: str, *, company: Company, lines: Sequence[StockLine | Sequence], user: User | None,
                  reason: str) -> StockResult:
    ops, skus, warehouses, skipped = _line_ops(kind, company=company, lines=lines, reason=reason)
    if not ops:
        return StockResult(skipped_sku_ids=sorted(set(skipped)))
    movements = _apply(company, ops, user=user, skus=skus, warehouses=warehouses)
    return StockResult(movements=movements, skipped_sku_ids=sorted(set(skipped)))


# --- one lock order (issue 11) ---------------------------------------------------------------------


def _lock_rows(company: Company, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """Lock the StockLevel rows `keys` [(sku_id, warehouse_id)] in THE global order, (sku_id,
    warehouse_id), with one SELECT … FOR UPDATE ORDER BY, and return {key: [on_hand, reserved]} of those
    that exist. Rows already locked by this transaction are taken again without waiting; on SQLite (no
    row locks) the IMMEDIATE transaction already serialises writers."""
    keys = set(keys)
    if not keys:
        return {}
    rows = (StockLevel.objects.select_for_update()
            .filter(company=company, sku_id__in={k[0] for k in keys}, warehouse_id__in={k[1] for k in keys})
            .order_by("sku_id", "warehouse_id").values_list("sku_id", "warehouse_id", "on_hand", "reserved"))
    return {(sku_id, wh_id): [on_hand, reserved] for sku_id, wh_id, on_hand, reserved in rows
            if (sku_id, wh_id) in keys}


def stock_lock(*, company: Company, lines: Sequence[StockLine | Sequence]) -> int:
    """Lock, up front and in one (sku, warehouse) order, every stock row a transaction is about to
    change through several stock calls (e.g. release some lines, then reserve others; reserve, then
    deduct). Call it inside that transaction before the first of them: the calls then only take rows
    this transaction already holds, so two such transactions can wait for each other but never
    deadlock. Sets count by their components; unknown SKUs and quantities are ignored here (the stock
    call itself refuses them). Returns the number of rows locked."""
    parsed = [_as_line(line) for line in lines]
    parsed = [StockLine(ln.sku_id, ln.warehouse_id, 1) for ln in parsed]
    if not parsed:
        return 0
    try:
        ops, _skus, _warehouses, _skipped = _line_ops(MovementKind.RESERVE, company=company, lines=parsed, reason="")
    except StockInputError:
        return 0
    return len(_lock_rows(company, {(op.sku_id, op.warehouse_id) for op in ops}))


def stock_reserve_each(*, company: Company, groups: Sequence[Sequence[StockLine | Sequence]],
                       user: User | None = None, reason: str = "") -> list[StockResult | StockError]:
    """Reserve several independent groups (e.g. the orders of a collection page), each all or nothing,
    first come first served in the given order, in ONE pass over the ledger: the rows of every group
    are locked together first in (sku, warehouse) order, each group is decided in memory against the
    locked levels, then every group that fits is written in one sorted pass. Returns, per group, its
    StockResult or the StockError that refused it (InsufficientStock naming the short SKUs with what
    was available when its turn came). One transaction; never re-enters the ledger per group, so two
    pages reserving overlapping SKUs while one is short cannot deadlock (issue 11)."""
    results: list[StockResult | StockError | None] = [None] * len(groups)
    plans: list[tuple[int, list[_Op], list[int]]] = []
    skus: dict[int, SKU] = {}
    warehouses: dict[int, Warehouse] = {}
    for index, group in enumerate(groups):
        try:
            ops, group_skus, group_warehouses, skipped = _line_ops(MovementKind.RESERVE, company=company,
                                                                   lines=group, reason=reason)
        except StockError as exc:
            results[index] = exc
            continue
        skus.update(group_skus)
        warehouses.update(group_warehouses)
        plans.append((index, ops, skipped))
    with transaction.atomic():
        levels = _lock_rows(company, {(op.sku_id, op.warehouse_id) for _i, ops, _s in plans for op in ops})
        chosen: list[tuple[int, _Op]] = []
        for index, ops, skipped in plans:
            need: dict[tuple[int, int], int] = defaultdict(int)
            for op in ops:
                need[(op.sku_id, op.warehouse_id)] += op.reserved
            shortages = []
            for key in sorted(need):
                on_hand, reserved = levels.get(key, (0, 0))
                if on_hand - reserved < need[key]:
                    shortages.append(Shortage(
                        sku_id=key[0], sku_code=skus[key[0]].code, warehouse_id=key[1],
                        warehouse_name=warehouses[key[1]].name, requested=need[key], available=on_hand - reserved))
            if shortages:
                results[index] = InsufficientStock(shortages)
                continue
            for key, qty in need.items():
                levels[key][1] += qty
            chosen.extend((index, op) for op in ops)
            results[index] = StockResult(skipped_sku_ids=sorted(set(skipped)))
        chosen.sort(key=lambda pair: (pair[1].sku_id, pair[1].warehouse_id))
        movements = _apply(company, [op for _i, op in chosen], user=user, skus=skus, warehouses=warehouses)
        for (index, _op), movement in zip(chosen, movements, strict=True):
            results[index].movements.append(movement)
    return results


def stock_reserve(*, company: Company, lines: Sequence[StockLine | Sequence], user: User | None = None,
                  reason: str = "") -> StockResult:
    """Reserve stock for many lines at once, all or nothing (INV-5). Lines are StockLine or
    (sku_id, warehouse_id | None, qty, reference). Raises InsufficientStock naming every short SKU."""
    return _line_service(MovementKind.RESERVE, company=company, lines=lines, user=user, reason=reason)


def stock_release(*, company: Company, lines: Sequence[StockLine | Sequence], user: User | None = None,
                  reason: str = "") -> StockResult:
    """Give back reserved stock (order cancelled). Refused if less than `qty` is reserved."""
    return _line_service(MovementKind.RELEASE, company=company, lines=lines, user=user, reason=reason)


def stock_deduct(*, company: Company, lines: Sequence[StockLine | Sequence], user: User | None = None,
                 reason: str = "") -> StockResult:
    """Ship reserved stock: on hand −q and reserved −q together in one `shipment` movement."""
    return _line_service(MovementKind.SHIPMENT, company=company, lines=lines, user=user, reason=reason)


def stock_return(*, company: Company, lines: Sequence[StockLine | Sequence], user: User | None = None,
                 reason: str = "") -> StockResult:
    """Returned goods back on hand (반품입고)."""
    return _line_service(MovementKind.RETURN, company=company, lines=lines, user=user, reason=reason)


def stock_adjust(*, company: Company, sku_id: int, warehouse_id: int | None, quantity: int, reason: str,
                 user: User | None = None, kind: str = MovementKind.ADJUSTMENT, reference: Reference = None) -> StockResult:
    """A signed correction of on-hand stock (재고조정 or 실사조정). A decrease is refused if it would
    take away reserved or non-existent stock."""
    if kind not in (MovementKind.ADJUSTMENT, MovementKind.COUNT):
        raise StockInputError(_("조정 구분이 잘못되었습니다."))
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
        raise StockInputError(_("조정 수량은 0이 아닌 정수여야 합니다."))
    if not reason.strip():
        raise StockInputError(_("조정 사유를 입력하세요."))
    skus = _skus_for(company, [sku_id])
    sku = skus[sku_id]
    if sku.is_set:
        raise StockInputError(_("세트 SKU %(code)s는 재고를 직접 가지지 않습니다. 구성품을 조정하세요.") % {"code": sku.code})
    if not _is_managed(sku):
        return StockResult(skipped_sku_ids=[sku_id])
    warehouses, default = _warehouses_for(company, {warehouse_id})
    ref_type, ref_id = _split_reference(reference)
    op = _Op(sku_id=sku_id, warehouse_id=warehouse_id or default.pk, kind=kind, on_hand=quantity, reserved=0,
             reason=reason.strip(), reference_type=ref_type, reference_id=ref_id, requested=abs(quantity))
    return StockResult(movements=_apply(company, [op], user=user, skus=skus, warehouses=warehouses))


# --- reconciliation ------------------------------------------------------------------------------


@dataclass
class Drift:
    sku_id: int
    warehouse_id: int
    level_on_hand: int
    level_reserved: int
    ledger_on_hand: int
    ledger_reserved: int


def stock_levels_reconcile(*, company: Company, fix: bool = True) -> dict:
    """Recompute on hand and reserved from the ledger and compare with the cached levels. Rows are
    locked (sorted) first, so no reservation can slip in between the two reads. With `fix`, the
    cache is set to the ledger's sums (the ledger is the truth)."""
    with transaction.atomic():
        levels = {
            (lv.sku_id, lv.warehouse_id): lv
            for lv in StockLevel.objects.select_for_update().filter(company=company).order_by("sku_id", "warehouse_id")
        }
        sums = {
            (row["sku_id"], row["warehouse_id"]): (row["on_hand"] or 0, row["reserved"] or 0)
            for row in StockMovement.objects.filter(company=company).order_by()
            .values("sku_id", "warehouse_id").annotate(on_hand=Sum("quantity"), reserved=Sum("reserved_change"))
        }
        drifts: list[Drift] = []
        for key in sorted(set(levels) | set(sums)):
            level = levels.get(key)
            on_hand, reserved = sums.get(key, (0, 0))
            if level is not None and level.on_hand == on_hand and level.reserved == reserved:
                continue
            drifts.append(Drift(
                sku_id=key[0], warehouse_id=key[1], level_on_hand=level.on_hand if level else 0,
                level_reserved=level.reserved if level else 0, ledger_on_hand=on_hand, ledger_reserved=reserved,
            ))
            if not fix:
                continue
            if level is None:
                StockLevel.objects.create(company=company, sku_id=key[0], warehouse_id=key[1], on_hand=on_hand,
                                          reserved=reserved)
            else:
                StockLevel.objects.filter(pk=level.pk).update(on_hand=on_hand, reserved=reserved, updated_at=timezone.now())
    return {"checked": len(levels), "drift": len(drifts), "fixed": len(drifts) if fix else 0, "drifts": drifts}


# --- warehouses (INV-1) --------------------------------------------------------------------------


WAREHOUSE_FIELDS = ("code", "name", "kind", "postal_code", "address", "phone", "sender_name", "exposed_to_channels",
                    "is_default", "is_active")


def warehouse_save(*, company: Company, warehouse: Warehouse | None = None, **values: Any) -> Warehouse:
    """Create or update a warehouse. Making one the default clears the flag on the others; the
    first warehouse of a company becomes the default."""
    unknown = set(values) - set(WAREHOUSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown warehouse fields: {sorted(unknown)}")
    with transaction.atomic():
        before = None
        if warehouse is None:
            warehouse = Warehouse(company=company)
        elif warehouse.company_id != company.pk:
            raise StockInputError(_("창고를 찾을 수 없습니다."))
        elif warehouse.pk:
            before = Warehouse.objects.filter(company=company, pk=warehouse.pk).values_list(
                "exposed_to_channels", "is_active").first()
        for key, value in values.items():
            setattr(warehouse, key, value)
        if not Warehouse.objects.filter(company=company, is_default=True).exclude(pk=warehouse.pk).exists():
            warehouse.is_default = True
        if warehouse.is_default and not warehouse.is_active:
            raise StockInputError(_("기본 창고는 사용 중지할 수 없습니다. 다른 창고를 기본으로 지정하세요."))
        warehouse.full_clean(exclude=["company"], validate_constraints=False)
        if warehouse.is_default:
            Warehouse.objects.filter(company=company, is_default=True).exclude(pk=warehouse.pk).update(is_default=False)
        try:
            with transaction.atomic():
                warehouse.save()
        except IntegrityError:
            raise StockInputError(_("창고코드 %(code)s가 이미 있습니다.") % {"code": warehouse.code})
        if before is not None and before != (warehouse.exposed_to_channels, warehouse.is_active):
            # what the channels can sell from this warehouse's stock changed (listeners mark listings)
            sku_availability_changed(company, StockLevel.objects.filter(company=company, warehouse=warehouse).exclude(
                on_hand=0, reserved=0).values_list("sku_id", flat=True))
    return warehouse


# --- numbering -----------------------------------------------------------------------------------


def _next_number(model, company: Company, prefix: str) -> str:
    stamp = timezone.localdate().strftime("%y%m%d")
    head = f"{prefix}-{stamp}-"
    last = (
        model.objects.filter(company=company, number__startswith=head).order_by("-number").values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{head}{seq:04d}"


def _create_numbered(model, company: Company, prefix: str, **fields: Any):
    """Create with the next free number; retried when a concurrent creator took it."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return model.objects.create(company=company, number=_next_number(model, company, prefix), **fields)
        except IntegrityError:
            continue
    raise StockError(_("번호를 만들 수 없습니다. 잠시 후 다시 시도하세요."))


# --- inbound (INV-3) -----------------------------------------------------------------------------


def _stock_skus(company: Company, items: Sequence[tuple[int, int]], *, what: str) -> dict[int, int]:
    """Validate (sku_id, qty) pairs for a document: managed, non-set SKUs of the company, qty ≥ 1.
    Returns {sku_id: total qty} (duplicates summed)."""
    if not items:
        raise StockInputError(_("%(what)s 품목을 하나 이상 입력하세요.") % {"what": what})
    totals: dict[int, int] = defaultdict(int)
    for sku_id, qty in items:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise StockInputError(_("수량은 1 이상의 정수여야 합니다: %(q)r") % {"q": qty})
        totals[sku_id] += qty
    skus = _skus_for(company, totals)
    for sku in skus.values():
        if sku.is_set:
            raise StockInputError(_("세트 SKU %(code)s는 재고를 직접 가지지 않습니다. 구성품으로 입력하세요.") % {"code": sku.code})
        if not _is_managed(sku):
            raise StockInputError(_("%(code)s는 재고관리 상품이 아닙니다.") % {"code": sku.code})
    return dict(totals)


def inbound_create(
    *, company: Company, warehouse: Warehouse, lines: Sequence[tuple[int, int]], user: User | None = None,
    supplier: CommonCode | None = None, supplier_name: str = "", expected_date: date | None = None, memo: str = "",
    registered: bool = False,
) -> InboundOrder:
    """입고예정 (or 입고등록 when the goods are already there) with SKU × quantity lines."""
    if warehouse.company_id != company.pk:
        raise StockInputError(_("창고를 찾을 수 없습니다."))
    if supplier is not None and (supplier.company_id != company.pk or supplier.group.code != "SUPPLIER"):
        raise StockInputError(_("매입처를 찾을 수 없습니다."))
    totals = _stock_skus(company, lines, what=_("입고"))
    with transaction.atomic():
        inbound = _create_numbered(
            InboundOrder, company, "IN", warehouse=warehouse, supplier=supplier, supplier_name=supplier_name.strip(),
            expected_date=expected_date, memo=memo.strip(), created_by=user if user and user.pk else None,
            status=InboundOrder.Status.REGISTERED if registered else InboundOrder.Status.PLANNED,
        )
        InboundLine.objects.bulk_create(
            [InboundLine(company=company, inbound=inbound, sku_id=sku_id, quantity=qty) for sku_id, qty in totals.items()]
        )
    return inbound


def _lock_inbound(company: Company, inbound: InboundOrder) -> InboundOrder:
    return InboundOrder.objects.select_for_update().select_related("warehouse").get(company=company, pk=inbound.pk)


def inbound_register(*, company: Company, inbound: InboundOrder, user: User | None = None) -> InboundOrder:
    """입고예정 → 입고등록 (the goods arrived and are being checked)."""
    with transaction.atomic():
        inbound = _lock_inbound(company, inbound)
        if inbound.status != InboundOrder.Status.PLANNED:
            raise StockInputError(_("입고예정 상태에서만 입고등록할 수 있습니다 (현재: %(s)s).") % {"s": inbound.get_status_display()})
        inbound.status = InboundOrder.Status.REGISTERED
        inbound.save(update_fields=["status"])
    return inbound


def inbound_confirm(*, company: Company, inbound: InboundOrder, quantities: dict[int, int] | None = None,
                    user: User | None = None) -> InboundOrder:
    """입고확정: raise stock at once by the confirmed quantity of each line (`quantities` = {line id:
    qty}; None confirms every remaining quantity). Partial confirmation leaves the order 부분확정."""
    with transaction.atomic():
        inbound = _lock_inbound(company, inbound)
        if not inbound.is_open:
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 확정할 수 없습니다.") % {"no": inbound.number,
                                                                                   "s": inbound.get_status_display()})
        lines = {line.pk: line for line in inbound.lines.select_related("sku")}
        if quantities is None:
            quantities = {pk: line.remaining for pk, line in lines.items() if line.remaining}
        confirm: list[tuple[InboundLine, int]] = []
        for line_id, qty in quantities.items():
            line = lines.get(line_id)
            if line is None:
                raise StockInputError(_("입고 품목을 찾을 수 없습니다: %(id)s") % {"id": line_id})
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
                raise StockInputError(_("%(code)s: 확정수량은 0 이상의 정수여야 합니다.") % {"code": line.sku.code})
            if qty > line.remaining:
                raise StockInputError(_("%(code)s: 확정수량 %(q)s개가 남은 예정수량 %(r)s개보다 많습니다.") % {
                    "code": line.sku.code, "q": qty, "r": line.remaining})
            if qty:
                confirm.append((line, qty))
        if not confirm:
            raise StockInputError(_("확정할 수량을 입력하세요."))
        ops = [
            _Op(sku_id=line.sku_id, warehouse_id=inbound.warehouse_id, kind=MovementKind.INBOUND, on_hand=qty, reserved=0,
                reason=_("입고확정 %(no)s") % {"no": inbound.number}, reference_type="inbound",
                reference_id=inbound.number, requested=qty)
            for line, qty in confirm
        ]
        _apply(company, ops, user=user, skus={line.sku_id: line.sku for line, _q in confirm},
               warehouses={inbound.warehouse_id: inbound.warehouse})
        for line, qty in confirm:
            InboundLine.objects.filter(pk=line.pk).update(confirmed_quantity=F("confirmed_quantity") + qty)
            line.confirmed_quantity += qty
        complete = all(line.remaining == 0 for line in lines.values())
        inbound.status = InboundOrder.Status.CONFIRMED if complete else InboundOrder.Status.PARTIAL
        inbound.confirmed_at = timezone.now()
        inbound.save(update_fields=["status", "confirmed_at"])
    return inbound


def inbound_cancel(*, company: Company, inbound: InboundOrder, user: User | None = None) -> InboundOrder:
    """Cancel what is still expected. Quantities already confirmed stay in stock (they are in the ledger)."""
    with transaction.atomic():
        inbound = _lock_inbound(company, inbound)
        if not inbound.is_open:
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 취소할 수 없습니다.") % {"no": inbound.number,
                                                                                   "s": inbound.get_status_display()})
        inbound.status = InboundOrder.Status.CANCELLED
        inbound.save(update_fields=["status"])
    return inbound


@dataclass
class RowError:
    row: int
    column: str
    value: Any
    message: str

    def __str__(self) -> str:
        return _("%(row)s행 [%(col)s] %(value)s: %(msg)s") % {
            "row": self.row, "col": self.column, "value": "" if self.value is None else self.value, "msg": self.message}


class ExcelRejected(StockError):
    """An uploaded sheet had errors; nothing was applied."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(_("엑셀 파일에 오류가 %(n)s건 있어 아무것도 반영하지 않았습니다.") % {"n": len(self.errors)})


# The 입고확정 and 재고실사 sheets: their headers (the downloaded templates write them) and the words
# that identify each (a file made from another screen's template is refused as a whole).
INBOUND_XLSX_HEADERS = (gettext_lazy("입고번호"), gettext_lazy("SKU코드 또는 바코드"), gettext_lazy("확정수량"))
INBOUND_XLSX_KEYS = {0: ("입고번호", INBOUND_XLSX_HEADERS[0]), 2: ("수량", INBOUND_XLSX_HEADERS[2])}
COUNT_XLSX_HEADERS = (gettext_lazy("SKU코드"), gettext_lazy("바코드"), gettext_lazy("상품명"), gettext_lazy("옵션"),
                      gettext_lazy("전산재고"), gettext_lazy("실사수량"))
COUNT_XLSX_KEYS = {0: ("SKU", COUNT_XLSX_HEADERS[0]), 5: ("실사", COUNT_XLSX_HEADERS[5])}
XLSX_MAX_ROWS = 20_000


def _read_xlsx(data: bytes, *, keys: dict[int, tuple], wrong_form: str) -> list[tuple[int, tuple]]:
    """Rows (1-based row number, values) of the first sheet after its header row; blank rows skipped.
    Bounded (core.uploads): too big, too many rows or not this form → ExcelRejected before any row
    is looked at."""
    try:
        with uploads.open_xlsx(data, max_rows=XLSX_MAX_ROWS + 1, shown_limit=XLSX_MAX_ROWS) as sheet:
            rows_iter = sheet.rows()
            first = next(rows_iter, None)
            if first is None or not uploads.header_has(first[1], keys):
                raise ExcelRejected([RowError(1, _("제목 행"), "", wrong_form)])
            rows = []
            for number, values in rows_iter:
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                rows.append((number, values))
            return rows
    except uploads.UploadRejected as exc:
        raise ExcelRejected([RowError(0, _("파일"), "", str(exc))]) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_int(value: Any) -> int | None:
    """An integer from a cell (within what a quantity column holds), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer() or abs(value) > params.INT32_MAX:
            return None
        value = int(value)
    if isinstance(value, int):
        return params.int_param(value)
    return params.int_param(_cell_text(value).replace(",", ""))


def _too_many_errors(errors: list[RowError], number: int) -> bool:
    """Stop checking after uploads.MAX_ERRORS row errors (the report says so)."""
    if len(errors) < uploads.MAX_ERRORS:
        return False
    errors.append(RowError(number, _("파일"), "", _("오류가 %(n)s건을 넘어 %(row)s행부터는 검사하지 않았습니다. "
                                                 "위 오류를 고친 뒤 다시 올리세요.") % {"n": uploads.MAX_ERRORS, "row": number}))
    return True


def _inbound_wrong_form() -> str:
    return _("이 파일은 입고 양식이 아닙니다. 입고확정 화면에서 양식을 내려받아 1행 제목(입고번호, SKU코드 또는 바코드, "
             "확정수량)을 그대로 두고 2행부터 입력하세요.")


def inbound_xlsx_precheck(data: bytes) -> int | None:
    """Size, unpacked size, declared rows and header of an 입고확정 file, without reading its rows:
    ExcelRejected at once for a file that cannot be this form. Returns the declared row count."""
    try:
        with uploads.open_xlsx(data, max_rows=XLSX_MAX_ROWS + 1, shown_limit=XLSX_MAX_ROWS) as sheet:
            first = next(sheet.rows(), None)
            if first is None or not uploads.header_has(first[1], INBOUND_XLSX_KEYS):
                raise ExcelRejected([RowError(1, _("제목 행"), "", _inbound_wrong_form())])
            return sheet.declared_rows
    except uploads.UploadRejected as exc:
        raise ExcelRejected([RowError(0, _("파일"), "", str(exc))]) from None


def inbound_confirm_xlsx(*, company: Company, data: bytes, user: User | None = None, progress=None) -> dict:
    """입고확정 by Excel: columns 입고번호 / SKU코드 또는 바코드 / 수량. Every row is checked first;
    if any row is wrong, ExcelRejected lists them all and nothing is applied. `progress(done, total)`
    is told how far the check has got (a job's progress bar)."""
    rows = _read_xlsx(data, keys=INBOUND_XLSX_KEYS, wrong_form=_inbound_wrong_form())
    if not rows:
        raise ExcelRejected([RowError(0, _("파일"), "", _("2행부터 입고번호, SKU코드, 수량을 입력하세요."))])
    numbers = {_cell_text(v[0]) if len(v) > 0 else "" for _n, v in rows}
    inbounds = {i.number: i for i in InboundOrder.objects.filter(company=company, number__in=numbers)}
    lines_by_inbound: dict[int, dict[int, InboundLine]] = defaultdict(dict)
    for line in InboundLine.objects.filter(company=company, inbound__in=inbounds.values()):
        lines_by_inbound[line.inbound_id][line.sku_id] = line
    skus = sku_lookup(company, [_cell_text(v[1]) if len(v) > 1 else "" for _n, v in rows])
    errors: list[RowError] = []
    plan: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # inbound id → line id → qty
    for i, (number, values) in enumerate(rows, start=1):
        if _too_many_errors(errors, number):
            break
        if progress is not None and i % 500 == 0:
            progress(i, len(rows) + 1)
        values = tuple(values) + (None,) * (3 - len(values))
        no, key, qty_raw = _cell_text(values[0]), _cell_text(values[1]), values[2]
        inbound = inbounds.get(no)
        if not no:
            errors.append(RowError(number, _("입고번호"), no, _("입고번호가 비어 있습니다.")))
            continue
        if inbound is None:
            errors.append(RowError(number, _("입고번호"), no, _("입고번호를 찾을 수 없습니다.")))
            continue
        if not inbound.is_open:
            errors.append(RowError(number, _("입고번호"), no, _("%(s)s 상태라 확정할 수 없습니다.") % {
                "s": inbound.get_status_display()}))
            continue
        sku = skus.get(key)
        if sku is None:
            errors.append(RowError(number, _("SKU코드/바코드"), key, _("SKU를 찾을 수 없습니다.")))
            continue
        line = lines_by_inbound[inbound.pk].get(sku.pk)
        if line is None:
            errors.append(RowError(number, _("SKU코드/바코드"), key, _("%(no)s에 없는 품목입니다.") % {"no": no}))
            continue
        qty = _cell_int(qty_raw)
        if qty is None or qty <= 0:
            errors.append(RowError(number, _("수량"), qty_raw, _("1 이상의 정수를 입력하세요.")))
            continue
        plan[inbound.pk][line.pk] += qty
        if plan[inbound.pk][line.pk] > line.remaining:
            errors.append(RowError(number, _("수량"), qty_raw, _("남은 예정수량 %(r)s개를 넘습니다.") % {"r": line.remaining}))
    if errors:
        raise ExcelRejected(errors)
    by_pk = {i.pk: i for i in inbounds.values()}
    confirmed = 0
    with transaction.atomic():
        for inbound_pk in sorted(plan):
            inbound_confirm(company=company, inbound=by_pk[inbound_pk], quantities=dict(plan[inbound_pk]), user=user)
            confirmed += sum(plan[inbound_pk].values())
    return {"rows": len(rows), "inbounds": len(plan), "quantity": confirmed}


# --- physical count (INV-4) ----------------------------------------------------------------------


def _countable_skus(company: Company, warehouse: Warehouse):
    """Stock-managed, non-set SKUs in use, plus any SKU that still has stock in the warehouse."""
    with_stock = StockLevel.objects.filter(company=company, warehouse=warehouse).exclude(on_hand=0).values("sku_id")
    return (
        SKU.objects.filter(company=company, is_set=False, product__inventory_managed=True)
        .filter(Q(status__in=[SKUStatus.ACTIVE, SKUStatus.SOLD_OUT]) | Q(pk__in=with_stock))
        .select_related("product").order_by("code")
    )


def count_sheet_create(*, company: Company, warehouse: Warehouse, user: User | None = None, memo: str = "") -> CountSheet:
    """A count sheet with every stock-managed SKU and its on-hand quantity right now (전산재고)."""
    if warehouse.company_id != company.pk:
        raise StockInputError(_("창고를 찾을 수 없습니다."))
    with transaction.atomic():
        sheet = _create_numbered(CountSheet, company, "CNT", warehouse=warehouse, memo=memo.strip(),
                                 created_by=user if user and user.pk else None)
        on_hand = dict(StockLevel.objects.filter(company=company, warehouse=warehouse).values_list("sku_id", "on_hand"))
        CountLine.objects.bulk_create(
            [CountLine(company=company, sheet=sheet, sku=sku, system_quantity=on_hand.get(sku.pk, 0))
             for sku in _countable_skus(company, warehouse)]
        )
    return sheet


def _editable_sheet(company: Company, sheet: CountSheet) -> CountSheet:
    sheet = CountSheet.objects.select_for_update().select_related("warehouse").get(company=company, pk=sheet.pk)
    if not sheet.is_editable:
        raise StockInputError(_("%(no)s은(는) %(s)s 상태라 수정할 수 없습니다.") % {"no": sheet.number,
                                                                               "s": sheet.get_status_display()})
    return sheet


def count_sheet_set_counts(*, company: Company, sheet: CountSheet, counts: dict[int, int | None]) -> int:
    """Record counted quantities typed in the screen ({line id: qty or None for not counted})."""
    with transaction.atomic():
        sheet = _editable_sheet(company, sheet)
        lines = {line.pk: line for line in CountLine.objects.filter(sheet=sheet, pk__in=list(counts))}
        changed = []
        for line_id, qty in counts.items():
            line = lines.get(line_id)
            if line is None:
                raise StockInputError(_("실사 품목을 찾을 수 없습니다: %(id)s") % {"id": line_id})
            if qty is not None and (not isinstance(qty, int) or isinstance(qty, bool) or qty < 0):
                raise StockInputError(_("실사수량은 0 이상의 정수여야 합니다."))
            if line.counted_quantity != qty:
                line.counted_quantity = qty
                changed.append(line)
        CountLine.objects.bulk_update(changed, ["counted_quantity"])
    return len(changed)


def count_sheet_import_xlsx(*, company: Company, sheet: CountSheet, data: bytes) -> int:
    """Counted quantities from the downloaded sheet (columns SKU코드, 바코드, 상품명, 옵션,
    전산재고, 실사수량). A blank 실사수량 leaves the line uncounted. All rows or none."""
    rows = _read_xlsx(data, keys=COUNT_XLSX_KEYS, wrong_form=_(
        "이 파일은 재고실사 양식이 아닙니다. 실사표 화면에서 엑셀을 내려받아 1행 제목을 그대로 두고 실사수량만 입력하세요."))
    if not rows:
        raise ExcelRejected([RowError(0, _("파일"), "", _("실사표에 입력된 행이 없습니다."))])
    lines = {line.sku.code: line for line in CountLine.objects.filter(company=company, sheet=sheet).select_related("sku")}
    by_barcode = {line.sku.barcode: line for line in lines.values() if line.sku.barcode}
    errors: list[RowError] = []
    counts: dict[int, int | None] = {}
    seen: dict[int, int] = {}
    for number, values in rows:
        if _too_many_errors(errors, number):
            break
        values = tuple(values) + (None,) * (6 - len(values))
        code, barcode, qty_raw = _cell_text(values[0]), _cell_text(values[1]), values[5]
        line = lines.get(code) or (by_barcode.get(barcode) if barcode else None)
        if line is None:
            errors.append(RowError(number, _("SKU코드"), code or barcode, _("이 실사표에 없는 SKU입니다.")))
            continue
        if line.pk in seen:
            errors.append(RowError(number, _("SKU코드"), code, _("%(row)s행과 중복됩니다.") % {"row": seen[line.pk]}))
            continue
        seen[line.pk] = number
        if _cell_text(qty_raw) == "":
            continue
        qty = _cell_int(qty_raw)
        if qty is None or qty < 0:
            errors.append(RowError(number, _("실사수량"), qty_raw, _("0 이상의 정수를 입력하세요.")))
            continue
        counts[line.pk] = qty
    if errors:
        raise ExcelRejected(errors)
    return count_sheet_set_counts(company=company, sheet=sheet, counts=counts)


def count_sheet_submit(*, company: Company, sheet: CountSheet, user: User | None = None) -> CountSheet:
    """Ask for the difference to be applied by the next hourly run (at :10)."""
    with transaction.atomic():
        sheet = _editable_sheet(company, sheet)
        if not sheet.lines.filter(counted_quantity__isnull=False).exists():
            raise StockInputError(_("실사수량이 입력된 품목이 없습니다."))
        sheet.status = CountSheet.Status.SCHEDULED
        sheet.scheduled_at = timezone.now()
        sheet.error = ""
        sheet.save(update_fields=["status", "scheduled_at", "error"])
    return sheet


def count_sheet_apply(*, company: Company, sheet: CountSheet, user: User | None = None) -> dict:
    """Apply counted − system for every counted line as `count` movements, all or nothing. A
    decrease that would take reserved stock is refused (InsufficientStock names the SKUs)."""
    with transaction.atomic():
        sheet = CountSheet.objects.select_for_update().select_related("warehouse").get(company=company, pk=sheet.pk)
        if sheet.status not in (CountSheet.Status.DRAFT, CountSheet.Status.SCHEDULED, CountSheet.Status.FAILED):
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 반영할 수 없습니다.") % {"no": sheet.number,
                                                                                   "s": sheet.get_status_display()})
        lines = list(sheet.lines.filter(counted_quantity__isnull=False).select_related("sku"))
        if not lines:
            raise StockInputError(_("실사수량이 입력된 품목이 없습니다."))
        ops = [
            _Op(sku_id=line.sku_id, warehouse_id=sheet.warehouse_id, kind=MovementKind.COUNT, on_hand=line.difference,
                reserved=0, reason=_("재고실사 %(no)s (전산 %(sys)s → 실사 %(cnt)s)") % {
                    "no": sheet.number, "sys": line.system_quantity, "cnt": line.counted_quantity},
                reference_type="count", reference_id=sheet.number, requested=abs(line.difference))
            for line in lines if line.difference
        ]
        movements = _apply(company, ops, user=user, skus={line.sku_id: line.sku for line in lines},
                           warehouses={sheet.warehouse_id: sheet.warehouse})
        sheet.status = CountSheet.Status.APPLIED
        sheet.applied_at = timezone.now()
        sheet.error = ""
        sheet.save(update_fields=["status", "applied_at", "error"])
    return {"lines": len(lines), "adjusted": len(movements),
            "increase": sum(m.quantity for m in movements if m.quantity > 0),
            "decrease": -sum(m.quantity for m in movements if m.quantity < 0)}


def count_sheet_mark_failed(*, company: Company, sheet: CountSheet, error: str) -> None:
    CountSheet.objects.filter(company=company, pk=sheet.pk).update(status=CountSheet.Status.FAILED, error=error[:2000])


def count_sheets_apply_scheduled(*, company: Company, user: User | None = None, log=None) -> dict:
    """The :10 run: apply every sheet waiting for it; a refused sheet is marked 반영실패 with the reason."""
    applied = failed = 0
    for sheet in CountSheet.objects.filter(company=company, status=CountSheet.Status.SCHEDULED).order_by("id"):
        try:
            result = count_sheet_apply(company=company, sheet=sheet, user=user)
        except StockError as exc:
            count_sheet_mark_failed(company=company, sheet=sheet, error=str(exc))
            failed += 1
            if log:
                log(f"{sheet.number}: {exc}")
        else:
            applied += 1
            if log:
                log(f"{sheet.number}: {result['adjusted']}")
    return {"applied": applied, "failed": failed}


def count_sheet_cancel(*, company: Company, sheet: CountSheet) -> CountSheet:
    with transaction.atomic():
        sheet = CountSheet.objects.select_for_update().get(company=company, pk=sheet.pk)
        if sheet.status in (CountSheet.Status.APPLIED, CountSheet.Status.CANCELLED):
            raise StockInputError(_("%(no)s은(는) %(s)s 상태라 취소할 수 없습니다.") % {"no": sheet.number,
                                                                                   "s": sheet.get_status_display()})
        sheet.status = CountSheet.Status.CANCELLED
        sheet.save(update_fields=["status"])
    return sheet


# --- transfers -----------------------------------------------------------------------------------


def transfer_create(*, company: Company, from_warehouse: Warehouse, to_warehouse: Warehouse,
                    lines: Sequence[tuple[int, int]], user: User | None = None, memo: str = "") -> StockTransfer:
    """Move stock between warehouses/stores at once: transfer_out + transfer_in per line, in one
    transaction. Refused (nothing moves) if any SKU lacks available stock in the sending warehouse."""
    if from_warehouse.company_id != company.pk or to_warehouse.company_id != company.pk:
        raise StockInputError(_("창고를 찾을 수 없습니다."))
    if from_warehouse.pk == to_warehouse.pk:
        raise StockInputError(_("보내는 창고와 받는 창고가 같습니다."))
    totals = _stock_skus(company, lines, what=_("이동"))
    skus = _skus_for(company, totals)
    with transaction.atomic():
        transfer = _create_numbered(StockTransfer, company, "TR", from_warehouse=from_warehouse,
                                    to_warehouse=to_warehouse, memo=memo.strip(),
                                    created_by=user if user and user.pk else None)
        StockTransferLine.objects.bulk_create(
            [StockTransferLine(company=company, transfer=transfer, sku_id=s, quantity=q) for s, q in totals.items()]
        )
        reason = _("재고이동 %(no)s %(a)s → %(b)s") % {"no": transfer.number, "a": from_warehouse.name, "b": to_warehouse.name}
        ops = []
        for sku_id, qty in totals.items():
            ops.append(_Op(sku_id=sku_id, warehouse_id=from_warehouse.pk, kind=MovementKind.TRANSFER_OUT, on_hand=-qty,
                           reserved=0, reason=reason, reference_type="transfer", reference_id=transfer.number,
                           requested=qty))
            ops.append(_Op(sku_id=sku_id, warehouse_id=to_warehouse.pk, kind=MovementKind.TRANSFER_IN, on_hand=qty,
                           reserved=0, reason=reason, reference_type="transfer", reference_id=transfer.number,
                           requested=qty))
        _apply(company, ops, user=user, skus=skus,
               warehouses={from_warehouse.pk: from_warehouse, to_warehouse.pk: to_warehouse})
    return transfer


# --- low-stock thresholds (INV-7) ----------------------------------------------------------------


def sku_thresholds_update(*, company: Company, sku: SKU, safety_stock: int, reorder_point: int) -> SKU:
    """Safety stock (안전재고) and reorder point (발주점) of a SKU, edited from the stock screens."""
    if sku.company_id != company.pk:
        raise StockInputError(_("SKU를 찾을 수 없습니다."))
    for value in (safety_stock, reorder_point):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise StockInputError(_("안전재고와 발주점은 0 이상의 정수여야 합니다."))
    SKU.objects.filter(company=company, pk=sku.pk).update(safety_stock=safety_stock, reorder_point=reorder_point)
    sku.safety_stock, sku.reorder_point = safety_stock, reorder_point
    return sku
