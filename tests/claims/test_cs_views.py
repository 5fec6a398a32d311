"""Screens and URLs of 담당자 배정, 문자 발송 and 클레임 분석: they work for the company's writers, the
read-only role changes nothing, another company sees nothing, and the screens speak Korean."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marketdock.claims.models import AssignmentChange, AssignmentRule, Claim, SmsMessage, SmsSender
from marketdock.core.sms import MemorySmsBackend
from tests.factories.channels import make_account
from tests.factories.cs import make_account_claim, make_rule, make_sender
from tests.factories.inquiries import make_inquiry
from tests.factories.orders import make_raw_order
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
BUYER = "010-4321-8765"
RAW_CODES = ("round_robin", "by_channel", "change_of_mind", "wrong_item", "requested", "pending", "failed",
             "sent", "None", "return", "exchange", "cancel")


@pytest.fixture
def kit(company):
    account = make_account(company, "스마트스토어")
    order = make_raw_order(account, buyer="홍길동", buyer_phone=BUYER)
    claim = make_account_claim(account, order=order, line=order.lines.get(), reason_class="size")
    inquiry = make_inquiry(account, order=order)
    return account, order, claim, inquiry


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_assign_control_renders_and_changes_the_assignee(admin_client, kit, operator_user):
    _account, _order, claim, inquiry = kit
    url = reverse("claims:claim_assign", args=[claim.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'data-testid="assign-control"' in page.content.decode()
    answer = admin_client.post(url, {"assignee": operator_user.pk}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and operator_user.username in answer.content.decode()
    claim.refresh_from_db()
    assert claim.assignee == operator_user
    admin_client.post(reverse("claims:inquiry_assign", args=[inquiry.pk]), {"assignee": operator_user.pk})
    inquiry.refresh_from_db()
    assert inquiry.assignee == operator_user


def test_bulk_assign_view(admin_client, kit, operator_user):
    account, _order, claim, _inquiry = kit
    other = make_account_claim(account)
    response = admin_client.post(reverse("claims:claims_assign_bulk"),
                                 {"ids": [claim.pk, other.pk], "assignee": operator_user.pk, "next": "/"})
    assert response.status_code == 302
    assert set(Claim.objects.filter(assignee=operator_user).values_list("pk", flat=True)) == {claim.pk, other.pk}


def test_rules_screen_creates_a_rule_and_refuses_a_bad_one(admin_client, company, kit, operator_user):
    account = kit[0]
    url = reverse("claims:assign_rules")
    ok = admin_client.post(url, {"mode": "round_robin", "target": "both", "users": [operator_user.pk],
                                 "is_active": "on"})
    assert ok.status_code == 302 and AssignmentRule.objects.filter(company=company).count() == 1
    bad = admin_client.post(url, {"mode": "by_channel", "target": "claims", "users": [operator_user.pk]})
    assert bad.status_code == 200 and "쇼핑몰 계정을 골라야" in bad.content.decode()
    good = admin_client.post(url, {"mode": "by_channel", "target": "claims", "account": account.pk,
                                   "users": [operator_user.pk]})
    assert good.status_code == 302 and AssignmentRule.objects.filter(company=company).count() == 2


def test_sender_register_and_confirm_through_the_screen(admin_client, company):
    admin_client.post(reverse("claims:sms_senders"), {"number": "02-555-1234", "label": "CS"})
    sender = SmsSender.objects.get(company=company)
    code = MemorySmsBackend.outbox[-1]["text"].split("인증번호는 ")[1][:6]
    admin_client.post(reverse("claims:sms_sender_confirm", args=[sender.pk]), {"code": code})
    sender.refresh_from_db()
    assert sender.verified_at is not None


def test_send_to_selected_orders_shows_per_recipient_results_masked(admin_client, company, kit):
    account, order, _claim, _inquiry = kit
    sender = make_sender(company)
    second = make_raw_order(account, buyer="김영희", buyer_phone="", recipient_phone="")
    url = reverse("claims:sms_send_orders") + f"?order={order.pk}&order={second.pk}"
    form = admin_client.get(url).content.decode()
    assert "010-4321-****" in form and "4321-8765" not in form
    page = admin_client.post(url, {"sender": sender.pk, "text": "{구매자}님 안내드립니다"}).content.decode()
    assert 'data-result="sent"' in page and 'data-result="failed"' in page
    assert "4321-8765" not in page and SmsMessage.objects.count() == 2
    log = admin_client.get(reverse("claims:sms_log")).content.decode()
    assert "010-4321-****" in log and "4321-8765" not in log and "홍*동" in log


def test_unverified_sender_cannot_be_chosen(admin_client, company, kit):
    order = kit[1]
    unverified = make_sender(company, verified=False)
    url = reverse("claims:sms_send_orders") + f"?order={order.pk}"
    page = admin_client.post(url, {"sender": unverified.pk, "text": "안녕하세요"})
    assert page.status_code == 200 and not SmsMessage.objects.exists() and not MemorySmsBackend.outbox


def test_claim_and_inquiry_send_pages(admin_client, company, kit):
    _account, _order, claim, inquiry = kit
    sender = make_sender(company)
    for url in (reverse("claims:sms_send_claim", args=[claim.pk]), reverse("claims:sms_send_inquiry", args=[inquiry.pk])):
        assert admin_client.get(url).status_code == 200
        admin_client.post(url, {"sender": sender.pk, "text": "안내드립니다"})
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}
    by_claim, by_inquiry = SmsMessage.objects.get(claim=claim), SmsMessage.objects.get(inquiry=inquiry)
    page = admin_client.get(reverse("claims:sms_log") + f"?claim={claim.pk}").content.decode()
    assert f'data-sms="{by_claim.pk}"' in page and f'data-sms="{by_inquiry.pk}"' not in page


def test_rates_screen_and_xlsx(admin_client, kit):
    page = admin_client.get(reverse("claims:rates") + "?from=2020-01-01&to=2100-12-31")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-md-chart="chart-channel-rates"' in body and "스마트스토어" in body
    assert "100.0%" in body  # one line, one return
    xlsx = admin_client.get(reverse("claims:rates_xlsx") + "?from=2020-01-01&to=2100-12-31")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    admin_client.post(reverse("claims:rates_reclassify"))


def test_screens_are_korean(admin_client, company, kit):
    _account, _order, claim, inquiry = kit
    make_rule(company, AssignmentRule.Mode.ROUND_ROBIN, [claim.company.users.first()])
    make_sender(company)
    admin_client.post(reverse("claims:sms_send_claim", args=[claim.pk]), {"sender": SmsSender.objects.get().pk,
                                                                          "text": "안녕하세요"})
    urls = [reverse("claims:assign_rules"), reverse("claims:sms_log"), reverse("claims:sms_senders"),
            reverse("claims:rates"), reverse("claims:claim_assign", args=[claim.pk]),
            reverse("claims:sms_send_claim", args=[claim.pk]),
            reverse("claims:assign_rule_edit", args=[AssignmentRule.objects.get().pk])]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        words = set(re.findall(r"[A-Za-z_]+", _visible(response.content.decode())))
        assert not words & set(RAW_CODES), (url, words & set(RAW_CODES))


def test_viewer_reads_but_changes_nothing(viewer_client, company, kit, operator_user):
    account, order, claim, inquiry = kit
    rule = make_rule(company, AssignmentRule.Mode.ROUND_ROBIN, [operator_user])
    sender = make_sender(company)
    pending = make_sender(company, "02-999-0000", verified=False, default=False)
    for url in (reverse("claims:assign_rules"), reverse("claims:sms_log"), reverse("claims:sms_senders"),
                reverse("claims:rates"), reverse("claims:claim_assign", args=[claim.pk])):
        assert viewer_client.get(url).status_code == 200, url
    posts = [
        (reverse("claims:claim_assign", args=[claim.pk]), {"assignee": operator_user.pk}),
        (reverse("claims:inquiry_assign", args=[inquiry.pk]), {"assignee": operator_user.pk}),
        (reverse("claims:claims_assign_bulk"), {"ids": [claim.pk], "assignee": operator_user.pk}),
        (reverse("claims:inquiries_assign_bulk"), {"ids": [inquiry.pk], "assignee": operator_user.pk}),
        (reverse("claims:assign_rules"), {"mode": "round_robin", "target": "both", "users": [operator_user.pk]}),
        (reverse("claims:assign_rule_edit", args=[rule.pk]), {"mode": "round_robin", "target": "claims",
                                                              "users": [operator_user.pk]}),
        (reverse("claims:assign_rule_delete", args=[rule.pk]), {}),
        (reverse("claims:sms_senders"), {"number": "02-111-2222"}),
        (reverse("claims:sms_sender_confirm", args=[pending.pk]), {"code": "123456"}),
        (reverse("claims:sms_sender_resend", args=[pending.pk]), {}),
        (reverse("claims:sms_sender_default", args=[sender.pk]), {}),
        (reverse("claims:sms_sender_delete", args=[sender.pk]), {}),
        (reverse("claims:sms_send_orders") + f"?order={order.pk}", {"sender": sender.pk, "text": "x"}),
        (reverse("claims:sms_send_claim", args=[claim.pk]), {"sender": sender.pk, "text": "x"}),
        (reverse("claims:sms_send_inquiry", args=[inquiry.pk]), {"sender": sender.pk, "text": "x"}),
        (reverse("claims:rates_reclassify"), {}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    claim.refresh_from_db()
    assert claim.assignee is None and not AssignmentChange.objects.exists()
    assert AssignmentRule.objects.get().target == "both" and SmsSender.objects.count() == 2
    assert not SmsMessage.objects.exists() and not MemorySmsBackend.outbox


def test_other_company_sees_nothing(other_client, other_company, company, kit, operator_user):
    _account, order, claim, inquiry = kit
    rule = make_rule(company, AssignmentRule.Mode.ROUND_ROBIN, [operator_user])
    sender = make_sender(company)
    assert_isolated(other_client, [
        reverse("claims:claim_assign", args=[claim.pk]),
        reverse("claims:inquiry_assign", args=[inquiry.pk]),
        reverse("claims:assign_rule_edit", args=[rule.pk]),
        reverse("claims:sms_send_claim", args=[claim.pk]),
        reverse("claims:sms_send_inquiry", args=[inquiry.pk]),
    ], secrets=("홍길동", "4321"))
    assert_isolated(other_client, [  # POST-only actions
        reverse("claims:assign_rule_delete", args=[rule.pk]),
        reverse("claims:sms_sender_confirm", args=[sender.pk]),
        reverse("claims:sms_sender_resend", args=[sender.pk]),
        reverse("claims:sms_sender_default", args=[sender.pk]),
        reverse("claims:sms_sender_delete", args=[sender.pk]),
    ], methods=("post",))
    assert AssignmentRule.objects.filter(pk=rule.pk).exists() and SmsSender.objects.filter(pk=sender.pk).exists()
    # list-style URLs take ids in the query or form: another company's ids are simply not there
    page = other_client.get(reverse("claims:sms_send_orders") + f"?order={order.pk}").content.decode()
    assert order.channel_order_id not in page and "4321" not in page
    other_client.post(reverse("claims:claims_assign_bulk"), {"ids": [claim.pk], "assignee": ""})
    other_sender = make_sender(other_company, "02-777-7777")
    other_client.post(reverse("claims:sms_send_orders") + f"?order={order.pk}",
                      {"sender": other_sender.pk, "text": "x", "order": [order.pk]})
    assert not SmsMessage.objects.exists()
    for url in (reverse("claims:sms_log"), reverse("claims:assign_rules"), reverse("claims:rates"),
                reverse("claims:sms_senders")):
        body = other_client.get(url).content.decode()
        assert "스마트스토어" not in body and "0212345678" not in body
