"""No open redirect: every view that reads `next` sends the user only to this site
(marketdock.core.redirects.safe_next, i.e. url_has_allowed_host_and_scheme). The probe:
POST /orders/unmatched/lines/<pk>/match/ with next=http://evil.example/ redirected there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.orders.models import MatchStatus, Order, OrderLine
from tests.factories.core import PASSWORD

pytestmark = pytest.mark.django_db

EVIL = ["http://evil.example/", "https://evil.example/orders/", "//evil.example/", "/\\evil.example/",
        "javascript:alert(1)", "http://testserver@evil.example/"]
ROOT = Path(__file__).resolve().parents[2] / "marketdock"


def _offsite(location: str) -> bool:
    return "evil.example" in location or location.startswith("javascript:")


def _unmatched_line(company) -> OrderLine:
    account = ChannelAccount.objects.create(company=company, kind=ChannelKind.NAVER, name="스마트스토어")
    now = timezone.now()
    order = Order.objects.create(company=company, account=account, channel_order_id="NEXT-1", ordered_at=now,
                                 collected_at=now, buyer_name="홍길동", recipient_name="홍길동", total_amount=1000)
    return OrderLine.objects.create(company=company, order=order, account=account, channel_line_id="NEXT-1-1",
                                    product_name="티셔츠", quantity=1, unit_price=1000, total_amount=1000,
                                    match_status=MatchStatus.UNMATCHED, raw={})


@pytest.mark.parametrize("target", EVIL)
def test_unmatched_line_match(admin_client, company, target):
    line = _unmatched_line(company)
    response = admin_client.post(reverse("orders:line_match", args=[line.pk]), {"next": target})
    assert response.status_code == 302 and not _offsite(response["Location"])
    assert response["Location"] == reverse("orders:unmatched")


def test_unmatched_line_match_keeps_a_local_next(admin_client, company):
    line = _unmatched_line(company)
    response = admin_client.post(reverse("orders:line_match", args=[line.pk]), {"next": "/orders/unmatched/?page=2"})
    assert response["Location"] == "/orders/unmatched/?page=2"


@pytest.mark.parametrize("target", EVIL)
def test_listing_fields_page(admin_client, company, target):
    account = ChannelAccount.objects.create(company=company, kind=ChannelKind.NAVER, name="스마트스토어")
    body = admin_client.get(reverse("channels:account_listing_fields", args=[account.pk]), {"next": target}).content
    # the form's hidden `next` (what the save redirects to) is dropped; the page's own path may echo it
    assert not re.search(rb'name="next" value="(?:[a-z]+:|//|/\\)', body)


@pytest.mark.parametrize("target", EVIL)
def test_product_form_from_another_screen(admin_client, target):
    """상품 등록 opened from 미매칭 carries `next`; the form's hidden value never points off-site."""
    body = admin_client.get(reverse("catalog:product_create"), {"next": target}).content
    assert not re.search(rb'name="next" value="(?:[a-z]+:|//|/\\\\)', body)


@pytest.mark.parametrize("target", EVIL)
def test_notice_dismiss_next_and_referer(admin_client, target):
    response = admin_client.post(reverse("core:notice_dismiss"), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    response = admin_client.post(reverse("core:notice_dismiss"), HTTP_REFERER=target)
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", EVIL)
def test_login_logout_and_language(admin_user, target):
    client = Client()
    response = client.post(reverse("login") + "?next=" + target, {"username": "acme_admin", "password": PASSWORD,
                                                                 "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    response = client.post(reverse("set_language"), {"language": "ko", "next": target})
    assert not _offsite(response["Location"])
    response = client.post(reverse("logout"), {"next": target})
    assert not _offsite(response["Location"])


def test_every_view_reading_next_goes_through_safe_next():
    """A new view that reads `next` by hand fails here: use marketdock.core.redirects.safe_next (and add
    the view to this module)."""
    reads = re.compile(r"""(?:POST|GET|META)\.get\(\s*["'](?:next|HTTP_REFERER)["']\s*\)(?!\s*==)""")
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                 if p.name != "redirects.py" and reads.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    users = (ROOT / "core" / "views_users.py").read_text(encoding="utf-8")
    assert 'request.POST.get("next") == "edit"' in users  # a flag, not a URL
