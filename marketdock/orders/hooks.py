"""What orders asks of higher apps, registered from their `ready()` (never an upward import).

`carrier_keys_for(channel, codes)`: the marketplace's carrier codes or names (Naver `CJGLS`, Coupang
`CJ 대한통운`, Shopify free text) → the OMS carrier key, for orders the marketplace reports as already
dispatched. The shipping app registers the resolver over its carrier master::

    from marketdock.orders.hooks import register_carrier_resolver
    register_carrier_resolver(resolve)   # resolve(channel: str, codes: set[str]) -> dict[str, str]

Codes nobody can resolve map to "" (the tracking number is kept; the carrier is shown as unknown).

`shipping()`: the carriers and packages the order flow needs when lines ship (the carrier of a typed
tracking number and its number rule, the package an order ships in, the carrier names of the
screens and sheets). The shipping app registers one `ShippingProvider` at ready()::

    from marketdock.orders.hooks import ShippingProvider, register_shipping
    register_shipping(ShippingProvider(carriers=..., carrier=..., validate_tracking=..., package_shipment=...))

It hands over plain `CarrierRef` / `PackageShipment` values, never its models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

Resolver = Callable[[str, set[str]], dict[str, str]]
_resolvers: list[Resolver] = []


def register_carrier_resolver(fn: Resolver) -> Resolver:
    """Register `fn(channel, codes) -> {code: carrier key}`; registering twice is a no-op."""
    if fn not in _resolvers:
        _resolvers.append(fn)
    return fn


def carrier_keys_for(channel: str, codes: Iterable[str]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    found: dict[str, str] = {}
    for resolver in list(_resolvers):
        if not wanted - set(found):
            break
        for code, key in resolver(channel, wanted - set(found)).items():
            if key:
                found[code] = key
    return {code: found.get(code, "") for code in wanted}


# --- carriers and packages (registered by the shipping app) ------------------------------------------


class TrackingRejected(Exception):
    """A tracking number the carrier's rule refuses; `str(exc)` is a Korean message for the user."""


@dataclass(frozen=True)
class CarrierRef:
    """A carrier as the order flow sees it. `codes`: the marketplace's own code per channel kind
    (`naver` → `CJGLS`), resolved by the shipping app's carrier master."""

    key: str
    name: str
    name_en: str = ""
    tracking_url: str = ""  # the carrier's tracking page, the number appended
    codes: Mapping[str, str] = field(default_factory=dict)
    rule: object = field(default=None, compare=False, repr=False)  # the shipping app's number rule (opaque here)

    def code_for(self, channel: str) -> str:
        return self.codes.get(channel, "")

    def tracking_url_for(self, number: str) -> str:
        return f"{self.tracking_url}{number}" if self.tracking_url and number else ""


@dataclass(frozen=True)
class PackageShipment:
    """How a packed order leaves: parcel (carrier + number) or visit / direct (no number)."""

    method: str
    carrier: CarrierRef | None = None
    tracking_number: str = ""
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class ShippingProvider:
    carriers: Callable[..., list[CarrierRef]]  # carriers(active_only=True), in display order
    carrier: Callable[[str], CarrierRef | None]  # by key, active or not
    validate_tracking: Callable[[CarrierRef, str], str]  # the normalised number; raises TrackingRejected
    package_shipment: Callable[..., PackageShipment | None]  # package_shipment(company, order)


_shipping: list[ShippingProvider] = []


def register_shipping(provider: ShippingProvider) -> ShippingProvider:
    """Register the shipping app's provider (the last registration wins)."""
    _shipping[:] = [provider]
    return provider


def shipping() -> ShippingProvider:
    if not _shipping:
        raise RuntimeError("no shipping provider registered (marketdock.shipping must be in INSTALLED_APPS)")
    return _shipping[0]


# --- shipments another app reports to the marketplace itself (registered by claims) -------------------
#
# An exchange's replacement ships as an order of its own (claims creates it through
# `services.order_reship_create`), through packages, labels and the scan check like any other; the
# marketplace must hear about it as the claim's re-shipment, not as a 송장전송 of an order it does not
# know. The claims app registers a taker at ready()::
#
#     register_shipment_taker(fn)   # fn(*, company, order, lines, shipment) -> bool
#
# called inside the order flow's transaction when lines ship; True means "this shipment is mine: I
# queued what the marketplace must hear", and the order flow then sends no 송장전송 of its own.

ShipmentTaker = Callable[..., bool]
_takers: list[ShipmentTaker] = []


def register_shipment_taker(fn: ShipmentTaker) -> ShipmentTaker:
    if fn not in _takers:
        _takers.append(fn)
    return fn


def shipment_taken(*, company, order, lines, shipment) -> bool:
    return any([taker(company=company, order=order, lines=lines, shipment=shipment) for taker in list(_takers)])


# --- extra actions on the order detail (registered by higher apps) -------------------------------------
#
#     register_order_action(fn)   # fn(*, request, order) -> [(label, url), ...]
#
# The order detail shows each as a link button (e.g. claims: 클레임 등록 / 품절 취소).

OrderAction = Callable[..., Iterable[tuple[str, str]]]
_actions: list[OrderAction] = []


def register_order_action(fn: OrderAction) -> OrderAction:
    if fn not in _actions:
        _actions.append(fn)
    return fn


def order_actions(*, request, order) -> list[tuple[str, str]]:
    return [action for fn in list(_actions) for action in (fn(request=request, order=order) or ())]


# --- bulk actions on the order list's selection (registered by higher apps) ---------------------------
#
#     register_bulk_action(fn)   # fn(*, request) -> [BulkAction(...), ...]
#
# The order list shows each as a button beside its own bulk actions; pressing it opens `url` with the
# selected orders as `?order=<id>&order=<id>…` plus `back=<the list's query>` (a GET: the action's own
# screen confirms and does the work, company-scoped and permission-checked there). `fn` returns only
# the actions the request's user may use (e.g. claims: 문자 보내기 for users who may send SMS).


@dataclass(frozen=True)
class BulkAction:
    key: str  # stable name: the button's data-testid is `bulk-<key>`
    label: str
    url: str


BulkActions = Callable[..., Iterable[BulkAction]]
_bulk_actions: list[BulkActions] = []


def register_bulk_action(fn: BulkActions) -> BulkActions:
    if fn not in _bulk_actions:
        _bulk_actions.append(fn)
    return fn


def bulk_actions(*, request) -> list[BulkAction]:
    return [action for fn in list(_bulk_actions) for action in (fn(request=request) or ())]


# --- lines changed (registered by settlement) ---------------------------------------------------------
# `lines_changed(company_id, line_ids)` is called after order lines were created or changed (collection,
# edits); a higher app (settlement: expected settlement per line) registers a listener that queues the
# lines for its own debounced recomputation. Listeners run inside the caller's transaction: keep them cheap.

LinesListener = Callable[[int, list[int]], None]
_lines_listeners: list[LinesListener] = []


def register_lines_changed(fn: LinesListener) -> LinesListener:
    """Register `fn(company_id, line_ids)`; registering twice is a no-op."""
    if fn not in _lines_listeners:
        _lines_listeners.append(fn)
    return fn


def lines_changed(company_id: int, line_ids: Iterable[int]) -> None:
    ids = sorted({int(i) for i in line_ids if i})
    if not ids:
        return
    for listener in list(_lines_listeners):
        listener(company_id, ids)


# --- order history listeners (registered by higher apps, e.g. saas webhooks) ----------------------------

EventsListener = Callable[..., None]
_event_listeners: list[EventsListener] = []


def on_order_events(fn: EventsListener) -> EventsListener:
    """Register `fn(*, company, events: list[OrderEvent])`, told about every order history row
    `orders/events.py` writes, inside the transaction that writes it (so what a listener writes — an
    outbox message — commits or rolls back with the change). Listeners must be small and do no
    network I/O; registering twice is a no-op."""
    if fn not in _event_listeners:
        _event_listeners.append(fn)
    return fn


def order_events_recorded(rows: list) -> None:
    by_company: dict[int, list] = {}
    for row in rows:
        by_company.setdefault(row.company_id, []).append(row)
    for listener in list(_event_listeners):
        for events in by_company.values():
            listener(company=events[0].company, events=events)
