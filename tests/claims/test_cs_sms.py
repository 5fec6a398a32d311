"""문자 발송 (CS-4): the SOLAPI adapter against httpx.MockTransport, the log backend never writing a
full number, verified senders only, per-recipient results, and no full buyer number after sending in
the message log, the claim/inquiry history or the log file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from django.core.exceptions import ValidationError

from marketdock.claims.models import ClaimEvent, InquiryEvent, SmsMessage, SmsSender
from marketdock.claims.services import (
    sender_confirm,
    sender_register,
    sms_to_claim,
    sms_to_inquiry,
    sms_to_orders,
)
from marketdock.core.sms import (
    LogSmsBackend,
    MemorySmsBackend,
    SolapiSmsBackend,
    send_sms,
    solapi_authorization,
)
from tests.factories.channels import make_account
from tests.factories.cs import make_account_claim, make_sender
from tests.factories.inquiries import make_inquiry
from tests.factories.orders import make_raw_order

pytestmark = pytest.mark.django_db

BUYER = "010-4321-8765"
BUYER_DIGITS = "01043218765"


def _solapi(handler, settings):
    settings.SOLAPI_API_KEY, settings.SOLAPI_API_SECRET = "test-key", "test-secret"
    settings.SOLAPI_BASE_URL = "https://api.solapi.com"
    return SolapiSmsBackend(transport=httpx.MockTransport(handler),
                            clock=lambda: datetime(2026, 10, 8, tzinfo=UTC), salt=lambda: "abc123")


def test_solapi_signature_matches_the_published_algorithm():
    # HMAC-SHA256(secret, date + salt) in hex; this vector was computed independently (Node crypto)
    assert solapi_authorization("test-key", "test-secret", "2026-10-08T00:00:00.000Z", "abc123") == (
        "HMAC-SHA256 apiKey=test-key, date=2026-10-08T00:00:00.000Z, salt=abc123, "
        "signature=01ed74b1a957a9670695979fd98b45116ee25697ed1ec792422ae5dc0dac1ac7")


def test_solapi_send_posts_the_message_and_reads_the_message_id(settings):
    seen = {}

    def handler(request: httpx.Request):
        seen["url"], seen["auth"] = str(request.url), request.headers["Authorization"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json={"groupId": "G4V1", "messageId": "M4V20200909142323TVYRX0MQPPPXD3W",
                                         "statusCode": "2000", "statusMessage": "정상 접수(이통사로 접수 예정) ",
                                         "to": BUYER_DIGITS, "from": "0212345678", "type": "SMS"})

    result = _solapi(handler, settings).send(to=BUYER, text="안녕하세요", sender="02-1234-5678")
    assert result.ok and result.message_id == "M4V20200909142323TVYRX0MQPPPXD3W" and result.provider == "solapi"
    assert seen["url"] == "https://api.solapi.com/messages/v4/send"
    assert seen["body"] == {"message": {"to": BUYER_DIGITS, "from": "0212345678", "text": "안녕하세요"}}
    assert seen["auth"].endswith("signature=01ed74b1a957a9670695979fd98b45116ee25697ed1ec792422ae5dc0dac1ac7")


def test_solapi_error_body_is_the_failure_reason(settings):
    def handler(request):
        return httpx.Response(400, json={"errorCode": "ValidationError", "errorMessage": "발신번호가 등록되지 않았습니다."})

    result = _solapi(handler, settings).send(to=BUYER, text="x", sender="0212345678")
    assert not result.ok and result.error == "ValidationError: 발신번호가 등록되지 않았습니다."


def test_solapi_not_accepted_status_is_a_failure(settings):
    def handler(request):
        return httpx.Response(200, json={"messageId": "M1", "statusCode": "3059", "statusMessage": "변작된 발신번호"})

    result = _solapi(handler, settings).send(to=BUYER, text="x", sender="0212345678")
    assert not result.ok and "3059" in result.error and "변작된 발신번호" in result.error


def test_solapi_auth_refusal_and_network_error(settings):
    refused = _solapi(lambda r: httpx.Response(403, json={"errorCode": "SignatureDoesNotMatch",
                                                          "errorMessage": "signature mismatch"}), settings)
    assert refused.send(to=BUYER, text="x", sender="0212345678").error.startswith("SignatureDoesNotMatch")

    def down(request):
        raise httpx.ConnectError("down")

    result = _solapi(down, settings).send(to=BUYER, text="x", sender="0212345678")
    assert not result.ok and "ConnectError" in result.error


def test_log_backend_never_writes_the_full_number(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "marketdock.core.sms.LogSmsBackend"
    result = send_sms(to=BUYER, text="배송이 시작되었습니다", sender="0212345678")
    assert result.ok and result.provider == "log"
    written = (tmp_path / "sms.log").read_text(encoding="utf-8")
    assert "010-4321-****" in written and BUYER_DIGITS not in written and "4321-8765" not in written
    assert LogSmsBackend.name == "log"


def test_sender_must_be_verified_with_the_code_it_received(company):
    sender = sender_register(company=company, number="02-555-1234", label="CS")
    code = MemorySmsBackend.outbox[-1]["text"].split("인증번호는 ")[1][:6]
    assert MemorySmsBackend.outbox[-1]["to"] == "025551234"
    order = make_raw_order(make_account(company), buyer_phone=BUYER)
    with pytest.raises(ValidationError, match="인증하지 않은 발신번호"):
        sms_to_orders(company=company, user=None, text="안녕하세요", orders=[order], sender=sender)
    assert not SmsMessage.objects.exists()
    with pytest.raises(ValidationError, match="맞지 않습니다"):
        sender_confirm(sender=sender, code="000000" if code != "000000" else "111111")
    sender_confirm(sender=sender, code=code)
    sender.refresh_from_db()
    assert sender.verified_at and sender.is_default and not sender.code_hash


def test_wrong_codes_lock_the_code(company):
    sender = sender_register(company=company, number="02-555-1234")
    code = MemorySmsBackend.outbox[-1]["text"].split("인증번호는 ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError):
            sender_confirm(sender=sender, code=wrong)
    with pytest.raises(ValidationError, match="너무 많이"):
        sender_confirm(sender=sender, code=code)
    assert SmsSender.objects.get(pk=sender.pk).verified_at is None


def test_bulk_send_has_a_result_per_recipient_and_masks_everywhere(company, admin_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "marketdock.core.sms.LogSmsBackend"
    account = make_account(company)
    make_sender(company)
    good = make_raw_order(account, buyer="홍길동", buyer_phone=BUYER)
    no_phone = make_raw_order(account, buyer="김영희", buyer_phone="", recipient_phone="")
    bad = make_raw_order(account, buyer="이철수", buyer_phone="12345")
    results = sms_to_orders(company=company, user=admin_user, text="{구매자}님 주문 {주문번호} 확인했습니다.",
                            orders=[good, no_phone, bad])
    assert [m.status for m in results] == ["sent", "failed", "failed"]
    sent = results[0]
    assert sent.to_masked == "010-4321-****" and sent.to_name == "홍*동"
    assert sent.text == f"홍길동님 주문 {good.channel_order_id} 확인했습니다." and sent.provider_message_id
    assert "전화번호가 없습니다" in results[1].error and "형식" in results[2].error
    for m in SmsMessage.objects.all():
        assert BUYER_DIGITS not in json.dumps([m.to_masked, m.text, m.error, m.to_name], ensure_ascii=False)
        assert "4321-8765" not in m.to_masked
    log = (tmp_path / "sms.log").read_text(encoding="utf-8")
    assert BUYER_DIGITS not in log and "4321-8765" not in log


def test_missing_variable_fails_only_that_recipient(company, admin_user):
    account = make_account(company)
    make_sender(company)
    order = make_raw_order(account, buyer_phone=BUYER)
    [message] = sms_to_orders(company=company, user=admin_user, text="송장번호 {송장번호}", orders=[order])
    assert message.status == "failed" and "{송장번호}" in message.error
    assert not MemorySmsBackend.outbox


def test_claim_and_inquiry_sms_write_masked_history(company, admin_user):
    account = make_account(company)
    make_sender(company)
    order = make_raw_order(account, buyer_phone=BUYER, product="니트 가디건")
    claim = make_account_claim(account, order=order, line=order.lines.first())
    m = sms_to_claim(company=company, user=admin_user, text="{상품명} 반품 접수되었습니다", claim=claim)
    assert m.status == "sent" and m.claim == claim and m.order == order and m.text == "니트 가디건 반품 접수되었습니다"
    assert MemorySmsBackend.outbox[-1]["to"] == BUYER and MemorySmsBackend.outbox[-1]["from"] == "0212345678"
    inquiry = make_inquiry(account, order=order)
    sms_to_inquiry(company=company, user=admin_user, text="문의 답변 드렸습니다", inquiry=inquiry)
    events = [e.message for e in ClaimEvent.objects.filter(claim=claim)] + \
        [e.message for e in InquiryEvent.objects.filter(inquiry=inquiry)]
    assert len(events) == 2 and all("010-4321-****" in e and "4321-8765" not in e for e in events)
    with pytest.raises(ValidationError, match="주문과 연결되지 않은"):
        sms_to_inquiry(company=company, user=admin_user, text="x", inquiry=make_inquiry(account))


def test_no_verified_sender_no_send(company, admin_user):
    make_sender(company, verified=False)
    order = make_raw_order(make_account(company), buyer_phone=BUYER)
    with pytest.raises(ValidationError, match="인증된 발신번호가 없습니다"):
        sms_to_orders(company=company, user=admin_user, text="x", orders=[order])
    assert not MemorySmsBackend.outbox


def test_another_companys_sender_is_refused(company, other_company, admin_user):
    theirs = make_sender(other_company)
    order = make_raw_order(make_account(company), buyer_phone=BUYER)
    with pytest.raises(ValidationError):
        sms_to_orders(company=company, user=admin_user, text="x", orders=[order], sender=theirs)
