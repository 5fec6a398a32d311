"""입고검수 (CS-1): the queue of returns and exchanges coming back, and the inspection form of one claim
(per SKU: 정상 재입고 / 불량 / 폐기 quantities, the warehouse for 정상 재입고). Thin: parse, call the service."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .models import ClaimStatus, InspectionOutcome

SCREEN = "cs.inspection"


@screen_view(SCREEN)
def inspection_queue(request):
    rows = list(selectors.inspection_queue(request.company)[:500])
    return render(request, "claims/inspection.html", {"rows": rows})


def _counts(post, items) -> dict[int, dict[str, int]] | None:
    counts: dict[int, dict[str, int]] = {}
    for item in items:
        counts[item.sku.pk] = {}
        for outcome in InspectionOutcome.values:
            raw = post.get(f"q-{item.sku.pk}-{outcome}", "").strip() or "0"
            value = params.int_param(raw, None, min_value=0, max_value=params.QUANTITY_MAX)
            if value is None:
                return None
            counts[item.sku.pk][outcome] = value
    return counts


@screen_view(SCREEN)
def inspect(request, pk: int):
    company = request.company
    claim = get_or_404(selectors.claim_get, company, pk, _("클레임을 찾을 수 없습니다."))
    items = services.inspection_items(company, claim)
    warehouses = list(selectors.warehouses(company))
    error = ""
    if request.method == "POST":
        counts = _counts(request.POST, items)
        wh_id = params.id_param(request.POST.get("warehouse", ""))
        warehouse = next((w for w in warehouses if w.pk == wh_id), None)
        if counts is None:
            error = _("수량은 0 이상의 정수로 입력하세요.")
        else:
            outcome = services.claim_inspect(company=company, claim=claim, counts=counts, warehouse=warehouse,
                                             user=request.user, note=params.text_param(request.POST.get("note", ""), 300))
            if outcome.ok:
                messages.success(request, outcome.message)
                return redirect("claims:detail", pk=claim.pk)
            error = outcome.message
    return render(request, "claims/inspect.html", {
        "claim": claim, "items": items, "warehouses": warehouses, "outcomes": InspectionOutcome.choices,
        "error": error, "can_inspect": claim.status == ClaimStatus.INSPECTING, "post": request.POST,
        "inspections": selectors.claim_inspections(company, claim),
    }, status=400 if error else 200)
