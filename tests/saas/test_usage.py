"""Usage metering and plans (SYS-8), counted as the service's rules say: per KST calendar month,
orders collected without set components and gifts, a re-collection after deletion counted again;
limits with a 10 % grace and Korean messages; the 15-day trial; the 서비스 사용량 panel; the
operator's view (superusers only) and its plan history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from marketdock.catalog.models import SKU
from marketdock.channels.models import ChannelAccount
from marketdock.channels.services import channel_account_create
from marketdock.core.models import Company, User
from marketdock.core.usage import UsageLimitExceeded, month_of, usage_limit_check, usage_month, usage_record
from marketdock.orders.models import Order
from marketdock.saas.models import PlanChange
from tests.factories.catalog import make_set, make_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.core import login_client
from tests.factories.orders import co, ingest
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def test_orders_collected_count_without_sets_components_and_gifts(company):
    account = make_account_with_credentials(company)
    a, b = make_sku(company, "U-A"), make_sku(company, "U-B")
    make_set(company, "U-SET", [(a, 1), (b, 2)])
    gift = make_sku(company, "U-GIFT")
    SKU.objects.filter(pk=gift.pk).update(is_gift=True)
    ingest(account, [co("U-1", "U-1-1", seller_option_code="U-A"),
                     co("U-1", "U-1-2", seller_option_code="U-SET"),  # a set: one collected line
                     co("U-1", "U-1-3", seller_option_code="U-GIFT", unit_price=0, total_amount=0),  # a gift
                     co("U-2", "U-2-1")])  # unmatched, still collected
    assert usage_month(company, "orders") == 3
    ingest(account, [co("U-2", "U-2-1", raw_status="INSTRUCT")])  # re-collected, unchanged line: not again
    assert usage_month(company, "orders") == 3


def test_a_recollection_after_deletion_counts_again(company):
    account = make_account_with_credentials(company)
    ingest(account, [co("DEL-1", "DEL-1-1")])
    Order.objects.filter(company=company, channel_order_id="DEL-1").delete()
    ingest(account, [co("DEL-1", "DEL-1-1")])
    assert usage_month(company, "orders") == 2


def test_months_are_kst_calendar_months(company):
    usage_record(company, "orders", 5, at=datetime(2024, 5, 31, 14, 59, tzinfo=UTC))  # 23:59 KST, May
    usage_record(company, "orders", 7, at=datetime(2024, 5, 31, 15, 0, tzinfo=UTC))  # 00:00 KST, June
    assert usage_month(company, "orders", date(2024, 5, 1)) == 5
    assert usage_month(company, "orders", date(2024, 6, 1)) == 7
    assert month_of(datetime(2024, 5, 31, 15, 0, tzinfo=UTC)) == date(2024, 6, 1)


def test_limits_have_a_ten_percent_grace_with_korean_messages(company):
    # 베이직: 10 stores, 1,000 products a month
    assert usage_limit_check(company, "stores", current=9) == ""
    warning = usage_limit_check(company, "stores", current=10)
    assert "유예" in warning and "베이직" in warning
    assert usage_limit_check(company, "stores", current=10, adding=1)
    with pytest.raises(UsageLimitExceeded) as exc:
        usage_limit_check(company, "stores", current=11)
    assert "한도 10건" in exc.value.messages[0] and "요금제" in exc.value.messages[0]
    assert usage_limit_check(company, "products", current=1099) != ""
    with pytest.raises(UsageLimitExceeded):
        usage_limit_check(company, "products", current=1100)
    Company.objects.filter(pk=company.pk).update(plan="enterprise")
    company.refresh_from_db()
    assert usage_limit_check(company, "products", current=10**6) == ""


def test_adding_a_store_beyond_the_grace_is_refused_and_nothing_saved(company):
    for i in range(11):
        make_account_with_credentials(company, name=f"계정 {i}")
    with pytest.raises(ValidationError) as exc:
        channel_account_create(company=company, kind="manual", name="하나 더", credentials={})
    assert "쇼핑몰 계정수" in " ".join(exc.value.messages)
    assert ChannelAccount.objects.filter(company=company).count() == 11


def test_new_company_has_a_fifteen_day_trial_and_the_panel_shows_it():
    out = StringIO()
    call_command("company", "create", "newco", "새회사", "--business-no", "124-81-00998", "--admin", "newco_admin",
                 stdout=out)
    password = out.getvalue().strip().splitlines()[-1].split(": ")[-1]
    company = Company.objects.get(code="newco")
    assert company.status == "trial"
    assert timedelta(days=14, hours=23) < company.trial_ends_at - timezone.now() <= timedelta(days=15)
    admin = User.objects.get(username="newco_admin")
    assert admin.check_password(password) and admin.is_company_admin
    page = login_client(admin).get("/").content.decode()
    assert "서비스 사용량" in page and "무료 체험 15일 남음" in page
    assert PlanChange.objects.filter(company=company).count() == 1
    with pytest.raises(CommandError, match="이미 있습니다"):
        call_command("company", "create", "newco", "또", "--business-no", "124-81-00998", "--admin", "x2")


def test_usage_panel_and_screen_show_usage_against_limits(admin_client, company):
    account = make_account_with_credentials(company)
    ingest(account, [co("P-1", "P-1-1"), co("P-2", "P-2-1")])
    page = admin_client.get("/").content.decode()
    assert 'data-testid="usage-panel"' in page and 'data-metric="orders"' in page and "3,000" in page
    screen = admin_client.get(reverse("saas:usage")).content.decode()
    assert "월별 사용량" in screen and f"{timezone.localdate():%Y-%m}" in screen


def test_viewer_sees_usage_and_changes_nothing(viewer_client):
    assert viewer_client.get(reverse("saas:usage")).status_code == 200
    assert viewer_client.post(reverse("saas:usage")).status_code == 403


def test_operator_view_is_for_superusers_and_records_plan_changes(company, admin_client, other_client):
    operator = User.objects.create_superuser("operator-root", "root@example.com", "Root-pass-1234")
    client = login_client(operator)
    listing = client.get(reverse("saas:operator_companies")).content.decode()
    assert company.code in listing and "체험" in listing
    url = reverse("saas:operator_company", args=[company.pk])
    response = client.post(url, {"plan": "pro", "status": "active", "note": "연간 계약", "buyer_data_days": "60"})
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.plan, company.status) == ("pro", "active")
    change = PlanChange.objects.filter(company=company).first()
    assert (change.old_plan, change.new_plan, change.by) == ("base", "pro", operator)
    assert admin_client.get(reverse("saas:operator_companies")).status_code == 403
    assert admin_client.post(url, {"plan": "enterprise", "status": "active"}).status_code == 403
    assert_isolated(other_client, [url])
    company.refresh_from_db()
    assert company.plan == "pro"
