"""담당자 (CS-3): the assign control the claim and inquiry screens include, bulk assign of selected
rows, and the 담당자 배정 규칙 screen."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketdock.core.params import id_list, id_param
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors_cs as selectors
from .forms_cs import AssignmentRuleForm
from .services import assignment

RULES = "cs.assignment"


def _assignee(request):
    """The chosen 담당자 from POST `assignee` ("" = unassign); 404 for a user not of this company."""
    pk = id_param(request.POST.get("assignee"))
    if pk is None:
        return None
    try:
        return selectors.assignable_user_get(request.company, pk)
    except ObjectDoesNotExist:
        raise Http404(_("사용자를 찾을 수 없습니다.")) from None


def _control(request, kind: str, pk: int):
    item = get_or_404(lambda c, p: selectors.item_get(c, kind, p), request.company, pk)
    error = ""
    if request.method == "POST":
        try:
            assignee = _assignee(request)
            assignment.assign(company=request.company, assignee=assignee, user=request.user,
                              **{"claims" if kind == "claim" else "inquiries": [item]})
        except ValidationError as exc:
            error = " ".join(exc.messages)
        item.refresh_from_db()
        if not request.htmx:
            (messages.error if error else messages.success)(request, error or _("담당자를 바꿨습니다."))
            return redirect(safe_next(request, "/", referer=True))
    history = selectors.assignment_history(request.company, **{kind: item}, limit=5)
    return render(request, "claims/_assign_control.html", {
        "item": item, "kind": kind, "users": selectors.assignable_users(request.company), "history": history,
        "error": error, "url": reverse(f"claims:{kind}_assign", args=[item.pk])})


@screen_view("cs.claims")
def claim_assign(request, pk: int):
    """GET: the assign control of one claim (partial); POST: change its 담당자."""
    return _control(request, "claim", pk)


@screen_view("cs.inquiries")
def inquiry_assign(request, pk: int):
    return _control(request, "inquiry", pk)


def _bulk(request, kind: str, fallback: str):
    ids = id_list(request.POST.getlist("ids") or request.POST.getlist(kind))  # the claim list names them "claim"
    try:
        assignee = _assignee(request)
        result = assignment.assign(company=request.company, assignee=assignee, user=request.user,
                                   **{"claims" if kind == "claim" else "inquiries": ids})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if not ids:
            messages.error(request, _("담당자를 바꿀 항목을 선택하세요."))
        else:
            messages.success(request, _("%(changed)s건의 담당자를 바꿨습니다. (변경 없음 %(same)s건)") % {
                "changed": len(result.changed), "same": len(result.unchanged)})
    return redirect(safe_next(request, fallback, referer=True))


@require_POST
@screen_view("cs.claims", write=True)
def claims_assign_bulk(request):
    """POST ids=…&ids=…&assignee=<user id or empty>&next=…: assign the selected claims."""
    return _bulk(request, "claim", reverse("claims:assign_rules"))


@require_POST
@screen_view("cs.inquiries", write=True)
def inquiries_assign_bulk(request):
    return _bulk(request, "inquiry", reverse("claims:assign_rules"))


# --- 담당자 배정 규칙 --------------------------------------------------------------------------------------


def _save_rule(request, form, rule=None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        assignment.rule_save(company=request.company, mode=data["mode"], target=data["target"],
                             account=data["account"], users=list(data["users"]), is_active=data["is_active"],
                             rule=rule)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


@screen_view(RULES)
def assign_rules(request):
    form = AssignmentRuleForm(request.POST or None, company=request.company)
    if request.method == "POST" and _save_rule(request, form):
        messages.success(request, _("배정 규칙을 저장했습니다. 새로 들어오는 클레임·문의부터 적용됩니다."))
        return redirect("claims:assign_rules")
    return render(request, "claims/assign_rules.html", {
        "rules": selectors.assignment_rules(request.company), "form": form})


@screen_view(RULES)
def assign_rule_edit(request, pk: int):
    rule = get_or_404(selectors.assignment_rule_get, request.company, pk)
    initial = {"mode": rule.mode, "target": rule.target, "account": rule.account_id, "users": list(rule.users.all()),
               "is_active": rule.is_active}
    form = AssignmentRuleForm(request.POST or None, company=request.company, initial=initial)
    if request.method == "POST" and _save_rule(request, form, rule):
        messages.success(request, _("배정 규칙을 저장했습니다."))
        return redirect("claims:assign_rules")
    return render(request, "claims/assign_rule_form.html", {"rule": rule, "form": form})


@require_POST
@screen_view(RULES, write=True)
def assign_rule_delete(request, pk: int):
    rule = get_or_404(selectors.assignment_rule_get, request.company, pk)
    assignment.rule_delete(rule=rule)
    messages.success(request, _("배정 규칙을 삭제했습니다."))
    return redirect("claims:assign_rules")
