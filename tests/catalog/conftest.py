"""Catalogue fixtures: brands, categories and products made through the catalogue's services."""

from __future__ import annotations

import pytest

from tests.factories.catalog import make_product


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tshirt(company):
    return make_product(company, "TS-001", name="베이직 반팔 티셔츠", price=12900, axes=[
        {"name": "색상", "values": ["블랙", "화이트"]}, {"name": "사이즈", "values": ["S", "M", "L"]}])
