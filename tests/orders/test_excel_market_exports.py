"""Built-in order-file mappings for the 11st, G마켓 and 옥션 seller-center exports: a seller without API
access uploads the file as downloaded, and the lines carry the same keys the API connectors use
(11st 주문번호-주문순번, ESM 주문번호 per line grouped by 장바구니번호), so a later switch to the API does
not duplicate them. Each file is built here in the shape of the export."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketdock.channels.models import ChannelKind
from marketdock.orders.models import Order, OrderLine
from tests.factories.channels import make_account
from tests.spreadsheets import workbook_bytes

pytestmark = pytest.mark.django_db

ELEVENST_HEADERS = ["주문상태", "주문번호", "주문순번", "배송번호", "주문일시", "결제일시", "상품번호", "상품명", "옵션", "수량",
                    "판매단가", "주문금액", "배송비", "구매자", "구매자휴대폰번호", "수취인", "수취인휴대폰번호", "우편번호", "주소",
                    "배송메시지", "판매자상품코드"]
ESM_HEADERS = ["주문번호", "장바구니번호", "주문일자", "결제완료일", "구매자명", "구매자 휴대폰", "상품번호", "상품명", "수량",
               "주문옵션", "판매단가", "판매금액", "판매자 관리코드", "수령인명", "수령인 휴대폰", "우편번호", "주소",
               "배송시 요구사항", "배송비 금액"]


def upload(client, account, data, code):
    return client.post(reverse("orders:upload"), {"account": account.pk, "mapping": f"builtin:{code}",
                                                  "file": SimpleUploadedFile(f"{code}.xlsx", data)})


def elevenst_row(seq, qty=1, option="블랙 / M"):
    return ["결제완료", "202603101234567", seq, "40000123", "2026-03-10 14:22:01", "2026-03-10 14:23:00", "3456789012",
            "반팔 티셔츠", option, qty, 12900, 12900 * qty, 3000 if seq == "1" else 0, "홍길동", "010-1234-5678", "김수령",
            "010-9876-5432", "06236", "서울특별시 강남구 테헤란로 1 101호", "문 앞", "TS-BLK"]


def esm_row(order_no, cart="2012345670", qty=1):
    return [order_no, cart, "2026-03-11 09:10", "2026-03-11 09:11", "이몽룡", "010-2222-3333", "B123456789", "머그컵 350ml",
            qty, "화이트", 15800, 15800 * qty, "MUG-WH", "성춘향", "010-4444-5555", "04524", "서울특별시 중구 세종대로 110",
            "경비실", 3000]


def test_11st_export_uploads_with_the_connector_line_keys(admin_client, company):
    acc = make_account(company, "11번가 엑셀", ChannelKind.ELEVENST)
    data = workbook_bytes([ELEVENST_HEADERS, elevenst_row("1"), elevenst_row("2", qty=2, option="화이트 / L")])
    r = upload(admin_client, acc, data, "elevenst")
    assert r.status_code == 200, r.content.decode()[:3000]
    order = Order.objects.get(company=company, account=acc, channel_order_id="202603101234567")
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(order=order)}
    assert set(lines) == {"202603101234567-1", "202603101234567-2"}  # 주문번호-주문순번, as the 11st API
    assert lines["202603101234567-2"].quantity == 2 and lines["202603101234567-2"].total_amount == 25800
    assert order.bundle_id == "40000123" and order.recipient_postal_code == "06236"


@pytest.mark.parametrize("code,kind", [("gmarket", ChannelKind.GMARKET), ("auction", ChannelKind.AUCTION)])
def test_esm_export_uploads_one_line_per_order_number(admin_client, company, code, kind):
    acc = make_account(company, f"{code} 엑셀", kind)
    data = workbook_bytes([["ESM+ 발송관리"], ESM_HEADERS, esm_row("3012345678", qty=2), esm_row("3012345679")])
    r = upload(admin_client, acc, data, code)
    assert r.status_code == 200, r.content.decode()[:3000]
    order = Order.objects.get(company=company, account=acc, channel_order_id="2012345670")  # 장바구니번호
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(order=order)}
    assert set(lines) == {"3012345678", "3012345679"}  # each ESM 주문번호 is one line, as the ESM API
    assert lines["3012345678"].quantity == 2 and lines["3012345678"].seller_product_code == "MUG-WH"
    assert order.recipient_name == "성춘향" and order.buyer_phone_digits == "01022223333"


def test_a_file_of_another_market_is_refused_naming_the_missing_columns(admin_client, company):
    acc = make_account(company, "G마켓 엑셀", ChannelKind.GMARKET)
    r = upload(admin_client, acc, workbook_bytes([ELEVENST_HEADERS[:4], ["결제완료", "1", "1", "2"]]), "gmarket")
    assert r.status_code == 400 and "필수 열이 파일에 없습니다" in r.content.decode()
    assert not Order.objects.filter(company=company).exists()


def test_upload_page_lists_the_new_formats_and_another_company_cannot_use_the_account(admin_client, other_client,
                                                                                     viewer_client, company):
    page = admin_client.get(reverse("orders:upload")).content.decode()
    for name in ("11번가 주문내역(발송관리)", "G마켓 주문내역(ESM+ 발송관리)", "옥션 주문내역(ESM+ 발송관리)"):
        assert name in page
    acc = make_account(company, "비밀 옥션", ChannelKind.AUCTION)
    data = workbook_bytes([ESM_HEADERS, esm_row("3012345678")])
    assert upload(viewer_client, acc, data, "auction").status_code == 403
    assert upload(other_client, acc, data, "auction").status_code == 400
    assert not Order.objects.exists()
