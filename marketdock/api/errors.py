"""The API's one error shape {code, message, fields[]} and the mapping of every refusal to it.

Messages are in the caller's language (Accept-Language: ko by default, en). A domain service's
refusal (FlowError, CatalogError, StockError, ShippingError, CollectionError) is the service's own
Korean sentence; bad input is 400/422, a state conflict 409, never a 500."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from marketdock.catalog.services import CatalogError
from marketdock.inventory.services import InsufficientStock, StockError
from marketdock.orders.services import CollectionError, FlowError
from marketdock.shipping.services import ShippingError

from .services import ApiKeyError, Refused


class FieldProblem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    fields: list[FieldProblem] = []


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or []


def not_found(what: str | None = None) -> ApiError:
    return ApiError(404, "not_found", what or _("찾을 수 없습니다."))


ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429)


def error_responses(ok: dict) -> dict:
    """The responses an operation declares: its own and every error status with the error shape."""
    return {**ok, **{code: ErrorOut for code in ERROR_STATUSES}}


def body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or []}


def _loc(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or "__all__"


def install(api) -> None:
    """Register the handlers on the NinjaAPI."""

    def respond(request, status, code, message, fields=None, headers=None):
        response = api.create_response(request, body(code, message, fields), status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    api.add_exception_handler(ApiError, lambda r, e: respond(r, e.status, e.code, e.message, e.fields))
    api.add_exception_handler(Refused, lambda r, e: respond(r, e.status, e.code, e.message, headers=e.headers))
    api.add_exception_handler(ValidationError, lambda r, e: respond(
        r, 422, "invalid", _("입력값이 올바르지 않습니다."),
        [{"field": _loc(x.get("loc", ())), "message": str(x.get("msg", ""))} for x in e.errors]))
    api.add_exception_handler(AuthenticationError, lambda r, e: respond(
        r, 401, "unauthorized", _("API 키가 없거나 올바르지 않습니다.")))
    api.add_exception_handler(Http404, lambda r, e: respond(r, 404, "not_found", _("찾을 수 없습니다.")))
    api.add_exception_handler(PermissionDenied, lambda r, e: respond(r, 403, "forbidden", str(e) or _("권한이 없습니다.")))
    api.add_exception_handler(HttpError, lambda r, e: respond(r, e.status_code, "error", str(e)))
    api.add_exception_handler(CatalogError, lambda r, e: respond(
        r, 422, "invalid", str(e), [{"field": f.field, "message": f.message} for f in e.errors]))
    api.add_exception_handler(InsufficientStock, lambda r, e: respond(r, 409, "insufficient_stock", str(e)))
    api.add_exception_handler(StockError, lambda r, e: respond(r, 422, "invalid", str(e)))
    api.add_exception_handler(FlowError, lambda r, e: respond(r, 409, "conflict", str(e)))
    api.add_exception_handler(ShippingError, lambda r, e: respond(r, 409, "conflict", str(e)))
    api.add_exception_handler(CollectionError, lambda r, e: respond(r, 409, "conflict", str(e)))
    api.add_exception_handler(ApiKeyError, lambda r, e: respond(
        r, 422, "invalid", str(e), [{"field": e.field, "message": str(e)}]))
