"""Catalogue fixtures: brands, categories and products made through the catalogue's services."""

from __future__ import annotations

import pytest

from marketdock.catalog import services
from marketdock.core.models import CommonCode, CommonCodeGroup


def brand(company, code: str, name: str) -> CommonCode:
    group, _ = CommonCodeGroup.objects.get_or_create(company=company, code="BRAND", defaults={"name": "브랜드"})
    return CommonCode.objects.get_or_create(company=company, group=group, code=code, defaults={"name": name})[0]


def make_product(company, code: str, *, name: str = "", axes=None, price: int = 10000, **data):
    base = {"code": code, "name": name or f"상품 {code}", "price": price, "cost": 0, "tax_type": "taxable",
            "status": "on_sale", "inventory_managed": True}
    base.update(data)
    return services.product_save(company=company, product=None, data=base, axes=axes or [])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tshirt(company):
    return make_product(company, "TS-001", name="베이직 반팔 티셔츠", price=12900, axes=[
        {"name": "색상", "values": ["블랙", "화이트"]}, {"name": "사이즈", "values": ["S", "M", "L"]}])
