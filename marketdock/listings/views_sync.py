"""동기화 현황 (channels.sync): per channel account, the last push, listings waiting, failures with the
marketplace's message, and the measured lag; the auto stop-sale/resume settings; a full re-sync."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors_sync, services
from .tasks_sync import stock_reconcile_job

SCREEN = "channels.sync"


def _account(request, pk: int):
    return get_or_404(selectors_sync.sync_account_get, request.company, pk, _("쇼핑몰 계정을 찾을 수 없습니다."))


@screen_view(SCREEN)
def sync_status(request):
    company = request.company
    account = None
    account_id = params.id_param(request.GET.get("account"))
    if account_id:
        account = _account(request, account_id)
    rows = selectors_sync.sync_overview(company)
    failures = selectors_sync.sync_failures(company, account=account, limit=100)
    template = "listings/sync/_overview.html" if request.htmx else "listings/sync/status.html"
    return render(request, template, {"rows": rows, "failures": failures, "account": account})


@screen_view(SCREEN)
def sync_settings(request, pk: int):
    account = _account(request, pk)  # another company's id: 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.account_sync_settings_update(
        company=request.company, account=account, auto_stop=request.POST.get("auto_stop") == "1",
        auto_resume=request.POST.get("auto_resume") == "1")
    messages.success(request, _("%(name)s 자동 품절/판매재개 설정을 저장했습니다.") % {"name": account.name})
    return redirect("channels:sync_status")


@screen_view(SCREEN)
def sync_reconcile(request, pk: int):
    account = _account(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    run = stock_reconcile_job.start(company=request.company, user=request.user,
                                    title=_("전체 재고 동기화 · %(name)s") % {"name": account.name}, account_id=account.pk)
    return redirect("core:job_detail", run.pk)
