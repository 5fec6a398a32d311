"""Retention (SYS-9): buyer personal data purged after the retention days, everywhere the apps copied
it, while sales figures stay; a terminated company kept 3 months, then deleted (dry run first)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from marketdock.analytics.models import SalesDay
from marketdock.analytics.services import rollup_rebuild
from marketdock.core.models import Company
from marketdock.orders.models import Order, OrderStatus
from marketdock.saas import services
from marketdock.saas.models import CompanyDeletion, PurgedOrder, PurgeRun, Subscription
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest
from tests.factories.saas import age_order, personal_copies, text_values

pytestmark = pytest.mark.django_db

GONE = dict(name="윤서연", phone="010-5555-7777", address="경기도 성남시 분당구 판교역로 235", message="경비실에 맡겨주세요")
KEPT = dict(name="한가람", phone="010-3333-4444", address="부산광역시 해운대구 센텀중앙로 79", message="벨 누르지 마세요")


def _order(account, no: str, who: dict, amount: int) -> Order:
    raw = {"orderer": {"name": who["name"], "tel": who["phone"]}, "receiverAddress": who["address"],
           "note": f"{who['name']} / {who['phone'].replace('-', '')}", "productOrderId": no}
    ingest(account, [co(no, f"{no}-1", buyer_name=who["name"], buyer_phone=who["phone"], recipient_name=who["name"],
                        recipient_phone=who["phone"], recipient_address1=who["address"], recipient_address2="3층",
                        delivery_message=who["message"], unit_price=amount, total_amount=amount, raw=raw)])
    return Order.objects.get(account=account, channel_order_id=no)


def _traces(who: dict) -> list[str]:
    digits = re.sub(r"\D", "", who["phone"])
    return [who["name"], who["phone"], digits, digits[-8:], who["address"].split(" ", 2)[2], who["message"]]


def _found_anywhere(needles: list[str]) -> list[str]:
    """Every model of every app, every text and JSON column: where any of `needles` is still written."""
    hits = []
    for model in apps.get_models():
        for row in model._default_manager.all():
            for value in text_values(row):
                hits += [f"{model._meta.label}#{row.pk}: {n}" for n in needles if n in value]
    return hits


def _sales(company) -> dict:
    rollup_rebuild(company)
    return SalesDay.objects.filter(company=company).aggregate(revenue=Sum("revenue"), lines=Sum("lines"),
                                                              cancelled=Sum("cancelled_amount"))


def test_purge_leaves_no_buyer_name_or_phone_anywhere_and_sales_stay(company):
    account = make_account_with_credentials(company)
    delivered = _order(account, "RET-1", GONE, 39_000)
    cancelled = _order(account, "RET-2", GONE, 12_000)
    recent = _order(account, "RET-3", KEPT, 25_000)
    personal_copies(delivered, name=GONE["name"], phone=GONE["phone"], address=GONE["address"])
    personal_copies(recent, name=KEPT["name"], phone=KEPT["phone"], address=KEPT["address"])
    age_order(delivered, status=OrderStatus.DELIVERED, days=120)
    age_order(cancelled, status=OrderStatus.CANCELLED, days=95)
    age_order(recent, status=OrderStatus.DELIVERED, days=20)
    assert _found_anywhere(_traces(GONE))  # the search finds them before the purge
    before = _sales(company)

    run = services.buyer_data_purge(company)

    assert run.orders == 2 and run.days == 90
    assert set(PurgedOrder.objects.values_list("order__channel_order_id", flat=True)) == {"RET-1", "RET-2"}
    assert _found_anywhere(_traces(GONE)) == []
    assert _found_anywhere([KEPT["name"], KEPT["phone"]])  # the recent order is untouched
    delivered.refresh_from_db()
    assert (delivered.buyer_name, delivered.recipient_phone) == ("윤*연", "010-5555-****")
    assert delivered.recipient_address1 == "경기도 성남시 ***" and delivered.total_amount == 39_000
    assert _sales(company) == before
    assert run.rows["orders.OrderLine"] == 2 and run.rows["shipping.Package"] == 1
    assert services.buyer_data_purge(company) is None  # nothing left to purge: no empty ledger rows


def test_retention_days_follow_the_company_setting(company):
    account = make_account_with_credentials(company)
    age_order(_order(account, "D-1", GONE, 1000), status=OrderStatus.DELIVERED, days=40)
    assert services.buyer_data_purge(company) is None
    Subscription.objects.create(company=company, buyer_data_days=30)
    assert services.buyer_data_purge(company).orders == 1
    assert PurgeRun.objects.get(company=company).days == 30


def _terminated(code="gone", months_ago=4):
    company, _pw = services.service_company_create(code=code, name="해지상사", business_no="124-81-00998",
                                                  admin_username=f"{code}_admin", admin_password="Pass-word-123!")
    account = make_account_with_credentials(company)
    order = _order(account, "T-1", GONE, 9900)
    personal_copies(order, name=GONE["name"], phone=GONE["phone"], address=GONE["address"])
    services.company_terminate(company=company)
    Subscription.objects.filter(company=company).update(
        terminated_at=timezone.now() - timedelta(days=31 * months_ago))
    return company


def test_terminated_company_kept_three_months_then_deleted_with_a_dry_run_first(company):
    other_account = make_account_with_credentials(company)
    _order(other_account, "KEEP-1", KEPT, 5000)
    recent = _terminated("recent", months_ago=2)
    old = _terminated("old", months_ago=4)
    assert not recent.users.filter(is_active=True).exists()

    out = StringIO()
    call_command("company", "purge", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "old" in text and "삭제 예정" in text and "orders.Order: 1" in text and "recent" not in text
    assert Company.objects.filter(code="old").exists() and Order.objects.filter(company=old).count() == 1

    call_command("company", "purge", stdout=StringIO())
    assert not Company.objects.filter(code="old").exists()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname == "company_id"]
        if fields:
            assert not model._default_manager.filter(company_id=old.pk).exists(), model._meta.label
    assert Company.objects.filter(code="recent").exists()
    assert Order.objects.filter(company=company, channel_order_id="KEEP-1").exists()
    deletion = CompanyDeletion.objects.get(company_code="old")
    assert deletion.rows["orders.Order"] == 1
