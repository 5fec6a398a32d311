"""Typed connector errors. Every failure a marketplace client reports is one of these, so the
collector (next issue) can decide per class: re-authenticate, back off, retry later, or quarantine.

- AuthError         credentials/IP/token refused; carries the marketplace's own code and message
- RateLimited       throttled (429 / Shopify THROTTLED) beyond what the client retried itself
- TemporaryError    5xx, timeouts, connection failures after the limited retries
- MaintenanceError  scheduled maintenance (a TemporaryError): retry later
- BusinessError     a 4xx/business refusal with the marketplace's code and message
- MalformedPayload  the marketplace sent something we cannot read; names the field
- UnsupportedOperation  the marketplace has no such operation (e.g. Shopify 발주확인)

They subclass the outbox's delivery outcomes (marketdock.outbox.errors), so an outbox handler lets a
connector error through: RateLimited is Throttled, TemporaryError a TemporaryFailure, the rest fail.
"""

from __future__ import annotations

from marketdock.outbox.errors import DeliveryError, TemporaryFailure, Throttled


class ConnectorError(DeliveryError):
    """Base class. `marketplace` is "naver" | "coupang" | "shopify" (or "" when unknown)."""

    def __init__(self, message: str, *, marketplace: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.marketplace = marketplace

    def __str__(self) -> str:
        prefix = f"[{self.marketplace}] " if self.marketplace else ""
        return f"{prefix}{self.message}"


class AuthError(ConnectorError):
    """The marketplace refused our credentials; `code`/`message` are the marketplace's own."""

    def __init__(self, message: str, *, marketplace: str = "", code: str = "", status: int | None = None) -> None:
        super().__init__(message, marketplace=marketplace)
        self.code = code
        self.status = status


class RateLimited(ConnectorError, Throttled):
    def __init__(self, message: str, *, marketplace: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, marketplace=marketplace)
        self.retry_after = retry_after


class TemporaryError(ConnectorError, TemporaryFailure):
    def __init__(self, message: str, *, marketplace: str = "", status: int | None = None) -> None:
        super().__init__(message, marketplace=marketplace)
        self.status = status


class MaintenanceError(TemporaryError):
    """The marketplace is in scheduled maintenance (11st result_code -1000, every Friday early
    morning): nothing is wrong with the request; retry after `retry_after` seconds."""

    def __init__(self, message: str, *, marketplace: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, marketplace=marketplace)
        self.retry_after = retry_after


class BusinessError(ConnectorError):
    def __init__(self, message: str, *, marketplace: str = "", code: str = "", status: int | None = None,
                 details: list | dict | None = None) -> None:
        super().__init__(message, marketplace=marketplace)
        self.code = code
        self.status = status
        self.details = details


class MalformedPayload(ConnectorError):
    """A field of a marketplace payload is missing or unreadable. `field` is a dotted path such as
    `productOrder.quantity` or `data[0].orderedAt`."""

    def __init__(self, field: str, reason: str, *, marketplace: str = "", value: object = None) -> None:
        text = f"'{field}' 필드를 읽을 수 없습니다: {reason}"
        if value is not None:
            text += f" (값: {str(value)[:80]!r})"
        super().__init__(text, marketplace=marketplace)
        self.field = field
        self.reason = reason
        self.value = value


class UnsupportedOperation(ConnectorError):
    pass
