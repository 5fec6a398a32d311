"""상품등록 기본정보 (per channel account): the Naver / Coupang fields a registration needs, entered as
plain inputs with Korean labels, checked with messages that name the field, stored in the shape the
connector sends; the 쇼핑몰전송 screen shows which accounts lack them with a link; once filled, a
registration to a sandbox Naver and a sandbox Coupang shop succeeds end to end."""

from __future__ import annotations

import html

import httpx
import pytest
from django.urls import reverse

from marketdock.channels.connectors.coupang import COUPANG_REQUIRED_EXTRA
from marketdock.channels.connectors.naver import NAVER_REQUIRED_EXTRA
from marketdock.channels.models import ChannelKind
from marketdock.inventory import services as inventory
from marketdock.listings import services, services_fields
from marketdock.listings.models import Listing
from marketdock.listings.tasks import listings_send_job
from marketdock.shipping.carrier_data import carriers_ensure
from tests.factories.catalog import make_product
from tests.factories.channels import make_account
from tests.isolation import assert_isolated

NAVER_FORM = {
    "as_phone": "02-1234-5678", "as_guide": "평일 10~17시 고객센터로 연락 주세요.",
    "origin_code": "00", "notice_item_name": "후드티", "notice_model_name": "상품상세 참조",
    "notice_manufacturer": "(주)마켓독", "notice_cs_phone": "1588-1234", "delivery_company": "CJGLS",
    "image_urls": "https://img.example.com/md/main.jpg\nhttps://img.example.com/md/2.jpg",
    "description_html": "<p>도톰한 기모 후드티</p>",
}
COUPANG_FORM = {
    "vendorUserId": "marketdock01", "outboundShippingPlaceCode": "74010", "returnCenterCode": "1000274592",
    "returnChargeName": "본사 물류센터", "companyContactNumber": "02-1234-5678", "returnZipCode": "06236",
    "returnAddress": "서울특별시 강남구 테헤란로 152", "returnAddressDetail": "21층", "deliveryCompanyCode": "CJGLS",
    "outboundShippingTimeDay": "2", "afterServiceInformation": "평일 10~17시", "afterServiceContactNumber": "1588-1234",
    "notice_category": "기타 재화",
    "notice_lines": "품명 및 모델명: 상세페이지 참조\n제조국(원산지): 대한민국\n소비자상담 관련 전화번호: 1588-1234",
    "image_urls": "https://img.example.com/md/main.jpg",
}


@pytest.fixture(autouse=True)
def _carriers(db):
    carriers_ensure()


def url(account) -> str:
    return reverse("channels:account_listing_fields", args=[account.pk])


def stored(account) -> dict:
    account.refresh_from_db()
    return (account.options or {}).get("listing_fields") or {}


# --- saving through the screen ---------------------------------------------------------------------


def test_naver_fields_saved_through_the_screen_in_the_shape_naver_takes(admin_client, company):
    account = make_account(company)
    page = admin_client.get(url(account))
    assert page.status_code == 200
    body = page.content.decode()
    for label in ("A/S 전화번호", "원산지", "상품정보제공고시", "상품 이미지 주소", "상세설명"):
        assert label in body
    assert 'data-testid="lf-missing"' in body  # nothing filled yet
    response = admin_client.post(url(account), NAVER_FORM)
    assert response.status_code == 302 and response.url == url(account)
    fields = stored(account)
    assert set(NAVER_REQUIRED_EXTRA) <= set(fields)
    assert fields["afterServiceInfo"] == {"afterServiceTelephoneNumber": "02-1234-5678",
                                          "afterServiceGuideContent": "평일 10~17시 고객센터로 연락 주세요."}
    assert fields["originAreaInfo"] == {"originAreaCode": "00", "plural": False}
    assert fields["productInfoProvidedNotice"] == {"productInfoProvidedNoticeType": "ETC", "etc": {
        "itemName": "후드티", "modelName": "상품상세 참조", "manufacturer": "(주)마켓독",
        "customerServicePhoneNumber": "1588-1234"}}
    assert fields["image_urls"] == ["https://img.example.com/md/main.jpg", "https://img.example.com/md/2.jpg"]
    assert fields["deliveryCompany"] == "CJGLS"
    assert services_fields.account_listing_fields_missing(account) == []
    again = admin_client.get(url(account)).content.decode()
    assert 'data-testid="lf-complete"' in again and "(주)마켓독" in again  # shown back for editing


def test_naver_imported_origin_needs_the_country_code_and_importer(admin_client, company):
    account = make_account(company)
    response = admin_client.post(url(account), {**NAVER_FORM, "origin_code": "02"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "수입국 원산지 코드을(를) 입력하세요." in body and "수입사명을(를) 입력하세요." in body
    assert stored(account) == {}
    admin_client.post(url(account), {**NAVER_FORM, "origin_code": "02", "origin_import_code": "0200037",
                                     "origin_importer": "마켓독무역", "origin_plural": "on"})
    assert stored(account)["originAreaInfo"] == {"originAreaCode": "0200037", "importer": "마켓독무역", "plural": True}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("as_phone", "", "A/S 전화번호을(를) 입력하세요."),
    ("as_phone", "02-12", "A/S 전화번호 '02-12'의 형식이 올바르지 않습니다"),
    ("origin_code", "99", "원산지 '99'은(는) 고를 수 있는 값이 아닙니다."),
    ("origin_code", "04", "원산지 표시 내용을(를) 입력하세요."),
    ("image_urls", "ftp://img.example.com/a.jpg", "상품 이미지 주소 1번째 줄 'ftp://img.example.com/a.jpg'은(는) http://"),
    ("image_urls", "", "상품 이미지 주소을(를) 하나 이상 입력하세요"),
    ("description_html", "", "상세설명을(를) 입력하세요."),
    ("notice_cs_phone", "상담", "소비자상담 전화번호 '상담'의 형식이 올바르지 않습니다"),
])
def test_a_bad_naver_input_is_refused_naming_the_field_and_nothing_is_saved(admin_client, company, field, value,
                                                                            message):
    account = make_account(company)
    services.account_listing_fields_save(company=company, account=account, fields={"keep": "me"})
    response = admin_client.post(url(account), {**NAVER_FORM, field: value})
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert stored(account) == {"keep": "me"}


def test_coupang_fields_saved_and_bad_ones_refused_naming_field_and_line(company):
    account = make_account(company, "쿠팡", ChannelKind.COUPANG)
    with pytest.raises(services_fields.ListingFieldsError) as exc:
        services_fields.account_listing_fields_update(company=company, account=account, values={
            **COUPANG_FORM, "notice_lines": "품명 및 모델명: 상세페이지 참조\n제조국 대한민국", "returnZipCode": "서울",
            "outboundShippingPlaceCode": "출고지1", "deliveryCompanyCode": "NOPE", "outboundShippingTimeDay": "30"})
    errors = exc.value.by_field
    assert errors["notice_lines"] == ["고시 항목 2번째 줄 '제조국 대한민국'은(는) '항목명: 내용' 형식이 아닙니다."]
    assert "반품지 우편번호 '서울'" in errors["returnZipCode"][0]
    assert "출고지 코드 '출고지1'" in errors["outboundShippingPlaceCode"][0]
    assert errors["deliveryCompanyCode"] == ["택배사 'NOPE'은(는) 고를 수 있는 값이 아닙니다."]
    assert "출고 소요일 '30'" in errors["outboundShippingTimeDay"][0]
    assert stored(account) == {}
    services_fields.account_listing_fields_update(company=company, account=account, values=COUPANG_FORM)
    fields = stored(account)
    assert set(COUPANG_REQUIRED_EXTRA) <= set(fields)
    assert fields["notices"][1] == {"noticeCategoryName": "기타 재화", "noticeCategoryDetailName": "제조국(원산지)",
                                    "content": "대한민국"}
    assert fields["outboundShippingTimeDay"] == 2 and fields["deliveryCompanyCode"] == "CJGLS"
    assert services_fields.account_listing_fields_missing(account) == []
    # the screen offers the 기타 재화 notice items while nothing was saved
    fresh = make_account(company, "쿠팡2", ChannelKind.COUPANG)
    assert "소비자상담 관련 전화번호: 상세페이지 참조" in services_fields.listing_fields_initial(fresh)["notice_lines"]


def test_keys_the_screen_does_not_manage_are_kept(company):
    account = make_account(company)
    services.account_listing_fields_save(company=company, account=account, fields={
        "naverShoppingRegistration": True, "afterServiceInfo": {"afterServiceTelephoneNumber": "010-0000-0000"}})
    services_fields.account_listing_fields_update(company=company, account=account, values=NAVER_FORM)
    fields = stored(account)
    assert fields["naverShoppingRegistration"] is True
    assert fields["afterServiceInfo"]["afterServiceTelephoneNumber"] == "02-1234-5678"


def test_viewer_reads_but_cannot_save_and_the_manual_account_has_nothing_to_fill(viewer_client, admin_client, company):
    account = make_account(company)
    page = viewer_client.get(url(account))
    assert page.status_code == 200 and 'data-testid="lf-save"' not in page.content.decode()
    assert viewer_client.post(url(account), NAVER_FORM).status_code == 403
    assert stored(account) == {}
    manual = make_account(company, "오픈마켓 엑셀", ChannelKind.MANUAL)
    assert "상품등록 기본정보가 없습니다" in admin_client.get(url(manual)).content.decode()
    response = admin_client.post(url(manual), {"image_urls": "https://img.example.com/a.jpg"})
    assert response.status_code == 302 and stored(manual) == {}


def test_another_company_cannot_read_or_write_the_fields(other_client, company):
    account = make_account(company)
    services_fields.account_listing_fields_update(company=company, account=account,
                                                  values={**NAVER_FORM, "notice_manufacturer": "비밀제조사"})
    assert_isolated(other_client, [url(account)], secrets=("비밀제조사", "02-1234-5678"))
    assert stored(account)["productInfoProvidedNotice"]["etc"]["manufacturer"] == "비밀제조사"


def test_the_account_page_links_to_the_fields_tab(admin_client, company):
    account = make_account(company)
    body = admin_client.get(reverse("channels:account_edit", args=[account.pk])).content.decode()
    assert url(account) in body


# --- the 쇼핑몰전송 screen ---------------------------------------------------------------------------


def test_the_register_screen_shows_accounts_missing_fields_with_a_link(admin_client, company, tshirt):
    naver = make_account(company)
    coupang = make_account(company, "쿠팡", ChannelKind.COUPANG)
    services_fields.account_listing_fields_update(company=company, account=coupang, values=COUPANG_FORM)
    register = reverse("channels:listing_register") + f"?product={tshirt.pk}"
    body = admin_client.get(register).content.decode()
    assert 'data-testid="register-missing"' in body
    warning = body.split('data-testid="register-missing"')[1].split("</ul>")[0]
    assert naver.name in warning and "A/S 안내" in warning and "원산지" in warning and coupang.name not in warning
    assert f"{url(naver)}?next=" in body
    # filling them in from that link comes back to the register screen
    response = admin_client.post(f"{url(naver)}?next={register}", {**NAVER_FORM, "next": register})
    assert response.status_code == 302 and response.url == register
    assert 'data-testid="register-missing"' not in admin_client.get(register).content.decode()
    # an outside address is never followed
    response = admin_client.post(url(naver), {**NAVER_FORM, "next": "https://evil.example.com/"})
    assert response.url == url(naver)


# --- end to end against the sandbox -------------------------------------------------------------------


def test_registration_to_sandbox_naver_and_coupang_succeeds_once_the_fields_are_filled(
        admin_client, admin_user, company, market_sandbox, django_capture_on_commit_callbacks):
    state, base, account_of = market_sandbox
    naver = account_of(company, "naver-demo")
    coupang = account_of(company, "coupang-demo")
    product = make_product(company, "LF-HOOD", name="기모 후드티", price=39000,
                           axes=[{"name": "색상", "values": ["블랙", "그레이"]}])
    wh = inventory.warehouse_save(company=company, code="MAIN", name="본사창고")
    for sku in product.skus.all():
        inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=4, reason="기초재고")

    def send():
        listings = services.listings_draft(company=company, product=product, user=admin_user, targets=[
            services.RegisterTarget(account=naver, name="[스토어] 기모 후드티", price=39000, category_id="50000803"),
            services.RegisterTarget(account=coupang, name="[쿠팡] 기모 후드티", price=41000, category_id="56137")])
        with django_capture_on_commit_callbacks(execute=True):
            run = listings_send_job.start(company=company, user=admin_user, title="쇼핑몰전송",
                                          listing_ids=[lst.pk for lst in listings])
        run.refresh_from_db()
        return run

    refused = send()  # nothing filled: each marketplace's required values are named, nothing is created
    assert refused.result["sent"] == 0 and refused.result["failed"] == 2
    messages = " ".join(r["message"] for r in refused.result["results"])
    assert "A/S 전화번호이(가) 없습니다" in messages and "WING 로그인 ID이(가) 없습니다" in messages
    assert "상품정보제공고시이(가) 없습니다" in messages and "상세설명이(가) 없습니다" in messages  # one per field

    assert admin_client.post(url(naver), NAVER_FORM).status_code == 302
    assert admin_client.post(url(coupang), COUPANG_FORM).status_code == 302
    run = send()
    assert run.result["sent"] == 2 and run.result["failed"] == 0, run.result
    for account, expected_name in ((naver, "[스토어] 기모 후드티"), (coupang, "[쿠팡] 기모 후드티")):
        listing = Listing.objects.get(account=account, product=product)
        assert listing.status == Listing.Status.LINKED and listing.channel_product_id
        code = account.name.removesuffix(" 계정")
        shop = {p["product_id"]: p for p in httpx.get(f"{base}/_sandbox/shops/{code}/listings").json()["products"]}
        assert shop[listing.channel_product_id]["name"] == expected_name
    # what the marketplaces were sent carries the values typed on the screen
    naver_sent = state.shops["naver-demo"].product(Listing.objects.get(account=naver).channel_product_id).registered
    coupang_sent = state.shops["coupang-demo"].product(Listing.objects.get(account=coupang).channel_product_id).registered
    detail = naver_sent["originProduct"]["detailAttribute"]
    assert detail["productInfoProvidedNotice"]["etc"]["manufacturer"] == "(주)마켓독"
    assert detail["afterServiceInfo"]["afterServiceTelephoneNumber"] == "02-1234-5678"
    assert (coupang_sent["returnCenterCode"], coupang_sent["vendorUserId"]) == ("1000274592", "marketdock01")


PRODUCT_FORM = {
    "image_urls": "https://img.example.com/rice/main.jpg", "description_html": "<p>햅쌀로 지은 유기농 현미</p>",
    "as_phone": "031-123-4567", "as_guide": "산지 직송 상품은 농가로 연락 주세요.", "origin_code": "00",
    "origin_content": "국산(경기도 이천)", "notice_item_name": "유기농 현미", "notice_model_name": "상품상세 참조",
    "notice_manufacturer": "이천농협", "notice_cs_phone": "1588-0000",
}


def test_product_values_override_the_account_defaults_and_fill_what_the_account_lacks(
        admin_client, admin_user, company, market_sandbox, django_capture_on_commit_callbacks):
    state, base, account_of = market_sandbox
    naver = account_of(company, "naver-demo")
    coupang = account_of(company, "coupang-demo")
    assert admin_client.post(url(coupang), COUPANG_FORM).status_code == 302  # the account has its defaults
    product = make_product(company, "RICE", name="유기농 현미", price=25900)
    listings = services.listings_draft(company=company, product=product, user=admin_user, targets=[
        services.RegisterTarget(account=naver, name="유기농 현미", price=25900, category_id="50000803"),
        services.RegisterTarget(account=coupang, name="유기농 현미", price=25900, category_id="56137")])
    page = reverse("channels:product_listing_fields", args=[product.pk])
    before = admin_client.get(page).content.decode()
    assert f'data-testid="pf-check-{naver.pk}"' in before and "A/S 전화번호이(가) 없습니다" in before

    detail = admin_client.get(reverse("channels:listing_detail", args=[listings[0].pk])).content.decode()
    assert 'data-testid="listing-send-problems"' in detail and "원산지이(가) 없습니다" in detail
    response = admin_client.post(page, PRODUCT_FORM)
    assert response.status_code == 302
    detail = admin_client.get(reverse("channels:listing_detail", args=[listings[0].pk])).content.decode()
    assert 'data-testid="listing-send-problems"' not in detail
    after = admin_client.get(page).content.decode()
    assert "전송할 준비가 되었습니다" in after and "이(가) 없습니다" not in after
    with django_capture_on_commit_callbacks(execute=True):
        run = listings_send_job.start(company=company, user=admin_user, title="쇼핑몰전송",
                                      listing_ids=[lst.pk for lst in listings])
    run.refresh_from_db()
    assert run.result["sent"] == 2, run.result
    naver_sent = state.shops["naver-demo"].product(Listing.objects.get(account=naver).channel_product_id).registered
    detail = naver_sent["originProduct"]["detailAttribute"]
    assert detail["afterServiceInfo"]["afterServiceTelephoneNumber"] == "031-123-4567"
    assert detail["originAreaInfo"]["originAreaCode"] == "00"
    assert detail["productInfoProvidedNotice"]["etc"]["manufacturer"] == "이천농협"
    assert naver_sent["originProduct"]["detailContent"] == "<p>햅쌀로 지은 유기농 현미</p>"
    coupang_sent = state.shops["coupang-demo"].product(Listing.objects.get(account=coupang).channel_product_id).registered
    # the product's A/S wins over the account's; the account's WING id stays
    assert coupang_sent["afterServiceContactNumber"] == "031-123-4567"
    assert coupang_sent["vendorUserId"] == "marketdock01"


def test_product_fields_bad_input_named_and_nothing_saved(admin_client, company):
    from marketdock.listings.models import ProductListingFields

    product = make_product(company, "BAD", name="잘못된 입력")
    page = reverse("channels:product_listing_fields", args=[product.pk])
    response = admin_client.post(page, {"as_phone": "전화", "image_urls": "ftp://x", "origin_code": "02"})
    body = html.unescape(response.content.decode())
    assert response.status_code == 400 and 'data-testid="pf-errors"' in body
    assert "A/S 전화번호 '전화'의 형식이 올바르지 않습니다" in body and "수입사명을(를) 입력하세요" in body
    assert not ProductListingFields.objects.exists()


def test_product_fields_viewer_reads_only_and_another_company_sees_nothing(viewer_client, other_client, company):
    from marketdock.listings.models import ProductListingFields

    product = make_product(company, "SECRET", name="비밀 현미")
    page = reverse("channels:product_listing_fields", args=[product.pk])
    assert viewer_client.get(page).status_code == 200
    assert viewer_client.post(page, {"as_phone": "02-1234-5678"}).status_code == 403
    assert not ProductListingFields.objects.exists()
    assert_isolated(other_client, [page], secrets=("비밀 현미",))
