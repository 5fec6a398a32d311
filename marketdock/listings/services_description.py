"""상세설명 템플릿 (CAT-6): reusable header, notice, footer and image blocks a product's 상세설명 is
composed from. Every piece of HTML is sanitised with nh3 (a maintained HTML sanitiser: no scripts,
event handlers, javascript: links or frames) before it is stored or previewed, so what is saved,
what the preview shows and what the channels receive are the same safe HTML.

A product's composed 상세설명 is stored as its 상품별 등록정보 `description_html`
(services_product_fields), which registration sends to every channel.
"""

from __future__ import annotations

import html
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketdock.catalog.models import Product
from marketdock.core.models import Company, User

from .models import DescriptionTemplate, ProductListingFields
from .sanitize import sanitize_html
from .services import ListingError
from .services_fields import MAX_DESCRIPTION, MAX_IMAGES

URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
MAX_BLOCK = 30_000


def image_urls_parse(raw, label: str) -> list[str]:
    lines = raw if isinstance(raw, list) else str(raw or "").splitlines()
    urls = [str(u).strip() for u in lines if str(u).strip()]
    errors = []
    if len(urls) > MAX_IMAGES * 3:
        errors.append(_("%(label)s은(는) %(n)s개까지 입력할 수 있습니다.") % {"label": label, "n": MAX_IMAGES * 3})
    for n, url in enumerate(urls, start=1):
        if not URL_RE.match(url):
            errors.append(_("%(label)s %(n)s번째 줄 '%(value)s'은(는) http:// 또는 https://로 시작하는 주소가 아닙니다.") % {
                "label": label, "n": n, "value": url[:100]})
    if errors:
        raise ListingError(errors)
    return urls


def _images_html(urls: list[str]) -> str:
    return "".join(f'<p><img src="{html.escape(u, quote=True)}" alt=""></p>' for u in urls)


def compose(*, header: str = "", notice: str = "", body: str = "", image_urls: list[str] = (),
            footer: str = "") -> str:
    """The 상세설명 HTML: header, notice, the product's body, image blocks, footer — sanitised."""
    parts = [header, notice, body, _images_html(list(image_urls)), footer]
    return sanitize_html("\n".join(p for p in parts if p and p.strip()))


def template_save(*, company: Company, template: DescriptionTemplate | None, name: str, header: str, notice: str,
                  footer: str, image_urls, user: User | None = None) -> DescriptionTemplate:
    """Create or edit a template; each block is sanitised before it is stored. Raises ListingError
    naming what is wrong (nothing saved then)."""
    if template is not None and template.company_id != company.pk:
        raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))
    errors = []
    name = " ".join((name or "").split())
    if not name:
        errors.append(_("템플릿명을 입력하세요."))
    elif len(name) > 100:
        errors.append(_("템플릿명은 100자 이하로 입력하세요."))
    for label, value in ((_("머리말"), header), (_("공지"), notice), (_("꼬리말"), footer)):
        if len(value or "") > MAX_BLOCK:
            errors.append(_("%(label)s은(는) %(n)s자 이하로 입력하세요.") % {"label": label, "n": MAX_BLOCK})
    try:
        urls = image_urls_parse(image_urls, _("이미지 주소"))
    except ListingError as exc:
        errors += exc.errors
        urls = []
    if errors:
        raise ListingError(errors)
    template = template or DescriptionTemplate(company=company, created_by=user)
    template.name = name
    template.header_html, template.notice_html = sanitize_html(header), sanitize_html(notice)
    template.footer_html, template.image_urls = sanitize_html(footer), urls
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ListingError(_("같은 이름의 템플릿 '%(name)s'이(가) 이미 있습니다.") % {"name": name}) from None
    return template


def template_delete(*, company: Company, template: DescriptionTemplate) -> None:
    if template.company_id != company.pk:
        raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))
    template.delete()


def product_description_compose(*, template: DescriptionTemplate | None, body: str, image_urls) -> str:
    """The 상세설명 of a product from a template (or none) + its own body and images. Raises ListingError."""
    urls = image_urls_parse(image_urls, _("상품 이미지 블록"))
    if len(body or "") > MAX_DESCRIPTION:
        raise ListingError(_("본문은 %(n)s자 이하로 입력하세요.") % {"n": MAX_DESCRIPTION})
    if template is None:
        out = compose(body=body, image_urls=urls)
    else:
        out = compose(header=template.header_html, notice=template.notice_html, body=body,
                      image_urls=list(template.image_urls or []) + urls, footer=template.footer_html)
    if len(out) > MAX_DESCRIPTION:
        raise ListingError(_("완성된 상세설명이 %(n)s자를 넘습니다. 본문이나 블록을 줄이세요.") % {"n": MAX_DESCRIPTION})
    return out


def product_description_save(*, company: Company, product: Product, template: DescriptionTemplate | None, body: str,
                             image_urls, user: User | None = None) -> str:
    """Compose and store the product's 상세설명 (its 상품별 등록정보 description_html, sent to every
    channel on registration). Returns the stored HTML."""
    if product.company_id != company.pk or (template is not None and template.company_id != company.pk):
        raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))
    out = product_description_compose(template=template, body=body, image_urls=image_urls)
    if not out:
        raise ListingError(_("상세설명이 비어 있습니다. 템플릿을 고르거나 본문을 입력하세요."))
    with transaction.atomic():
        row, _created = ProductListingFields.objects.select_for_update().get_or_create(
            company=company, product=product, defaults={"values": {}, "updated_by": user})
        values = dict(row.values or {})
        values["description_html"] = out
        row.values, row.updated_by = values, user
        row.save(update_fields=["values", "updated_by", "updated_at"])
    return out
