"""The stock engine. Every change of stock goes through `_apply` and so through the ledger.

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
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.catalog.selectors import set_components
from marketdock.core.models import Company, User

from ..hooks import stock_changed
from ..models import MovementKind, StockLevel, StockMovement, Warehouse
from .errors import (
    MAX_SET_DEPTH,
    InsufficientStock,
    Reference,
    Shortage,
    StockError,
    StockInputError,
    StockLine,
    StockResult,
    _as_line,
    _Op,
    _split_reference,
)

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
