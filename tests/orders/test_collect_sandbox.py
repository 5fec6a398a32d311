"""Collection from the sandbox marketplace over real HTTP with the real connectors: what lands in
the database equals the sandbox's ground truth line by line, for every protocol (11st at the end of
the module) and under every fault; a collection killed midway and re-run gives the same result;
address changes are updated with a history event; bad credentials fail the run with the marketplace's own message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.utils import timezone

from marketdock.channels.connectors.base import build_connector
from marketdock.channels.connectors.elevenst import parse_claim_keys, parse_xml, result_of
from marketdock.channels.connectors.errors import MaintenanceError
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import DispatchItem, FetchWindow
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.connectors.values import KST
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import JobRun
from marketdock.orders.models import (
    ChannelStatus,
    CollectionRun,
    Order,
    OrderEvent,
    OrderLine,
    QuarantinedRecord,
)
from marketdock.orders.services import CollectionFailed, collection, collection_execute, collection_run_start
from marketdock.sandbox import claims as sandbox_claims
from tests.factories.sandbox import PAGE_SIZES, orders_truth, shop_info

SHOPS = ["naver-demo", "naver-demo2", "coupang-demo", "coupang-demo2", "shopify-demo", "shopify-demo2"]


def faults(base: str, code: str, **values) -> None:
    assert httpx.post(f"{base}/_sandbox/shops/{code}/faults", json=values).status_code == 200


def account_for(company, base: str, code: str, credentials: dict | None = None) -> ChannelAccount:
    info = shop_info(base, code)
    account = ChannelAccount(company=company, kind=info["protocol"], name=code, base_url=base,
                             options={"page_size": PAGE_SIZES[info["protocol"]]},
                             collected_until=timezone.now() - timedelta(days=4))
    account.set_credentials({**info["credentials"], **(credentials or {})})
    account.save()
    return account


def assert_equals_truth(company, account, base: str, code: str) -> None:
    expected = orders_truth(base, code)
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(company=company, account=account)
             .select_related("order")}
    good = [o for o in expected["orders"] if not o["malformed"]]
    wanted = {line_id: order for order in good for line_id in order["line_ids"]}
    assert set(lines) == set(wanted)  # nothing lost, nothing extra
    assert OrderLine.objects.filter(company=company, account=account).count() == len(wanted)  # no duplicate
    assert Order.objects.filter(company=company, account=account).count() == len({o["order_no"] for o in good})
    for line_id, order in wanted.items():
        line = lines[line_id]
        assert line.order.channel_order_id == order["order_no"]
        assert line.order.recipient_address1.startswith(order["address1"])
        assert line.order.buyer_name == order["buyer_name"]
        assert line.raw_status.split("/")[0] in (order["status"], order["financial"])
        index = order["line_ids"].index(line_id)
        assert line.quantity == order["lines"][index]["quantity"]


@pytest.mark.parametrize("code", SHOPS)
def test_collects_exactly_the_sandbox_orders(company, sandbox, code):
    _, base = sandbox
    account = account_for(company, base, code)
    result = collection_execute(account_id=account.pk)
    assert result["pages"] > 2 and result["quarantined"] == 0
    assert_equals_truth(company, account, base, code)
    run = CollectionRun.objects.get(pk=result["run"])
    assert run.status == CollectionRun.Status.SUCCEEDED
    assert run.created == Order.objects.filter(account=account, created_run=run).count() > 0
    account.refresh_from_db()
    assert account.last_status == "succeeded" and account.cursor == "" and account.collected_until

    again = collection_execute(account_id=account.pk)  # re-collecting never duplicates
    assert again["created"] == 0 and again["updated"] == 0
    assert_equals_truth(company, account, base, code)


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo", "shopify-demo2"])
def test_every_fault_still_gives_exactly_the_orders(company, sandbox, code):
    _, base = sandbox
    faults(base, code, rate_limit_every=4, retry_after=1, error_500_every=5, duplicate_items=True,
           malformed_order=True, timeout_every=7, timeout_seconds=3.0)
    account = account_for(company, base, code)
    result = collection_execute(account_id=account.pk)
    assert_equals_truth(company, account, base, code)
    bad = next(o for o in orders_truth(base, code)["orders"] if o["malformed"])
    records = QuarantinedRecord.objects.filter(account=account)
    assert result["quarantined"] == records.count() >= 1
    assert {r.channel_order_id for r in records} == {bad["order_no"]}
    assert all(r.message and r.raw for r in records)
    assert CollectionRun.objects.get(pk=result["run"]).status == CollectionRun.Status.PARTIAL


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo2", "shopify-demo"])
def test_killed_midway_and_rerun_gives_the_same_result(company, sandbox, code):
    _, base = sandbox
    account = account_for(company, base, code)

    def die(pages: int) -> None:
        if pages == 2:
            raise KeyboardInterrupt("worker killed")

    with pytest.raises(KeyboardInterrupt):
        collection_execute(account_id=account.pk, after_page=die)
    account.refresh_from_db()
    assert account.cursor  # the cursor of the last committed page
    partial = OrderLine.objects.filter(account=account).count()
    assert 0 < partial < len(orders_truth(base, code)["line_ids"])
    collection_execute(account_id=account.pk)
    assert_equals_truth(company, account, base, code)


def test_killed_worker_keeps_the_claim_until_its_lease_ends(company, sandbox):
    _, base = sandbox
    account = account_for(company, base, "coupang-demo")
    assert collection.account_collect_claim(account=account)  # a worker took it, then died
    assert collection_execute(account_id=account.pk) == {"skipped": 1}
    ChannelAccount.objects.filter(pk=account.pk).update(next_collect_at=timezone.now() - timedelta(seconds=1))
    result = collection_execute(account_id=account.pk)
    assert result["created"] > 0
    assert_equals_truth(company, account, base, "coupang-demo")


def test_address_change_after_collection_updates_the_order_with_history(company, sandbox):
    _, base = sandbox
    account = account_for(company, base, "naver-demo")
    collection_execute(account_id=account.pk)
    faults(base, "naver-demo", address_change=True)
    httpx.get(f"{base}/_sandbox/shops/naver-demo/orders")  # the buyer changes the address now
    changed = next(o for o in orders_truth(base, "naver-demo")["orders"] if o["address_changed"])
    result = collection_execute(account_id=account.pk)
    assert result["updated"] >= 1
    order = Order.objects.get(account=account, channel_order_id=changed["order_no"])
    assert order.recipient_address1 == changed["address1"] and order.address_changed
    event = OrderEvent.objects.get(order=order, kind="address")
    assert changed["address1"] in event.message and event.data["run"] == result["run"]
    assert order.changed_run_id == result["run"]
    assert_equals_truth(company, account, base, "naver-demo")


@pytest.mark.parametrize(("code", "credentials", "message"), [
    ("naver-demo", {"client_id": "unknown"}, "등록되지 않은 애플리케이션입니다."),
    ("coupang-demo", {"secret_key": "wrong"}, "Invalid signature."),
    ("shopify-demo", {"access_token": "shpat_wrong"}, "Invalid API key or access token"),
])
def test_bad_credentials_fail_the_run_with_the_marketplace_message(company, sandbox, admin_user, code, credentials,
                                                                   message, django_capture_on_commit_callbacks):
    _, base = sandbox
    account = account_for(company, base, code, credentials)
    with django_capture_on_commit_callbacks(execute=True):
        job = collection_run_start(account=account, user=admin_user)
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED and message in job.error
    run = CollectionRun.objects.get(account=account)
    assert run.status == CollectionRun.Status.FAILED and message in run.error and run.job_run == job
    account.refresh_from_db()
    assert account.last_status == "failed" and message in account.last_error
    with pytest.raises(CollectionFailed):
        collection_execute(account_id=account.pk)


# --- 11st: EUC-KR XML with 11st's result codes, both demo shops (undeclared and declared ns2 prefix),
# Friday maintenance as a retry-later failure, 발주확인/발송처리 landing in the sandbox

def elevenst_account(company, base: str, code: str) -> ChannelAccount:
    account = ChannelAccount(company=company, kind="elevenst", name=code, base_url=base,
                             collected_until=timezone.now() - timedelta(days=4))
    account.set_credentials(shop_info(base, code)["credentials"])
    account.save()
    return account


def fast_options() -> HttpOptions:
    return HttpOptions(limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000),
                       timeout=httpx.Timeout(2.0))


def listed(order: dict) -> bool:
    """Lines marketdock collects from 11st: its order lists, and for a cancel request (701) the
    cancel-request claim list."""
    return not order["malformed"]


def test_elevenst_sandbox_answers_euc_kr_xml_with_result_codes(sandbox):
    _, base = sandbox
    key = {"openapikey": shop_info(base, "elevenst-demo")["credentials"]["openapikey"]}
    today = datetime.now(UTC).strftime("%Y%m%d")
    ok = httpx.get(f"{base}/rest/ordservices/complete/{today}0000/{today}2359", headers=key)
    assert ok.headers["content-type"] == "text/xml;charset=EUC-KR" and b'encoding="euc-kr"' in ok.content
    with pytest.raises(UnicodeDecodeError):
        ok.content.decode("utf-8")  # the Korean text really is EUC-KR
    assert parse_xml(ok.content) is not None

    def code(path: str, headers=key) -> str:
        return result_of(parse_xml(httpx.get(f"{base}{path}", headers=headers).content)).code

    assert code("/rest/ordservices/complete/202601010000/202601090000") == "-3205"
    assert code("/rest/ordservices/complete/2026-01-01/202601020000") == "-3203"
    assert code("/rest/ordservices/complete/202001010000/202001020000") == "0"  # no data
    assert code("/rest/ordservices/complete/202601010000/202601020000", {"openapikey": "nope"}) == "-1"
    assert code("/rest/claimservice/cancelorders/202601010000/202601090000") == "-3205"  # claim list: same codes
    assert code("/rest/claimservice/cancelorders/202001010000/202001020000") == "0"
    now = datetime.now(KST)
    claims = httpx.get(f"{base}/rest/claimservice/cancelorders/{(now - timedelta(days=6)).strftime('%Y%m%d%H%M')}/"
                       f"{now.strftime('%Y%m%d%H%M')}", headers=key)
    assert claims.headers["content-type"] == "text/xml;charset=EUC-KR"
    keys, errors = parse_claim_keys(parse_xml(claims.content))
    cancel_requested = {line for o in orders_truth(base, "elevenst-demo")["orders"] if o["claim_status"] == "701"
                        for line in o["line_ids"]}
    assert cancel_requested and {f"{o}-{s}" for o, s in keys} == cancel_requested and not errors
    missing = httpx.get(f"{base}/rest/ordservices/nosuch", headers=key)
    assert missing.status_code == 500 and result_of(parse_xml(missing.content)).code == "-997"


@pytest.mark.parametrize("code", ["elevenst-demo", "elevenst-demo2"])
def test_elevenst_collects_exactly_the_sandbox_orders(company, sandbox, code):
    _, base = sandbox
    account = elevenst_account(company, base, code)
    result = collection_execute(account_id=account.pk)
    assert result["pages"] >= 4 and result["quarantined"] == 0
    expected = orders_truth(base, code)
    good = [o for o in expected["orders"] if listed(o)]
    wanted = {line_id: order for order in good for line_id in order["line_ids"]}
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(account=account).select_related("order")}
    assert set(lines) == set(wanted) and len(wanted) > 20
    assert any(o["claim_status"] == "701" for o in good)  # the shop holds cancel requests (seq 5)
    assert Order.objects.filter(account=account).count() == len(good)
    for line_id, order in wanted.items():
        line = lines[line_id]
        assert line.order.channel_order_id == order["order_no"]
        assert line.raw_status == (order["claim_status"] or order["status"])
        if order["claim_status"] == "701":  # from the cancel-request list: a pending cancel claim
            assert line.channel_status == ChannelStatus.CANCEL_REQUESTED and line.claim == "cancel", line_id
            assert line.order.claim == "cancel", line_id
        assert line.order.recipient_address1.startswith(order["address1"])  # Korean read back from EUC-KR
        assert line.quantity == order["lines"][order["line_ids"].index(line_id)]["quantity"]
    again = collection_execute(account_id=account.pk)
    assert again["created"] == 0 and again["updated"] == 0


def test_elevenst_cancel_request_after_collection_reaches_the_collected_line(company, sandbox):
    """A buyer asks 11st to cancel an order marketdock already collected as 결제완료: the line leaves the
    order lists (701) and the next collection finds it in the cancel-request list, with its pending claim."""
    state, base = sandbox
    account = elevenst_account(company, base, "elevenst-demo")
    collection_execute(account_id=account.pk)
    shop = state.shops["elevenst-demo"]
    order = next(o for o in shop.orders if o.status == "202" and not o.claim_type
                 and o.seq != state.malformed_seq(shop))
    line = OrderLine.objects.get(account=account, channel_line_id=shop.line_ids(order)[0])
    assert line.channel_status == ChannelStatus.NEW and not line.claim
    with state.lock:  # the buyer's request goes into the sandbox's claim book (the order follows: 701)
        sandbox_claims.open_claims(state, shop, order, "cancel", datetime.now(UTC))
    again = collection_execute(account_id=account.pk)
    assert again["quarantined"] == 0
    line.refresh_from_db()
    assert (line.channel_status, line.claim, line.raw_status) == (ChannelStatus.CANCEL_REQUESTED, "cancel", "701")
    assert line.order.claim == "cancel"
    assert OrderLine.objects.filter(account=account, channel_line_id=line.channel_line_id).count() == 1


def test_elevenst_malformed_order_is_quarantined_and_the_rest_collected(company, sandbox):
    _, base = sandbox
    faults(base, "elevenst-demo", malformed_order=True, error_500_every=6)
    account = elevenst_account(company, base, "elevenst-demo")
    result = collection_execute(account_id=account.pk)
    bad = next(o for o in orders_truth(base, "elevenst-demo")["orders"] if o["malformed"])
    records = QuarantinedRecord.objects.filter(account=account)
    assert result["quarantined"] == records.count() == len(bad["line_ids"])
    assert {r.channel_order_id for r in records} == {bad["order_no"]} and "ordDt" in records[0].message
    collected = set(OrderLine.objects.filter(account=account).values_list("channel_line_id", flat=True))
    assert collected == {lid for o in orders_truth(base, "elevenst-demo")["orders"] if listed(o) for lid in o["line_ids"]}


def test_elevenst_friday_maintenance_fails_the_run_as_retry_later(company, sandbox):
    _, base = sandbox
    faults(base, "elevenst-demo", maintenance=True)
    account = elevenst_account(company, base, "elevenst-demo")
    with pytest.raises(Exception) as info:  # noqa: PT011 - the collection's own failure type wraps it
        collection_execute(account_id=account.pk)
    assert "정기점검" in str(info.value)
    run = CollectionRun.objects.get(account=account)
    assert run.status == CollectionRun.Status.FAILED and "정기점검" in run.error
    assert OrderLine.objects.filter(account=account).count() == 0
    faults(base, "elevenst-demo", maintenance=False)
    assert collection_execute(account_id=account.pk)["created"] > 0  # the next run collects


def test_elevenst_confirm_and_dispatch_reach_the_sandbox(sandbox):
    _, base = sandbox
    credentials = shop_info(base, "elevenst-demo2")["credentials"]
    with build_connector("elevenst", credentials, base_url=base, options=fast_options()) as conn:
        window = FetchWindow.last(timedelta(days=4))
        orders = [o for page in conn.iter_pages(window) for o in page.orders]
        new = [o for o in orders if o.raw_status == "202"]
        target = new[0]
        bundle = [o.order_line_id for o in orders if o.bundle_id == target.bundle_id]
        result = conn.confirm_orders(bundle)
        assert sorted(result.confirmed) == sorted(bundle) and not result.failed
        assert conn.get_order(target.order_line_id).raw_status == "301"
        sent = conn.dispatch([DispatchItem(order_line_id=line, order_id=target.order_id, carrier_code="cj",
                                           tracking_number="6123-4567-8901", shipped_at=datetime.now(UTC))
                              for line in bundle])
        assert sorted(sent.sent) == sorted(bundle) and not sent.failed
        shipped = conn.get_order(target.order_line_id)
        assert (shipped.raw_status, shipped.carrier_code, shipped.tracking_number) == ("401", "00034", "612345678901")
        again = conn.dispatch([DispatchItem(order_line_id=bundle[0], order_id=target.order_id, carrier_code="cj",
                                            tracking_number="612345678901", shipped_at=datetime.now(UTC))])
        assert again.sent == [bundle[0]]  # already shipped with that number: not sent twice
    received = httpx.get(f"{base}/_sandbox/shops/elevenst-demo2/received").json()["received"]
    dispatches = [r for r in received if r["operation"] == "dispatch"]
    assert len(dispatches) == 1 and dispatches[0]["carrier"] == "00034"
    assert dispatches[0]["tracking_number"] == "612345678901" and sorted(dispatches[0]["lines"]) == sorted(bundle)

    faults(base, "elevenst-demo2", maintenance=True)
    with build_connector("elevenst", credentials, base_url=base, options=fast_options()) as conn, \
            pytest.raises(MaintenanceError):
        conn.get_order(target.order_line_id)
