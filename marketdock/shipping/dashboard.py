"""Home tile: tracking-number bands about to run out (송장 대역 소진 임박)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketdock.core.dashboard import Tile

from . import selectors


def band_tiles(*, company, user):
    count = selectors.bands_near_exhaustion(company).count()
    if not count and not selectors.bands(company).exists():
        return
    yield Tile("shipping_bands_low", _("송장 대역 소진 임박"), count, reverse("shipping:bands") + "?low=1",
               "shipping.bands", "warning" if count else "secondary", _("남은 번호가 경고 기준보다 적은 대역"))
