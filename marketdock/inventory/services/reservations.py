"""Order-driven stock: the rows locked in one order (issue 11), reserve (all or nothing, or per order), release, deduct on shipment, return."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction

from marketdock.catalog.models import SKU
from marketdock.core.models import Company, User

from ..models import MovementKind, StockLevel, Warehouse
from .errors import (
    InsufficientStock,
    Shortage,
    StockError,
    StockInputError,
    StockLine,
    StockResult,
    _as_line,
    _Op,
)
from .ledger import _apply, _line_ops, _line_service

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
