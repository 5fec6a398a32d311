"""클레임 등록 from an order (manual and Excel channels, or any order): line, type, quantity, reason; or
the seller's own sold-out cancel (품절 취소). Thin: parse, call the service."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404
from marketdock.orders import selectors as order_selectors

from . import selectors, services
from .models import ClaimType

SCREEN = "cs.claims"
SOLD_OUT = "sold_out"
KINDS = tuple(ClaimType.choices) + ((SOLD_OUT, gettext_lazy("품절 취소 (판매자 취소, 바로 처리)")),)


@screen_view(SCREEN, write=True)
def claim_new(request, pk: int):
    company = request.company
    order = get_or_404(order_selectors.order_get, company, pk, _("주문을 찾을 수 없습니다."))
    lines = list(order_selectors.order_lines(company, order))
    values = {"line": request.POST.get("line", "") or request.GET.get("line", ""),
              "type": request.POST.get("type", "") or request.GET.get("type", ""),
              "quantity": request.POST.get("quantity", "1"), "reason": request.POST.get("reason", "")}
    error = ""
    if request.method == "POST":
        line = next((ln for ln in lines if ln.pk == params.id_param(values["line"])), None)
        quantity = params.int_param(values["quantity"], 0, min_value=0, max_value=params.QUANTITY_MAX)
        reason = params.text_param(values["reason"], 1000)
        try:
            if line is None:
                raise services.ClaimError(_("주문상품을 선택하세요."))
            if values["type"] == SOLD_OUT:
                claim = services.seller_cancel(company=company, line=line, quantity=quantity, reason=reason,
                                               user=request.user)
                messages.success(request, _("품절 취소했습니다. 재고를 되돌렸습니다."))
            else:
                claim = services.claim_create_manual(company=company, line=line, type=values["type"],
                                                     quantity=quantity, reason=reason, user=request.user)
                messages.success(request, _("클레임을 등록했습니다."))
        except services.ClaimError as exc:
            error = str(exc)
        else:
            return redirect("claims:detail", pk=claim.pk)
    return render(request, "claims/new.html", {
        "order": order, "lines": lines, "kinds": KINDS, "values": values, "error": error,
        "claims": selectors.order_claims(company, order),
    }, status=400 if error else 200)
