"""Delivery tracking (SHP-9): poll the tracking provider for shipped packages and move them (and their
orders, through the order flow) to 배송중 / 배송완료.

Events are stored once each (`TrackingEvent`, unique per package + time + status + text). The
package's status follows the furthest event seen: any pickup / transit / out-for-delivery event →
배송중, a delivered event → 배송완료. Delivered is sticky: a transit scan logged after delivery (carriers
do that) never moves a package or an order back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import Company, User
from marketdock.orders.models import OrderStatus

from . import selectors
from .models import Package, PackageMethod, PackageStatus, TrackingEvent, TrackingEventStatus

logger = logging.getLogger(__name__)

POLLED = (PackageStatus.SHIPPED, PackageStatus.IN_TRANSIT)
BATCH = 200
MOVING = {TrackingEventStatus.PICKED_UP, TrackingEventStatus.IN_TRANSIT, TrackingEventStatus.OUT_FOR_DELIVERY}
RANK = {PackageStatus.SHIPPED: 0, PackageStatus.IN_TRANSIT: 1, PackageStatus.DELIVERED: 2}


def default_provider():
    """The configured tracking provider (`TRACKING_PROVIDER`; the sandbox one by default)."""
    from .tracking_provider import tracking_provider

    return tracking_provider()


@dataclass
class PollResult:
    polled: int = 0
    new_events: int = 0
    in_transit: int = 0
    delivered: int = 0
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"조회": self.polled, "새 이벤트": self.new_events, "배송중": self.in_transit,
                "배송완료": self.delivered, "오류": len(self.errors)}


def _field(event, name: str, default=""):
    return event.get(name, default) if isinstance(event, dict) else getattr(event, name, default)


def _status_for(statuses: set[str]) -> str:
    if TrackingEventStatus.DELIVERED in statuses:
        return PackageStatus.DELIVERED
    if statuses & {s.value for s in MOVING}:
        return PackageStatus.IN_TRANSIT
    return PackageStatus.SHIPPED


def pollable(company: Company):
    """Shipped parcel packages still on their way, least recently polled first."""
    return (selectors.packages(company, statuses=POLLED).filter(method=PackageMethod.PARCEL)
            .exclude(tracking_number="").order_by("last_polled_at", "shipped_at", "id"))


def package_events_record(*, company: Company, package: Package, events: Sequence, user: User | None = None) -> str:
    """Store the provider's events for a package and move it (and its orders) forward. Returns the
    package's status afterwards."""
    if package.company_id != company.pk:
        raise ValueError("package of another company")
    now = timezone.now()
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk, company=company)
        known = set(TrackingEvent.objects.filter(package=package).values_list("at", "status", "description"))
        rows = []
        for event in events:
            status = str(_field(event, "status"))
            if status not in TrackingEventStatus.values:
                continue
            at = _field(event, "at", None) or now
            description = str(_field(event, "description") or "")[:300]
            if (at, status, description) in known:
                continue
            known.add((at, status, description))
            rows.append(TrackingEvent(company=company, package=package, status=status, at=at, description=description,
                                      location=str(_field(event, "location") or "")[:200]))
        TrackingEvent.objects.bulk_create(rows, ignore_conflicts=True)
        all_events = list(TrackingEvent.objects.filter(package=package).order_by("at", "id"))
        target = _status_for({e.status for e in all_events})
        fields = ["last_polled_at"]
        package.last_polled_at = now
        if all_events:
            delivered = [e for e in all_events if e.status == TrackingEventStatus.DELIVERED]
            last = delivered[-1] if delivered else all_events[-1]  # delivered outranks later scans
            package.last_event_status, package.last_event_at = last.status, last.at
            package.last_event_text = " · ".join(x for x in (last.description, last.location) if x)[:300]
            fields += ["last_event_status", "last_event_at", "last_event_text"]
        if RANK.get(target, 0) > RANK.get(package.status, 0):
            package.status = target
            fields.append("status")
            if target == PackageStatus.DELIVERED:
                package.delivered_at = next(e.at for e in all_events if e.status == TrackingEventStatus.DELIVERED)
                fields.append("delivered_at")
        package.save(update_fields=fields)
        _orders_follow(company, package, user)
    return package.status


def _orders_follow(company: Company, package: Package, user: User | None) -> None:
    from marketdock.orders.services import order_transition

    want = {PackageStatus.IN_TRANSIT: OrderStatus.IN_TRANSIT, PackageStatus.DELIVERED: OrderStatus.DELIVERED}.get(
        package.status)
    if want is None:
        return
    behind = {OrderStatus.IN_TRANSIT: [OrderStatus.SHIPPED],
              OrderStatus.DELIVERED: [OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT]}[want]
    orders = list(selectors.package_orders(company, package).filter(status__in=behind))
    if orders:
        result = order_transition(company=company, orders=orders, to=want, user=user,
                                  reason=_("배송추적 %(number)s") % {"number": package.tracking_number})
        for row in result.failed:
            logger.warning("tracking: order %s not moved to %s: %s", row.order.pk, want, row.message)


def packages_poll(*, company: Company, packages: Sequence[Package] | None = None, provider=None,
                  limit: int = BATCH, progress: Callable[[int, int], None] | None = None,
                  user: User | None = None) -> PollResult:
    """Ask the provider about shipped packages (the given ones, or the `limit` least recently polled)
    and record what it says. A provider error for one package is noted and the batch goes on."""
    provider = provider or default_provider()
    todo = list(packages) if packages is not None else list(pollable(company)[:limit])
    out = PollResult()
    for i, package in enumerate(todo, start=1):
        if package.company_id != company.pk or package.status not in POLLED or not package.tracking_number:
            continue
        before = package.status
        try:
            events = provider.events(package.carrier.key if package.carrier_id else "", package.tracking_number)
        except Exception as exc:  # noqa: BLE001 — one carrier's outage must not stop the batch
            out.errors.append(f"{package.tracking_number}: {exc}")
            Package.objects.filter(pk=package.pk).update(last_polled_at=timezone.now())
            continue
        known = TrackingEvent.objects.filter(package=package).count()
        after = package_events_record(company=company, package=package, events=events, user=user)
        out.polled += 1
        out.new_events += TrackingEvent.objects.filter(package=package).count() - known
        if after != before:
            if after == PackageStatus.IN_TRANSIT:
                out.in_transit += 1
            elif after == PackageStatus.DELIVERED:
                out.delivered += 1
        if progress is not None:
            progress(i, len(todo))
    return out
