"""공지사항 (SYS-5): the list and detail every user reads, the company's own notices for writers,
and the pop-up's "don't show again" endpoint."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .forms_notices import NoticeForm
from .models import Notice
from .redirects import safe_next
from .screens import screen_view
from .services_notices import notice_create, notice_delete, notice_dismiss, notice_update

SCREEN = "core.notices"


def _own_notice(request, pk: int) -> Notice:
    try:
        return selectors.notice_own_get(request.company, pk)
    except Notice.DoesNotExist:
        raise Http404(_("공지사항을 찾을 수 없습니다."))


@screen_view(SCREEN)
def notice_list(request):
    qs = selectors.notices_visible(request.company, include_scheduled=request.can_write)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(title__icontains=q)
    state = request.GET.get("state", "")
    now = timezone.now()
    if state == "current":
        qs = qs.filter(starts_at__lte=now, ends_at__gte=now)
    elif state == "past":
        qs = qs.filter(ends_at__lt=now)
    elif state == "scheduled":
        qs = qs.filter(starts_at__gt=now)
    page = Paginator(qs.select_related("created_by"), 30).get_page(request.GET.get("page"))
    return render(request, "core/notices/list.html", {"page": page, "q": q, "state": state, "now": now})


@screen_view(SCREEN)
def notice_detail(request, pk: int):
    try:
        notice = selectors.notice_get(request.company, pk, include_scheduled=request.can_write)
    except Notice.DoesNotExist:
        raise Http404(_("공지사항을 찾을 수 없습니다."))
    return render(request, "core/notices/detail.html", {"notice": notice, "now": timezone.now()})


def _form_page(request, form, notice=None):
    return render(request, "core/notices/form.html", {"form": form, "notice": notice})


def _save(request, form, notice=None):
    data = form.cleaned_data
    try:
        if notice is None:
            notice = notice_create(company=request.company, user=request.user, **data)
        else:
            notice = notice_update(notice=notice, **data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    return notice


@screen_view(SCREEN, write=True)
def notice_create_view(request):
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if form.is_valid() and (notice := _save(request, form)):
            messages.success(request, _("공지사항을 등록했습니다."))
            return redirect("core:notice_detail", pk=notice.pk)
    else:
        start = timezone.localtime().replace(second=0, microsecond=0)
        form = NoticeForm(initial={"starts_at": start, "ends_at": start + timedelta(days=7), "is_popup": True})
    return _form_page(request, form)


@screen_view(SCREEN, write=True)
def notice_edit(request, pk: int):
    notice = _own_notice(request, pk)
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if form.is_valid() and _save(request, form, notice):
            messages.success(request, _("공지사항을 수정했습니다."))
            return redirect("core:notice_detail", pk=notice.pk)
    else:
        form = NoticeForm(initial={
            "title": notice.title, "body": notice.body, "starts_at": timezone.localtime(notice.starts_at),
            "ends_at": timezone.localtime(notice.ends_at), "is_popup": notice.is_popup,
        })
    return _form_page(request, form, notice)


@screen_view(SCREEN, write=True)
def notice_delete_view(request, pk: int):
    notice = _own_notice(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    notice_delete(notice=notice)
    messages.success(request, _("공지사항을 삭제했습니다."))
    return redirect("core:notice_list")


@require_POST
@login_required
def notice_dismiss_view(request):
    """The pop-up's "확인 (다시 보지 않기)": 204 for htmx, otherwise back to where the user was."""
    ids = [v for v in request.POST.getlist("notice") if v.strip().isdigit()]
    notice_dismiss(user=request.user, notice_ids=ids)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(safe_next(request, "home", referer=True))
