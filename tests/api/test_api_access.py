"""Open API access rules: company isolation on every operation (the list comes from the router, so a new
endpoint cannot be forgotten), scopes, revoked/expired/unknown keys, the IP allow-list, the rate limit."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from marketdock.api.models import SCOPES, ApiCall, ApiKey
from marketdock.api.v1 import api
from marketdock.inventory.models import StockMovement
from marketdock.orders.models import Order, OrderEvent
from tests.factories.api import api_client, api_world, make_key
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db

PATH_ARG = re.compile(r"\{(?:int:)?(\w+)\}")


def operations() -> list[tuple[str, str, str]]:
    """(method, path template, scope) of every operation of /api/v1/."""
    out = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in op.methods:
                    out.append((method, (prefix + path).replace("//", "/"), op.auth_callbacks[0].scope))
    return out


def _url(template: str, ids: dict) -> str:
    return "/api/v1" + PATH_ARG.sub(lambda m: str(ids[m.group(1)]), template)


def _ids(world) -> dict:
    return {"order_id": world.order.pk, "package_id": 10**6, "product_id": world.sku.product_id,
            "sku_id": world.sku.pk, "inbound_id": world.inbound.pk, "account_id": world.account.pk,
            "claim_id": world.claim.pk, "inquiry_id": world.inquiry.pk}


def _bodies(w) -> dict:
    """A request body (and query) per operation naming the other company's objects."""
    return {
        ("GET", "/orders"): {"account": w.account.pk},
        ("GET", "/stock"): {"sku_id": w.sku.pk},
        ("GET", "/listings"): {"account_id": w.account.pk},
        ("POST", "/orders/{int:order_id}/status"): {"status": "hold", "reason": "x"},
        ("POST", "/orders/confirm"): {"order_ids": [w.order.pk]},
        ("POST", "/orders/hold"): {"order_ids": [w.order.pk], "reason": "x"},
        ("POST", "/orders/cancel"): {"order_ids": [w.ready_order.pk]},
        ("POST", "/orders/{int:order_id}/tracking"): {"carrier": "cj", "number": "630123456789"},
        ("POST", "/orders/tracking"): {"items": [{"order_id": w.ready_order.pk, "carrier": "cj",
                                                  "number": "630123456789"}]},
        ("POST", "/products"): {"code": "NEW-1", "name": "새 상품"},
        ("PATCH", "/products/{int:product_id}"): {"price": 1},
        ("PUT", "/skus/{int:sku_id}/barcode"): {"barcode": "STOLEN-1"},
        ("POST", "/stock/adjustments"): {"items": [{"sku_id": w.sku.pk, "quantity": -1, "reason": "x"}]},
        ("POST", "/inbounds"): {"warehouse_id": w.warehouse.pk, "lines": [{"sku_id": w.sku.pk, "quantity": 1}]},
        ("POST", "/inbounds/{int:inbound_id}/confirm"): {},
    }


def _snapshot(company) -> tuple:
    return (list(Order.objects.filter(company=company).order_by("pk").values_list("status", "changed_at")),
            StockMovement.objects.filter(company=company).count(), OrderEvent.objects.filter(company=company).count())


class _WithBody:
    """`assert_isolated` calls `client.send(url)`: the operation's own method and JSON body."""

    def __init__(self, client, method: str, body: dict):
        self.client, self.method, self.body = client, method, body

    def send(self, url):
        if self.method == "GET":
            return self.client.get(url, self.body)
        return getattr(self.client, self.method.lower())(url, self.body, content_type="application/json")


def test_a_key_of_one_company_sees_and_changes_nothing_of_another(company, other_company):
    mine, theirs = api_world(company), api_world(other_company, code="OTH")
    client = api_client(make_key(company))
    before = _snapshot(other_company)
    bodies = _bodies(theirs)
    secrets = (theirs.account.name, theirs.order.channel_order_id, theirs.inbound.number, "OTH-P1", "OTH 문의")
    probed = []
    for method, template, _scope in operations():
        url = _url(template, _ids(theirs))
        body = bodies.get((method, template), {})
        if method == "GET":
            response = client.get(url, body)
        else:
            response = getattr(client, method.lower())(url, body, content_type="application/json")
        text = response.content.decode()
        assert response.status_code < 500, (method, url, text)
        for secret in secrets:
            assert secret not in text, f"{method} {url} leaked {secret!r}"
        if PATH_ARG.search(template):
            assert response.status_code == 404, (method, url, response.status_code, text)
            probed.append((method, url, body))
        elif response.status_code == 200 and "results" in response.json():
            assert not any(r["ok"] for r in response.json()["results"]), (method, url, text)
        elif template in ("/stock", "/inbounds"):
            assert response.status_code in (404, 422), (method, url, text)
        else:
            assert response.status_code in (200, 201, 202), (method, url, text)
    assert _snapshot(other_company) == before
    for method, url, body in probed:  # recorded for the suite's isolation coverage check
        assert_isolated(_WithBody(client, method, body), [url], methods=("send",))
    # the lists show only the caller's own rows
    assert [o["id"] for o in client.get("/api/v1/orders").json()["items"]] == sorted(
        [mine.order.pk, mine.ready_order.pk], reverse=True)
    assert {c["object_id"] for c in client.get("/api/v1/changes?size=1000").json()["items"]} <= (
        {mine.order.pk, mine.ready_order.pk, mine.sku.pk})


NO_BODY = {("POST", "/packages/{int:package_id}/ship"), ("POST", "/channel-accounts/{int:account_id}/collect")}


def test_every_operation_is_probed_for_isolation():
    """A new write operation must get a body naming the other company's objects in `_bodies`."""
    obj = SimpleNamespace(pk=1, product_id=1)
    world = SimpleNamespace(account=obj, order=obj, ready_order=obj, sku=obj, warehouse=obj, inbound=obj)
    writes = {(m, t) for m, t, _ in operations() if m != "GET"}
    assert writes - NO_BODY <= set(_bodies(world)), writes - NO_BODY - set(_bodies(world))
    assert len(operations()) >= 24


@pytest.mark.parametrize("op", operations(), ids=lambda op: f"{op[0]} {op[1]}")
def test_each_operation_needs_its_scope(company, op):
    method, template, scope = op
    client = api_client(make_key(company, scopes=[s for s in SCOPES if s != scope]))
    url = _url(template, dict.fromkeys(("order_id", "package_id", "product_id", "sku_id", "inbound_id", "account_id",
                                        "claim_id", "inquiry_id"), 1))
    response = getattr(client, method.lower())(url, {}, **({} if method == "GET" else {"content_type": "application/json"}))
    assert response.status_code == 403, (method, url, response.content)
    assert response.json()["code"] == "scope_missing"
    assert scope in response.json()["message"]


def test_read_scope_reads_but_does_not_write(company):
    world = api_world(company)
    client = api_client(make_key(company, scopes=["orders:read"]))
    assert client.get(f"/api/v1/orders/{world.order.pk}").status_code == 200
    refused = client.post("/api/v1/orders/hold", {"order_ids": [world.order.pk], "reason": "x"},
                          content_type="application/json")
    assert refused.status_code == 403
    world.order.refresh_from_db()
    assert world.order.status == "confirmed"


def test_revoked_expired_and_unknown_keys_are_refused(company):
    from marketdock.api import services

    revoked = services.api_key_create(company=company, name="옛 키", scopes=["orders:read"])
    services.api_key_revoke(company=company, key=revoked.key)
    expiring = services.api_key_create(company=company, name="만료 키", scopes=["orders:read"],
                                       expires_at=timezone.now() + timedelta(days=1))
    ApiKey.objects.filter(pk=expiring.key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    good = make_key(company, scopes=["orders:read"])
    cases = {revoked.token: "key_revoked", expiring.token: "key_expired", good[:-2] + "xx": "unauthorized",
             "nonsense": "unauthorized"}
    for token, code in cases.items():
        response = api_client(token).get("/api/v1/orders")
        assert response.status_code == 401 and response.json()["code"] == code, (token, response.content)
    assert api_client(good).get("/api/v1/orders").status_code == 200
    assert api_client("").get("/api/v1/orders").status_code == 401
    # X-API-Key works as well as the bearer header
    from django.test import Client

    assert Client(HTTP_X_API_KEY=good).get("/api/v1/orders").status_code == 200
    # refused calls of a known key are in its log
    assert ApiCall.objects.filter(key=revoked.key, status=401).exists()


def test_ip_allow_list(company):
    inside = make_key(company, scopes=["orders:read"], allowed_ips="127.0.0.0/8")
    outside = make_key(company, scopes=["orders:read"], allowed_ips="10.1.2.3, 192.168.0.0/24")
    assert api_client(inside).get("/api/v1/orders").status_code == 200
    refused = api_client(outside).get("/api/v1/orders")
    assert refused.status_code == 403 and refused.json()["code"] == "ip_not_allowed"
    assert api_client(outside).get("/api/v1/orders", REMOTE_ADDR="192.168.0.77").status_code == 200


def test_rate_limit_headers_and_429(company):
    client = api_client(make_key(company, scopes=["orders:read"], rate_per_minute=3))
    answers = [client.get("/api/v1/orders") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert all(a["X-RateLimit-Limit"] == "3" for a in answers)
    limited = answers[3]
    assert int(limited["Retry-After"]) >= 1 and limited.json()["code"] == "rate_limited"
    assert int(limited["X-RateLimit-Reset"]) >= 1


def test_bucket_refills_with_time(company):
    from marketdock.api import services

    key = services.api_key_create(company=company, name="k", scopes=["orders:read"], rate_per_minute=60).key
    now = 1_000_000.0
    states = [services.rate_take(key, now=now) for _ in range(61)]
    assert states[-1].retry_after == 1 and states[-2].retry_after == 0
    assert services.rate_take(key, now=now + 2).retry_after == 0  # two tokens back after two seconds
