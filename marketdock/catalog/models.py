"""Catalogue: categories, products, SKUs (단품), set components, product images.

A product owns one or more SKUs. Option axes (색상, 사이즈, ...) on the product generate the SKU
grid; each SKU keeps its own code and barcode (unique per company). A set SKU (세트상품) is made
of component SKUs × quantities; the inventory app expands sets through
`catalog.selectors.set_components`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CommonCode, CompanyOwned


class Category(CompanyOwned):
    """User-defined category tree (분류)."""

    name = models.CharField(_("분류명"), max_length=60)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("상위 분류")
    )
    sort_order = models.PositiveIntegerField(_("정렬순서"), default=0)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("분류")
        verbose_name_plural = _("분류")
        ordering = ["sort_order", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "parent", "name"], name="category_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class TaxType(models.TextChoices):
    TAXABLE = "taxable", _("과세")
    EXEMPT = "exempt", _("면세")
    ZERO = "zero", _("영세")


class ProductStatus(models.TextChoices):
    ON_SALE = "on_sale", _("판매중")
    SOLD_OUT = "sold_out", _("품절")
    SUSPENDED = "suspended", _("판매중지")
    DISCONTINUED = "discontinued", _("단종")


class Product(CompanyOwned):
    code = models.CharField(_("상품코드"), max_length=40)
    seller_code = models.CharField(_("판매자상품코드"), max_length=60, blank=True, db_index=True)
    name = models.CharField(_("상품명"), max_length=200)
    brand = models.ForeignKey(
        CommonCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("브랜드")
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products", verbose_name=_("분류")
    )
    price = models.PositiveIntegerField(_("판매가"), default=0)
    cost = models.PositiveIntegerField(_("원가"), default=0)
    tax_type = models.CharField(_("과세구분"), max_length=10, choices=TaxType.choices, default=TaxType.TAXABLE)
    status = models.CharField(_("상태"), max_length=20, choices=ProductStatus.choices, default=ProductStatus.ON_SALE)
    inventory_managed = models.BooleanField(_("재고관리"), default=True)
    option_axes = models.JSONField(_("옵션"), default=list, blank=True)
    memo = models.TextField(_("메모"), blank=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("상품")
        verbose_name_plural = _("상품")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="product_unique_code_per_company")]
        indexes = [models.Index(fields=["company", "status"]), models.Index(fields=["company", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def main_image(self):
        images = list(self.images.all())
        for img in images:
            if img.is_main:
                return img
        return images[0] if images else None


class SKUStatus(models.TextChoices):
    ACTIVE = "active", _("사용")
    SOLD_OUT = "sold_out", _("품절")
    INACTIVE = "inactive", _("사용안함")


class SKU(CompanyOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("상품"))
    code = models.CharField(_("단품코드"), max_length=60)
    barcode = models.CharField(_("바코드"), max_length=60)
    option_values = models.JSONField(_("옵션값"), default=dict, blank=True)
    option_text = models.CharField(_("옵션"), max_length=200, blank=True)
    price_delta = models.IntegerField(_("옵션가"), default=0)
    status = models.CharField(_("상태"), max_length=20, choices=SKUStatus.choices, default=SKUStatus.ACTIVE)
    is_set = models.BooleanField(_("세트상품"), default=False)
    is_gift = models.BooleanField(_("사은품"), default=False)
    safety_stock = models.PositiveIntegerField(_("안전재고"), default=0)
    reorder_point = models.PositiveIntegerField(_("발주점"), default=0)
    sort_order = models.PositiveIntegerField(_("정렬순서"), default=0)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("단품")
        verbose_name_plural = _("단품")
        ordering = ["product_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="sku_unique_code_per_company"),
            models.UniqueConstraint(fields=["company", "barcode"], name="sku_unique_barcode_per_company"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.option_text}".strip()

    @property
    def price(self) -> int:
        return self.product.price + self.price_delta

    @property
    def display_name(self) -> str:
        if self.option_text:
            return f"{self.product.name} [{self.option_text}]"
        return self.product.name


class SetComponent(CompanyOwned):
    set_sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="components", verbose_name=_("세트 단품"))
    component = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="used_in_sets", verbose_name=_("구성 단품"))
    quantity = models.PositiveIntegerField(_("수량"), default=1)

    class Meta:
        verbose_name = _("세트 구성")
        verbose_name_plural = _("세트 구성")
        ordering = ["set_sku_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["set_sku", "component"], name="setcomponent_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="setcomponent_quantity_positive"),
        ]


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"catalog/{instance.company_id}/products/{filename}"


def product_thumb_path(instance: ProductImage, filename: str) -> str:
    return f"catalog/{instance.company_id}/thumbs/{filename}"


class ProductImage(CompanyOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("상품"))
    image = models.ImageField(_("이미지"), upload_to=product_image_path, max_length=300)
    thumbnail = models.ImageField(_("썸네일"), upload_to=product_thumb_path, max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("정렬순서"), default=0)
    is_main = models.BooleanField(_("대표이미지"), default=False)
    original_name = models.CharField(_("원본 파일명"), max_length=255, blank=True)
    size_bytes = models.PositiveIntegerField(_("크기"), default=0)
    width = models.PositiveIntegerField(_("가로"), default=0)
    height = models.PositiveIntegerField(_("세로"), default=0)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("상품 이미지")
        verbose_name_plural = _("상품 이미지")
        ordering = ["product_id", "-is_main", "sort_order", "id"]

    def __str__(self) -> str:
        return self.original_name or self.image.name


def product_upload_path(instance: ProductUpload, filename: str) -> str:
    return f"catalog/{instance.company_id}/uploads/{filename}"


class ProductUpload(CompanyOwned):
    """An Excel file of products/SKUs uploaded for bulk create/update (CAT-9); processed by a job."""

    class Status(models.TextChoices):
        PENDING = "pending", _("대기")
        APPLIED = "applied", _("반영")
        PARTIAL = "partial", _("일부 반영")
        REJECTED = "rejected", _("반영 안 함")
        FAILED = "failed", _("실패")

    file = models.FileField(_("파일"), upload_to=product_upload_path, max_length=300)
    original_name = models.CharField(_("파일명"), max_length=255)
    apply_valid_rows = models.BooleanField(_("정상 행만 반영"), default=False)
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("전체 행"), default=0)
    error_rows = models.PositiveIntegerField(_("오류 행"), default=0)
    created_products = models.PositiveIntegerField(_("신규 상품"), default=0)
    updated_products = models.PositiveIntegerField(_("수정 상품"), default=0)
    skipped_products = models.PositiveIntegerField(_("제외 상품"), default=0)
    errors = models.JSONField(_("오류"), default=list, blank=True)
    job = models.ForeignKey("core.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("상품 엑셀 업로드")
        verbose_name_plural = _("상품 엑셀 업로드")
        ordering = ["-created_at", "-id"]
