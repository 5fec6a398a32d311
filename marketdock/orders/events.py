"""The one writer of an order's history (`OrderEvent`): every event of every app is built here.

    from marketdock.orders import events

    events.record(company=c, order=o, kind=EventKind.DELAY, message=text, user=request.user)   # saved now
    batch = [events.event(company=c, order=o, kind=EventKind.COLLECTED, message=text, at=now), ...]
    events.record_all(batch)                                                                  # one INSERT

`kind` must be an `EventKind` (a new kind gets its label there first: the screens show the label,
never the code). The message is cut to the column's 500 characters; an anonymous or missing user is
stored as no user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from . import hooks
from .models import EventKind, Order, OrderEvent, OrderLine

MESSAGE_MAX = 500


def event(*, company, kind: str, message: str, order: Order | None = None, order_id: int | None = None,
          line: OrderLine | None = None, line_id: int | None = None, user=None, data: dict[str, Any] | None = None,
          at: datetime | None = None) -> OrderEvent:
    """An unsaved event (for `record_all`). Raises ValueError for a kind without a label."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown order event kind {kind!r}: add it to EventKind with a label")
    fields: dict[str, Any] = {"order": order} if order is not None else {"order_id": order_id}
    if line is not None:
        fields["line"] = line
    elif line_id is not None:
        fields["line_id"] = line_id
    return OrderEvent(company=company, kind=str(kind), message=str(message)[:MESSAGE_MAX],
                      user=user if user is not None and user.pk else None, data=data or {},
                      at=at or timezone.now(), **fields)


def record(**kwargs) -> OrderEvent:
    """Build and save one event (same arguments as `event`)."""
    row = event(**kwargs)
    row.save(force_insert=True)
    hooks.order_events_recorded([row])
    return row


def record_all(rows: Iterable[OrderEvent]) -> list[OrderEvent]:
    """Save events built by `event` in one INSERT (listeners of `hooks.on_order_events` are told)."""
    saved = OrderEvent.objects.bulk_create(list(rows))
    if saved:
        hooks.order_events_recorded(saved)
    return saved
