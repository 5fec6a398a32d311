"""Catalogue reads. Every selector takes the company first and filters by it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from marketdock.core.models import CommonCode, Company

from .models import SKU, Category, Product, ProductImage, ProductUpload, SetComponent


def set_components(company: Company, sku_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """For each given SKU id that is a set, its components as (component SKU id, quantity).

    SKUs that are not sets (or have no components) are absent from the result.
    """
    ids = {int(i) for i in sku_ids}
    result: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if not ids:
        return {}
    rows = (
        SetComponent.objects.filter(company=company, set_sku_id__in=ids, set_sku__is_set=True)
        .order_by("set_sku_id", "id")
        .values_list("set_sku_id", "component_id", "quantity")
    )
    for set_id, comp_id, qty in rows:
        result[set_id].append((comp_id, qty))
    return dict(result)


# ---------------------------------------------------------------- categories


def categories(company: Company) -> QuerySet[Category]:
    return Category.objects.filter(company=company)


def category_get(company: Company, pk: int) -> Category:
    return categories(company).get(pk=pk)


def category_descendant_ids(company: Company, category_id: int) -> set[int]:
    """The category and every category below it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in categories(company).values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found: set[int] = set()
    stack = [category_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


@dataclass
class CategoryNode:
    category: Category
    depth: int
    path: str
    product_count: int
    child_count: int


def category_tree(company: Company) -> list[CategoryNode]:
    """Depth-first list of the category tree with full paths ('의류 > 상의') and counts."""
    cats = list(categories(company).annotate(n_products=Count("products")))
    children: dict[int | None, list[Category]] = defaultdict(list)
    for c in cats:
        children[c.parent_id].append(c)
    for lst in children.values():
        lst.sort(key=lambda c: (c.sort_order, c.name, c.pk))
    out: list[CategoryNode] = []

    def walk(parent_id, depth, prefix):
        for c in children.get(parent_id, ()):
            path = f"{prefix} > {c.name}" if prefix else c.name
            out.append(CategoryNode(c, depth, path, c.n_products, len(children.get(c.pk, ()))))
            walk(c.pk, depth + 1, path)

    walk(None, 0, "")
    return out


def category_paths(company: Company) -> dict[int, str]:
    return {node.category.pk: node.path for node in category_tree(company)}


# ---------------------------------------------------------------- brands


def brands(company: Company) -> QuerySet[CommonCode]:
    return CommonCode.objects.filter(company=company, group__code="BRAND", is_active=True).order_by("sort_order", "name")


# ---------------------------------------------------------------- products and SKUs

PRODUCT_SORTS = {
    "code": "code", "name": "name", "price": "price", "created": "created_at", "updated": "updated_at",
    "status": "status",
}


def products(company: Company) -> QuerySet[Product]:
    return Product.objects.filter(company=company).select_related("brand", "category")


def product_get(company: Company, pk: int) -> Product:
    return products(company).get(pk=pk)


def product_search(
    company: Company,
    *,
    q: str = "",
    brand_id: int | None = None,
    category_id: int | None = None,
    status: str = "",
    inventory_managed: bool | None = None,
    sort: str = "-created",
) -> QuerySet[Product]:
    qs = products(company).annotate(sku_count=Count("skus", distinct=True))
    if q:
        q = q.strip()
        sku_match = SKU.objects.filter(company=company).filter(
            Q(code__icontains=q) | Q(barcode__icontains=q)
        ).values("product_id")
        qs = qs.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(seller_code__icontains=q) | Q(pk__in=sku_match)
        )
    if brand_id:
        qs = qs.filter(brand_id=brand_id)
    if category_id:
        qs = qs.filter(category_id__in=category_descendant_ids(company, category_id))
    if status:
        qs = qs.filter(status=status)
    if inventory_managed is not None:
        qs = qs.filter(inventory_managed=inventory_managed)
    desc = sort.startswith("-")
    key = PRODUCT_SORTS.get(sort.lstrip("-"), "created_at")
    return qs.order_by(f"-{key}" if desc else key, "-id")


def skus(company: Company) -> QuerySet[SKU]:
    return SKU.objects.filter(company=company).select_related("product")


def sku_get(company: Company, pk: int) -> SKU:
    return skus(company).get(pk=pk)


def sku_search(company: Company, *, q: str = "", ids: Iterable[int] | None = None) -> QuerySet[SKU]:
    qs = skus(company).order_by("product__code", "sort_order", "id")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(code__icontains=q) | Q(barcode__icontains=q) | Q(product__name__icontains=q)
            | Q(product__code__icontains=q) | Q(option_text__icontains=q) | Q(product__seller_code__icontains=q)
        )
    return qs


def sku_by_barcode(company: Company, barcode: str) -> SKU | None:
    """The SKU with this barcode (scan), or with this SKU code as a fallback."""
    barcode = (barcode or "").strip()
    if not barcode:
        return None
    return skus(company).filter(barcode=barcode).first() or skus(company).filter(code=barcode).first()


def set_component_rows(company: Company, set_sku_id: int) -> QuerySet[SetComponent]:
    return SetComponent.objects.filter(company=company, set_sku_id=set_sku_id).select_related("component__product")


def product_images(company: Company, product_id: int) -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(company=company, product_id=product_id).order_by("-is_main", "sort_order", "id")


def product_image_get(company: Company, pk: int) -> ProductImage:
    return ProductImage.objects.filter(company=company).select_related("product").get(pk=pk)


def uploads(company: Company) -> QuerySet[ProductUpload]:
    return ProductUpload.objects.filter(company=company).select_related("created_by", "job")


def upload_get(company: Company, pk: int) -> ProductUpload:
    return uploads(company).get(pk=pk)
