"""One SKU at a time: its barcode, its gift flag, its set composition."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketdock.catalog.hooks import sku_availability_changed
from marketdock.core.models import Company

from ..models import SKU, SetComponent
from .errors import BARCODE_RE, CatalogError, FieldError

# ---------------------------------------------------------------- barcodes


def sku_barcode_update(*, company: Company, sku: SKU, barcode: str) -> SKU:
    barcode = (barcode or "").strip()
    if not barcode:
        raise CatalogError(_("바코드를 입력하세요."), "barcode")
    if not BARCODE_RE.match(barcode):
        raise CatalogError(_("바코드 '%(b)s'에는 공백이나 한글을 쓸 수 없고 60자 이하여야 합니다.") % {"b": barcode}, "barcode")
    clash = SKU.objects.filter(company=company, barcode=barcode).exclude(pk=sku.pk).select_related("product").first()
    if clash is not None:
        raise CatalogError(
            _("바코드 '%(b)s'은(는) 이미 단품 %(code)s (%(name)s)에서 쓰고 있습니다.")
            % {"b": barcode, "code": clash.code, "name": clash.display_name},
            "barcode",
        )
    sku.barcode = barcode
    try:
        with transaction.atomic():
            sku.save(update_fields=["barcode"])
    except IntegrityError:
        raise CatalogError(_("바코드 '%(b)s'은(는) 이미 다른 단품에서 쓰고 있습니다.") % {"b": barcode}, "barcode")
    return sku


# ---------------------------------------------------------------- sets


def set_components_replace(*, company: Company, set_sku: SKU, components: list[tuple[str, int]]) -> list[SetComponent]:
    """Make `set_sku` a set of the given (SKU code or barcode, quantity) pairs, replacing any
    previous composition. A set cannot contain itself or another set, nor be part of another set."""
    errors: list[FieldError] = []
    if set_sku.company_id != company.pk:
        raise CatalogError(_("단품을 찾을 수 없습니다."))
    if set_sku.used_in_sets.exists():
        raise CatalogError(_("단품 '%(c)s'은(는) 다른 세트의 구성품이라 세트가 될 수 없습니다.") % {"c": set_sku.code})
    if set_sku.is_gift:
        raise CatalogError(_("사은품은 세트로 만들 수 없습니다. 사은품 표시를 먼저 끄세요."))
    resolved: list[tuple[SKU, int]] = []
    seen: set[int] = set()
    for i, (ref, qty) in enumerate(components):
        ref = (ref or "").strip()
        if not ref:
            continue
        sku = (
            SKU.objects.filter(company=company, code=ref).first()
            or SKU.objects.filter(company=company, barcode=ref).first()
        )
        if sku is None:
            errors.append(FieldError("component", _("구성 단품 '%(r)s'을(를) 찾을 수 없습니다.") % {"r": ref}, i, ref))
            continue
        try:
            qty = int(qty)
        except (TypeError, ValueError):
            qty = 0
        if qty < 1 or qty > 9999:
            errors.append(FieldError("quantity", _("'%(r)s'의 수량은 1~9999 사이로 입력하세요.") % {"r": ref}, i, str(qty)))
            continue
        if sku.pk == set_sku.pk:
            errors.append(FieldError("component", _("세트는 자기 자신을 구성품으로 넣을 수 없습니다."), i, ref))
            continue
        if sku.is_set:
            errors.append(FieldError("component", _("'%(r)s'은(는) 세트상품이라 다른 세트의 구성품이 될 수 없습니다.") % {
                "r": ref}, i, ref))
            continue
        if sku.pk in seen:
            errors.append(FieldError("component", _("구성 단품 '%(r)s'이(가) 두 번 있습니다. 수량을 합쳐 한 줄로 적으세요.") % {
                "r": ref}, i, ref))
            continue
        seen.add(sku.pk)
        resolved.append((sku, qty))
    if not errors and not resolved:
        errors.append(FieldError("component", _("구성 단품을 하나 이상 입력하세요.")))
    if errors:
        raise CatalogError(errors)
    with transaction.atomic():
        SetComponent.objects.filter(company=company, set_sku=set_sku).delete()
        created = [
            SetComponent.objects.create(company=company, set_sku=set_sku, component=sku, quantity=qty)
            for sku, qty in resolved
        ]
        if not set_sku.is_set:
            set_sku.is_set = True
            set_sku.save(update_fields=["is_set"])
        sku_availability_changed(company, {set_sku.pk})  # the set's sellable quantity follows its components
    return created


def sku_gift_set(*, company: Company, sku: SKU, is_gift: bool) -> SKU:
    if sku.company_id != company.pk:
        raise CatalogError(_("단품을 찾을 수 없습니다."))
    if is_gift and sku.is_set:
        raise CatalogError(_("세트상품은 사은품으로 지정할 수 없습니다."))
    sku.is_gift = is_gift
    sku.save(update_fields=["is_gift"])
    return sku
