"""Reservation, release, deduction, sets, unmanaged products, all-or-nothing, the ledger."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from marketdock.inventory import services
from marketdock.inventory.models import MovementKind, StockLevel, StockMovement
from tests.factories.catalog import make_set, make_sku, make_warehouse, receive


def level(sku, warehouse) -> tuple[int, int]:
    lv = StockLevel.objects.filter(sku=sku, warehouse=warehouse).first()
    return (lv.on_hand, lv.reserved) if lv else (0, 0)


def ledger_sum(sku, warehouse) -> tuple[int, int]:
    rows = StockMovement.objects.filter(sku=sku, warehouse=warehouse)
    return sum(m.quantity for m in rows), sum(m.reserved_change for m in rows)


@pytest.mark.django_db
def test_reserve_deduct_release_cycle_keeps_ledger_and_level_equal(company, warehouse, admin_user):
    sku = make_sku(company, "TEE-BLK-M")
    receive(company, sku, warehouse, 10)
    services.stock_reserve(company=company, lines=[(sku.pk, None, 4, ("order", "A-1"))], user=admin_user)
    assert level(sku, warehouse) == (10, 4)
    services.stock_deduct(company=company, lines=[(sku.pk, None, 3, ("order", "A-1"))], user=admin_user)
    assert level(sku, warehouse) == (7, 1)
    services.stock_release(company=company, lines=[(sku.pk, None, 1, ("order", "A-1"))])
    assert level(sku, warehouse) == (7, 0)
    assert ledger_sum(sku, warehouse) == (7, 0)
    kinds = list(StockMovement.objects.filter(sku=sku).order_by("id").values_list("kind", "quantity", "reserved_change"))
    assert kinds == [("adjustment", 10, 0), ("reserve", 0, 4), ("shipment", -3, -3), ("release", 0, -1)]
    shipment = StockMovement.objects.get(sku=sku, kind=MovementKind.SHIPMENT)
    assert (shipment.reference_type, shipment.reference_id, shipment.user) == ("order", "A-1", admin_user)
    assert (shipment.on_hand_after, shipment.reserved_after) == (7, 1)


@pytest.mark.django_db
def test_insufficient_stock_names_every_short_sku_and_changes_nothing(company, warehouse):
    a, b, c = make_sku(company, "A-01"), make_sku(company, "B-02"), make_sku(company, "C-03")
    receive(company, a, warehouse, 5)
    receive(company, b, warehouse, 1)
    before = StockMovement.objects.count()
    with pytest.raises(services.InsufficientStock) as info:
        services.stock_reserve(company=company, lines=[(a.pk, None, 2, "order:9"), (b.pk, None, 3, "order:9"),
                                                       (c.pk, None, 1, "order:9")])
    message = str(info.value)
    assert "B-02" in message and "가용 1개" in message and "C-03" in message and "가용 0개" in message
    assert "A-01" not in message
    assert {(s.sku_code, s.available, s.requested) for s in info.value.shortages} == {("B-02", 1, 3), ("C-03", 0, 1)}
    # the line for A that would have fitted was rolled back too
    assert level(a, warehouse) == (5, 0)
    assert level(b, warehouse) == (1, 0)
    assert StockMovement.objects.count() == before


@pytest.mark.django_db
def test_reservation_never_exceeds_available(company, warehouse):
    sku = make_sku(company)
    receive(company, sku, warehouse, 3)
    services.stock_reserve(company=company, lines=[(sku.pk, warehouse.pk, 2, None)])
    with pytest.raises(services.InsufficientStock):
        services.stock_reserve(company=company, lines=[(sku.pk, warehouse.pk, 2, None)])
    services.stock_reserve(company=company, lines=[(sku.pk, warehouse.pk, 1, None)])
    assert level(sku, warehouse) == (3, 3)


@pytest.mark.django_db
def test_release_and_deduct_need_reserved_stock(company, warehouse):
    sku = make_sku(company, "R-1")
    receive(company, sku, warehouse, 10)
    services.stock_reserve(company=company, lines=[(sku.pk, None, 2, None)])
    with pytest.raises(services.InsufficientStock, match="예약 수량이 부족합니다"):
        services.stock_release(company=company, lines=[(sku.pk, None, 3, None)])
    with pytest.raises(services.InsufficientStock, match="R-1"):
        services.stock_deduct(company=company, lines=[(sku.pk, None, 3, None)])
    assert level(sku, warehouse) == (10, 2)


@pytest.mark.django_db
def test_set_sku_reserves_and_deducts_its_components(company, warehouse):
    cup, lid = make_sku(company, "CUP"), make_sku(company, "LID")
    gift_set = make_set(company, "CUP-SET", [(cup, 2), (lid, 1)])
    receive(company, cup, warehouse, 10)
    receive(company, lid, warehouse, 10)
    result = services.stock_reserve(company=company, lines=[(gift_set.pk, None, 3, ("order", 1))])
    assert {(m.sku_id, m.reserved_change) for m in result.movements} == {(cup.pk, 6), (lid.pk, 3)}
    assert all("CUP-SET" in m.reason for m in result.movements)
    assert level(cup, warehouse) == (10, 6)
    assert level(lid, warehouse) == (10, 3)
    services.stock_deduct(company=company, lines=[(gift_set.pk, None, 3, ("order", 1))])
    assert level(cup, warehouse) == (4, 0)
    assert level(lid, warehouse) == (7, 0)
    assert not StockLevel.objects.filter(sku=gift_set).exists()


@pytest.mark.django_db
def test_set_is_refused_when_one_component_is_short(company, warehouse):
    cup, lid = make_sku(company, "CUP2"), make_sku(company, "LID2")
    gift_set = make_set(company, "SET2", [(cup, 2), (lid, 1)])
    receive(company, cup, warehouse, 3)
    receive(company, lid, warehouse, 10)
    with pytest.raises(services.InsufficientStock) as info:
        services.stock_reserve(company=company, lines=[(gift_set.pk, None, 2, None)])
    assert [s.sku_code for s in info.value.shortages] == ["CUP2"]
    assert level(lid, warehouse) == (10, 0)


@pytest.mark.django_db
def test_unmanaged_product_skips_stock(company, warehouse):
    service_item = make_sku(company, "GIFT-WRAP", managed=False)
    result = services.stock_reserve(company=company, lines=[(service_item.pk, None, 5, None)])
    assert result.movements == [] and result.skipped_sku_ids == [service_item.pk]
    assert not StockMovement.objects.filter(sku=service_item).exists()


@pytest.mark.django_db
def test_other_companys_sku_or_warehouse_is_refused(company, warehouse, other_company, other_warehouse):
    theirs = make_sku(other_company, "THEIRS")
    receive(other_company, theirs, other_warehouse, 5)
    mine = make_sku(company, "MINE")
    with pytest.raises(services.StockInputError, match="SKU를 찾을 수 없습니다"):
        services.stock_reserve(company=company, lines=[(theirs.pk, None, 1, None)])
    with pytest.raises(services.StockInputError, match="창고를 찾을 수 없습니다"):
        services.stock_adjust(company=company, sku_id=mine.pk, warehouse_id=other_warehouse.pk, quantity=1, reason="x")
    assert level(theirs, other_warehouse) == (5, 0)


@pytest.mark.django_db
def test_no_default_warehouse_gives_a_clear_error(company):
    sku = make_sku(company)
    with pytest.raises(services.StockInputError, match="기본 창고가 없습니다"):
        services.stock_reserve(company=company, lines=[(sku.pk, None, 1, None)])


@pytest.mark.django_db
def test_bad_quantities_are_refused(company, warehouse):
    sku = make_sku(company)
    for qty in (0, -1, 1.5, True):
        with pytest.raises(services.StockInputError):
            services.stock_reserve(company=company, lines=[(sku.pk, None, qty, None)])


@pytest.mark.django_db
def test_adjustment_cannot_take_reserved_stock(company, warehouse):
    sku = make_sku(company, "ADJ")
    receive(company, sku, warehouse, 5)
    services.stock_reserve(company=company, lines=[(sku.pk, None, 4, None)])
    with pytest.raises(services.InsufficientStock, match="가용 1개"):
        services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=-2, reason="파손")
    services.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=-1, reason="파손")
    assert level(sku, warehouse) == (4, 4)


@pytest.mark.django_db
def test_return_adds_stock(company, warehouse):
    sku = make_sku(company)
    services.stock_return(company=company, lines=[(sku.pk, None, 2, ("claim", 7))])
    assert level(sku, warehouse) == (2, 0)
    assert StockMovement.objects.get(sku=sku).kind == MovementKind.RETURN


@pytest.mark.django_db
def test_ledger_rows_cannot_be_edited_or_deleted(company, warehouse):
    sku = make_sku(company)
    receive(company, sku, warehouse, 1)
    move = StockMovement.objects.get(sku=sku)
    move.quantity = 100
    with pytest.raises(TypeError):
        move.save()
    with pytest.raises(TypeError):
        move.delete()
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=move.pk).update(quantity=100)
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=move.pk).delete()
    assert StockMovement.objects.get(pk=move.pk).quantity == 1


@pytest.mark.django_db
def test_database_refuses_reserved_above_on_hand(company, warehouse):
    sku = make_sku(company)
    receive(company, sku, warehouse, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(sku=sku).update(reserved=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(sku=sku).update(on_hand=-1, reserved=0)


@pytest.mark.django_db
def test_reconcile_reports_and_fixes_drift(company, warehouse):
    sku = make_sku(company, "DRIFT")
    receive(company, sku, warehouse, 8)
    services.stock_reserve(company=company, lines=[(sku.pk, None, 2, None)])
    assert services.stock_levels_reconcile(company=company)["drift"] == 0
    StockLevel.objects.filter(sku=sku).update(on_hand=20, reserved=0)  # a cache gone wrong
    report = services.stock_levels_reconcile(company=company, fix=False)
    assert report["drift"] == 1 and report["fixed"] == 0
    d = report["drifts"][0]
    assert (d.level_on_hand, d.ledger_on_hand, d.level_reserved, d.ledger_reserved) == (20, 8, 0, 2)
    assert level(sku, warehouse) == (20, 0)
    assert services.stock_levels_reconcile(company=company)["fixed"] == 1
    assert level(sku, warehouse) == (8, 2)


@pytest.mark.django_db
def test_reconcile_job_records_drift_in_a_jobrun(company, warehouse, django_capture_on_commit_callbacks):
    from marketdock.core.models import JobRun
    from marketdock.inventory import tasks

    sku = make_sku(company, "JOBDRIFT")
    receive(company, sku, warehouse, 3)
    StockLevel.objects.filter(sku=sku).update(on_hand=5)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reconcile_hourly()
    run = JobRun.objects.get(company=company, kind="inventory.reconcile")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.result == {"checked": 1, "drift": 1, "fixed": 1}
    assert any("JOBDRIFT" in line for line in run.log)
    assert level(sku, warehouse) == (3, 0)


@pytest.mark.django_db
def test_warehouse_default_is_unique_and_first_is_default(company):
    first = make_warehouse(company, "A", "A창고")
    assert first.is_default
    second = make_warehouse(company, "B", "B창고", is_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    with pytest.raises(services.StockInputError, match="기본 창고는 사용 중지할 수 없습니다"):
        services.warehouse_save(company=company, warehouse=second, is_active=False)
    with pytest.raises(services.StockInputError, match="이미 있습니다"):
        make_warehouse(company, "A", "중복")
