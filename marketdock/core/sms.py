"""SMS provider interface (SYS-3, CS-4). The log backend writes messages to ./var/sms.log; a real
provider implements `send` with its API and is chosen by the SMS_BACKEND setting."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class SmsResult:
    ok: bool
    message_id: str = ""
    error: str = ""


class BaseSmsBackend:
    def send(self, *, to: str, text: str, sender: str = "") -> SmsResult:
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    """Appends each message as a JSON line to ./var/sms.log (for demo and development)."""

    def send(self, *, to: str, text: str, sender: str = "") -> SmsResult:
        path = settings.VAR_DIR / "sms.log"
        record = {"at": timezone.now().isoformat(), "to": to, "from": sender, "text": text}
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        logger.info("SMS to %s logged", to[:3] + "****")
        return SmsResult(ok=True, message_id=record["at"])


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in `outbox` (tests)."""

    outbox: list[dict] = []

    def send(self, *, to: str, text: str, sender: str = "") -> SmsResult:
        MemorySmsBackend.outbox.append({"to": to, "text": text, "from": sender})
        return SmsResult(ok=True, message_id=str(len(MemorySmsBackend.outbox)))


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, text: str, sender: str = "") -> SmsResult:
    return get_sms_backend().send(to=to, text=text, sender=sender)
