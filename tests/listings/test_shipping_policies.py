"""배송정보설정 (LST-8, SHP-8): the fee rules a seller types are validated with clear Korean messages,
one default per account, attached to listings; fee_for gives what a buyer pays."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from marketdock.listings import services
from marketdock.listings.models import Listing, ShippingPolicy
from tests.factories.channels import make_account
from tests.isolation import assert_isolated


def post_data(account, **extra):
    data = {"account": account.pk, "name": "기본 택배", "fee_type": "conditional", "fee": "3000",
            "free_threshold": "50000", "bundle_rule": "bundle", "return_fee": "3000", "exchange_fee": "6000",
            "jeju_surcharge": "3000", "remote_surcharge": "5000"}
    data.update(extra)
    return data


def test_admin_adds_a_conditional_policy_and_sees_it(admin_client, company):
    account = make_account(company)
    response = admin_client.post(reverse("channels:shipping_policies"), post_data(account, is_default="on"))
    assert response.status_code == 302
    policy = ShippingPolicy.objects.get(company=company)
    assert (policy.fee, policy.free_threshold, policy.remote_surcharge, policy.is_default) == (3000, 50000, 5000, True)
    page = admin_client.get(reverse("channels:shipping_policies")).content.decode()
    assert "기본 택배" in page and "50,000원" in page


@pytest.mark.parametrize(("extra", "message"), [
    ({"fee_type": "conditional", "free_threshold": ""}, "무료배송 기준금액을 입력하세요"),
    ({"fee_type": "paid", "fee": "0"}, "유료 배송은 기본 배송비를 입력하세요"),
    ({"fee_type": "paid", "fee": "2000000"}, "기본 배송비은(는) 0원 이상 1,000,000원 이하"),
    ({"name": "  "}, "배송정보명을 입력하세요"),
])
def test_bad_policy_is_refused_with_a_named_reason(admin_client, company, extra, message):
    account = make_account(company)
    response = admin_client.post(reverse("channels:shipping_policies"), post_data(account, **extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ShippingPolicy.objects.exists()


def test_names_are_unique_per_account_and_one_default(company):
    a = make_account(company)
    first = services.shipping_policy_save(company=company, policy=None, account=a,
                                          data={"name": "A", "fee_type": "free", "is_default": True})
    second = services.shipping_policy_save(company=company, policy=None, account=a,
                                           data={"name": "B", "fee_type": "paid", "fee": 2500, "is_default": True})
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    with pytest.raises(services.ListingError, match="이미 있습니다"):
        services.shipping_policy_save(company=company, policy=None, account=a, data={"name": "B", "fee_type": "free"})
    # the same name on another account is fine
    services.shipping_policy_save(company=company, policy=None, account=make_account(company, "쿠팡", "coupang"),
                                  data={"name": "B", "fee_type": "free"})


def test_free_policy_drops_stray_amounts(company):
    policy = services.shipping_policy_save(company=company, policy=None, account=make_account(company),
                                           data={"name": "무료", "fee_type": "free", "fee": 3000, "free_threshold": 10})
    assert (policy.fee, policy.free_threshold) == (0, None)


@settings(max_examples=60, deadline=None)
@given(fee=st.integers(1, 10000), threshold=st.integers(1, 100000), amount=st.integers(0, 200000),
       remote=st.booleans(), jeju=st.booleans())
def test_conditional_fee_is_free_from_the_threshold_plus_surcharges(fee, threshold, amount, remote, jeju):
    p = ShippingPolicy(fee_type="conditional", fee=fee, free_threshold=threshold, jeju_surcharge=3000,
                       remote_surcharge=5000)
    base = 0 if amount >= threshold else fee
    assert p.fee_for(amount, remote=remote, jeju=jeju) == base + (5000 if remote else 0) + (3000 if jeju else 0)


def test_deleting_a_policy_leaves_its_listings(admin_client, company, tshirt):
    account = make_account(company)
    policy = services.shipping_policy_save(company=company, policy=None, account=account,
                                           data={"name": "A", "fee_type": "paid", "fee": 3000})
    listing = Listing.objects.create(company=company, account=account, product=tshirt, name="x", shipping_policy=policy)
    response = admin_client.post(reverse("channels:shipping_policy_edit", args=[policy.pk]), {"action": "delete"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.shipping_policy is None


def test_edit_saves_and_viewer_cannot_post(admin_client, viewer_client, company):
    account = make_account(company)
    policy = services.shipping_policy_save(company=company, policy=None, account=account,
                                           data={"name": "A", "fee_type": "paid", "fee": 3000})
    url = reverse("channels:shipping_policy_edit", args=[policy.pk])
    assert viewer_client.get(url).status_code == 200
    assert viewer_client.post(url, post_data(account, fee_type="free")).status_code == 403
    assert viewer_client.post(reverse("channels:shipping_policies"), post_data(account)).status_code == 403
    response = admin_client.post(url, post_data(account, name="A", fee_type="paid", fee="4000"))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.fee == 4000


def test_another_company_cannot_see_or_change_a_policy(other_client, company):
    policy = services.shipping_policy_save(company=company, policy=None, account=make_account(company),
                                           data={"name": "비밀배송정책", "fee_type": "paid", "fee": 3000})
    assert_isolated(other_client, [reverse("channels:shipping_policy_edit", args=[policy.pk])], secrets=("비밀배송정책",))
    assert ShippingPolicy.objects.filter(pk=policy.pk).exists()
