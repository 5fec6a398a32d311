"""The sandbox's GraphQL engine for the Shopify Admin API: every request is parsed and validated
against Shopify's published Admin schema for SCHEMA_VERSION (the introspection result Shopify
distributes in the npm package @shopify/dev-mcp, vendored under data/, ISC licence — see
data/README.md), its variables are coerced by the schema's types, and it is executed field by field,
so a response holds exactly the fields the document selected, with the schema's types.

What the document may ask is what the schema allows; the sandbox answers the root fields it imitates
(ROOT_FIELDS in sandbox/shopify.py) and refuses others with UNSUPPORTED_BY_SANDBOX. Refusals read as
Shopify's: an `errors` array with a message (Shopify's wording for unknown fields, missing arguments
and bad variables) and HTTP 200.

The schema is built once per process (~2 s, started in the background when the sandbox server
starts); `prepare` caches parsed, validated documents by text."""

from __future__ import annotations

import functools
import gzip
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_client_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

SCHEMA_VERSION = "2026-07"
SCHEMA_FILE = Path(__file__).with_name("data") / f"shopify_admin_{SCHEMA_VERSION}.json.gz"


_schema: GraphQLSchema | None = None
_schema_lock = threading.Lock()


def schema() -> GraphQLSchema:
    """Shopify's Admin schema, built once per process (the first caller builds, the others wait).
    `assume_valid`: Shopify's published schema deprecates some interface implementations' fields that
    the interface does not (graphql-core ≥ 3.3 would refuse the schema for it, Shopify's own server
    does not)."""
    global _schema
    if _schema is None:
        with _schema_lock:
            if _schema is None:
                with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as handle:
                    introspection = json.load(handle)
                _schema = build_client_schema(introspection.get("data", introspection), assume_valid=True)
    return _schema


def warm() -> None:
    """Build the schema in the background (the sandbox server calls this when it starts), so the first
    Shopify request does not wait the ~2 s it takes."""
    if _schema is None:
        threading.Thread(target=schema, name="shopify-schema", daemon=True).start()


@dataclass(frozen=True)
class Document:
    operation: OperationDefinitionNode
    document: Any  # DocumentNode

    @property
    def kind(self) -> str:
        return self.operation.operation.value  # "query" | "mutation"

    @property
    def root_fields(self) -> list[str]:
        return [s.name.value for s in self.operation.selection_set.selections if hasattr(s, "name")]


class Refused(Exception):
    """The request does not validate; `errors` are Shopify-shaped error objects."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


@functools.lru_cache(maxsize=256)
def _parsed(query: str, operation_name: str | None) -> Document | tuple[dict[str, Any], ...]:
    try:
        document = parse(query)
    except GraphQLError as exc:
        return (_shopify_error(exc),)
    errors = validate(schema(), document)
    if errors:
        return tuple(_shopify_error(e) for e in errors)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return ({"message": "An operation name is required" if operation_name is None
                 else f'No operation named "{operation_name}"', "extensions": {"code": "operationNotFound"}},)
    return Document(operation=operation, document=document)


def prepare(query: str, variables: dict[str, Any], operation_name: str | None = None) -> tuple[Document, dict]:
    """Parse, validate and coerce the variables; raises Refused as Shopify refuses."""
    parsed = _parsed(query, operation_name)
    if not isinstance(parsed, Document):
        raise Refused(list(parsed))
    coerced = get_variable_values(schema(), parsed.operation.variable_definitions or [], variables or {})
    if isinstance(coerced, list):
        raise Refused([_shopify_error(e) for e in coerced])
    return parsed, coerced


def run(document: Document, variables: dict[str, Any], root: dict[str, Any]) -> ExecutionResult:
    """Execute the document: each root field's value comes from `root` (a value or a callable
    `(info, **arguments)`), nested fields are read from the returned dicts by name (abstract types
    by their "__typename")."""
    return execute(schema(), document.document, root_value=root, variable_values=variables,
                   operation_name=document.operation.name.value if document.operation.name else None)


# --- Shopify's wording -------------------------------------------------------------------------

_UNDEFINED_FIELD = re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'")
_BAD_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)' (?:got invalid value (?P<value>.*?); |has invalid value: )"
                           r"(?P<why>.*)$", re.S)
_MISSING_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)' of (?:required|non-null) type '(?P<type>[^']+)' "
                               r"(?:was not provided|must not be null)")
_MISSING_ARGUMENT = re.compile(r"^(?:Field '(?P<field>\w+)' argument '(?P<arg>\w+)'|"
                               r"Argument '\w+\.(?P<field2>\w+)\((?P<arg2>\w+):\)') of type '[^']+' is required")


def _shopify_error(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's error → the shape and (for the common cases) the wording of Shopify's answer."""
    message = error.message
    extensions: dict[str, Any] = {}
    if found := _UNDEFINED_FIELD.match(message):
        message = f"Field '{found['field']}' doesn't exist on type '{found['type']}'"
        extensions = {"code": "undefinedField", "typeName": found["type"], "fieldName": found["field"]}
    elif found := _MISSING_ARGUMENT.match(message):
        field, argument = found["field"] or found["field2"], found["arg"] or found["arg2"]
        message = f"Field '{field}' is missing required arguments: {argument}"
        extensions = {"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": argument}
    elif found := _BAD_VARIABLE.match(message):
        name = found["name"]
        message = f"Variable ${name} of type {_variable_type(error, name)} was provided invalid value"
        extensions = {"value": found["value"] or None, "problems": [{"path": list(error.path or []),
                                                             "explanation": found["why"].strip()}]}
    elif found := _MISSING_VARIABLE.match(message):
        message = f"Variable ${found['name']} of type {found['type']} was provided invalid value"
        extensions = {"value": None, "problems": [{"path": [], "explanation": "Expected value to not be null"}]}
    else:
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    shaped["extensions"] = extensions
    return shaped


def _variable_type(error: GraphQLError, name: str) -> str:
    for node in error.nodes or []:
        variable = getattr(node, "variable", None)
        if variable is not None and variable.name.value == name and getattr(node, "type", None) is not None:
            return _type_text(node.type)
    return "?"


def _type_text(node: Any) -> str:
    kind = node.kind
    if kind == "non_null_type":
        return _type_text(node.type) + "!"
    if kind == "list_type":
        return f"[{_type_text(node.type)}]"
    return node.name.value


def execution_errors(result: ExecutionResult) -> list[dict[str, Any]]:
    """Errors raised while resolving (a value the schema does not allow, a refused argument)."""
    shaped = []
    for error in result.errors or []:
        item: dict[str, Any] = {"message": error.message}
        if error.locations:
            item["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        if error.path:
            item["path"] = list(error.path)
        original = error.original_error
        code = getattr(original, "code", None)
        item["extensions"] = {"code": code or "INTERNAL_SERVER_ERROR"}
        shaped.append(item)
    return shaped
