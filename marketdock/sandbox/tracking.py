"""Sandbox tracking events: for a number the sandbox received in a dispatch, events advance with time
from the dispatch moment, one stage per `SandboxState.tracking_stage_seconds`:
picked_up (집화) → in_transit (간선 이동) → out_for_delivery (배송 출발) → delivered (배송 완료).
The carrier in the URL may be the OMS carrier key ("cj"), a marketplace code ("CJGLS") or the Shopify
company name ("CJ Logistics"): all name the same carrier."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .carriers import carrier_aliases
from .http import Response
from .state import SandboxState

STAGES = [
    ("picked_up", "집화처리", "{hub} 집배점"),
    ("in_transit", "간선상차", "곤지암 Hub"),
    ("out_for_delivery", "배송출발", "{hub} 대리점"),
    ("delivered", "배송완료", "{hub}"),
]
_HUBS = ["서울강남", "성남분당", "부산해운대", "대전서구", "광주서구", "대구중구", "제주"]


ALIASES = carrier_aliases()


def same_carrier(a: str, b: str) -> bool:
    a, b = a.strip().lower(), b.strip().lower()
    return a == b or (a in ALIASES and ALIASES.get(a) == ALIASES.get(b))


def tracking_events(state: SandboxState, carrier: str, number: str, now_text: str | None, now: datetime) -> Response:
    with state.lock:
        shipment = state.shipments.get(number)
        stage_seconds = state.tracking_stage_seconds
    if shipment is None or not same_carrier(carrier, shipment["carrier"]):
        return Response(404, {"error": "unknown tracking number", "carrier": carrier, "number": number})
    if now_text:
        try:
            now = datetime.fromisoformat(now_text.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            return Response(400, {"error": "now must be an ISO-8601 date-time with offset"})
        if now.tzinfo is None:
            return Response(400, {"error": "now must carry an offset"})
    shipped = datetime.fromisoformat(shipment["at"])
    hub = _HUBS[int(number[-1]) % len(_HUBS)] if number[-1:].isdigit() else _HUBS[0]
    events: list[dict[str, Any]] = []
    for index, (status, description, location) in enumerate(STAGES):
        at = shipped + timedelta(seconds=stage_seconds * index)
        if at > now:
            break
        events.append({"status": status, "at": at.isoformat(), "location": location.format(hub=hub),
                       "description": description})
    return Response(200, {"carrier": shipment["carrier"], "number": number, "events": events,
                          "delivered": bool(events) and events[-1]["status"] == "delivered"})
