"""Screens 택배사 연동설정 and 송장 대역: what a seller sees and may do, bad input, permissions and
company isolation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.shipping import services
from marketdock.shipping.models import CarrierContract, IssuedTrackingNumber, TrackingNumberBand
from tests.factories.shipping import make_contract
from tests.isolation import assert_isolated


def _contract_post(warehouse, carrier_id, **extra):
    data = {"carrier": carrier_id, "name": "CJ 본사계약", "contract_code": "CJ-778899", "customer_no": "",
            "warehouse": warehouse.pk, "settlement": "credit", "is_default": "on", "is_active": "on",
            "box-TOTAL_FORMS": "8", "box-INITIAL_FORMS": "8", "box-MIN_NUM_FORMS": "0", "box-MAX_NUM_FORMS": "8"}
    for i, code in enumerate(["B01", "B02", "B05", "B10", "B20", "B25", "B30", "B40"]):
        data[f"box-{i}-code"] = code
        data[f"box-{i}-name"] = ""
        data[f"box-{i}-price"] = ""
    data.update(extra)
    return data


def test_carrier_screen_lists_carriers_with_marketplace_codes(admin_client):
    response = admin_client.get(reverse("shipping:carriers"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "택배사 연동설정" in body
    assert "롯데택배" in body and "HYUNDAI" in body and "KGB" in body and "CJGLS" in body
    assert "CJ Logistics" in body  # Shopify's free-text company


def test_contract_create_edit_and_delete(admin_client, company, warehouse):
    from marketdock.shipping.selectors import carrier_by_key

    cj = carrier_by_key("cj")
    data = _contract_post(warehouse, cj.pk, **{"box-2-name": "소형", "box-2-price": "3100",
                                               "box-3-price": "3600"})
    response = admin_client.post(reverse("shipping:contract_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = CarrierContract.objects.get(company=company)
    assert contract.box_rates == [{"code": "B05", "name": "소형", "price": 3100},
                                  {"code": "B10", "name": "", "price": 3600}]
    assert contract.is_default and contract.warehouse == warehouse
    page = admin_client.get(reverse("shipping:carriers")).content.decode()
    assert "CJ 본사계약" in page and "3,100원" in page

    edit = admin_client.get(reverse("shipping:contract_edit", args=[contract.pk]))
    assert edit.status_code == 200 and "CJ-778899" in edit.content.decode()
    data = _contract_post(warehouse, cj.pk, contract_code="CJ-000111", **{"box-4-price": "5000"})
    assert admin_client.post(reverse("shipping:contract_edit", args=[contract.pk]), data).status_code == 302
    contract.refresh_from_db()
    assert contract.contract_code == "CJ-000111"
    assert contract.box_rates == [{"code": "B20", "name": "", "price": 5000}]

    assert admin_client.post(reverse("shipping:contract_delete", args=[contract.pk])).status_code == 302
    assert not CarrierContract.objects.exists()


def test_contract_with_a_band_cannot_be_deleted(admin_client, company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    response = admin_client.post(reverse("shipping:contract_delete", args=[lotte_contract.pk]), follow=True)
    assert "삭제할 수 없습니다" in response.content.decode()
    assert CarrierContract.objects.filter(pk=lotte_contract.pk).exists()


def test_contract_bad_input_names_the_problem(admin_client, company, warehouse):
    from marketdock.shipping.selectors import carrier_by_key

    data = _contract_post(warehouse, carrier_by_key("cj").pk, contract_code="", **{"box-0-name": "극소",
                                                                                    "box-1-price": "-5"})
    response = admin_client.post(reverse("shipping:contract_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "운임을 입력하세요" in body
    assert "0 이상의 값" in body and "필수 항목" in body
    assert not CarrierContract.objects.exists()


def test_only_one_default_contract(company, warehouse):
    a = make_contract(company, "cj", warehouse=warehouse, is_default=True)
    b = make_contract(company, "lotte", warehouse=warehouse, is_default=True)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.is_default, b.is_default) == (False, True)


def test_band_screen_add_band_and_see_remaining(admin_client, company, lotte_contract):
    response = admin_client.post(reverse("shipping:band_create"), {
        "contract": lotte_contract.pk, "start": "31765377481", "end": "31765380480", "warning_threshold": "500",
        "memo": "2025년 하반기"})
    assert response.status_code == 302
    band = TrackingNumberBand.objects.get(company=company)
    assert band.size == 3000
    services.tracking_number_issue(company=company, contract=lotte_contract, count=5)
    page = admin_client.get(reverse("shipping:bands")).content.decode()
    assert "31765377481" in page and "2,995" in page
    detail = admin_client.get(reverse("shipping:band_detail", args=[band.pk])).content.decode()
    assert "317653774815" in detail


def test_band_screen_overlap_is_refused_with_the_conflicting_band(admin_client, company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000100", end="30000000200")
    response = admin_client.post(reverse("shipping:band_create"), {
        "contract": lotte_contract.pk, "start": "30000000150", "end": "30000000300", "warning_threshold": "10"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "겹칩니다" in body and "30000000100~30000000200" in body
    assert TrackingNumberBand.objects.count() == 1


def test_band_toggle_and_void_a_number(admin_client, company, lotte_contract):
    band = services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    number = services.tracking_number_issue(company=company, contract=lotte_contract, count=1)[0]
    row = IssuedTrackingNumber.objects.get(number=number)
    response = admin_client.post(reverse("shipping:number_void", args=[row.pk]), {"reason": "파손 재출력"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "voided" and row.void_reason == "파손 재출력"
    assert admin_client.post(reverse("shipping:band_toggle", args=[band.pk])).status_code == 302
    band.refresh_from_db()
    assert not band.is_active
    assert admin_client.get(reverse("shipping:band_toggle", args=[band.pk])).status_code == 405


def test_low_filter_shows_only_bands_near_exhaustion(admin_client, company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000005",
                         warning_threshold=10, memo="곧 소진")
    services.band_create(company=company, contract=lotte_contract, start="30000001001", end="30000009000",
                         warning_threshold=10, memo="넉넉함")
    body = admin_client.get(reverse("shipping:bands") + "?low=1").content.decode()
    assert "곧 소진" in body and "넉넉함" not in body


def test_viewer_can_look_but_not_change(viewer_client, company, lotte_contract, warehouse):
    band = services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    number = services.tracking_number_issue(company=company, contract=lotte_contract, count=1)[0]
    row = IssuedTrackingNumber.objects.get(number=number)
    assert viewer_client.get(reverse("shipping:carriers")).status_code == 200
    assert viewer_client.get(reverse("shipping:bands")).status_code == 200
    page = viewer_client.get(reverse("shipping:band_detail", args=[band.pk])).content.decode()
    assert 'data-testid="number-void"' not in page
    posts = [
        (reverse("shipping:contract_create"), _contract_post(warehouse, lotte_contract.carrier_id, name="새 계약")),
        (reverse("shipping:contract_edit", args=[lotte_contract.pk]), {}),
        (reverse("shipping:contract_delete", args=[lotte_contract.pk]), {}),
        (reverse("shipping:band_create"), {"contract": lotte_contract.pk, "start": "30000000100",
                                           "end": "30000000200", "warning_threshold": "5"}),
        (reverse("shipping:band_toggle", args=[band.pk]), {}),
        (reverse("shipping:number_void", args=[row.pk]), {}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    assert CarrierContract.objects.count() == 1 and TrackingNumberBand.objects.get().is_active
    row.refresh_from_db()
    assert row.status == "issued"


@pytest.mark.django_db
def test_other_company_cannot_reach_our_contracts_bands_or_numbers(other_client, company, lotte_contract):
    band = services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009",
                                memo="비밀대역메모")
    number = services.tracking_number_issue(company=company, contract=lotte_contract, count=1)[0]
    row = IssuedTrackingNumber.objects.get(number=number)
    assert_isolated(other_client, [
        reverse("shipping:contract_edit", args=[lotte_contract.pk]),
        reverse("shipping:contract_delete", args=[lotte_contract.pk]),
        reverse("shipping:band_detail", args=[band.pk]),
        reverse("shipping:band_toggle", args=[band.pk]),
        reverse("shipping:number_void", args=[row.pk]),
    ], secrets=("C-lotte", "비밀대역메모", number))
    assert CarrierContract.objects.filter(pk=lotte_contract.pk).exists()
    row.refresh_from_db()
    assert row.status == "issued"
    # their lists show none of ours
    for url in (reverse("shipping:carriers"), reverse("shipping:bands")):
        body = other_client.get(url).content.decode()
        assert "lotte 계약" not in body and "비밀대역메모" not in body
    # and their band form cannot pick our contract
    response = other_client.post(reverse("shipping:band_create"), {
        "contract": lotte_contract.pk, "start": "30000000100", "end": "30000000200", "warning_threshold": "5"})
    assert response.status_code == 200
    assert TrackingNumberBand.objects.count() == 1


def test_screens_in_english(admin_client, company, lotte_contract):
    services.band_create(company=company, contract=lotte_contract, start="30000000001", end="30000000009")
    admin_client.cookies["django_language"] = "en"
    carriers = admin_client.get(reverse("shipping:carriers")).content.decode()
    assert "Carrier integration" in carriers and "Our carrier contracts" in carriers
    bands = admin_client.get(reverse("shipping:bands")).content.decode()
    assert "Numbers left" in bands and "Add band" in bands
    response = admin_client.post(reverse("shipping:band_create"), {
        "contract": lotte_contract.pk, "start": "3000000000", "end": "30000000009", "warning_threshold": "5"})
    assert "must have the same length" in response.content.decode()
