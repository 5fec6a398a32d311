"""Tracking-number bands: registering (no overlaps, right widths), issuing with the carrier's check
digit, all-or-nothing exhaustion, never issuing a number twice (also after voiding, also with
concurrent workers), the 소진 임박 tile and the band-backed label service."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from marketdock.core.dashboard import tiles_for
from marketdock.shipping import services
from marketdock.shipping.label_services import BandLabelService, LabelRequest
from marketdock.shipping.models import IssuedTrackingNumber, TrackingNumberBand
from marketdock.shipping.tracking_numbers import is_valid
from tests.factories.shipping import make_contract


def test_band_issues_numbers_in_order_with_the_mod7_check_digit(company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="31765377481", end="31765377490")
    numbers = services.tracking_number_issue(company=company, contract=lotte_contract, count=3)
    assert numbers == ["317653774815", "317653774826", "317653774830"]
    assert all(int(n[:-1]) % 7 == int(n[-1]) for n in numbers)
    assert all(is_valid(lotte_contract.carrier.rule, n) for n in numbers)
    more = services.tracking_number_issue(company=company, contract=lotte_contract, count=2)
    assert more[0][:-1] == "31765377484"
    assert IssuedTrackingNumber.objects.filter(company=company).count() == 5


def test_cj_band_numbers_are_the_serial_itself(company, warehouse):
    cj = make_contract(company, "cj", warehouse=warehouse)
    services.band_create(company=company, contract=cj, start="000100000001", end="000100000100")
    assert services.tracking_number_issue(company=company, contract=cj, count=2) == ["000100000001", "000100000002"]


def test_exhaustion_is_all_or_nothing_with_a_clear_message(company, lotte_contract):
    band = services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000005")
    services.tracking_number_issue(company=company, contract=lotte_contract, count=3)
    with pytest.raises(services.BandExhausted) as err:
        services.tracking_number_issue(company=company, contract=lotte_contract, count=3)
    assert "요청 3건, 남은 번호 2건" in str(err.value)
    band.refresh_from_db()
    assert band.remaining == 2  # nothing taken by the refused request
    assert services.tracking_number_issue(company=company, contract=lotte_contract, count=2)
    with pytest.raises(services.BandExhausted, match="남은 번호 0건"):
        services.tracking_number_issue(company=company, contract=lotte_contract, count=1)


def test_a_request_spans_the_next_band_when_the_first_runs_out(company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000002")
    services.band_create(company=company, contract=lotte_contract, start="30000000101", end="30000000110")
    numbers = services.tracking_number_issue(company=company, contract=lotte_contract, count=4)
    assert [n[:-1] for n in numbers] == ["30000000001", "30000000002", "30000000101", "30000000102"]


def test_a_voided_number_is_kept_and_never_issued_again(company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    first = services.tracking_number_issue(company=company, contract=lotte_contract, count=1)[0]
    row = IssuedTrackingNumber.objects.get(number=first)
    services.tracking_number_void(company=company, number=row, reason="라벨 오출력")
    row.refresh_from_db()
    assert row.status == "voided" and row.void_reason == "라벨 오출력"
    again = services.tracking_number_issue(company=company, contract=lotte_contract, count=8)
    assert first not in again
    with pytest.raises(services.ShippingError, match="이미 폐기"):
        services.tracking_number_void(company=company, number=row)


def test_inactive_bands_and_contracts_do_not_issue(company, lotte_contract):
    band = services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    services.band_set_active(company=company, band=band, active=False)
    with pytest.raises(services.BandExhausted):
        services.tracking_number_issue(company=company, contract=lotte_contract, count=1)


@pytest.mark.parametrize("start, end, fragment", [
    ("3000000000A", "30000000009", "숫자만"),
    ("30000000001", "3000000009", "자릿수가 같아야"),
    ("3000000001", "3000000009", None),  # 10-digit Lotte numbers (no enforced check digit) are fine
    ("300000000001", "300000000009", "10 또는 11 또는 13자리"),
    ("30000000009", "30000000001", "시작 번호가 끝 번호보다 큽니다"),
])
def test_band_input_is_validated(company, lotte_contract, start, end, fragment):
    if fragment is None:
        assert services.band_create(company=company, contract=lotte_contract, start=start, end=end).width == 10
        return
    with pytest.raises(services.ShippingError) as err:
        services.band_create(company=company, contract=lotte_contract, start=start, end=end)
    assert fragment in str(err.value)
    assert not TrackingNumberBand.objects.exists()


def test_bands_of_one_carrier_may_not_overlap_even_across_contracts(company, warehouse, other_company):
    a = make_contract(company, "lotte", name="롯데 A", warehouse=warehouse)
    b = make_contract(company, "lotte", name="롯데 B", warehouse=warehouse)
    services.band_create(company=company, contract=a, start="30000000100", end="30000000200")
    with pytest.raises(services.ShippingError, match="롯데 A"):
        services.band_create(company=company, contract=b, start="30000000200", end="30000000300")
    services.band_create(company=company, contract=b, start="30000000201", end="30000000300")
    # another carrier, or another company, may hold the same serials
    hanjin = make_contract(company, "hanjin", warehouse=warehouse)
    services.band_create(company=company, contract=hanjin, start="30000000100", end="30000000200")
    theirs = make_contract(other_company, "lotte")
    services.band_create(company=other_company, contract=theirs, start="30000000100", end="30000000200")


def test_bands_for_carriers_without_band_numbering_are_refused(company, warehouse):
    ems = make_contract(company, "ems", warehouse=warehouse)
    with pytest.raises(services.ShippingError, match="지원하지 않습니다"):
        services.band_create(company=company, contract=ems, start="10000000", end="10000009")


def test_near_exhaustion_tile(company, admin_user, lotte_contract):
    band = services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000020",
                                warning_threshold=10)
    tile = next(t for t in tiles_for(company, admin_user) if t.key == "shipping_bands_low")
    assert tile.count == 0
    services.tracking_number_issue(company=company, contract=lotte_contract, count=11)  # 9 left < 10
    tile = next(t for t in tiles_for(company, admin_user) if t.key == "shipping_bands_low")
    assert tile.count == 1 and str(tile.label) == "송장 대역 소진 임박"
    band.refresh_from_db()
    assert band.near_exhaustion and band.remaining == 9


def test_band_label_service_issues_one_number_per_package(company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    service = BandLabelService(company=company, contract=lotte_contract)
    numbers = service.issue([LabelRequest(reference="package:1"), LabelRequest(reference="package:2")])
    assert len(numbers) == 2 and numbers[0] != numbers[1]
    assert dict(IssuedTrackingNumber.objects.values_list("number", "reference")) == {
        numbers[0]: "package:1", numbers[1]: "package:2"}
    assert service.issue([]) == []


def test_contract_from_another_company_cannot_issue(company, other_company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    with pytest.raises(services.ShippingError):
        services.tracking_number_issue(company=other_company, contract=lotte_contract, count=1)


WORKERS = 6
ROUNDS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_get_the_same_number(company):
    """Six threads, each on its own connection, issue 1–3 numbers at a time from one band of 100
    until it runs out: every serial is issued exactly once and the band ends exactly exhausted.
    Runs on SQLite and on PostgreSQL (DATABASE_URL)."""
    contract = make_contract(company, "lotte")
    services.band_create(company=company, contract=contract, start="30000000001", end="30000000100")
    start = threading.Barrier(WORKERS)
    got: list[list[str]] = [[] for _ in range(WORKERS)]
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            start.wait()
            for n in range(ROUNDS * 4):
                try:
                    got[i].extend(services.tracking_number_issue(company=company, contract=contract,
                                                                 count=1 + (i + n) % 3))
                except services.BandExhausted:
                    try:
                        got[i].extend(services.tracking_number_issue(company=company, contract=contract, count=1))
                    except services.BandExhausted:
                        return
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    issued = [n for numbers in got for n in numbers]
    assert len(issued) == len(set(issued)) == 100
    assert sorted(int(n[:-1]) for n in issued) == list(range(30000000001, 30000000101))
    assert IssuedTrackingNumber.objects.filter(company=company).count() == 100
    assert TrackingNumberBand.objects.get(contract=contract).remaining == 0
