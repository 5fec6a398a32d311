"""Product images: one added, reordered, made main or deleted; many uploaded at once (names = product codes)."""

from __future__ import annotations

import os
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from marketdock.core.models import Company

from ..images import (
    MAX_IMAGE_BYTES,
    MAX_ZIP_BYTES,
    BulkResult,
    CheckedImage,
    ImageRejected,
    image_check,
    image_files_delete,
    iter_zip,
    match_product,
    mb,
    thumbnail_bytes,
)
from ..models import Product, ProductImage

# ---------------------------------------------------------------- images


def product_image_add(
    *, company: Company, product: Product, name: str, data: bytes, checked: CheckedImage | None = None,
    sort_order: int | None = None, make_main: bool | None = None,
) -> tuple[ProductImage, bool]:
    """Validate and store one image (+ thumbnail). An image with the same original file name on the
    same product is replaced. Returns (image, replaced)."""
    if product.company_id != company.pk:
        raise ImageRejected(_("상품을 찾을 수 없습니다."))
    checked = checked or image_check(name, data)
    thumb, thumb_ext = thumbnail_bytes(checked)
    stem = uuid.uuid4().hex
    base_name = os.path.basename(name)[:255]
    with transaction.atomic():
        old = ProductImage.objects.filter(company=company, product=product, original_name=base_name).first()
        existing = ProductImage.objects.filter(company=company, product=product)
        if sort_order is None:
            sort_order = old.sort_order if old else (max([i.sort_order for i in existing] or [0]) + 1)
        has_main = existing.filter(is_main=True).exclude(pk=old.pk if old else None).exists()
        main = (not has_main) if make_main is None else make_main
        if main:
            existing.update(is_main=False)
        image = ProductImage(
            company=company, product=product, sort_order=sort_order, is_main=main or bool(old and old.is_main),
            original_name=base_name, size_bytes=len(checked.data), width=checked.width, height=checked.height,
        )
        image.image.save(f"{stem}.{checked.ext}", ContentFile(checked.data), save=False)
        image.thumbnail.save(f"{stem}_t.{thumb_ext}", ContentFile(thumb), save=False)
        image.save()
        if old:
            image_files_delete(old)
            old.delete()
    return image, old is not None


def product_image_set_main(*, company: Company, image: ProductImage) -> None:
    with transaction.atomic():
        ProductImage.objects.filter(company=company, product_id=image.product_id).update(is_main=False)
        ProductImage.objects.filter(company=company, pk=image.pk).update(is_main=True)


def product_image_move(*, company: Company, image: ProductImage, direction: int) -> None:
    """Move an image one place earlier (-1) or later (+1) in the product's order."""
    images = list(ProductImage.objects.filter(company=company, product_id=image.product_id).order_by("sort_order", "id"))
    idx = next(i for i, img in enumerate(images) if img.pk == image.pk)
    other = idx + (1 if direction > 0 else -1)
    if 0 <= other < len(images):
        images[idx], images[other] = images[other], images[idx]
    with transaction.atomic():
        for order, img in enumerate(images, start=1):
            if img.sort_order != order:
                ProductImage.objects.filter(pk=img.pk).update(sort_order=order)


def product_image_delete(*, company: Company, image: ProductImage) -> None:
    product_id, was_main = image.product_id, image.is_main
    with transaction.atomic():
        image.delete()
        if was_main:
            nxt = ProductImage.objects.filter(company=company, product_id=product_id).order_by("sort_order", "id").first()
            if nxt:
                ProductImage.objects.filter(pk=nxt.pk).update(is_main=True)
    image_files_delete(image)


def image_bulk_upload(*, company: Company, files: list) -> list[BulkResult]:
    """Store many images at once: each uploaded file (or each file inside an uploaded zip) is matched
    to a product by its name (`<product code>.jpg` = main image, `<product code>_<n>.jpg` = image n).
    Returns one result per file; a bad file never stops the others."""
    results: list[BulkResult] = []
    cache: dict[str, Product | None] = {}
    entries: list[tuple[str, bytes | None, str]] = []
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "file")
        if name.lower().endswith(".zip"):
            if getattr(f, "size", 0) > MAX_ZIP_BYTES:
                entries.append((name, None, _("%(name)s: 압축 파일은 300MB 이하만 올릴 수 있습니다.") % {"name": name}))
                continue
            entries.extend(iter_zip(name, f))
        else:
            if getattr(f, "size", 0) > MAX_IMAGE_BYTES:
                entries.append((name, None, _("%(name)s: 파일 크기가 %(size)s입니다. 이미지는 10MB 이하만 올릴 수 있습니다.") % {
                    "name": name, "size": mb(f.size)}))
                continue
            entries.append((name, f.read(MAX_IMAGE_BYTES + 1), ""))
    for name, data, error in entries:
        if data is None:
            results.append(BulkResult(name, False, error))
            continue
        product, n = match_product(company, name, cache)
        if product is None:
            results.append(BulkResult(name, False, _(
                "%(name)s: 파일 이름과 같은 상품코드의 상품이 없습니다. 파일 이름을 '상품코드.jpg' 또는 '상품코드_2.jpg'로 바꾸세요."
            ) % {"name": name}))
            continue
        try:
            checked = image_check(name, data)
            _img, replaced = product_image_add(
                company=company, product=product, name=name, data=data, checked=checked,
                sort_order=n if n is not None else 0, make_main=True if n is None else None,
            )
        except ImageRejected as exc:
            results.append(BulkResult(name, False, str(exc), product.code))
            continue
        msg = _("교체했습니다") if replaced else (_("대표 이미지로 등록했습니다") if n is None else _("%(n)s번 이미지로 등록했습니다") % {"n": n})
        results.append(BulkResult(name, True, msg, product.code))
    return results
