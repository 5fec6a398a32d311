"""An inquiry arrives from the sandbox marketplace → the inbox shows it with its age → the detail shows
the suggested answer (from the company's past answers) → choosing it fills the editor → the user
edits and sends → the sandbox holds the edited answer. Screenshot: var/screenshots/inbox.png."""

from __future__ import annotations

import pytest

from marketdock.claims import services
from marketdock.claims.models import Inquiry, InquiryKind, InquiryStatus
from tests.factories.core import PASSWORD
from tests.factories.inquiries import (
    inquiries_truth,
    inquiry_sandbox,
    make_inquiry,
    make_sent_answer,
    sandbox_account,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(monkeypatch):
    yield from inquiry_sandbox(monkeypatch, seed=7, initial_orders=16)


def test_inquiry_suggestion_edit_send_reaches_the_sandbox(page, login, screenshot, company, admin_user, sandbox):
    _state, base = sandbox
    account = sandbox_account(company, base, "naver-demo")
    services.inquiries_collect(account=account)
    inquiry = Inquiry.objects.filter(company=company, kind=InquiryKind.ORDER, status=InquiryStatus.OPEN).first()
    assert inquiry is not None, "the sandbox's stream has an open order inquiry"
    past = make_inquiry(account, body=inquiry.body, channel_inquiry_id="PAST-1")
    make_sent_answer(past, "안녕하세요. 확인 후 바로 안내드리겠습니다.")

    login(page, admin_user.username, PASSWORD)
    page.goto("/claims/inquiries/?unanswered=1")
    row = page.locator(f"tr[data-inquiry='{inquiry.pk}']")
    assert row.locator("[data-testid=age-badge]").is_visible()
    screenshot(page, "inbox", full_page=False)
    row.locator("a").first.click()
    page.wait_for_selector("[data-testid=suggestions]")
    assert "유사도" in page.locator("[data-testid=suggestions]").inner_text()
    page.locator("[data-testid=use-suggestion]").first.click()
    editor = page.locator("textarea[name=text]")
    assert editor.input_value() == "안녕하세요. 확인 후 바로 안내드리겠습니다."
    assert not inquiry.answers.exists()  # choosing the suggestion sent nothing
    editor.fill(editor.input_value() + " 내일 발송됩니다.")
    page.click("[data-testid=send-answer]")
    page.wait_for_selector("[data-testid=channel-answer]")
    expected = "안녕하세요. 확인 후 바로 안내드리겠습니다. 내일 발송됩니다."
    assert page.locator("[data-testid=channel-answer]").inner_text() == expected
    assert inquiries_truth(base, "naver-demo")[inquiry.channel_inquiry_id]["answer"]["text"] == expected
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answers.get().suggested_score > 0
