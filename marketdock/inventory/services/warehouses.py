"""Warehouse settings (INV-1); turning channel exposure or the active flag tells the availability hook."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketdock.catalog.hooks import sku_availability_changed
from marketdock.core.models import Company

from ..models import StockLevel, Warehouse
from .errors import StockInputError

# --- warehouses (INV-1) --------------------------------------------------------------------------


WAREHOUSE_FIELDS = ("code", "name", "kind", "postal_code", "address", "phone", "sender_name", "exposed_to_channels",
                    "is_default", "is_active")


def warehouse_save(*, company: Company, warehouse: Warehouse | None = None, **values: Any) -> Warehouse:
    """Create or update a warehouse. Making one the default clears the flag on the others; the
    first warehouse of a company becomes the default."""
    unknown = set(values) - set(WAREHOUSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown warehouse fields: {sorted(unknown)}")
    with transaction.atomic():
        before = None
        if warehouse is None:
            warehouse = Warehouse(company=company)
        elif warehouse.company_id != company.pk:
            raise StockInputError(_("창고를 찾을 수 없습니다."))
        elif warehouse.pk:
            before = Warehouse.objects.filter(company=company, pk=warehouse.pk).values_list(
                "exposed_to_channels", "is_active").first()
        for key, value in values.items():
            setattr(warehouse, key, value)
        if not Warehouse.objects.filter(company=company, is_default=True).exclude(pk=warehouse.pk).exists():
            warehouse.is_default = True
        if warehouse.is_default and not warehouse.is_active:
            raise StockInputError(_("기본 창고는 사용 중지할 수 없습니다. 다른 창고를 기본으로 지정하세요."))
        warehouse.full_clean(exclude=["company"], validate_constraints=False)
        if warehouse.is_default:
            Warehouse.objects.filter(company=company, is_default=True).exclude(pk=warehouse.pk).update(is_default=False)
        try:
            with transaction.atomic():
                warehouse.save()
        except IntegrityError:
            raise StockInputError(_("창고코드 %(code)s가 이미 있습니다.") % {"code": warehouse.code})
        if before is not None and before != (warehouse.exposed_to_channels, warehouse.is_active):
            # what the channels can sell from this warehouse's stock changed (listeners mark listings)
            sku_availability_changed(company, StockLevel.objects.filter(company=company, warehouse=warehouse).exclude(
                on_hand=0, reserved=0).values_list("sku_id", flat=True))
    return warehouse
