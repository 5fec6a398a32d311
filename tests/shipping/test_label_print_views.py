"""운송장 출력 screen: print → a PDF with the masked recipient, the changed-address warning, reprint and
move back, a large batch as a job, bad input, permissions and isolation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.core.models import PersonalDataDownloadLog
from marketdock.orders.models import Order, OrderStatus
from marketdock.shipping import selectors
from marketdock.shipping.models import IssuedTrackingNumber, LabelBatch, PackageStatus
from marketdock.shipping.services_packages import packages_build
from tests.factories.orders import make_order
from tests.factories.shipping import text_of
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db
S = OrderStatus


def print_post(client, packages, **extra):
    data = {"package": [p.pk for p in packages], "layout": "single", "move_to_ready": "1"}
    data.update(extra)
    return client.post(reverse("shipping:label_print"), data)


def test_print_opens_a_pdf_and_moves_to_ready(admin_client, admin_user, company, account, contract):
    order = make_order(account)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    page = admin_client.get(reverse("shipping:labels")).content.decode()
    assert f'data-package="{package.pk}"' in page and "A4 4매" in page
    response = print_post(admin_client, [package])
    batch = LabelBatch.objects.get(company=company)
    assert response.url == reverse("shipping:label_batch", args=[batch.pk])
    page = admin_client.get(response.url).content.decode()
    assert reverse("shipping:label_batch_pdf", args=[batch.pk]) in page and f"{package.code}: 출력" in page
    pdf = admin_client.get(reverse("shipping:label_batch_pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("inline")
    text = text_of(pdf.content)
    assert "010-2222-****" in text and "010-2222-3333" not in text
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.tracking_number[8:] in text and order.status == S.READY
    assert PersonalDataDownloadLog.objects.filter(company=company, screen="shipping.labels", record_count=1).exists()


def test_address_changed_warns_and_needs_acknowledging(admin_client, company, account, contract):
    order = make_order(account)
    Order.objects.filter(pk=order.pk).update(address_changed=True)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    page = admin_client.get(reverse("shipping:labels")).content.decode()
    assert 'data-testid="address-changed-warning"' in page and package.code in page
    response = print_post(admin_client, [package])
    assert response.url.endswith("?result=1")
    page = admin_client.get(response.url).content.decode()
    assert "주소가 변경된 주문" in page
    package.refresh_from_db()
    assert package.tracking_number == ""
    print_post(admin_client, [package], ack_address="1")
    package.refresh_from_db()
    assert package.status == PackageStatus.PRINTED


def test_reprint_keeps_and_move_back_renews_the_number(admin_client, company, account, contract):
    order = make_order(account)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    print_post(admin_client, [package])
    package.refresh_from_db()
    first = package.tracking_number
    print_post(admin_client, [package])
    package.refresh_from_db()
    assert package.tracking_number == first and package.print_count == 2
    response = admin_client.post(reverse("shipping:label_move_back"), {"package": [package.pk]})
    assert response.status_code == 302
    package.refresh_from_db()
    order.refresh_from_db()
    assert package.tracking_number == "" and order.status == S.CONFIRMED
    assert IssuedTrackingNumber.objects.get(company=company, number=first).status == "voided"
    print_post(admin_client, [package])
    package.refresh_from_db()
    assert package.tracking_number and package.tracking_number != first


def test_bad_input(admin_client, company, account, contract, other_company):
    order = make_order(account)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    for data, error in (({"layout": "single"}, "출력할 포장을 선택하세요"),
                        ({"package": [package.pk], "layout": "a5"}, "알 수 없는 출력 형식"),
                        ({"package": [package.pk], "layout": "single", "contract": "abc"}, "택배 계약을 찾을 수 없습니다"),
                        ({"package": [package.pk], "layout": "single", "box_size": "B99"}, "알 수 없는 박스 크기")):
        response = admin_client.post(reverse("shipping:label_print"), data, follow=True)
        assert response.status_code == 200 and error in response.content.decode(), error
    from tests.factories.shipping import make_contract

    foreign = make_contract(other_company, "lotte")
    response = admin_client.post(reverse("shipping:label_print"), {"package": [package.pk], "layout": "single",
                                                                   "contract": foreign.pk}, follow=True)
    assert "택배 계약을 찾을 수 없습니다" in response.content.decode()
    package.refresh_from_db()
    assert package.tracking_number == "" and not LabelBatch.objects.exists()


def test_large_batch_runs_as_a_job(admin_client, company, account, contract, monkeypatch,
                                   django_capture_on_commit_callbacks):
    monkeypatch.setattr("marketdock.shipping.services_label_batches.LABEL_JOB_THRESHOLD", 2)
    orders = [make_order(account, recipient_name=f"수령자{i}") for i in range(3)]
    packages_build(company=company)
    packages = [selectors.package_for_order(company, o) for o in orders]
    with django_capture_on_commit_callbacks(execute=True):
        response = print_post(admin_client, packages, layout="a4_4")
    batch = LabelBatch.objects.get(company=company)
    assert batch.job_run is not None and response.url == reverse("shipping:label_batch", args=[batch.pk])
    batch.job_run.refresh_from_db()
    assert batch.job_run.status == "succeeded" and batch.job_run.progress == 100
    assert batch.job_run.result == {"batch_id": batch.pk, "labels": 3}
    pdf = admin_client.get(reverse("shipping:label_batch_pdf", args=[batch.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_viewer_cannot_print(viewer_client, company, account, contract):
    order = make_order(account)
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    assert viewer_client.get(reverse("shipping:labels")).status_code == 200
    assert print_post(viewer_client, [package]).status_code == 403
    assert viewer_client.post(reverse("shipping:label_move_back"), {"package": [package.pk]}).status_code == 403
    package.refresh_from_db()
    assert package.tracking_number == ""


def test_other_company_cannot_reach_batches_or_print(admin_client, other_client, company, account, contract):
    order = make_order(account, recipient_name="비밀수령자")
    packages_build(company=company)
    package = selectors.package_for_order(company, order)
    print_post(admin_client, [package])
    package.refresh_from_db()
    batch = LabelBatch.objects.get(company=company)
    assert_isolated(other_client, [reverse("shipping:label_batch", args=[batch.pk]),
                                   reverse("shipping:label_batch_pdf", args=[batch.pk])],
                    secrets=("%PDF", package.tracking_number))
    number = package.tracking_number
    print_post(other_client, [package])
    other_client.post(reverse("shipping:label_move_back"), {"package": [package.pk]})
    package.refresh_from_db()
    assert package.tracking_number == number and LabelBatch.objects.count() == 1
