"""배송추적 screen: shipped packages with their last event, status filter, 지금 조회 as a job,
permissions and isolation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.core.models import JobRun
from marketdock.shipping.models import PackageStatus
from tests.factories.shipping import DELIVERED, PICKED, ScriptedProvider, shipped_package
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def test_list_filter_and_poll_now(admin_client, admin_user, company, account, contract, monkeypatch,
                                  django_capture_on_commit_callbacks):
    first, _a = shipped_package(company, account, admin_user)
    second, _b = shipped_package(company, account, admin_user)
    provider = ScriptedProvider({first.tracking_number: [PICKED, DELIVERED], second.tracking_number: [PICKED]})
    monkeypatch.setattr("marketdock.shipping.services_tracking.default_provider", lambda: provider)
    page = admin_client.get(reverse("shipping:tracking")).content.decode()
    assert page.count('data-testid="tracking-row"') == 2 and first.tracking_number in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("shipping:tracking_poll"))
    run = JobRun.objects.get(kind="shipping.tracking_poll")
    assert response.url == reverse("core:job_detail", args=[run.pk])
    run.refresh_from_db()
    assert run.status == "succeeded" and run.result["배송완료"] == 1 and run.result["배송중"] == 1
    delivered = admin_client.get(reverse("shipping:tracking") + "?status=delivered").content.decode()
    assert first.tracking_number in delivered and second.tracking_number not in delivered
    detail = admin_client.get(reverse("shipping:tracking_detail", args=[first.pk])).content.decode()
    assert "배달완료" in detail and "집화처리" in detail
    # only the chosen packages
    provider.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("shipping:tracking_poll"), {"package": [second.pk, "x"]})
    assert [n for _c, n in provider.calls] == [second.tracking_number]


def test_viewer_cannot_poll(viewer_client, company, account, contract, admin_user):
    package, _o = shipped_package(company, account, admin_user)
    assert viewer_client.get(reverse("shipping:tracking")).status_code == 200
    assert viewer_client.get(reverse("shipping:tracking_detail", args=[package.pk])).status_code == 200
    assert viewer_client.post(reverse("shipping:tracking_poll")).status_code == 403
    assert not JobRun.objects.filter(kind="shipping.tracking_poll").exists()


def test_other_company_cannot_see_tracking(other_client, company, account, contract, admin_user):
    package, order = shipped_package(company, account, admin_user)
    assert_isolated(other_client, [reverse("shipping:tracking_detail", args=[package.pk])],
                    secrets=(package.tracking_number, order.channel_order_id))
    assert package.tracking_number not in other_client.get(reverse("shipping:tracking")).content.decode()
    package.refresh_from_db()
    assert package.status == PackageStatus.SHIPPED
