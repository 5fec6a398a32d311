"""Open API writes: idempotency keys, the one error shape in Korean and English, writes through the same
services as the screens (ledger, order flow), the change feed, the apikey command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from marketdock.inventory.models import StockMovement
from marketdock.orders.models import Order, OrderStatus
from marketdock.outbox.models import OutboxMessage
from tests.factories.api import api_client, api_world, make_key
from tests.factories.catalog import make_stocked_sku
from tests.factories.orders import make_order

pytestmark = pytest.mark.django_db


def _post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_same_idempotency_key_same_answer_one_effect(company):
    world = api_world(company)
    client = api_client(make_key(company))
    body = {"items": [{"sku_id": world.sku.pk, "quantity": -3, "reason": "파손"}]}
    moves = StockMovement.objects.filter(company=company).count()
    first = _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="adj-1")
    again = _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="adj-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["results"][0]["ok"]
    assert StockMovement.objects.filter(company=company).count() == moves + 1
    # the same key with another body is refused and changes nothing
    other = _post(client, "/api/v1/stock/adjustments", {"items": [{"sku_id": world.sku.pk, "quantity": -1,
                                                                   "reason": "파손"}]}, HTTP_IDEMPOTENCY_KEY="adj-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert StockMovement.objects.filter(company=company).count() == moves + 1
    # without a key every call is a new write
    _post(client, "/api/v1/stock/adjustments", body)
    assert StockMovement.objects.filter(company=company).count() == moves + 2


def test_idempotency_answers_expire_after_a_day_and_old_call_logs_go(company):
    from datetime import timedelta

    from django.utils import timezone

    from marketdock.api.models import ApiCall
    from marketdock.api.services import housekeeping

    world = api_world(company)
    client = api_client(make_key(company))
    body = {"items": [{"sku_id": world.sku.pk, "quantity": -1, "reason": "파손"}]}
    moves = StockMovement.objects.filter(company=company).count()
    _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="daily-1")
    assert housekeeping(now=timezone.now() + timedelta(hours=23)) == {"idempotency_records": 0, "api_calls": 0}
    _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="daily-1")
    assert StockMovement.objects.filter(company=company).count() == moves + 1  # still a repeat within the day
    later = timezone.now() + timedelta(hours=25)
    assert housekeeping(now=later)["idempotency_records"] == 1
    _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="daily-1")
    assert StockMovement.objects.filter(company=company).count() == moves + 2  # a new request the next day
    calls = ApiCall.objects.filter(company=company).count()
    assert calls == 3
    assert housekeeping(now=timezone.now() + timedelta(days=91))["api_calls"] == calls


@pytest.mark.parametrize("age_hours, replayed", [(1, True), (25, False)])
def test_an_idempotency_key_older_than_a_day_is_a_new_request_before_housekeeping(company, age_hours, replayed):
    """The 24-hour window holds at the lookup, not only after the nightly purge: a 25-hour-old record is
    ignored and replaced by the new write; a 1-hour-old one still answers the repeat."""
    from datetime import timedelta

    from django.utils import timezone

    from marketdock.api.models import IdempotencyRecord

    world = api_world(company)
    client = api_client(make_key(company))
    body = {"items": [{"sku_id": world.sku.pk, "quantity": -1, "reason": "파손"}]}
    moves = StockMovement.objects.filter(company=company).count()
    first = _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="aged-1")
    aged = timezone.now() - timedelta(hours=age_hours)
    IdempotencyRecord.objects.filter(company=company, key="aged-1").update(created_at=aged)
    again = _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="aged-1")
    assert first.status_code == again.status_code == 200
    record = IdempotencyRecord.objects.get(company=company, key="aged-1")  # still one record per key
    if replayed:
        assert again.json() == first.json()
        assert StockMovement.objects.filter(company=company).count() == moves + 1
        assert record.created_at == aged
    else:
        assert StockMovement.objects.filter(company=company).count() == moves + 2
        assert record.created_at > aged + timedelta(hours=24) and record.response == again.json()
        # the replacing record answers the next repeat
        third = _post(client, "/api/v1/stock/adjustments", body, HTTP_IDEMPOTENCY_KEY="aged-1")
        assert third.json() == again.json()
        assert StockMovement.objects.filter(company=company).count() == moves + 2


def test_repeated_tracking_registration_sends_the_number_once(company):
    world = api_world(company)
    client = api_client(make_key(company, scopes=["orders:write"]))
    body = {"carrier": "cj", "number": "630123456789"}
    url = f"/api/v1/orders/{world.ready_order.pk}/tracking"
    answers = [_post(client, url, body, HTTP_IDEMPOTENCY_KEY="trk-1") for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1, [a.content for a in answers]
    assert answers[0].json()["results"][0]["ok"]
    order = Order.objects.get(pk=world.ready_order.pk)
    assert order.status == OrderStatus.SHIPPED
    assert order.lines.get().tracking_number == "630123456789"
    dispatches = list(OutboxMessage.objects.filter(company=company, kind="dispatch").values("key", "status", "payload"))
    assert len(dispatches) == 1, dispatches


def test_bulk_confirm_answers_per_order(company, other_company):
    world = api_world(company)
    stranger = api_world(other_company, code="OTH")
    fresh = make_order(world.account, status=OrderStatus.NEW)
    client = api_client(make_key(company, scopes=["orders:write"]))
    answer = _post(client, "/api/v1/orders/confirm", {"order_ids": [fresh.pk, world.order.pk, stranger.order.pk]})
    results = {r["id"]: r for r in answer.json()["results"]}
    assert results[fresh.pk]["ok"] and answer.json()["ok_count"] == 1
    assert not results[world.order.pk]["ok"] and "이미" in results[world.order.pk]["message"]
    assert results[stranger.order.pk] == {"id": stranger.order.pk, "ok": False, "message": "주문을 찾을 수 없습니다."}
    assert Order.objects.get(pk=fresh.pk).status == OrderStatus.CONFIRMED


def test_partial_shipment_ships_only_the_given_lines(company):
    world = api_world(company)
    make_stocked_sku(company, "SKU-B", stock=5)
    order = make_order(world.account, skus=(("SKU-A", 1), ("SKU-B", 1)), status=OrderStatus.READY)
    first, second = order.lines.order_by("pk")
    client = api_client(make_key(company, scopes=["orders:write"]))
    answer = _post(client, f"/api/v1/orders/{order.pk}/tracking", {"carrier": "cj", "number": "630123456789",
                                                                  "line_ids": [first.pk]})
    assert answer.json()["results"][0]["ok"], answer.content
    first.refresh_from_db(), second.refresh_from_db(), order.refresh_from_db()
    assert first.status == OrderStatus.SHIPPED and second.status != OrderStatus.SHIPPED
    assert order.status == OrderStatus.READY


def test_error_shape_and_language(company):
    world = api_world(company)
    client = api_client(make_key(company))
    missing = client.get("/api/v1/orders/999999")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "message": "찾을 수 없습니다.", "fields": []}
    english = client.get("/api/v1/orders/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Not found."
    bad = _post(client, "/api/v1/stock/adjustments", {"items": [{"sku_id": "x", "reason": ""}]})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    assert {f["field"] for f in bad.json()["fields"]} >= {"items.0.sku_id", "items.0.reason"}
    refused = _post(client, "/api/v1/products", {"code": "A B", "name": "공백 코드"})
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "code"
    oversell = _post(client, "/api/v1/stock/adjustments", {"items": [{"sku_id": world.sku.pk, "quantity": -10**6,
                                                                      "reason": "x"}]})
    assert oversell.status_code == 200 and not oversell.json()["results"][0]["ok"]
    assert "재고" in oversell.json()["results"][0]["message"]
    nul = client.get("/api/v1/orders?name=%00")
    assert nul.status_code == 400 and nul.json()["code"] == "invalid"
    malformed = client.post("/api/v1/products", "{not json", content_type="application/json")
    assert malformed.status_code in (400, 422) and set(malformed.json()) == {"code", "message", "fields"}
    assert client.get("/api/v1/changes?since=%%%").json()["code"] == "invalid_cursor"


def test_stock_set_to_and_inbound_through_the_ledger(company):
    world = api_world(company)
    client = api_client(make_key(company, scopes=["stock:read", "stock:write"]))
    answer = _post(client, "/api/v1/stock/adjustments", {"items": [{"sku_id": world.sku.pk, "set_to": 40,
                                                                     "reason": "ERP 동기화"}]})
    assert answer.json()["results"][0] == {"sku_id": world.sku.pk, "ok": True, "message": "조정했습니다.", "on_hand": 40}
    assert StockMovement.objects.filter(company=company, reason="ERP 동기화").get().on_hand_after == 40
    created = _post(client, "/api/v1/inbounds", {"lines": [{"sku_id": world.sku.pk, "quantity": 7}]})
    assert created.status_code == 201 and created.json()["status"] == "planned"
    confirmed = _post(client, f"/api/v1/inbounds/{created.json()['id']}/confirm", {})
    assert confirmed.json()["status"] == "confirmed"
    level = client.get(f"/api/v1/stock?sku_id={world.sku.pk}").json()["items"][0]
    assert level["on_hand"] == 47


def test_product_create_update_and_barcode(company):
    client = api_client(make_key(company, scopes=["catalog:read", "catalog:write"]))
    created = _post(client, "/api/v1/products", {"code": "TS-1", "name": "티셔츠", "price": 19000,
                                                 "option_axes": [{"name": "색상", "values": ["흰색", "검정"]}]})
    assert created.status_code == 201 and len(created.json()["skus"]) == 2
    pid = created.json()["id"]
    patched = client.patch(f"/api/v1/products/{pid}", {"price": 21000}, content_type="application/json")
    assert patched.json()["price"] == 21000 and len(patched.json()["skus"]) == 2
    sku_id = created.json()["skus"][0]["id"]
    assert client.put(f"/api/v1/skus/{sku_id}/barcode", {"barcode": "8801234567890"},
                      content_type="application/json").json()["barcode"] == "8801234567890"
    clash = client.put(f"/api/v1/skus/{created.json()['skus'][1]['id']}/barcode", {"barcode": "8801234567890"},
                       content_type="application/json")
    assert clash.status_code == 422 and clash.json()["fields"][0]["field"] == "barcode"


def test_orders_list_filters_and_cursor(company):
    world = api_world(company)
    client = api_client(make_key(company, scopes=["orders:read"]))
    page = client.get("/api/v1/orders?size=1").json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get("/api/v1/orders", {"size": 1, "cursor": page["next_cursor"]}).json()
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {world.order.pk, world.ready_order.pk}
    ready = client.get("/api/v1/orders?status=ready").json()["items"]
    assert [o["id"] for o in ready] == [world.ready_order.pk]
    assert client.get("/api/v1/orders?status=nonsense").status_code == 422


def test_change_feed_pages_without_gaps(company):
    world = api_world(company)
    client = api_client(make_key(company, scopes=["orders:read"]))
    seen, cursor = [], ""
    for _ in range(50):
        page = client.get("/api/v1/changes", {"since": cursor, "size": 2}).json()
        seen += [(c["type"], c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert len(seen) == len(set(seen))
    assert {i for t, i in seen if t == "stock"} == set(StockMovement.objects.filter(company=company).values_list("pk", flat=True))
    assert client.get("/api/v1/changes", {"since": cursor}).json()["items"] == []
    _post(api_client(make_key(company)), "/api/v1/orders/hold", {"order_ids": [world.order.pk], "reason": "확인"})
    fresh = client.get("/api/v1/changes", {"since": cursor}).json()["items"]
    assert [(c["type"], c["object_id"]) for c in fresh] == [("order", world.order.pk)]


def test_apikey_command_prints_a_working_key_last(company):
    out = io.StringIO()
    call_command("apikey", "create", "--company", company.code, "--name", "스크립트", "--scopes",
                 "orders:read,stock:read", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert api_client(token).get("/api/v1/orders").status_code == 200
    assert api_client(token).post("/api/v1/orders/hold", {}, content_type="application/json").status_code == 403


@pytest.mark.parametrize("bad", ["0", "20261201", "2026-13-01", "1900-01-01", "2026-12-01T00:00:00"])
def test_a_date_parameter_that_is_not_an_iso_day_is_refused_not_read_as_1970(company, bad):
    api_world(company)
    client = api_client(make_key(company))
    answer = client.get(f"/api/v1/orders?start={bad}")
    assert answer.status_code in (400, 422) and answer.json()["fields"][0]["field"].endswith("start"), answer.json()
    assert client.get("/api/v1/orders?start=2024-05-01&end=2024-05-01").status_code == 200
    inbound = _post(client, "/api/v1/inbounds", {"expected_date": 0, "lines": [{"sku_id": 1, "quantity": 1}]})
    assert inbound.status_code in (400, 422) and "expected_date" in inbound.json()["fields"][0]["field"]
