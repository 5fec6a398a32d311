"""The built-in Cafe24 order-file mapping: a seller without API access uploads the file the Cafe24 admin
exports (주문 조회 › 엑셀 다운로드) as it is."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from marketdock.channels import services as channel_services
from marketdock.orders.models import OrderLine
from marketdock.orders.services import orders_upload

pytestmark = pytest.mark.django_db

HEADERS = ["주문번호", "품목별 주문번호", "주문일시", "결제일시(입금확인일)", "주문상태", "주문자명", "주문자 휴대전화", "수령인",
           "수령인 휴대전화", "수령인 우편번호", "수령인 주소(전체)", "배송메시지", "상품번호", "상품명(한국어 쇼핑몰)", "상품옵션",
           "자체 상품코드", "자체 품목코드", "상품품목코드", "수량", "판매가", "상품구매금액(KRW)", "총 배송비"]


def cafe24_file(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(item="20261206-0000024-01", qty=2):
    return ["20261206-0000024", item, "2026-12-06 10:15:00", "2026-12-06 10:16:00", "배송준비중", "김구매", "010-1234-5678",
            "이수령", "010-8765-4321", "06236", "서울특별시 강남구 테헤란로 152 21층", "문 앞", "11", "스테인리스 텀블러",
            "색상=실버", "TUMB-473", "TUMB-473-SV", "P00000LA000A", qty, 18900, 18900 * qty, 3000]


def test_a_cafe24_export_uploads_as_is_with_its_item_codes(company, admin_user):
    account = channel_services.channel_account_create(company=company, kind="cafe24", name="카페24 엑셀",
                                                      credentials={"mall_id": "myshop",
                                                                   "cafe24_client_id": "AbCdEfGhIjKl",
                                                                   "cafe24_client_secret": "s3cr3tS3cr3t"})
    data = cafe24_file([row(), row("20261206-0000024-02", 1)])
    result = orders_upload(company=company, user=admin_user, account=account, data=data, filename="cafe24.xlsx",
                           builtin_code="cafe24")
    assert result.ok, (result.message, result.errors)
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(company=company, account=account)}
    assert set(lines) == {"20261206-0000024-01", "20261206-0000024-02"}
    first = lines["20261206-0000024-01"]
    assert (first.quantity, first.seller_product_code, first.product_name) == (2, "TUMB-473", "스테인리스 텀블러")
    assert first.order.channel_order_id == "20261206-0000024"
