"""Strict value readers (KST → UTC, money in minor units, field names in errors) and the rate limiter."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketdock.channels.connectors import coupang, naver, values
from marketdock.channels.connectors.errors import MalformedPayload
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate, RedisRateLimiter
from tests.factories.channels import NAVER_QUERY_ITEM, sample


def test_kst_without_offset_is_read_as_kst():
    assert values.timestamp("2017-10-10T10:20:16", "f", marketplace="x") == datetime(2017, 10, 10, 1, 20, 16, tzinfo=UTC)
    assert values.timestamp("2017-10-25 00:10:33", "f", marketplace="x") == datetime(2017, 10, 24, 15, 10, 33, tzinfo=UTC)
    assert values.timestamp("2022-05-11T21:05:26.000+09:00", "f", marketplace="x") == datetime(
        2022, 5, 11, 12, 5, 26, tzinfo=UTC)
    assert values.timestamp("2024-03-01T01:00:00Z", "f", marketplace="x") == datetime(2024, 3, 1, 1, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_kst_iso_round_trips_at_millisecond_precision(moment):
    text = values.kst_iso(moment)
    assert text.endswith("+09:00")
    assert values.timestamp(text, "f", marketplace="x") == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["KRW", "USD", "JPY", "KWD"]))
def test_minor_units_are_exact(minor, currency):
    exponent = values.currency_exponent(currency)
    amount = str(Decimal(minor).scaleb(-exponent))
    assert values.minor_units(amount, currency, "f", marketplace="x") == minor


def test_sub_minor_amounts_are_refused_not_rounded():
    with pytest.raises(MalformedPayload) as info:
        values.minor_units("12.345", "USD", "lineItems.price", marketplace="shopify")
    assert info.value.field == "lineItems.price"


@pytest.mark.parametrize("bad", ["abc", "3.5", True, [1]])
def test_integers_refuse_non_whole_values(bad):
    with pytest.raises(MalformedPayload):
        values.integer(bad, "q", marketplace="x")


def test_naver_malformed_quantity_names_the_field():
    item = json.loads(json.dumps(NAVER_QUERY_ITEM))
    item["productOrder"]["quantity"] = "두 개"
    with pytest.raises(MalformedPayload) as info:
        naver.parse_payload({"data": [item]})
    assert info.value.field == "data[0].productOrder.quantity"
    assert "두 개" in str(info.value)


def test_naver_unknown_status_is_malformed_not_guessed():
    item = json.loads(json.dumps(NAVER_QUERY_ITEM))
    item["productOrder"]["productOrderStatus"] = "TELEPORTED"
    with pytest.raises(MalformedPayload) as info:
        naver.parse_payload(item)
    assert info.value.field == "productOrder.productOrderStatus"


def test_coupang_bad_date_names_the_field():
    payload = sample("coupang/delivery__lookup-order-list-per-day.response.json")
    payload["data"][1]["orderedAt"] = "2024/13/45"
    with pytest.raises(MalformedPayload) as info:
        coupang.parse_payload(payload)
    assert info.value.field == "data[1].orderedAt"
    orders, errors, token = coupang.parse_list_response(payload)  # the connector path quarantines it instead
    assert [o.order_id for o in orders] == ["22000009546234"] and errors[0].field == "data[1].orderedAt"
    assert token == "448537989"


def test_coupang_cancelled_units_and_pending_cancels():
    payload = sample("coupang/delivery__lookup-order-by-orderid.response.json")
    payload["data"]["orderItems"][0]["holdCountForCancel"] = 1
    assert coupang.parse_payload(payload)[0].status == "cancel_requested"
    payload["data"]["orderItems"][0]["cancelCount"] = 1
    line = coupang.parse_payload(payload)[0]
    assert line.status == "cancelled" and line.cancelled_quantity == 1


# --- rate limiter ------------------------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_local_bucket_allows_burst_then_spaces_calls():
    clock = FakeClock()
    limiter = LocalRateLimiter(clock=clock)
    rate = Rate(per_second=2, burst=2)
    assert [limiter.reserve("k", rate) for _ in range(2)] == [0, 0]
    assert limiter.reserve("k", rate) == pytest.approx(0.5)
    assert limiter.reserve("k", rate) == pytest.approx(1.0)
    assert limiter.reserve("other", rate) == 0  # buckets are per account key
    clock.now += 10
    assert limiter.reserve("k", rate) == 0


def test_local_block_honours_retry_after():
    clock = FakeClock()
    limiter = LocalRateLimiter(clock=clock)
    limiter.block("k", 30)
    assert limiter.reserve("k", Rate(100, 100)) == pytest.approx(30)
    clock.now += 31
    assert limiter.reserve("k", Rate(100, 100)) == 0


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/7", socket_timeout=2)
    try:
        client.ping()
    except Exception:
        if os.environ.get("CI") == "true":
            raise  # CI must have Redis
        pytest.skip("Redis not reachable")
    prefix = "marketdock-test-ratelimit:"
    yield client, prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def test_redis_bucket_is_shared_between_limiters(redis_client):
    client, prefix = redis_client
    first, second = RedisRateLimiter(client, prefix=prefix), RedisRateLimiter(client, prefix=prefix)
    rate = Rate(per_second=1, burst=2)
    assert first.reserve("acct", rate) == 0
    assert second.reserve("acct", rate) == 0
    assert first.reserve("acct", rate) > 0.5  # the second process used the last token
    second.block("acct", 20)
    assert first.reserve("acct", rate) > 15
