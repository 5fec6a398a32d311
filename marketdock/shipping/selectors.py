"""Shipping reads. Company-owned reads take the company first and filter by it; the carrier master
is platform reference data shared by every company."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from .models import (
    CHANNEL_OF_KIND,
    Carrier,
    CarrierChannelCode,
    CarrierContract,
    IssuedTrackingNumber,
    LabelBatch,
    Package,
    PackageOrder,
    PackageStatus,
    TrackingNumberBand,
)


def carriers(*, active_only: bool = True) -> QuerySet[Carrier]:
    qs = Carrier.objects.prefetch_related(Prefetch("channel_codes", queryset=CarrierChannelCode.objects.all()))
    return qs.filter(is_active=True) if active_only else qs


def carrier_by_key(key: str) -> Carrier:
    return carriers(active_only=False).get(key=key)


def carrier_by_channel_code(channel: str, code: str) -> Carrier | None:
    """The carrier a marketplace code means (e.g. Naver "HYUNDAI" → 롯데택배)."""
    channel = CHANNEL_OF_KIND.get(channel, channel)
    row = CarrierChannelCode.objects.select_related("carrier").filter(channel=channel, code=code).first()
    return row.carrier if row else None


def carrier_keys_by_channel_code(channel: str, codes: set[str]) -> dict[str, str]:
    """The carrier keys of a marketplace's carrier codes or names (Naver `CJGLS`, Coupang `CJ 대한통운`,
    Shopify `CJ Logistics`): its own code first, then the Korean or English carrier name (spaces and
    case ignored). Codes not found are left out. Registered with the orders app at ready()."""
    def norm(text: str) -> str:
        return "".join(text.split()).lower()

    channel = CHANNEL_OF_KIND.get(channel, channel)
    found = {code: key for code, key in CarrierChannelCode.objects.filter(channel=channel, code__in=codes)
             .values_list("code", "carrier__key")}
    rest = {norm(c): c for c in codes if c not in found}
    if rest:
        for key, name, name_en in Carrier.objects.values_list("key", "name", "name_en"):
            for candidate in (name, name_en, key):
                if candidate and norm(candidate) in rest:
                    found.setdefault(rest[norm(candidate)], key)
    return found


def contracts(company, *, active_only: bool = False) -> QuerySet[CarrierContract]:
    qs = CarrierContract.objects.filter(company=company).select_related("carrier", "warehouse")
    return qs.filter(is_active=True) if active_only else qs


def contract_get(company, pk: int) -> CarrierContract:
    return contracts(company).get(pk=pk)


def default_contract(company) -> CarrierContract | None:
    return contracts(company, active_only=True).filter(is_default=True).first()


def bands(company, *, contract=None) -> QuerySet[TrackingNumberBand]:
    qs = TrackingNumberBand.objects.filter(company=company).select_related("contract", "carrier",
                                                                           "contract__warehouse")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def band_get(company, pk: int) -> TrackingNumberBand:
    return bands(company).get(pk=pk)


def bands_near_exhaustion(company) -> QuerySet[TrackingNumberBand]:
    """Active bands whose remaining numbers (end - next + 1) are below their warning threshold."""
    return bands(company).filter(is_active=True, contract__is_active=True).filter(
        warning_threshold__gt=F("end") - F("next_serial") + 1)


def issued_numbers(company, *, band=None, status: str = "") -> QuerySet[IssuedTrackingNumber]:
    qs = IssuedTrackingNumber.objects.filter(company=company).select_related("carrier", "band")
    if band is not None:
        qs = qs.filter(band=band)
    if status:
        qs = qs.filter(status=status)
    return qs


def issued_number_get(company, pk: int) -> IssuedTrackingNumber:
    return issued_numbers(company).get(pk=pk)


# --- packages ----------------------------------------------------------------------------------


def packages(company, *, statuses: list[str] | tuple[str, ...] = ()) -> QuerySet[Package]:
    qs = Package.objects.filter(company=company).select_related("account", "carrier", "warehouse", "contract")
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs


def package_get(company, pk: int) -> Package:
    return packages(company).get(pk=pk)


def package_by_number(company, number: str) -> Package | None:
    """The live package carrying a tracking number (dashes and spaces ignored)."""
    digits = "".join(ch for ch in (number or "") if ch.isalnum()).upper()
    if not digits:
        return None
    return packages(company).exclude(status=PackageStatus.VOIDED).filter(tracking_number=digits).first()


def package_for_order(company, order) -> Package | None:
    """The package an order ships in (None when it has not been packed). For the order flow: when an
    order ships, `package.method` (parcel | visit | direct), `package.carrier` (Carrier or None),
    `package.tracking_number` ("" for visit/direct), `package.handover_date` and `package.shipped_at`
    are what the marketplace is told."""
    membership = (PackageOrder.objects.filter(company=company, order_id=getattr(order, "pk", order))
                  .select_related("package", "package__carrier", "package__contract").first())
    return membership.package if membership else None


def package_orders(company, package: Package):
    from marketdock.orders.models import Order

    return Order.objects.filter(company=company, package_membership__package=package).select_related("account")


def label_batches(company) -> QuerySet[LabelBatch]:
    return LabelBatch.objects.filter(company=company).defer("pdf").select_related("job_run", "created_by")


def label_batch_get(company, pk: int) -> LabelBatch:
    return LabelBatch.objects.filter(company=company).select_related("job_run").get(pk=pk)
