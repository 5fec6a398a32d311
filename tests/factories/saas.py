"""The service side: a local webhook receiver (a tiny http.server thread), webhook endpoints, the
outbox run at a given time, and rows holding a buyer's personal data in every app that copies it
(packages, history, claims, inquiries, SMS log) for the purge tests."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import transaction
from django.utils import timezone

from marketdock.claims.models import Claim, ClaimType, Inquiry, InquiryKind, SmsMessage
from marketdock.core.masking import mask_phone
from marketdock.orders import events
from marketdock.orders.models import EventKind, Order
from marketdock.outbox.services import outbox_deliver_due, outbox_lanes_due
from marketdock.saas import services
from marketdock.shipping.models import Package, PackageOrder


class Receiver:
    """A local HTTP receiver. `fail` answers (status codes) are used first, one per request; then 200.
    `requests` keeps (headers, body bytes) of every request, in arrival order; `answers` the status
    given to each."""

    def __init__(self, fail: list[int] | None = None):
        self.fail = list(fail or [])
        self.requests: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.fail.pop(0) if receiver.fail else 200
                receiver.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def events(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.requests]

    def accepted(self) -> list[dict]:
        """The events this receiver answered 200 (what it processed)."""
        return [e for e, status in zip(self.events(), self.answers, strict=True) if status == 200]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def make_webhook(company, url: str, events_=("order.created", "order.status_changed", "order.cancelled",
                                              "shipment.shipped", "stock.changed")):
    """(endpoint, secret) through the service (private targets must be allowed by the test)."""
    return services.webhook_create(company=company, name="ERP 연동", url=url, events=list(events_))


def deliver(*, minutes: float = 0) -> dict:
    """Run the outbox's webhook lanes as the worker would, `minutes` from now (the marketplace
    messages of the same orders are left alone)."""
    now = timezone.now() + timedelta(minutes=minutes)
    counts: Counter = Counter()
    for lane in outbox_lanes_due(now=now):
        counts.update(outbox_deliver_due(now=now, lane=lane))
    return dict(counts)


def deliver_until_quiet(rounds: int = 12) -> None:
    """Run the outbox again and again, each time further in the future (past every backoff)."""
    for i in range(rounds):
        deliver(minutes=90 * (i + 1))


def personal_copies(order: Order, *, name: str, phone: str, address: str) -> None:
    """Copies of the buyer's data where the apps keep them: a package (합포장), the order history (an
    address change), a claim and an inquiry with the marketplace's raw payloads, an SMS log row."""
    company, line = order.company, order.lines.first()
    with transaction.atomic():
        package = Package.objects.create(company=company, account=order.account, recipient_name=name,
                                         recipient_phone=phone, recipient_address1=address,
                                         recipient_address2="101동 202호", address_key=address.replace(" ", ""),
                                         delivery_message="문 앞에 놓아주세요")
        PackageOrder.objects.create(company=company, package=package, order=order)
        events.record(company=company, order=order, kind=EventKind.ADDRESS, message=f"배송지 변경: {address}",
                      data={"old": {"recipient_address1": address}, "new": {"recipient_name": name}})
        Claim.objects.create(company=company, order=order, line=line, account=order.account, type=ClaimType.RETURN,
                             reason_text=f"{name} 고객 요청", raw={"requester": {"name": name, "phone": phone},
                                                                   "memo": f"{name} {phone}"})
        Inquiry.objects.create(company=company, account=order.account, channel_inquiry_id=f"Q-{order.pk}",
                               kind=InquiryKind.ORDER,
                               body=f"{name}입니다. {phone} 로 연락 주세요", buyer_name=name, buyer_id="buyer77",
                               order=order, asked_at=timezone.now(), raw={"writer": name, "contact": phone})
        SmsMessage.objects.create(company=company, sender_number="0212345678", to_masked=mask_phone(phone),
                                  to_name=name, text=f"{name}님 주문이 출고되었습니다.", order=order)


def age_order(order: Order, *, status: str, days: int) -> Order:
    """The order delivered or cancelled `days` ago (straight to the table: the purge reads the date)."""
    at = timezone.now() - timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(status=status, changed_at=at, shipped_at=at)
    order.lines.update(status=status)
    order.refresh_from_db()
    return order


def text_values(row) -> list[str]:
    """Every text and JSON value of a row as text (JSON with its Korean as it is)."""
    out = []
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        if isinstance(value, (dict, list)):
            out.append(json.dumps(value, ensure_ascii=False))
        elif isinstance(value, str):
            out.append(value)
    return out
