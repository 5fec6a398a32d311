"""A listing of a foreign-currency store keeps the store's currency: a Shopify USD price of 39.00 reads
"US$39.00" in the listing screens, never "3,900원"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketdock.channels.models import ChannelKind
from marketdock.listings.models import Listing
from tests.factories.catalog import make_product
from tests.factories.channels import make_account

pytestmark = pytest.mark.django_db


def test_listing_prices_show_in_the_stores_currency(admin_client, company, tshirt):
    usd = make_account(company, "Shopify 해외몰", ChannelKind.SHOPIFY)
    won = make_account(company, "스마트스토어")
    hoodie = make_product(company, "HD-001", name="후드")
    Listing.objects.create(company=company, account=usd, product=tshirt, name="Basic tee", price=3900, currency="USD")
    Listing.objects.create(company=company, account=won, product=hoodie, name="후드", price=39000)
    html = admin_client.get(reverse("channels:listing_list")).content.decode()
    assert "US$39.00" in html and "3,900원" not in html and "39,000원" in html
