"""배송추적 (SHP-9): shipped packages with their last tracking event, filtered by status; 지금 조회
starts a tracking poll job for the company's shipped packages (or the selected ones)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors
from .models import PackageStatus
from .views_packages import PAGE_SIZES, package_rows

SHOWN = (PackageStatus.SHIPPED, PackageStatus.IN_TRANSIT, PackageStatus.DELIVERED)


@screen_view("shipping.tracking")
def tracking_list(request):
    company = request.company
    status = request.GET.get("status", "")
    statuses = [status] if status in SHOWN else list(SHOWN)
    qs = selectors.packages(company, statuses=statuses).order_by("-shipped_at", "-id")
    number = request.GET.get("number", "").strip()
    if number:
        qs = qs.filter(tracking_number__startswith="".join(ch for ch in number if ch.isalnum()))
    size = params.size_param(request.GET.get("size"), PAGE_SIZES, 50)
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    return render(request, "shipping/tracking/list.html", {
        "rows": package_rows(company, page.object_list), "page": page, "status": status, "number": number,
        "statuses": [(s.value, s.label) for s in SHOWN], "size": size, "sizes": PAGE_SIZES,
    })


@screen_view("shipping.tracking")
def tracking_poll(request):
    if request.method != "POST":
        return redirect("shipping:tracking")
    from .tasks import poll_tracking

    ids = params.id_list(request.POST.getlist("package"))
    if ids:
        ids = list(selectors.packages(request.company).filter(pk__in=ids).values_list("pk", flat=True))
    run = poll_tracking.start(company=request.company, user=request.user, package_ids=ids or None,
                              title=_("배송추적 지금 조회"))
    return redirect("core:job_detail", run.pk)


@screen_view("shipping.tracking")
def tracking_detail(request, pk: int):
    package = get_or_404(selectors.package_get, request.company, pk)
    return render(request, "shipping/tracking/detail.html", {
        "package": package, "row": package_rows(request.company, [package])[0],
        "events": package.events.order_by("-at", "-id"),
        "url": package.carrier.tracking_url_for(package.tracking_number) if package.carrier_id else "",
    })
