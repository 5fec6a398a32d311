"""매장 매출 (STL-6): the list, the entry screen (scan a barcode or search; the cart travels in the
form, so a scanner's Enter adds the item without any script), the sale and its cancellation."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.core.params import date_param, id_param, int_param, text_param
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .forms import StoreSaleHeadForm

SCREEN = "settlement.store_sales"


@screen_view(SCREEN)
def store_sales(request):
    company, g = request.company, request.GET
    filters = {"store": id_param(g.get("store")), "start": date_param(g.get("from")), "end": date_param(g.get("to"))}
    qs = selectors.store_sales(company, **filters)
    return render(request, "settlement/store_sales.html", {
        "page": Paginator(qs, 50).get_page(g.get("page")), "filters": filters, "stores": selectors.stores(company)})


@dataclass
class CartItem:
    sku: SKU
    quantity: int
    unit_price: int
    discount: int

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity - self.discount


def _cart(request) -> list[CartItem]:
    p = request.POST
    ids = p.getlist("item_sku")
    skus = {s.pk: s for s in SKU.objects.filter(company=request.company, pk__in=[i for i in map(id_param, ids) if i])
            .select_related("product")}
    items = []
    for i, raw in enumerate(ids):
        sku = skus.get(id_param(raw))
        if sku is None:
            continue
        items.append(CartItem(sku=sku, quantity=int_param(_at(p, "item_qty", i), 1, min_value=0, max_value=100000),
                              unit_price=int_param(_at(p, "item_price", i), 0, min_value=0, max_value=10**10),
                              discount=int_param(_at(p, "item_discount", i), 0, min_value=0, max_value=10**10)))
    return items


def _at(post, key, i):
    values = post.getlist(key)
    return values[i] if i < len(values) else ""


def _add(items: list[CartItem], sku: SKU) -> None:
    for item in items:
        if item.sku.pk == sku.pk:
            item.quantity += 1
            return
    items.append(CartItem(sku=sku, quantity=1, unit_price=max(0, sku.product.price + sku.price_delta), discount=0))


def _scan(request, items: list[CartItem]) -> list[SKU]:
    """A scanned barcode or a search term: one match goes into the cart, several are offered."""
    p = request.POST
    if p.get("pick"):
        sku = SKU.objects.filter(company=request.company, pk=id_param(p.get("pick"))).select_related("product").first()
        if sku:
            _add(items, sku)
        return []
    term = text_param(p.get("scan"), 100)
    if not term:
        return []
    found = selectors.sku_lookup(request.company, term)
    if len(found) == 1:
        _add(items, found[0])
        return []
    if not found:
        messages.error(request, _("'%(term)s'에 해당하는 SKU가 없습니다.") % {"term": term})
    return found


@screen_view(SCREEN)
def store_sale_new(request):
    company = request.company
    stores = selectors.stores(company)
    head = StoreSaleHeadForm(request.POST or None, stores=stores, initial={"sold_on": timezone.localdate()})
    items = _cart(request) if request.method == "POST" else []
    choices: list[SKU] = []
    action = request.POST.get("action", "")
    if request.method == "POST" and action.startswith("remove:"):
        index = int_param(action.split(":", 1)[1], -1)
        items = [it for i, it in enumerate(items) if i != index]
    elif request.method == "POST" and action in ("", "scan"):
        choices = _scan(request, items)
    elif request.method == "POST" and action == "save" and head.is_valid():
        sale = _save(request, head, items, stores)
        if sale is not None:
            messages.success(request, _("매장 매출 %(number)s을 등록하고 재고를 차감했습니다.") % {"number": sale.number})
            return redirect("settlement:store_sale_detail", pk=sale.pk)
    return render(request, "settlement/store_sale_new.html", {
        "head": head, "items": items, "choices": choices, "stores": stores,
        "total": sum(it.amount for it in items)})


def _save(request, head, items, stores):
    data = head.cleaned_data
    warehouse = next((s for s in stores if s.pk == data["warehouse"]), None)
    if warehouse is None:
        head.add_error("warehouse", _("매장을 다시 선택하세요."))
        return None
    try:
        return services.store_sale_create(
            company=request.company, user=request.user, warehouse=warehouse, sold_on=data["sold_on"],
            payment_method=data["payment_method"], sale_discount=data.get("sale_discount") or 0, memo=data["memo"],
            items=[services.SaleItem(it.sku.pk, it.quantity, it.unit_price, it.discount) for it in items])
    except ValidationError as exc:
        for name, errs in exc.message_dict.items():
            head.add_error(name if name in head.fields else None, errs)
        return None


@screen_view(SCREEN)
def store_sale_detail(request, pk: int):
    sale = get_or_404(selectors.store_sale_get, request.company, pk, _("매장 매출을 찾을 수 없습니다."))
    return render(request, "settlement/store_sale_detail.html", {
        "sale": sale, "lines": sale.lines.select_related("sku", "sku__product")})


@screen_view(SCREEN, write=True)
def store_sale_void(request, pk: int):
    sale = get_or_404(selectors.store_sale_get, request.company, pk, _("매장 매출을 찾을 수 없습니다."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.store_sale_void(company=request.company, user=request.user, sale=sale)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("매장 매출을 취소하고 재고를 되돌렸습니다."))
    return redirect("settlement:store_sale_detail", pk=sale.pk)
