"""재고 / stock by SKU and warehouse, adjustments with a reason (through the ledger: `stock_adjust`,
never an update in place), and inbound orders (입고예정 → 입고확정) through the inventory services."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from marketdock.inventory import selectors as inventory_selectors
from marketdock.inventory import services as inventory_services

from .. import schemas as s
from ..auth import KeyAuth
from ..common import MAX_ID, PathId, doc, get_or_404
from ..errors import error_responses
from ..idempotency import idempotent

router = Router(tags=["stock"])
READ, WRITE = KeyAuth("stock:read"), KeyAuth("stock:write")


class StockQuery(Schema):
    sku_id: int = Field(..., ge=1, le=MAX_ID)
    warehouse_id: int | None = Field(None, ge=1, le=MAX_ID)


def _level(level) -> dict:
    return {"sku_id": level.sku_id, "warehouse_id": level.warehouse_id, "on_hand": level.on_hand,
            "reserved": level.reserved, "available": level.on_hand - level.reserved}


@router.get("/stock", auth=READ, response=error_responses({200: s.StockListOut}),
            **doc("재고 조회 (단품별, 창고별)", "Stock of a SKU per warehouse (on hand, reserved, available).",
                  "stock:read"))
def stock_get(request, q: Query[StockQuery]):
    sku = get_or_404(inventory_selectors.sku_get, request.company, q.sku_id)
    levels = inventory_selectors.sku_levels(request.company, sku)
    if q.warehouse_id:
        levels = levels.filter(warehouse_id=q.warehouse_id)
    return {"items": [_level(x) for x in levels]}


def _adjust_one(company, item: s.StockAdjustIn) -> dict:
    """One adjustment: a signed `quantity`, or `set_to` (the difference to the current on hand)."""
    if (item.quantity is None) == (item.set_to is None):
        return {"sku_id": item.sku_id, "ok": False, "on_hand": None,
                "message": _("quantity 또는 set_to 중 하나만 보내세요.")}
    try:
        if item.set_to is not None:
            result, current = inventory_services.stock_set(company=company, sku_id=item.sku_id,
                                                           warehouse_id=item.warehouse_id, on_hand=item.set_to,
                                                           reason=item.reason)
            if not result.movements and not result.skipped_sku_ids:
                return {"sku_id": item.sku_id, "ok": True, "on_hand": current, "message": _("변경 없음")}
        else:
            result = inventory_services.stock_adjust(company=company, sku_id=item.sku_id,
                                                     warehouse_id=item.warehouse_id, quantity=item.quantity,
                                                     reason=item.reason)
    except inventory_services.StockError as exc:
        return {"sku_id": item.sku_id, "ok": False, "on_hand": None, "message": str(exc)}
    after = result.movements[-1].on_hand_after if result.movements else None
    message = _("재고관리 안 하는 상품입니다.") if result.skipped_sku_ids else _("조정했습니다.")
    return {"sku_id": item.sku_id, "ok": not result.skipped_sku_ids, "on_hand": after, "message": message}


@router.post("/stock/adjustments", auth=WRITE, response=error_responses({200: s.StockBulkOut}),
             **doc("재고 조정 (증감 또는 수량 맞춤, 사유 필수, 여러 건)", "Adjust stock by a signed quantity or set it to a "
                   "number, with a reason (bulk, per-item result; recorded in the stock ledger).", "stock:write"))
def stock_adjust(request, payload: s.StockAdjustBulkIn):
    def run():
        results = [_adjust_one(request.company, item) for item in payload.items]
        return 200, {"ok_count": sum(1 for r in results if r["ok"]), "results": results}

    return idempotent(request, payload.dict(), run)


def _inbound(company, inbound) -> dict:
    lines = inventory_selectors.inbound_lines(company, inbound)
    return {"id": inbound.pk, "number": inbound.number, "warehouse_id": inbound.warehouse_id, "status": inbound.status,
            "expected_date": inbound.expected_date, "supplier_name": inbound.supplier_name,
            "confirmed_at": inbound.confirmed_at,
            "lines": [{"id": ln.pk, "sku_id": ln.sku_id, "quantity": ln.quantity,
                       "confirmed_quantity": ln.confirmed_quantity} for ln in lines]}


@router.post("/inbounds", auth=WRITE, response=error_responses({201: s.InboundOut}),
             **doc("입고예정 등록", "Create an expected inbound (입고예정) with SKU × quantity lines.", "stock:write"))
def inbounds_create(request, payload: s.InboundIn):
    def run():
        company = request.company
        if payload.warehouse_id:
            warehouse = get_or_404(inventory_selectors.warehouse_get, company, payload.warehouse_id)
        else:
            warehouse = inventory_services.warehouse_default(company)
            if warehouse is None:
                raise inventory_services.StockInputError(_("기본 창고가 없습니다. 창고관리에서 기본 창고를 지정하세요."))
        inbound = inventory_services.inbound_create(
            company=company, warehouse=warehouse, lines=[(ln.sku_id, ln.quantity) for ln in payload.lines],
            supplier_name=payload.supplier_name, expected_date=payload.expected_date, memo=payload.memo)
        return 201, _inbound(company, inbound)

    return idempotent(request, payload.dict(), run)


@router.get("/inbounds/{int:inbound_id}", auth=READ, response=error_responses({200: s.InboundOut}),
            **doc("입고 상세", "One inbound order with its lines.", "stock:read"))
def inbounds_get(request, inbound_id: PathId):
    return _inbound(request.company, get_or_404(inventory_selectors.inbound_get, request.company, inbound_id))


@router.post("/inbounds/{int:inbound_id}/confirm", auth=WRITE, response=error_responses({200: s.InboundOut}),
             **doc("입고확정 (전부 또는 품목별 수량)", "Confirm an inbound: stock rises by the confirmed quantities "
                   "(all remaining when none are given).", "stock:write"))
def inbounds_confirm(request, inbound_id: PathId, payload: s.InboundConfirmIn):
    inbound = get_or_404(inventory_selectors.inbound_get, request.company, inbound_id)

    def run():
        quantities = None
        if payload.quantities is not None:
            quantities = {}
            for key, qty in payload.quantities.items():
                if not key.isdigit() or int(key) > MAX_ID:
                    raise inventory_services.StockInputError(_("입고 품목 id가 올바르지 않습니다."))
                quantities[int(key)] = qty
        done = inventory_services.inbound_confirm(company=request.company, inbound=inbound, quantities=quantities)
        return 200, _inbound(request.company, done)

    return idempotent(request, payload.dict(), run)
