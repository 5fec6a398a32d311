"""The real channel handlers (marketdock.orders.services.effects) delivering outbox messages to the
sandbox marketplace over HTTP: one call per message, the carrier's marketplace code filled from the
carrier master, exactly-once arrival through a 500 outage, every-line refusals failing the message
with the marketplace's words, per-line answers handed to the order flow, unsupported operations
failing clearly (Shopify 발송지연) or skipped (Shopify 발주확인)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.orders.services import effects
from marketdock.outbox import services as outbox
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from marketdock.shipping.carrier_data import carriers_ensure
from tests.factories.sandbox import received

pytestmark = pytest.mark.django_db(transaction=True)
Status = OutboxMessage.Status


@pytest.fixture
def sandbox(monkeypatch):
    carriers_ensure()
    state = SandboxState(seed=11, order_rate=0, initial_orders=30)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setattr(effects, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(3.0)))
    yield state, base
    server.shutdown()
    server.server_close()


def account_for(company, base: str, code: str) -> ChannelAccount:
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == code)
    account = ChannelAccount(company=company, kind=info["protocol"], name=code, base_url=base)
    account.set_credentials(info["credentials"])
    account.save()
    return account


def shippable(state, code: str):
    shop = state.shops[code]
    wanted = {"naver": lambda o: o.status == "PAYED" and not o.claim_type,
              "coupang": lambda o: o.status == "INSTRUCT",
              "shopify": lambda o: o.status == "UNFULFILLED" and o.financial == "PAID" and not o.cancelled_at}
    return shop, next(o for o in shop.orders if wanted[shop.protocol](o))


def enqueue(company, account, kind: str, key: str, payload: dict) -> OutboxMessage:
    with transaction.atomic():
        message, _ = outbox_enqueue(company=company, account=account, kind=kind, key=key, payload=payload)
    return message


def dispatch_payload(shop, order, number: str) -> dict:
    shipped = datetime.now(UTC).isoformat()
    return {"items": [{"order_line_id": line, "order_id": order.order_no, "method": "parcel", "carrier_code": "cj",
                       "tracking_number": number, "shipped_at": shipped} for line in shop.line_ids(order)]}


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo", "shopify-demo"])
def test_dispatch_message_reaches_the_marketplace_once_with_its_carrier_code(company, sandbox, code):
    state, base = sandbox
    account = account_for(company, base, code)
    shop, order = shippable(state, code)
    message = enqueue(company, account, "dispatch", f"dispatch:{code}", dispatch_payload(shop, order, "630011112222"))
    outbox.outbox_deliver_due()  # delivered on commit already (Huey immediate); nothing is sent twice
    message.refresh_from_db()
    assert message.status == Status.SENT, message.last_error
    assert sorted(message.result["done"]) == sorted(shop.line_ids(order)) and message.result["failed"] == []
    calls = received(base, code, "dispatch")
    assert len(calls) == 1
    expected_code = {"naver": "CJGLS", "coupang": "CJGLS", "shopify": "CJ Logistics"}[shop.protocol]
    if shop.protocol == "shopify":
        assert calls[0]["company"] == expected_code and calls[0]["url"].endswith("630011112222")
    else:
        assert {i["deliveryCompanyCode"] for i in calls[0]["items"]} == {expected_code}
    assert state.shipments["630011112222"]["carrier"] == expected_code


def test_dispatch_through_a_500_outage_arrives_exactly_once_after_recovery(company, sandbox):
    state, base = sandbox
    account = account_for(company, base, "coupang-demo")
    shop, order = shippable(state, "coupang-demo")
    assert httpx.post(f"{base}/_sandbox/shops/coupang-demo/faults", json={"error_500_every": 1}).status_code == 200
    message = enqueue(company, account, "dispatch", "dispatch:outage", dispatch_payload(shop, order, "630011113333"))
    now = timezone.now()
    for _ in range(3):
        outbox.outbox_deliver_due(now=now)
        now += timedelta(hours=2)
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts >= 3 and "500" in message.last_error
    assert received(base, "coupang-demo", "dispatch") == []
    httpx.post(f"{base}/_sandbox/shops/coupang-demo/faults", json={"error_500_every": 0})
    assert outbox.outbox_deliver_due(now=now) == {"sent": 1}
    assert outbox.outbox_deliver_due(now=now + timedelta(days=1)) == {}
    assert len(received(base, "coupang-demo", "dispatch")) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_every_line_refused_fails_the_message_with_the_marketplace_message(company, sandbox):
    state, base = sandbox
    account = account_for(company, base, "naver-demo")
    shop, order = shippable(state, "naver-demo")
    payload = dispatch_payload(shop, order, "630011114444")
    for item in payload["items"]:
        item["marketplace_carrier_code"] = "LOGEN"  # not a Naver code
    message = enqueue(company, account, "dispatch", "dispatch:bad-carrier", payload)
    outbox.outbox_deliver_due()
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "택배사 코드를 확인해 주세요" in message.last_error and message.last_error_code == "104119"


def test_partial_answers_are_handed_to_the_order_flow(company, sandbox, monkeypatch):
    state, base = sandbox
    account = account_for(company, base, "naver-demo")
    shop, order = shippable(state, "naver-demo")
    calls = []
    monkeypatch.setattr(effects, "effect_result_record", lambda c, m, r: calls.append((c, m.pk, r)))
    payload = dispatch_payload(shop, order, "630011115555")
    payload["items"].append({**payload["items"][0], "order_line_id": "2099010100000000"})  # unknown line
    message = enqueue(company, account, "dispatch", "dispatch:partial", payload)
    outbox.outbox_deliver_due()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert [f["order_line_id"] for f in message.result["failed"]] == ["2099010100000000"]
    assert len(calls) == 1 and calls[0][0] == company and calls[0][1] == message.pk
    assert [f.order_line_id for f in calls[0][2].failed] == ["2099010100000000"]


def test_bad_payload_fails_without_calling_the_marketplace(company, sandbox):
    _state, base = sandbox
    account = account_for(company, base, "naver-demo")
    message = enqueue(company, account, "dispatch", "dispatch:garbage",
                      {"items": [{"order_line_id": "1", "method": "drone", "shipped_at": "어제"}]})
    outbox.outbox_deliver_due()
    message.refresh_from_db()
    assert message.status == Status.FAILED and "items[0]" in message.last_error
    assert received(base, "naver-demo", "dispatch") == []


def test_delay_reaches_naver_and_fails_clearly_for_shopify(company, sandbox):
    state, base = sandbox
    naver = account_for(company, base, "naver-demo")
    shop, order = shippable(state, "naver-demo")
    items = [{"order_line_id": line, "order_id": order.order_no, "expected_date": (date.today() + timedelta(days=4))
              .isoformat(), "reason_code": "PRODUCT_PREPARE", "message": "입고 지연"} for line in shop.line_ids(order)]
    message = enqueue(company, naver, "delay", "delay:naver", {"items": items})
    outbox.outbox_deliver_due()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(received(base, "naver-demo", "delay")) == len(items)

    shopify = account_for(company, base, "shopify-demo")
    refused = enqueue(company, shopify, "delay", "delay:shopify", {"items": [{**items[0], "order_line_id": "1-2"}]})
    outbox.outbox_deliver_due()
    refused.refresh_from_db()
    assert refused.status == Status.FAILED and "발송지연" in refused.last_error


def test_confirm_reaches_coupang_and_is_skipped_for_shopify(company, sandbox):
    state, base = sandbox
    coupang = account_for(company, base, "coupang-demo")
    shop = state.shops["coupang-demo"]
    order = next(o for o in shop.orders if o.status == "ACCEPT")
    message = enqueue(company, coupang, "confirm", "confirm:coupang", {"line_ids": shop.line_ids(order)})
    outbox.outbox_deliver_due()
    message.refresh_from_db()
    assert message.status == Status.SENT and sorted(message.result["done"]) == sorted(shop.line_ids(order))
    assert order.status == "INSTRUCT"
    assert len(received(base, "coupang-demo", "acknowledgement")) == 1

    shopify = account_for(company, base, "shopify-demo")
    skipped = enqueue(company, shopify, "confirm", "confirm:shopify", {"line_ids": ["1-2"]})
    outbox.outbox_deliver_due()
    skipped.refresh_from_db()
    assert skipped.status == Status.SENT and skipped.result["skipped"] is True
