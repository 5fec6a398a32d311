"""What each marketplace asks a seller to paste, and the shape each value must have.

Identifiers (Naver application id, Coupang vendor id, Shopify shop domain) are shown in full on the
edit screen; secrets are shown masked and never leave the server again. The shapes are checked
before anything is stored so a half-copied key gets a clear Korean message instead of a failed
collection at 3 a.m."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .crypto import mask_secret
from .models import ChannelKind


def _strip(value: str) -> str:
    return "".join(str(value or "").split())  # keys are pasted from web pages: drop every space/newline


def _shop_domain(value: str) -> str:
    value = _strip(value).lower().removeprefix("https://").removeprefix("http://")
    return value.split("/", 1)[0]


@dataclass(frozen=True)
class CredentialField:
    key: str
    label: str
    secret: bool
    pattern: str
    error: str
    help: str = ""
    normalize: Callable[[str], str] = _strip
    required: bool = True  # False: one of several ways in (CREDENTIAL_RULES says which combination)

    def check(self, raw: str) -> tuple[str, str | None]:
        """(normalized value, error message or None)."""
        value = self.normalize(raw)
        if not re.fullmatch(self.pattern, value):
            return value, str(self.error)
        return value, None


CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    ChannelKind.NAVER: (
        CredentialField(
            "client_id", _("애플리케이션 ID"), False, r"[A-Za-z0-9_-]{8,64}",
            _("애플리케이션 ID는 영문·숫자 8~64자입니다. 커머스API센터 › 애플리케이션 상세에서 그대로 복사하세요."),
            _("커머스API센터(apicenter.commerce.naver.com)에서 발급한 애플리케이션 ID"),
        ),
        CredentialField(
            "client_secret", _("애플리케이션 시크릿"), True, r"\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{22}",
            _("애플리케이션 시크릿은 $2a$로 시작하는 29자입니다(예: $2a$04$…). 앞뒤가 잘리지 않았는지 확인하세요."),
        ),
    ),
    ChannelKind.COUPANG: (
        CredentialField(
            "vendor_id", _("업체코드(Vendor ID)"), False, r"A\d{8}",
            _("업체코드는 A로 시작하는 9자리입니다(예: A00012345). WING › 판매자정보에서 확인하세요."),
            normalize=lambda v: _strip(v).upper(),
        ),
        CredentialField(
            "access_key", _("Access Key"), True, r"[A-Za-z0-9-]{20,64}",
            _("Access Key는 영문·숫자·하이픈 20~64자입니다. WING › 판매자정보 › 추가판매정보 › OPEN API 키에서 복사하세요."),
        ),
        CredentialField(
            "secret_key", _("Secret Key"), True, r"[A-Za-z0-9]{32,64}",
            _("Secret Key는 영문·숫자 32~64자입니다. 키를 재발급했다면 새 키를 붙여 넣으세요."),
        ),
    ),
    ChannelKind.SHOPIFY: (
        CredentialField(
            "shop_domain", _("상점 도메인"), False, r"[a-z0-9][a-z0-9-]*\.myshopify\.com",
            _("상점 도메인은 xxx.myshopify.com 형식입니다(예: my-shop.myshopify.com). 자체 도메인이 아니라 myshopify.com 주소를 넣으세요."),
            normalize=_shop_domain,
        ),
        CredentialField(
            "client_id", _("클라이언트 ID (Dev Dashboard 앱)"), False, r"[A-Za-z0-9]{16,64}",
            _("클라이언트 ID는 영문·숫자 16~64자입니다. Dev Dashboard › 앱 › Settings에서 그대로 복사하세요."),
            _("2026년부터 만드는 앱은 Dev Dashboard에서 만들고 상점에 설치한 뒤 Client ID와 Secret을 넣습니다. "
              "액세스 토큰(24시간)은 marketdock이 받아 만료 전에 갱신합니다."),
            required=False,
        ),
        CredentialField(
            "client_secret", _("클라이언트 시크릿 (Dev Dashboard 앱)"), True, r"[A-Za-z0-9_]{16,128}",
            _("클라이언트 시크릿은 영문·숫자·밑줄 16자 이상입니다(보통 shpss_로 시작). 앞뒤가 잘리지 않았는지 확인하세요."),
            required=False,
        ),
        CredentialField(
            "access_token", _("Admin API 액세스 토큰 (기존 커스텀 앱)"), True, r"shp[a-z]{2}_[A-Za-z0-9]{20,100}",
            _("Admin API 액세스 토큰은 shpat_로 시작합니다. 앱 설치 후 한 번만 표시되는 토큰을 그대로 붙여 넣으세요."),
            _("2026년 이전에 Shopify 관리자에서 만든 커스텀 앱의 고정 토큰. Dev Dashboard 앱이면 비워 두세요."),
            required=False,
        ),
    ),
    ChannelKind.ELEVENST: (
        CredentialField(
            "openapikey", _("Open API Key"), True, r"[A-Za-z0-9]{16,64}",
            _("11번가 Open API Key는 영문·숫자 16~64자입니다. 11번가 셀러오피스 › Open API 센터에서 발급받은 키를 그대로 붙여 넣으세요."),
            _("11번가 Open API 센터(openapi.11st.co.kr)에서 API 사용 승인 후 발급되는 키. 호출하는 서버의 IP를 11번가에 등록해야 합니다."),
        ),
    ),
    ChannelKind.CAFE24: (
        CredentialField(
            "mall_id", _("쇼핑몰 ID (카페24)"), False, r"[a-z0-9][a-z0-9_-]{2,39}",
            _("카페24 쇼핑몰 ID는 영문 소문자·숫자 3~40자입니다(예: myshop → myshop.cafe24.com). 관리자 로그인 ID가 아니라 쇼핑몰 주소 앞부분을 넣으세요."),
            _("https://{쇼핑몰ID}.cafe24.com 의 쇼핑몰 ID. 저장한 뒤 '카페24 연결'을 눌러 쇼핑몰 관리자가 앱 권한을 승인하면 토큰을 받습니다."),
            normalize=lambda v: _strip(v).lower(),
        ),
        CredentialField(
            "cafe24_client_id", _("앱 Client ID"), False, r"[A-Za-z0-9_-]{10,64}",
            _("Client ID는 영문·숫자 10~64자입니다. 카페24 개발자센터 › 앱 관리 › 인증 정보에서 복사하세요."),
            _("카페24 개발자센터에 등록한 앱의 Client ID. 앱의 Redirect URI에 marketdock의 카페24 연결 주소를 등록해야 합니다."),
        ),
        CredentialField(
            "cafe24_client_secret", _("앱 Client Secret"), True, r"[A-Za-z0-9_-]{10,128}",
            _("Client Secret은 영문·숫자 10자 이상입니다. 앞뒤가 잘리지 않았는지 확인하세요."),
        ),
    ),
    ChannelKind.MANUAL: (),
}


def _esm_fields(site: str, seller_label, seller_error) -> tuple[CredentialField, ...]:
    """G마켓 and 옥션 accounts: the same ESM+ master ID and secret key, and the site's own seller ID. The
    keys carry the site (`gmarket_master_id`, ...): the account form has one input per key, so two kinds
    must not share a key; the connector reads them without the prefix."""
    return (
        CredentialField(
            f"{site}_master_id", _("ESM+ 마스터 ID"), False, r"[A-Za-z0-9_.-]{2,50}",
            _("ESM+ 마스터 ID는 영문·숫자 2~50자입니다. ESM+ 로그인에 쓰는 마스터 ID를 그대로 넣으세요."),
            _("ESM Trading API(etapi.gmarket.com) 사용 승인을 받은 ESM+ 마스터 ID. ESM+ › 계정관리 › 셀링툴 관리에서 "
              "셀링툴 사용을 켜고 호출하는 서버의 IP를 등록해야 합니다."),
        ),
        CredentialField(
            f"{site}_secret_key", _("ESM API 시크릿 키"), True, r"[A-Za-z0-9+/=_-]{16,200}",
            _("ESM API 시크릿 키는 영문·숫자 16자 이상입니다. 발급받은 키를 앞뒤가 잘리지 않게 붙여 넣으세요."),
        ),
        CredentialField(f"{site}_seller_id", seller_label, False, r"[A-Za-z0-9_.-]{2,50}", seller_error),
    )


CREDENTIAL_FIELDS[ChannelKind.GMARKET] = _esm_fields(
    "gmarket", _("G마켓 판매자 ID"), _("G마켓 판매자 ID는 영문·숫자 2~50자입니다. ESM+에 연결된 G마켓 판매자 ID를 넣으세요."))
CREDENTIAL_FIELDS[ChannelKind.AUCTION] = _esm_fields(
    "auction", _("옥션 판매자 ID"), _("옥션 판매자 ID는 영문·숫자 2~50자입니다. ESM+에 연결된 옥션 판매자 ID를 넣으세요."))


def _shopify_rule(values: Mapping[str, str]) -> dict[str, str]:
    """Shopify: a Dev Dashboard app (client id + secret) or a legacy custom app's token."""
    has_id, has_secret = bool(values.get("client_id")), bool(values.get("client_secret"))
    if has_id and not has_secret:
        return {"client_secret": str(_("클라이언트 ID와 함께 클라이언트 시크릿을 입력하세요."))}
    if has_secret and not has_id:
        return {"client_id": str(_("클라이언트 시크릿과 함께 클라이언트 ID를 입력하세요."))}
    if not has_id and not values.get("access_token"):
        return {"client_id": str(_("Dev Dashboard 앱의 클라이언트 ID·시크릿 또는 기존 커스텀 앱의 액세스 토큰을 입력하세요."))}
    return {}


# checks over several fields of one marketplace: {field key: error}
CREDENTIAL_RULES: dict[str, Callable[[Mapping[str, str]], dict[str, str]]] = {ChannelKind.SHOPIFY: _shopify_rule}


def credential_input_name(kind: str, key: str) -> str:
    """The account form's input name for one kind's credential. The form renders every kind's inputs
    (the page shows the chosen kind's), so a key two kinds share (Naver and Shopify both have
    `client_id` and `client_secret`) gets the kind in front (`naver_client_id`, `shopify_client_id`):
    one input per name, each with its own kind's label and help. Stored credentials keep the key."""
    shared = sum(1 for fields in CREDENTIAL_FIELDS.values() if any(f.key == key for f in fields)) > 1
    return f"{kind}_{key}" if shared else key


def credential_fields(kind: str) -> tuple[CredentialField, ...]:
    return CREDENTIAL_FIELDS.get(kind, ())


def all_credential_fields() -> list[CredentialField]:
    return [f for fields in CREDENTIAL_FIELDS.values() for f in fields]


def credentials_check(kind: str, values: Mapping[str, str], *, current: Mapping[str, str] | None = None
                      ) -> tuple[dict[str, str], dict[str, str]]:
    """Merge the submitted values over the current ones and check their shape.

    A secret left empty keeps its current value (the edit form never shows it); an identifier left
    empty is an error. Returns (credentials, {field key: error message})."""
    current = current or {}
    result: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in credential_fields(kind):
        raw = str(values.get(field.key) or "")
        if not raw.strip():
            if field.secret and current.get(field.key):
                result[field.key] = current[field.key]
                continue
            if not field.required:
                continue
            errors[field.key] = str(_("%(label)s을(를) 입력하세요.") % {"label": field.label})
            continue
        value, error = field.check(raw)
        if error:
            errors[field.key] = error
        result[field.key] = value
    rule = CREDENTIAL_RULES.get(kind)
    if rule:
        for key, error in rule(result).items():
            errors.setdefault(key, error)
    return result, errors


def credentials_display(kind: str, values: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """(label, shown value, is_secret) for the edit screen: secrets masked."""
    rows = []
    for field in credential_fields(kind):
        value = str(values.get(field.key) or "")
        rows.append((str(field.label), mask_secret(value) if field.secret else value, field.secret))
    return rows
