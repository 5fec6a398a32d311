"""Settlement files for channels without an API: each format's columns become settlement rows with the
right integer amounts, a title row above the header is fine, bad rows are reported by row number, a
foreign file is refused in Korean, and uploading the same file twice adds nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketdock.channels.connectors.settlement_models import SettlementKind
from marketdock.core.uploads import UploadRejected
from marketdock.settlement.excel_settlements import TEMPLATE_HEADERS, parse_rows
from marketdock.settlement.models import SettlementRecord, SettlementRun
from marketdock.settlement.services import settlement_file_import
from tests.factories.channels import make_account
from tests.spreadsheets import workbook_bytes

ELEVENST = [("11번가 정산내역 (2026-03-01 ~ 2026-03-31)",),
            ("주문번호", "주문순번", "정산확정일", "송금일", "판매금액", "판매자할인", "배송비", "서비스이용료", "정산금액"),
            ("202603010001", "1", "2026-03-05", "2026-03-10", "39,000", 1000, 3000, 4180, 36820),
            ("202603010002", "1", "2026.03.06", None, -12000, 0, 0, -1320, -10680),
            ("202603010003", "1", "언제", None, 1, 0, 0, 0, 1)]


def _rows(rows):
    return enumerate(rows, start=1)


def test_elevenst_file_rows_and_amounts():
    records, errors = parse_rows("elevenst", _rows(ELEVENST), "elevenst")
    sale, refund = records
    assert (sale.order_line_id, sale.kind, sale.sale_amount, sale.seller_discount, sale.shipping_fee,
            sale.sale_commission, sale.payout_amount) == ("202603010001-1", SettlementKind.SALE, 39000, 1000, 3000,
                                                          4180, 36820)
    assert sale.settle_date == date(2026, 3, 5) and sale.pay_date == date(2026, 3, 10) and sale.paid
    assert (refund.kind, refund.payout_amount, refund.settle_date, refund.paid) == (SettlementKind.REFUND, -10680,
                                                                                    date(2026, 3, 6), False)
    assert len(errors) == 1 and "5행" in errors[0].message and errors[0].order_id == "202603010003"


def test_manual_template_and_a_foreign_file():
    rows = [TEMPLATE_HEADERS, ("S-1", "판매", "M1", "M1-1", "2026-03-05", "2026-03-08", 10000, 0, 0, 0, 500, 300, 0, 0, 9200)]
    (record,), errors = parse_rows("manual", _rows(rows), "manual")
    assert not errors and (record.record_id, record.payment_commission, record.payout_amount) == ("S-1", 300, 9200)
    with pytest.raises(UploadRejected, match="제목 행을 찾지 못했습니다"):
        parse_rows("gmarket", _rows([("상품명", "수량"), ("티셔츠", 1)]), "gmarket")


@pytest.mark.django_db
def test_uploading_the_same_file_twice_adds_nothing(company):
    account = make_account(company, "11번가", kind="elevenst")
    data = workbook_bytes(ELEVENST)
    first = settlement_file_import(account, data, file_name="정산.xlsx")
    second = settlement_file_import(account, data, file_name="정산.xlsx")
    assert (first.created, first.quarantined, second.created, second.unchanged) == (2, 1, 0, 2)
    assert SettlementRecord.objects.filter(account=account).count() == 2


@pytest.mark.django_db
def test_upload_screen_viewer_and_another_company(admin_client, viewer_client, other_client, company):
    account = make_account(company, "11번가", kind="elevenst")

    def post(client):
        return client.post(reverse("settlement:upload"), {
            "account": account.pk, "file": SimpleUploadedFile("정산.xlsx", workbook_bytes(ELEVENST))}, follow=True)

    assert post(viewer_client).status_code == 403
    assert post(other_client).status_code == 404
    assert not SettlementRecord.objects.exists()
    page = post(admin_client).content.decode()
    assert "신규 2" in page and "5행" in page
    assert SettlementRecord.objects.filter(account=account).count() == 2
    assert SettlementRun.objects.filter(account=account, what=SettlementRun.What.RECONCILE).count() == 1
    garbage = admin_client.post(reverse("settlement:upload"), {
        "account": account.pk, "file": SimpleUploadedFile("x.xlsx", b"not a workbook")}, follow=True)
    assert "엑셀 파일(.xlsx)을 열 수 없습니다" in garbage.content.decode()
