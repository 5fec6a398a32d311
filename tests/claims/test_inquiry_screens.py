"""문의함 and 답변 템플릿 screens: filters, the inquiry with its order and buyer history, the suggestion
that only fills the editor, sending, bulk answer with per-inquiry results, templates CRUD with
variables, company isolation, the read-only role, Korean text only, the home tile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from marketdock.claims.models import (
    AnswerTemplate,
    ClaimEventKind,
    Inquiry,
    InquiryAnswer,
    InquiryEvent,
    InquiryKind,
    InquiryStatus,
)
from marketdock.outbox.models import OutboxMessage
from tests.factories.channels import make_account_with_credentials
from tests.factories.inquiries import make_inquiry, make_sent_answer, make_template
from tests.factories.orders import make_raw_order
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(company):
    return make_account_with_credentials(company, name="쿠팡 본점", kind="coupang")


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style|pre)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_inbox_filters_unanswered_and_shows_age_and_overdue(admin_client, account):
    late = make_inquiry(account, body="언제 발송되나요?", asked_ago=timedelta(days=3), due_in=timedelta(hours=-1))
    fresh = make_inquiry(account, body="재입고 언제?", asked_ago=timedelta(minutes=30))
    done = make_inquiry(account, body="색상 문의", status=InquiryStatus.ANSWERED)
    response = admin_client.get(reverse("claims:inquiries") + "?unanswered=1")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-inquiry="{late.pk}"' in body and f'data-inquiry="{fresh.pk}"' in body
    assert f'data-inquiry="{done.pk}"' not in body
    assert "3일" in body and "30분" in body and "기한 초과 1건" in body
    kind_only = admin_client.get(reverse("claims:inquiries") + "?kind=order").content.decode()
    assert f'data-inquiry="{late.pk}"' not in kind_only


def test_detail_shows_order_buyer_history_and_a_suggestion_that_only_fills_the_editor(admin_client, account,
                                                                                    company):
    order = make_raw_order(account, buyer="이서연", buyer_key="k-1", product="구스 경량 점퍼")
    earlier = make_raw_order(account, buyer="이서연", buyer_key="k-1", product="섬유향수 500ml")
    past = make_inquiry(account, body="사이즈가 작게 나오나요? 평소 M 입어요")
    make_sent_answer(past, "정사이즈로 나옵니다. 평소 사이즈로 주문하세요.")
    inquiry = make_inquiry(account, body="평소 M 입는데 사이즈 어떻게 나오나요?", order=order, kind=InquiryKind.PRODUCT)
    url = reverse("claims:inquiry_detail", args=[inquiry.pk])
    body = admin_client.get(url).content.decode()
    assert order.channel_order_id in body and earlier.channel_order_id in body
    assert "정사이즈로 나옵니다" in body and "유사도" in body
    filled = admin_client.get(url + "?suggestion=1").content.decode()
    assert re.search(r'<textarea[^>]*name="text"[^>]*>정사이즈로 나옵니다', filled)
    assert not InquiryAnswer.objects.filter(inquiry=inquiry).exists()  # nothing sent by choosing it
    assert not OutboxMessage.objects.filter(kind="inquiry_answer").exists()


def test_sending_an_answer_queues_it_in_the_outbox_with_the_sending_state(admin_client, account, admin_user):
    inquiry = make_inquiry(account, body="언제 오나요?")
    response = admin_client.post(reverse("claims:inquiry_answer", args=[inquiry.pk]),
                                 {"text": "내일 도착 예정입니다.", "score": "3.2"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.SENDING
    answer = inquiry.answers.get()
    assert answer.text == "내일 도착 예정입니다." and answer.user == admin_user and answer.suggested_score == 3.2
    message = OutboxMessage.objects.get(kind="inquiry_answer")
    assert message.payload["item"]["text"] == "내일 도착 예정입니다." and message.payload["answer"] == answer.pk


def test_an_empty_answer_is_refused_in_korean(admin_client, account):
    inquiry = make_inquiry(account)
    response = admin_client.post(reverse("claims:inquiry_answer", args=[inquiry.pk]), {"text": "  "}, follow=True)
    assert "답변 내용을 입력하세요" in response.content.decode()
    assert not inquiry.answers.exists()


def test_template_variables_are_filled_from_the_inquiry_and_its_order(admin_client, account, company):
    order = make_raw_order(account, buyer="박지민", product="무선 충전 패드")
    line = order.lines.get()
    line.carrier_key, line.tracking_number = "cj", "630012345678"
    line.save()
    from marketdock.shipping.carrier_data import carriers_ensure
    carriers_ensure()
    template = make_template(company)
    inquiry = make_inquiry(account, order=order, product_name="무선 충전 패드", buyer_name="박지민")
    body = admin_client.get(reverse("claims:inquiry_detail", args=[inquiry.pk]) + f"?template={template.pk}")
    text = body.content.decode()
    assert "박지민님, 무선 충전 패드은" in text and "630012345678" in text and "{택배사}" not in text
    assert "CJ" in text or "대한통운" in text


def test_bulk_answer_with_a_template_reports_each_inquiry(admin_client, account, company):
    template = make_template(company, name="감사 인사", text="{구매자}님 문의 감사합니다.")
    first = make_inquiry(account, buyer_name="김민준")
    second = make_inquiry(account, buyer_name="이하은")
    answered = make_inquiry(account, status=InquiryStatus.ANSWERED)
    response = admin_client.post(reverse("claims:inquiry_bulk_answer"),
                                 {"template": template.pk, "ids": [first.pk, second.pk, answered.pk]}, follow=True)
    page = response.content.decode()
    assert "2건 답변 전송을 시작했습니다" in page and f"문의 {answered.pk}: 이미 답변한 문의입니다" in page
    texts = dict(InquiryAnswer.objects.values_list("inquiry_id", "text"))
    assert texts == {first.pk: "김민준님 문의 감사합니다.", second.pk: "이하은님 문의 감사합니다."}
    assert OutboxMessage.objects.filter(kind="inquiry_answer").count() == 2


def test_a_template_variable_without_a_value_is_never_sent_as_a_hole(admin_client, account, company):
    """A product question has no tracking number: the draft keeps {송장번호} for the seller to fill, and
    a bulk answer refuses that inquiry instead of sending "…은 로 발송되었습니다"."""
    template = make_template(company, name="발송 안내", text="{구매자}님, {상품명}은 {송장번호}로 발송되었습니다.")
    question = make_inquiry(account, buyer_name="김민준")
    draft = admin_client.get(reverse("claims:inquiry_detail", args=[question.pk]) + f"?template={template.pk}")
    assert "김민준님, 기모 트레이닝 팬츠은 {송장번호}로 발송되었습니다." in draft.content.decode()
    page = admin_client.post(reverse("claims:inquiry_bulk_answer"), {"template": template.pk, "ids": [question.pk]},
                             follow=True).content.decode()
    assert f"문의 {question.pk}: 답변에 채워지지 않은 변수가 있습니다: {{송장번호}}" in page
    assert not InquiryAnswer.objects.filter(inquiry=question).exists()
    assert not OutboxMessage.objects.filter(kind="inquiry_answer").exists()


def test_templates_crud_and_unknown_variables_refused(admin_client, company):
    url = reverse("claims:template_create")
    bad = admin_client.post(url, {"name": "오류", "text": "{고객명}님", "is_active": "1"})
    assert "알 수 없는 변수입니다: {고객명}" in bad.content.decode()
    assert admin_client.post(url, {"name": "배송", "text": "{구매자}님 {송장번호}", "is_active": "1"}).status_code == 302
    template = AnswerTemplate.objects.get(company=company, name="배송")
    dup = admin_client.post(url, {"name": "배송", "text": "중복", "is_active": "1"})
    assert "같은 이름의 템플릿이 이미 있습니다" in dup.content.decode()
    admin_client.post(reverse("claims:template_edit", args=[template.pk]), {"name": "배송 안내", "text": "수정"})
    template.refresh_from_db()
    assert (template.name, template.text, template.is_active) == ("배송 안내", "수정", False)
    assert "배송 안내" in admin_client.get(reverse("claims:templates")).content.decode()
    admin_client.post(reverse("claims:template_delete", args=[template.pk]))
    assert not AnswerTemplate.objects.filter(pk=template.pk).exists()


def test_another_company_sees_none_of_it(other_client, account, company):
    inquiry = make_inquiry(account, body="비밀 문의 내용")
    template = make_template(company, name="비밀 템플릿")
    secrets = ("비밀 문의 내용", "비밀 템플릿")
    assert_isolated(other_client, [reverse("claims:inquiry_detail", args=[inquiry.pk]),
                                   reverse("claims:template_edit", args=[template.pk])], secrets=secrets)
    assert_isolated(other_client, [
        reverse("claims:inquiry_answer", args=[inquiry.pk]), reverse("claims:inquiry_retry", args=[inquiry.pk]),
        reverse("claims:template_delete", args=[template.pk])], secrets=secrets, methods=("post",))
    listing = other_client.get(reverse("claims:inquiries")).content.decode()
    assert "비밀 문의 내용" not in listing
    other_client.post(reverse("claims:inquiry_bulk_answer"), {"template": template.pk, "ids": [inquiry.pk]})
    assert "비밀 템플릿" not in other_client.get(reverse("claims:templates")).content.decode()
    assert not InquiryAnswer.objects.exists()


def test_the_viewer_reads_but_changes_nothing(viewer_client, account, company):
    inquiry = make_inquiry(account)
    template = make_template(company)
    for url in (reverse("claims:inquiries"), reverse("claims:inquiry_detail", args=[inquiry.pk]),
                reverse("claims:templates")):
        response = viewer_client.get(url)
        assert response.status_code == 200, url
        assert 'data-testid="send-answer"' not in response.content.decode()
    posts = [(reverse("claims:inquiry_answer", args=[inquiry.pk]), {"text": "답변"}),
             (reverse("claims:inquiry_retry", args=[inquiry.pk]), {}),
             (reverse("claims:inquiry_bulk_answer"), {"template": template.pk, "ids": [inquiry.pk]}),
             (reverse("claims:inquiry_collect"), {"account": account.pk}),
             (reverse("claims:template_create"), {"name": "새", "text": "x", "is_active": "1"}),
             (reverse("claims:template_edit", args=[template.pk]), {"name": "바뀜", "text": "x"}),
             (reverse("claims:template_delete", args=[template.pk]), {})]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    assert not InquiryAnswer.objects.exists() and AnswerTemplate.objects.get().name == template.name
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN


RAW = {"open", "sending", "answered", "failed", "product", "order", "callcenter", "collected", "channel_status",
       "push_sent", "push_failed", "status", "pending", "sent", "coupang"}


def test_screens_are_korean_without_raw_codes(admin_client, account, company):
    inquiry = make_inquiry(account, kind=InquiryKind.CALLCENTER, status=InquiryStatus.FAILED)
    InquiryAnswer.objects.create(company=company, inquiry=inquiry, text="답변", status=InquiryAnswer.Status.FAILED,
                                 error="이미 답변이 등록된 문의입니다.")
    InquiryEvent.objects.create(company=company, inquiry=inquiry, kind=ClaimEventKind.PUSH_FAILED, message="실패")
    InquiryEvent.objects.create(company=company, inquiry=inquiry, kind=ClaimEventKind.COLLECTED, message="수집")
    make_template(company)
    for url in (reverse("claims:inquiries"), reverse("claims:inquiry_detail", args=[inquiry.pk]),
                reverse("claims:templates"), reverse("claims:template_create")):
        words = set(re.findall(r"[A-Za-z_]+", _text(admin_client.get(url))))
        assert not (words & RAW), (url, words & RAW)


def test_manual_collection_of_an_account_without_inquiry_api_is_refused(admin_client, company):
    manual = make_account_with_credentials(company, name="엑셀몰", kind="manual")
    response = admin_client.post(reverse("claims:inquiry_collect"), {"account": manual.pk}, follow=True)
    assert "문의 수집 API를 지원하지 않습니다" in response.content.decode()


def test_home_tile_counts_unanswered_with_the_oldest_age_and_turns_red_when_overdue(admin_client, account):
    make_inquiry(account, asked_ago=timedelta(hours=5))
    from marketdock.claims.inquiry_dashboard import unanswered_tiles
    tile = unanswered_tiles(company=account.company, user=None)[0]
    assert tile.count == 1 and tile.level == "warning" and "5시간" in tile.hint
    make_inquiry(account, asked_ago=timedelta(days=3), due_in=timedelta(hours=-2))
    tile = unanswered_tiles(company=account.company, user=None)[0]
    assert tile.count == 2 and tile.level == "danger" and "3일" in tile.hint and "답변기한 초과 1건" in tile.hint
    assert "미답변 문의" in admin_client.get(reverse("home")).content.decode()
    Inquiry.objects.update(status=InquiryStatus.ANSWERED)
    assert unanswered_tiles(company=account.company, user=None) == []


def test_an_answer_the_outbox_gave_up_on_can_be_written_again(admin_client, account, company):
    inquiry = make_inquiry(account)
    admin_client.post(reverse("claims:inquiry_answer", args=[inquiry.pk]), {"text": "첫 답변"})
    again = admin_client.post(reverse("claims:inquiry_answer", args=[inquiry.pk]), {"text": "두번째"}, follow=True)
    assert "답변을 전송하는 중입니다" in again.content.decode()
    OutboxMessage.objects.filter(kind="inquiry_answer").update(status=OutboxMessage.Status.DEAD,
                                                                last_error="HTTP 503: 점검 중")
    admin_client.post(reverse("claims:inquiry_answer", args=[inquiry.pk]), {"text": "다시 쓴 답변"})
    texts = dict(InquiryAnswer.objects.filter(inquiry=inquiry).values_list("text", "status"))
    assert texts == {"첫 답변": InquiryAnswer.Status.FAILED, "다시 쓴 답변": InquiryAnswer.Status.PENDING}
    assert InquiryAnswer.objects.get(text="첫 답변").error == "HTTP 503: 점검 중"


def test_collected_inquiries_get_a_manager_from_the_companys_rule_and_re_collection_changes_nothing(account, company,
                                                                                                   admin_user):
    from django.utils import timezone

    from marketdock.channels.connectors.cs_models import ChannelInquiry
    from marketdock.claims.models import AssignmentRule, ClaimRun
    from marketdock.claims.services import inquiries_ingest

    rule = AssignmentRule.objects.create(company=company, mode=AssignmentRule.Mode.ROUND_ROBIN)
    rule.users.add(admin_user)
    run = ClaimRun.objects.create(company=company, account=account, what=ClaimRun.What.INQUIRIES)
    item = ChannelInquiry(marketplace="coupang", inquiry_id="900", kind="product", body="재입고 되나요?",
                          asked_at=timezone.now())
    inquiries_ingest(account=account, items=[item, item], run=run)  # a page repeating an item counts once
    inquiry = Inquiry.objects.get(company=company, channel_inquiry_id="900")
    assert inquiry.assignee == admin_user and inquiry.due_at == item.asked_at + timedelta(hours=48)
    inquiries_ingest(account=account, items=[item], run=run)
    run.refresh_from_db()
    assert (run.seen, run.created, run.unchanged) == (3, 1, 2)
    assert Inquiry.objects.filter(company=company).count() == 1
