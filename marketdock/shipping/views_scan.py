"""출고검수 (SHP-6): one input that keeps focus; Enter posts the read via htmx. A tracking number opens
its package, any other read is checked as a SKU barcode against the open package. The panel shows
the expected items with scanned counts and a loud warning (colour + beep) on every problem."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services_scan
from .services_scan import ScanOutcome


def _panel(request, outcome: ScanOutcome | None, status: int = 200):
    template = "shipping/scan/_panel.html" if request.htmx else "shipping/scan/scan.html"
    return render(request, template, {"outcome": outcome, "state": outcome.state if outcome else None}, status=status)


@screen_view("shipping.scan")
def scan(request):
    company = request.company
    if request.method == "GET":
        outcome = None
        number = request.GET.get("number", "").strip()
        if number:
            outcome = services_scan.scan_open(company=company, number=number)
        return _panel(request, outcome)
    code = request.POST.get("code", "").strip()
    if not code:
        return _panel(request, ScanOutcome("wrong", _("바코드가 비어 있습니다.")))
    package = None
    package_id = request.POST.get("package", "")
    if package_id.isdigit():
        package = get_or_404(selectors.package_get, company, int(package_id))
    # a tracking number always (re)opens its package; anything else is an item of the open package
    if selectors.package_by_number(company, code) is not None or package is None:
        return _panel(request, services_scan.scan_open(company=company, number=code))
    return _panel(request, services_scan.scan_item(company=company, package=package, barcode=code, user=request.user))


@screen_view("shipping.scan")
def scan_complete(request, pk: int):
    package = get_or_404(selectors.package_get, request.company, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _panel(request, services_scan.scan_complete(
        company=request.company, package=package, user=request.user,
        confirm_unmatched=request.POST.get("confirm_unmatched") == "1"))


@screen_view("shipping.scan")
def scan_reset(request, pk: int):
    package = get_or_404(selectors.package_get, request.company, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services_scan.scan_reset(company=request.company, package=package)
    return _panel(request, ScanOutcome("opened", _("검수를 처음부터 다시 합니다."),
                                       services_scan.scan_state(request.company, package)))
