"""Inquiries against the sandbox marketplace over HTTP, per protocol: collect (idempotent, linked to
orders, the marketplace's own answers taken as the truth), answer through the outbox (the sandbox
holds the answer), edit where allowed, refusals recorded with the marketplace's message."""

from __future__ import annotations

import pytest

from marketdock.channels.connectors.models import RecordError
from marketdock.claims import services
from marketdock.claims.models import (
    ClaimQuarantine,
    ClaimRun,
    Inquiry,
    InquiryAnswer,
    InquiryKind,
    InquiryStatus,
)
from marketdock.outbox.models import OutboxMessage
from tests.factories.inquiries import inquiries_truth, inquiry_sandbox, sandbox_account
from tests.factories.orders import make_raw_order

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = {"naver-demo": {"qna": InquiryKind.PRODUCT, "inquiry": InquiryKind.ORDER},
         "coupang-demo": {"online": InquiryKind.PRODUCT, "callcenter": InquiryKind.CALLCENTER},
         "elevenst-demo": {"board": InquiryKind.PRODUCT}, "cafe24-demo": {"board": InquiryKind.PRODUCT}}


@pytest.fixture
def sandbox(monkeypatch):
    yield from inquiry_sandbox(monkeypatch)


def _send(company, inquiry, text, user=None):
    services.answer_send(company=company, inquiry=inquiry, text=text, user=user)
    inquiry.refresh_from_db()
    return inquiry


@pytest.mark.parametrize("code", ["naver-demo", "coupang-demo", "elevenst-demo", "cafe24-demo"])
def test_collection_brings_every_question_once_and_links_orders(company, sandbox, code):
    state, base = sandbox
    account = sandbox_account(company, base, code)
    truth = inquiries_truth(base, code)
    asked_order = next(q for q in truth.values() if q["order_no"])
    order = make_raw_order(account, no=asked_order["order_no"])
    run = services.inquiries_collect(account=account)
    assert run.status == ClaimRun.Status.SUCCEEDED and run.what == ClaimRun.What.INQUIRIES, run.error
    rows = {(i.channel_inquiry_id, i.kind): i for i in Inquiry.objects.filter(company=company)}
    ids = {qid: f"{qid}-{q['product_id']}" if code.startswith("elevenst") else f"6-{qid}" if code.startswith("cafe24")
           else qid for qid, q in truth.items()}
    assert set(rows) == {(ids[qid], KINDS[code][q["kind"]].value) for qid, q in truth.items()}
    linked = [i for i in rows.values() if i.channel_order_id == asked_order["order_no"]]
    assert linked and all(i.order_id == order.pk for i in linked)
    again = services.inquiries_collect(account=account)
    assert again.created == 0 and again.updated == 0 and again.unchanged == len(truth)
    assert Inquiry.objects.filter(company=company).count() == len(truth)


def test_an_answer_made_on_the_marketplace_screen_marks_the_inquiry_answered(company, sandbox):
    _state, base = sandbox
    account = sandbox_account(company, base, "naver-demo")
    services.inquiries_collect(account=account)
    truth = inquiries_truth(base, "naver-demo")
    seller_center = [qid for qid, q in truth.items() if q["answer"] and q["answer"]["via"] == "seller_center"]
    assert seller_center
    inquiry = Inquiry.objects.get(company=company, channel_inquiry_id=seller_center[0])
    assert inquiry.status == InquiryStatus.ANSWERED
    assert inquiry.answer_text == truth[seller_center[0]]["answer"]["text"]
    assert inquiry.events.filter(message__contains="쇼핑몰 화면").exists()


@pytest.mark.parametrize("code,kind", [("naver-demo", InquiryKind.PRODUCT), ("naver-demo", InquiryKind.ORDER),
                                       ("coupang-demo", InquiryKind.PRODUCT),
                                       ("coupang-demo", InquiryKind.CALLCENTER),
                                       ("elevenst-demo", InquiryKind.PRODUCT), ("cafe24-demo", InquiryKind.PRODUCT)])
def test_an_answer_sent_from_marketdock_is_held_by_the_sandbox(company, admin_user, sandbox, code, kind):
    _state, base = sandbox
    account = sandbox_account(company, base, code)
    services.inquiries_collect(account=account)
    inquiry = Inquiry.objects.filter(company=company, kind=kind, status=InquiryStatus.OPEN).first()
    inquiry = _send(company, inquiry, "안녕하세요. 내일 발송됩니다.", admin_user)
    assert inquiry.status == InquiryStatus.ANSWERED, inquiry.answers.last().error
    assert inquiry.answer_text == "안녕하세요. 내일 발송됩니다."
    question_no = inquiry.channel_inquiry_id.split("-")[1 if code.startswith("cafe24") else 0]
    held = inquiries_truth(base, code)[question_no]["answer"]
    assert held["text"] == "안녕하세요. 내일 발송됩니다." and held["via"] == "api"
    answer = inquiry.answers.get()
    assert answer.status == InquiryAnswer.Status.SENT and answer.user == admin_user
    # collecting again keeps it answered with the same text (the marketplace agrees)
    services.inquiries_collect(account=account)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answer_text == "안녕하세요. 내일 발송됩니다."


def test_coupang_transfer_is_confirmed_before_the_reply(company, sandbox):
    _state, base = sandbox
    account = sandbox_account(company, base, "coupang-demo")
    services.inquiries_collect(account=account)
    transfer = next(qid for qid, q in inquiries_truth(base, "coupang-demo").items()
                    if q["transfer"] and not q["answer"])
    inquiry = _send(company, Inquiry.objects.get(company=company, channel_inquiry_id=transfer), "확인했습니다.")
    assert inquiry.status == InquiryStatus.ANSWERED
    from tests.factories.sandbox import received
    assert [r["inquiry"] for r in received(base, "coupang-demo", "inquiry_confirm")] == [transfer]


@pytest.mark.parametrize("kind", [InquiryKind.PRODUCT, InquiryKind.ORDER])
def test_naver_answer_can_be_edited_and_the_sandbox_holds_the_new_text(company, sandbox, kind):
    _state, base = sandbox
    account = sandbox_account(company, base, "naver-demo")
    services.inquiries_collect(account=account)
    inquiry = Inquiry.objects.filter(company=company, kind=kind, status=InquiryStatus.OPEN).first()
    inquiry = _send(company, inquiry, "첫 답변")
    inquiry = _send(company, inquiry, "고친 답변")
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answer_text == "고친 답변"
    assert inquiries_truth(base, "naver-demo")[inquiry.channel_inquiry_id]["answer"]["text"] == "고친 답변"
    assert list(inquiry.answers.values_list("is_edit", flat=True)) == [False, True]


def test_coupang_answer_cannot_be_edited(company, sandbox):
    _state, base = sandbox
    account = sandbox_account(company, base, "coupang-demo")
    services.inquiries_collect(account=account)
    inquiry = _send(company, Inquiry.objects.filter(company=company, status=InquiryStatus.OPEN).first(), "답변")
    with pytest.raises(services.AnswerError, match="수정할 수 없습니다"):
        services.answer_send(company=company, inquiry=inquiry, text="수정", user=None)


def test_a_refusal_is_recorded_with_the_marketplace_message_and_can_be_retried(company, sandbox):
    _state, base = sandbox
    account = sandbox_account(company, base, "coupang-demo")
    services.inquiries_collect(account=account)
    already = next(qid for qid, q in inquiries_truth(base, "coupang-demo").items() if q["answer"])
    inquiry = Inquiry.objects.get(company=company, channel_inquiry_id=already)
    Inquiry.objects.filter(pk=inquiry.pk).update(status=InquiryStatus.OPEN)  # we believe it is still open
    inquiry = _send(company, inquiry, "중복 답변")
    assert inquiry.status == InquiryStatus.FAILED
    answer = inquiry.answers.get()
    assert answer.status == InquiryAnswer.Status.FAILED and "이미 답변이 등록된 문의" in answer.error
    message = OutboxMessage.objects.get(kind="inquiry_answer")
    assert message.status == OutboxMessage.Status.FAILED and "이미 답변" in message.last_error
    services.answer_retry(company=company, inquiry=inquiry, user=None)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.FAILED and inquiry.answers.count() == 2
    # the next collection shows the marketplace's answer: the truth wins
    services.inquiries_collect(account=account)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED


def test_unreadable_records_are_quarantined_and_the_run_is_partial(company, sandbox):
    _state, base = sandbox
    account = sandbox_account(company, base, "naver-demo")
    run = ClaimRun.objects.create(company=company, account=account, what=ClaimRun.What.INQUIRIES)
    from django.db import transaction
    with transaction.atomic():
        services.inquiries_ingest(account=account, items=[], run=run,
                                  errors=[RecordError(order_id="77", field="contents[0].createDate", message="날짜")])
    assert ClaimQuarantine.objects.get(company=company).record_id == "77"
    run.refresh_from_db()
    assert run.quarantined == 1


def test_a_sandbox_outage_fails_the_run_with_the_marketplace_message(company, sandbox):
    _state, base = sandbox
    from tests.factories.sandbox import set_faults
    set_faults(base, "naver-demo", error_500_every=1)
    account = sandbox_account(company, base, "naver-demo")
    run = services.inquiries_collect(account=account)
    assert run.status == ClaimRun.Status.FAILED and run.error
    assert not Inquiry.objects.filter(company=company).exists()
