"""How lines leave (SHP-4): the method (택배 / 방문수령 / 직접배송), the carrier and the tracking number —
typed or uploaded by the seller (checked against the carrier's number rule), or taken from the package
the order was packed in. Carriers and packages belong to the shipping app; the order flow asks for
them through `orders.hooks.shipping()` and gets plain `CarrierRef` / `PackageShipment` values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core.models import Company

from ..hooks import CarrierRef, PackageShipment, TrackingRejected, shipping
from ..models import Order
from .lines import FlowError

METHODS = ("parcel", "visit", "direct")
METHOD_LABELS = {"parcel": gettext_lazy("택배"), "visit": gettext_lazy("방문수령"), "direct": gettext_lazy("직접배송")}


@dataclass
class Shipment:
    """How lines leave: method, carrier (parcel only) and tracking number."""

    method: str = "parcel"
    carrier: CarrierRef | None = None
    number: str = ""
    shipped_at: datetime | None = None

    @property
    def label(self) -> str:
        """"CJ대한통운 123…" for a parcel, else the method's name."""
        if self.number and self.carrier is not None:
            return f"{self.carrier.name} {self.number}"
        return str(METHOD_LABELS[self.method])


def carrier_get(value: CarrierRef | str) -> CarrierRef:
    """A carrier by its key (a `CarrierRef` is taken as it is)."""
    if isinstance(value, CarrierRef):
        return value
    found = shipping().carrier(str(value))
    if found is None:
        raise FlowError(_("알 수 없는 택배사입니다: %(c)s") % {"c": value})
    return found


def shipment_from_tracking(carrier: CarrierRef | str, number: str) -> Shipment:
    """A parcel shipment from a typed/uploaded (carrier, number): the number is checked against
    the carrier's rule (length, check digit) and normalised."""
    carrier = carrier_get(carrier)
    try:
        normal = shipping().validate_tracking(carrier, str(number or ""))
    except TrackingRejected as exc:
        raise FlowError(str(exc)) from None
    return Shipment(method="parcel", carrier=carrier, number=normal)


def _from_package(package: PackageShipment) -> Shipment:
    if package.method == "parcel":
        if not package.tracking_number or package.carrier is None:
            raise FlowError(_("묶음에 송장번호가 없습니다. 운송장을 먼저 출력하세요."))
        return Shipment(method="parcel", carrier=package.carrier, number=package.tracking_number,
                        shipped_at=package.shipped_at)
    return Shipment(method=package.method, shipped_at=package.shipped_at)


def shipment_for(company: Company, order: Order, *, tracking: tuple | None, method: str,
                 package: PackageShipment | None) -> Shipment:
    """The shipment of `order`: the given (carrier, number), else the given package or the order's own
    package, else 방문수령/직접배송 without a number."""
    if tracking is not None:
        carrier, number = tracking
        return shipment_from_tracking(carrier, number)
    if package is None and method == "parcel":
        package = shipping().package_shipment(company, order)
    if package is not None:
        return _from_package(package)
    if method in ("visit", "direct"):
        return Shipment(method=method)
    if method not in METHODS:
        raise FlowError(_("알 수 없는 배송방법입니다: %(m)s") % {"m": method})
    raise FlowError(_("송장번호가 없습니다. 운송장을 출력하거나 송장번호를 입력하세요."))
