"""Listings: one catalogue product on one channel account (LST-2..6), its channel options, and the
per-channel shipping policies attached to listings (LST-8, SHP-8).

The SKU × quantity behind a channel option lives in `channels.OptionMapping` (source "listing"), the
same rows order matching reads; `ListingOption.sku/quantity` keep the mapping designed for a draft
before the channel has given the option an id, and are written to OptionMapping on register/link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned


class ShippingPolicy(CompanyOwned):
    """배송정보: what one channel account charges for shipping a listing."""

    class FeeType(models.TextChoices):
        FREE = "free", _("무료")
        PAID = "paid", _("유료")
        CONDITIONAL = "conditional", _("조건부 무료")

    class BundleRule(models.TextChoices):
        BUNDLE = "bundle", _("묶음배송 가능")
        SEPARATE = "separate", _("개별배송")

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="shipping_policies",
                                verbose_name=_("쇼핑몰 계정"))
    name = models.CharField(_("배송정보명"), max_length=100)
    fee_type = models.CharField(_("배송비 유형"), max_length=20, choices=FeeType.choices, default=FeeType.PAID)
    fee = models.PositiveIntegerField(_("기본 배송비"), default=0)
    free_threshold = models.PositiveIntegerField(_("무료배송 기준금액"), null=True, blank=True)
    bundle_rule = models.CharField(_("묶음배송"), max_length=20, choices=BundleRule.choices, default=BundleRule.BUNDLE)
    return_fee = models.PositiveIntegerField(_("반품 배송비(편도)"), default=0)
    exchange_fee = models.PositiveIntegerField(_("교환 배송비(왕복)"), default=0)
    jeju_surcharge = models.PositiveIntegerField(_("제주 추가배송비"), default=0)
    remote_surcharge = models.PositiveIntegerField(_("도서산간 추가배송비"), default=0)
    is_default = models.BooleanField(_("기본 배송정보"), default=False)
    created_at = models.DateTimeField(_("등록일"), default=timezone.now)
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("배송정보")
        verbose_name_plural = _("배송정보")
        ordering = ["account_id", "-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="shippingpolicy_unique_name"),
            models.UniqueConstraint(fields=["account"], condition=models.Q(is_default=True),
                                    name="shippingpolicy_one_default"),
        ]

    def __str__(self) -> str:
        return self.name

    def fee_for(self, amount: int, *, remote: bool = False, jeju: bool = False) -> int:
        """The shipping fee for an order of `amount` won (remote-area surcharges added)."""
        if self.fee_type == self.FeeType.FREE:
            base = 0
        elif self.fee_type == self.FeeType.CONDITIONAL and self.free_threshold and amount >= self.free_threshold:
            base = 0
        else:
            base = self.fee
        return base + (self.jeju_surcharge if jeju else 0) + (self.remote_surcharge if remote else 0)


class SaleStatus(models.TextChoices):
    ON_SALE = "on_sale", _("판매중")
    SOLD_OUT = "sold_out", _("품절")
    STOPPED = "stopped", _("판매중지")


class AllocationRule(models.TextChoices):
    ALL = "all", _("전체 가용재고")
    FIXED = "fixed", _("고정 수량")
    PERCENT = "percent", _("비율(%)")
    BUFFER = "buffer", _("안전재고 제외")


class Listing(CompanyOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("미전송")
        REGISTERING = "registering", _("전송중")
        LINKED = "linked", _("연동")
        ERROR = "error", _("오류")

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="listings",
                                verbose_name=_("쇼핑몰 계정"))
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="listings",
                                verbose_name=_("상품"))
    # the product number orders carry (matching and OptionMapping key on it) ...
    channel_product_id = models.CharField(_("연동상품코드"), max_length=100, blank=True, default="")
    # ... and the marketplace's internal product number when it has another one (Naver originProductNo;
    # informational: connectors resolve it themselves from the number above)
    api_product_id = models.CharField(_("쇼핑몰 원상품번호"), max_length=100, blank=True, default="")
    seller_product_code = models.CharField(_("판매자상품코드"), max_length=100, blank=True, default="")
    name = models.CharField(_("판매처별 상품명"), max_length=200)
    price = models.PositiveIntegerField(_("판매가"), default=0)
    sale_status = models.CharField(_("판매상태"), max_length=20, choices=SaleStatus.choices, default=SaleStatus.ON_SALE)
    category_id = models.CharField(_("쇼핑몰 카테고리 코드"), max_length=100, blank=True, default="")
    category_name = models.CharField(_("쇼핑몰 카테고리"), max_length=200, blank=True, default="")
    shipping_policy = models.ForeignKey(ShippingPolicy, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="listings", verbose_name=_("배송정보"))
    allocation_rule = models.CharField(_("재고 할당"), max_length=20, choices=AllocationRule.choices,
                                       default=AllocationRule.ALL)
    allocation_value = models.PositiveIntegerField(_("할당값"), default=0)
    typed_stock = models.PositiveIntegerField(_("입력 재고"), null=True, blank=True,
                                              help_text=_("재고관리를 하지 않는 상품의 쇼핑몰 재고"))
    status = models.CharField(_("연동상태"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    last_error = models.TextField(_("마지막 오류"), blank=True, default="")
    last_sent_at = models.DateTimeField(_("마지막 전송"), null=True, blank=True)
    last_synced_at = models.DateTimeField(_("마지막 동기화"), null=True, blank=True)
    channel_snapshot = models.JSONField(_("쇼핑몰 상태"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("등록일"), default=timezone.now)
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("쇼핑몰 상품")
        verbose_name_plural = _("쇼핑몰 상품")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "channel_product_id"], condition=~models.Q(channel_product_id=""),
                                    name="listing_unique_channel_product"),
        ]
        indexes = [
            models.Index(fields=["company", "account", "status"]),
            models.Index(fields=["company", "product"]),
            models.Index(fields=["account", "channel_product_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel_product_id or '-'})"


class ListingOption(CompanyOwned):
    """One option of a listing as the channel sells it (`channel_option_id` "" = the product has no
    options, or the option has not been given an id yet)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="options", verbose_name=_("쇼핑몰 상품"))
    channel_option_id = models.CharField(_("쇼핑몰 옵션코드"), max_length=100, blank=True, default="")
    name = models.CharField(_("옵션명"), max_length=200, blank=True, default="")
    price_delta = models.IntegerField(_("옵션가"), default=0)
    seller_option_code = models.CharField(_("판매자옵션코드"), max_length=100, blank=True, default="")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("단품"))
    quantity = models.PositiveIntegerField(_("수량"), default=1)
    channel_stock = models.IntegerField(_("쇼핑몰 재고"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("쇼핑몰 상품 옵션")
        verbose_name_plural = _("쇼핑몰 상품 옵션")
        ordering = ["listing_id", "sort_order", "id"]
        indexes = [models.Index(fields=["listing", "channel_option_id"])]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="listingoption_quantity_positive")]

    def __str__(self) -> str:
        return self.name or str(self.channel_option_id)


class ProductListingFields(CompanyOwned):
    """상품별 등록정보: what one product is registered with on every channel — images, 상세설명, A/S,
    원산지, 고시 — overriding the channel account's 상품등록 기본정보 where filled (`values`: the
    input names of services_product_fields.PRODUCT_SPECS → cleaned values; empty ones are absent)."""

    product = models.OneToOneField("catalog.Product", on_delete=models.CASCADE, related_name="listing_fields",
                                   verbose_name=_("상품"))
    values = models.JSONField(_("상품별 등록정보"), default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("상품별 등록정보")
        verbose_name_plural = _("상품별 등록정보")


class DescriptionTemplate(CompanyOwned):
    """상세설명 템플릿 (CAT-6): reusable blocks a product's 상세설명 is composed from — header, notice,
    the product's own body, image blocks, footer — stored already sanitised."""

    name = models.CharField(_("템플릿명"), max_length=100)
    header_html = models.TextField(_("머리말"), blank=True, default="")
    notice_html = models.TextField(_("공지"), blank=True, default="")
    footer_html = models.TextField(_("꼬리말"), blank=True, default="")
    image_urls = models.JSONField(_("이미지"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("상세설명 템플릿")
        verbose_name_plural = _("상세설명 템플릿")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="descriptiontemplate_unique_name")]

    def __str__(self) -> str:
        return self.name


class MarketCategory(CompanyOwned):
    """One node of a channel account's category tree, as loaded from the marketplace's category API
    (the cache the category picker searches; refreshed on demand, replaced whole)."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰 계정"))
    code = models.CharField(_("카테고리 코드"), max_length=100)
    name = models.CharField(_("카테고리명"), max_length=200)
    path = models.CharField(_("카테고리 경로"), max_length=600)
    parent_code = models.CharField(max_length=100, blank=True, default="")
    is_leaf = models.BooleanField(_("최하위"), default=True)
    fetched_at = models.DateTimeField(_("불러온 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("쇼핑몰 카테고리")
        verbose_name_plural = _("쇼핑몰 카테고리")
        ordering = ["path", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "code"], name="marketcategory_unique_code")]
        indexes = [models.Index(fields=["account", "parent_code"])]

    def __str__(self) -> str:
        return self.path


from .models_sync import ListingDirty, ListingSyncState, SyncKind, SyncPush  # noqa: E402,F401  (stock/price push)
