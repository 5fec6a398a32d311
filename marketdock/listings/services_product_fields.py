"""상품별 등록정보: images, 상세설명, A/S, 원산지 and 고시 of one product, overriding the channel
account's 상품등록 기본정보 (services_fields) where filled — so a product whose values differ from the
account's defaults registers without touching the account, and a seller need not keep per-account
defaults for what is really per product.

`product_listing_fields_update` checks the inputs (the same rules and messages as the account screen)
and stores them in marketplace-neutral names; `effective_listing_fields` builds what one listing is
sent with (the account's marketplace shapes with the product's values laid over them); and
`listing_send_problems` names, one message per missing field, what a new registration still lacks —
checked before anything is sent, instead of the marketplace's `[DRAFT_INVALID]`.
"""

from __future__ import annotations

import copy
import re

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.catalog.models import Product
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company, User

from .models import Listing, ProductListingFields
from .sanitize import sanitize_html
from .services import ListingError, account_listing_fields
from .services_fields import (
    COUPANG_DEFAULT_LINES,
    DETAIL_PAGE_REF,
    MAX_DESCRIPTION,
    NAVER_ORIGINS,
    FieldSpec,
    ListingFieldsError,
    _Checker,
)

L = gettext_lazy

PRODUCT_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("image_urls", L("상품 이미지 주소"), L("한 줄에 하나씩, http:// 또는 https://로 시작하는 주소 (최대 10개). "
                                              "첫 줄이 대표 이미지입니다."), "urls", group=L("이미지·상세설명")),
    FieldSpec("description_html", L("상세설명"), L("상품 상세페이지에 보일 내용 (HTML 가능). 상세설명 템플릿으로 만들 수도 "
                                               "있습니다."), "textarea", group=L("이미지·상세설명")),
    FieldSpec("as_phone", L("A/S 전화번호"), L("예: 02-1234-5678, 1588-1234"), group=L("A/S 안내")),
    FieldSpec("as_guide", L("A/S 안내"), L("예: 평일 10~17시 고객센터로 연락 주세요."), "textarea", group=L("A/S 안내")),
    FieldSpec("origin_code", L("원산지"), L("네이버 원산지 구분. 쿠팡에는 고시의 제조국(원산지)으로 보냅니다."), "select",
              choices=NAVER_ORIGINS, group=L("원산지")),
    FieldSpec("origin_import_code", L("수입국 원산지 코드"),
              L("수입산일 때: 네이버 원산지 코드표의 국가 코드 (02로 시작하는 숫자)."), group=L("원산지")),
    FieldSpec("origin_importer", L("수입사명"), L("수입산일 때 필수."), group=L("원산지")),
    FieldSpec("origin_content", L("원산지 표시 내용"), L("예: 국산(경기도 이천), 중국. '기타'일 때 필수."), group=L("원산지")),
    FieldSpec("notice_item_name", L("품명"), L("상품정보제공고시. 상세페이지에 있으면 '상품상세 참조'."),
              group=L("상품정보제공고시")),
    FieldSpec("notice_model_name", L("모델명"), "", group=L("상품정보제공고시")),
    FieldSpec("notice_manufacturer", L("제조자(수입자)"), "", group=L("상품정보제공고시")),
    FieldSpec("notice_cs_phone", L("소비자상담 전화번호"), L("예: 1588-1234"), group=L("상품정보제공고시")),
)
PRODUCT_KEYS = tuple(s.name for s in PRODUCT_SPECS)


def product_listing_fields(product: Product) -> dict:
    """The stored 상품별 등록정보 of `product` (a copy; {} when none)."""
    row = ProductListingFields.objects.filter(company_id=product.company_id, product=product).first()
    return copy.deepcopy(row.values) if row and isinstance(row.values, dict) else {}


def product_listing_fields_initial(product: Product) -> dict:
    values = product_listing_fields(product)
    out = {k: values.get(k, "") for k in PRODUCT_KEYS}
    out["image_urls"] = "\n".join(str(u) for u in values.get("image_urls") or [])
    return out


def product_listing_fields_update(*, company: Company, product: Product, values: dict,
                                  user: User | None = None) -> dict:
    """Check and store the 상품별 등록정보 inputs of `product` (empty inputs = use the account's value).
    Raises ListingFieldsError naming every bad input; nothing is saved then."""
    if product.company_id != company.pk:
        raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))
    c = _Checker("", values, PRODUCT_SPECS)
    out: dict = {"image_urls": c.urls("image_urls", required=False),
                 "description_html": sanitize_html(c.text("description_html", max_length=MAX_DESCRIPTION)),
                 "as_phone": c.phone("as_phone"), "as_guide": c.text("as_guide", max_length=300)}
    origin = c.choice("origin_code", NAVER_ORIGINS)
    out["origin_code"] = origin
    if origin == "02":
        out["origin_import_code"] = c.pattern("origin_import_code", re.compile(r"^02[0-9]{1,10}$"), "0200037",
                                              required=True)
        out["origin_importer"] = c.text("origin_importer", required=True, max_length=100)
    out["origin_content"] = c.text("origin_content", required=origin in ("03", "04"), max_length=200)
    for key in ("notice_item_name", "notice_model_name", "notice_manufacturer"):
        out[key] = c.text(key, max_length=200)
    out["notice_cs_phone"] = c.phone("notice_cs_phone")
    if c.errors:
        raise ListingFieldsError(c.errors)
    clean = {k: v for k, v in out.items() if v not in (None, "", [], {})}
    with transaction.atomic():
        row, _created = ProductListingFields.objects.select_for_update().get_or_create(
            company=company, product=product, defaults={"values": clean, "updated_by": user})
        if not _created:
            row.values, row.updated_by = clean, user
            row.save(update_fields=["values", "updated_by", "updated_at"])
    return clean


# --- what one listing is sent with ------------------------------------------------------------------


def _naver_overlay(fields: dict, p: dict) -> None:
    if p.get("as_phone") or p.get("as_guide"):
        after = dict(fields.get("afterServiceInfo") or {})
        if p.get("as_phone"):
            after["afterServiceTelephoneNumber"] = p["as_phone"]
        if p.get("as_guide"):
            after["afterServiceGuideContent"] = p["as_guide"]
        fields["afterServiceInfo"] = after
    if p.get("origin_code"):
        code = p["origin_code"]
        origin: dict = {"originAreaCode": p.get("origin_import_code") or code if code == "02" else code,
                        "plural": False}
        if code == "02":
            origin["importer"] = p.get("origin_importer", "")
        elif p.get("origin_content"):
            origin["content"] = p["origin_content"]
        fields["originAreaInfo"] = origin
    notice_keys = {"notice_item_name": "itemName", "notice_model_name": "modelName",
                   "notice_manufacturer": "manufacturer", "notice_cs_phone": "customerServicePhoneNumber"}
    if any(p.get(k) for k in notice_keys):
        notice = dict(fields.get("productInfoProvidedNotice") or {})
        etc = dict(notice.get("etc") or {})
        for key, target in notice_keys.items():
            if p.get(key):
                etc[target] = p[key]
        notice.setdefault("productInfoProvidedNoticeType", "ETC")
        notice["etc"] = etc
        fields["productInfoProvidedNotice"] = notice


def _coupang_overlay(fields: dict, p: dict) -> None:
    if p.get("as_phone"):
        fields["afterServiceContactNumber"] = p["as_phone"]
    if p.get("as_guide"):
        fields["afterServiceInformation"] = p["as_guide"]
    item = " ".join(x for x in (p.get("notice_item_name"), p.get("notice_model_name")) if x)
    origin = p.get("origin_content") or (dict(NAVER_ORIGINS).get(p.get("origin_code", "")) if p.get("origin_code") else "")
    by_line = {"품명 및 모델명": item, "제조자(수입자)": p.get("notice_manufacturer", ""),
               "소비자상담 관련 전화번호": p.get("notice_cs_phone", ""), "제조국(원산지)": str(origin or "")}
    if not any(by_line.values()):
        return
    notices = [dict(n) for n in fields.get("notices") or [] if isinstance(n, dict)]
    if not notices:  # the account has none: 기타 재화 with the product's values, the rest on the detail page
        notices = [{"noticeCategoryName": "기타 재화", "noticeCategoryDetailName": line, "content": DETAIL_PAGE_REF}
                   for line in COUPANG_DEFAULT_LINES]
    for n in notices:
        value = by_line.get(str(n.get("noticeCategoryDetailName") or ""))
        if value:
            n["content"] = value
    fields["notices"] = notices


def effective_listing_fields(account: ChannelAccount, product: Product) -> dict:
    """The marketplace fields one listing of `product` on `account` is sent with: the account's
    상품등록 기본정보 with the product's own values laid over them."""
    fields = account_listing_fields(account)
    p = product_listing_fields(product)
    if p.get("image_urls"):
        fields["image_urls"] = list(p["image_urls"])
    if p.get("description_html"):
        fields["description_html"] = p["description_html"]
    if account.kind == ChannelKind.NAVER:
        _naver_overlay(fields, p)
    elif account.kind == ChannelKind.COUPANG:
        _coupang_overlay(fields, p)
    return fields


def _blank(value) -> bool:
    return value in (None, "", [], {}) or (isinstance(value, str) and not value.strip())


def listing_send_problems(listing: Listing) -> list[str]:
    """One message per value a new registration of `listing` lacks (empty: it can be sent). A listing
    already on the marketplace is rewritten with the marketplace's current values as the fallback,
    so only new registrations are checked."""
    if listing.channel_product_id:
        return []
    kind = listing.account.kind
    fields = effective_listing_fields(listing.account, listing.product)
    where = _("상품별 등록정보 또는 %(account)s의 상품등록 기본정보에 입력하세요.") % {"account": listing.account.name}
    missing: list[str] = []
    if kind in (ChannelKind.NAVER, ChannelKind.COUPANG) and not listing.category_id.strip():
        missing.append(_("쇼핑몰 카테고리"))
    if kind in (ChannelKind.NAVER, ChannelKind.COUPANG) and _blank(fields.get("image_urls")):
        missing.append(_("상품 이미지"))
    if kind == ChannelKind.NAVER:
        after = fields.get("afterServiceInfo") or {}
        origin = fields.get("originAreaInfo") or {}
        notice = fields.get("productInfoProvidedNotice") or {}
        checks = [
            (fields.get("description_html"), _("상세설명")),
            (after.get("afterServiceTelephoneNumber"), _("A/S 전화번호")),
            (after.get("afterServiceGuideContent"), _("A/S 안내")),
            (origin.get("originAreaCode"), _("원산지")),
            (notice, _("상품정보제공고시")),
        ]
        etc = notice.get("etc") if isinstance(notice.get("etc"), dict) else None
        if etc is not None:  # 기타 재화 as the screens write it: each item named (other types are taken as set)
            checks += [(etc.get("itemName"), _("상품정보제공고시 품명")),
                       (etc.get("modelName"), _("상품정보제공고시 모델명")),
                       (etc.get("manufacturer"), _("상품정보제공고시 제조자(수입자)")),
                       (etc.get("customerServicePhoneNumber"), _("상품정보제공고시 소비자상담 전화번호"))]
        missing += [label for value, label in checks if _blank(value)]
    elif kind == ChannelKind.COUPANG:
        from .services_fields import _required_labels

        missing += [label for key, label in _required_labels(kind).items()
                    if key != "image_urls" and _blank(fields.get(key))]
    out = []
    for label in missing:
        if label == _("쇼핑몰 카테고리"):
            out.append(_("%(field)s: 쇼핑몰 카테고리를 고르세요.") % {"field": label})
        else:
            out.append(_("%(field)s이(가) 없습니다. %(where)s") % {"field": label, "where": where})
    return out
