"""Excel bulk registration (CAT-9): template, per-row errors, all-or-nothing, apply-valid-rows, job."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.catalog import excel, services
from marketdock.catalog.models import SKU, Product, ProductUpload
from marketdock.core.models import JobRun
from tests.factories.catalog import brand, make_product
from tests.isolation import assert_isolated
from tests.spreadsheets import workbook_bytes

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in excel.columns()]


def xlsx(rows: list[dict], headers=None) -> bytes:
    keys = [c.key for c in excel.columns()]
    head = headers or [h + ("*" if c.required else "") for h, c in zip(HEADERS, excel.columns(), strict=True)]
    return workbook_bytes([head, *([row.get(k, "") for k in keys] for row in rows)])


GOOD = [
    {"code": "EX-1", "name": "엑셀 티셔츠", "brand": "브랜드원", "category": "의류 > 상의", "price": 12900, "cost": 5000,
     "tax_type": "과세", "status": "판매중", "inventory_managed": "Y", "axis_name_1": "색상", "axis_value_1": "블랙",
     "axis_name_2": "사이즈", "axis_value_2": "M"},
    {"code": "EX-1", "axis_name_1": "색상", "axis_value_1": "블랙", "axis_name_2": "사이즈", "axis_value_2": "L",
     "price_delta": 1000, "barcode": "8801234567893"},
    {"code": "EX-2", "name": "옵션없는 상품", "price": 5000},
]
BAD = [
    {"code": "EX-3", "name": "가격 오류", "price": "만원"},
    {"code": "EX-4", "name": "바코드 중복", "price": 1000, "axis_name_1": "색상", "axis_value_1": "A", "barcode": "DUPBC"},
    {"code": "EX-4", "axis_name_1": "색상", "axis_value_1": "B", "barcode": "DUPBC"},
    {"code": "EX-5", "name": "없는 분류", "price": 1000, "category": "없는분류"},
    {"code": "EX-6", "name": "상태 오류", "price": 1000, "status": "판매함"},
]


@pytest.fixture
def setup_refs(company):
    brand(company, "B1", "브랜드원")
    top = services.category_create(company=company, name="의류")
    services.category_create(company=company, name="상의", parent=top)


def upload(client, content: bytes, apply_valid=False, name="products.xlsx"):
    from django.test import TestCase

    data = {"file": SimpleUploadedFile(name, content)}
    if apply_valid:
        data["apply_valid_rows"] = "on"
    with TestCase.captureOnCommitCallbacks(execute=True):  # the job is enqueued on commit
        return client.post(reverse("catalog:excel"), data)


def test_template_download_has_korean_headers(admin_client, company):
    r = admin_client.get(reverse("catalog:excel_template"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[0] == "상품코드*" and "바코드" in header and "옵션명1" in header
    assert len(wb.sheetnames) == 2


def test_good_file_creates_products_and_skus(admin_client, company, setup_refs):
    r = upload(admin_client, xlsx(GOOD))
    assert r.status_code == 302
    up = ProductUpload.objects.get(company=company)
    assert up.status == ProductUpload.Status.APPLIED, up.errors
    assert up.job.status == JobRun.Status.SUCCEEDED and up.job.progress == 100
    p = Product.objects.get(company=company, code="EX-1")
    assert p.brand.name == "브랜드원" and p.category.name == "상의" and p.price == 12900
    assert p.option_axes == [{"name": "색상", "values": ["블랙"]}, {"name": "사이즈", "values": ["M", "L"]}]
    l_sku = p.skus.get(option_text="블랙 / L")
    assert l_sku.price == 13900 and l_sku.barcode == "8801234567893"
    assert Product.objects.get(company=company, code="EX-2").skus.get().code == "EX-2"
    page = admin_client.get(reverse("catalog:excel_upload", args=[up.pk]))
    assert "반영" in page.content.decode()


def test_mixed_file_reports_every_bad_row_and_applies_nothing(admin_client, company, setup_refs):
    upload(admin_client, xlsx(GOOD + BAD))
    up = ProductUpload.objects.get(company=company)
    assert up.status == ProductUpload.Status.REJECTED
    assert not Product.objects.filter(company=company).exists(), "nothing applied"
    rows = {(e["row"], e["column"]) for e in up.errors}
    # GOOD = rows 2-4, BAD = rows 5-9
    assert (5, "판매가") in rows
    assert (7, "바코드") in rows, up.errors
    assert (8, "분류") in rows
    assert (9, "상품상태") in rows
    assert not any(e["row"] in (2, 3, 4) for e in up.errors)
    assert any("만원" == e["value"] for e in up.errors)
    r = admin_client.get(reverse("catalog:excel_upload", args=[up.pk]))
    body = r.content.decode()
    assert "아무것도 반영하지 않았습니다" in body and body.count('data-testid="upload-error"') == len(up.errors)
    # the error report downloads as xlsx
    r = admin_client.get(reverse("catalog:excel_errors", args=[up.pk]))
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [c.value for c in ws[1]] == ["행", "열", "값", "오류 내용"] and ws.max_row == 1 + len(up.errors)


def test_apply_valid_rows_applies_only_whole_valid_products(admin_client, company, setup_refs):
    upload(admin_client, xlsx(GOOD + BAD), apply_valid=True)
    up = ProductUpload.objects.get(company=company)
    assert up.status == ProductUpload.Status.PARTIAL
    assert set(Product.objects.filter(company=company).values_list("code", flat=True)) == {"EX-1", "EX-2"}
    assert up.created_products == 2 and up.skipped_products == 4
    assert not SKU.objects.filter(company=company, barcode="DUPBC").exists()


def test_upload_updates_existing_products(admin_client, company, setup_refs):
    make_product(company, "EX-2", name="예전 이름", price=100)
    upload(admin_client, xlsx(GOOD))
    p = Product.objects.get(company=company, code="EX-2")
    assert p.name == "옵션없는 상품" and p.price == 5000
    assert ProductUpload.objects.get(company=company).updated_products == 1


def test_conflicting_product_values_between_rows(admin_client, company):
    rows = [{"code": "C1", "name": "A", "price": 1000, "axis_name_1": "색", "axis_value_1": "a"},
            {"code": "C1", "name": "B", "axis_name_1": "색", "axis_value_1": "b"}]
    upload(admin_client, xlsx(rows))
    up = ProductUpload.objects.get(company=company)
    assert up.status == ProductUpload.Status.REJECTED
    assert up.errors[0]["row"] == 3 and up.errors[0]["column"] == "상품명"


@pytest.mark.parametrize("content, name, message", [
    (b"this is not excel", "products.xlsx", "열 수 없습니다"),
    (b"MZ\x90\x00", "products.exe", ".xlsx"),
])
def test_malformed_upload_gives_a_clear_error_not_a_500(admin_client, company, content, name, message):
    r = upload(admin_client, content, name=name)
    assert r.status_code in (302, 400)
    if r.status_code == 302:
        up = ProductUpload.objects.get(company=company)
        assert up.status == ProductUpload.Status.FAILED and message in up.errors[0]["message"]
        page = admin_client.get(r["Location"])
        assert page.status_code == 200 and message in page.content.decode()
    else:
        assert message in r.content.decode()


def test_missing_required_columns(admin_client, company):
    upload(admin_client, xlsx([{"code": "A"}], headers=["상품코드", "메모"]))
    up = ProductUpload.objects.get(company=company)
    assert up.status == ProductUpload.Status.FAILED and "상품명" in up.errors[0]["message"]


def test_excel_permissions_and_isolation(admin_client, viewer_client, other_client, company, setup_refs):
    upload(admin_client, xlsx(BAD))
    up = ProductUpload.objects.get(company=company)
    assert viewer_client.get(reverse("catalog:excel_upload", args=[up.pk])).status_code == 200
    assert upload(viewer_client, xlsx(GOOD)).status_code == 403
    assert_isolated(other_client, [reverse("catalog:excel_upload", args=[up.pk]),
                                   reverse("catalog:excel_errors", args=[up.pk])], secrets=("products.xlsx", "만원"))


def test_english_template_headers_are_accepted(admin_client, company):
    from django.utils import translation

    with translation.override("en"):
        headers = [c.header for c in excel.columns()]
    assert headers[0] == "Product code"
    upload(admin_client, xlsx([{"code": "EN-1", "name": "English file", "price": 1000}], headers=headers))
    up = ProductUpload.objects.get(company=company)
    assert up.status == ProductUpload.Status.APPLIED, up.errors
    assert Product.objects.filter(company=company, code="EN-1").exists()


def test_english_ui(admin_client, company, tshirt):
    admin_client.cookies["django_language"] = "en"
    body = admin_client.get(reverse("catalog:product_edit", args=[tshirt.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Generate SKUs" in body and "SKU code" in body
