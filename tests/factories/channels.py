"""Channel accounts, the marketplaces' published samples (tests/channels/fixtures) and connectors
talking to an httpx.MockTransport that records every request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from marketdock.channels import services as channel_services
from marketdock.channels.connectors import coupang, naver, shopify
from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.credentials import credential_input_name
from marketdock.channels.models import ChannelAccount, ChannelKind


def account_form_inputs(kind: str, credentials: dict) -> dict:
    """Credentials as the account form's inputs name them (a key two kinds share carries the kind)."""
    return {credential_input_name(kind, key): value for key, value in credentials.items()}


FIXTURES = Path(__file__).resolve().parent.parent / "channels" / "fixtures"

# Credentials shaped like each marketplace's real ones (what the account form checks).
NAVER_CREDENTIALS = {"client_id": "4mVbq0aXyZ12cdEF34ghIJ", "client_secret": "$2a$04$kRzW9vQpL3mN7xYbT5sA1u"}
COUPANG_CREDENTIALS = {"vendor_id": "A00012345", "access_key": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                       "secret_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"}
SHOPIFY_CREDENTIALS = {"shop_domain": "my-shop.myshopify.com",
                       "access_token": "shpat_0123456789abcdef0123456789abcdef"}


# --- accounts -------------------------------------------------------------------------------------

def make_account_with_credentials(company, name: str = "쿠팡 본점", kind: str = "coupang",
                                  **extra) -> ChannelAccount:
    """An account with (dummy) credentials stored, as the order tests collect for."""
    account = ChannelAccount(company=company, kind=kind, name=name, **extra)
    account.set_credentials({"vendor_id": "A1", "access_key": "k", "secret_key": "s"})
    account.save()
    return account


def make_account(company, name: str = "스마트스토어", kind: str = ChannelKind.NAVER) -> ChannelAccount:
    """An account row without credentials (for screens, listings and the outbox)."""
    return ChannelAccount.objects.create(company=company, kind=kind, name=name)


def make_account_through_services(company, kind=ChannelKind.COUPANG, name="쿠팡 본점", credentials=None,
                                  **extra) -> ChannelAccount:
    """An account made the way the account form makes it (checked and encrypted by the service), with
    real-shaped credentials for its kind unless `credentials` are given."""
    creds = credentials if credentials is not None else {
        ChannelKind.NAVER: NAVER_CREDENTIALS, ChannelKind.COUPANG: COUPANG_CREDENTIALS,
        ChannelKind.SHOPIFY: SHOPIFY_CREDENTIALS}.get(kind, {})
    return channel_services.channel_account_create(company=company, kind=kind, name=name, credentials=creds,
                                                   **extra)


# --- published samples ---------------------------------------------------------------------------

def sample(path: str):
    """A marketplace's published example, from tests/channels/fixtures/<path>."""
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


# One Naver product order as the last-changed query returns it (the published field set).
NAVER_QUERY_ITEM = {
    "order": {"orderId": "2024030112345678", "orderDate": "2024-03-01T23:30:00.000+09:00",
              "paymentDate": "2024-03-01T23:31:10.000+09:00", "ordererName": "홍길동", "ordererTel": "010-1234-5678"},
    "productOrder": {
        "productOrderId": "2024030198765432", "productOrderStatus": "PAYED", "placeOrderStatus": "NOT_YET",
        "productId": "8012345678", "optionCode": "30012345", "productName": "기모 트레이닝 팬츠",
        "productOption": "색상: 블랙 / 사이즈: L", "sellerProductCode": "TP-001", "optionManageCode": "TP-001-BK-L",
        "quantity": 2, "unitPrice": 19900, "optionPrice": 1000, "totalProductAmount": 41800,
        "productDiscountAmount": 2000, "totalPaymentAmount": 39800, "deliveryFeeAmount": 3000,
        "packageNumber": "2024030111112222", "shippingMemo": "문 앞에 놓아주세요",
        "shippingAddress": {"name": "김영희", "tel1": "010-9876-5432", "zipCode": "06236",
                            "baseAddress": "서울특별시 강남구 테헤란로 152", "detailedAddress": "21층"},
    },
}


# --- connectors on a mock transport --------------------------------------------------------------

SHIPPED = datetime(2024, 3, 2, 3, 17, 35, tzinfo=UTC)


class Recorder:
    """A MockTransport handler: records each request and answers from `answer(request)`."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def bodies(self, path_part: str = "") -> list:
        return [json.loads(r.content) for r in self.requests if path_part in r.url.path and r.content]


def mock_options(recorder) -> HttpOptions:
    """Connector options answering from `recorder`: no rate-limit waits, two attempts, no sleeping."""
    return HttpOptions(transport=httpx.MockTransport(recorder), limiter=LocalRateLimiter(), sleep=lambda s: None,
                       rate=Rate(1000, 1000), retry=RetryPolicy(attempts=2))


def naver_conn(answer) -> tuple[naver.NaverConnector, Recorder]:
    """A Naver connector whose token requests are granted and every other request goes to `answer`."""
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "tok-1", "expires_in": 10800})
        return answer(request)

    recorder = Recorder(route)
    creds = naver.NaverCredentials(client_id="aaaabbbbcccc", client_secret="$2a$04$abcdefghijklmnopqrstuv")
    return naver.NaverConnector(creds, base_url="https://api.test/external", options=mock_options(recorder),
                                token_cache=naver.TokenCache()), recorder


def coupang_conn(answer) -> tuple[coupang.CoupangConnector, Recorder]:
    recorder = Recorder(answer)
    creds = coupang.CoupangCredentials(vendor_id="A00034612", access_key="ak", secret_key="sk")
    return coupang.CoupangConnector(creds, base_url="https://api.test", options=mock_options(recorder),
                                    clock=lambda: SHIPPED), recorder


def shopify_conn(answer) -> tuple[shopify.ShopifyConnector, Recorder]:
    recorder = Recorder(answer)
    creds = shopify.ShopifyCredentials(shop_domain="demo.myshopify.com", access_token="shpat_x")
    return shopify.ShopifyConnector(creds, base_url="https://shop.test", options=mock_options(recorder)), recorder


def gql(request) -> tuple[str, dict]:
    """(operation name, variables) of a Shopify GraphQL request."""
    body = json.loads(request.content)
    return body["query"].split("(")[0].split()[-1], body["variables"]


# A Naver origin product with two options (what the product read answers).
ORIGIN = {"originProduct": {
    "statusType": "SALE", "name": "기모 트레이닝 팬츠", "salePrice": 19900, "stockQuantity": 15, "leafCategoryId": "50000803",
    "detailAttribute": {"sellerCodeInfo": {"sellerManagementCode": "P-1"}, "optionInfo": {"optionCombinations": [
        {"id": 11, "optionName1": "블랙", "optionName2": "M", "stockQuantity": 5, "price": 0, "sellerManagerCode": "BK-M",
         "usable": True},
        {"id": 12, "optionName1": "블랙", "optionName2": "L", "stockQuantity": 10, "price": 1000, "usable": True}]}}}}


def naver_products(request):
    """Naver answering for one product (search finds it, the read returns ORIGIN, writes succeed)."""
    path = request.url.path
    if path.endswith("/products/search"):
        return httpx.Response(200, json={"contents": [{"originProductNo": 777, "channelProducts": [
            {"channelProductNo": 555}]}], "totalPages": 1})
    if path.endswith("/origin-products/777") and request.method == "GET":
        return httpx.Response(200, json=ORIGIN)
    return httpx.Response(200, json={"data": None})
