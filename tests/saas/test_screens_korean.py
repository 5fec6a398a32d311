"""The new screens speak Korean: no event type, delivery state, plan or company-state code in the
visible text (the signature recipe's code block is shown as code on purpose)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marketdock.core.models import CompanyStatus, Plan, User
from marketdock.outbox.models import OutboxMessage
from marketdock.saas.models import WebhookEvent
from marketdock.saas.services import company_terminate, webhook_send_test
from tests.factories.core import login_client, make_company
from tests.factories.saas import Receiver, deliver, make_webhook

pytestmark = pytest.mark.django_db

CODES = set(WebhookEvent.values) | set(OutboxMessage.Status.values) | set(Plan.values) | set(CompanyStatus.values)


def _visible(html: str) -> str:
    html = re.sub(r"<(pre|script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def _raw_codes(html: str) -> set[str]:
    text = _visible(html)
    return {c for c in CODES if re.search(rf"(?<![\w.@/-]){re.escape(c)}(?![\w.@/-])", text)}


def test_saas_screens_show_no_raw_codes(admin_client, company, settings):
    settings.MARKETDOCK_WEBHOOK_ALLOW_PRIVATE = True
    with Receiver(fail=[500]) as rx:
        endpoint, _secret = make_webhook(company, rx.url)
        webhook_send_test(endpoint=endpoint)
        webhook_send_test(endpoint=endpoint)
        deliver()
    company_terminate(company=make_company("bye", "bye_admin"))
    operator = login_client(User.objects.create_superuser("root-op", "r@example.com", "Root-pass-1234"))
    pages = [admin_client.get(reverse(name, args=args)).content.decode() for name, args in (
        ("saas:webhooks", []), ("saas:webhook_detail", [endpoint.pk]), ("saas:usage", []), ("home", []))]
    pages += [operator.get(reverse("saas:operator_companies")).content.decode(),
              operator.get(reverse("saas:operator_company", args=[company.pk])).content.decode()]
    for html in pages:
        assert _raw_codes(html) == set()
    assert "테스트 이벤트" in pages[1] and "전송완료" in pages[1] and "해지" in pages[4]
