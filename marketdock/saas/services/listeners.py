"""What lower apps tell the saas app (registered at ready() through their hooks), turned into webhook
events in the transaction of the change:

    orders/events.py history   collected → order.created; status changes (ours or the marketplace's)
                               → order.status_changed, plus order.cancelled / shipment.shipped
    inventory stock ledger     → stock.changed
    claims                     → claim.created, inquiry.created

The payloads carry ids, statuses and amounts, never the buyer's personal data (a receiver that needs
the address reads the order through the API): nothing personal waits in the outbox or the delivery
log, and the buyer-data purge has nothing to find there.
"""

from __future__ import annotations

from django.db.models import Sum

from marketdock.claims.models import Claim, Inquiry
from marketdock.inventory.models import StockLevel
from marketdock.orders.models import SHIPPED_STATUSES, EventKind, Order, OrderLine, OrderStatus

from ..models import WebhookEndpoint, WebhookEvent
from .webhooks import events_enqueue

E = WebhookEvent
STATUS_KINDS = {EventKind.STATUS.value, EventKind.MARKETPLACE_PROGRESS.value}


def _wanted(company) -> set[str]:
    """The events any active endpoint of the company wants (one query; usually none)."""
    return {e for events in WebhookEndpoint.objects.filter(company=company, is_active=True)
            .values_list("events", flat=True) for e in events}


def order_data(order: Order, **extra) -> dict:
    return {"order": {"id": order.pk, "channel_order_id": order.channel_order_id, "account_id": order.account_id,
                      "status": order.status, "currency": order.currency, "total_amount": order.total_amount,
                      "ordered_at": order.ordered_at.isoformat() if order.ordered_at else None, **extra}}


def _shipment(order: Order) -> dict:
    lines = OrderLine.objects.filter(order=order, status__in=SHIPPED_STATUSES).values(
        "id", "carrier_key", "tracking_number", "shipping_method")
    return {"lines": list(lines)}


def order_events(*, company, events) -> None:
    wanted = _wanted(company)
    if not wanted:
        return
    ids = {e.order_id for e in events}
    orders = {o.pk: o for o in Order.objects.filter(company=company, pk__in=ids)}
    items: list[tuple[str, dict, str]] = []
    for row in events:
        order = orders.get(row.order_id)
        if order is None:
            continue
        key = f"order:{order.pk}"
        if row.kind == EventKind.COLLECTED:
            items.append((E.ORDER_CREATED, order_data(order), key))
        elif row.kind in STATUS_KINDS and row.data.get("new") and row.data.get("new") != row.data.get("old"):
            old, new = row.data.get("old", ""), row.data["new"]
            items.append((E.ORDER_STATUS_CHANGED, order_data(order, status=new, previous_status=old), key))
            if new == OrderStatus.CANCELLED:
                items.append((E.ORDER_CANCELLED, order_data(order, status=new, previous_status=old), key))
            elif new in SHIPPED_STATUSES and old not in SHIPPED_STATUSES and E.SHIPMENT_SHIPPED in wanted:
                items.append((E.SHIPMENT_SHIPPED, {**order_data(order, status=new), **_shipment(order)}, key))
    events_enqueue(company, [i for i in items if i[0] in wanted])


def stock_changed(*, company, sku_ids) -> None:
    if E.STOCK_CHANGED not in _wanted(company):
        return
    rows = (StockLevel.objects.filter(company=company, sku_id__in=sku_ids).values("sku_id", "sku__code")
            .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved")).order_by("sku_id"))
    skus = [{"sku_id": r["sku_id"], "code": r["sku__code"], "on_hand": r["on_hand"], "reserved": r["reserved"],
             "available": r["on_hand"] - r["reserved"]} for r in rows]
    events_enqueue(company, [(E.STOCK_CHANGED, {"skus": skus}, "stock")])


def claims_created(*, company, claim_ids) -> None:
    if E.CLAIM_CREATED not in _wanted(company):
        return
    items = [(E.CLAIM_CREATED, {"claim": {"id": c.pk, "order_id": c.order_id, "line_id": c.line_id, "type": c.type,
                                          "status": c.status, "quantity": c.quantity}}, f"order:{c.order_id}")
             for c in Claim.objects.filter(company=company, pk__in=claim_ids).order_by("pk")]
    events_enqueue(company, items)


def inquiries_created(*, company, inquiry_ids) -> None:
    if E.INQUIRY_CREATED not in _wanted(company):
        return
    items = [(E.INQUIRY_CREATED, {"inquiry": {"id": q.pk, "kind": q.kind, "status": q.status,
                                              "order_id": q.order_id, "account_id": q.account_id}},
              f"order:{q.order_id}" if q.order_id else "inquiry")
             for q in Inquiry.objects.filter(company=company, pk__in=inquiry_ids).order_by("pk")]
    events_enqueue(company, items)


def register() -> None:
    from marketdock.claims.hooks import on_claim_created, on_inquiry_created
    from marketdock.inventory.hooks import on_stock_change
    from marketdock.orders.hooks import on_order_events
    from marketdock.orders.services import register_effect_handler

    from .delivery import deliver_webhook

    on_order_events(order_events)
    on_stock_change(stock_changed)
    on_claim_created(claims_created)
    on_inquiry_created(inquiries_created)
    register_effect_handler("webhook", deliver_webhook)
