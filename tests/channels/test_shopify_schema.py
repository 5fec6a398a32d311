"""Every GraphQL document the Shopify connector can send validates against Shopify's published Admin
schema for the pinned API version (the same schema the sandbox validates requests with): a field
renamed or removed by Shopify fails here, not at a seller's shop."""

import pkgutil
import re
from importlib import import_module
from pathlib import Path

import pytest
from graphql import parse, validate

from marketdock.channels.connectors import shopify
from marketdock.sandbox import shopify_graphql


def _modules():
    yield shopify
    for info in pkgutil.iter_modules(shopify.__path__):
        yield import_module(f"{shopify.__name__}.{info.name}")


def connector_documents() -> dict[str, str]:
    found = {}
    for module in _modules():
        for name, value in vars(module).items():
            if isinstance(value, str) and re.match(r"\s*(query|mutation)\b", value):
                found[name] = value
    return found


DOCUMENTS = connector_documents()


def test_the_sandbox_schema_is_the_pinned_api_version():
    assert shopify_graphql.SCHEMA_VERSION == shopify.API_VERSION
    assert shopify_graphql.SCHEMA_FILE.exists()


def test_every_document_the_connector_sends_is_a_module_constant():
    sent = set()
    for path in Path(shopify.__file__).parent.glob("*.py"):
        sent |= set(re.findall(r"_graphql\(\s*([A-Z_]+)\b", path.read_text()))
    assert sent, "no _graphql calls found"
    assert sent <= set(DOCUMENTS), f"documents sent but not collected here: {sorted(sent - set(DOCUMENTS))}"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_connector_document_validates_against_the_pinned_admin_schema(name):
    errors = validate(shopify_graphql.schema(), parse(DOCUMENTS[name]))
    assert not errors, f"{name}: {[e.message for e in errors]}"


def test_an_invalid_document_is_caught_by_the_same_check():
    broken = DOCUMENTS["ORDER_QUERY"].replace("legacyResourceId", "legacyResourceIdentifier", 1)
    assert validate(shopify_graphql.schema(), parse(broken))
