"""Excel formula injection (issue 10.1): text that came from buyers, sellers or uploaded files is never
stored as a live formula in any xlsx marketdock hands out; numbers stay numbers."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.catalog import excel
from marketdock.catalog.models import SKU, Product, ProductUpload
from marketdock.core.downloads import XLSX, new_workbook, workbook_bytes
from marketdock.core.models import User
from marketdock.inventory.models import Warehouse
from marketdock.orders.models import Order, OrderLine
from tests.screens import screen_urls

PAYLOAD = '=HYPERLINK("http://x.example","y")'
PAYLOADS = [PAYLOAD, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


@pytest.mark.parametrize("write_only", [False, True])
def test_the_writer_keeps_formula_like_text_as_text_and_numbers_as_numbers(write_only):
    wb = new_workbook(write_only=write_only)
    ws = wb.create_sheet("s") if write_only else wb.active
    ws.append([*PAYLOADS, 12900, -5, 1.5, "보통 글자"])
    cells = list(_cells(workbook_bytes(wb)))
    assert [c.data_type for c in cells] == ["s"] * len(PAYLOADS) + ["n", "n", "n", "s"]
    # an XML parser may hand a carriage return back as a line feed; what matters is that it stays text
    assert [c.value.replace("\r", "\n") for c in cells[: len(PAYLOADS)]] == [p.replace("\r", "\n") for p in PAYLOADS]
    assert [c.value for c in cells[len(PAYLOADS):]] == [12900, -5, 1.5, "보통 글자"]


def _manual_order(client, **fields):
    from marketdock.channels.models import ChannelAccount, ChannelKind

    account = ChannelAccount.objects.filter(company__code="demo", kind=ChannelKind.MANUAL).first()
    response = client.post(reverse("orders:manual_order"), {
        "m-account": account.pk, "m-ordered_at": "2025-03-01 10:00", "m-recipient_name": PAYLOAD,
        "m-recipient_phone": "010-1234-5678", "m-address1": PAYLOAD, "m-buyer_name": PAYLOAD,
        "m-delivery_message": PAYLOAD, "line-TOTAL_FORMS": "1", "line-INITIAL_FORMS": "0", "line-MIN_NUM_FORMS": "1",
        "line-MAX_NUM_FORMS": "20", "line-0-product_name": PAYLOAD, "line-0-quantity": "2",
        "line-0-unit_price": "5000", **fields})
    assert response.status_code == 302, response.content.decode()[:2000]


def _poison_demo_data(client):
    _manual_order(client)
    Order.objects.update(buyer_name=PAYLOAD, recipient_name=PAYLOAD, delivery_message=PAYLOAD,
                         recipient_address1=PAYLOAD)
    OrderLine.objects.update(product_name=PAYLOAD, option_text="@SUM(1+1)")
    Product.objects.update(name=PAYLOAD)
    SKU.objects.update(option_text="+1+cmd|' /C calc'!A0")
    Warehouse.objects.update(name="-2+3")
    User.objects.update(name=PAYLOAD)


def test_no_export_holds_a_formula_from_user_data(demo_client):
    _poison_demo_data(demo_client)
    assert Order.objects.filter(buyer_name=PAYLOAD).exists()
    produced: dict[str, bytes] = {}
    for url in screen_urls():
        for query in ({}, {"export": "xlsx"}, {"template": "1"}):
            response = demo_client.get(url, query)
            if response.status_code == 200 and response.get("Content-Type") == XLSX:
                body = b"".join(response.streaming_content) if response.streaming else response.content
                produced[f"{url}?{'&'.join(query)}"] = body
    expected = ["/catalog/products/export/", "/catalog/excel/template/", "/orders/export/", "/orders/status-sheet/",
                "/orders/shipped-export/", "/system/logs/export/", "/inventory/stock/?export",
                "/inventory/ledger/?export", "/inventory/low/?export", "/inventory/inbound/upload/?template"]
    missing = [u for u in expected if not any(key.startswith(u) for key in produced)]
    assert not missing, f"exports not found: {missing}; found {sorted(produced)}"
    for key, body in produced.items():
        formulas = [(c.coordinate, c.value) for c in _cells(body) if c.data_type == "f"]
        assert not formulas, f"{key} holds formulas {formulas[:5]}"
    for key in ("/catalog/products/export/?", "/orders/export/?", "/orders/status-sheet/?"):
        assert any(str(c.value).startswith(PAYLOAD) and c.data_type == "s" for c in _cells(produced[key])), \
            f"{key}: the user's text must still be there, as text"


@pytest.mark.django_db
def test_product_upload_error_report_echoes_values_as_text(admin_client, company):
    keys = [c.key for c in excel.columns()]
    wb = new_workbook()
    ws = wb.active
    ws.append([c.header for c in excel.columns()])
    ws.append([{"code": "EX-1", "name": PAYLOAD, "price": PAYLOAD}.get(k, "") for k in keys])
    with TestCase.captureOnCommitCallbacks(execute=True):
        admin_client.post(reverse("catalog:excel"), {"file": SimpleUploadedFile("p.xlsx", workbook_bytes(wb))})
    upload = ProductUpload.objects.get(company=company)
    assert any(e["value"] == PAYLOAD for e in upload.errors), upload.errors
    response = admin_client.get(reverse("catalog:excel_errors", args=[upload.pk]))
    cells = list(_cells(response.content))
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == PAYLOAD for c in cells)
