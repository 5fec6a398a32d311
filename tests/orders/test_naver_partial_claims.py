"""Naver quantity claims (quantityClaimCompatibility=true): `quantity` is what was ordered and
`remainQuantity` / `remainPaymentAmount` what is left. A partly cancelled line keeps its remaining
units and their reservation; only the cancelled units are released, once."""

from __future__ import annotations

import copy

import pytest

from marketdock.catalog.models import SKU, Product
from marketdock.channels.connectors import naver
from marketdock.channels.connectors.errors import MalformedPayload
from marketdock.channels.connectors.models import OrderStatus as CanonicalStatus
from marketdock.channels.connectors.models import Progress
from marketdock.channels.models import ChannelAccount
from marketdock.inventory import services as inv
from marketdock.inventory.models import StockMovement
from marketdock.orders.models import CollectionRun, Order, OrderLine, OrderStatus, StockState
from marketdock.orders.services import channel_orders_ingest, collection_run_open
from tests.factories.orders import reserved

ITEM = {
    "order": {"orderId": "2026120100000001", "orderDate": "2026-12-01T10:00:00.000+09:00",
              "paymentDate": "2026-12-01T10:01:00.000+09:00", "ordererName": "홍길동", "ordererTel": "010-1234-5678"},
    "productOrder": {
        "productOrderId": "2026120100000101", "productOrderStatus": "PAYED", "placeOrderStatus": "NOT_YET",
        "productId": "8012345678", "optionCode": "30012345", "productName": "기모 트레이닝 팬츠",
        "productOption": "블랙 / L", "optionManageCode": "NV-PART", "quantity": 5, "initialQuantity": 5,
        "remainQuantity": 5, "unitPrice": 10000, "optionPrice": 0, "totalProductAmount": 50000,
        "productDiscountAmount": 0, "totalPaymentAmount": 50000, "remainPaymentAmount": 50000,
        "shippingAddress": {"name": "김영희", "tel1": "010-9876-5432", "zipCode": "06236",
                            "baseAddress": "서울특별시 강남구 테헤란로 152", "detailedAddress": "21층"},
    },
}


def item(**po) -> dict:
    data = copy.deepcopy(ITEM)
    data["productOrder"].update(po)
    return data


PARTLY_CANCELLED = dict(remainQuantity=3, remainPaymentAmount=30000, claimType="CANCEL", claimStatus="CANCEL_DONE")


def test_partly_cancelled_line_keeps_its_remaining_units():
    [line] = naver.parse_payload({"data": [item(**PARTLY_CANCELLED)]})
    assert (line.quantity, line.cancelled_quantity) == (5, 2)
    assert line.total_amount == 30000
    assert line.status == CanonicalStatus.NEW and line.progress == Progress.PAID


def test_wholly_cancelled_line_is_cancelled():
    [line] = naver.parse_payload({"data": [item(productOrderStatus="CANCELED", remainQuantity=0,
                                                remainPaymentAmount=0, claimType="CANCEL",
                                                claimStatus="CANCEL_DONE")]})
    assert line.cancelled_quantity == 5 and line.status == CanonicalStatus.CANCELLED


def test_partly_returned_units_are_not_counted_as_cancelled():
    [line] = naver.parse_payload({"data": [item(productOrderStatus="DELIVERED", placeOrderStatus="OK",
                                                remainQuantity=4, remainPaymentAmount=40000, claimType="RETURN",
                                                claimStatus="RETURN_DONE")]})
    assert line.cancelled_quantity == 0 and line.progress == Progress.DELIVERED


@pytest.mark.parametrize("remain", [6, -1, "셋"])
def test_impossible_remaining_quantity_is_malformed(remain):
    with pytest.raises(MalformedPayload) as exc:
        naver.parse_payload({"data": [item(remainQuantity=remain)]})
    assert "remainQuantity" in exc.value.field


# --- collection: reservation -------------------------------------------------------------------


@pytest.fixture
def account(company):
    account = ChannelAccount(company=company, kind="naver", name="네이버 본점")
    account.set_credentials({"client_id": "id", "client_secret": "$2a$04$abcdefghijklmnopqrstuu"})
    account.save()
    return account


@pytest.fixture
def sku(company):
    product = Product.objects.create(company=company, code="P-NV", name="기모 트레이닝 팬츠")
    sku = SKU.objects.create(company=company, product=product, code="NV-PART", barcode="8800000000001")
    warehouse = inv.warehouse_save(company=company, code="WH", name="본창고", is_default=True)
    inv.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=10, reason="기초")
    return sku


def collect(account, *items):
    run = collection_run_open(account=account, trigger=CollectionRun.Trigger.MANUAL)
    channel_orders_ingest(account=account, orders=naver.parse_payload({"data": list(items)}), run=run, errors=())


def test_first_collection_of_a_partly_cancelled_line_reserves_only_the_remaining_units(company, account, sku):
    collect(account, item(**PARTLY_CANCELLED))
    line = OrderLine.objects.get(company=company, channel_line_id="2026120100000101")
    assert (line.quantity, line.cancelled_quantity) == (5, 2)
    assert line.status == OrderStatus.NEW and line.stock_state == StockState.RESERVED
    assert Order.objects.get(company=company, channel_order_id="2026120100000001").status == OrderStatus.NEW
    assert reserved(company, sku) == 3
    collect(account, item(**PARTLY_CANCELLED))  # the same again changes nothing
    assert reserved(company, sku) == 3


def test_partial_cancel_on_recollection_releases_the_cancelled_units_once(company, account, sku):
    collect(account, item())
    assert reserved(company, sku) == 5
    collect(account, item(**PARTLY_CANCELLED))
    line = OrderLine.objects.get(company=company, channel_line_id="2026120100000101")
    assert line.status == OrderStatus.NEW and line.stock_state == StockState.RESERVED
    assert line.total_amount == 30000
    assert reserved(company, sku) == 3
    releases = StockMovement.objects.filter(company=company, reference_type="order_line",
                                            reference_id=str(line.pk)).count()
    # collected again, with an unrelated change (the address) and without one: nothing more is released
    collect(account, item(**PARTLY_CANCELLED))
    collect(account, item(**PARTLY_CANCELLED, shippingMemo="경비실에 맡겨주세요"))
    assert reserved(company, sku) == 3
    assert StockMovement.objects.filter(company=company, reference_type="order_line",
                                        reference_id=str(line.pk)).count() == releases
    # the rest cancelled later: everything released, the line and the order cancelled
    collect(account, item(productOrderStatus="CANCELED", remainQuantity=0, remainPaymentAmount=0, claimType="CANCEL",
                          claimStatus="CANCEL_DONE"))
    line.refresh_from_db()
    assert reserved(company, sku) == 0 and line.status == OrderStatus.CANCELLED
    assert Order.objects.get(company=company, channel_order_id="2026120100000001").status == OrderStatus.CANCELLED
