"""Excel status change and tracking upload (ORD-9, SHP-7): every row validated (order of this
company, known carrier, number valid for the carrier, legal move), all or nothing by default, errors
per row and column, partial mode, per-line shipment, and a refusal found while applying rolls back."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.inventory.models import StockMovement
from marketdock.orders.models import Order, OrderLine, OrderStatus
from marketdock.orders.services import StatusExcelError, order_transition, status_upload_apply
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping.carrier_data import carriers_ensure
from tests.factories.catalog import make_stocked_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest
from tests.spreadsheets import workbook_bytes

pytestmark = pytest.mark.django_db
S = OrderStatus
HEAD = ["쇼핑몰", "주문번호", "주문상세번호", "상태", "택배사", "송장번호", "사유"]


@pytest.fixture(autouse=True)
def _carriers(db):
    carriers_ensure()


@pytest.fixture
def account(company):
    return make_account_with_credentials(company)


def xlsx(rows, head=HEAD) -> bytes:
    return workbook_bytes([head, *rows])


def orders(account, user, n=3, status=S.READY, lines=1, sku_code=""):
    out = []
    for i in range(1, n + 1):
        ingest(account, [co(str(i), f"{i}-{j}", seller_option_code=sku_code) for j in range(1, lines + 1)])
        order = Order.objects.get(company=account.company, channel_order_id=str(i))
        for step in (S.CONFIRMED, S.READY)[: [S.NEW, S.CONFIRMED, S.READY].index(status)]:
            assert order_transition(company=account.company, orders=[order], to=step, user=user).ok_count == 1
        out.append(order)
    return out


def statuses(company) -> dict[str, str]:
    return dict(Order.objects.filter(company=company).values_list("channel_order_id", "status"))


def test_tracking_upload_ships_and_sends(company, account, admin_user):
    orders(account, admin_user, n=2)
    data = xlsx([["", "1", "", "", "CJ대한통운", "1234-5678-9012", ""], ["", "2", "", "출고완료", "hanjin", "4000000001", ""]])
    result = status_upload_apply(company=company, user=admin_user, data=data, filename="t.xlsx")
    assert result.errors == [] and result.applied == 2
    assert statuses(company) == {"1": S.SHIPPED, "2": S.SHIPPED}
    numbers = sorted(i["tracking_number"] for m in OutboxMessage.objects.filter(kind="dispatch")
                     for i in m.payload["items"])
    assert numbers == ["123456789012", "4000000001"]


def test_bad_rows_apply_nothing_and_are_reported_per_row(company, other_company, account, admin_user):
    orders(account, admin_user, n=3)
    Order.objects.filter(channel_order_id="3").update(status=S.NEW)
    data = xlsx([
        ["", "1", "", "", "CJ대한통운", "123456789012", ""],  # good
        ["", "404", "", "", "CJ대한통운", "123456789012", ""],  # not ours
        ["", "2", "", "", "없는택배", "123456789012", ""],  # unknown carrier
        ["", "2", "", "", "한진택배", "4000000005", ""],  # bad check digit
        ["", "3", "", "배송완료", "", "", ""],  # illegal from 신규
        ["", "1", "", "아무거나", "", "", ""],  # unknown status
        ["", "2", "", "보류", "", "", ""],  # hold without reason
    ])
    result = status_upload_apply(company=company, user=admin_user, data=data, filename="t.xlsx")
    assert result.applied == 0
    got = [(e["row"], e["column"]) for e in result.errors]
    assert got == [(3, "주문번호"), (4, "택배사"), (5, "송장번호"), (6, "상태"), (7, "상태"), (8, "사유")]
    messages = {e["row"]: e["message"] for e in result.errors}
    assert "404" in messages[3] and "없는택배" in messages[4] and "신규 상태의 주문은 배송완료" in messages[6]
    assert statuses(company) == {"1": S.READY, "2": S.READY, "3": S.NEW}
    assert not OutboxMessage.objects.filter(kind="dispatch").exists()


def test_partial_mode_applies_the_good_rows(company, account, admin_user):
    orders(account, admin_user, n=2)
    data = xlsx([["", "1", "", "", "cj", "123456789012", ""], ["", "2", "", "", "cj", "12", ""]])
    result = status_upload_apply(company=company, user=admin_user, data=data, filename="t.xlsx", all_or_nothing=False)
    assert result.applied == 1 and [e["row"] for e in result.errors] == [3]
    assert statuses(company) == {"1": S.SHIPPED, "2": S.READY}


def test_status_rows_in_sequence_and_per_line_shipment(company, account, admin_user):
    orders(account, admin_user, n=1, status=S.NEW, lines=2)
    data = xlsx([["", "1", "", "주문확정", "", "", ""], ["", "1", "", "출고준비", "", "", ""],
                 ["", "1", "1-1", "", "cj", "123456789012", ""]])
    result = status_upload_apply(company=company, user=admin_user, data=data, filename="t.xlsx")
    assert result.errors == [] and result.applied == 3
    order = Order.objects.get(channel_order_id="1")
    assert order.status == S.READY  # one of two lines shipped
    assert dict(OrderLine.objects.filter(order=order).values_list("channel_line_id", "status")) == {
        "1-1": S.SHIPPED, "1-2": S.READY}


def test_refusal_while_applying_rolls_everything_back(company, account, admin_user):
    make_stocked_sku(company, "SKU-S", stock=1)
    orders(account, admin_user, n=2, status=S.CONFIRMED, sku_code="SKU-S")  # second one is short
    data = xlsx([["", "1", "", "출고준비", "", "", ""], ["", "2", "", "출고준비", "", "", ""]])
    result = status_upload_apply(company=company, user=admin_user, data=data, filename="t.xlsx")
    assert result.applied == 0 and result.errors[0]["row"] == 3 and "재고가 부족" in result.errors[0]["message"]
    assert statuses(company) == {"1": S.CONFIRMED, "2": S.CONFIRMED}
    assert not StockMovement.objects.filter(kind="shipment").exists()


def test_unusable_files(company, admin_user):
    with pytest.raises(StatusExcelError, match="주문번호"):
        status_upload_apply(company=company, user=admin_user, data=xlsx([["1"]], head=["아무개"]), filename="t.xlsx")
    with pytest.raises(StatusExcelError, match="상태.*송장번호"):
        status_upload_apply(company=company, user=admin_user, data=xlsx([["1"]], head=["주문번호"]), filename="t.xlsx")
    with pytest.raises(StatusExcelError):
        status_upload_apply(company=company, user=admin_user, data=b"\x00\x01garbage", filename="t.pdf")
    with pytest.raises(StatusExcelError, match="변경할 행이 없습니다"):
        status_upload_apply(company=company, user=admin_user, data=xlsx([]), filename="t.xlsx")


def test_upload_screen_round_trip(admin_client, company, account, admin_user):
    orders(account, admin_user, n=1)
    sheet = admin_client.get(reverse("orders:status_sheet"))
    ws = load_workbook(io.BytesIO(b"".join(sheet.streaming_content))).active
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    assert table[0][:2] == ["쇼핑몰", "주문번호"] and table[1][1] == "1" and table[1][4] == "출고준비"
    ws.cell(row=2, column=6, value="CJ대한통운")
    ws.cell(row=2, column=7, value="123456789012")
    buf = io.BytesIO()
    ws.parent.save(buf)
    buf.seek(0)
    buf.name = "status.xlsx"
    response = admin_client.post(reverse("orders:status_upload"), {"file": buf})
    assert response.status_code == 200 and "1행 중 1행 반영" in response.content.decode(), re.findall(r"upload-error.*?</tr>|form-error.*?</div>", response.content.decode(), re.S)
    assert statuses(company) == {"1": S.SHIPPED}
    again = admin_client.get(reverse("orders:status_sheet"))  # the new sheet, uploaded unedited: nothing to do
    again_file = io.BytesIO(b"".join(again.streaming_content))
    again_file.name = "again.xlsx"
    response = admin_client.post(reverse("orders:status_upload"), {"file": again_file})
    assert response.status_code == 200 and "1행 중 0행 반영, 오류 0건" in response.content.decode()
    assert OutboxMessage.objects.filter(kind="dispatch").count() == 1
    bad = io.BytesIO(b"not a spreadsheet")
    bad.name = "x.xlsx"
    response = admin_client.post(reverse("orders:status_upload"), {"file": bad})
    assert response.status_code == 400 and 'data-testid="form-error"' in response.content.decode()
    assert admin_client.post(reverse("orders:status_upload"), {}).status_code == 400
