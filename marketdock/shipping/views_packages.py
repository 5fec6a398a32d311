"""묶음배송/합포장 (SHP-3, SHP-5): packages awaiting shipment, building packages for confirmed orders,
split / merge, the no-merge lock, visit pickup / direct delivery. Views parse and call services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.masking import mask_name, mask_phone
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404
from marketdock.orders.models import SHIPPABLE_STATUSES, STOPPED_STATUSES, Order

from . import selectors, services_packages
from .models import PackageLock, PackageMethod, PackageOrder, PackageStatus
from .services import ShippingError

PAGE_SIZES = (50, 100, 500)


def region(address: str) -> str:
    """The first two words of an address (시·도 시·군·구), for masked lists."""
    parts = (address or "").split()
    return " ".join(parts[:2]) + (" …" if len(parts) > 2 else "")


def package_rows(company, packages) -> list[dict]:
    """Grid rows for packages: orders, masked recipient, region, lock and changed-address flags."""
    packages = list(packages)
    memberships = (PackageOrder.objects.filter(company=company, package__in=[p.pk for p in packages])
                   .select_related("order").order_by("order__ordered_at", "id"))
    by_pkg: dict[int, list[Order]] = {}
    for m in memberships:
        by_pkg.setdefault(m.package_id, []).append(m.order)
    locked = set(PackageLock.objects.filter(company=company, order__in=[o.pk for os in by_pkg.values() for o in os])
                 .values_list("order_id", flat=True))
    short = services_packages.packages_shortages(company, sorted(packages, key=lambda p: (p.created_at, p.pk)))
    rows = []
    for p in packages:
        orders = by_pkg.get(p.pk, [])
        rows.append({
            "package": p, "orders": orders, "name": mask_name(p.recipient_name), "phone": mask_phone(p.recipient_phone),
            "region": region(p.recipient_address1), "items": " / ".join(o.item_summary for o in orders[:3]),
            "locked": any(o.pk in locked for o in orders),
            "address_changed": any(o.address_changed for o in orders),
            "stopped": [o for o in orders if o.status in STOPPED_STATUSES],
            "claims": [o for o in orders if o.claim],
            "shortages": short.get(p.pk, []),
        })
    return rows


def _page_size(request) -> int:
    return params.size_param(request.GET.get("size"), PAGE_SIZES, 50)


@screen_view("shipping.packages")
def package_list(request):
    company = request.company
    status = request.GET.get("status", "")
    statuses = [status] if status in (PackageStatus.OPEN, PackageStatus.PRINTED) else [PackageStatus.OPEN,
                                                                                      PackageStatus.PRINTED]
    qs = selectors.packages(company, statuses=statuses)
    account = params.id_param(request.GET.get("account"))
    if account:
        qs = qs.filter(account_id=account)
    if request.GET.get("multi") == "1":
        qs = qs.annotate(n_orders=Count("memberships")).filter(n_orders__gt=1)
    size = _page_size(request)
    page = Paginator(qs.order_by("-created_at", "-id"), size).get_page(request.GET.get("page"))
    unpacked = Order.objects.filter(company=company, status__in=SHIPPABLE_STATUSES,
                                    package_membership__isnull=True).count()
    from marketdock.channels.models import ChannelAccount

    rows = package_rows(company, page.object_list)
    return render(request, "shipping/packages/list.html", {
        "rows": rows, "shortage_rows": [r for r in rows if r["shortages"]], "page": page, "unpacked": unpacked, "status": status,
        "statuses": [(PackageStatus.OPEN, PackageStatus.OPEN.label), (PackageStatus.PRINTED, PackageStatus.PRINTED.label)],
        "accounts": ChannelAccount.objects.filter(company=company).order_by("name"), "account": str(account or ""),
        "size": size, "sizes": PAGE_SIZES,
    })


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


@screen_view("shipping.packages")
def package_build(request):
    if (resp := _post_only(request)) is not None:
        return resp
    result = services_packages.packages_build(company=request.company, user=request.user)
    messages.success(request, _("묶음 만들기: 새 포장 %(c)s개, 기존 포장에 합침 %(j)s건, 제외 %(r)s건")
                     % {"c": result.created, "j": result.joined, "r": result.removed})
    if result.shortages:
        codes = {p.pk: p.code for p in result.packages}
        messages.warning(request, _("재고가 부족해 출고할 수 없는 포장 %(n)s개: %(list)s") % {
            "n": len(result.shortages), "list": "; ".join(
                f"{codes.get(pk, pk)} — {', '.join(s.text for s in items[:2])}"
                for pk, items in list(result.shortages.items())[:5])})
    return redirect("shipping:packages")


@screen_view("shipping.packages")
def package_merge(request):
    if (resp := _post_only(request)) is not None:
        return resp
    company = request.company
    ids = params.id_list(request.POST.getlist("package"))
    found = {p.pk: p for p in selectors.packages(company).filter(pk__in=ids)}
    packages = [found[i] for i in ids if i in found]
    try:
        target = services_packages.packages_merge(company=company, packages=packages, user=request.user)
    except ShippingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)s개 포장을 %(code)s로 합쳤습니다.") % {"n": len(packages), "code": target.code})
    return redirect("shipping:packages")


@screen_view("shipping.packages")
def package_detail(request, pk: int):
    company = request.company
    package = get_or_404(selectors.package_get, company, pk)
    orders = list(selectors.package_orders(company, package).prefetch_related(
        Prefetch("lines")).order_by("ordered_at", "id"))
    locked = set(PackageLock.objects.filter(company=company, order__in=orders).values_list("order_id", flat=True))
    for o in orders:
        o.locked = o.pk in locked
        o.masked_name = mask_name(o.recipient_name)
    return render(request, "shipping/packages/detail.html", {
        "package": package, "orders": orders, "row": package_rows(company, [package])[0],
        "items": services_packages.package_items(company, package), "today": timezone.localdate(),
        "methods": [(PackageMethod.VISIT, PackageMethod.VISIT.label), (PackageMethod.DIRECT, PackageMethod.DIRECT.label)],
        "events": package.events.all() if package.status not in (PackageStatus.OPEN, PackageStatus.PRINTED) else [],
    })


@screen_view("shipping.packages")
def package_split(request, pk: int):
    company = request.company
    package = get_or_404(selectors.package_get, company, pk)
    if (resp := _post_only(request)) is not None:
        return resp
    orders = list(selectors.package_orders(company, package).filter(pk__in=params.id_list(request.POST.getlist("order"))))
    try:
        new = services_packages.package_split(company=company, package=package, orders=orders, user=request.user)
    except ShippingError as exc:
        messages.error(request, str(exc))
        return redirect("shipping:package_detail", package.pk)
    messages.success(request, _("%(n)s건을 새 포장 %(code)s로 나눴습니다.") % {"n": len(orders), "code": new.code})
    return redirect("shipping:package_detail", new.pk)


@screen_view("shipping.packages")
def order_lock(request, pk: int):
    """합포장 제외 on/off for one order (`locked=1|0`)."""
    company = request.company
    try:
        order = Order.objects.get(company=company, pk=pk)
    except Order.DoesNotExist:
        raise Http404(_("주문을 찾을 수 없습니다.")) from None
    if (resp := _post_only(request)) is not None:
        return resp
    locked = request.POST.get("locked") == "1"
    try:
        services_packages.order_no_merge_set(company=company, order=order, locked=locked, user=request.user,
                                             reason=request.POST.get("reason", ""))
    except ShippingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, (_("주문 %(no)s을(를) 합포장에서 제외했습니다.") if locked else
                                   _("주문 %(no)s의 합포장 제외를 해제했습니다.")) % {"no": order.channel_order_id})
    package = selectors.package_for_order(company, order)
    return redirect("shipping:package_detail", package.pk) if package else redirect("shipping:packages")


@screen_view("shipping.packages")
def package_handover(request, pk: int):
    """방문수령 / 직접배송: ship without a carrier number, the date recorded instead."""
    company = request.company
    package = get_or_404(selectors.package_get, company, pk)
    if (resp := _post_only(request)) is not None:
        return resp
    method = request.POST.get("method", "")
    try:
        when = date.fromisoformat(request.POST.get("handover_date", "").strip())
    except ValueError:
        messages.error(request, _("인도일 '%(v)s'은(는) 날짜(YYYY-MM-DD)가 아닙니다.") % {"v": request.POST.get("handover_date", "")})
        return redirect("shipping:package_detail", package.pk)
    try:
        services_packages.package_handover(company=company, package=package, method=method, handover_date=when,
                                           user=request.user)
    except ShippingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(code)s: %(method)s로 출고완료했습니다 (%(date)s).")
                         % {"code": package.code, "method": PackageMethod(method).label, "date": when.isoformat()})
    return redirect("shipping:package_detail", package.pk)


def package_tiles(*, company, user):
    """Home tiles (처리할 일): orders to pack, labels to print, packages to scan, and printed packages
    whose order was cancelled or held afterwards."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from marketdock.core.dashboard import Tile

    unpacked = Order.objects.filter(company=company, status__in=SHIPPABLE_STATUSES,
                                    package_membership__isnull=True).count()
    to_print = selectors.packages(company, statuses=[PackageStatus.OPEN]).count()
    to_scan = selectors.packages(company, statuses=[PackageStatus.PRINTED]).count()
    stopped = selectors.packages(company, statuses=[PackageStatus.PRINTED]).filter(
        memberships__order__status__in=STOPPED_STATUSES).distinct().count()
    yield Tile("shipping_unpacked", gettext_lazy("합포장 대기 주문"), unpacked, reverse("shipping:packages"),
               "shipping.packages", "primary" if unpacked else "secondary")
    yield Tile("shipping_to_print", gettext_lazy("운송장 출력 대기"), to_print, reverse("shipping:labels") + "?status=open",
               "shipping.labels", "primary" if to_print else "secondary", step="to_print")
    yield Tile("shipping_to_scan", gettext_lazy("출고검수 대기"), to_scan, reverse("shipping:scan"),
               "shipping.scan", "primary" if to_scan else "secondary", step="to_scan")
    if stopped:
        yield Tile("shipping_stopped", gettext_lazy("출력 후 취소/보류"), stopped, reverse("shipping:labels") + "?status=printed",
                   "shipping.labels", "danger", gettext_lazy("운송장을 출력한 뒤 취소되거나 보류된 주문이 있는 포장"))
