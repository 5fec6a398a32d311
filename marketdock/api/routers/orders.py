"""주문 / orders: the list with the order screen's filters and cursor, one order with its lines, and the
order flow (status, confirm, hold, cancel, tracking numbers, partial shipment) through the same
services as the screens. Bulk calls answer per order."""

from __future__ import annotations

from ninja import Query, Router

from marketdock.orders import selectors as order_selectors
from marketdock.orders import services as order_services
from marketdock.orders.models import OrderStatus
from marketdock.orders.views_list import parse_filters
from marketdock.shipping import selectors as shipping_selectors
from marketdock.shipping import services_packages

from .. import schemas as s
from ..auth import KeyAuth
from ..common import PathId, bulk_out, doc, get_or_404, order_out
from ..errors import error_responses
from ..idempotency import idempotent

router = Router(tags=["orders"])
READ, WRITE = KeyAuth("orders:read"), KeyAuth("orders:write")


@router.get("/orders", auth=READ, response=error_responses({200: s.OrderPageOut}),
            **doc("주문 목록 (주문확인/처리 화면과 같은 조건, 커서 페이지)", "List orders with the order screen's filters; "
                  "pass next_cursor as cursor for the next page.", "orders:read"))
def orders_list(request, q: Query[s.OrderQuery]):
    page = order_selectors.order_page(request.company, parse_filters(request.GET), cursor=q.cursor, size=q.size)
    return {"items": [order_out(o) for o in page.rows], "next_cursor": page.next_cursor,
                 "prev_cursor": page.prev_cursor}


@router.get("/orders/{int:order_id}", auth=READ, response=error_responses({200: s.OrderDetailOut}),
            **doc("주문 상세 (상품 포함)", "One order with its lines.", "orders:read"))
def orders_get(request, order_id: PathId):
    order = get_or_404(order_selectors.order_get, request.company, order_id)
    return order_out(order, lines=order_selectors.order_lines(request.company, order))


def _moved(request, ids, to: str, reason: str):
    ids = list(dict.fromkeys(ids))
    orders = list(order_selectors.orders_by_ids(request.company, ids))
    result = order_services.order_transition(company=request.company, orders=orders, to=to, user=None, reason=reason)
    by_id = {outcome.order.pk: outcome for outcome in result.outcomes}
    return 200, bulk_out(ids, [by_id.get(pk) for pk in ids])


@router.post("/orders/{int:order_id}/status", auth=WRITE, response=error_responses({200: s.BulkOut}),
             **doc("주문 상태 변경", "Move one order to a status (the allowed moves of the order flow).", "orders:write"))
def orders_status(request, order_id: PathId, payload: s.StatusIn):
    get_or_404(order_selectors.order_get, request.company, order_id)
    return idempotent(request, payload.dict(), lambda: _moved(request, [order_id], payload.status, payload.reason))


@router.post("/orders/confirm", auth=WRITE, response=error_responses({200: s.BulkOut}),
             **doc("주문확정 (발주확인, 여러 건)", "Confirm orders (bulk, per-order result).", "orders:write"))
def orders_confirm(request, payload: s.OrderIdsIn):
    return idempotent(request, payload.dict(),
                      lambda: _moved(request, payload.order_ids, OrderStatus.CONFIRMED, payload.reason))


@router.post("/orders/hold", auth=WRITE, response=error_responses({200: s.BulkOut}),
             **doc("보류 (여러 건)", "Put orders on hold with a reason (bulk).", "orders:write"))
def orders_hold(request, payload: s.OrderIdsIn):
    return idempotent(request, payload.dict(), lambda: _moved(request, payload.order_ids, OrderStatus.HOLD, payload.reason))


@router.post("/orders/cancel", auth=WRITE, response=error_responses({200: s.BulkOut}),
             **doc("취소 (여러 건)", "Cancel orders (bulk); reserved stock is given back.", "orders:write"))
def orders_cancel(request, payload: s.OrderIdsIn):
    return idempotent(request, payload.dict(),
                      lambda: _moved(request, payload.order_ids, OrderStatus.CANCELLED, payload.reason))


def _ship(company, order, carrier: str, number: str, line_ids=None):
    """출고준비 first when the order is only confirmed (as the scan screen does), then 출고 with the number."""
    if order.status == OrderStatus.CONFIRMED:
        moved = order_services.order_transition(company=company, orders=[order], to=OrderStatus.READY, user=None,
                                                reason="API").outcomes[0]
        if not moved.ok:
            return moved
    lines = None
    if line_ids is not None:
        wanted = set(line_ids)
        lines = [ln for ln in order_selectors.order_lines(company, order) if ln.pk in wanted]
        if len(lines) != len(wanted):
            return order_services.OrderOutcome(order, False, _unknown_lines(wanted - {ln.pk for ln in lines}))
    return order_services.order_transition(company=company, orders=[order], to=OrderStatus.SHIPPED, user=None,
                                           reason="API", lines=lines, tracking=(carrier, number)).outcomes[0]


def _unknown_lines(ids) -> str:
    from django.utils.translation import gettext as _

    return _("이 주문의 상품이 아닙니다: %(ids)s") % {"ids": ", ".join(map(str, sorted(ids)))}


@router.post("/orders/{int:order_id}/tracking", auth=WRITE, response=error_responses({200: s.BulkOut}),
             **doc("송장번호 등록 (출고, 부분 출고)", "Register a tracking number and ship the order, or only the given "
                   "lines (partial shipment).", "orders:write"))
def orders_tracking(request, order_id: PathId, payload: s.TrackingIn):
    order = get_or_404(order_selectors.order_get, request.company, order_id)

    def run():
        outcome = _ship(request.company, order, payload.carrier, payload.number, payload.line_ids)
        return 200, bulk_out([order_id], [outcome])

    return idempotent(request, payload.dict(), run)


@router.post("/orders/tracking", auth=WRITE, response=error_responses({200: s.BulkOut}),
             **doc("송장번호 일괄 등록", "Register tracking numbers for many orders (per-order result).", "orders:write"))
def orders_tracking_bulk(request, payload: s.TrackingBulkIn):
    def run():
        found = {o.pk: o for o in order_selectors.orders_by_ids(request.company, [i.order_id for i in payload.items])}
        outcomes = [_ship(request.company, found[i.order_id], i.carrier, i.number) if i.order_id in found else None
                    for i in payload.items]
        return 200, bulk_out([i.order_id for i in payload.items], outcomes)

    return idempotent(request, payload.dict(), run)


@router.post("/packages/{int:package_id}/ship", auth=WRITE, response=error_responses({200: s.PackageOut}),
             **doc("묶음(포장) 출고: 출력된 송장번호로 묶음의 주문을 모두 출고", "Ship a printed package: every order in it "
                   "leaves with the package's tracking number.", "orders:write"))
def packages_ship(request, package_id: PathId):
    package = get_or_404(shipping_selectors.package_get, request.company, package_id)

    def run():
        done = services_packages.package_mark_shipped(company=request.company, package=package, reason="API")
        return 200, {"id": done.pk, "status": done.status, "shipped_at": done.shipped_at,
                     "tracking_number": done.tracking_number}

    return idempotent(request, {"package": package_id}, run)
