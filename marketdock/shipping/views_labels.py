"""운송장 출력 (SHP-2): pick packages, choose the contract, layout and whether to move the orders to
출고준비, print → the PDF. Reprints keep the number; 되돌리기 moves the orders back and voids the
numbers so the next print issues new ones. A large batch renders in a job (services_label_batches.LABEL_JOB_THRESHOLD)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.services import personal_data_download_record
from marketdock.core.views_helpers import get_or_404

from . import selectors, services_label_batches, services_packages
from .labels import LAYOUT_LABELS, LAYOUTS
from .models import BOX_SIZES, PackageStatus
from .services import ShippingError
from .views_packages import PAGE_SIZES, package_rows


def _selected(request):
    company = request.company
    ids = params.id_list(request.POST.getlist("package"))
    found = {p.pk: p for p in selectors.packages(company).filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


@screen_view("shipping.labels")
def label_list(request):
    company = request.company
    status = request.GET.get("status", "")
    statuses = [status] if status in (PackageStatus.OPEN, PackageStatus.PRINTED) else [
        PackageStatus.OPEN, PackageStatus.PRINTED]
    qs = selectors.packages(company, statuses=statuses).filter(method="parcel").order_by("created_at", "id")
    size = params.size_param(request.GET.get("size"), PAGE_SIZES, 100)
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    rows = package_rows(company, page.object_list)
    return render(request, "shipping/labels/list.html", {
        "rows": rows, "page": page, "status": status, "size": size, "sizes": PAGE_SIZES,
        "contracts": selectors.contracts(company, active_only=True), "default": selectors.default_contract(company),
        "layouts": [(k, str(LAYOUT_LABELS[k])) for k in LAYOUTS], "boxes": BOX_SIZES,
        "changed": [r for r in rows if r["address_changed"]],
        "shortage_rows": [r for r in rows if r["shortages"]],
        "batches": selectors.label_batches(company)[:5],
        "result_rows": request.session.pop("label_rows", []) if request.GET.get("result") else [],
    })


@screen_view("shipping.labels")
def label_print(request):
    if request.method != "POST":
        return redirect("shipping:labels")
    company = request.company
    packages = _selected(request)
    if not packages:
        messages.error(request, _("출력할 포장을 선택하세요."))
        return redirect("shipping:labels")
    layout = request.POST.get("layout", "single")
    if layout not in LAYOUTS:
        messages.error(request, _("알 수 없는 출력 형식 '%(layout)s'입니다.") % {"layout": layout})
        return redirect("shipping:labels")
    contract = None
    contract_id = request.POST.get("contract", "")
    if contract_id:
        try:
            contract = selectors.contract_get(company, int(contract_id))
        except (ValueError, selectors.CarrierContract.DoesNotExist):
            messages.error(request, _("택배 계약을 찾을 수 없습니다."))
            return redirect("shipping:labels")
    try:
        plan = services_packages.packages_print(
            company=company, packages=packages, contract=contract, user=request.user,
            move_to_ready=request.POST.get("move_to_ready") == "1",
            acknowledge_address_change=request.POST.get("ack_address") == "1",
            box_size=request.POST.get("box_size", ""), shortage=request.POST.get("shortage", ""))
    except ShippingError as exc:
        messages.error(request, str(exc))
        return redirect("shipping:labels")
    request.session["label_rows"] = [(r.ref, r.ok, r.message) for r in plan.rows]
    if not plan.packages:
        messages.error(request, _("출력한 운송장이 없습니다. 결과를 확인하세요."))
        return redirect(reverse("shipping:labels") + "?result=1")
    batch = services_label_batches.label_batch_start(company=company, packages=plan.packages, layout=layout,
                                                user=request.user)
    return redirect("shipping:label_batch", batch.pk)


@screen_view("shipping.labels")
def label_move_back(request):
    if request.method != "POST":
        return redirect("shipping:labels")
    rows = services_packages.packages_move_back(company=request.company, packages=_selected(request),
                                                user=request.user, reason=request.POST.get("reason", ""))
    request.session["label_rows"] = [(r.ref, r.ok, r.message) for r in rows]
    ok = sum(1 for r in rows if r.ok)
    (messages.success if ok else messages.error)(
        request, _("%(ok)s/%(n)s개 포장을 주문확정으로 되돌렸습니다. 다시 출력하면 새 송장번호가 발번됩니다.")
        % {"ok": ok, "n": len(rows)})
    return redirect(reverse("shipping:labels") + "?result=1")


@screen_view("shipping.labels")
def label_batch(request, pk: int):
    company = request.company
    batch = get_or_404(selectors.label_batch_get, company, pk)
    if request.htmx and batch.job_run_id:
        return render(request, "shipping/labels/_batch_status.html", {"batch": batch, "run": batch.job_run})
    rows = request.session.pop("label_rows", [])
    return render(request, "shipping/labels/batch.html", {"batch": batch, "rows": rows, "run": batch.job_run})


@screen_view("shipping.labels")
def label_batch_pdf(request, pk: int):
    company = request.company
    batch = get_or_404(selectors.label_batch_get, company, pk)
    if not batch.pdf:
        raise Http404(_("PDF가 아직 준비되지 않았습니다."))
    name = f"labels-{batch.pk}.pdf"
    personal_data_download_record(company=company, user=request.user, screen="shipping.labels",
                                  description=_("운송장 PDF"), record_count=batch.count, file_name=name,
                                  filters={"batch": batch.pk}, request=request)
    response = HttpResponse(bytes(batch.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
