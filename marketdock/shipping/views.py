"""Shipping screens: 택배사 연동설정 (carriers and the company's contracts) and 송장 대역 (bands).
Views parse the request, call selectors/services and render; nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .forms import BandForm, BoxRateFormSet, ContractForm, VoidForm
from .models import BOX_SIZES, CarrierChannelCode, IssuedTrackingNumber

CHANNEL_COLUMNS = (CarrierChannelCode.Channel.NAVER, CarrierChannelCode.Channel.COUPANG,
                   CarrierChannelCode.Channel.SHOPIFY, CarrierChannelCode.Channel.ELEVENST,
                   CarrierChannelCode.Channel.ESM, CarrierChannelCode.Channel.GOODSFLOW)


# --- 택배사 연동설정 -------------------------------------------------------------------------------


@screen_view("shipping.carriers")
def carrier_list(request):
    rows = []
    for carrier in selectors.carriers():
        codes = {c.channel: c for c in carrier.channel_codes.all()}
        rows.append({"carrier": carrier, "codes": [codes.get(ch) for ch in CHANNEL_COLUMNS]})
    return render(request, "shipping/carrier_list.html", {
        "rows": rows, "channels": [CarrierChannelCode.Channel(ch).label for ch in CHANNEL_COLUMNS],
        "contracts": selectors.contracts(request.company),
    })


def _box_initial(contract) -> list[dict]:
    existing = {r["code"]: r for r in (contract.box_rates if contract else [])}
    return [{"code": code, "name": existing.get(code, {}).get("name", ""), "price": existing.get(code, {}).get("price")}
            for code, _label in BOX_SIZES]


def _contract_form(request, contract=None):
    company = request.company
    initial = None
    if contract is not None:
        initial = {"carrier": contract.carrier_id, "name": contract.name, "contract_code": contract.contract_code,
                   "customer_no": contract.customer_no, "warehouse": contract.warehouse_id,
                   "settlement": contract.settlement, "is_default": contract.is_default,
                   "is_active": contract.is_active}
    data = request.POST if request.method == "POST" else None
    form = ContractForm(data, initial=initial, company=company)
    boxes = BoxRateFormSet(data, initial=_box_initial(contract), prefix="box")
    if request.method == "POST" and form.is_valid() and boxes.is_valid():
        d = form.cleaned_data
        rates = [b for b in boxes.cleaned_data if b and b.get("price") is not None]
        try:
            saved = services.contract_save(
                company=company, contract=contract, carrier=d["carrier"], name=d["name"],
                contract_code=d["contract_code"], customer_no=d["customer_no"], warehouse=d["warehouse"],
                settlement=d["settlement"], box_rates=rates, is_default=d["is_default"], is_active=d["is_active"])
        except services.ShippingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("택배 계약 '%(name)s'을(를) 저장했습니다.") % {"name": saved.name})
            return redirect("shipping:carriers")
    return render(request, "shipping/contract_form.html", {"form": form, "boxes": boxes, "contract": contract})


@screen_view("shipping.carriers")
def contract_create(request):
    return _contract_form(request)


@screen_view("shipping.carriers")
def contract_edit(request, pk: int):
    return _contract_form(request, get_or_404(selectors.contract_get, request.company, pk))


@screen_view("shipping.carriers")
def contract_delete(request, pk: int):
    contract = get_or_404(selectors.contract_get, request.company, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.contract_delete(company=request.company, contract=contract)
    except services.ShippingError as exc:
        messages.error(request, str(exc))
        return redirect("shipping:contract_edit", contract.pk)
    messages.success(request, _("택배 계약 '%(name)s'을(를) 삭제했습니다.") % {"name": contract.name})
    return redirect("shipping:carriers")


# --- 송장 대역 -----------------------------------------------------------------------------------


def _band_page(request, form):
    company = request.company
    bands = selectors.bands(company)
    low = request.GET.get("low") == "1"
    if low:
        bands = selectors.bands_near_exhaustion(company)
    return render(request, "shipping/band_list.html", {
        "bands": bands, "form": form, "low": low, "contracts": selectors.contracts(company, active_only=True),
    })


@screen_view("shipping.bands")
def band_list(request):
    return _band_page(request, BandForm(company=request.company))


@screen_view("shipping.bands")
def band_create(request):
    company = request.company
    form = BandForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            band = services.band_create(company=company, contract=d["contract"], start=d["start"], end=d["end"],
                                        warning_threshold=d["warning_threshold"], memo=d["memo"], user=request.user)
        except services.ShippingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("송장 대역 %(start)s~%(end)s (%(n)s개)을 등록했습니다.")
                             % {"start": band.start_text, "end": band.end_text, "n": f"{band.size:,}"})
            return redirect("shipping:bands")
    return _band_page(request, form)


@screen_view("shipping.bands")
def band_detail(request, pk: int):
    band = get_or_404(selectors.band_get, request.company, pk)
    status = request.GET.get("status", "")
    numbers = selectors.issued_numbers(request.company, band=band, status=status)
    page = Paginator(numbers, 50).get_page(request.GET.get("page"))
    return render(request, "shipping/band_detail.html", {
        "band": band, "page": page, "status": status, "statuses": IssuedTrackingNumber.Status.choices,
        "void_form": VoidForm(),
    })


@screen_view("shipping.bands")
def band_toggle(request, pk: int):
    band = get_or_404(selectors.band_get, request.company, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.band_set_active(company=request.company, band=band, active=not band.is_active)
    if band.is_active:
        messages.success(request, _("송장 대역을 다시 사용합니다."))
    else:
        messages.success(request, _("송장 대역 사용을 중지했습니다. 이 대역에서는 더 이상 발번하지 않습니다."))
    return redirect("shipping:band_detail", band.pk)


@screen_view("shipping.bands")
def number_void(request, pk: int):
    number = get_or_404(selectors.issued_number_get, request.company, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = VoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.tracking_number_void(company=request.company, number=number, reason=reason)
    except services.ShippingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("송장번호 %(number)s을(를) 폐기했습니다. 이 번호는 다시 발번되지 않습니다.")
                         % {"number": number.number})
    if number.band_id:
        return redirect("shipping:band_detail", number.band_id)
    return redirect("shipping:bands")
