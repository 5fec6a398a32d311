"""정산관리 screens: 수수료 설정 (rules and payout schedules, STL-1) and 정산예정 (expected settlement
per line with which figures were used, STL-1/2). Sales figures are in views_sales, store sales in
views_store."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketdock.core.params import choice_param, date_param, id_param, text_param
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services, tasks
from .forms import RuleForm, ScheduleForm
from .models import ExpectedState, FigureSource

RULES = "settlement.commissions"
EXPECTED = "settlement.expected"


def _form_errors(form, exc: ValidationError) -> None:
    for name, errs in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errs)


@screen_view(RULES)
def commissions(request):
    company = request.company
    form = RuleForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(company=company, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("수수료 규칙을 저장했습니다. 해당 계정의 정산예정금액을 다시 계산합니다."))
            return redirect("settlement:commissions")
    schedules = selectors.payout_schedules(company)
    accounts = [(a, schedules.get(a.pk)) for a in selectors.accounts(company)]
    return render(request, "settlement/commissions.html", {
        "rules": selectors.commission_rules(company), "form": form, "accounts": accounts,
        "schedule_form": ScheduleForm()})


@screen_view(RULES)
def commission_edit(request, pk: int):
    company = request.company
    rule = get_or_404(selectors.commission_rule_get, company, pk, _("수수료 규칙을 찾을 수 없습니다."))
    initial = {name: getattr(rule, name) for name in services.commission.RULE_FIELDS}
    form = RuleForm(request.POST or None, company=company, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(company=company, user=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("수수료 규칙을 고쳤습니다. 해당 계정의 정산예정금액을 다시 계산합니다."))
            return redirect("settlement:commissions")
    return render(request, "settlement/commission_edit.html", {"rule": rule, "form": form})


@screen_view(RULES, write=True)
def commission_delete(request, pk: int):
    rule = get_or_404(selectors.commission_rule_get, request.company, pk, _("수수료 규칙을 찾을 수 없습니다."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.rule_delete(company=request.company, rule=rule)
    messages.success(request, _("수수료 규칙을 삭제했습니다."))
    return redirect("settlement:commissions")


@screen_view(RULES, write=True)
def schedule_edit(request, account_id: int):
    account = get_or_404(selectors.account_get, request.company, account_id, _("쇼핑몰 계정을 찾을 수 없습니다."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("정산 주기를 저장하지 못했습니다: %(e)s") % {
            "e": " ".join(str(e) for errs in form.errors.values() for e in errs)})
        return redirect("settlement:commissions")
    try:
        services.schedule_save(company=request.company, account=account, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s의 정산 주기를 저장했습니다.") % {"name": account.name})
    return redirect("settlement:commissions")


@require_POST
@screen_view(RULES, write=True)
def seed_defaults(request):
    count = services.rules_seed_company(request.company)
    messages.success(request, _("쇼핑몰 계정 %(n)s개에 기본 수수료와 정산 주기를 등록했습니다(이미 있는 규칙은 그대로 둡니다).")
                     % {"n": count})
    return redirect("settlement:commissions")


@screen_view(EXPECTED)
def expected(request):
    company, g = request.company, request.GET
    filters = {"account": id_param(g.get("account")), "state": choice_param(g.get("state"), ExpectedState.values),
               "source": choice_param(g.get("source"), FigureSource.values), "start": date_param(g.get("from")),
               "end": date_param(g.get("to")), "q": text_param(g.get("q"))}
    qs = selectors.expected_list(company, **filters)
    page = Paginator(qs, 50).get_page(g.get("page"))
    return render(request, "settlement/expected.html", {
        "page": page, "totals": selectors.expected_totals(company, qs), "filters": filters,
        "accounts": selectors.accounts(company), "states": ExpectedState.choices, "sources": FigureSource.choices,
        "state_row": selectors.state(company)})


@screen_view(EXPECTED)
def expected_detail(request, pk: int):
    row = get_or_404(selectors.expected_get, request.company, pk, _("정산예정 내역을 찾을 수 없습니다."))
    return render(request, "settlement/expected_detail.html", {
        "row": row, "adjustments": selectors.adjustments_for_line(request.company, row.line_id)})


@require_POST
@screen_view(EXPECTED, write=True)
def refresh(request):
    tasks.refresh_settlement.start(company=request.company, user=request.user, title=_("정산예정·매출 집계 갱신"))
    messages.success(request, _("정산예정금액과 매출 집계를 다시 계산합니다. 작업 현황에서 진행을 볼 수 있습니다."))
    return redirect(safe_next(request, "settlement:expected"))
