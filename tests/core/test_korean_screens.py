"""No English internals on a Korean screen: every screen without arguments, and the main detail
screens with demo-like data (an order through its whole history, a shipped line, a label batch, a
collection run and jobs in every state), rendered in Korean, shows no raw code — event kinds
(collected, stock_reserved, effect_failed…), carrier keys ("cj"), label layouts ("single"), job and
run states ("succeeded"), progress words (pages, seen, created, quarantined…)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from marketdock.claims.models import Claim, ClaimEventKind, ClaimStatus, ClaimType, Inquiry, InquiryStatus
from marketdock.core.demo import run_demo
from marketdock.core.models import JobRun, User
from marketdock.orders.models import (
    CollectionRun,
    EventKind,
    MatchStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)

pytestmark = pytest.mark.django_db

APP_NAMESPACES = {"core", "catalog", "inventory", "channels", "orders", "shipping", "analytics", "settlement", "claims",
                  "saas"}
PROGRESS_WORDS = {"pages", "seen", "created", "updated", "unchanged", "quarantined", "skipped", "labels",
                  "checked", "drift", "fixed", "adjusted", "sent", "failed", "pulled", "linked", "error"}
LAYOUTS = {"single", "a4_2", "a4_4"}


class _Text(HTMLParser):
    """Visible text of a page (and the titles/placeholders a user reads), without scripts, styles
    and <pre> blocks (raw marketplace payloads and job logs are shown as they are on purpose)."""

    SKIP = {"script", "style", "pre", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _raw_codes() -> set[str]:
    from marketdock.shipping.models import Carrier

    codes = set(EventKind.values) | set(JobRun.Status.values) | set(CollectionRun.Status.values)
    codes |= set(Carrier.objects.values_list("key", flat=True)) | PROGRESS_WORDS | LAYOUTS
    codes |= set(ClaimStatus.values) | set(ClaimType.values) | set(ClaimEventKind.values) | set(InquiryStatus.values)
    return codes


def _found(html: str, codes: set[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    return {code for code in codes if re.search(rf"(?<![\w.@/-]){re.escape(code)}(?![\w.@/-])", text)}


def _argless_urls() -> list[str]:
    urls: list[str] = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and not p.pattern.converters and "(?P" not in str(p.pattern):
                if namespace in APP_NAMESPACES or (namespace is None and p.name == "home"):
                    urls.append(reverse(f"{namespace}:{p.name}" if namespace else p.name))

    walk(get_resolver().url_patterns, None)
    return urls


@pytest.fixture
def demo_screens(db):
    """The demo company, plus an order with every kind of event, a shipped line, a label batch,
    a finished collection run and a job in every state."""
    from marketdock.channels.models import ChannelAccount
    from marketdock.shipping.models import LabelBatch

    run_demo()
    admin = User.objects.get(username="admin")
    company = admin.company
    account = ChannelAccount.objects.filter(company=company).exclude(kind="manual").first()
    ChannelAccount.objects.filter(pk=account.pk).update(last_status="succeeded")  # 자동주문스케줄관리 shows it
    now = timezone.now()
    job = None
    for status in JobRun.Status.values:
        job = JobRun.objects.create(company=company, kind="orders.collect", title="주문수집", status=status,
                                    progress=100, counts={w: 1 for w in PROGRESS_WORDS}, created_by=admin)
    run = CollectionRun.objects.create(company=company, account=account, job_run=job, status="succeeded",
                                       trigger="manual", seen=3, created=2, updated=1, pages=1, quarantined=0,
                                       finished_at=now)
    order = Order.objects.create(company=company, account=account, channel_order_id="2026120600000001",
                                 status=OrderStatus.SHIPPED, ordered_at=now - timedelta(days=1), collected_at=now,
                                 buyer_name="김민준", recipient_name="이서연", total_amount=25800, line_count=1,
                                 item_summary="유기농 현미 4kg", created_run=run, is_matched=True)
    line = OrderLine.objects.create(company=company, order=order, account=account, channel_line_id="2026120600000001-1",
                                    product_name="유기농 현미 4kg", quantity=2, unit_price=12900, total_amount=25800,
                                    status=OrderStatus.SHIPPED, match_status=MatchStatus.MATCHED, carrier_key="cj",
                                    tracking_number="123456789012", shipping_method="parcel", shipped_at=now,
                                    raw={"status": "collected"})
    OrderEvent.objects.bulk_create([OrderEvent(company=company, order=order, line=line, kind=kind, message="기록",
                                               at=now) for kind in EventKind.values])
    batch = LabelBatch.objects.create(company=company, layout="single", count=1, job_run=job, created_by=admin)
    return {"admin": admin, "company": company, "order": order, "job": job, "run": run, "batch": batch}


def _details(data) -> list[str]:
    from marketdock.catalog.models import Product
    from marketdock.channels.models import ChannelAccount
    from marketdock.shipping.models import Package

    urls = [reverse("orders:detail", args=[data["order"].pk]), reverse("core:job_detail", args=[data["job"].pk]),
            reverse("orders:run_detail", args=[data["run"].pk]), reverse("shipping:label_batch", args=[data["batch"].pk])]
    product = Product.objects.filter(company=data["company"]).first()
    if product:
        urls.append(reverse("catalog:product_edit", args=[product.pk]))
    account = ChannelAccount.objects.filter(company=data["company"]).first()
    urls.append(reverse("channels:account_edit", args=[account.pk]))
    package = Package.objects.filter(company=data["company"]).first()
    if package:
        urls.append(reverse("shipping:package_detail", args=[package.pk]))
    for claim in Claim.objects.filter(company=data["company"]).order_by("id")[:5]:
        urls.append(reverse("claims:detail", args=[claim.pk]))
    inquiry = Inquiry.objects.filter(company=data["company"]).first()
    if inquiry:
        urls.append(reverse("claims:inquiry_detail", args=[inquiry.pk]))
    return urls


def test_the_codes_are_known():
    assert {"collected", "stock_reserved", "effect_failed"} <= set(EventKind.values)
    assert _found("<p>수집 cj 123</p><pre>cj</pre><p>succeeded</p>", {"cj", "succeeded", "pages"}) == {"cj", "succeeded"}
    assert _found('<p title="pages">x</p><p>orders.collect single-item a@cj</p>', {"pages", "single", "cj"}) == {"pages"}


def test_every_screen_in_korean_shows_no_raw_code(demo_screens):
    codes = _raw_codes()
    client = Client()
    client.force_login(demo_screens["admin"])
    client.cookies["django_language"] = "ko"
    problems: dict[str, set[str]] = {}
    details = _details(demo_screens)
    urls = _argless_urls() + details
    assert len(urls) > 40
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ko")
        if url in details:
            assert response.status_code == 200, url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        found = _found(response.content.decode(), codes)
        if found:
            problems[url] = found
    assert problems == {}
