"""The category tree (names unique among siblings) and brands (BRAND common codes)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketdock.core.models import CommonCode, Company

from ..models import Category, Product
from .errors import CatalogError

# ---------------------------------------------------------------- categories


def _category_siblings_clash(company: Company, *, name: str, parent: Category | None, exclude_id: int | None) -> bool:
    qs = Category.objects.filter(company=company, parent=parent, name=name)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def _category_clean(company: Company, *, name: str, parent: Category | None, exclude_id: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise CatalogError(_("분류명을 입력하세요."), "name")
    if len(name) > 60:
        raise CatalogError(_("분류명은 60자 이하로 입력하세요."), "name")
    if ">" in name:
        raise CatalogError(_("분류명에는 '>'를 쓸 수 없습니다 (분류 경로 구분자)."), "name")
    if parent is not None and parent.company_id != company.pk:
        raise CatalogError(_("상위 분류를 찾을 수 없습니다."), "parent")
    if _category_siblings_clash(company, name=name, parent=parent, exclude_id=exclude_id):
        raise CatalogError(_("같은 위치에 '%(name)s' 분류가 이미 있습니다.") % {"name": name}, "name")
    return name


def category_create(*, company: Company, name: str, parent: Category | None = None, sort_order: int = 0) -> Category:
    name = _category_clean(company, name=name, parent=parent, exclude_id=None)
    return Category.objects.create(company=company, name=name, parent=parent, sort_order=sort_order)


def category_update(
    *, company: Company, category: Category, name: str, parent: Category | None, sort_order: int | None = None
) -> Category:
    """Rename and/or move a category; a category cannot move under itself or its descendants."""
    from ..selectors import category_descendant_ids

    name = _category_clean(company, name=name, parent=parent, exclude_id=category.pk)
    if parent is not None and parent.pk in category_descendant_ids(company, category.pk):
        raise CatalogError(_("분류를 자기 자신이나 하위 분류 아래로 옮길 수 없습니다."), "parent")
    category.name = name
    category.parent = parent
    if sort_order is not None:
        category.sort_order = sort_order
    category.save(update_fields=["name", "parent", "sort_order"])
    return category


def category_delete(*, company: Company, category: Category) -> None:
    if Category.objects.filter(company=company, parent=category).exists():
        raise CatalogError(_("하위 분류가 있는 분류는 삭제할 수 없습니다. 하위 분류를 먼저 옮기거나 삭제하세요."))
    count = Product.objects.filter(company=company, category=category).count()
    if count:
        raise CatalogError(
            _("상품 %(n)s개가 이 분류에 속해 있어 삭제할 수 없습니다. 상품의 분류를 먼저 바꾸세요.") % {"n": count}
        )
    category.delete()


# ---------------------------------------------------------------- brands (common codes)


def brand_resolve(*, company: Company, text: str) -> CommonCode | None:
    """A BRAND common code by its code or its name (Excel upload); None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    qs = CommonCode.objects.filter(company=company, group__code="BRAND")
    return qs.filter(code=text).first() or qs.filter(name=text).first()
