"""Inbound orders (partial confirmation, Excel), physical counts (at once and by the :10 job),
transfers between warehouses."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from marketdock.core.models import CommonCode, CommonCodeGroup, JobRun
from marketdock.inventory import selectors, services, tasks
from marketdock.inventory.models import CountSheet, InboundOrder, StockMovement
from tests.factories.catalog import make_set, make_sku, on_hand, receive
from tests.spreadsheets import workbook_bytes


def xlsx(rows) -> bytes:
    return workbook_bytes(rows)


# --- inbound -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_inbound_partial_then_full_confirmation(company, warehouse, admin_user):
    a, b = make_sku(company, "IN-A"), make_sku(company, "IN-B")
    supplier = CommonCode.objects.create(company=company, group=CommonCodeGroup.objects.get(company=company, code="SUPPLIER"),
                                         code="S1", name="동대문상회")
    inbound = services.inbound_create(company=company, warehouse=warehouse, lines=[(a.pk, 10), (b.pk, 5), (a.pk, 2)],
                                      supplier=supplier, user=admin_user)
    assert inbound.status == InboundOrder.Status.PLANNED and inbound.number.startswith("IN-")
    lines = {line.sku_id: line for line in inbound.lines.all()}
    assert lines[a.pk].quantity == 12  # duplicate lines are summed
    # expected inbound shows beside availability before confirmation
    row = selectors.stock_grid(company).get(pk=a.pk)
    assert (row.on_hand, row.expected) == (0, 12)

    services.inbound_register(company=company, inbound=inbound)
    inbound = services.inbound_confirm(company=company, inbound=inbound, quantities={lines[a.pk].pk: 7}, user=admin_user)
    assert inbound.status == InboundOrder.Status.PARTIAL
    assert on_hand(a, warehouse) == 7 and on_hand(b, warehouse) == 0
    row = selectors.stock_grid(company).get(pk=a.pk)
    assert (row.on_hand, row.expected) == (7, 5)
    move = StockMovement.objects.get(sku=a, kind="inbound")
    assert (move.reference_type, move.reference_id, move.user) == ("inbound", inbound.number, admin_user)

    with pytest.raises(services.StockInputError, match="남은 예정수량 5개"):
        services.inbound_confirm(company=company, inbound=inbound, quantities={lines[a.pk].pk: 6})
    assert on_hand(a, warehouse) == 7

    inbound = services.inbound_confirm(company=company, inbound=inbound)  # everything remaining
    assert inbound.status == InboundOrder.Status.CONFIRMED
    assert on_hand(a, warehouse) == 12 and on_hand(b, warehouse) == 5
    assert selectors.stock_grid(company).get(pk=a.pk).expected == 0
    with pytest.raises(services.StockInputError, match="확정할 수 없습니다"):
        services.inbound_confirm(company=company, inbound=inbound)


@pytest.mark.django_db
def test_inbound_cancel_keeps_confirmed_stock_and_drops_expected(company, warehouse):
    sku = make_sku(company)
    inbound = services.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 10)])
    line = inbound.lines.get()
    services.inbound_confirm(company=company, inbound=inbound, quantities={line.pk: 4})
    services.inbound_cancel(company=company, inbound=inbound)
    assert on_hand(sku, warehouse) == 4
    assert selectors.stock_grid(company).get(pk=sku.pk).expected == 0


@pytest.mark.django_db
def test_inbound_refuses_sets_unmanaged_and_empty(company, warehouse):
    part = make_sku(company, "PART")
    kit = make_set(company, "KIT", [(part, 2)])
    free = make_sku(company, "FREE", managed=False)
    with pytest.raises(services.StockInputError, match="KIT"):
        services.inbound_create(company=company, warehouse=warehouse, lines=[(kit.pk, 1)])
    with pytest.raises(services.StockInputError, match="FREE"):
        services.inbound_create(company=company, warehouse=warehouse, lines=[(free.pk, 1)])
    with pytest.raises(services.StockInputError):
        services.inbound_create(company=company, warehouse=warehouse, lines=[])
    assert not InboundOrder.objects.exists()


@pytest.mark.django_db
def test_inbound_excel_confirm_by_code_or_barcode(company, warehouse):
    a, b = make_sku(company, "XA"), make_sku(company, "XB")
    first = services.inbound_create(company=company, warehouse=warehouse, lines=[(a.pk, 10), (b.pk, 10)])
    second = services.inbound_create(company=company, warehouse=warehouse, lines=[(a.pk, 3)])
    data = xlsx([("입고번호", "SKU", "수량"), (first.number, "XA", 4), (first.number, b.barcode, "10"),
                 (second.number, "XA", 3.0), (None, None, None)])
    result = services.inbound_confirm_xlsx(company=company, data=data)
    assert result == {"rows": 3, "inbounds": 2, "quantity": 17}
    assert on_hand(a, warehouse) == 7 and on_hand(b, warehouse) == 10
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (InboundOrder.Status.PARTIAL, InboundOrder.Status.CONFIRMED)


@pytest.mark.django_db
def test_inbound_excel_with_a_bad_row_applies_nothing(company, warehouse, other_company):
    a = make_sku(company, "EA")
    theirs = make_sku(other_company, "THEIRS-SKU")
    inbound = services.inbound_create(company=company, warehouse=warehouse, lines=[(a.pk, 5)])
    data = xlsx([("입고번호", "SKU", "수량"), (inbound.number, "EA", 2), (inbound.number, "NOPE", 1),
                 ("IN-000000-9999", "EA", 1), (inbound.number, "EA", "two"), (inbound.number, "EA", 4),
                 (inbound.number, theirs.code, 1)])
    with pytest.raises(services.ExcelRejected) as info:
        services.inbound_confirm_xlsx(company=company, data=data)
    errors = {(e.row, str(e.column)): e for e in info.value.errors}
    assert set(errors) == {(3, "SKU코드/바코드"), (4, "입고번호"), (5, "수량"), (6, "수량"), (7, "SKU코드/바코드")}
    assert "남은 예정수량 5개" in errors[(6, "수량")].message  # 2 + 4 > 5
    assert "3행" in str(errors[(3, "SKU코드/바코드")]) and "NOPE" in str(errors[(3, "SKU코드/바코드")])
    assert on_hand(a, warehouse) == 0
    assert not StockMovement.objects.filter(company=company).exists()
    inbound.refresh_from_db()
    assert inbound.status == InboundOrder.Status.PLANNED


@pytest.mark.django_db
def test_inbound_excel_that_is_not_xlsx(company):
    with pytest.raises(services.ExcelRejected, match="아무것도 반영하지"):
        services.inbound_confirm_xlsx(company=company, data=b"not a spreadsheet")


# --- counts --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_count_applied_at_once_adjusts_by_the_difference(company, warehouse, admin_user):
    a, b, c = make_sku(company, "CA"), make_sku(company, "CB"), make_sku(company, "CC")
    make_set(company, "CSET", [(a, 1)])
    make_sku(company, "CFREE", managed=False)
    receive(company, a, warehouse, 10)
    receive(company, b, warehouse, 4)
    sheet = services.count_sheet_create(company=company, warehouse=warehouse, user=admin_user)
    lines = {line.sku.code: line for line in sheet.lines.select_related("sku")}
    assert set(lines) == {"CA", "CB", "CC"}  # no sets, no unmanaged products
    assert (lines["CA"].system_quantity, lines["CB"].system_quantity) == (10, 4)
    # a shipment between the count and its application is not lost: the difference is applied
    services.stock_reserve(company=company, lines=[(a.pk, None, 1, None)])
    services.stock_deduct(company=company, lines=[(a.pk, None, 1, None)])
    services.count_sheet_set_counts(company=company, sheet=sheet, counts={lines["CA"].pk: 8, lines["CB"].pk: 6})
    result = services.count_sheet_apply(company=company, sheet=sheet, user=admin_user)
    assert result == {"lines": 2, "adjusted": 2, "increase": 2, "decrease": 2}
    assert (on_hand(a, warehouse), on_hand(b, warehouse), on_hand(c, warehouse)) == (7, 6, 0)
    sheet.refresh_from_db()
    assert sheet.status == CountSheet.Status.APPLIED
    assert set(StockMovement.objects.filter(kind="count").values_list("quantity", flat=True)) == {-2, 2}
    with pytest.raises(services.StockInputError):
        services.count_sheet_apply(company=company, sheet=sheet)


@pytest.mark.django_db
def test_count_submitted_is_applied_by_the_hourly_job(company, warehouse, other_company, django_capture_on_commit_callbacks):
    sku = make_sku(company, "JOBCOUNT")
    receive(company, sku, warehouse, 5)
    sheet = services.count_sheet_create(company=company, warehouse=warehouse)
    line = sheet.lines.get(sku=sku)
    services.count_sheet_set_counts(company=company, sheet=sheet, counts={line.pk: 9})
    draft = services.count_sheet_create(company=company, warehouse=warehouse)  # not submitted: stays
    with pytest.raises(services.StockInputError, match="실사수량이 입력된 품목이 없습니다"):
        services.count_sheet_submit(company=company, sheet=draft)
    services.count_sheet_submit(company=company, sheet=sheet)
    assert on_hand(sku, warehouse) == 5  # nothing before the run
    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_counts_hourly()
    assert on_hand(sku, warehouse) == 9
    sheet.refresh_from_db()
    draft.refresh_from_db()
    assert (sheet.status, draft.status) == (CountSheet.Status.APPLIED, CountSheet.Status.DRAFT)
    run = JobRun.objects.get(company=company, kind="inventory.count_apply")
    assert run.status == JobRun.Status.SUCCEEDED and run.result == {"applied": 1, "failed": 0}
    assert not JobRun.objects.filter(company=other_company).exists()


@pytest.mark.django_db
def test_count_that_would_take_reserved_stock_fails_whole_sheet(company, warehouse, django_capture_on_commit_callbacks):
    a, b = make_sku(company, "RES-A"), make_sku(company, "RES-B")
    receive(company, a, warehouse, 5)
    receive(company, b, warehouse, 5)
    services.stock_reserve(company=company, lines=[(a.pk, None, 4, None)])
    sheet = services.count_sheet_create(company=company, warehouse=warehouse)
    lines = {line.sku_id: line for line in sheet.lines.all()}
    services.count_sheet_set_counts(company=company, sheet=sheet, counts={lines[a.pk].pk: 2, lines[b.pk].pk: 7})
    services.count_sheet_submit(company=company, sheet=sheet)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_counts_hourly()
    sheet.refresh_from_db()
    assert sheet.status == CountSheet.Status.FAILED and "RES-A" in sheet.error
    assert (on_hand(a, warehouse), on_hand(b, warehouse)) == (5, 5)  # all or nothing
    services.stock_release(company=company, lines=[(a.pk, None, 4, None)])
    services.count_sheet_apply(company=company, sheet=sheet)
    assert (on_hand(a, warehouse), on_hand(b, warehouse)) == (2, 7)


@pytest.mark.django_db
def test_count_excel_roundtrip_and_bad_rows(company, warehouse):
    a, b = make_sku(company, "XLA"), make_sku(company, "XLB")
    receive(company, a, warehouse, 3)
    sheet = services.count_sheet_create(company=company, warehouse=warehouse)
    bad = xlsx([("SKU코드", "바코드", "상품명", "옵션", "전산재고", "실사수량"), ("XLA", "", "", "", 3, 5),
                ("ZZZ", "", "", "", 0, 1), ("XLB", "", "", "", 0, -2)])
    with pytest.raises(services.ExcelRejected) as info:
        services.count_sheet_import_xlsx(company=company, sheet=sheet, data=bad)
    assert sorted(e.row for e in info.value.errors) == [3, 4]
    assert not sheet.lines.filter(counted_quantity__isnull=False).exists()
    good = xlsx([("SKU코드", "바코드", "상품명", "옵션", "전산재고", "실사수량"), ("", b.barcode, "", "", 0, 2),
                 ("XLA", "", "", "", 3, None)])
    assert services.count_sheet_import_xlsx(company=company, sheet=sheet, data=good) == 1
    assert dict(sheet.lines.values_list("sku__code", "counted_quantity")) == {"XLA": None, "XLB": 2}


# --- transfers -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_transfer_moves_stock_as_paired_movements(company, warehouse, store, admin_user):
    a, b = make_sku(company, "TA"), make_sku(company, "TB")
    receive(company, a, warehouse, 10)
    receive(company, b, warehouse, 2)
    transfer = services.transfer_create(company=company, from_warehouse=warehouse, to_warehouse=store,
                                        lines=[(a.pk, 4), (b.pk, 2)], user=admin_user, memo="진열")
    assert (on_hand(a, warehouse), on_hand(a, store), on_hand(b, warehouse), on_hand(b, store)) == (6, 4, 0, 2)
    moves = StockMovement.objects.filter(reference_id=transfer.number)
    assert sorted(moves.values_list("kind", "quantity")) == [("transfer_in", 2), ("transfer_in", 4),
                                                              ("transfer_out", -4), ("transfer_out", -2)]


@pytest.mark.django_db
def test_transfer_refused_when_not_available_moves_nothing(company, warehouse, store):
    a, b = make_sku(company, "NA"), make_sku(company, "NB")
    receive(company, a, warehouse, 10)
    receive(company, b, warehouse, 3)
    services.stock_reserve(company=company, lines=[(b.pk, None, 2, None)])
    with pytest.raises(services.InsufficientStock, match="NB.*가용 1개"):
        services.transfer_create(company=company, from_warehouse=warehouse, to_warehouse=store,
                                 lines=[(a.pk, 5), (b.pk, 2)])
    assert (on_hand(a, warehouse), on_hand(a, store), on_hand(b, warehouse)) == (10, 0, 3)
    from marketdock.inventory.models import StockTransfer

    assert not StockTransfer.objects.exists()
    with pytest.raises(services.StockInputError, match="같습니다"):
        services.transfer_create(company=company, from_warehouse=warehouse, to_warehouse=warehouse, lines=[(a.pk, 1)])


# --- low stock -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_low_stock_list_uses_available_against_thresholds(company, warehouse):
    low = make_sku(company, "LOW", reorder_point=5)
    safe = make_sku(company, "SAFE", reorder_point=5)
    unset = make_sku(company, "UNSET")  # no thresholds: never listed
    under_safety = make_sku(company, "UNDER", safety_stock=4)
    receive(company, low, warehouse, 8)
    receive(company, safe, warehouse, 6)
    receive(company, under_safety, warehouse, 3)
    services.stock_reserve(company=company, lines=[(low.pk, None, 3, None)])  # available 5 = reorder point
    assert unset.pk
    rows = {s.code: s for s in selectors.low_stock(company)}
    assert set(rows) == {"LOW", "UNDER"}
    assert (rows["LOW"].available, rows["LOW"].shortage) == (5, 0)
    assert (rows["UNDER"].available, rows["UNDER"].shortage) == (3, 1)
    assert selectors.low_stock_count(company) == 2


@pytest.mark.django_db
def test_sku_history_is_on_hand_over_time(company, warehouse, store):
    sku = make_sku(company, "HIST")
    receive(company, sku, warehouse, 10)
    services.stock_reserve(company=company, lines=[(sku.pk, None, 2, None)])  # not an on-hand change
    services.stock_deduct(company=company, lines=[(sku.pk, None, 2, None)])
    receive(company, sku, store, 5)
    points = selectors.sku_history(company, sku, days=30)
    assert [p.on_hand for p in points] == [0, 10, 8, 13, 13]
    assert [p.on_hand for p in selectors.sku_history(company, sku, days=30, warehouse_id=store.pk)] == [0, 5, 5]
    from marketdock.inventory.charts import stock_history_svg

    svg = stock_history_svg(points, label="HIST <script>")
    assert svg.startswith("<svg") and "<script>" not in svg and "HIST &lt;script&gt;" in svg


@pytest.mark.django_db
def test_count_sheet_download_lists_system_quantities(company, warehouse, admin_client):
    from django.urls import reverse

    sku = make_sku(company, "DL-1")
    receive(company, sku, warehouse, 7)
    sheet = services.count_sheet_create(company=company, warehouse=warehouse)
    response = admin_client.get(reverse("inventory:count_detail", args=[sheet.pk]) + "?export=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "SKU코드" and rows[0][5] == "실사수량"
    assert ("DL-1", 7, None) in [(r[0], r[4], r[5]) for r in rows[1:]]
