"""What the shipping app gives the order flow (registered at ready() through `orders.hooks`): its
carriers as `CarrierRef`s (with each marketplace's code, from `Carrier.code_for`), the carrier's
tracking-number rule, and the package an order ships in as a `PackageShipment`."""

from __future__ import annotations

from marketdock.channels.models import ChannelKind
from marketdock.orders.hooks import CarrierRef, PackageShipment, ShippingProvider, TrackingRejected

from . import selectors, tracking_numbers
from .models import Carrier, Package


def carrier_ref(carrier: Carrier) -> CarrierRef:
    codes = {kind: carrier.code_for(kind) for kind in ChannelKind.values}
    return CarrierRef(key=carrier.key, name=carrier.name, name_en=carrier.name_en, tracking_url=carrier.tracking_url,
                      codes={kind: code for kind, code in codes.items() if code}, rule=carrier.rule)


def carriers(*, active_only: bool = True) -> list[CarrierRef]:
    return [carrier_ref(c) for c in selectors.carriers(active_only=active_only)]


def carrier(key: str) -> CarrierRef | None:
    found = selectors.carriers(active_only=False).filter(key=key).first()
    return carrier_ref(found) if found is not None else None


def validate_tracking(ref: CarrierRef, number: str) -> str:
    """The number normalised by the carrier's rule (carried in the `CarrierRef`, no query)."""
    rule = ref.rule if isinstance(ref.rule, tracking_numbers.NumberRule) else Carrier.objects.get(key=ref.key).rule
    try:
        return tracking_numbers.validate(rule, number)
    except tracking_numbers.TrackingNumberError as exc:
        raise TrackingRejected(str(exc)) from None


def package_shipment_of(package: Package) -> PackageShipment:
    found = selectors.carriers(active_only=False).filter(pk=package.carrier_id).first() if package.carrier_id else None
    return PackageShipment(method=package.method or "parcel", carrier=carrier_ref(found) if found else None,
                           tracking_number=package.tracking_number or "", shipped_at=package.shipped_at)


def package_shipment(company, order) -> PackageShipment | None:
    package = selectors.package_for_order(company, order)
    return package_shipment_of(package) if package is not None else None


PROVIDER = ShippingProvider(carriers=carriers, carrier=carrier, validate_tracking=validate_tracking,
                            package_shipment=package_shipment)
