"""Inquiries (CS-2): inquiries saved straight to the tables, sent answers and templates, and sandbox
shops connected to a company's channel account with the collection and delivery unthrottled."""

from __future__ import annotations

import itertools
from datetime import timedelta

import httpx
from django.utils import timezone

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.ratelimit import LocalRateLimiter, Rate
from marketdock.channels.models import ChannelAccount
from marketdock.claims.models import AnswerTemplate, Inquiry, InquiryAnswer, InquiryKind, InquiryStatus

_seq = itertools.count(1)


def make_inquiry(account, *, body="사이즈가 어떻게 되나요?", kind=InquiryKind.PRODUCT, status=InquiryStatus.OPEN,
                 order=None, asked_ago=timedelta(hours=1), due_in=timedelta(hours=47), **extra) -> Inquiry:
    asked = timezone.now() - asked_ago
    values = dict(company=account.company, account=account, channel_inquiry_id=f"Q{next(_seq):06d}", kind=kind,
                  status=status, body=body, asked_at=asked, due_at=asked + asked_ago + due_in, order=order,
                  channel_order_id=order.channel_order_id if order else "", buyer_name=order.buyer_name if order else "",
                  product_name="기모 트레이닝 팬츠")
    values.update(extra)
    return Inquiry.objects.create(**values)


def make_sent_answer(inquiry: Inquiry, text: str) -> InquiryAnswer:
    """A past answer the marketplace accepted (the inquiry answered with it)."""
    Inquiry.objects.filter(pk=inquiry.pk).update(status=InquiryStatus.ANSWERED, answer_text=text,
                                                 answered_at=timezone.now())
    return InquiryAnswer.objects.create(company=inquiry.company, inquiry=inquiry, text=text,
                                        status=InquiryAnswer.Status.SENT, sent_at=timezone.now())


def make_template(company, name="배송 안내", text="{구매자}님, {상품명}은 {택배사} {송장번호}로 발송되었습니다.",
                  **extra) -> AnswerTemplate:
    return AnswerTemplate.objects.create(company=company, name=name, text=text, **extra)


def sandbox_account(company, base: str, code: str) -> ChannelAccount:
    """A channel account of `company` holding sandbox shop `code`'s credentials."""
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == code)
    account = ChannelAccount(company=company, kind=info["protocol"], name=code, base_url=base)
    account.set_credentials(info["credentials"])
    account.save()
    if info["protocol"] == "cafe24":  # what the OAuth callback would have stored
        from marketdock.channels.demo import seed_sandbox_cafe24_tokens

        seed = httpx.get(f"{base}/_sandbox/shops").json()["seed"]
        seed_sandbox_cafe24_tokens(account, code, seed, access_valid=True)
    return account


def inquiry_sandbox(monkeypatch, *, seed: int = 5, initial_orders: int = 30):
    """A sandbox on a free port; inquiry collection and answer delivery run unthrottled. For a fixture:
    `yield from inquiry_sandbox(monkeypatch)` → (state, base)."""
    from marketdock.claims.services import inquiries
    from marketdock.orders.services import collection, effects
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=seed, order_rate=0, initial_orders=initial_orders)
    server, base = serve_in_thread(SandboxApp(state))
    options = lambda account: HttpOptions(  # noqa: E731
        limiter=LocalRateLimiter(), sleep=lambda s: None, rate=Rate(1000, 1000), timeout=httpx.Timeout(5.0))
    for module in (inquiries, collection, effects):
        monkeypatch.setattr(module, "connector_options", options)
    try:
        yield state, base
    finally:
        server.shutdown()
        server.server_close()


def inquiries_truth(base: str, code: str) -> dict[str, dict]:
    """The questions shop `code` holds with their answers, by question id."""
    return {q["id"]: q for q in httpx.get(f"{base}/_sandbox/shops/{code}/inquiries").json()["inquiries"]}
