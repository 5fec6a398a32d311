"""Barcode labels (CAT-8) and the category tree (CAT-4)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from marketdock.catalog import labels, services
from marketdock.catalog.models import Category
from tests.factories.catalog import make_product
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_ean13_check_digit(first12):
    digit = labels.ean13_check_digit(first12)
    assert labels.is_ean13(first12 + str(digit))
    for wrong in set(range(10)) - {digit}:
        assert not labels.is_ean13(first12 + str(wrong))
    # weights 1,3,1,3...: the full 13-digit sum is a multiple of 10
    full = first12 + str(digit)
    assert sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(full)) % 10 == 0


@pytest.mark.parametrize("code, ok", [("8801234567893", True), ("8801234567890", False), ("880123456789", False),
                                      ("88012345678a3", False), ("4006381333931", True)])
def test_is_ean13_examples(code, ok):
    assert labels.is_ean13(code) is ok


def test_korean_font_is_found_or_falls_back():
    font = labels.label_font()
    assert font in ("MarketdockKR", labels.CID_FALLBACK)


def test_label_pdf_from_the_screen(admin_client, company, tshirt):
    a, b = tshirt.skus.order_by("sort_order")[:2]
    services.sku_barcode_update(company=company, sku=a, barcode="8801234567893")
    r = admin_client.get(reverse("catalog:labels"), {"q": "TS-001"})
    assert r.status_code == 200 and len(r.context["skus"]) == 6
    assert "EAN-13" in r.content.decode()
    r = admin_client.post(reverse("catalog:labels"), {
        "sku": [a.pk, b.pk], f"qty-{a.pk}": "3", f"qty-{b.pk}": "2", "layout": "a4_3x8", "with_qr": "on"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = reader.pages[0].extract_text()
    assert text.count("베이직 반팔 티셔츠") == 5
    assert "블랙 / S" in text and b.barcode in text
    r = admin_client.post(reverse("catalog:labels"), {"sku": [a.pk], f"qty-{a.pk}": "2", "layout": "single_50x30"})
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 2


def test_label_sheet_paginates_and_skips(company):
    item = labels.LabelItem(barcode="ABC-1", name="라벨", quantity=30)
    pdf = labels.labels_pdf([item], layout="a4_3x8", skip=20)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3  # 4 on page 1, 24 on page 2, 2 on page 3


def test_label_form_errors_are_clear(admin_client, company, tshirt):
    sku = tshirt.skus.first()
    r = admin_client.post(reverse("catalog:labels"), {"sku": [sku.pk], f"qty-{sku.pk}": "0", "layout": "a4_3x8"})
    assert r.status_code == 200 and "수량" in " ".join(str(m) for m in r.context["messages"])


def test_other_company_cannot_print_our_skus(other_client, company, tshirt):
    sku = tshirt.skus.first()
    r = other_client.post(reverse("catalog:labels"), {"sku": [sku.pk], f"qty-{sku.pk}": "1", "layout": "a4_3x8"})
    assert r["Content-Type"] != "application/pdf"


# ---------------------------------------------------------------- categories


def test_category_tree_add_rename_move_delete(admin_client, company):
    url = reverse("catalog:category_list")
    assert admin_client.post(url, {"name": "의류"}).status_code == 302
    top = Category.objects.get(company=company, name="의류")
    admin_client.post(url, {"name": "상의", "parent": top.pk})
    sub = Category.objects.get(company=company, name="상의")
    assert admin_client.post(url, {"name": "상의", "parent": top.pk}).status_code == 400, "duplicate sibling refused"
    admin_client.post(url, {"name": "잡화"})
    misc = Category.objects.get(company=company, name="잡화")
    # rename + move under 잡화
    admin_client.post(reverse("catalog:category_update", args=[sub.pk]), {f"c{sub.pk}-name": "티셔츠", f"c{sub.pk}-parent": misc.pk})
    sub.refresh_from_db()
    assert (sub.name, sub.parent_id) == ("티셔츠", misc.pk)
    # no cycles
    admin_client.post(reverse("catalog:category_update", args=[misc.pk]), {f"c{misc.pk}-name": "잡화", f"c{misc.pk}-parent": sub.pk})
    misc.refresh_from_db()
    assert misc.parent_id is None
    # delete only when empty
    make_product(company, "P1", category=sub)
    r = admin_client.post(reverse("catalog:category_delete", args=[misc.pk]), follow=True)
    assert "하위 분류" in " ".join(str(m) for m in r.context["messages"])
    r = admin_client.post(reverse("catalog:category_delete", args=[sub.pk]), follow=True)
    assert "상품 1개" in " ".join(str(m) for m in r.context["messages"])
    admin_client.post(reverse("catalog:category_delete", args=[top.pk]))
    assert not Category.objects.filter(pk=top.pk).exists()
    page = admin_client.get(url)
    assert "잡화 &gt; 티셔츠" in page.content.decode()


def test_category_bad_input_and_permissions(admin_client, viewer_client, other_client, company):
    r = admin_client.post(reverse("catalog:category_list"), {"name": "  "})
    assert r.status_code == 400
    r = admin_client.post(reverse("catalog:category_list"), {"name": "a > b"})
    assert r.status_code == 400 and "분류 경로 구분자" in r.content.decode()
    cat = services.category_create(company=company, name="비밀분류")
    assert viewer_client.get(reverse("catalog:category_list")).status_code == 200
    assert viewer_client.post(reverse("catalog:category_delete", args=[cat.pk])).status_code == 403
    assert viewer_client.post(reverse("catalog:category_list"), {"name": "x"}).status_code == 403
    assert_isolated(other_client, [reverse("catalog:category_update", args=[cat.pk]),
                                   reverse("catalog:category_delete", args=[cat.pk])], secrets=("비밀분류",))
    assert Category.objects.filter(pk=cat.pk).exists()
