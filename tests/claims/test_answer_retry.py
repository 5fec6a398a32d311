"""An inquiry answer whose first delivery reached the marketplace but whose reply was lost (a timeout)
is sent again by the outbox; the marketplace refuses the second one (Coupang "이미 답변이 등록된
문의입니다", Naver ERR-NC-101006). Found by `marketdock bench claims` at 2,000 orders: the answer stood
as failed although the marketplace held it. The retry now re-reads the inquiry and counts the answer as
delivered when the marketplace holds this very text — and keeps the refusal when it holds another."""

from __future__ import annotations

import pytest

from marketdock.claims import services
from marketdock.claims.models import Inquiry, InquiryAnswer, InquiryKind, InquiryStatus
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_deliver_due
from tests.factories.claims import outbox_answer_lost
from tests.factories.inquiries import inquiry_sandbox, sandbox_account

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "안녕하세요. 내일 발송됩니다."


@pytest.fixture
def sandbox(monkeypatch):
    yield from inquiry_sandbox(monkeypatch)


def _answered_once(company, base, code, kind):
    account = sandbox_account(company, base, code)
    services.inquiries_collect(account=account)
    inquiry = Inquiry.objects.filter(company=company, kind=kind, status=InquiryStatus.OPEN).first()
    services.answer_send(company=company, inquiry=inquiry, text=TEXT, user=None)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED
    return inquiry


@pytest.mark.parametrize(("code", "kind"), [("naver-demo", InquiryKind.ORDER), ("coupang-demo", InquiryKind.PRODUCT)])
def test_a_resent_answer_the_marketplace_already_holds_is_delivered(company, sandbox, code, kind):
    _state, base = sandbox
    inquiry = _answered_once(company, base, code, kind)
    message = outbox_answer_lost(inquiry)

    outbox_deliver_due()

    message.refresh_from_db()
    inquiry.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 2, message.last_error
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answer_text == TEXT
    assert inquiry.answers.get().status == InquiryAnswer.Status.SENT


def test_a_resent_answer_refused_over_another_text_stays_refused(company, sandbox):
    _state, base = sandbox
    inquiry = _answered_once(company, base, "coupang-demo", InquiryKind.PRODUCT)
    message = outbox_answer_lost(inquiry, text="다른 답변")

    outbox_deliver_due()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED and "이미 답변이 등록된" in message.last_error


def test_a_resent_answer_whose_re_read_fails_is_sent_again_later(company, sandbox, monkeypatch):
    from marketdock.channels.connectors.coupang import CoupangConnector
    from marketdock.channels.connectors.errors import TemporaryError

    def down(self, window, cursor=None):
        raise TemporaryError("503 Service Unavailable")

    _state, base = sandbox
    inquiry = _answered_once(company, base, "coupang-demo", InquiryKind.PRODUCT)
    message = outbox_answer_lost(inquiry)
    monkeypatch.setattr(CoupangConnector, "fetch_inquiries", down)

    outbox_deliver_due()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 2  # not given up
    assert "다시 확인하지 못했습니다" in message.last_error
