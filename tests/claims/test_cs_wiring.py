"""The CS pieces on the claim and inquiry screens: 지금 수집, the 담당자 filter ("내 담당"), bulk
assign from the claim list, the assign control and 문자 on the details, 문자 발송 from an order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.claims.models import ClaimStatus
from marketdock.core.models import JobRun
from marketdock.orders.models import OrderStatus
from tests.factories.claims import ClaimShop, make_claim
from tests.factories.inquiries import make_inquiry
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(company, admin_user):
    return ClaimShop(company, admin_user)


def test_collect_now_starts_a_collection_or_says_why_not(shop, admin_client, company):
    r = admin_client.post(reverse("claims:collect"), follow=True)
    assert r.status_code == 200
    body = r.content.decode()
    started = JobRun.objects.filter(company=company).count()
    # the Coupang account of the shop has claims; either a job started or a Korean reason is shown
    assert ("클레임 수집을 시작했습니다" in body and started >= 1) or "클레임을 수집할 수 있는" in body
    assert admin_client.get(reverse("claims:collect")).status_code == 405


def test_mine_filter_and_bulk_assign_from_the_claim_list(shop, admin_client, admin_user, company):
    order = shop.order(status=OrderStatus.SHIPPED)
    mine, other = make_claim(order), make_claim(order)
    r = admin_client.post(reverse("claims:claims_assign_bulk"), {"claim": [mine.pk], "assignee": admin_user.pk,
                                                                  "next": reverse("claims:list")}, follow=True)
    assert "1건의 담당자를 바꿨습니다" in r.content.decode()
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.assignee_id == admin_user.pk and other.assignee_id is None
    body = admin_client.get(reverse("claims:list") + "?assignee=mine").content.decode()
    assert f'data-claim="{mine.pk}"' in body and f'data-claim="{other.pk}"' not in body
    body = admin_client.get(reverse("claims:list")).content.decode()
    assert 'data-testid="assign-bulk"' in body and 'data-testid="collect-now"' in body


def test_claim_and_inquiry_details_carry_assign_and_sms(shop, admin_client, company):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    inquiry = make_inquiry(shop.account)
    for url in (reverse("claims:detail", args=[claim.pk]), reverse("claims:inquiry_detail", args=[inquiry.pk])):
        body = admin_client.get(url).content.decode()
        for testid in ("assign-control", "sms-button", "sms-history"):
            assert f'data-testid="{testid}"' in body, (url, testid)
    inbox = admin_client.get(reverse("claims:inquiries") + "?assignee=mine").content.decode()
    assert 'data-testid="assignee-filter"' in inbox and 'data-testid="assign-bulk"' in inbox


def test_order_detail_offers_sms_to_its_buyer(shop, admin_client, viewer_client):
    order = shop.order()
    link = f'{reverse("claims:sms_send_orders")}?order={order.pk}'
    assert link in admin_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert link not in viewer_client.get(reverse("orders:detail", args=[order.pk])).content.decode()


def test_viewer_cannot_collect_or_assign(shop, viewer_client, admin_user, company):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    assert viewer_client.post(reverse("claims:collect")).status_code == 403
    assert viewer_client.post(reverse("claims:claims_assign_bulk"),
                              {"claim": [claim.pk], "assignee": admin_user.pk}).status_code == 403
    assert not JobRun.objects.filter(company=company).exists()
    claim.refresh_from_db()
    assert claim.assignee_id is None and claim.status == ClaimStatus.REQUESTED
    body = viewer_client.get(reverse("claims:list")).content.decode()
    assert 'data-testid="collect-now"' not in body and 'data-testid="assign-bulk"' not in body


def test_other_company_cannot_reach_the_claim_through_the_new_controls(shop, other_client):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    assert_isolated(other_client, [reverse("claims:detail", args=[claim.pk])])
