"""Webhooks: signed events through the outbox, verified with the recipe of docs/webhooks.md (written
again here from the docs), delivered once after an outage, in order per order, refused for internal
addresses, given up after N attempts and sent again by hand; the screens are company-isolated and
read-only for a viewer."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
from collections import Counter

import pytest
from django.urls import reverse

from marketdock.orders.models import Order, OrderStatus
from marketdock.orders.services import order_transition
from marketdock.outbox import services as outbox
from marketdock.outbox.models import OutboxMessage
from marketdock.saas.models import WebhookDelivery, WebhookEndpoint
from marketdock.saas.services import url_problem, webhook_send_test
from tests.factories.catalog import make_warehouse, receive
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest
from tests.factories.saas import Receiver, deliver, deliver_until_quiet, make_webhook
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = True


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """docs/webhooks.md, "Verifying a signature", as a receiver would write it."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    t, v1 = int(parts["t"]), parts["v1"]
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1) and abs(time.time() - t) <= tolerance


def test_events_are_signed_as_documented(company):
    account = make_account_with_credentials(company)
    with Receiver() as rx:
        _endpoint, secret = make_webhook(company, rx.url)
        ingest(account, [co("W-1", "W-1-1", buyer_name="정하늘")])
        assert deliver() == {"sent": 1}
    (headers, body), = rx.requests
    assert verify(secret, headers["x-marketdock-signature"], body)
    assert not verify(secret, headers["x-marketdock-signature"], body.replace(b"W-1", b"W-2"))
    assert not verify("whsec_wrong", headers["x-marketdock-signature"], body)
    event = rx.events()[0]
    assert event["type"] == "order.created" and headers["x-marketdock-event-id"] == event["id"]
    assert event["data"]["order"]["channel_order_id"] == "W-1"
    assert "정하늘" not in body.decode()  # no personal data in webhook payloads


def test_redelivery_after_an_outage_delivers_each_event_exactly_once(company):
    account = make_account_with_credentials(company)
    with Receiver(fail=[503] * 7) as rx:
        make_webhook(company, rx.url, events_=["order.created"])
        ingest(account, [co(f"OUT-{i}", f"OUT-{i}-1") for i in range(3)])
        first = deliver()
        assert first.get("sent", 0) == 0 and first["retry"] == 3
        deliver_until_quiet()
        accepted = Counter(e["id"] for e in rx.accepted())
    messages = OutboxMessage.objects.filter(company=company, kind="webhook")
    assert set(messages.values_list("status", flat=True)) == {"sent"}
    event_ids = {m.payload["event"]["id"] for m in messages}
    assert set(accepted) == event_ids and set(accepted.values()) == {1}  # every event, each exactly once
    failures = WebhookDelivery.objects.filter(company=company, ok=False)
    assert failures.count() == 7 and set(failures.values_list("status_code", flat=True)) == {503}
    assert WebhookDelivery.objects.filter(company=company, ok=True).count() == 3


def test_events_of_one_order_arrive_in_order(company, admin_user):
    account = make_account_with_credentials(company)
    with Receiver(fail=[500]) as rx:
        make_webhook(company, rx.url, events_=["order.created", "order.status_changed"])
        ingest(account, [co("SEQ-1", "SEQ-1-1")])
        order = Order.objects.get(company=company, channel_order_id="SEQ-1")
        assert not order_transition(company=company, orders=[order], to=OrderStatus.CONFIRMED, user=admin_user).failed
        # the first event fails: the second one waits for it instead of overtaking it
        assert deliver() == {"retry": 1}
        assert len(rx.requests) == 1
        later = OutboxMessage.objects.filter(company=company, kind="webhook").order_by("id").last()
        assert later.status == "pending" and later.attempts == 0
        assert deliver(minutes=0.1) == {}  # still waiting while the first one's retry is not due
        deliver_until_quiet()
        types = [e["type"] for e in rx.accepted()]
    assert types == ["order.created", "order.status_changed"]
    assert rx.accepted()[-1]["data"]["order"]["previous_status"] == "new"


def test_cancellation_and_stock_change_raise_their_events(company, admin_user):
    account = make_account_with_credentials(company)
    with Receiver() as rx:
        make_webhook(company, rx.url)
        ingest(account, [co("C-1", "C-1-1")])
        ingest(account, [co("C-1", "C-1-1", status="cancelled", raw_status="CANCEL_DONE", cancelled_quantity=1)])
        deliver_until_quiet()
        types = [e["type"] for e in rx.events()]
    assert types == ["order.created", "order.status_changed", "order.cancelled"]


def test_stock_changed_event(company, admin_user):
    from tests.factories.catalog import make_sku

    sku = make_sku(company, "WH-SKU")
    with Receiver() as rx:
        make_webhook(company, rx.url, events_=["stock.changed"])
        receive(company, sku, make_warehouse(company), 7, admin_user)
        deliver()
    event, = rx.events()
    assert event["type"] == "stock.changed"
    assert event["data"]["skus"] == [{"sku_id": sku.pk, "code": "WH-SKU", "on_hand": 7, "reserved": 0, "available": 7}]


def test_dead_after_n_attempts_then_sent_again_by_hand(company, monkeypatch, admin_client):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
    with Receiver(fail=[500, 500, 500]) as rx:
        endpoint, _secret = make_webhook(company, rx.url)
        message = webhook_send_test(endpoint=endpoint)
        deliver_until_quiet(rounds=5)
        message.refresh_from_db()
        assert message.status == "dead" and message.attempts == 3 and len(rx.requests) == 3
        response = admin_client.post(reverse("saas:webhook_redeliver", args=[endpoint.pk, message.pk]), follow=True)
        assert "다시 보냅니다" in response.content.decode()
        deliver()
        message.refresh_from_db()
        assert message.status == "sent" and len(rx.requests) == 4


def _resolver(ip):
    return lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "172.16.5.5", "0.0.0.0"])
def test_internal_addresses_are_refused(settings, ip):
    settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = False
    assert "내부망" in url_problem("https://hooks.example.com/x", resolve=_resolver(ip))


def test_https_to_public_hosts_only(settings):
    settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = False
    public = _resolver("93.184.216.34")
    assert url_problem("https://hooks.example.com/x", resolve=public) == ""
    assert "https" in url_problem("http://hooks.example.com/x", resolve=public)
    settings.MARKETDOCK_WEBHOOK_HTTP_HOSTS = ["hooks.example.com"]
    assert url_problem("http://hooks.example.com/x", resolve=public) == ""
    assert url_problem("ftp://hooks.example.com/x", resolve=public)
    assert url_problem("https://user:pw@hooks.example.com/x", resolve=public)


def test_the_screen_refuses_a_loopback_url_in_korean(admin_client, settings, company):
    settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = False
    response = admin_client.post(reverse("saas:webhooks"), {"name": "내부", "url": "http://127.0.0.1:9/x",
                                                              "events": ["order.created"], "is_active": "on"})
    assert response.status_code == 200
    assert "내부망·루프백 주소" in response.content.decode()
    assert not WebhookEndpoint.objects.filter(company=company).exists()


def test_a_delivery_to_an_address_now_internal_fails_without_calling_it(company, settings):
    with Receiver() as rx:
        endpoint, _secret = make_webhook(company, rx.url)
        settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = False
        message = webhook_send_test(endpoint=endpoint)
        assert deliver() == {"failed": 1}
    message.refresh_from_db()
    assert message.status == "failed" and "내부망" in message.last_error and rx.requests == []


def test_add_webhook_and_send_a_test_event_from_the_screen(admin_client, company):
    with Receiver() as rx:
        response = admin_client.post(reverse("saas:webhooks"), {
            "name": "자사몰", "url": rx.url, "events": ["order.created", "shipment.shipped"], "is_active": "on"})
        assert response.status_code == 302
        detail = response["Location"]
        assert "서명 확인 방법" in admin_client.get(detail).content.decode()
        admin_client.post(detail + "test/")
        deliver()
        page = admin_client.get(detail).content.decode()
    assert len(rx.requests) == 1 and rx.events()[0]["type"] == "webhook.test"
    assert "테스트 이벤트" in page and "200" in page


def test_viewer_reads_but_changes_nothing_and_sees_no_secret(viewer_client, company):
    endpoint, secret = make_webhook(company, "http://127.0.0.1:9/x")
    message = webhook_send_test(endpoint=endpoint)
    page = viewer_client.get(reverse("saas:webhook_detail", args=[endpoint.pk]))
    assert page.status_code == 200 and secret not in page.content.decode()
    for url in (reverse("saas:webhooks"), reverse("saas:webhook_detail", args=[endpoint.pk]),
                reverse("saas:webhook_test", args=[endpoint.pk]), reverse("saas:webhook_rotate", args=[endpoint.pk]),
                reverse("saas:webhook_delete", args=[endpoint.pk]),
                reverse("saas:webhook_redeliver", args=[endpoint.pk, message.pk])):
        assert viewer_client.post(url, {"name": "x", "url": "https://a.example.com", "events": ["order.created"]}
                                  ).status_code == 403
    assert OutboxMessage.objects.filter(company=company, kind="webhook").count() == 1
    endpoint.refresh_from_db()
    assert endpoint.name == "ERP 연동"


def test_another_company_sees_no_webhook(other_client, company):
    endpoint, secret = make_webhook(company, "http://127.0.0.1:9/secret-path")
    message = webhook_send_test(endpoint=endpoint)
    assert_isolated(other_client, [
        reverse("saas:webhook_detail", args=[endpoint.pk]), reverse("saas:webhook_test", args=[endpoint.pk]),
        reverse("saas:webhook_rotate", args=[endpoint.pk]), reverse("saas:webhook_delete", args=[endpoint.pk]),
        reverse("saas:webhook_redeliver", args=[endpoint.pk, message.pk])], secrets=("secret-path", secret))
    assert "secret-path" not in other_client.get(reverse("saas:webhooks")).content.decode()
    assert OutboxMessage.objects.filter(company=company, kind="webhook").count() == 1
