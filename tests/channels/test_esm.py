"""G마켓 / 옥션 through the ESM connector: one connector for both sites, the JWT the sandbox accepts,
RequestOrders parsed into lines (status table, bundle shipping fee, malformed records quarantined),
발주확인 → 발송처리 round trip against the sandbox, the 5-second lookup limit, the operations ESM has no
confirmed API for refused in Korean, `channels normalize --kind esm`, and the account screens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from marketdock.channels import services
from marketdock.channels.connectors.base import build_connector, connector_class
from marketdock.channels.connectors.errors import AuthError, RateLimited, UnsupportedOperation
from marketdock.channels.connectors.esm import CAPABILITY_TABLE, STATUS_TABLE, make_token, parse_payload
from marketdock.channels.connectors.esm.auth import EsmCredentials, read_token
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import (
    DelayItem,
    DispatchItem,
    FetchWindow,
    Marketplace,
    OrderStatus,
    PriceUpdate,
    Progress,
    SaleStatusUpdate,
    StockUpdate,
)
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState
from tests.factories.sandbox import orders_truth, received
from tests.isolation import assert_isolated

CONNECTOR_DIR = Path(__file__).resolve().parents[2] / "marketdock" / "channels" / "connectors" / "esm"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "marketplace-samples"


def record(**extra) -> dict:
    base = {"OrderNo": 3012345678, "PayNo": 2012345670, "OrderStatus": 1, "OrderDate": "2026-03-10T14:22:01.507",
            "PayDate": "2026-03-10T14:23:00", "SiteGoodsNo": "B123456789", "OutGoodsNo": "TS-BLK", "GoodsName": "반팔 티셔츠",
            "SalePrice": 12900, "ContrAmount": 2, "OrderAmount": 25800, "SellerDiscountPrice": 1000, "AcntMoney": 24800,
            "ShippingFee": 3000, "BuyerName": "홍길동", "BuyerMobileTel": "010-1234-5678", "ReceiverName": "김수령",
            "HpNo": "010-9876-5432", "ZipCode": "06236", "DelFullAddress": "서울특별시 강남구 테헤란로 1",
            "DelAddressDetail": "101호", "DelMemo": "문 앞",
            "ItemOptionSelectList": [{"ItemOptionValue": "블랙 / M", "ItemOptionCode": "OPT1", "ItemOptionOrderCnt": 2}]}
    return {**base, **extra}


def envelope(records: list, site_type: int | None = 2) -> dict:
    data = {"PageIndex": 1, "PageSize": 100, "TotalCount": len(records), "RequestOrders": records}
    if site_type is not None:
        data["SiteType"] = site_type
    return {"ResultCode": 0, "Message": "", "Data": data}


# --- one connector, two sites -----------------------------------------------------------------------

def test_gmarket_and_auction_are_two_kinds_served_by_one_connector():
    gmarket, auction = connector_class("gmarket"), connector_class("auction")
    assert gmarket.__mro__[1] is auction.__mro__[1]  # the same EsmConnector underneath
    assert (gmarket.site.site_type, auction.site.site_type) == (2, 1)
    assert gmarket.marketplace == Marketplace.GMARKET and auction.marketplace == Marketplace.AUCTION
    assert ChannelKind.GMARKET.label == "G마켓" and ChannelKind.AUCTION.label == "옥션"


def test_jwt_is_hs256_with_the_site_in_ssi():
    creds = EsmCredentials.model_validate({"gmarket_master_id": "master1", "gmarket_secret_key": "s" * 32,
                                           "gmarket_seller_id": "gseller"})
    token = make_token(creds, "gmarket", now=lambda: 1_700_000_000)
    header, payload = read_token(token, "s" * 32)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "master1"}
    assert payload["ssi"] == "G:gseller" and payload["iat"] == 1_700_000_000 and payload["aud"] == "sa.esmplus.com"
    assert read_token(token, "x" * 32) is None  # another key does not verify
    assert read_token(make_token(creds, "auction"), "s" * 32)[1]["ssi"] == "A:gseller"


# --- parsing and the status table ---------------------------------------------------------------------

def test_a_request_orders_response_becomes_lines():
    lines = parse_payload(envelope([record(), record(OrderNo=3012345679, ContrAmount=1, OrderAmount=12900,
                                                     SellerDiscountPrice=0, ItemOptionSelectList=None)]))
    first, second = lines
    assert first.marketplace == Marketplace.GMARKET and first.order_line_id == "3012345678"
    assert first.order_id == first.bundle_id == "2012345670"
    assert first.status == OrderStatus.NEW and first.progress == Progress.PAID
    assert first.ordered_at == datetime(2026, 3, 10, 5, 22, 1, 507000, tzinfo=UTC)  # KST without offset
    assert (first.quantity, first.unit_price, first.discount_amount, first.total_amount) == (2, 12900, 1000, 24800)
    assert first.option_text == "블랙 / M" and first.channel_option_id == "OPT1" and first.seller_product_code == "TS-BLK"
    assert first.recipient_address1.startswith("서울특별시") and first.recipient_postal_code == "06236"
    assert (first.shipping_fee, second.shipping_fee) == (3000, 0)  # the PayNo bundle's fee once
    assert parse_payload(envelope([record()], site_type=1))[0].marketplace == Marketplace.AUCTION


@pytest.mark.parametrize("raw,status,progress", [
    (1, OrderStatus.NEW, Progress.PAID), (2, OrderStatus.CONFIRMED, Progress.CONFIRMED),
    (3, OrderStatus.SHIPPED, Progress.SHIPPED), (4, OrderStatus.DELIVERED, Progress.DELIVERED),
    (5, OrderStatus.DELIVERED, Progress.DELIVERED),
])
def test_status_table(raw, status, progress):
    line = parse_payload(envelope([record(OrderStatus=raw, NoSongjang="612345678901", DeliveryCompanyCode=10013)]))[0]
    assert (line.status, line.progress, line.raw_status) == (status, progress, str(raw))
    assert (line.tracking_number != "") == (progress in (Progress.SHIPPED, Progress.DELIVERED))


def test_unknown_status_and_bad_dates_are_named_and_the_rest_go_on():
    from marketdock.channels.connectors.esm import parse_orders

    orders, errors, total = parse_orders(envelope([record(OrderStatus=9), record(OrderNo=3, OrderDate="어제"),
                                                   record(OrderNo=4)]))
    assert [o.order_line_id for o in orders] == ["4"] and total == 3
    assert [e.field for e in errors] == ["Data.RequestOrders[0].OrderStatus", "Data.RequestOrders[1].OrderDate"]
    assert set(STATUS_TABLE) == {"1", "2", "3", "4", "5"}


def test_a_payload_without_a_site_needs_the_kind(tmp_path):
    path = tmp_path / "esm.json"
    path.write_text(json.dumps(envelope([record()], site_type=None)), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("channels", "normalize", "--kind", "esm", str(path))
    assert "SiteType" in str(exc.value)


def test_normalize_command_reads_esm_payloads(tmp_path, capsys):
    path = tmp_path / "esm.json"
    path.write_text(json.dumps(envelope([record()])), encoding="utf-8")
    call_command("channels", "normalize", "--kind", "esm", str(path))
    out = json.loads(capsys.readouterr().out)
    assert out[0]["marketplace"] == "gmarket" and out[0]["order_line_id"] == "3012345678"
    path.write_text(json.dumps(envelope([record()], site_type=None)), encoding="utf-8")
    call_command("channels", "normalize", "--kind", "auction", str(path))
    assert json.loads(capsys.readouterr().out)[0]["marketplace"] == "auction"


def test_every_published_esm_sample_normalizes(capsys):
    """marketplace-samples/esm holds no published sample (SOURCES.md: none found); whatever lands there
    must normalize."""
    folder = SAMPLES / "esm"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    for file in files:
        call_command("channels", "normalize", "--kind", "esm", str(file))
        assert isinstance(json.loads(capsys.readouterr().out), list)


# --- unconfirmed points: marked and refused -----------------------------------------------------------

def test_every_unconfirmed_point_is_marked_in_code_and_table():
    source = "\n".join(p.read_text(encoding="utf-8") for p in CONNECTOR_DIR.glob("*.py"))
    for point in ("claims", "token", "ShippingInfo body", "sell-status", "carrier", "Q&A", "정산", "pageSize"):
        assert any(point.lower() in line.lower() for line in source.splitlines() if "UNCONFIRMED" in line), point
    refused = {note.operation for note in CAPABILITY_TABLE if not note.supported}
    assert {"취소·반품·교환", "상품 문의(Q&A)", "정산", "발송지연 안내", "주문 단건 조회"} <= refused
    assert all(not note.confirmed for note in CAPABILITY_TABLE)  # nothing about ESM is official


def test_what_esm_cannot_do_is_refused_in_korean():
    conn = build_connector("gmarket", {"gmarket_master_id": "m", "gmarket_secret_key": "k" * 20,
                                       "gmarket_seller_id": "s"}, base_url="http://127.0.0.1:9")
    with pytest.raises(UnsupportedOperation, match="G마켓: 주문 한 건을 다시 조회하는 ESM API"):
        conn.get_order("3012345678")
    with pytest.raises(UnsupportedOperation, match="발송지연 안내 API가 확인되지 않아"):
        conn.delay([DelayItem(order_line_id="1", expected_date=datetime.now(UTC).date(), reason_code="ETC",
                              message="지연")])
    with pytest.raises(UnsupportedOperation):
        conn.list_listings()
    now = datetime.now(UTC)
    result = conn.dispatch([
        DispatchItem(order_line_id="1", method="visit", shipped_at=now),
        DispatchItem(order_line_id="2", carrier_code="kdexp", tracking_number="123456789", shipped_at=now),
        DispatchItem(order_line_id="3", carrier_code="cj", tracking_number="123456789012", shipped_at=now - timedelta(days=3)),
    ])
    messages = {f.order_line_id: f.message for f in result.failed}
    assert "택배 발송처리만" in messages["1"] and "택배사 코드가 없습니다" in messages["2"] and "2일 이내" in messages["3"]
    assert not result.sent  # nothing was sent (the address is unreachable: a call would have raised)
    stock = conn.update_stock([StockUpdate(product_id="100", option_id="OPT1", quantity=3),
                               StockUpdate(product_id="100", option_id="", quantity=0)])
    assert [f.code for f in stock.failed] == ["UNSUPPORTED", "OUT_OF_RANGE"] and "판매중지" in stock.failed[1].message
    price = conn.update_price([PriceUpdate(product_id="100", option_id="OPT1", price=1000)])
    assert price.failed[0].code == "UNSUPPORTED" and "옵션가" in price.failed[0].message


# --- against the sandbox ----------------------------------------------------------------------------

@pytest.fixture
def esm_sandbox():
    state = SandboxState(seed=7, order_rate=0, initial_orders=20)
    server, base = serve_in_thread(SandboxApp(state))
    yield state, base
    server.shutdown()
    server.server_close()


def connect(state, base, code, *, interval: float = 0.0):
    shop = state.shops[code]
    shop.faults.esm_lookup_interval = interval
    options = HttpOptions(limiter=LocalRateLimiter(), rate=Rate(1000, 1000), sleep=lambda s: None)
    return shop, build_connector(shop.protocol, shop.credentials, base_url=base, options=options)


def collect(conn):
    window = FetchWindow(start=datetime.now(UTC) - timedelta(days=4), end=datetime.now(UTC) + timedelta(minutes=1))
    lines, errors = {}, []
    for page in conn.iter_pages(window):
        lines.update({o.order_line_id: o for o in page.orders})
        errors.extend(page.errors)
    return lines, errors


@pytest.mark.parametrize("code", ["gmarket-demo", "auction-demo2"])
def test_sandbox_round_trip_collect_confirm_dispatch(esm_sandbox, code):
    state, base = esm_sandbox
    shop, conn = connect(state, base, code)
    lines, errors = collect(conn)
    truth = orders_truth(base, code)
    assert set(lines) == set(truth["line_ids"]) and not errors
    assert {o.marketplace for o in lines.values()} == {Marketplace(shop.protocol)}
    new = sorted(lid for lid, o in lines.items() if o.status == OrderStatus.NEW)[:2]
    assert conn.confirm_orders(new).confirmed == new
    again = conn.confirm_orders(new[:1])  # ESM refuses a second 주문확인: reported per line
    assert again.failed and "결제완료 상태의 주문만" in again.failed[0].message
    unconfirmed = next(lid for lid, o in lines.items() if o.status == OrderStatus.NEW and lid not in new)
    now = datetime.now(UTC)
    result = conn.dispatch([DispatchItem(order_line_id=new[0], carrier_code="cj", tracking_number="612345678901",
                                         shipped_at=now),
                            DispatchItem(order_line_id=unconfirmed, carrier_code="hanjin",
                                         tracking_number="412345678901", shipped_at=now)])
    assert result.sent == [new[0]]
    assert "주문확인(발주확인) 후에" in result.failed[0].message
    writes = received(base, code)
    assert [r["operation"] for r in writes] == ["confirm", "confirm", "dispatch"]
    assert writes[-1]["carrier"] == "10013" and writes[-1]["tracking_number"] == "612345678901"
    after, _ = collect(conn)
    assert after[new[0]].status == OrderStatus.SHIPPED and after[new[0]].tracking_number == "612345678901"
    assert after[new[1]].status == OrderStatus.CONFIRMED


def test_sandbox_listing_writes_per_site(esm_sandbox):
    state, base = esm_sandbox
    shop, conn = connect(state, base, "auction-demo")
    product = shop.products[0]
    assert conn.update_stock([StockUpdate(product_id=product.product_id, option_id="", quantity=7)]).applied
    assert conn.update_price([PriceUpdate(product_id=product.product_id, price=15000)]).applied
    assert conn.set_sale_status([SaleStatusUpdate(product_id=product.product_id, on_sale=False)]).applied
    assert (product.options[0].stock, product.price, product.selling) == (7, 15000, False)
    refused = conn.update_price([PriceUpdate(product_id="999", price=15000)])
    assert refused.failed and "해당하는 상품이 없습니다" in refused.failed[0].message


def test_sandbox_refuses_a_wrong_key_and_the_other_site(esm_sandbox):
    state, base = esm_sandbox
    creds = dict(state.shops["gmarket-demo"].credentials)
    bad = build_connector("gmarket", {**creds, "gmarket_secret_key": "0" * 40}, base_url=base)
    with pytest.raises(AuthError, match="IP 등록"):
        bad.test_connection()
    # the G마켓 seller ID presented as an 옥션 one: the ssi names no 옥션 seller of this master
    wrong_site = build_connector("auction", {k.replace("gmarket_", "auction_"): v for k, v in creds.items()},
                                 base_url=base)
    with pytest.raises(AuthError):
        wrong_site.test_connection()


def test_lookup_limit_answers_3000_and_the_connector_waits_then_gives_up(esm_sandbox):
    state, base = esm_sandbox
    state.shops["gmarket-demo"].faults.esm_lookup_interval = 60.0
    sleeps: list[float] = []
    options = HttpOptions(limiter=LocalRateLimiter(), rate=Rate(1000, 1000), sleep=sleeps.append)
    conn = build_connector("gmarket", state.shops["gmarket-demo"].credentials, base_url=base, options=options)
    conn.test_connection()
    with pytest.raises(RateLimited) as exc:  # every try within the minute answers 3000
        conn.test_connection()
    assert exc.value.retry_after == 5.0 and "5초에 1회" in exc.value.message
    assert len([s for s in sleeps if s > 4]) == options.retry.attempts - 1  # waited 5 s before each new try
    assert connector_class("gmarket").DEFAULT_RATE.per_second < 0.2  # production pacing keeps under the limit


def test_a_lookup_right_after_another_workers_succeeds_after_the_wait(esm_sandbox):
    """A worker killed mid-collection leaves ESM's 5-second window open; the next one waits it out."""
    import time

    state, base = esm_sandbox
    state.shops["auction-demo"].faults.esm_lookup_interval = 1.0
    first = build_connector("auction", state.shops["auction-demo"].credentials, base_url=base)
    first.test_connection()
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        time.sleep(min(seconds, 1.2))  # long enough for the sandbox's 1-second window

    options = HttpOptions(limiter=LocalRateLimiter(), rate=Rate(1000, 1000), sleep=sleep)
    second = build_connector("auction", state.shops["auction-demo"].credentials, base_url=base, options=options)
    assert second.test_connection().ok and waited


# --- account screens ----------------------------------------------------------------------------------

def test_account_list_names_gmarket_and_auction_and_stays_in_its_company(admin_client, viewer_client, other_client,
                                                                         company, esm_sandbox):
    state, base = esm_sandbox
    accounts = [services.channel_account_create(company=company, kind=kind, name=f"{label} 본점",
                                                credentials=state.shops[f"{kind}-demo"].credentials, base_url=base)
                for kind, label in (("gmarket", "지마켓"), ("auction", "옥션"))]
    page = admin_client.get(reverse("channels:account_list")).content.decode()
    assert "G마켓" in page and "옥션" in page and "지마켓 본점" in page
    body = admin_client.post(reverse("channels:account_test", args=[accounts[0].pk]), HTTP_HX_REQUEST="true"
                             ).content.decode()
    assert 'data-ok="1"' in body
    secret = state.shops["gmarket-demo"].credentials["gmarket_secret_key"]
    assert secret not in admin_client.get(reverse("channels:account_edit", args=[accounts[0].pk])).content.decode()
    assert viewer_client.post(reverse("channels:account_delete", args=[accounts[1].pk])).status_code == 403
    assert_isolated(other_client, [reverse("channels:account_edit", args=[a.pk]) for a in accounts]
                    + [reverse("channels:account_test", args=[a.pk]) for a in accounts],
                    secrets=("지마켓 본점", secret[-6:]))
    assert ChannelAccount.objects.filter(company=company).count() == 2


def test_account_form_creates_a_gmarket_account(admin_client, company):
    data = {"kind": "gmarket", "name": "G마켓 1호점", "base_url": "", "credentials_expire_on": "",
            "collect_every_minutes": "30", "auto_collect": "on", "is_active": "on", "gmarket_master_id": "master1",
            "gmarket_secret_key": "abcdefghijklmnop1234", "gmarket_seller_id": "gseller"}
    response = admin_client.post(reverse("channels:account_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ChannelAccount.objects.get(company=company, name="G마켓 1호점")
    assert account.credentials["gmarket_seller_id"] == "gseller"
    assert account.effective_base_url == "https://sa2.esmplus.com"
    short = admin_client.post(reverse("channels:account_create"), {**data, "name": "짧은 키", "gmarket_secret_key": "abc"})
    assert "ESM API 시크릿 키는 영문·숫자 16자 이상" in short.content.decode()
