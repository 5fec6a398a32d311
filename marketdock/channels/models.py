"""Channel accounts (a company's account on one marketplace) and the option → SKU mappings that
order matching and stock push share."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned

from .crypto import decrypt_credentials, encrypt_credentials


class ChannelKind(models.TextChoices):
    NAVER = "naver", _("네이버 스마트스토어")
    COUPANG = "coupang", _("쿠팡")
    SHOPIFY = "shopify", _("Shopify")
    ELEVENST = "elevenst", _("11번가")
    GMARKET = "gmarket", _("G마켓")
    AUCTION = "auction", _("옥션")
    CAFE24 = "cafe24", _("카페24")
    MANUAL = "manual", _("기타(엑셀 업로드)")


# The real API base URL per marketplace; an account may override it (the demo points at the sandbox).
DEFAULT_BASE_URLS = {
    ChannelKind.NAVER: "https://api.commerce.naver.com/external",
    ChannelKind.COUPANG: "https://api-gateway.coupang.com",
    ChannelKind.SHOPIFY: "",  # per shop: https://{shop}.myshopify.com
    ChannelKind.ELEVENST: "https://api.11st.co.kr",
    ChannelKind.GMARKET: "https://sa2.esmplus.com",  # ESM Trading API (both sites)
    ChannelKind.AUCTION: "https://sa2.esmplus.com",
    ChannelKind.CAFE24: "",  # per mall: https://{mall_id}.cafe24api.com
    ChannelKind.MANUAL: "",
}


class ChannelAccount(CompanyOwned):
    kind = models.CharField(_("쇼핑몰"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("계정명"), max_length=100)
    credentials_encrypted = models.TextField(_("인증정보(암호화)"), blank=True, editable=False)
    base_url = models.CharField(_("API 주소"), max_length=300, blank=True)
    options = models.JSONField(_("설정"), default=dict, blank=True)
    is_active = models.BooleanField(_("사용"), default=True)
    collect_every_minutes = models.PositiveIntegerField(_("수집 주기(분)"), default=30)
    auto_collect = models.BooleanField(_("자동 수집"), default=True)
    credentials_expire_on = models.DateField(_("인증키 만료일"), null=True, blank=True)
    # 출고기한 rule for lines whose payload carries no due date: business days after payment
    dispatch_days = models.PositiveSmallIntegerField(_("출고기한(영업일)"), default=2)
    dispatch_cutoff_hour = models.PositiveSmallIntegerField(_("당일 출고 마감시각"), default=15)

    # collection state (advanced only after a page is committed)
    cursor = models.TextField(_("수집 커서"), blank=True, editable=False)
    collected_until = models.DateTimeField(_("수집 완료 시각"), null=True, blank=True, editable=False)
    next_collect_at = models.DateTimeField(_("다음 수집"), null=True, blank=True, db_index=True)
    last_collected_at = models.DateTimeField(_("마지막 수집"), null=True, blank=True)
    last_status = models.CharField(_("마지막 결과"), max_length=20, blank=True)
    last_error = models.TextField(_("마지막 오류"), blank=True)

    # an access token the marketplace issued for the stored credentials (Shopify client-credentials
    # grant), shared by every worker; kept encrypted like the credentials (marketdock.channels.tokens)
    token_encrypted = models.TextField(_("액세스 토큰(암호화)"), blank=True, editable=False)
    token_expires_at = models.DateTimeField(_("액세스 토큰 만료"), null=True, blank=True, editable=False)
    token_refreshing_until = models.DateTimeField(null=True, blank=True, editable=False)
    # OAuth refresh token's own expiry (Cafe24: 2 weeks, rotated on every refresh); the pair itself is
    # kept encrypted in token_encrypted (marketdock.channels.rotating_tokens)
    token_refresh_expires_at = models.DateTimeField(_("갱신 토큰 만료"), null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("등록일"), default=timezone.now)
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("쇼핑몰 계정")
        verbose_name_plural = _("쇼핑몰 계정")
        ordering = ["kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="channelaccount_unique_name")]
        indexes = [models.Index(fields=["company", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"

    @property
    def credentials(self) -> dict:
        return decrypt_credentials(self.credentials_encrypted)

    def set_credentials(self, values: dict) -> None:
        self.credentials_encrypted = encrypt_credentials(values)

    @property
    def effective_base_url(self) -> str:
        return self.base_url or DEFAULT_BASE_URLS.get(self.kind, "")


class OptionMapping(CompanyOwned):
    """One channel product option sold as `quantity` units of a SKU (a set of rows = a bundle, e.g.
    1+1 → quantity 2, or a gift box → two SKUs). `channel_option_id` is "" for a product without
    options. Matching and stock push both read these."""

    class Source(models.TextChoices):
        LISTING = "listing", _("상품연동")
        MANUAL = "manual", _("수동매칭")
        IMPORT = "import", _("가져오기")

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="option_mappings")
    channel_product_id = models.CharField(_("쇼핑몰 상품코드"), max_length=100)
    channel_option_id = models.CharField(_("쇼핑몰 옵션코드"), max_length=100, blank=True, default="")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="option_mappings")
    quantity = models.PositiveIntegerField(_("수량"), default=1)
    source = models.CharField(_("구분"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "channel_product_id", "channel_option_id", "sku"],
                                    name="optionmapping_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="optionmapping_quantity_positive"),
        ]
        indexes = [models.Index(fields=["account", "channel_product_id", "channel_option_id"])]


class OAuthState(CompanyOwned):
    """One OAuth authorization in flight (Cafe24 connect): the random `state` sent to the mall, bound to
    the company, the user who started it and the account it connects; single-use and short-lived. Only
    its SHA-256 is stored."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="oauth_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state_hash = models.CharField(max_length=64, unique=True)
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]
