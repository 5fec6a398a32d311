"""Direct changes to stock levels: adjustment, transfer between warehouses, reconciliation of levels with the ledger, low-stock thresholds (INV-7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.core.models import Company, User

from ..models import MovementKind, StockLevel, StockMovement, StockTransfer, StockTransferLine, Warehouse
from .errors import Reference, StockInputError, StockResult, _Op, _split_reference
from .ledger import _apply, _create_numbered, _is_managed, _skus_for, _stock_skus, _warehouses_for


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


def stock_set(*, company: Company, sku_id: int, warehouse_id: int | None, on_hand: int, reason: str,
              user: User | None = None) -> tuple[StockResult, int]:
    """Set on-hand stock to a number (an ERP's count): the difference is written as one adjustment.
    The level row is locked while the difference is computed and applied, so two concurrent sets (or
    a set racing an order's deduction) can never both compute from the same old figure. Returns the
    result and the on-hand quantity after it (unchanged when it already was `on_hand`)."""
    if not isinstance(on_hand, int) or isinstance(on_hand, bool) or on_hand < 0:
        raise StockInputError(_("재고 수량은 0 이상의 정수여야 합니다."))
    skus = _skus_for(company, [sku_id])
    if skus[sku_id].is_set:
        raise StockInputError(_("세트 SKU %(code)s는 재고를 직접 가지지 않습니다. 구성품을 조정하세요.") % {"code": skus[sku_id].code})
    if not _is_managed(skus[sku_id]):
        return StockResult(skipped_sku_ids=[sku_id]), 0
    warehouse_id = warehouse_id or _warehouses_for(company, {warehouse_id})[1].pk
    with transaction.atomic():
        StockLevel.objects.bulk_create([StockLevel(company=company, sku_id=sku_id, warehouse_id=warehouse_id)],
                                       ignore_conflicts=True)
        current = (StockLevel.objects.select_for_update().filter(company=company, sku_id=sku_id, warehouse_id=warehouse_id)
                   .values_list("on_hand", flat=True).get())
        if on_hand == current:
            return StockResult(), current
        result = stock_adjust(company=company, sku_id=sku_id, warehouse_id=warehouse_id, quantity=on_hand - current,
                              reason=reason, user=user)
    return result, on_hand


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
