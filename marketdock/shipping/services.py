"""Shipping state changes: carrier contracts, tracking-number bands and issuing numbers from them.

Issuing is safe under concurrency without locks held across reads: a band's `next_serial` only
moves by a conditional UPDATE (`next_serial = next_serial + n WHERE next_serial + n - 1 <= end`),
so two workers can never take the same serials, on PostgreSQL or SQLite. Each issued number is kept
(unique per company + carrier + number), so a number is never handed out twice, even after voiding.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import Company

from . import tracking_numbers
from .models import (
    BOX_SIZES,
    Carrier,
    CarrierContract,
    IssuedTrackingNumber,
    SettlementType,
    TrackingNumberBand,
)

logger = logging.getLogger(__name__)

MAX_ISSUE = 10_000  # numbers per call
MAX_BAND_SIZE = 100_000_000


class ShippingError(Exception):
    """A refused shipping operation; the message is for the seller."""


class BandExhausted(ShippingError):
    def __init__(self, message: str, *, requested: int, remaining: int) -> None:
        super().__init__(message)
        self.requested = requested
        self.remaining = remaining


# --- carrier contracts -------------------------------------------------------------------------


def box_rates_clean(rates: Sequence[dict]) -> list[dict]:
    """[{code, name, price}] with known box codes, no duplicates, whole-won prices >= 0."""
    known = {code for code, _label in BOX_SIZES}
    cleaned: list[dict] = []
    seen: set[str] = set()
    for i, rate in enumerate(rates, start=1):
        code = str(rate.get("code") or "").strip().upper()
        if not code:
            continue
        if code not in known:
            raise ShippingError(_("%(n)s번째 박스: 알 수 없는 박스 크기 코드 '%(code)s'입니다.") % {"n": i, "code": code})
        if code in seen:
            raise ShippingError(_("%(n)s번째 박스: 박스 크기 %(code)s가 중복되었습니다.") % {"n": i, "code": code})
        try:
            price = int(rate.get("price") or 0)
        except (TypeError, ValueError):
            raise ShippingError(_("%(n)s번째 박스: 운임 '%(price)s'은(는) 숫자가 아닙니다.")
                                % {"n": i, "price": rate.get("price")}) from None
        if price < 0:
            raise ShippingError(_("%(n)s번째 박스: 운임은 0원 이상이어야 합니다.") % {"n": i})
        seen.add(code)
        cleaned.append({"code": code, "name": str(rate.get("name") or "").strip()[:30], "price": price})
    order = [code for code, _label in BOX_SIZES]
    return sorted(cleaned, key=lambda r: order.index(r["code"]))


def contract_save(
    *, company: Company, contract: CarrierContract | None = None, carrier: Carrier, name: str,
    contract_code: str, warehouse, customer_no: str = "", settlement: str = SettlementType.CREDIT,
    box_rates: Sequence[dict] = (), is_default: bool = False, is_active: bool = True,
) -> CarrierContract:
    if warehouse.company_id != company.pk:
        raise ShippingError(_("출고지 창고를 찾을 수 없습니다."))
    if contract is not None and contract.company_id != company.pk:
        raise ShippingError(_("택배 계약을 찾을 수 없습니다."))
    name = name.strip()
    contract_code = contract_code.strip()
    if not name:
        raise ShippingError(_("계약명을 입력하세요."))
    if not contract_code:
        raise ShippingError(_("계약코드(신용코드)를 입력하세요."))
    if contract is not None and contract.carrier_id != carrier.pk and contract.bands.exists():
        raise ShippingError(_("송장 대역이 등록된 계약은 택배사를 바꿀 수 없습니다. 새 계약을 등록하세요."))
    if CarrierContract.objects.filter(company=company, name=name).exclude(pk=getattr(contract, "pk", None)).exists():
        raise ShippingError(_("같은 이름의 택배 계약 '%(name)s'이(가) 이미 있습니다.") % {"name": name})
    rates = box_rates_clean(box_rates)
    with transaction.atomic():
        if is_default:
            CarrierContract.objects.filter(company=company, is_default=True).exclude(
                pk=getattr(contract, "pk", None)).update(is_default=False)
        contract = contract or CarrierContract(company=company)
        contract.carrier = carrier
        contract.name = name
        contract.contract_code = contract_code
        contract.customer_no = customer_no.strip()
        contract.warehouse = warehouse
        contract.settlement = settlement
        contract.box_rates = rates
        contract.is_default = is_default and is_active
        contract.is_active = is_active
        contract.save()
    return contract


def contract_delete(*, company: Company, contract: CarrierContract) -> None:
    if contract.company_id != company.pk:
        raise ShippingError(_("택배 계약을 찾을 수 없습니다."))
    if contract.bands.exists() or IssuedTrackingNumber.objects.filter(company=company, contract=contract).exists():
        raise ShippingError(_("송장 대역이나 발번된 송장번호가 있는 계약은 삭제할 수 없습니다. '사용'을 해제하세요."))
    contract.delete()


# --- bands -------------------------------------------------------------------------------------


def _band_widths(carrier: Carrier) -> list[int]:
    rule = carrier.rule
    widths = {length - 1 if rule.check_algorithm(length) else length for length in rule.lengths}
    return sorted(w for w in widths if tracking_numbers.band_number_length(rule, w) is not None)


def band_create(
    *, company: Company, contract: CarrierContract, start: str, end: str, warning_threshold: int = 500,
    memo: str = "", user=None,
) -> TrackingNumberBand:
    """Register a band of serials (without the check digit) for a contract. It may not overlap
    another band of the same carrier in the company."""
    if contract.company_id != company.pk:
        raise ShippingError(_("택배 계약을 찾을 수 없습니다."))
    carrier = contract.carrier
    start, end = tracking_numbers.normalize(start), tracking_numbers.normalize(end)
    if not carrier.supports_bands or carrier.number_format != Carrier.NumberFormat.DIGITS:
        raise ShippingError(_("%(carrier)s은(는) 송장 대역 발번을 지원하지 않습니다.") % {"carrier": carrier.name})
    if not start.isdigit() or not end.isdigit():
        raise ShippingError(_("시작 번호와 끝 번호는 숫자만 입력하세요 (입력: '%(start)s', '%(end)s').")
                            % {"start": start, "end": end})
    if len(start) != len(end):
        raise ShippingError(_("시작 번호(%(a)s자리)와 끝 번호(%(b)s자리)의 자릿수가 같아야 합니다.")
                            % {"a": len(start), "b": len(end)})
    width = len(start)
    if tracking_numbers.band_number_length(carrier.rule, width) is None:
        widths = _band_widths(carrier)
        raise ShippingError(
            _("%(carrier)s 대역 번호는 검증번호를 뺀 %(widths)s자리여야 합니다 (입력: %(n)s자리).")
            % {"carrier": carrier.name, "widths": _(" 또는 ").join(str(w) for w in widths) or "-", "n": width})
    first, last = int(start), int(end)
    if first > last:
        raise ShippingError(_("시작 번호가 끝 번호보다 큽니다: %(start)s > %(end)s") % {"start": start, "end": end})
    if last - first + 1 > MAX_BAND_SIZE:
        raise ShippingError(_("한 대역은 최대 %(max)s개 번호까지 등록할 수 있습니다.") % {"max": f"{MAX_BAND_SIZE:,}"})
    if warning_threshold < 0:
        raise ShippingError(_("소진 경고 기준은 0 이상이어야 합니다."))
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()  # one band registration at a time
        overlap = TrackingNumberBand.objects.filter(
            company=company, carrier=carrier, width=width, start__lte=last, end__gte=first
        ).select_related("contract").first()
        if overlap is not None:
            raise ShippingError(
                _("입력한 대역 %(start)s~%(end)s이(가) 계약 '%(contract)s'의 대역 %(a)s~%(b)s와 겹칩니다.")
                % {"start": start, "end": end, "contract": overlap.contract.name, "a": overlap.start_text,
                   "b": overlap.end_text})
        return TrackingNumberBand.objects.create(
            company=company, contract=contract, carrier=carrier, start=first, end=last, width=width,
            next_serial=first, warning_threshold=warning_threshold, memo=memo.strip()[:200],
            created_by=user if user is not None and user.pk else None,
        )


def band_set_active(*, company: Company, band: TrackingNumberBand, active: bool) -> TrackingNumberBand:
    if band.company_id != company.pk:
        raise ShippingError(_("송장 대역을 찾을 수 없습니다."))
    TrackingNumberBand.objects.filter(pk=band.pk, company=company).update(is_active=active)
    band.is_active = active
    return band


# --- issuing numbers ---------------------------------------------------------------------------


def _take(band_id: int, count: int) -> int | None:
    """Atomically advance the band by `count` serials; the first serial taken, or None when fewer
    than `count` remain. Must run inside a transaction (the row stays locked until commit)."""
    updated = TrackingNumberBand.objects.filter(
        pk=band_id, is_active=True, next_serial__lte=F("end") - count + 1
    ).update(next_serial=F("next_serial") + count)
    if not updated:
        return None
    new_next = TrackingNumberBand.objects.filter(pk=band_id).values_list("next_serial", flat=True).get()
    return new_next - count


def _remaining(band_id: int) -> int:
    row = TrackingNumberBand.objects.filter(pk=band_id, is_active=True).values_list("next_serial", "end").first()
    return max(0, row[1] - row[0] + 1) if row else 0


def tracking_number_issue(
    *, company: Company, contract: CarrierContract, count: int, references: Sequence[str] | None = None
) -> list[str]:
    """Issue `count` new tracking numbers from the contract's active bands (oldest band first),
    with the carrier's check digit. All or nothing: when the bands hold fewer than `count`
    numbers, BandExhausted and nothing is issued."""
    if contract.company_id != company.pk:
        raise ShippingError(_("택배 계약을 찾을 수 없습니다."))
    if count < 1 or count > MAX_ISSUE:
        raise ShippingError(_("한 번에 1~%(max)s개까지 발번할 수 있습니다 (요청: %(n)s).") % {"max": MAX_ISSUE, "n": count})
    if references is not None and len(references) != count:
        raise ValueError("references must have one entry per number")
    if not contract.is_active:
        raise ShippingError(_("사용하지 않는 택배 계약입니다: %(name)s") % {"name": contract.name})
    carrier = contract.carrier
    rule = carrier.rule
    band_ids = list(TrackingNumberBand.objects.filter(company=company, contract=contract, is_active=True)
                    .order_by("start", "id").values_list("pk", "width"))
    now = timezone.now()
    rows: list[IssuedTrackingNumber] = []
    with transaction.atomic():
        needed = count
        for band_id, width in band_ids:
            remaining = _remaining(band_id)
            while needed and remaining:
                take = min(needed, remaining)
                first = _take(band_id, take)
                if first is None:  # another worker took some meanwhile: look again
                    remaining = _remaining(band_id)
                    continue
                for serial in range(first, first + take):
                    rows.append(IssuedTrackingNumber(
                        company=company, carrier=carrier, contract=contract, band_id=band_id,
                        number=tracking_numbers.compose(rule, serial, width), issued_at=now,
                        reference=references[len(rows)] if references else ""))
                needed -= take
                remaining = _remaining(band_id) if needed else 0
            if not needed:
                break
        if needed:
            left = sum(_remaining(pk) for pk, _w in band_ids) + (count - needed)  # before this request
            raise BandExhausted(
                _("%(carrier)s 계약 '%(contract)s'의 송장 대역이 부족합니다: 요청 %(n)s건, 남은 번호 %(left)s건. "
                  "택배사에 추가 대역을 받아 [송장 대역]에 등록하세요.")
                % {"carrier": carrier.name, "contract": contract.name, "n": count, "left": left},
                requested=count, remaining=left)
        try:
            with transaction.atomic():
                IssuedTrackingNumber.objects.bulk_create(rows)
        except IntegrityError:
            raise ShippingError(_("대역의 번호 중 이미 발번된 번호가 있습니다. 대역 설정을 확인하세요.")) from None
    for band in TrackingNumberBand.objects.filter(pk__in=[pk for pk, _w in band_ids]):
        if band.is_active and band.near_exhaustion:
            logger.warning("tracking-number band %s of company %s: %s numbers left", band.pk, company.pk,
                           band.remaining)
    return [row.number for row in rows]


def tracking_number_void(*, company: Company, number: IssuedTrackingNumber, reason: str = "") -> IssuedTrackingNumber:
    """Void an issued number: it stays recorded (and so is never issued again)."""
    if number.company_id != company.pk:
        raise ShippingError(_("송장번호를 찾을 수 없습니다."))
    now = timezone.now()
    updated = IssuedTrackingNumber.objects.filter(pk=number.pk, company=company).exclude(
        status=IssuedTrackingNumber.Status.VOIDED
    ).update(status=IssuedTrackingNumber.Status.VOIDED, voided_at=now, void_reason=reason.strip()[:200])
    if not updated:
        raise ShippingError(_("이미 폐기된 송장번호입니다: %(number)s") % {"number": number.number})
    number.refresh_from_db()
    return number


def tracking_number_mark_used(*, company: Company, number: IssuedTrackingNumber, reference: str = "") -> IssuedTrackingNumber:
    if number.company_id != company.pk:
        raise ShippingError(_("송장번호를 찾을 수 없습니다."))
    fields = {"status": IssuedTrackingNumber.Status.USED, "used_at": timezone.now()}
    if reference:
        fields["reference"] = reference[:100]
    updated = IssuedTrackingNumber.objects.filter(
        pk=number.pk, company=company, status=IssuedTrackingNumber.Status.ISSUED).update(**fields)
    if not updated:
        raise ShippingError(_("사용할 수 없는 송장번호입니다 (%(status)s): %(number)s")
                            % {"status": number.get_status_display(), "number": number.number})
    number.refresh_from_db()
    return number


def tracking_number_validate(*, carrier: Carrier, number: str) -> str:
    """The normalised number, or ShippingError with the carrier's rule in Korean."""
    try:
        return tracking_numbers.validate(carrier.rule, number)
    except tracking_numbers.TrackingNumberError as exc:
        raise ShippingError(str(exc)) from None
