"""주문수집/설정, 자동주문스케줄관리, 미매칭 주문 screens: rendering, 지금 수집 / 기간 수집 start a job,
schedule edits, manual matching from the queue, permissions (viewer cannot POST), bad input,
company isolation for every URL with an id."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from marketdock.channels.models import ChannelAccount
from marketdock.core.models import JobRun
from marketdock.orders.models import CollectionRun, MatchRule, MatchStatus, OrderLine, QuarantinedRecord
from tests.factories.catalog import make_stocked_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest
from tests.isolation import assert_isolated


def test_collect_screen_lists_accounts_and_runs_drillable(company, admin_client):
    account = make_account_with_credentials(company, name="쿠팡 본점")
    run, _ = ingest(account, [co("1001", "1001-1")])
    QuarantinedRecord.objects.create(company=company, account=account, run=run, channel_order_id="X9",
                                     field="data[0].orderedAt", message="날짜가 아닙니다", raw={"orderId": "X9"})
    page = admin_client.get(reverse("orders:collect")).content.decode()
    assert "쿠팡 본점" in page and f'data-testid="collect-now-{account.pk}"' in page
    detail = admin_client.get(reverse("orders:run_detail", args=[run.pk])).content.decode()
    assert f"?run={run.pk}&amp;outcome=created" in detail and f"?run={run.pk}&amp;outcome=updated" in detail
    assert "날짜가 아닙니다" in detail and "X9" in detail and "data[0].orderedAt" in detail


def test_collect_now_starts_a_job_and_shows_progress(company, admin_client, django_capture_on_commit_callbacks,
                                                     monkeypatch):
    from marketdock.channels.connectors.http import HttpOptions
    from marketdock.orders.services import collection

    monkeypatch.setattr(collection, "connector_options", lambda account: HttpOptions(sleep=lambda s: None))
    account = make_account_with_credentials(company)
    account.base_url = "http://127.0.0.1:9"  # nothing listens: the run fails with the connection error
    account.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("orders:collect_now", args=[account.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="job-progress"' in response.content.decode()
    job = JobRun.objects.get(kind="orders.collect")
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED
    run = CollectionRun.objects.get(account=account)
    assert run.status == CollectionRun.Status.FAILED and run.error
    account.refresh_from_db()
    assert account.last_status == "failed" and account.last_error


def test_backfill_refuses_bad_periods(company, admin_client):
    account = make_account_with_credentials(company)
    url = reverse("orders:collect_backfill", args=[account.pk])
    for start, end, text in [("2024-13-01", "2024-01-02", "YYYY-MM-DD"), ("2024-01-05", "2024-01-01", "뒤여야"),
                             ("2023-01-01", "2023-12-31", "90일")]:
        response = admin_client.post(url, {"start": start, "end": end}, follow=True)
        assert text in response.content.decode()
    assert not JobRun.objects.exists()


def test_schedule_edit_and_bad_interval(company, admin_client):
    account = make_account_with_credentials(company)
    url = reverse("orders:schedule_edit", args=[account.pk])
    admin_client.post(url, {"collect_every_minutes": "15"})
    account.refresh_from_db()
    assert account.collect_every_minutes == 15 and account.auto_collect is False  # checkbox off
    response = admin_client.post(url, {"collect_every_minutes": "1", "auto_collect": "on"}, follow=True)
    assert "5분에서 1440분" in response.content.decode()
    account.refresh_from_db()
    assert account.collect_every_minutes == 15
    assert "자동 수집" in admin_client.get(reverse("orders:schedules")).content.decode()


def test_unmatched_queue_match_and_rule(company, admin_client):
    account = make_account_with_credentials(company)
    sku = make_stocked_sku(company, "SKU-Q")
    ingest(account, [co("1", "1-1", channel_option_id="K"), co("2", "2-1", channel_option_id="K")])
    page = admin_client.get(reverse("orders:unmatched")).content.decode()
    line = OrderLine.objects.get(channel_line_id="1-1")
    assert "기모 트레이닝 팬츠" in page and f'data-testid="group-{line.pk}"' in page
    found = admin_client.get(reverse("orders:sku_lookup"), {"q": "SKU-Q", "line": line.pk},
                             HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{sku.pk}"' in found
    response = admin_client.post(reverse("orders:line_match", args=[line.pk]),
                                 {"sku": [sku.pk], f"qty_{sku.pk}": "2", "save_rule": "on"}, follow=True)
    assert "2건을 매칭했습니다" in response.content.decode()
    assert set(OrderLine.objects.values_list("match_status", flat=True)) == {MatchStatus.MATCHED}
    rule = MatchRule.objects.get()
    assert "SKU-Q × 2" in admin_client.get(reverse("orders:match_rules")).content.decode()
    admin_client.post(reverse("orders:match_rule_delete", args=[rule.pk]))
    assert not MatchRule.objects.exists()


def test_unmatched_header_row_and_button_counts_agree(company, admin_client):
    account = make_account_with_credentials(company)
    ingest(account, [co("1", "1-1", channel_option_id="K"), co("1", "1-2", channel_option_id="K"),
                     co("2", "2-1", channel_option_id="K"), co("3", "3-1", channel_option_id="J")])
    page = admin_client.get(reverse("orders:unmatched")).content.decode()
    line = OrderLine.objects.get(channel_line_id="1-1")
    header = re.search(r'data-testid="waiting-count">(\d+)건 대기', page).group(1)
    rows = [int(n) for n in re.findall(r'data-testid="group-count-\d+">(\d+)<', page)]
    buttons = [int(n) for n in re.findall(r'data-testid="match-apply-\d+">(\d+)건 매칭', page)]
    assert int(header) == sum(rows) == sum(buttons) == 4
    assert re.search(rf'data-testid="group-count-{line.pk}">(\d+)<', page).group(1) == "3"
    assert re.search(rf'data-testid="match-apply-{line.pk}">(\d+)건 매칭', page).group(1) == "3"


def test_match_bad_input_is_refused(company, admin_client):
    account = make_account_with_credentials(company)
    ingest(account, [co("1", "1-1")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    sku = make_stocked_sku(company, "SKU-Z")
    response = admin_client.post(reverse("orders:line_match", args=[line.pk]),
                                 {"sku": [sku.pk], f"qty_{sku.pk}": "두개"}, follow=True)
    assert "숫자로 입력하세요" in response.content.decode()
    response = admin_client.post(reverse("orders:line_match", args=[line.pk]), {}, follow=True)
    assert "하나 이상" in response.content.decode()
    line.refresh_from_db()
    assert line.match_status == MatchStatus.UNMATCHED


def test_viewer_can_look_but_not_post(company, viewer_client):
    account = make_account_with_credentials(company)
    ingest(account, [co("1", "1-1")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    rule = MatchRule.objects.create(company=company, account=account, match_key=line.match_key)
    for name in ("orders:collect", "orders:schedules", "orders:unmatched", "orders:match_rules"):
        page = viewer_client.get(reverse(name))
        assert page.status_code == 200
        assert "collect-now-" not in page.content.decode() and "match-apply-" not in page.content.decode()
        assert "register-product-" not in page.content.decode()
    for url in (reverse("orders:collect_now", args=[account.pk]), reverse("orders:collect_backfill", args=[account.pk]),
                reverse("orders:schedule_edit", args=[account.pk]), reverse("orders:line_match", args=[line.pk]),
                reverse("orders:rules_apply"), reverse("orders:match_rule_delete", args=[rule.pk])):
        assert viewer_client.post(url, {"collect_every_minutes": "10"}).status_code == 403
    assert MatchRule.objects.filter(pk=rule.pk).exists() and not JobRun.objects.exists()
    assert ChannelAccount.objects.get(pk=account.pk).collect_every_minutes == 30


def test_other_company_gets_404(company, other_client):
    account = make_account_with_credentials(company, name="비밀 계정")
    run, _ = ingest(account, [co("1", "1-1", product_name="비밀상품")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    rule = MatchRule.objects.create(company=company, account=account, match_key=line.match_key, product_name="비밀상품")
    assert_isolated(other_client, [
        reverse("orders:collect_now", args=[account.pk]), reverse("orders:collect_backfill", args=[account.pk]),
        reverse("orders:run_detail", args=[run.pk]), reverse("orders:schedule_edit", args=[account.pk]),
        reverse("orders:line_match", args=[line.pk]), reverse("orders:match_rule_delete", args=[rule.pk]),
    ], secrets=("비밀 계정", "비밀상품"))
    assert "비밀상품" not in other_client.get(reverse("orders:unmatched")).content.decode()
    assert "비밀 계정" not in other_client.get(reverse("orders:collect")).content.decode()


def test_register_product_from_unmatched_fills_the_form_and_saving_matches_the_line(company, admin_client):
    account = make_account_with_credentials(company)
    ingest(account, [co("1", "1-1", product_name="유기농 현미", option_text="중량: 4kg", seller_product_code="RICE",
                        seller_option_code="RICE-4KG"),
                     co("2", "2-1", product_name="유기농 현미", option_text="중량: 4kg", seller_product_code="RICE",
                        seller_option_code="RICE-4KG")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    page = admin_client.get(reverse("orders:unmatched"))
    link = re.search(rf'href="([^"]+)" data-testid="register-product-{line.pk}"', page.content.decode()).group(1)
    link = html.unescape(link)
    form = admin_client.get(link).content.decode()
    assert 'value="유기농 현미"' in form and 'value="RICE"' in form and 'value="중량"' in form
    assert 'value="RICE-4KG"' in form and 'data-testid="product-next"' in form
    response = admin_client.post(link, {
        "code": "RICE", "seller_code": "RICE", "name": "유기농 현미", "price": "25900", "tax_type": "taxable",
        "status": "on_sale", "inventory_managed": "on", "axis_name_1": "중량", "axis_values_1": "4kg",
        "sku-count": "1", "sku-0-options": '{"중량": "4kg"}', "sku-0-code": "RICE-4KG", "sku-0-status": "active",
        "next": reverse("orders:unmatched")})
    assert response.status_code == 302 and response["Location"] == reverse("orders:unmatched")
    assert set(OrderLine.objects.values_list("match_status", flat=True)) == {MatchStatus.MATCHED}
    assert OrderLine.objects.get(channel_line_id="2-1").components.get().sku.code == "RICE-4KG"


def test_register_link_back_to_another_site_is_ignored(company, admin_client):
    response = admin_client.get(reverse("catalog:product_create") + "?name=x&next=https://evil.example/")
    assert 'data-testid="product-next"' not in response.content.decode()
