"""Bounded uploads (issue 10.2): a small xlsx that unpacks to 1,048,576 rows is refused on every Excel
upload before the rows are read; sheets without a declared size are stopped at the row limit; a file
made from another form is refused by its header; the product template's example rows change nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from marketdock.catalog.models import Product, ProductUpload
from marketdock.channels.models import ChannelKind
from marketdock.channels.services import channel_account_create
from marketdock.core import uploads
from marketdock.core.downloads import new_workbook, workbook_bytes
from marketdock.inventory import services as inventory
from marketdock.inventory.models import Warehouse
from marketdock.orders.models import Order
from tests.spreadsheets import zip_bomb_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = zip_bomb_xlsx(1_048_576)
    assert len(data) < 1024 * 1024, "a few hundred KB on the wire"
    return data


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows openpyxl streamed out of any sheet during the test."""
    counter = {"n": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            counter["n"] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return counter


def _upload_endpoints(company, user):
    warehouse = Warehouse.objects.filter(company=company).first() or inventory.warehouse_save(
        company=company, code="WH", name="창고")
    sheet = inventory.count_sheet_create(company=company, warehouse=warehouse)
    account = channel_account_create(company=company, kind=ChannelKind.MANUAL, name="엑셀", credentials={})
    return {
        "inbound": (reverse("inventory:inbound_upload"), {}),
        "count sheet": (reverse("inventory:count_detail", args=[sheet.pk]), {"action": "upload"}),
        "order upload": (reverse("orders:upload"), {"account": account.pk, "mapping": "builtin:naver"}),
        "status/tracking upload": (reverse("orders:status_upload"), {}),
        "product upload": (reverse("catalog:excel"), {}),
    }


def test_the_zip_bomb_is_refused_on_every_upload_before_any_row_is_read(admin_client, company, admin_user, bomb,
                                                                       rows_read):
    for name, (url, fields) in _upload_endpoints(company, admin_user).items():
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = admin_client.post(url, {**fields, "file": SimpleUploadedFile("big.xlsx", bomb)})
        body = response.content.decode()
        assert response.status_code in (200, 400), (name, response.status_code)
        assert "압축을 풀면" in body, f"{name}: {body[:500]}"
        assert len(response.content) < 200_000, f"{name}: the answer is a page, not a dump of every row"
    assert rows_read["n"] == 0
    assert not Order.objects.exists() and not ProductUpload.objects.exists()


@pytest.mark.parametrize("declared", [True, False])
def test_a_sheet_over_the_row_limit_is_stopped_at_the_limit(company, declared, rows_read, monkeypatch):
    data = zip_bomb_xlsx(120_000, declare_dimension=declared)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    inflated = {"bytes": 0}
    original_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        chunk = original_read(self, n)
        inflated["bytes"] += len(chunk)
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    with pytest.raises(inventory.ExcelRejected) as info:
        inventory.inbound_confirm_xlsx(company=company, data=data)
    assert "20,000" in str(info.value.errors[0])
    # declared: refused from the sheet's own dimension; undeclared: streaming stops one row past the limit
    assert rows_read["n"] == (0 if declared else inventory.XLSX_MAX_ROWS + 2)
    # and nothing (openpyxl's own size probe included) inflated the whole sheet
    assert inflated["bytes"] < unpacked / 3, (inflated["bytes"], unpacked)


def test_reader_refuses_what_is_not_an_xlsx():
    for data, message in [(b"", "빈 파일"), (b"not a zip", "열 수 없습니다"), (uploads.OLE_MAGIC + b"x" * 100, "암호")]:
        with pytest.raises(uploads.UploadRejected, match=message):
            with uploads.open_xlsx(data, max_rows=10):
                pass
    with pytest.raises(uploads.UploadRejected, match="너무 큽니다"):
        uploads.check_xlsx(b"PK" + b"0" * 2048, max_bytes=1024)


def _xlsx(rows) -> bytes:
    wb = new_workbook()
    for row in rows:
        wb.active.append(list(row))
    return workbook_bytes(wb)


def test_a_file_of_another_form_is_refused_by_its_header_not_row_by_row(admin_client, company):
    orders_sheet = _xlsx([("상품주문번호", "주문번호", "수량")] + [(str(i), str(i), 1) for i in range(500)])
    response = admin_client.post(reverse("inventory:inbound_upload"),
                                 {"file": SimpleUploadedFile("orders.xlsx", orders_sheet)})
    body = response.content.decode()
    assert "이 파일은 입고 양식이 아닙니다" in body
    assert body.count("입고번호를 찾을 수 없습니다") == 0


def test_row_errors_are_capped_and_downloadable_as_xlsx(admin_client, company):
    rows = [("입고번호", "SKU코드 또는 바코드", "확정수량")] + [(f"IN-X-{i}", "NOPE", 1) for i in range(600)]
    response = admin_client.post(reverse("inventory:inbound_upload"), {"file": SimpleUploadedFile("in.xlsx", _xlsx(rows))})
    body = response.content.decode()
    assert body.count("입고번호를 찾을 수 없습니다") == 20, "the page shows the first errors only"
    assert 'data-testid="row-errors-download"' in body
    report = admin_client.get(reverse("inventory:inbound_upload"), {"errors": "xlsx"})
    ws = load_workbook(io.BytesIO(report.content)).active
    assert [c.value for c in ws[1]] == ["행", "열", "값", "오류 내용"]
    assert ws.max_row == 1 + uploads.MAX_ERRORS + 1, "checking stopped after MAX_ERRORS errors, and says so"
    assert "검사하지 않았습니다" in ws.cell(ws.max_row, 4).value


def test_the_blank_product_template_changes_no_product(admin_client, company):
    Product.objects.create(company=company, code="TS-001", name="실제 상품", price=10000)
    template = admin_client.get(reverse("catalog:excel_template")).content
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(reverse("catalog:excel"), {"file": SimpleUploadedFile("t.xlsx", template)})
    assert response.status_code in (200, 302)
    product = Product.objects.get(company=company, code="TS-001")
    assert (product.name, product.price) == ("실제 상품", 10000)
    assert Product.objects.filter(company=company).count() == 1
    upload = ProductUpload.objects.get(company=company)
    assert any("예시 행" in e["message"] for e in upload.errors), upload.errors



def test_a_big_inbound_file_runs_as_a_job_with_progress_and_a_downloadable_error_report(admin_client, other_client,
                                                                                      company, settings, tmp_path):
    from marketdock.catalog.models import SKU
    from marketdock.core.models import JobRun
    from marketdock.inventory.views import INBOUND_JOB_ROWS
    from tests.isolation import assert_isolated

    settings.MEDIA_ROOT = str(tmp_path / "media")
    warehouse = inventory.warehouse_save(company=company, code="WH", name="창고")
    product = Product.objects.create(company=company, code="JOB-1", name="상품", price=1000)
    sku = SKU.objects.create(company=company, product=product, code="JOB-1")
    inbound = inventory.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 10_000)])
    good = [("입고번호", "SKU코드 또는 바코드", "확정수량")] + [(inbound.number, "JOB-1", 1)] * (INBOUND_JOB_ROWS + 10)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(reverse("inventory:inbound_upload"), {"file": SimpleUploadedFile("g.xlsx", _xlsx(good))})
    run = JobRun.objects.get(company=company, kind="inventory.inbound_xlsx")
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[run.pk])
    assert run.status == JobRun.Status.SUCCEEDED and run.progress == 100
    assert run.result["quantity"] == INBOUND_JOB_ROWS + 10
    inbound.refresh_from_db()
    assert inbound.lines.get().confirmed_quantity == INBOUND_JOB_ROWS + 10

    bad = good[:1] + [(inbound.number, "NOPE", 1)] * (INBOUND_JOB_ROWS + 10)
    with TestCase.captureOnCommitCallbacks(execute=True):
        admin_client.post(reverse("inventory:inbound_upload"), {"file": SimpleUploadedFile("b.xlsx", _xlsx(bad))})
    failed = JobRun.objects.filter(company=company, kind="inventory.inbound_xlsx").latest("pk")
    assert failed.status == JobRun.Status.FAILED and "아무것도 반영하지" in failed.error
    page = admin_client.get(reverse("core:job_detail", args=[failed.pk])).content.decode()
    assert 'data-testid="job-errors-download"' in page
    report = admin_client.get(reverse("core:job_errors", args=[failed.pk]))
    ws = load_workbook(io.BytesIO(report.content)).active
    assert ws.max_row == 1 + uploads.MAX_ERRORS + 1 and ws.cell(2, 4).value == "SKU를 찾을 수 없습니다."
    assert_isolated(other_client, [reverse("core:job_errors", args=[failed.pk])], methods=("get",))
