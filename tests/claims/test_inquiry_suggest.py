"""Suggested answers (CS-5): the company's own past answers and templates ranked by BM25 over Korean
character n-grams; the right one comes first, another company's answers never appear."""

from __future__ import annotations

import pytest

from marketdock.claims.models import InquiryStatus
from marketdock.claims.services import suggest_answer
from marketdock.claims.services.suggest import ngrams
from tests.factories.channels import make_account_with_credentials
from tests.factories.inquiries import make_inquiry, make_sent_answer, make_template

pytestmark = pytest.mark.django_db

PAST = {
    "배송이 언제 시작되나요? 오늘 주문하면 언제 받나요?": "오후 3시 이전 주문은 당일 발송되어 다음 날 받으실 수 있습니다.",
    "사이즈가 작게 나오나요? 평소 M 입어요": "정사이즈로 나옵니다. 평소 입으시는 사이즈로 주문하세요.",
    "세탁기에 돌려도 되나요?": "찬물 단독 손세탁을 권장합니다.",
    "교환하고 싶은데 반품비가 얼마인가요?": "단순 변심 교환은 왕복 배송비 6,000원이 부과됩니다.",
}


@pytest.fixture
def account(company):
    return make_account_with_credentials(company, name="쿠팡 본점", kind="coupang")


@pytest.fixture
def history(account):
    for question, answer in PAST.items():
        make_sent_answer(make_inquiry(account, body=question), answer)


def test_ngrams_match_korean_words_with_different_endings():
    assert set(ngrams("사이즈가")) & set(ngrams("사이즈는")) >= {"사이", "이즈", "사이즈"}


@pytest.mark.parametrize("question,expected", [
    ("평소 M인데 사이즈 어떻게 나와요? 작은 편인가요", "정사이즈로 나옵니다"),
    ("오늘 주문하면 배송 언제 받을 수 있나요", "당일 발송"),
    ("세탁 방법 알려주세요. 세탁기 돼요?", "손세탁"),
    ("반품비 얼마예요? 교환 가능?", "왕복 배송비"),
])
def test_the_matching_past_answer_ranks_first(account, history, question, expected):
    suggestions = suggest_answer(make_inquiry(account, body=question))
    assert suggestions and expected in suggestions[0].text
    assert suggestions[0].source == "answer" and suggestions[0].score > 0
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_templates_compete_and_come_filled_with_the_inquiry(account, company, history):
    make_template(company, name="재입고 안내", category="재입고", text="{구매자}님, 재입고 일정은 공지로 안내드립니다.")
    inquiry = make_inquiry(account, body="품절된 색상 재입고 언제 되나요?", buyer_name="최유진")
    best = suggest_answer(inquiry)[0]
    assert best.source == "template" and best.text == "최유진님, 재입고 일정은 공지로 안내드립니다."
    assert best.template_id is not None


def test_nothing_unrelated_is_suggested_and_answered_ones_get_none(account, history):
    assert suggest_answer(make_inquiry(account, body="영수증 발급")) == []
    assert suggest_answer(make_inquiry(account, body="사이즈 문의", status=InquiryStatus.ANSWERED)) == []


def test_another_companys_answers_are_never_suggested(account, other_company):
    theirs = make_account_with_credentials(other_company, name="남의 몰", kind="coupang")
    make_sent_answer(make_inquiry(theirs, body="사이즈가 작게 나오나요?"), "다른 회사의 비밀 답변")
    assert suggest_answer(make_inquiry(account, body="사이즈가 작게 나오나요?")) == []
