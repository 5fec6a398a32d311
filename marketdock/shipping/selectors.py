"""Shipping reads. Company-owned reads take the company first and filter by it; the carrier master
is platform reference data shared by every company."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from .models import Carrier, CarrierChannelCode, CarrierContract, IssuedTrackingNumber, TrackingNumberBand


def carriers(*, active_only: bool = True) -> QuerySet[Carrier]:
    qs = Carrier.objects.prefetch_related(Prefetch("channel_codes", queryset=CarrierChannelCode.objects.all()))
    return qs.filter(is_active=True) if active_only else qs


def carrier_by_key(key: str) -> Carrier:
    return carriers(active_only=False).get(key=key)


def carrier_by_channel_code(channel: str, code: str) -> Carrier | None:
    """The carrier a marketplace code means (e.g. Naver "HYUNDAI" → 롯데택배)."""
    row = CarrierChannelCode.objects.select_related("carrier").filter(channel=channel, code=code).first()
    return row.carrier if row else None


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
