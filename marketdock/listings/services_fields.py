"""상품등록 기본정보: the marketplace-specific values every listing of one channel account is sent with
(stored in `ChannelAccount.options["listing_fields"]`, merged into the registration body by the
connector — see `NAVER_REQUIRED_EXTRA` in connectors/naver/listings.py and `COUPANG_REQUIRED_EXTRA` in
connectors/coupang/listings.py).

The screen edits them as plain inputs (FIELD_SPECS per marketplace); `account_listing_fields_update`
checks every input, names each bad one, builds the marketplace's JSON shape and stores it. Keys the
screen does not manage (set by hand or by an older version) are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.channels.connectors.coupang import COUPANG_REQUIRED_EXTRA
from marketdock.channels.connectors.naver import NAVER_REQUIRED_EXTRA
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company

from .sanitize import sanitize_html
from .services import ListingError, account_listing_fields, account_listing_fields_save

MAX_IMAGES = 10
MAX_TEXT = 500
MAX_DESCRIPTION = 100_000
DETAIL_REF = "상품상세 참조"  # what sellers write in 고시 fields the detail page answers (kept in Korean: sent as is)

PHONE_RE = re.compile(r"^[0-9][0-9-]{6,18}[0-9]$")
DIGITS_RE = re.compile(r"^[0-9]+$")
LOGIN_RE = re.compile(r"^[^\s]{2,50}$")
ZIP_RE = re.compile(r"^[0-9]{5}$|^[0-9]{3}-?[0-9]{3}$")


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the form input
    label: str
    help: str = ""
    widget: str = "text"  # text | textarea | select | checkbox | urls | number
    required: bool = False  # always required (conditional ones are checked in the service)
    choices: tuple[tuple[str, str], ...] = ()
    group: str = ""


L = gettext_lazy

NAVER_ORIGINS = (
    ("00", L("국산")),
    ("01", L("원양산")),
    ("02", L("수입산")),
    ("03", L("기타 - 상세설명에 표시")),
    ("04", L("기타 - 직접 입력")),
    ("05", L("원산지 표기 의무 대상 아님")),
)

COMMON_TAIL = (
    FieldSpec("image_urls", L("상품 이미지 주소"), L("한 줄에 하나씩, http:// 또는 https://로 시작하는 주소 (최대 10개). "
                                              "첫 줄이 대표 이미지입니다."), "urls", group=L("이미지·상세설명")),
    FieldSpec("description_html", L("상세설명"), L("상품 상세페이지에 보일 내용 (HTML 가능)."), "textarea",
              group=L("이미지·상세설명")),
)

FIELD_SPECS: dict[str, tuple[FieldSpec, ...]] = {
    ChannelKind.NAVER: (
        FieldSpec("as_phone", L("A/S 전화번호"), L("예: 02-1234-5678, 1588-1234"), required=True, group=L("A/S 안내")),
        FieldSpec("as_guide", L("A/S 안내"), L("예: 평일 10~17시 고객센터로 연락 주세요."), "textarea", required=True,
                  group=L("A/S 안내")),
        FieldSpec("origin_code", L("원산지"), "", "select", required=True, choices=NAVER_ORIGINS, group=L("원산지")),
        FieldSpec("origin_import_code", L("수입국 원산지 코드"),
                  L("수입산일 때: 네이버 원산지 코드표의 국가 코드 (02로 시작하는 숫자)."), group=L("원산지")),
        FieldSpec("origin_importer", L("수입사명"), L("수입산일 때 필수."), group=L("원산지")),
        FieldSpec("origin_content", L("원산지 표시 내용"), L("'기타 - 상세설명에 표시', '기타 - 직접 입력'일 때 필수."),
                  group=L("원산지")),
        FieldSpec("origin_plural", L("원산지가 둘 이상"), "", "checkbox", group=L("원산지")),
        FieldSpec("notice_item_name", L("품명"), L("상품정보제공고시(기타 재화). 상세페이지에 있으면 '상품상세 참조'."),
                  required=True, group=L("상품정보제공고시")),
        FieldSpec("notice_model_name", L("모델명"), "", required=True, group=L("상품정보제공고시")),
        FieldSpec("notice_manufacturer", L("제조자(수입자)"), "", required=True, group=L("상품정보제공고시")),
        FieldSpec("notice_cs_phone", L("소비자상담 전화번호"), L("예: 1588-1234"), required=True,
                  group=L("상품정보제공고시")),
        FieldSpec("delivery_company", L("택배사"), L("네이버에 보낼 기본 택배사 (비워 두면 네이버 판매자센터 설정)."),
                  "select", group=L("배송")),
    ) + COMMON_TAIL,
    ChannelKind.COUPANG: (
        FieldSpec("vendorUserId", L("WING 로그인 ID"), L("쿠팡 WING에 로그인하는 아이디 (업체코드가 아닙니다)."),
                  required=True, group=L("판매자")),
        FieldSpec("outboundShippingPlaceCode", L("출고지 코드"),
                  L("WING > 판매자정보 > 주소록에서 출고지의 코드 (숫자)."), required=True, group=L("출고지·반품지")),
        FieldSpec("returnCenterCode", L("반품지 코드"), L("WING > 판매자정보 > 주소록에서 반품지의 코드."), required=True,
                  group=L("출고지·반품지")),
        FieldSpec("returnChargeName", L("반품지명"), L("예: 본사 물류센터"), required=True, group=L("출고지·반품지")),
        FieldSpec("companyContactNumber", L("반품지 연락처"), L("예: 02-1234-5678"), required=True,
                  group=L("출고지·반품지")),
        FieldSpec("returnZipCode", L("반품지 우편번호"), L("5자리 우편번호"), required=True, group=L("출고지·반품지")),
        FieldSpec("returnAddress", L("반품지 주소"), "", required=True, group=L("출고지·반품지")),
        FieldSpec("returnAddressDetail", L("반품지 상세주소"), "", required=True, group=L("출고지·반품지")),
        FieldSpec("deliveryCompanyCode", L("택배사"), L("상품을 보내는 택배사 (쿠팡 택배사 코드로 보냅니다)."), "select",
                  required=True, group=L("배송")),
        FieldSpec("outboundShippingTimeDay", L("출고 소요일"), L("주문 후 출고까지 걸리는 날 수 (1~20, 비워 두면 2일)."),
                  "number", group=L("배송")),
        FieldSpec("afterServiceInformation", L("A/S 안내"), L("예: 평일 10~17시 고객센터로 연락 주세요."), "textarea",
                  required=True, group=L("A/S 안내")),
        FieldSpec("afterServiceContactNumber", L("A/S 전화번호"), L("예: 1588-1234"), required=True, group=L("A/S 안내")),
        FieldSpec("notice_category", L("고시 상품군"), L("쿠팡 상품고시정보의 상품군 이름 (예: 기타 재화, 의류)."),
                  required=True, group=L("상품고시정보")),
        FieldSpec("notice_lines", L("고시 항목"),
                  L("한 줄에 '항목명: 내용' 하나씩. 상세페이지에 있으면 내용에 '상세페이지 참조'."), "textarea",
                  required=True, group=L("상품고시정보")),
    ) + COMMON_TAIL,
    ChannelKind.SHOPIFY: COMMON_TAIL,
}

# Coupang 기타 재화 고시 항목 (the defaults offered while nothing was saved)
COUPANG_DEFAULT_NOTICE = "기타 재화"
COUPANG_DEFAULT_LINES = ("품명 및 모델명", "인증/허가 사항", "제조국(원산지)", "제조자(수입자)", "소비자상담 관련 전화번호")
DETAIL_PAGE_REF = "상세페이지 참조"

# the stored keys each marketplace's screen manages (others are kept as they are)
MANAGED_KEYS = {
    ChannelKind.NAVER: ("afterServiceInfo", "originAreaInfo", "productInfoProvidedNotice", "deliveryCompany",
                        "image_urls", "description_html"),
    ChannelKind.COUPANG: (*COUPANG_REQUIRED_EXTRA, "outboundShippingTimeDay", "image_urls", "description_html"),
    ChannelKind.SHOPIFY: ("image_urls", "description_html"),
}


def listing_field_specs(kind: str) -> tuple[FieldSpec, ...]:
    """The inputs of one marketplace's 상품등록 기본정보 (empty: that kind takes no listings)."""
    return FIELD_SPECS.get(kind, ())


def carrier_choices(kind: str) -> list[tuple[str, str]]:
    """(marketplace carrier code, carrier name) from the carrier master, for the 택배사 select."""
    from marketdock.shipping.models import CarrierChannelCode

    rows = (CarrierChannelCode.objects.filter(channel=kind, carrier__is_active=True).select_related("carrier")
            .order_by("carrier__sort_order", "carrier__name"))
    return [(row.code, f"{row.carrier.name} ({row.code})") for row in rows]


def _text(value) -> str:
    return str(value or "").strip()


def listing_fields_initial(account: ChannelAccount) -> dict:
    """The stored listing fields of `account` as the screen's input values."""
    stored = account_listing_fields(account)
    out: dict = {"image_urls": "\n".join(str(u) for u in stored.get("image_urls") or []),
                 "description_html": _text(stored.get("description_html"))}
    if account.kind == ChannelKind.NAVER:
        after = stored.get("afterServiceInfo") if isinstance(stored.get("afterServiceInfo"), dict) else {}
        origin = stored.get("originAreaInfo") if isinstance(stored.get("originAreaInfo"), dict) else {}
        notice = stored.get("productInfoProvidedNotice")
        notice = notice if isinstance(notice, dict) else {}
        etc = notice.get("etc") if isinstance(notice.get("etc"), dict) else {}
        code = _text(origin.get("originAreaCode"))
        out.update({
            "as_phone": _text(after.get("afterServiceTelephoneNumber")),
            "as_guide": _text(after.get("afterServiceGuideContent")),
            "origin_code": "02" if code.startswith("02") else code,
            "origin_import_code": code if code.startswith("02") and code != "02" else "",
            "origin_importer": _text(origin.get("importer")), "origin_content": _text(origin.get("content")),
            "origin_plural": bool(origin.get("plural")),
            "notice_item_name": _text(etc.get("itemName")) or (DETAIL_REF if not notice else ""),
            "notice_model_name": _text(etc.get("modelName")) or (DETAIL_REF if not notice else ""),
            "notice_manufacturer": _text(etc.get("manufacturer")) or (DETAIL_REF if not notice else ""),
            "notice_cs_phone": _text(etc.get("customerServicePhoneNumber")),
            "delivery_company": _text(stored.get("deliveryCompany")),
        })
    elif account.kind == ChannelKind.COUPANG:
        for key in COUPANG_REQUIRED_EXTRA:
            if key != "notices":
                out[key] = _text(stored.get(key))
        out["outboundShippingTimeDay"] = _text(stored.get("outboundShippingTimeDay"))
        notices = [n for n in stored.get("notices") or [] if isinstance(n, dict)]
        if notices:
            out["notice_category"] = _text(notices[0].get("noticeCategoryName"))
            out["notice_lines"] = "\n".join(f"{_text(n.get('noticeCategoryDetailName'))}: {_text(n.get('content'))}"
                                            for n in notices)
        else:
            out["notice_category"] = COUPANG_DEFAULT_NOTICE
            out["notice_lines"] = "\n".join(f"{line}: {DETAIL_PAGE_REF}" for line in COUPANG_DEFAULT_LINES)
    return out


class ListingFieldsError(ListingError):
    """Bad 상품등록 기본정보 inputs: `by_field` maps input name → messages (each message names the field)."""

    def __init__(self, by_field: dict[str, list[str]]):
        self.by_field = by_field
        super().__init__([m for messages in by_field.values() for m in messages])


class _Checker:
    def __init__(self, kind: str, values: dict, specs: tuple[FieldSpec, ...] | None = None):
        self.specs = {s.name: s for s in (specs if specs is not None else listing_field_specs(kind))}
        self.values = values
        self.errors: dict[str, list[str]] = {}

    def label(self, name: str) -> str:
        return str(self.specs[name].label)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, required: bool | None = None, max_length: int = MAX_TEXT) -> str:
        value = " ".join(_text(self.values.get(name)).split()) if self.specs[name].widget != "textarea" \
            else _text(self.values.get(name))
        if required is None:
            required = self.specs[name].required
        if not value:
            if required:
                self.error(name, _("%(label)s을(를) 입력하세요.") % {"label": self.label(name)})
            return ""
        if len(value) > max_length:
            self.error(name, _("%(label)s은(는) %(n)s자 이하로 입력하세요.") % {"label": self.label(name), "n": max_length})
        return value

    def pattern(self, name: str, regex: re.Pattern, example: str, *, required: bool | None = None) -> str:
        value = self.text(name, required=required, max_length=100)
        if value and not regex.match(value):
            self.error(name, _("%(label)s '%(value)s'의 형식이 올바르지 않습니다 (예: %(example)s).") % {
                "label": self.label(name), "value": value, "example": example})
        return value

    def phone(self, name: str) -> str:
        value = self.pattern(name, PHONE_RE, "02-1234-5678")
        digits = value.replace("-", "")
        if value and PHONE_RE.match(value) and not 8 <= len(digits) <= 12:
            self.error(name, _("%(label)s '%(value)s'의 자릿수가 전화번호가 아닙니다 (예: 02-1234-5678).") % {
                "label": self.label(name), "value": value})
        return value

    def choice(self, name: str, choices) -> str:
        value = _text(self.values.get(name))
        allowed = {str(c) for c, _label in choices}
        if not value:
            if self.specs[name].required:
                self.error(name, _("%(label)s을(를) 고르세요.") % {"label": self.label(name)})
            return ""
        if value not in allowed:
            self.error(name, _("%(label)s '%(value)s'은(는) 고를 수 있는 값이 아닙니다.") % {
                "label": self.label(name), "value": value})
            return ""
        return value

    def urls(self, name: str, *, required: bool) -> list[str]:
        raw = self.values.get(name)
        lines = raw if isinstance(raw, list) else str(raw or "").splitlines()
        urls = [str(u).strip() for u in lines if str(u).strip()]
        if not urls and required:
            self.error(name, _("%(label)s을(를) 하나 이상 입력하세요 (대표 이미지).") % {"label": self.label(name)})
        if len(urls) > MAX_IMAGES:
            self.error(name, _("%(label)s은(는) %(n)s개까지 입력할 수 있습니다.") % {"label": self.label(name),
                                                                            "n": MAX_IMAGES})
        for n, url in enumerate(urls, start=1):
            if not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
                self.error(name, _("%(label)s %(n)s번째 줄 '%(value)s'은(는) http:// 또는 https://로 시작하는 주소가 "
                                   "아닙니다.") % {"label": self.label(name), "n": n, "value": url[:100]})
        return urls


def _naver(c: _Checker, carriers: list[tuple[str, str]]) -> dict:
    origin_code = c.choice("origin_code", NAVER_ORIGINS)
    origin: dict = {}
    if origin_code == "02":
        code = c.pattern("origin_import_code", re.compile(r"^02[0-9]{1,10}$"), "0200037", required=True)
        importer = c.text("origin_importer", required=True, max_length=100)
        origin = {"originAreaCode": code or "02", "importer": importer}
    elif origin_code:
        origin = {"originAreaCode": origin_code}
        content = c.text("origin_content", required=origin_code in ("03", "04"), max_length=200)
        if content:
            origin["content"] = content
    if origin:
        origin["plural"] = bool(c.values.get("origin_plural"))
    delivery = c.choice("delivery_company", carriers) if carriers else c.text("delivery_company", max_length=50)
    out = {
        "afterServiceInfo": {"afterServiceTelephoneNumber": c.phone("as_phone"),
                             "afterServiceGuideContent": c.text("as_guide", max_length=300)},
        "originAreaInfo": origin,
        "productInfoProvidedNotice": {"productInfoProvidedNoticeType": "ETC", "etc": {
            "itemName": c.text("notice_item_name", max_length=200),
            "modelName": c.text("notice_model_name", max_length=200),
            "manufacturer": c.text("notice_manufacturer", max_length=200),
            "customerServicePhoneNumber": c.phone("notice_cs_phone"),
        }},
        "image_urls": c.urls("image_urls", required=True),
        "description_html": c.text("description_html", required=True, max_length=MAX_DESCRIPTION),
    }
    if delivery:
        out["deliveryCompany"] = delivery
    return out


def _coupang(c: _Checker, carriers: list[tuple[str, str]]) -> dict:
    out: dict = {
        "vendorUserId": c.pattern("vendorUserId", LOGIN_RE, "wing-seller01"),
        "outboundShippingPlaceCode": c.pattern("outboundShippingPlaceCode", DIGITS_RE, "74010"),
        "returnCenterCode": c.pattern("returnCenterCode", re.compile(r"^[0-9A-Za-z]{1,30}$"), "1000274592"),
        "returnChargeName": c.text("returnChargeName", max_length=100),
        "companyContactNumber": c.phone("companyContactNumber"),
        "returnZipCode": c.pattern("returnZipCode", ZIP_RE, "06236"),
        "returnAddress": c.text("returnAddress", max_length=150),
        "returnAddressDetail": c.text("returnAddressDetail", max_length=150),
        "afterServiceInformation": c.text("afterServiceInformation", max_length=300),
        "afterServiceContactNumber": c.phone("afterServiceContactNumber"),
        "deliveryCompanyCode": (c.choice("deliveryCompanyCode", carriers) if carriers
                                else c.pattern("deliveryCompanyCode", re.compile(r"^[A-Z0-9_]{2,30}$"), "CJGLS")),
        "image_urls": c.urls("image_urls", required=True),
    }
    days = c.text("outboundShippingTimeDay", max_length=3)
    if days:
        if not days.isdigit() or not 1 <= int(days) <= 20:
            c.error("outboundShippingTimeDay", _("%(label)s '%(value)s'은(는) 1~20 사이의 숫자로 입력하세요.") % {
                "label": c.label("outboundShippingTimeDay"), "value": days})
        else:
            out["outboundShippingTimeDay"] = int(days)
    category = c.text("notice_category", max_length=100)
    notices = []
    for n, line in enumerate(str(c.values.get("notice_lines") or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, content = line.partition(":")
        if not sep or not name.strip() or not content.strip():
            c.error("notice_lines", _("%(label)s %(n)s번째 줄 '%(value)s'은(는) '항목명: 내용' 형식이 아닙니다.") % {
                "label": c.label("notice_lines"), "n": n, "value": line.strip()[:100]})
            continue
        notices.append({"noticeCategoryName": category, "noticeCategoryDetailName": name.strip()[:100],
                        "content": content.strip()[:MAX_TEXT]})
    if not notices and "notice_lines" not in c.errors:
        c.error("notice_lines", _("%(label)s을(를) 한 줄 이상 입력하세요.") % {"label": c.label("notice_lines")})
    out["notices"] = notices
    description = c.text("description_html", max_length=MAX_DESCRIPTION)
    if description:
        out["description_html"] = description
    return out


def _shopify(c: _Checker, carriers) -> dict:
    out: dict = {"image_urls": c.urls("image_urls", required=False)}
    description = c.text("description_html", max_length=MAX_DESCRIPTION)
    if description:
        out["description_html"] = description
    return out


BUILDERS = {ChannelKind.NAVER: _naver, ChannelKind.COUPANG: _coupang, ChannelKind.SHOPIFY: _shopify}


def account_listing_fields_update(*, company: Company, account: ChannelAccount, values: dict) -> ChannelAccount:
    """Check the 상품등록 기본정보 inputs of one account (`values`: input name → text, as FIELD_SPECS
    names them), build the marketplace's shapes and store them. Raises ListingFieldsError naming every
    bad input (nothing saved then); ListingError for an account that takes no listings."""
    if account.company_id != company.pk:
        raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))
    builder = BUILDERS.get(account.kind)
    if builder is None:
        raise ListingError(_("엑셀 업로드 쇼핑몰에는 상품을 전송하지 않으므로 상품등록 기본정보가 없습니다."))
    checker = _Checker(account.kind, values)
    built = builder(checker, carrier_choices(account.kind))
    if checker.errors:
        raise ListingFieldsError(checker.errors)
    if built.get("description_html"):
        built["description_html"] = sanitize_html(built["description_html"])
    stored = account_listing_fields(account)
    for key in MANAGED_KEYS[account.kind]:
        stored.pop(key, None)
    stored.update({k: v for k, v in built.items() if v not in (None, "", [], {})})
    return account_listing_fields_save(company=company, account=account, fields=stored)


# labels of what each marketplace requires, for the 쇼핑몰전송 screen
def _required_labels(kind: str) -> dict[str, str]:
    if kind == ChannelKind.NAVER:
        labels = {"afterServiceInfo": _("A/S 안내"), "originAreaInfo": _("원산지"),
                  "productInfoProvidedNotice": _("상품정보제공고시")}
        return {**{k: labels.get(k, k) for k in NAVER_REQUIRED_EXTRA}, "image_urls": _("상품 이미지"),
                "description_html": _("상세설명")}
    if kind == ChannelKind.COUPANG:
        labels = {"vendorUserId": _("WING 로그인 ID"), "outboundShippingPlaceCode": _("출고지 코드"),
                  "returnCenterCode": _("반품지 코드"), "returnChargeName": _("반품지명"),
                  "companyContactNumber": _("반품지 연락처"), "returnZipCode": _("반품지 우편번호"),
                  "returnAddress": _("반품지 주소"), "returnAddressDetail": _("반품지 상세주소"),
                  "afterServiceInformation": _("A/S 안내"), "afterServiceContactNumber": _("A/S 전화번호"),
                  "deliveryCompanyCode": _("택배사"), "notices": _("상품고시정보")}
        return {**{k: labels.get(k, k) for k in COUPANG_REQUIRED_EXTRA}, "image_urls": _("상품 이미지")}
    return {}


def account_listing_fields_missing(account: ChannelAccount, fields: dict | None = None) -> list[str]:
    """Labels of the values the marketplace requires for a new listing that this account lacks (empty
    when it can register; for Naver/Coupang the connector's required extras, images, Naver's 상세설명).
    `fields`: what a given product is sent with (its own values over the account's) instead."""
    stored = account_listing_fields(account) if fields is None else fields
    required = _required_labels(account.kind)
    return [label for key, label in required.items() if stored.get(key) in (None, "", [], {})]
