"""클레임 목록 and the claim detail (CS-1): filters in the URL, paging, bulk 승인 with a result per
claim, the detail's decision buttons (only those valid in its state), re-sending refused decisions
and the replacement SKU of an exchange. Thin: parse, call the services, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketdock.catalog.models import SKU
from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, selectors_cs, services
from .models import OVERDUE_BUSINESS_DAYS, Claim, ClaimStatus, ClaimType

SCREEN = "cs.claims"
PAGE_SIZES = (50, 100, 500)
MAX_BULK = 500
DECISIONS = {
    "approve": (services.claims_approve, "note"), "reject": (services.claims_reject, "reason"),
    "hold": (services.claims_hold, "reason"), "release": (services.claims_release_hold, "note"),
    "receive": (services.claims_receive, None),
}


def parse_filters(g: QueryDict) -> selectors.ClaimFilters:
    assignee = g.get("assignee", "")
    return selectors.ClaimFilters(
        types=[t for t in g.getlist("type") if t in ClaimType.values],
        statuses=[s for s in g.getlist("status") if s in ClaimStatus.values],
        account_ids=params.id_list(g.getlist("account")),
        start=params.date_param(g.get("start", "")), end=params.date_param(g.get("end", "")),
        assignee=assignee if assignee == "none" or params.id_param(assignee) else "",
        overdue=g.get("overdue") == "1", push_failed=g.get("push") == "failed", q=params.text_param(g.get("q", "")),
    )


def _claim(request, pk: int) -> Claim:
    return get_or_404(selectors.claim_get, request.company, pk, _("클레임을 찾을 수 없습니다."))


def buttons(claim: Claim) -> list[str]:
    """The decisions valid for the claim now (the detail shows only these)."""
    moves = set(services.allowed_moves(claim))
    out = []
    if ClaimStatus.APPROVED in moves:
        out.append("approve")
    if ClaimStatus.REJECTED in moves:
        out.append("reject")
    if ClaimStatus.HELD in moves:
        out.append("hold")
    if claim.status == ClaimStatus.HELD:
        out.append("release")
    if ClaimStatus.INSPECTING in moves:
        out.append("receive")
    return out


@screen_view(SCREEN)
def claim_list(request):
    company, g = request.company, request.GET
    filters = parse_filters(g)
    size = params.size_param(g.get("size"), PAGE_SIZES, 50)
    claims = selectors.claim_list(company, filters)
    if g.get("assignee") == selectors_cs.ASSIGNEE_MINE:  # "내 담당" (CS-3)
        claims = selectors_cs.assignee_filter(claims, selectors_cs.ASSIGNEE_MINE, request.user)
    page = Paginator(claims, size).get_page(params.int_param(g.get("page"), 1))
    query = g.copy()
    query.pop("page", None)
    rows = [{"claim": c, "overdue": selectors.is_overdue(c)} for c in page.object_list]
    return render(request, "claims/list.html", {
        "rows": rows, "page": page, "filters": filters, "size": size, "sizes": PAGE_SIZES, "query": query.urlencode(),
        "types": ClaimType.choices, "statuses": ClaimStatus.choices, "accounts": selectors.channel_accounts(company),
        "users": selectors_cs.assignable_users(company), "overdue_days": OVERDUE_BUSINESS_DAYS,
        "assignee": g.get("assignee", ""),
    })


@require_POST
@screen_view(SCREEN, write=True)
def claim_collect(request):
    """지금 수집: a claim collection job per claim-capable account of the company."""
    try:
        jobs = services.claims_collect_now(request.company, user=request.user)
    except services.ClaimCollectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("클레임 수집을 시작했습니다 (%(n)s개 쇼핑몰). 잠시 후 목록을 새로고침하세요.")
                         % {"n": len(jobs)})
    return redirect("claims:list")


@screen_view(SCREEN)
def claim_bulk(request):
    """일괄 승인 of the selected claims, a result per claim."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = [x for x in request.POST.getlist("claim") if x][:MAX_BULK]
    ids = params.id_list(raw)
    found = {c.pk: c for c in selectors.claims_by_ids(request.company, ids)}
    outcomes = services.claims_approve(company=request.company, claims=[found[i] for i in ids if i in found],
                                       user=request.user, note=params.text_param(request.POST.get("note", ""), 300))
    rows = [{"claim": o.claim, "ok": o.ok, "message": o.message} for o in outcomes]
    rows += [{"claim": None, "no": x, "ok": False, "message": _("클레임을 찾을 수 없습니다.")}
             for x in raw if params.id_param(x) not in found]
    if not rows:
        messages.error(request, _("클레임을 선택하세요."))
        return redirect("claims:list")
    return render(request, "claims/bulk_result.html", {
        "title": _("일괄 승인"), "rows": rows, "ok": sum(1 for r in rows if r["ok"]),
        "failed": sum(1 for r in rows if not r["ok"])})


@screen_view(SCREEN)
def claim_detail(request, pk: int):
    company = request.company
    claim = _claim(request, pk)
    skus = []
    if claim.type == ClaimType.EXCHANGE and not claim.reship_order_id:
        skus = SKU.objects.filter(company=company, is_set=False).select_related("product").order_by("code")[:500]
    return render(request, "claims/detail.html", {
        "claim": claim, "lines": list(claim.order.lines.all()), "events": selectors.claim_events(company, claim),
        "inspections": selectors.claim_inspections(company, claim), "buttons": buttons(claim),
        "overdue": selectors.is_overdue(claim), "exchange_sku": services.exchange_sku(company, claim)
        if claim.type == ClaimType.EXCHANGE else None, "skus": skus,
        "tells_marketplace": services.tells_marketplace(claim),
        "marketplace_collects": services.marketplace_collects(claim),
        # 담당자 and 문자 (CS-3, CS-4)
        "item": claim, "kind": "claim", "users": selectors_cs.assignable_users(company),
        "history": selectors_cs.assignment_history(company, claim=claim, limit=5),
        "url": reverse("claims:claim_assign", args=[claim.pk]),
        "sms_messages": selectors_cs.sms_messages(company, claim_id=claim.pk)[:10],
    })


@screen_view(SCREEN)
def claim_decide(request, pk: int):
    """A decision button of the detail: approve / reject / hold / release / receive."""
    claim = _claim(request, pk)
    if request.method != "POST":
        return redirect("claims:detail", pk=claim.pk)
    action = request.POST.get("action", "")
    if action not in DECISIONS:
        messages.error(request, _("알 수 없는 작업입니다."))
        return redirect("claims:detail", pk=claim.pk)
    fn, text_arg = DECISIONS[action]
    kwargs = {text_arg: params.text_param(request.POST.get("reason", ""), 1000)} if text_arg else {}
    outcome = fn(company=request.company, claims=[claim], user=request.user, **kwargs)[0]
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("claims:detail", pk=claim.pk)


@screen_view(SCREEN)
def claim_retry(request, pk: int):
    claim = _claim(request, pk)
    if request.method != "POST":
        return redirect("claims:detail", pk=claim.pk)
    outcome = services.claim_push_retry(company=request.company, claim=claim, user=request.user)
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("claims:detail", pk=claim.pk)


@screen_view(SCREEN)
def claim_exchange_sku(request, pk: int):
    claim = _claim(request, pk)
    if request.method != "POST":
        return redirect("claims:detail", pk=claim.pk)
    sku_id = params.id_param(request.POST.get("sku", ""))
    sku = SKU.objects.filter(company=request.company, pk=sku_id).first() if sku_id else None
    if sku_id and sku is None:
        messages.error(request, _("SKU를 찾을 수 없습니다."))
        return redirect("claims:detail", pk=claim.pk)
    try:
        services.exchange_sku_set(company=request.company, claim=claim, sku=sku, user=request.user)
    except services.ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("교환 SKU를 저장했습니다."))
    return redirect(reverse("claims:detail", args=[claim.pk]))
