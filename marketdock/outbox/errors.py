"""How an outbox handler says its delivery went, by the exception it raises.

The outbox sits beside core and knows no marketplace: the channels app's connector errors subclass
these (RateLimited is a Throttled, TemporaryError a TemporaryFailure, every other ConnectorError a
DeliveryError), so a handler can let a connector's error through as it is.

- Throttled         → retried after `retry_after` (or backoff); the account's other claimed messages wait
- TemporaryFailure  → retried with exponential backoff + jitter; "dead" after MAX_ATTEMPTS
- any other DeliveryError → "failed" with its message (and `code`, when it has one), never retried by
  itself: a person fixes the cause and retries
- any other exception (a bug) → retried like a temporary failure, so nothing is lost silently
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A delivery the receiving side refused or could not take. `message` is shown to the seller."""

    message: str = ""
    code: str = ""


class Throttled(DeliveryError):
    """The receiving side asks us to slow down; `retry_after` seconds when it said so."""

    retry_after: float | None = None


class TemporaryFailure(DeliveryError):
    """Worth trying again later (5xx, timeouts, maintenance)."""
