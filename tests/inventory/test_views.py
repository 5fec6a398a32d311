"""Inventory screens: what a seller sees and can do, permissions, bad input, company isolation."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from marketdock.core.models import JobRun
from marketdock.inventory import services
from marketdock.inventory.models import CountSheet, InboundOrder, StockTransfer, Warehouse
from tests.factories.catalog import make_sku, make_warehouse, on_hand, receive
from tests.isolation import assert_isolated

LIST_URLS = ["inventory:stock", "inventory:ledger", "inventory:warehouse_list", "inventory:warehouse_create",
             "inventory:inbound_list", "inventory:inbound_create", "inventory:inbound_upload", "inventory:count_list",
             "inventory:transfer_list", "inventory:transfer_create", "inventory:low_stock"]


def xlsx_upload(rows, name="upload.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("name", LIST_URLS)
def test_screens_open_for_viewer(viewer_client, warehouse, name):
    response = viewer_client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.django_db
def test_menu_lights_up_inventory_screens(admin_client, warehouse):
    body = admin_client.get(reverse("inventory:stock")).content.decode()
    for key in ("inventory.stock", "inventory.inbound", "inventory.counts", "inventory.transfers", "inventory.low",
                "inventory.ledger", "inventory.warehouses"):
        assert f'data-screen="{key}"' in body
        assert f'class="md-menu-soon" data-screen="{key}"' not in body  # a link, not "준비 중"


@pytest.mark.django_db
def test_stock_screen_shows_levels_expected_and_exports(admin_client, company, warehouse, store):
    sku = make_sku(company, "GRID-1", name="반팔티")
    receive(company, sku, warehouse, 9)
    receive(company, sku, store, 1)
    services.stock_reserve(company=company, lines=[(sku.pk, warehouse.pk, 2, None)])
    services.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 30)])
    response = admin_client.get(reverse("inventory:stock"), {"q": "GRID"})
    body = response.content.decode()
    row = body.split('data-code="GRID-1"')[1].split("</tr>")[0]
    assert 'data-col="on_hand">10<' in row and 'data-col="reserved">2<' in row and 'data-col="available">8<' in row
    assert 'data-col="expected">+30<' in row
    response = admin_client.get(reverse("inventory:stock"), {"warehouse": store.pk, "q": "GRID"})
    row = response.content.decode().split('data-code="GRID-1"')[1].split("</tr>")[0]
    assert 'data-col="on_hand">1<' in row and 'data-col="expected">-<' in row
    export = admin_client.get(reverse("inventory:stock"), {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    header = rows[0]
    data = dict(zip(header, next(r for r in rows if r[0] == "GRID-1"), strict=True))
    assert (data["현재고"], data["예약"], data["가용"], data["입고예정"]) == (10, 2, 8, 30)


@pytest.mark.django_db
def test_viewer_cannot_post_anywhere(viewer_client, company, warehouse):
    sku = make_sku(company, "VIEW-1")
    receive(company, sku, warehouse, 5)
    inbound = services.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 3)])
    sheet = services.count_sheet_create(company=company, warehouse=warehouse)
    posts = [
        (reverse("inventory:warehouse_create"), {"code": "V", "name": "V"}),
        (reverse("inventory:warehouse_edit", args=[warehouse.pk]), {"code": "X", "name": "X"}),
        (reverse("inventory:inbound_create"), {"warehouse": warehouse.pk, "lines": "VIEW-1 1"}),
        (reverse("inventory:inbound_detail", args=[inbound.pk]), {"action": "confirm"}),
        (reverse("inventory:inbound_upload"), {}),
        (reverse("inventory:count_list"), {"warehouse": warehouse.pk}),
        (reverse("inventory:count_detail", args=[sheet.pk]), {"action": "apply"}),
        (reverse("inventory:transfer_create"), {}),
        (reverse("inventory:stock_reconcile"), {}),
        (reverse("inventory:sku_stock", args=[sku.pk]), {"action": "adjust", "adj-warehouse": warehouse.pk,
                                                         "adj-quantity": "-5", "adj-reason": "x"}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    assert on_hand(sku, warehouse) == 5
    inbound.refresh_from_db()
    assert inbound.status == InboundOrder.Status.PLANNED
    assert Warehouse.objects.filter(company=company).count() == 1
    assert not JobRun.objects.filter(company=company).exists()
    body = viewer_client.get(reverse("inventory:inbound_detail", args=[inbound.pk])).content.decode()
    assert 'data-testid="inbound-confirm"' not in body


@pytest.mark.django_db
def test_other_company_cannot_reach_any_inventory_object(other_client, company, warehouse, store, admin_user):
    sku = make_sku(company, "SECRET-SKU", name="비밀상품")
    receive(company, sku, warehouse, 5)
    inbound = services.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 3)], memo="비밀입고")
    sheet = services.count_sheet_create(company=company, warehouse=warehouse, memo="비밀실사")
    transfer = services.transfer_create(company=company, from_warehouse=warehouse, to_warehouse=store,
                                        lines=[(sku.pk, 1)], memo="비밀이동")
    assert_isolated(other_client, [
        reverse("inventory:warehouse_edit", args=[warehouse.pk]),
        reverse("inventory:sku_stock", args=[sku.pk]),
        reverse("inventory:inbound_detail", args=[inbound.pk]),
        reverse("inventory:count_detail", args=[sheet.pk]),
        reverse("inventory:count_detail", args=[sheet.pk]) + "?export=xlsx",
        reverse("inventory:transfer_detail", args=[transfer.pk]),
    ], secrets=("SECRET-SKU", "비밀상품", "비밀입고", "비밀실사", "비밀이동", inbound.number))
    # and their lists do not show our rows
    for name in ("inventory:stock", "inventory:ledger", "inventory:inbound_list", "inventory:count_list",
                 "inventory:transfer_list", "inventory:warehouse_list"):
        body = other_client.get(reverse(name)).content.decode()
        assert "SECRET-SKU" not in body and inbound.number not in body and transfer.number not in body
        assert "본사창고" not in body
    assert on_hand(sku, warehouse) == 4


@pytest.mark.django_db
def test_warehouse_create_edit_and_bad_input(admin_client, company):
    url = reverse("inventory:warehouse_create")
    response = admin_client.post(url, {"code": "한글", "name": "", "kind": "warehouse", "phone": "12"})
    body = response.content.decode()
    assert response.status_code == 200 and "창고코드는 영문, 숫자" in body and 'data-testid="field-error"' in body
    response = admin_client.post(url, {"code": "MAIN", "name": "본사창고", "kind": "warehouse", "sender_name": "에이스",
                                       "exposed_to_channels": "on", "is_active": "on"})
    assert response.status_code == 302
    main = Warehouse.objects.get(company=company, code="MAIN")
    assert main.is_default and main.exposed_to_channels and main.sender_name == "에이스"
    response = admin_client.post(url, {"code": "MAIN", "name": "중복", "kind": "store", "is_active": "on"})
    assert "이미 있습니다" in response.content.decode()
    edit = reverse("inventory:warehouse_edit", args=[main.pk])
    response = admin_client.post(edit, {"code": "MAIN", "name": "본사 물류센터", "kind": "warehouse", "is_active": "on",
                                        "is_default": "on"})
    assert response.status_code == 302
    main.refresh_from_db()
    assert main.name == "본사 물류센터" and not main.exposed_to_channels


@pytest.mark.django_db
def test_inbound_create_confirm_partially_through_the_screen(admin_client, company, warehouse):
    a, b = make_sku(company, "SCR-A"), make_sku(company, "SCR-B")
    response = admin_client.post(reverse("inventory:inbound_create"),
                                 {"warehouse": warehouse.pk, "lines": "SCR-A 10\nNOPE 1\nSCR-B x"})
    body = response.content.decode()
    assert response.status_code == 200 and "2번째 줄" in body and "NOPE" in body and "3번째 줄" in body
    assert not InboundOrder.objects.exists()
    response = admin_client.post(reverse("inventory:inbound_create"),
                                 {"warehouse": warehouse.pk, "lines": f"SCR-A 10\n{b.barcode}, 4", "memo": "봄 입고"})
    inbound = InboundOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("inventory:inbound_detail", args=[inbound.pk])
    lines = {line.sku_id: line for line in inbound.lines.all()}
    url = reverse("inventory:inbound_detail", args=[inbound.pk])
    response = admin_client.post(url, {"action": "confirm", f"confirm_{lines[a.pk].pk}": "abc",
                                       f"confirm_{lines[b.pk].pk}": "4"})
    assert response.status_code == 200 and "0 이상의 정수" in response.content.decode()
    assert on_hand(b, warehouse) == 0
    response = admin_client.post(url, {"action": "confirm", f"confirm_{lines[a.pk].pk}": "6",
                                       f"confirm_{lines[b.pk].pk}": "4"})
    assert response.status_code == 302
    assert (on_hand(a, warehouse), on_hand(b, warehouse)) == (6, 4)
    inbound.refresh_from_db()
    assert inbound.status == InboundOrder.Status.PARTIAL
    response = admin_client.post(url, {"action": "confirm", f"confirm_{lines[a.pk].pk}": "99"}, follow=True)
    assert "남은 예정수량 4개" in response.content.decode()
    assert on_hand(a, warehouse) == 6


@pytest.mark.django_db
def test_inbound_excel_upload_screen_bad_row_applies_nothing(admin_client, company, warehouse):
    sku = make_sku(company, "UP-1")
    inbound = services.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 5)])
    template = admin_client.get(reverse("inventory:inbound_upload"), {"template": "1"})
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert rows[1] == (inbound.number, "UP-1", 5)
    response = admin_client.post(reverse("inventory:inbound_upload"), {
        "file": xlsx_upload([rows[0], (inbound.number, "UP-1", 2), (inbound.number, "UP-1", 0)])})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="row-errors"' in body and "1 이상의 정수" in body
    assert on_hand(sku, warehouse) == 0
    response = admin_client.post(reverse("inventory:inbound_upload"), {"file": SimpleUploadedFile("a.csv", b"x,y")})
    assert "xlsx 파일만" in response.content.decode()
    response = admin_client.post(reverse("inventory:inbound_upload"), {
        "file": xlsx_upload([rows[0], (inbound.number, "UP-1", 5)])})
    assert response.status_code == 302 and on_hand(sku, warehouse) == 5


@pytest.mark.django_db
def test_count_screen_type_counts_and_apply(admin_client, company, warehouse):
    sku = make_sku(company, "CNT-1")
    receive(company, sku, warehouse, 4)
    response = admin_client.post(reverse("inventory:count_list"), {"warehouse": warehouse.pk, "memo": "월말"})
    sheet = CountSheet.objects.get()
    assert response.status_code == 302
    line = sheet.lines.get(sku=sku)
    url = reverse("inventory:count_detail", args=[sheet.pk])
    response = admin_client.post(url, {"action": "save", f"count_{line.pk}": "-1"})
    assert "0 이상의 정수" in response.content.decode()
    admin_client.post(url, {"action": "save", f"count_{line.pk}": "7"})
    line.refresh_from_db()
    assert line.counted_quantity == 7 and on_hand(sku, warehouse) == 4
    response = admin_client.post(url, {"action": "upload", "file": xlsx_upload([("h",), ("NOT-HERE", "", "", "", 0, 3)])})
    assert 'data-testid="row-errors"' in response.content.decode()
    line.refresh_from_db()
    assert line.counted_quantity == 7
    admin_client.post(url, {"action": "apply"})
    assert on_hand(sku, warehouse) == 7
    sheet.refresh_from_db()
    assert sheet.status == CountSheet.Status.APPLIED


@pytest.mark.django_db
def test_transfer_screen(admin_client, company, warehouse, store):
    sku = make_sku(company, "MOVE-1")
    receive(company, sku, warehouse, 3)
    response = admin_client.post(reverse("inventory:transfer_create"),
                                 {"from_warehouse": warehouse.pk, "to_warehouse": store.pk, "lines": "MOVE-1 5"})
    assert response.status_code == 200 and "가용 3개" in response.content.decode()
    assert not StockTransfer.objects.exists()
    response = admin_client.post(reverse("inventory:transfer_create"),
                                 {"from_warehouse": warehouse.pk, "to_warehouse": warehouse.pk, "lines": "MOVE-1 1"})
    assert "같습니다" in response.content.decode()
    response = admin_client.post(reverse("inventory:transfer_create"),
                                 {"from_warehouse": warehouse.pk, "to_warehouse": store.pk, "lines": "MOVE-1 3"})
    transfer = StockTransfer.objects.get()
    assert response.status_code == 302 and (on_hand(sku, warehouse), on_hand(sku, store)) == (0, 3)
    body = admin_client.get(reverse("inventory:transfer_detail", args=[transfer.pk])).content.decode()
    assert "MOVE-1" in body and "강남매장" in body


@pytest.mark.django_db
def test_sku_stock_page_chart_adjust_and_thresholds(admin_client, company, warehouse):
    sku = make_sku(company, "DETAIL-1")
    receive(company, sku, warehouse, 5)
    url = reverse("inventory:sku_stock", args=[sku.pk])
    body = admin_client.get(url).content.decode()
    assert 'data-testid="stock-chart"' in body and "<svg" in body and "<script" not in body.split("<svg")[1].split("</svg>")[0]
    response = admin_client.post(url, {"action": "adjust", "adj-warehouse": warehouse.pk, "adj-quantity": "-9",
                                       "adj-reason": "파손"}, follow=True)
    assert "가용 5개" in response.content.decode() and on_hand(sku, warehouse) == 5
    admin_client.post(url, {"action": "adjust", "adj-warehouse": warehouse.pk, "adj-quantity": "-2", "adj-reason": "파손"})
    assert on_hand(sku, warehouse) == 3
    admin_client.post(url, {"action": "thresholds", "th-safety_stock": "2", "th-reorder_point": "4"})
    sku.refresh_from_db()
    assert (sku.safety_stock, sku.reorder_point) == (2, 4)
    body = admin_client.get(reverse("inventory:low_stock")).content.decode()
    assert 'data-code="DETAIL-1"' in body


@pytest.mark.django_db
def test_low_stock_tile_on_home(admin_client, viewer_client, company, warehouse):
    sku = make_sku(company, "TILE-1", reorder_point=3)
    receive(company, sku, warehouse, 1)
    body = admin_client.get(reverse("home")).content.decode()
    tile = body.split('data-tile="inventory_low"')[1].split("</a>")[0]
    assert ">1<" in tile and "재고 부족" in tile


@pytest.mark.django_db
def test_ledger_filters_and_export(admin_client, company, warehouse, store):
    a, b = make_sku(company, "LED-A"), make_sku(company, "LED-B")
    receive(company, a, warehouse, 4)
    receive(company, b, store, 2)
    services.stock_reserve(company=company, lines=[(a.pk, None, 1, ("order", "ORD-77"))])
    body = admin_client.get(reverse("inventory:ledger"), {"kind": "reserve"}).content.decode()
    assert body.count('data-testid="movement-row"') == 1 and "ORD-77" in body
    body = admin_client.get(reverse("inventory:ledger"), {"warehouse": store.pk}).content.decode()
    assert "LED-B" in body and "LED-A" not in body
    export = admin_client.get(reverse("inventory:ledger"), {"q": "LED-A", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and {r[2] for r in rows[1:]} == {"LED-A"}


@pytest.mark.django_db
def test_reconcile_action_starts_a_job(admin_client, company, warehouse, django_capture_on_commit_callbacks):
    sku = make_sku(company, "REC-1")
    receive(company, sku, warehouse, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("inventory:stock_reconcile"))
    run = JobRun.objects.get(company=company, kind="inventory.reconcile")
    assert response.status_code == 302 and response.url == reverse("core:job_detail", args=[run.pk])
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and run.result["drift"] == 0


@pytest.mark.django_db
def test_english_labels(admin_client, warehouse):
    admin_client.cookies["django_language"] = "en"
    body = admin_client.get(reverse("inventory:stock"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Channel available" in body and "Recompute stock" in body


@pytest.mark.django_db
def test_demo_step_is_idempotent(company):
    from marketdock.inventory.demo import demo_inventory
    from marketdock.inventory.models import StockMovement

    out: list[str] = []
    demo_inventory(company, out)  # no SKUs yet: warehouses only
    assert set(Warehouse.objects.filter(company=company).values_list("code", flat=True)) == {"MAIN", "STORE1"}
    for i in range(6):
        make_sku(company, f"DEMO-{i}")
    demo_inventory(company, out)
    moves = StockMovement.objects.filter(company=company).count()
    assert moves > 0 and InboundOrder.objects.filter(company=company).count() == 2
    demo_inventory(company, out)
    assert StockMovement.objects.filter(company=company).count() == moves
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0
    make_warehouse  # noqa: B018  (imported for other tests' fixtures)
