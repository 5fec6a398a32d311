"""The sandbox marketplace over real HTTP, driven by the real connectors: every protocol's orders are
collected exactly (paging, faults, duplicates), bad credentials get the marketplace's own error, confirm
calls are recorded, address changes and malformed orders behave like the real thing."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from marketdock.channels.connectors.base import Connector
from marketdock.channels.connectors.errors import AuthError
from marketdock.channels.connectors.models import ChannelOrder, FetchWindow, OrderStatus, RecordError
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.sandbox import connect, orders_truth, set_faults, shop_info


@pytest.fixture
def sandbox():
    state = SandboxState(seed=7, order_rate=0, initial_orders=30)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def collect(conn: Connector) -> tuple[dict[str, ChannelOrder], list[RecordError], int, int]:
    """What the channels collector will do: page through the window, dedupe by line id."""
    window = FetchWindow(start=datetime.now(UTC) - timedelta(days=4), end=datetime.now(UTC) + timedelta(minutes=1))
    lines: dict[str, ChannelOrder] = {}
    errors: list[RecordError] = []
    pages = received = 0
    for page in conn.iter_pages(window):
        pages += 1
        received += len(page.orders)
        for order in page.orders:
            lines[order.order_line_id] = order
        errors.extend(page.errors)
    return lines, errors, pages, received


SHOPS = ["naver-demo", "naver-demo2", "coupang-demo", "coupang-demo2", "shopify-demo", "shopify-demo2"]


@pytest.mark.parametrize("code", SHOPS)
def test_collects_exactly_the_sandbox_orders_with_paging(sandbox, code):
    _, base = sandbox
    conn = connect(base, code)
    assert conn.test_connection().ok
    lines, errors, pages, _ = collect(conn)
    expected = orders_truth(base, code)
    assert set(lines) == set(expected["line_ids"]) and not errors
    assert pages > 2
    by_line = {line_id: order for order in expected["orders"] for line_id in order["line_ids"]}
    for line_id, line in lines.items():
        order = by_line[line_id]
        assert line.order_id == order["order_no"]
        assert line.recipient_address1 == order["address1"]
        assert line.ordered_at == datetime.fromisoformat(order["ordered_at"])
        assert line.raw_status.split("/")[0] in (order["status"], order["financial"])
        assert line.currency == expected["currency"]


def test_shopify_big_order_line_items_are_all_collected(sandbox):
    _, base = sandbox
    lines, _, _, _ = collect(connect(base, "shopify-demo"))
    big = next(o for o in orders_truth(base, "shopify-demo")["orders"] if o["seq"] == 3)
    assert len(big["line_ids"]) == 22 and set(big["line_ids"]) <= set(lines)


@pytest.mark.parametrize(("code", "credentials", "message"), [
    ("naver-demo", {"client_id": "unknown", "client_secret": "$2a$04$abcdefghijklmnopqrstuu"},
     "등록되지 않은 애플리케이션입니다."),
    ("naver-demo", {"client_secret": "$2a$04$abcdefghijklmnopqrstuu"}, "client_secret_sign이 유효하지 않습니다."),
    ("coupang-demo", {"secret_key": "wrong"}, "Invalid signature."),
    ("coupang-demo", {"access_key": "nobody"}, "Unknown error occurred"),
    ("shopify-demo", {"access_token": "shpat_wrong"}, "[API] Invalid API key or access token"),
])
def test_bad_credentials_get_the_marketplace_error(sandbox, code, credentials, message):
    _, base = sandbox
    good = shop_info(base, code)["credentials"]
    conn = connect(base, code, credentials={**good, **credentials})
    with pytest.raises(AuthError) as info:
        conn.test_connection()
    assert message in str(info.value)
    with pytest.raises(AuthError):
        collect(conn)


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo", "shopify-demo2"])
def test_faults_429_500_and_duplicates_still_give_exactly_the_orders(sandbox, code):
    _, base = sandbox
    set_faults(base, code, rate_limit_every=4, retry_after=3, error_500_every=5, duplicate_items=True)
    sleeps: list[float] = []
    lines, errors, _, received = collect(connect(base, code, sleeps))
    assert set(lines) == set(orders_truth(base, code)["line_ids"]) and not errors
    assert received > len(lines)  # duplicates really came across pages; the collector's dedupe removed them
    if not code.startswith("shopify"):
        assert max(sleeps) > 2  # the 429 Retry-After was honoured
    else:
        assert any(s > 0 for s in sleeps)  # THROTTLED: waited for the cost bucket


def test_timeouts_are_retried(sandbox):
    _, base = sandbox
    set_faults(base, "coupang-demo2", timeout_every=3, timeout_seconds=1.0)
    lines, _, _, _ = collect(connect(base, "coupang-demo2", timeout=0.4))
    assert set(lines) == set(orders_truth(base, "coupang-demo2")["line_ids"])


@pytest.mark.parametrize(("code", "field"), [
    ("naver-demo", "productOrder.quantity"), ("coupang-demo", "orderedAt"), ("shopify-demo", "createdAt"),
])
def test_a_malformed_order_is_quarantined_and_the_rest_collected(sandbox, code, field):
    _, base = sandbox
    set_faults(base, code, malformed_order=True)
    lines, errors, _, _ = collect(connect(base, code))
    expected = orders_truth(base, code)
    bad = next(o for o in expected["orders"] if o["malformed"])
    assert set(lines) == set(expected["line_ids"]) - set(bad["line_ids"])
    assert errors and all(e.field.endswith(field) for e in errors)
    assert {e.order_id for e in errors} == {bad["order_no"]}


def test_buyer_address_change_after_collection_is_seen_on_the_next_poll(sandbox):
    _, base = sandbox
    conn = connect(base, "naver-demo")
    first, _, _, _ = collect(conn)
    set_faults(base, "naver-demo", address_change=True)
    second, _, _, _ = collect(conn)  # a buyer changed the address of an already collected order
    changed = [o for o in orders_truth(base, "naver-demo")["orders"] if o["address_changed"]]
    assert len(changed) == 1
    line_id = changed[0]["line_ids"][0]
    assert first[line_id].recipient_address1 != changed[0]["address1"]
    assert second[line_id].recipient_address1 == changed[0]["address1"]
    assert second[line_id].address_changed is True
    assert conn.get_order(line_id).recipient_postal_code == changed[0]["postal_code"]


def test_confirm_is_recorded_and_changes_status(sandbox):
    _, base = sandbox
    for code in ("naver-demo", "coupang-demo"):
        conn = connect(base, code)
        lines, _, _, _ = collect(conn)
        new = sorted(line_id for line_id, line in lines.items() if line.status == OrderStatus.NEW)[:3]
        done = sorted(line_id for line_id, line in lines.items() if line.status == OrderStatus.DELIVERED)[:1]
        result = conn.confirm_orders(new + done)
        assert sorted(result.confirmed) == new
        assert [f.order_line_id for f in result.failed] == done
        received = httpx.get(f"{base}/_sandbox/shops/{code}/received").json()["received"]
        assert len(received) == 1
        assert all(conn.get_order(line_id).status == OrderStatus.CONFIRMED for line_id in new)


def test_new_orders_arrive_and_are_collected(sandbox):
    state, base = sandbox
    before, _, _, _ = collect(connect(base, "coupang-demo"))
    created = httpx.post(f"{base}/_sandbox/shops/coupang-demo/orders", json={"count": 2}).json()["created"]
    after, _, _, _ = collect(connect(base, "coupang-demo"))
    assert set(after) - set(before) == set(created)
    assert all(after[line_id].status == OrderStatus.NEW for line_id in created)


def test_orders_arrive_at_the_order_rate():
    state = SandboxState(seed=3, order_rate=2.0, initial_orders=5, now=datetime(2024, 3, 1, 0, 0, tzinfo=UTC))
    state.advance(datetime(2024, 3, 1, 0, 3, 10, tzinfo=UTC))
    assert all(len(shop.orders) == 5 + 6 for shop in state.shops.values())
    newest = state.shops["naver-demo"].orders[-1]
    assert newest.ordered_at == datetime(2024, 3, 1, 0, 3, tzinfo=UTC) and newest.status == "PAYED"


def test_same_seed_same_orders_other_seed_other_orders():
    now = datetime(2024, 3, 1, tzinfo=UTC)
    first = SandboxState(seed=11, initial_orders=10, now=now)
    second = SandboxState(seed=11, initial_orders=10, now=now)
    other = SandboxState(seed=12, initial_orders=10, now=now)
    shop = "coupang-demo"
    assert first.ground_truth(first.shops[shop]) == second.ground_truth(second.shops[shop])
    assert first.describe() == second.describe()
    assert first.ground_truth(first.shops[shop]) != other.ground_truth(other.shops[shop])


def test_admin_refuses_unknown_faults_and_shops(sandbox):
    _, base = sandbox
    assert httpx.post(f"{base}/_sandbox/shops/naver-demo/faults", json={"explode": True}).status_code == 400
    assert httpx.get(f"{base}/_sandbox/shops/nowhere/orders").status_code == 404
    assert httpx.post(f"{base}/_sandbox/reset", json={"seed": 99}).json()["seed"] == 99


def test_naver_unencoded_plus_is_refused_like_the_real_api(sandbox):
    _, base = sandbox
    conn = connect(base, "naver-demo")
    conn.test_connection()
    token = conn._token()
    response = httpx.get(f"{base}/external/v1/pay-order/seller/product-orders/last-changed-statuses"
                         "?lastChangedFrom=2024-03-01T00:00:00.000+09:00", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.json()["invalidInputs"][0]["name"] == "lastChangedFrom"


def test_sandbox_is_registered_with_serve(monkeypatch):
    from marketdock.core.serve import extra_processes

    monkeypatch.delenv("MARKETDOCK_SANDBOX", raising=False)
    assert ("sandbox", [sys.executable, "-m", "marketdock.manage", "sandbox"]) in extra_processes()
    monkeypatch.setenv("MARKETDOCK_SANDBOX", "0")
    assert all(name != "sandbox" for name, _ in extra_processes())


def test_management_command_serves_http(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "marketdock.manage", "sandbox", "--port", str(port),
                                "--initial-orders", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        shops = None
        for _ in range(100):
            try:
                shops = httpx.get(f"http://127.0.0.1:{port}/_sandbox/shops", timeout=1).json()["shops"]
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert shops and {s["protocol"] for s in shops} == {"naver", "coupang", "shopify", "elevenst", "cafe24", "gmarket", "auction"}
        assert all(s["orders"] == 3 for s in shops)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_state_persists_across_restarts(tmp_path):
    path = tmp_path / "sandbox" / "state.json"
    state = SandboxState(seed=5, initial_orders=4, persist_path=path, now=datetime(2024, 3, 1, tzinfo=UTC))
    shop = state.shops["naver-demo"]
    state.add_order(shop)
    shop.faults.update({"rate_limit_every": 3})
    shop.orders[0].placed = True
    state.save()
    restored = SandboxState(seed=1, initial_orders=1, persist_path=path)
    assert restored.load()
    again = restored.shops["naver-demo"]
    assert restored.seed == 5 and len(again.orders) == 5 and again.faults.rate_limit_every == 3
    assert restored.ground_truth(again) == state.ground_truth(shop)


def test_the_sandbox_listens_where_the_web_app_and_workers_look_for_it(monkeypatch):
    """MARKETDOCK_SANDBOX_URL moves the sandbox too (it listened on 8010 while the app looked elsewhere)."""
    from marketdock.sandbox.management.commands.sandbox import _default_port

    monkeypatch.delenv("MARKETDOCK_SANDBOX_PORT", raising=False)
    monkeypatch.delenv("MARKETDOCK_SANDBOX_URL", raising=False)
    assert _default_port() == 8010
    monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", "http://127.0.0.1:8310")
    assert _default_port() == 8310
    monkeypatch.setenv("MARKETDOCK_SANDBOX_PORT", "8411")
    assert _default_port() == 8411
