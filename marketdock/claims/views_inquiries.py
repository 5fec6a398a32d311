"""문의함 (CS-2/CS-5): the inbox, one inquiry with its order and the buyer's history, the suggested
answer, the editor and history; bulk answer with a template; 답변 템플릿 CRUD."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketdock.channels.models import ChannelAccount
from marketdock.core.params import choice_param, date_param, id_list, id_param, text_param
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import inquiry_selectors as selectors
from . import selectors_cs, services
from .models import AnswerTemplate, InquiryKind, InquiryStatus
from .services.answers import VARIABLES, answer_edit_allowed
from .services.inquiries import DEADLINE_SOURCES, DEFAULT_DEADLINE_HOURS, inquiry_capable

INBOX = "cs.inquiries"
TEMPLATES = "cs.templates"


def _day(value) -> datetime | None:
    day = date_param(value)
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@screen_view(INBOX)
def inquiry_list(request):
    company, params = request.company, request.GET
    start, end = _day(params.get("start")), _day(params.get("end"))
    filters = {"account": id_param(params.get("account")), "kind": choice_param(params.get("kind"), InquiryKind.values),
               "status": choice_param(params.get("status"), InquiryStatus.values),
               "unanswered": params.get("unanswered") == "1", "start": start,
               "end": end + timedelta(days=1) if end else None,
               "assignee": id_param(params.get("assignee")), "q": text_param(params.get("q"))}
    rows = selectors.inquiries_filtered(company, **filters)
    if params.get("assignee") in (selectors_cs.ASSIGNEE_MINE, selectors_cs.ASSIGNEE_NONE):  # 담당자 (CS-3)
        rows = selectors_cs.assignee_filter(rows, params["assignee"], request.user)
    page = Paginator(rows, 50).get_page(params.get("page"))
    accounts = ChannelAccount.objects.filter(company=company, is_active=True).order_by("name")
    return render(request, "claims/inquiries/list.html", {
        "page": page, "filters": filters, "params": params, "accounts": accounts, "kinds": InquiryKind.choices,
        "statuses": InquiryStatus.choices, "now": timezone.now(),
        "templates": selectors.templates(company, active_only=True), "summary": selectors.unanswered_summary(company),
        "collectable": [a for a in accounts if inquiry_capable(a)], "default_deadline": DEFAULT_DEADLINE_HOURS,
        "deadline_sources": [str(s) for s in DEADLINE_SOURCES.values()],
        "users": selectors_cs.assignable_users(company), "assignee": params.get("assignee", "")})


@screen_view(INBOX)
def inquiry_detail(request, pk: int):
    company = request.company
    inquiry = get_or_404(selectors.inquiry_get, company, pk, _("문의를 찾을 수 없습니다."))
    suggestions = services.suggest_answer(inquiry)
    template_id, pick = id_param(request.GET.get("template")), id_param(request.GET.get("suggestion"))
    template = get_or_404(selectors.template_get, company, template_id, _("템플릿을 찾을 수 없습니다.")) \
        if template_id else None
    draft, score = "", None
    if template is not None:
        draft = services.template_render(template.text, inquiry)
    elif pick is not None and pick <= len(suggestions):
        draft, score = suggestions[pick - 1].text, suggestions[pick - 1].score
    elif inquiry.status == InquiryStatus.ANSWERED:
        draft = inquiry.answer_text
    return render(request, "claims/inquiries/detail.html", {
        "inquiry": inquiry, "suggestions": suggestions, "draft": draft, "score": score, "template": template,
        "history": selectors.buyer_orders(company, inquiry), "events": inquiry.events.select_related("user"),
        "answers": inquiry.answers.select_related("user"), "now": timezone.now(),
        "templates": selectors.templates(company, active_only=True), "can_edit": answer_edit_allowed(inquiry),
        "lines": inquiry.order.lines.all() if inquiry.order_id else [],
        # 담당자 and 문자 (CS-3, CS-4)
        "item": inquiry, "kind": "inquiry", "users": selectors_cs.assignable_users(company),
        "assign_history": selectors_cs.assignment_history(company, inquiry=inquiry, limit=5),
        "url": reverse("claims:inquiry_assign", args=[inquiry.pk]),
        "sms_messages": selectors_cs.sms_messages(company, inquiry_id=inquiry.pk)[:10]})


@require_POST
@screen_view(INBOX, write=True)
def inquiry_answer(request, pk: int):
    company = request.company
    inquiry = get_or_404(selectors.inquiry_get, company, pk, _("문의를 찾을 수 없습니다."))
    template_id = id_param(request.POST.get("template"))
    template = AnswerTemplate.objects.filter(company=company, pk=template_id).first() if template_id else None
    try:
        score = float(request.POST.get("score") or "") if request.POST.get("score") else None
    except ValueError:
        score = None
    try:
        services.answer_send(company=company, inquiry=inquiry, text=request.POST.get("text", ""), user=request.user,
                             template=template, suggested_score=score)
    except services.AnswerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("답변을 쇼핑몰로 전송합니다."))
    return redirect("claims:inquiry_detail", pk=inquiry.pk)


@require_POST
@screen_view(INBOX, write=True)
def inquiry_retry(request, pk: int):
    inquiry = get_or_404(selectors.inquiry_get, request.company, pk, _("문의를 찾을 수 없습니다."))
    try:
        services.answer_retry(company=request.company, inquiry=inquiry, user=request.user)
    except services.AnswerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("답변을 다시 전송합니다."))
    return redirect("claims:inquiry_detail", pk=inquiry.pk)


@require_POST
@screen_view(INBOX, write=True)
def inquiry_bulk_answer(request):
    company = request.company
    template = get_or_404(selectors.template_get, company, id_param(request.POST.get("template")),
                          _("템플릿을 선택하세요."))
    chosen = list(selectors.inquiries(company).filter(pk__in=id_list(request.POST.getlist("ids"))))
    if not chosen:
        messages.error(request, _("답변할 문의를 선택하세요."))
        return redirect("claims:inquiries")
    try:
        result = services.answers_bulk(company=company, inquiries=chosen, template=template, user=request.user)
    except services.AnswerError as exc:
        messages.error(request, str(exc))
        return redirect("claims:inquiries")
    messages.success(request, _("%(n)s건 답변 전송을 시작했습니다.") % {"n": len(result.sent)})
    for pk, reason in result.failed:
        messages.error(request, _("문의 %(pk)s: %(reason)s") % {"pk": pk, "reason": reason})
    return redirect("claims:inquiries")


@require_POST
@screen_view(INBOX, write=True)
def inquiry_collect(request):
    account = ChannelAccount.objects.filter(company=request.company, pk=id_param(request.POST.get("account"))).first()
    if account is None:
        messages.error(request, _("수집할 쇼핑몰 계정을 선택하세요."))
        return redirect("claims:inquiries")
    try:
        services.inquiries_collect_start(company=request.company, account=account, user=request.user)
    except services.InquiryCollectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("문의 수집을 시작했습니다: %(name)s") % {"name": account.name})
    return redirect("claims:inquiries")


# --- 답변 템플릿 ---------------------------------------------------------------------------------------


@screen_view(TEMPLATES)
def template_list(request):
    return render(request, "claims/templates/list.html", {
        "templates": selectors.templates(request.company), "variables": VARIABLES})


def _template_form(request, template):
    data = request.POST if request.method == "POST" else {
        "name": template.name if template else "", "category": template.category if template else "",
        "text": template.text if template else "", "is_active": "1" if (template is None or template.is_active) else ""}
    if request.method == "POST":
        try:
            services.template_save(company=request.company, name=data.get("name", ""), text=data.get("text", ""),
                                   category=data.get("category", ""), is_active=data.get("is_active") == "1",
                                   template=template)
        except services.AnswerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("템플릿을 저장했습니다."))
            return redirect("claims:templates")
    return render(request, "claims/templates/form.html", {"template": template, "data": data, "variables": VARIABLES})


@screen_view(TEMPLATES, write=True)
def template_create(request):
    return _template_form(request, None)


@screen_view(TEMPLATES, write=True)
def template_edit(request, pk: int):
    template = get_or_404(selectors.template_get, request.company, pk, _("템플릿을 찾을 수 없습니다."))
    return _template_form(request, template)


@require_POST
@screen_view(TEMPLATES, write=True)
def template_delete(request, pk: int):
    template = get_or_404(selectors.template_get, request.company, pk, _("템플릿을 찾을 수 없습니다."))
    services.template_delete(company=request.company, template=template)
    messages.success(request, _("템플릿을 삭제했습니다."))
    return redirect("claims:templates")
