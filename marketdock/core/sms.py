"""SMS provider interface (SYS-3, CS-4). A backend implements `send(to=, text=, sender=)` and answers
an `SmsResult` (the provider's message id, or its error); the SMS_BACKEND setting chooses it.

- `LogSmsBackend` (the default): appends each message to ./var/sms.log with the number masked.
- `MemorySmsBackend`: keeps messages in memory (tests).
- `SolapiSmsBackend`: SOLAPI (solapi.com, formerly CoolSMS), a Korean SMS provider, over its REST API.

The sender (발신번호) is required: Korean law lets only a registered, verified number send. Callers that
send for a company pass its verified `claims.SmsSender`; system messages (password codes) use
SMS_SENDER. No backend writes a full recipient number anywhere but to the provider itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .masking import mask_phone
from .validators import normalize_phone

logger = logging.getLogger(__name__)


@dataclass
class SmsResult:
    ok: bool
    message_id: str = ""  # the provider's id of the accepted message
    error: str = ""  # the provider's reason, when not accepted
    provider: str = ""


class BaseSmsBackend:
    name = ""

    def send(self, *, to: str, text: str, sender: str) -> SmsResult:
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    """Appends each message as a JSON line to ./var/sms.log (demo and development); the recipient is
    written masked (010-1234-****), never in full."""

    name = "log"

    def send(self, *, to: str, text: str, sender: str) -> SmsResult:
        path = settings.VAR_DIR / "sms.log"
        message_id = f"log-{secrets.token_hex(8)}"
        record = {"at": timezone.now().isoformat(), "id": message_id, "to": mask_phone(to) or "****",
                  "from": sender, "text": text}
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        logger.info("SMS to %s logged", record["to"])
        return SmsResult(ok=True, message_id=message_id, provider=self.name)


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in `outbox` (tests)."""

    name = "memory"
    outbox: list[dict] = []

    def send(self, *, to: str, text: str, sender: str) -> SmsResult:
        MemorySmsBackend.outbox.append({"to": to, "text": text, "from": sender})
        return SmsResult(ok=True, message_id=str(len(MemorySmsBackend.outbox)), provider=self.name)


# --- SOLAPI ------------------------------------------------------------------------------------------
#
# Public documentation (solapi/documents, published at docs.solapi.com):
# - Authentication, https://docs.solapi.com/authentication/api-key :
#     Authorization: HMAC-SHA256 apiKey=<API Key>, date=<ISO 8601>, salt=<12-64 random chars>, signature=<hex>
#   where signature = HMAC-SHA256(key=API Secret, data=date + salt). The date must be within ±15 min of
#   the server's clock (RequestTimeTooSkewed) and a signature may be used once (DuplicatedSignature);
#   both are 403 answers.
# - Single message, https://docs.solapi.com/api-reference/messages/sendsimplemessage :
#     POST https://api.solapi.com/messages/v4/send  {"message": {"to", "from", "text"}}
#   → 200 {"groupId", "messageId", "statusCode": "2000", "statusMessage": "정상 접수(이통사로 접수 예정)", ...}
#   A statusCode other than "2000" means the message was not accepted.
# - Errors: 4xx with {"errorCode": "ValidationError", "errorMessage": "..."}.

SOLAPI_ACCEPTED = "2000"


def solapi_authorization(api_key: str, api_secret: str, date: str, salt: str) -> str:
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


class SolapiSmsBackend(BaseSmsBackend):
    """SOLAPI over httpx. Settings: SOLAPI_API_KEY, SOLAPI_API_SECRET, SOLAPI_BASE_URL (default
    https://api.solapi.com), SOLAPI_TIMEOUT seconds. `transport` and `clock`/`salt` are for tests."""

    name = "solapi"

    def __init__(self, *, transport: httpx.BaseTransport | None = None, clock: Callable[[], datetime] | None = None,
                 salt: Callable[[], str] | None = None):
        self.api_key = getattr(settings, "SOLAPI_API_KEY", "")
        self.api_secret = getattr(settings, "SOLAPI_API_SECRET", "")
        self.base_url = getattr(settings, "SOLAPI_BASE_URL", "https://api.solapi.com").rstrip("/")
        self.timeout = float(getattr(settings, "SOLAPI_TIMEOUT", 10))
        self.transport = transport
        self.clock = clock or (lambda: datetime.now(UTC))
        self.salt = salt or (lambda: secrets.token_hex(16))

    def authorization(self) -> str:
        date = self.clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return solapi_authorization(self.api_key, self.api_secret, date, self.salt())

    def send(self, *, to: str, text: str, sender: str) -> SmsResult:
        if not (self.api_key and self.api_secret):
            return SmsResult(ok=False, error="SOLAPI_API_KEY / SOLAPI_API_SECRET 설정이 없습니다.", provider=self.name)
        body = {"message": {"to": normalize_phone(to), "from": normalize_phone(sender), "text": text}}
        headers = {"Authorization": self.authorization(), "Content-Type": "application/json"}
        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout) as client:
                response = client.post(f"{self.base_url}/messages/v4/send", json=body, headers=headers)
        except httpx.HTTPError as exc:
            return SmsResult(ok=False, error=f"연결 실패: {exc.__class__.__name__}", provider=self.name)
        return self._result(response)

    def _result(self, response: httpx.Response) -> SmsResult:
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if response.status_code >= 400:
            code = str(data.get("errorCode") or f"HTTP {response.status_code}")
            message = str(data.get("errorMessage") or "")
            return SmsResult(ok=False, error=f"{code}: {message}".strip(": ")[:500], provider=self.name)
        status = str(data.get("statusCode") or "")
        if status != SOLAPI_ACCEPTED:
            reason = str(data.get("statusMessage") or "")
            return SmsResult(ok=False, message_id=str(data.get("messageId") or ""),
                             error=f"{status or '-'}: {reason}".strip(": ")[:500], provider=self.name)
        return SmsResult(ok=True, message_id=str(data.get("messageId") or ""), provider=self.name)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, text: str, sender: str = "") -> SmsResult:
    """Send one message through the configured backend; `sender` defaults to SMS_SENDER (system
    messages). A backend's unexpected error comes back as a failed result, never raised."""
    sender = sender or getattr(settings, "SMS_SENDER", "")
    backend = get_sms_backend()
    try:
        result = backend.send(to=to, text=text, sender=sender)
    except Exception as exc:  # noqa: BLE001 - any provider failure is one failed message, said plainly
        logger.warning("SMS backend %s failed: %s", backend.__class__.__name__, exc.__class__.__name__)
        return SmsResult(ok=False, error=exc.__class__.__name__, provider=getattr(backend, "name", ""))
    if not result.provider:
        result.provider = getattr(backend, "name", "") or backend.__class__.__name__
    return result
