"""The sandbox refuses what the real APIs refuse: Naver's token endpoint takes only a form body (a query
string is 415), and Coupang's ordersheets answer on the v4 and the v5 paths, by day or by minute window
(`searchType=timeFrame`), in each version's own date formats."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import httpx
import pytest

from marketdock.channels.connectors import coupang, naver
from marketdock.sandbox.http import KST
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState


@pytest.fixture
def sandbox():
    state = SandboxState(seed=7, order_rate=0, initial_orders=25)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def naver_token_fields(shop) -> dict[str, str]:
    creds = shop.credentials
    ts = int(time.time() * 1000)
    return {"client_id": creds["client_id"], "timestamp": str(ts), "grant_type": "client_credentials", "type": "SELF",
            "client_secret_sign": naver.client_secret_sign(creds["client_id"], creds["client_secret"], ts)}


def test_naver_token_only_from_a_form_body(sandbox):
    state, base = sandbox
    fields = naver_token_fields(state.shops["naver-demo"])
    url = f"{base}/external/v1/oauth2/token"
    as_query = httpx.post(url, params=fields)
    as_json = httpx.post(url, json=fields)
    as_form = httpx.post(url, data=fields)
    assert as_query.status_code == 415 and as_json.status_code == 415
    assert as_form.status_code == 200 and as_form.json()["token_type"] == "Bearer"


def coupang_get(base: str, shop, version: str, params: list[tuple[str, str]]) -> httpx.Response:
    creds = shop.credentials
    path = f"/v2/providers/openapi/apis/api/{version}/vendors/{creds['vendor_id']}/ordersheets"
    query = urlencode(params, quote_via=quote, safe=":")
    auth = coupang.authorization(creds["access_key"], creds["secret_key"], "GET", path, query,
                                 coupang.signed_date(datetime.now(UTC)))
    return httpx.get(f"{base}{path}?{query}", headers={"Authorization": auth})


def accepted(shop) -> list:
    return [o for o in shop.orders if o.status == "ACCEPT"]


def test_coupang_v4_and_v5_day_lists_give_the_same_orders_in_their_formats(sandbox):
    state, base = sandbox
    shop = state.shops["coupang-demo"]
    first = min(o.ordered_at for o in accepted(shop)).astimezone(KST).date()
    last = max(o.ordered_at for o in accepted(shop)).astimezone(KST).date()
    v4 = coupang_get(base, shop, "v4", [("createdAtFrom", first.isoformat()), ("createdAtTo", last.isoformat()),
                                        ("status", "ACCEPT"), ("maxPerPage", "50")])
    v5 = coupang_get(base, shop, "v5", [("createdAtFrom", f"{first}+09:00"), ("createdAtTo", f"{last}+09:00"),
                                        ("status", "ACCEPT"), ("maxPerPage", "50")])
    v5_without_offset = coupang_get(base, shop, "v5", [("createdAtFrom", first.isoformat()),
                                                       ("createdAtTo", last.isoformat()), ("status", "ACCEPT")])
    assert v4.status_code == 200 and v5.status_code == 200, (v4.text, v5.text)
    assert {s["shipmentBoxId"] for s in v4.json()["data"]} == {s["shipmentBoxId"] for s in v5.json()["data"]}
    assert len(v4.json()["data"]) == len(accepted(shop)) > 0
    good = [s for s in v5.json()["data"] if "/" not in s["orderedAt"]]
    assert all(s["orderedAt"].endswith("+09:00") for s in good)
    assert not any(s["orderedAt"].endswith("+09:00") for s in v4.json()["data"])
    assert v5_without_offset.status_code == 400


def test_coupang_minute_window_lists_the_orders_created_in_it(sandbox):
    state, base = sandbox
    shop = state.shops["coupang-demo"]
    target = max(accepted(shop), key=lambda o: o.ordered_at)
    start = (target.ordered_at - timedelta(minutes=10)).astimezone(KST)
    end = target.ordered_at.astimezone(KST)  # the end minute counts whole
    expected = {int(o.bundle_no) for o in accepted(shop)
                if start.replace(second=0, microsecond=0) <= o.ordered_at < end.replace(second=0, microsecond=0)
                + timedelta(minutes=1)}
    minute = "%Y-%m-%dT%H:%M"
    v4 = coupang_get(base, shop, "v4", [("createdAtFrom", start.strftime(minute)), ("createdAtTo", end.strftime(minute)),
                                        ("searchType", "timeFrame"), ("status", "ACCEPT")])
    v5 = coupang_get(base, shop, "v5", [("createdAtFrom", start.strftime(minute) + "+09:00"),
                                        ("createdAtTo", end.strftime(minute) + "+09:00"),
                                        ("searchType", "timeFrame"), ("status", "ACCEPT")])
    too_long = coupang_get(base, shop, "v4", [("createdAtFrom", (end - timedelta(hours=24)).strftime(minute)),
                                              ("createdAtTo", end.strftime(minute)), ("searchType", "timeFrame"),
                                              ("status", "ACCEPT")])
    assert v4.status_code == 200 and v5.status_code == 200, (v4.text, v5.text)
    assert {s["shipmentBoxId"] for s in v4.json()["data"]} == expected == {s["shipmentBoxId"] for s in v5.json()["data"]}
    assert int(target.bundle_no) in expected and v4.json()["nextToken"] == ""
    assert too_long.status_code == 400 and "24 hours" in too_long.json()["message"]
