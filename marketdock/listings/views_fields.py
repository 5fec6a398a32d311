"""상품등록 기본정보 screen (screen `channels.accounts`): the marketplace-specific values every listing of
one channel account is registered with. The view parses and renders; the rules and messages are in
services_fields."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.channels import selectors as channel_selectors
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import services_fields
from .forms import ListingFieldsForm
from .services import ListingError


def _next_url(request) -> str:
    return safe_next(request)


@screen_view("channels.accounts")
def account_listing_fields(request, pk: int):
    company = request.company
    account = get_or_404(channel_selectors.channel_account_get, company, pk, _("쇼핑몰 계정을 찾을 수 없습니다."))
    specs = services_fields.listing_field_specs(account.kind)
    carriers = services_fields.carrier_choices(account.kind) if specs else []
    form = ListingFieldsForm(request.POST or None, kind=account.kind, carriers=carriers,
                             initial=services_fields.listing_fields_initial(account) if specs else {})
    if request.method == "POST":
        if not specs:
            messages.error(request, _("엑셀 업로드 쇼핑몰에는 상품을 전송하지 않으므로 상품등록 기본정보가 없습니다."))
            return redirect("channels:account_edit", account.pk)
        form.is_valid()  # parsing only: every rule is the service's
        values = {spec.name: request.POST.get(spec.name, "") for spec in specs}
        try:
            services_fields.account_listing_fields_update(company=company, account=account, values=values)
        except services_fields.ListingFieldsError as exc:
            for name, errors in exc.by_field.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except ListingError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s의 상품등록 기본정보를 저장했습니다.") % {"name": account.name})
            return redirect(_next_url(request) or request.path)
    return render(request, "listings/account_listing_fields.html", {
        "account": account, "form": form, "specs": specs, "next": _next_url(request),
        "missing": services_fields.account_listing_fields_missing(account) if specs else [],
    })


def company_product(request, pk: int):
    """The company's product `pk`, or 404."""
    from marketdock.catalog.models import Product

    product = Product.objects.filter(company=request.company, pk=pk).first()
    if product is None:
        raise Http404(_("상품을 찾을 수 없습니다."))
    return product


@screen_view("channels.listings")
def product_listing_fields(request, pk: int):
    """상품별 등록정보: one product's images, 상세설명, A/S, 원산지, 고시 over the accounts' defaults."""
    from . import services_product_fields as spf
    from .models import Listing

    company = request.company
    product = company_product(request, pk)
    form = ListingFieldsForm(request.POST or None, kind="", carriers=[], specs=spf.PRODUCT_SPECS,
                             initial=spf.product_listing_fields_initial(product))
    if request.method == "POST":
        form.is_valid()  # parsing only: every rule is the service's
        values = {spec.name: request.POST.get(spec.name, "") for spec in spf.PRODUCT_SPECS}
        try:
            spf.product_listing_fields_update(company=company, product=product, values=values, user=request.user)
        except services_fields.ListingFieldsError as exc:
            for name, errors in exc.by_field.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("%(name)s의 상품별 등록정보를 저장했습니다.") % {"name": product.name})
            return redirect(_next_url(request) or request.path)
    listings = list(Listing.objects.filter(company=company, product=product, channel_product_id="")
                    .select_related("account", "product"))
    return render(request, "listings/product_listing_fields.html", {
        "product": product, "form": form, "next": _next_url(request),
        "checks": [(lst, spf.listing_send_problems(lst)) for lst in listings],
    }, status=400 if form.errors else 200)
