"""The Shopify sandbox answers GraphQL as Shopify does: the document is validated against the
published Admin schema (an unknown field or a bad variable is refused with an errors array and HTTP
200, nothing executed) and executed by its fields, whatever the operation is called."""

from __future__ import annotations

import httpx
import pytest

from marketdock.channels.connectors import shopify
from marketdock.sandbox.server import SandboxApp, serve_in_thread
from marketdock.sandbox.state import SandboxState


@pytest.fixture(scope="module")
def shop():
    state = SandboxState(seed=7, order_rate=0, initial_orders=5)
    server, base = serve_in_thread(SandboxApp(state))
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == "shopify-demo")

    def post(query: str, variables: dict | None = None) -> httpx.Response:
        return httpx.post(f"{base}/admin/api/{shopify.API_VERSION}/graphql.json", json={
            "query": query, "variables": variables or {}}, headers={"X-Shopify-Access-Token": info["credentials"][
                "access_token"]})

    yield post
    server.shutdown()
    server.server_close()


def test_an_unknown_field_is_refused_as_shopify_refuses_it(shop):
    answer = shop("query Orders { orders(first: 1) { nodes { id totalPriceInWon } } }")
    assert answer.status_code == 200
    body = answer.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "Field 'totalPriceInWon' doesn't exist on type 'Order'"
    assert error["extensions"]["code"] == "undefinedField"


def test_a_variable_of_the_wrong_type_is_refused(shop):
    answer = shop("query Orders($first: Int!) { orders(first: $first) { nodes { id } } }", {"first": "many"})
    assert answer.status_code == 200
    [error] = answer.json()["errors"]
    assert error["message"] == "Variable $first of type Int! was provided invalid value"
    assert error["extensions"]["problems"]


def test_a_missing_required_argument_is_refused(shop):
    [error] = shop("query { order { id } }").json()["errors"]
    assert error["message"] == "Field 'order' is missing required arguments: id"


def test_the_document_is_executed_by_its_fields_not_its_name(shop):
    body = shop("query WhateverItIsCalled { shop { currencyCode } orders(first: 2) { nodes { legacyResourceId } } }"
                ).json()
    assert "errors" not in body
    assert set(body["data"]) == {"shop", "orders"}
    assert body["data"]["shop"] == {"currencyCode": body["data"]["shop"]["currencyCode"]}  # only what was asked
    assert all(set(node) == {"legacyResourceId"} for node in body["data"]["orders"]["nodes"])
    assert len(body["data"]["orders"]["nodes"]) == 2


def test_a_valid_field_the_sandbox_does_not_imitate_is_named(shop):
    [error] = shop("query { customers(first: 1) { nodes { id } } }").json()["errors"]
    assert error["extensions"]["code"] == "UNSUPPORTED_BY_SANDBOX"
    assert "customers" in error["message"]
