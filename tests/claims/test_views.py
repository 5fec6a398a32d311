"""The claims screens: 클레임 목록 (filters, paging, bulk 승인 with a result per claim), the detail with only
the buttons valid in its state and the marketplace's refusal, 입고검수, 클레임 등록 from the order, home
tiles; company isolation, the read-only role, Korean screens without raw codes."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from marketdock.claims.models import (
    Claim,
    ClaimInspection,
    ClaimSource,
    ClaimStatus,
    ClaimType,
    InspectionOutcome,
)
from marketdock.orders.models import OrderStatus
from marketdock.outbox.models import OutboxMessage
from tests.factories.claims import ClaimShop, make_claim
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def shop(company, admin_user):
    return ClaimShop(company, admin_user)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.parts += [v for k, v in attrs if k in ("title", "placeholder", "aria-label") and v]

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


RAW = set(ClaimStatus.values) | set(ClaimType.values) | set(ClaimSource.values) | set(InspectionOutcome.values) | {
    "buyer", "seller", "pending", "failed", "sent", "status", "created", "inspected", "reshipped", "stock", "note"}


def _visible(response) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(parser.parts)


def _no_raw_codes(response) -> None:
    words = set(re.findall(r"[a-z_]+", _visible(response)))
    assert not words & RAW, words & RAW


def test_list_filters_by_type_status_channel_period_and_overdue(shop, admin_client):
    order = shop.order(status=OrderStatus.SHIPPED)
    old = make_claim(order, type=ClaimType.RETURN, requested_at=timezone.now() - timedelta(days=10))
    new = make_claim(order, type=ClaimType.EXCHANGE)
    done = make_claim(order, type=ClaimType.RETURN, status=S.COMPLETED, requested_at=timezone.now() - timedelta(days=10))

    def shown(query):
        r = admin_client.get(reverse("claims:list") + query)
        assert r.status_code == 200
        return {int(x) for x in re.findall(r'data-claim="(\d+)"', r.content.decode())}

    assert shown("") == {old.pk, new.pk, done.pk}
    assert shown("?type=exchange") == {new.pk}
    assert shown("?status=completed") == {done.pk}
    assert shown("?overdue=1") == {old.pk}  # waiting past 3 business days; a completed one is never overdue
    # from the KST day the new claim was requested (five minutes ago: yesterday, just after midnight)
    assert shown(f"?account={shop.account.pk}&start={timezone.localdate(new.requested_at).isoformat()}") == {new.pk}
    assert shown("?type=bogus&start=9999-99-99&account=x&page=abc&size=7") == {old.pk, new.pk, done.pk}
    Claim.objects.filter(pk=new.pk).update(push_state="failed", push_error="거부")
    assert shown("?push=failed") == {new.pk}
    r = admin_client.get(reverse("claims:list") + "?overdue=1")
    assert "처리기한 지남" in r.content.decode()


def test_list_pages(shop, admin_client):
    order = shop.order(status=OrderStatus.SHIPPED)
    for _ in range(55):
        make_claim(order)
    first = admin_client.get(reverse("claims:list")).content.decode()
    second = admin_client.get(reverse("claims:list") + "?page=2").content.decode()
    assert first.count('data-testid="claim-row"') == 50 and second.count('data-testid="claim-row"') == 5
    assert 'data-testid="page-next"' in first


def test_bulk_approve_gives_a_result_per_claim(shop, admin_client, company, other_company):
    order = shop.order(status=OrderStatus.CONFIRMED)
    cancel = make_claim(order, type=ClaimType.CANCEL)
    done = make_claim(shop.order(status=OrderStatus.SHIPPED), status=S.REJECTED)
    foreign = make_claim(ClaimShop(other_company).order(status=OrderStatus.SHIPPED))
    r = admin_client.post(reverse("claims:bulk"), {"claim": [cancel.pk, done.pk, foreign.pk]})
    assert r.status_code == 200
    body = r.content.decode()
    assert "성공 1건, 실패 2건" in body
    assert body.count('data-ok="1"') == 1 and body.count('data-ok="0"') == 2
    assert "클레임을 찾을 수 없습니다" in body and "거부" in body
    cancel.refresh_from_db()
    foreign.refresh_from_db()
    assert cancel.status == S.COMPLETED and foreign.status == S.REQUESTED
    assert shop.level(shop.a) == (9, 0)  # the cancel's reservation released; the other order shipped one


def test_detail_shows_only_buttons_valid_in_its_state(shop, admin_client, company, admin_user):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = make_claim(order, type=ClaimType.RETURN)
    body = admin_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    for button in ("btn-approve", "btn-reject", "btn-hold"):
        assert button in body
    assert "btn-release" not in body and "btn-receive" not in body
    r = admin_client.post(reverse("claims:decide", args=[claim.pk]), {"action": "approve"})
    assert r.status_code == 302
    body = admin_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "btn-receive" in body and "btn-approve" not in body
    assert "요청 → 승인" in body and "승인 → 회수중" in body  # the history, old → new in Korean
    admin_client.post(reverse("claims:decide", args=[claim.pk]), {"action": "receive"})
    body = admin_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert 'data-testid="inspect-link"' in body


def test_refused_push_shows_the_marketplace_message_and_retries(shop, admin_client, company, admin_user):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    admin_client.post(reverse("claims:decide", args=[claim.pk]), {"action": "reject", "reason": "기간 경과"})
    message = OutboxMessage.objects.get(company=company, kind="claim_decision")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED)
    Claim.objects.filter(pk=claim.pk).update(push_state="failed", push_error="반품거부 불가: 이미 수거완료된 건입니다")
    body = admin_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "이미 수거완료된 건입니다" in body and 'data-testid="retry-button"' in body
    admin_client.post(reverse("claims:retry", args=[claim.pk]))
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_reject_without_reason_shows_the_error_and_changes_nothing(shop, admin_client):
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    r = admin_client.post(reverse("claims:decide", args=[claim.pk]), {"action": "reject"}, follow=True)
    assert "거부 사유를 입력하세요" in r.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.REQUESTED


def test_inspection_screen_restocks_what_it_accepted(shop, admin_client, company, admin_user):
    order = shop.order(status=OrderStatus.SHIPPED, lines=(("SKU-A", 2),))
    claim = make_claim(order, quantity=2, status=S.INSPECTING)
    queue = admin_client.get(reverse("claims:inspection")).content.decode()
    assert reverse("claims:inspect", args=[claim.pk]) in queue
    form = admin_client.get(reverse("claims:inspect", args=[claim.pk]))
    assert form.status_code == 200 and 'data-sku="SKU-A"' in form.content.decode()
    a = shop.a.pk
    bad = admin_client.post(reverse("claims:inspect", args=[claim.pk]),
                            {f"q-{a}-restock": "2", f"q-{a}-defect": "1", "warehouse": shop.warehouse.pk})
    assert bad.status_code == 400 and "회수 수량 2개" in bad.content.decode()
    bad = admin_client.post(reverse("claims:inspect", args=[claim.pk]), {f"q-{a}-restock": "-1"})
    assert bad.status_code == 400
    assert shop.level(shop.a) == (8, 0)
    r = admin_client.post(reverse("claims:inspect", args=[claim.pk]),
                          {f"q-{a}-restock": "1", f"q-{a}-dispose": "1", "warehouse": shop.warehouse.pk})
    assert r.status_code == 302
    assert shop.level(shop.a) == (9, 0)
    claim.refresh_from_db()
    assert claim.status == S.COMPLETED and ClaimInspection.objects.filter(claim=claim).count() == 2


def test_manual_claim_from_the_order_detail(shop, admin_client, company):
    order = shop.order(status=OrderStatus.SHIPPED)
    detail = admin_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    url = reverse("claims:new", args=[order.pk])
    assert url in detail  # the order screen links into the claims app through its hook
    line = order.lines.get()
    r = admin_client.post(url, {"line": line.pk, "type": "cancel", "quantity": "1", "reason": "변심"})
    assert r.status_code == 400 and "반품으로" in r.content.decode()
    r = admin_client.post(url, {"line": line.pk, "type": "return", "quantity": "1", "reason": "사이즈"})
    claim = Claim.objects.get(company=company)
    assert r.status_code == 302 and r["Location"] == reverse("claims:detail", args=[claim.pk])
    assert (claim.source, claim.type, claim.status) == (ClaimSource.MANUAL, ClaimType.RETURN, S.REQUESTED)


def test_sold_out_cancel_from_the_order(shop, admin_client, company):
    order = shop.order(status=OrderStatus.CONFIRMED)
    r = admin_client.post(reverse("claims:new", args=[order.pk]),
                          {"line": order.lines.get().pk, "type": "sold_out", "quantity": "1", "reason": ""})
    assert r.status_code == 302
    claim = Claim.objects.get(company=company)
    assert claim.source == ClaimSource.SELLER and claim.status == S.COMPLETED
    assert shop.level(shop.a) == (10, 0)


def test_home_tiles_count_waiting_inspecting_and_overdue(shop, admin_client, admin_user, company):
    from marketdock.core.dashboard import tiles_for

    order = shop.order(status=OrderStatus.SHIPPED)
    make_claim(order, requested_at=timezone.now() - timedelta(days=10))
    make_claim(order, status=S.INSPECTING)
    tiles = {t.key: t for t in tiles_for(company, admin_user)}
    assert tiles["claims_waiting"].count == 1
    assert tiles["claims_inspecting"].count == 1
    assert (tiles["claims_overdue"].count, tiles["claims_overdue"].level) == (1, "danger")
    assert "결정 대기 클레임" in admin_client.get("/").content.decode()


def test_other_company_sees_none_of_it(shop, other_client):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = make_claim(order, status=S.INSPECTING, reason="비밀사유XYZ")
    assert_isolated(other_client, [
        reverse("claims:detail", args=[claim.pk]), reverse("claims:decide", args=[claim.pk]),
        reverse("claims:retry", args=[claim.pk]), reverse("claims:exchange_sku", args=[claim.pk]),
        reverse("claims:inspect", args=[claim.pk]), reverse("claims:new", args=[order.pk]),
    ], secrets=("비밀사유XYZ", order.channel_order_id))
    for url in (reverse("claims:list"), reverse("claims:inspection")):
        assert order.channel_order_id not in other_client.get(url).content.decode()
    other_client.post(reverse("claims:bulk"), {"claim": [claim.pk]})
    claim.refresh_from_db()
    assert claim.status == S.INSPECTING


def test_viewer_reads_but_changes_nothing(shop, viewer_client, company):
    order = shop.order(status=OrderStatus.SHIPPED)
    claim = make_claim(order, status=S.INSPECTING)
    waiting = make_claim(order, type=ClaimType.EXCHANGE)
    for url in (reverse("claims:list"), reverse("claims:detail", args=[claim.pk]), reverse("claims:inspection"),
                reverse("claims:inspect", args=[claim.pk])):
        r = viewer_client.get(url)
        assert r.status_code == 200
        body = r.content.decode()
        assert "btn-approve" not in body and 'data-testid="inspect-form"' not in body
        assert 'data-testid="bulk-approve"' not in body
    posts = [
        (reverse("claims:bulk"), {"claim": [waiting.pk]}),
        (reverse("claims:decide", args=[waiting.pk]), {"action": "approve"}),
        (reverse("claims:retry", args=[waiting.pk]), {}),
        (reverse("claims:exchange_sku", args=[waiting.pk]), {"sku": shop.b.pk}),
        (reverse("claims:inspect", args=[claim.pk]), {f"q-{shop.a.pk}-restock": "1", "warehouse": shop.warehouse.pk}),
        (reverse("claims:new", args=[order.pk]), {"line": order.lines.get().pk, "type": "return", "quantity": "1",
                                                  "reason": "x"}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    assert viewer_client.get(reverse("claims:new", args=[order.pk])).status_code == 403
    assert Claim.objects.filter(company=company).count() == 2
    claim.refresh_from_db()
    waiting.refresh_from_db()
    assert (claim.status, waiting.status, waiting.exchange_sku_id) == (S.INSPECTING, S.REQUESTED, None)
    assert shop.level(shop.a) == (9, 0)
    assert "클레임 등록" not in viewer_client.get(reverse("orders:detail", args=[order.pk])).content.decode()


def test_screens_show_korean_labels_not_codes(shop, admin_client, admin_user, company):
    from marketdock.claims import services

    order = shop.order(status=OrderStatus.SHIPPED, lines=(("SKU-A", 2),))
    claims = [make_claim(order, type=t, status=s, quantity=1) for t in ClaimType.values
              for s in (S.REQUESTED, S.HELD, S.INSPECTING, S.COMPLETED)]
    returned = make_claim(order, quantity=2)
    services.claims_approve(company=company, claims=[returned], user=admin_user)
    services.claims_receive(company=company, claims=[returned], user=admin_user)
    services.claim_inspect(company=company, claim=returned, warehouse=shop.warehouse, user=admin_user,
                           counts={shop.a.pk: {"restock": 1, "defect": 1}})
    Claim.objects.filter(pk=claims[0].pk).update(push_state="failed", push_error="거부됨")
    urls = [reverse("claims:list"), reverse("claims:inspection"), reverse("claims:new", args=[order.pk]),
            reverse("claims:inspect", args=[claims[2].pk]), reverse("claims:detail", args=[returned.pk])]
    urls += [reverse("claims:detail", args=[c.pk]) for c in claims]
    for url in urls:
        r = admin_client.get(url)
        assert r.status_code == 200, url
        _no_raw_codes(r)


def test_claim_labels_and_screens_have_english(shop, admin_client):
    from django.utils import translation

    with translation.override("en"):
        assert str(ClaimStatus.INSPECTING.label) == "Return inspection"
        assert str(InspectionOutcome.RESTOCK.label) == "Restock"
    claim = make_claim(shop.order(status=OrderStatus.SHIPPED))
    admin_client.cookies["django_language"] = "en"
    body = admin_client.get(reverse("claims:detail", args=[claim.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "History" in body and "처리 이력" not in body
