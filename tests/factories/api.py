"""Open API: keys (the full key is returned once), an API client that sends it, and a company with one of
everything the API exposes (account, product/SKU with stock, orders, an inbound, a listing)."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from marketdock.api import services
from marketdock.api.models import SCOPES
from marketdock.claims.models import InquiryKind
from marketdock.orders.models import OrderStatus

from .catalog import make_stocked_sku, make_warehouse
from .channels import make_account_with_credentials
from .cs import make_account_claim
from .inquiries import make_inquiry
from .orders import make_order


def make_key(company, *, scopes=None, name: str = "ERP 연동", **extra) -> str:
    """A new key of `company` (every scope unless told); returns the full key."""
    return services.api_key_create(company=company, name=name, scopes=list(scopes or SCOPES), **extra).token


def api_client(token: str, **headers) -> Client:
    """A test client that sends the key on every request (JSON by default)."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                           for k, v in headers.items()})


@dataclass
class ApiWorld:
    company: object
    account: object
    sku: object
    warehouse: object
    order: object
    ready_order: object
    inbound: object
    listing: object
    claim: object | None = None
    inquiry: object | None = None


def api_world(company, *, code: str = "API") -> ApiWorld:
    """A company with data behind every API resource (orders matched to a stocked SKU)."""
    from marketdock.inventory import services as inventory
    from marketdock.listings.models import Listing, ListingOption

    warehouse = make_warehouse(company, code=f"{code}WH", name="본사창고", is_default=True)
    sku = make_stocked_sku(company, "SKU-A", stock=50)
    account = make_account_with_credentials(company, name=f"{code} 쿠팡", base_url="http://127.0.0.1:9")
    order = make_order(account, skus=(("SKU-A", 1),))
    ready = make_order(account, skus=(("SKU-A", 1),), status=OrderStatus.READY)
    inbound = inventory.inbound_create(company=company, warehouse=warehouse, lines=[(sku.pk, 5)])
    listing = Listing.objects.create(company=company, account=account, product=sku.product, name="API 상품",
                                     channel_product_id=f"{code}-P1", price=10000)
    ListingOption.objects.create(company=company, listing=listing, channel_option_id="O1", name="기본", sku=sku)
    claim = make_account_claim(account, order=order)
    inquiry = make_inquiry(account, order=order, kind=InquiryKind.ORDER, title=f"{code} 문의")
    return ApiWorld(company=company, account=account, sku=sku, warehouse=warehouse, order=order, ready_order=ready,
                    inbound=inbound, listing=listing, claim=claim, inquiry=inquiry)
