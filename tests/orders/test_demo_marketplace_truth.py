"""The sandbox demo after one collection agrees with the marketplace (issue "the marketplace's truth
wins"): no line the sandbox holds as confirmed, dispatched, in transit or delivered is 신규, none of the
shipped ones holds a reservation, and every line the buyer asked to cancel is blocked from going on.
Run with `-s` to see the counts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.demo import sandbox_seed
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.demo import run_demo
from marketdock.orders.models import OrderLine, OrderStatus, StockState
from marketdock.orders.services import collection, order_transition
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState

S = OrderStatus
SHIPPED = {"naver": {"DELIVERING", "DELIVERED", "PURCHASE_DECIDED"},
           "coupang": {"DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING"},
           "elevenst": {"401", "501"},  # 11st ordPrdStat: 발송완료, 배송완료
           "cafe24": {"N30", "N40"},  # Cafe24 item order_status: 배송중, 배송완료
           "gmarket": {"3", "4", "5"}, "auction": {"3", "4", "5"}}  # ESM orderStatus: 배송중, 배송완료, 구매결정


def kind_of(protocol: str, order: dict) -> str:
    """What the sandbox holds the order as: cancel_requested, confirmed, shipped or other."""
    if order["claim_type"] == "CANCEL" and order["claim_status"] in ("CANCEL_REQUEST", "RU", "701", "C00"):
        return "cancel_requested"
    if protocol == "shopify":
        live = not order["cancelled_at"] and order["financial"] not in ("VOIDED", "REFUNDED")
        return "shipped" if live and order["status"] == "FULFILLED" else "other"
    if order["status"] in SHIPPED[protocol]:
        return "shipped"
    if (protocol == "naver" and order["status"] == "PAYED" and order["placed"]) or order["status"] == "INSTRUCT" \
            or (protocol == "elevenst" and order["status"] == "301") or (protocol == "cafe24" and order["status"] == "N20") \
            or (protocol in ("gmarket", "auction") and order["status"] == "2"):
        return "confirmed"
    return "other"


def shop_key(credentials: dict) -> str:
    """The credential that tells a sandbox shop apart, whatever its protocol."""
    key = next(credentials.get(k) for k in ("client_id", "access_key", "access_token", "openapikey", "cafe24_client_id",
                                          "gmarket_seller_id", "auction_seller_id") if credentials.get(k))
    assert key
    return key


@pytest.fixture
def sandbox(monkeypatch):
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=40)  # `make run`'s sandbox
    for shop in state.shops.values():
        shop.faults.esm_lookup_interval = 0  # the connectors run unthrottled here (Rate 1000 below)
    server, base = serve_in_thread(SandboxApp(state))
    monkeypatch.setenv("MARKETDOCK_SANDBOX_URL", base)
    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(5.0)))
    yield base
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_demo_after_one_collection_matches_the_sandbox(sandbox):
    run_demo()
    shops = {shop_key(s["credentials"]): s for s in httpx.get(f"{sandbox}/_sandbox/shops").json()["shops"]}
    counts = {"confirmed": 0, "shipped": 0, "cancel_requested": 0, "other": 0, "elevenst_cancel_requested": 0}
    for account in ChannelAccount.objects.exclude(kind=ChannelKind.MANUAL).select_related("company"):
        creds = account.credentials
        shop = shops[shop_key(creds)]
        ChannelAccount.objects.filter(pk=account.pk).update(collected_until=timezone.now() - timedelta(days=4))
        collection.collection_execute(account_id=account.pk)
        truth = httpx.get(f"{sandbox}/_sandbox/shops/{shop['code']}/orders").json()
        lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(account=account).select_related("order")}
        for order in truth["orders"]:
            if order["malformed"]:
                continue
            kind = kind_of(shop["protocol"], order)
            for line_id in order["line_ids"]:
                # every line is collected, 11st's cancel requests (701) too: those come from its
                # cancel-request claim list, not its order lists
                assert line_id in lines, (shop["code"], line_id)
                line = lines[line_id]
                counts[kind] += 1
                if shop["protocol"] == "elevenst" and kind == "cancel_requested":
                    counts["elevenst_cancel_requested"] += 1
                if kind == "confirmed":
                    assert line.status == S.CONFIRMED, (shop["code"], line_id)
                elif kind == "shipped":
                    assert line.status in (S.SHIPPED, S.IN_TRANSIT, S.DELIVERED), (shop["code"], line_id)
                    assert line.stock_state != StockState.RESERVED, (shop["code"], line_id)
                    assert line.tracking_number and line.carrier_key == "cj", (shop["code"], line_id)
                elif kind == "cancel_requested":
                    assert line.claim == "cancel" and line.order.claim == "cancel", (shop["code"], line_id)
                    nxt = S.CONFIRMED if line.order.status == S.NEW else S.READY
                    outcome = order_transition(company=account.company, orders=[line.order], to=nxt,
                                               user=None).outcomes[0]
                    assert not outcome.ok and "취소요청" in outcome.message, (shop["code"], line_id)
    reserved = OrderLine.objects.filter(stock_state=StockState.RESERVED).count()
    print(f"\nsandbox demo after one collection: {counts} lines; reserved lines overall {reserved}")
    assert counts["confirmed"] and counts["shipped"] and counts["cancel_requested"]
    assert counts["elevenst_cancel_requested"]  # the demo's 11st shops hold cancel requests (seq 5)
    assert not OrderLine.objects.filter(status__in=[S.SHIPPED, S.IN_TRANSIT, S.DELIVERED],
                                        stock_state=StockState.RESERVED).exists()
