"""Webhook endpoints: the receiver URL check (no private or loopback targets: SSRF), the secret, the
signature, and the events put in the outbox in the same transaction as the change that raised them.

Signature (docs/webhooks.md): header `X-Marketdock-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256 with the endpoint's secret over `"<t>." + raw body`. The receiver recomputes it, compares
in constant time and refuses a `t` older than 5 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.crypto import decrypt_credentials, encrypt_credentials
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_enqueue, outbox_retry

from ..models import SUBSCRIBABLE_EVENTS, WebhookEndpoint, WebhookEvent

SIGNATURE_HEADER = "X-Marketdock-Signature"
TOLERANCE_SECONDS = 300
MAX_ENDPOINTS = 10


# --- the receiver's address ----------------------------------------------------------------------------


def _allow_private() -> bool:
    return bool(getattr(settings, "MARKETDOCK_WEBHOOK_ALLOW_PRIVATE", False))


def url_problem(url: str, *, resolve=socket.getaddrinfo) -> str:
    """"" when marketdock may send to `url`, else a Korean reason. https only (http only to hosts the
    operator allows in MARKETDOCK_WEBHOOK_HTTP_HOSTS); every address the host resolves to must be a
    public one — private, loopback, link-local and reserved addresses are refused unless
    MARKETDOCK_WEBHOOK_ALLOW_PRIVATE is on (tests, the demo)."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return _("URL 형식이 올바르지 않습니다.")
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return _("https:// 로 시작하는 전체 주소를 입력하세요.")
    if parts.username or parts.password:
        return _("주소에 아이디·비밀번호를 넣을 수 없습니다.")
    http_hosts = set(getattr(settings, "MARKETDOCK_WEBHOOK_HTTP_HOSTS", []))
    try:
        infos = resolve(host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return _("주소(%(host)s)를 찾을 수 없습니다.") % {"host": host}
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    internal = [a for a in addresses if not a.is_global]
    if internal and not _allow_private():
        return _("내부망·루프백 주소(%(ip)s)로는 보낼 수 없습니다.") % {"ip": internal[0]}
    if parts.scheme == "http" and host not in http_hosts and not (internal and _allow_private()):
        return _("보안을 위해 https:// 주소만 쓸 수 있습니다.")
    return ""


# --- signing -------------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return decrypt_credentials(endpoint.secret_encrypted).get("secret", "")


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


# --- endpoints -----------------------------------------------------------------------------------------


def _clean(company, name: str, url: str, events, exclude_pk=None) -> tuple[str, str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    url = (url or "").strip()
    wanted = [e for e in SUBSCRIBABLE_EVENTS if e.value in set(events or ())]
    unknown = set(events or ()) - {e.value for e in SUBSCRIBABLE_EVENTS}
    if not name:
        errors["name"] = [_("이름을 입력하세요.")]
    problem = url_problem(url)
    if problem:
        errors["url"] = [problem]
    if unknown:
        errors["events"] = [_("알 수 없는 이벤트입니다: %(e)s") % {"e": ", ".join(sorted(unknown))}]
    elif not wanted:
        errors["events"] = [_("받을 이벤트를 하나 이상 고르세요.")]
    others = WebhookEndpoint.objects.filter(company=company).exclude(pk=exclude_pk)
    if exclude_pk is None and others.count() >= MAX_ENDPOINTS:
        errors.setdefault("__all__", []).append(_("웹훅은 %(n)s개까지 등록할 수 있습니다.") % {"n": MAX_ENDPOINTS})
    if errors:
        raise ValidationError(errors)
    return name, url, [e.value for e in wanted]


def webhook_create(*, company, name: str, url: str, events, user=None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned, also kept encrypted to sign)."""
    name, url, events = _clean(company, name, url, events)
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(company=company, name=name, url=url, events=events,
                                              secret_encrypted=encrypt_credentials({"secret": secret}),
                                              created_by=user if user and user.pk else None)
    return endpoint, secret


def webhook_update(*, endpoint: WebhookEndpoint, name: str, url: str, events, is_active: bool) -> WebhookEndpoint:
    endpoint.name, endpoint.url, endpoint.events = _clean(endpoint.company, name, url, events, exclude_pk=endpoint.pk)
    endpoint.is_active = bool(is_active)
    endpoint.save(update_fields=["name", "url", "events", "is_active"])
    return endpoint


def webhook_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    secret = _new_secret()
    endpoint.secret_encrypted = encrypt_credentials({"secret": secret})
    endpoint.save(update_fields=["secret_encrypted"])
    return secret


def webhook_delete(*, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        OutboxMessage.objects.filter(company=endpoint.company, lane=endpoint.lane).delete()
        endpoint.delete()


# --- events into the outbox ----------------------------------------------------------------------------


def envelope(company, event_type: str, data: dict, *, event_id: str = "") -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex}", "type": event_type,
            "created_at": timezone.now().isoformat(timespec="seconds"), "company": company.code, "data": data}


def events_enqueue(company, items: list[tuple[str, dict, str]]) -> int:
    """Put events [(type, data, ordering key)] in the outbox for every active endpoint that wants
    them, in the caller's transaction. Returns the number of messages."""
    if not items:
        return 0
    endpoints = [e for e in WebhookEndpoint.objects.filter(company=company, is_active=True)]
    n = 0
    for event_type, data, ordering in items:
        for endpoint in endpoints:
            if event_type in endpoint.events:
                _enqueue(endpoint, envelope(company, event_type, data), ordering)
                n += 1
    return n


def _enqueue(endpoint: WebhookEndpoint, event: dict, ordering: str = "", suffix: str = "") -> OutboxMessage:
    reference = ordering if ordering.startswith("order:") else ""
    message, _created = outbox_enqueue(
        company=endpoint.company, lane=endpoint.lane, kind="webhook", key=f"webhook:{endpoint.pk}:{event['id']}{suffix}",
        payload={"endpoint": endpoint.pk, "event": event}, reference=reference, ordering_key=ordering)
    return message


def webhook_send_test(*, endpoint: WebhookEndpoint) -> OutboxMessage:
    """A "webhook.test" event to this endpoint only (whatever events it chose)."""
    with transaction.atomic():
        return _enqueue(endpoint, envelope(endpoint.company, WebhookEvent.TEST.value,
                                           {"message": "marketdock webhook test"}))


def webhook_redeliver(*, endpoint: WebhookEndpoint, message: OutboxMessage) -> str:
    """Send an event again: a failed or given-up one is retried; a delivered one is sent once more as
    a new delivery of the same event (same event id, so the receiver can tell it already has it)."""
    if message.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD):
        outbox_retry(company=endpoint.company, message_ids=[message.pk])
        return _("다시 보냅니다.")
    if message.status != OutboxMessage.Status.SENT:
        return _("아직 전송 중인 이벤트입니다. 잠시 뒤에 확인하세요.")
    with transaction.atomic():
        count = OutboxMessage.objects.filter(company=endpoint.company, lane=endpoint.lane,
                                             key__startswith=message.key).count()
        _enqueue(endpoint, message.payload["event"], message.ordering_key, suffix=f":r{count}")
    return _("같은 이벤트를 한 번 더 보냅니다.")


def event_body(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
