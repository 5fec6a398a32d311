"""Delivering one webhook event (the outbox's "webhook" kind) and logging every attempt.

Outcomes (the outbox decides by exception): a 2xx answer is delivered; 429 waits for Retry-After;
any other answer, a timeout or a refused connection is retried with backoff and given up ("dead")
after the outbox's MAX_ATTEMPTS; an endpoint deleted, paused or pointing at an address marketdock may
not call fails at once (a person fixes it and sends again)."""

from __future__ import annotations

import time

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.outbox.errors import DeliveryError, TemporaryFailure, Throttled
from marketdock.outbox.models import OutboxMessage

from ..models import WebhookDelivery, WebhookEndpoint
from .webhooks import SIGNATURE_HEADER, endpoint_secret, event_body, sign, url_problem

TIMEOUT_SECONDS = 10.0
EXCERPT = 500


class WebhookRefused(DeliveryError):
    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message, self.code = message, code


class WebhookRetry(TemporaryFailure):
    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message, self.code = message, code


class WebhookThrottled(Throttled):
    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.message, self.code, self.retry_after = message, "429", retry_after


def _log(endpoint, message, **fields) -> None:
    WebhookDelivery.objects.create(company_id=message.company_id, endpoint=endpoint, message=message,
                                   event=message.payload.get("event", {}).get("type", "")[:40],
                                   attempt=message.attempts, at=timezone.now(), **fields)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def deliver_webhook(message: OutboxMessage) -> dict:
    endpoint = WebhookEndpoint.objects.filter(pk=message.payload.get("endpoint"), company_id=message.company_id).first()
    if endpoint is None:
        raise WebhookRefused(_("웹훅이 삭제되어 보내지 않았습니다."))
    if not endpoint.is_active:
        _log(endpoint, message, error=_("사용 중지된 웹훅입니다."))
        raise WebhookRefused(_("사용 중지된 웹훅이라 보내지 않았습니다."))
    problem = url_problem(endpoint.url)  # checked again at each send: the host may resolve elsewhere now
    if problem:
        _log(endpoint, message, error=problem[:500])
        raise WebhookRefused(problem)
    event = message.payload["event"]
    body = event_body(event)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "marketdock-webhook/1",
               "X-Marketdock-Event": event["type"], "X-Marketdock-Event-Id": event["id"],
               "X-Marketdock-Delivery": f"{message.pk}-{message.attempts}",
               SIGNATURE_HEADER: sign(endpoint_secret(endpoint), int(time.time()), body)}
    started = time.perf_counter()
    try:
        response = httpx.post(endpoint.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS,
                              follow_redirects=False)
    except httpx.HTTPError as exc:
        ms = int((time.perf_counter() - started) * 1000)
        text = _("연결 실패: %(error)s") % {"error": exc.__class__.__name__}
        _log(endpoint, message, error=text[:500], duration_ms=ms)
        raise WebhookRetry(text) from None
    ms = int((time.perf_counter() - started) * 1000)
    ok = 200 <= response.status_code < 300
    _log(endpoint, message, ok=ok, status_code=response.status_code, duration_ms=ms,
         response_excerpt=response.text[:EXCERPT])
    if ok:
        return {"status": response.status_code, "ms": ms}
    text = _("수신 서버가 %(code)s 로 응답했습니다.") % {"code": response.status_code}
    if response.status_code == 429:
        raise WebhookThrottled(text, _retry_after(response))
    raise WebhookRetry(text, str(response.status_code))
