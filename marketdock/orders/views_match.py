"""미매칭 주문 screen (ORD-3): the waiting lines grouped by (channel, product, option), manual matching
with SKU search (htmx), rules list. Thin: parse input, call services, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketdock.catalog.selectors import sku_search
from marketdock.channels.models import ChannelAccount
from marketdock.core import params
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view

from . import services
from .models import MatchRule, OrderLine


@screen_view("orders.unmatched")
def unmatched(request):
    company = request.company
    lines = services.waiting_lines(company)
    account_id = params.id_param(request.GET.get("account"))
    if account_id:
        lines = lines.filter(account_id=account_id)
    q = request.GET.get("q", "").strip()
    if q:
        lines = lines.filter(Q(product_name__icontains=q) | Q(option_text__icontains=q)
                             | Q(channel_product_id=q) | Q(seller_product_code=q) | Q(seller_option_code=q))
    groups = (lines.values("account_id", "match_key")
              .annotate(n=Count("id"), orders=Count("order_id", distinct=True), units=Sum("quantity"),
                        line_id=Min("id"), product_name=Max("product_name"), option_text=Max("option_text"),
                        channel_product_id=Max("channel_product_id"), channel_option_id=Max("channel_option_id"),
                        seller_code=Max("seller_option_code"), seller_product_code=Max("seller_product_code"))
              .order_by("-n", "line_id"))
    page = Paginator(groups, 50).get_page(request.GET.get("page"))
    accounts = {a.pk: a for a in ChannelAccount.objects.filter(company=company)}
    back = request.get_full_path()
    for group in page:
        group["account"] = accounts.get(group["account_id"])
        group["register_url"] = _register_url(group, back)
    return render(request, "orders/match/unmatched.html", {
        "page": page, "accounts": accounts.values(), "account_id": account_id, "q": q,
        "waiting": services.waiting_lines(company).count(),
        "rules": MatchRule.objects.filter(company=company).count(),
    })


def _register_url(group: dict, back: str) -> str:
    """상품 등록 for a waiting group: the product form filled with the line's name, option and seller codes;
    saving it matches the waiting lines by that code and comes back here."""
    params = {"name": group["product_name"] or "", "option": group["option_text"] or "",
              "code": group["seller_product_code"] or group["seller_code"] or "",
              "option_code": group["seller_code"] or "", "next": back}
    return reverse("catalog:product_create") + "?" + urlencode({k: v for k, v in params.items() if v != ""})


@screen_view("orders.unmatched", log=False)
def sku_lookup(request):
    """htmx: SKUs by code / name / barcode for the match form."""
    q = request.GET.get("q", "").strip()
    skus = list(sku_search(request.company, q=q)[:20]) if len(q) >= 1 else []
    return render(request, "orders/match/_sku_results.html", {"skus": skus, "q": q,
                                                               "line_id": params.id_param(request.GET.get("line"))})


@screen_view("orders.unmatched", write=True)
def line_match(request, pk: int):
    line = OrderLine.objects.filter(company=request.company, pk=pk).first()
    if line is None:
        raise Http404(_("주문을 찾을 수 없습니다."))
    if request.method != "POST":
        return redirect("orders:unmatched")
    components = []
    for raw in request.POST.getlist("sku"):
        sku_id = params.int_param(raw)
        qty = params.int_param(request.POST.get(f"qty_{raw}", "1"))
        if sku_id is None or qty is None:
            messages.error(request, _("단품 수량은 숫자로 입력하세요: %(v)s") % {"v": request.POST.get(f"qty_{raw}", "")})
            return redirect("orders:unmatched")
        components.append((sku_id, qty))
    try:
        result = services.line_match_manual(company=request.company, line=line, components=components,
                                                  save_rule=request.POST.get("save_rule") == "on", user=request.user,
                                                  scope=request.POST.get("scope") or services.RuleScope.ACCOUNT)
    except services.MatchError as exc:
        messages.error(request, str(exc))
    else:
        text = _("%(n)s건을 매칭했습니다. 재고할당 %(r)s건, 재고부족 %(s)s건.") % {
            "n": result["matched"], "r": result["reserved"], "s": result["short"]}
        if result["rule"]:
            text += " " + _("매칭 규칙으로 저장했습니다.")
        messages.success(request, text)
    return redirect(safe_next(request, "orders:unmatched"))


@screen_view("orders.unmatched", write=True)
def rules_apply(request):
    if request.method == "POST":
        n = services.match_rules_apply(company=request.company, user=request.user)
        messages.success(request, _("대기 중인 주문 %(n)s건을 매칭했습니다.") % {"n": n})
    return redirect("orders:unmatched")


@screen_view("orders.unmatched")
def rules(request):
    qs = (MatchRule.objects.filter(company=request.company).select_related("account", "created_by")
          .prefetch_related("components__sku__product").order_by("-created_at", "-id"))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(product_name__icontains=q) | Q(option_text__icontains=q) | Q(channel_product_id=q)
                       | Q(components__sku__code__icontains=q)).distinct()
    return render(request, "orders/match/rules.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page")),
                                                       "q": q})


@screen_view("orders.unmatched", write=True)
def rule_delete(request, pk: int):
    rule = MatchRule.objects.filter(company=request.company, pk=pk).first()
    if rule is None:
        raise Http404(_("매칭 규칙을 찾을 수 없습니다."))
    if request.method == "POST":
        services.match_rule_delete(company=request.company, rule=rule)
        messages.success(request, _("매칭 규칙을 삭제했습니다."))
    return redirect("orders:match_rules")
