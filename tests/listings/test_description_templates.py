"""상세설명 템플릿 (CAT-6): templates of header/notice/footer/image blocks, sanitised (nh3) before they
are stored or previewed; a product's 상세설명 composed from one is what registration sends."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.listings.models import DescriptionTemplate, Listing
from marketdock.listings.services import RegisterTarget, listing_draft_payload, listings_draft
from marketdock.listings.services_product_fields import product_listing_fields
from tests.factories.catalog import make_product
from tests.factories.channels import make_account
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db

TEMPLATE = {"name": "농산물 공통", "header": "<h2>산지 직송</h2><script>alert(1)</script>",
            "notice": '<p onclick="steal()">주문 후 2일 안에 출고합니다.</p>',
            "footer": '<p><a href="javascript:alert(1)">문의</a> 1588-0000</p>',
            "image_urls": "https://img.example.com/farm/banner.jpg"}


def test_template_saved_sanitised_and_previewed_live(admin_client, company):
    r = admin_client.post(reverse("channels:description_templates"), TEMPLATE)
    assert r.status_code == 302
    t = DescriptionTemplate.objects.get(company=company)
    for block in (t.header_html, t.notice_html, t.footer_html):
        assert "script" not in block and "onclick" not in block and "javascript:" not in block
    assert t.header_html == "<h2>산지 직송</h2>" and "2일 안에 출고" in t.notice_html
    assert t.image_urls == ["https://img.example.com/farm/banner.jpg"]
    page = admin_client.get(reverse("channels:description_template_edit", args=[t.pk])).content.decode()
    assert 'hx-post="/channels/description-templates/preview/"' in page and 'id="preview"' in page
    preview = admin_client.post(reverse("channels:description_preview"), dict(TEMPLATE, header="<h2>새 머리말</h2>"),
                                HTTP_HX_REQUEST="true").content.decode()
    assert "<h2>새 머리말</h2>" in preview and "alert(1)" not in preview and "steal()" not in preview
    assert '<img src="https://img.example.com/farm/banner.jpg"' in preview


def test_bad_template_input_named_nothing_saved(admin_client, company):
    r = admin_client.post(reverse("channels:description_templates"), dict(TEMPLATE, name="", image_urls="ftp://x"))
    body = r.content.decode()
    assert r.status_code == 400 and "템플릿명을 입력하세요" in body and "1번째 줄 &#x27;ftp://x&#x27;" in body
    admin_client.post(reverse("channels:description_templates"), TEMPLATE)
    r = admin_client.post(reverse("channels:description_templates"), TEMPLATE)
    assert r.status_code == 400 and "이미 있습니다" in r.content.decode()
    assert DescriptionTemplate.objects.count() == 1


def test_product_description_composed_from_a_template_is_what_the_channel_gets(admin_client, company, admin_user):
    admin_client.post(reverse("channels:description_templates"), TEMPLATE)
    t = DescriptionTemplate.objects.get()
    product = make_product(company, "RICE", name="유기농 현미")
    url = reverse("channels:product_description", args=[product.pk])
    assert 'data-testid="compose-form"' in admin_client.get(url).content.decode()
    form = {"template_id": t.pk, "body": "<p>올해 수확한 <b>유기농 현미</b></p><iframe src='https://x.example'></iframe>",
            "image_urls": "https://img.example.com/rice/1.jpg"}
    preview = admin_client.post(reverse("channels:description_preview"), form).content.decode()
    assert "<b>유기농 현미</b>" in preview and "iframe" not in preview
    assert admin_client.post(url, form).status_code == 302
    html = product_listing_fields(product)["description_html"]
    # header, notice, body, images (template's then product's), footer — in that order, sanitised
    order = [html.index(x) for x in ("산지 직송", "2일 안에 출고", "올해 수확한", "farm/banner.jpg", "rice/1.jpg", "1588-0000")]
    assert order == sorted(order) and "iframe" not in html and "javascript:" not in html
    account = make_account(company)
    listing, = listings_draft(company=company, product=product, user=admin_user,
                              targets=[RegisterTarget(account=account, name="유기농 현미", price=1000)])
    assert listing_draft_payload(company=company, listing=listing).description_html == html
    assert Listing.objects.count() == 1


def test_viewer_previews_but_changes_nothing_and_another_company_sees_nothing(viewer_client, other_client, company,
                                                                              admin_client):
    admin_client.post(reverse("channels:description_templates"), dict(TEMPLATE, name="비밀 템플릿"))
    t = DescriptionTemplate.objects.get()
    product = make_product(company, "SECRET", name="비밀 현미")
    assert viewer_client.get(reverse("channels:description_template_edit", args=[t.pk])).status_code == 200
    assert viewer_client.post(reverse("channels:description_preview"), TEMPLATE).status_code == 200
    assert viewer_client.post(reverse("channels:description_templates"), dict(TEMPLATE, name="x")).status_code == 403
    assert viewer_client.post(reverse("channels:description_template_edit", args=[t.pk]), TEMPLATE).status_code == 403
    assert viewer_client.post(reverse("channels:description_template_delete", args=[t.pk])).status_code == 403
    assert viewer_client.post(reverse("channels:product_description", args=[product.pk]),
                              {"body": "<p>x</p>"}).status_code == 403
    assert DescriptionTemplate.objects.count() == 1 and not product_listing_fields(product)
    assert_isolated(other_client, [reverse("channels:description_template_edit", args=[t.pk]),
                                   reverse("channels:description_template_delete", args=[t.pk]),
                                   reverse("channels:product_description", args=[product.pk])],
                    secrets=("비밀 템플릿", "비밀 현미"))
    body = other_client.get(reverse("channels:description_templates")).content.decode()
    assert "비밀 템플릿" not in body
    leaked = other_client.post(reverse("channels:description_preview"), {"template_id": t.pk, "body": ""})
    assert leaked.status_code == 404
