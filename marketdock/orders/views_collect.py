"""주문수집/설정 and 자동주문스케줄관리 screens (ORD-1). Thin: parse input, call services, render."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core import params
from marketdock.core.screens import screen_view

from . import services
from .models import CollectionRun, QuarantinedRecord


def _accounts(company):
    return ChannelAccount.objects.filter(company=company).order_by("kind", "name", "id")


def _account(company, pk: int) -> ChannelAccount:
    account = _accounts(company).select_related("company").filter(pk=pk).first()
    if account is None:
        raise Http404(_("쇼핑몰 계정을 찾을 수 없습니다."))
    return account


@screen_view("orders.collect")
def collect(request):
    company = request.company
    accounts = list(_accounts(company).exclude(kind=ChannelKind.MANUAL))
    last_runs = {}
    for run in CollectionRun.objects.filter(company=company, account__in=accounts).order_by("account_id", "-started_at"):
        last_runs.setdefault(run.account_id, run)
    runs = CollectionRun.objects.filter(company=company).select_related("account", "created_by")
    account_id = params.id_param(request.GET.get("account"))
    if account_id:
        runs = runs.filter(account_id=account_id)
    status = request.GET.get("status", "")
    if status in CollectionRun.Status.values:
        runs = runs.filter(status=status)
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "orders/collect/index.html", {
        "rows": [(a, last_runs.get(a.pk)) for a in accounts], "page": page, "account_id": account_id,
        "status": status, "statuses": CollectionRun.Status.choices,
        "backfill_start": (today - timedelta(days=7)).isoformat(), "backfill_end": today.isoformat(),
        "all_accounts": accounts, "order_settings": services.order_settings(company),
    })


@screen_view("orders.collect", write=True)
def collect_settings(request):
    """The company's collection choice: deduct stock for orders the marketplace shipped itself."""
    if request.method == "POST":
        services.order_settings_save(company=request.company,
                                              deduct_outside_shipments=request.POST.get("deduct_outside_shipments") == "on")
        messages.success(request, _("주문 수집 설정을 저장했습니다."))
    return redirect("orders:collect")


def _start(request, account, **kwargs):
    try:
        job = services.collection_run_start(account=account, user=request.user, **kwargs)
    except services.CollectionError as exc:
        if request.htmx:
            return render(request, "orders/collect/_error.html", {"error": str(exc)}, status=200)
        messages.error(request, str(exc))
        return redirect("orders:collect")
    if request.htmx:
        return render(request, "core/jobs/_progress.html", {"run": job})
    messages.success(request, _("수집을 시작했습니다: %(name)s") % {"name": account.name})
    return redirect("core:job_detail", job.pk)


@screen_view("orders.collect", write=True)
def collect_now(request, pk: int):
    account = _account(request.company, pk)
    if request.method != "POST":
        return redirect("orders:collect")
    return _start(request, account, trigger=CollectionRun.Trigger.MANUAL)


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@screen_view("orders.collect", write=True)
def collect_backfill(request, pk: int):
    account = _account(request.company, pk)
    if request.method != "POST":
        return redirect("orders:collect")
    start, end = _parse_day(request.POST.get("start")), _parse_day(request.POST.get("end"))
    if start is None or end is None:
        error = _("기간 수집의 시작일과 종료일을 YYYY-MM-DD 형식으로 입력하세요. (입력값: %(s)s ~ %(e)s)") % {
            "s": request.POST.get("start", ""), "e": request.POST.get("end", "")}
        if request.htmx:
            return render(request, "orders/collect/_error.html", {"error": error})
        messages.error(request, error)
        return redirect("orders:collect")
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(start, time.min, tzinfo=tz)
    window_end = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    return _start(request, account, trigger=CollectionRun.Trigger.BACKFILL, window_start=window_start,
                  window_end=window_end)


@screen_view("orders.collect")
def run_detail(request, pk: int):
    run = CollectionRun.objects.filter(company=request.company, pk=pk).select_related("account", "job_run",
                                                                                      "created_by").first()
    if run is None:
        raise Http404(_("수집 기록을 찾을 수 없습니다."))
    records = Paginator(QuarantinedRecord.objects.filter(company=request.company, run=run), 50).get_page(
        request.GET.get("page"))
    for record in records:
        record.raw_text = json.dumps(record.raw, ensure_ascii=False, indent=2, default=str)[:20000]
    list_url = reverse("orders:list")
    return render(request, "orders/collect/run_detail.html", {
        "run": run, "page": records,
        "created_url": f"{list_url}?run={run.pk}&outcome=created",
        "updated_url": f"{list_url}?run={run.pk}&outcome=updated",
    })


@screen_view("orders.schedules")
def schedules(request):
    accounts = _accounts(request.company).exclude(kind=ChannelKind.MANUAL)
    return render(request, "orders/collect/schedules.html", {"accounts": accounts})


@screen_view("orders.schedules", write=True)
def schedule_edit(request, pk: int):
    account = _account(request.company, pk)
    if request.method != "POST":
        return redirect("orders:schedules")
    minutes = params.int_param(request.POST.get("collect_every_minutes"))
    try:
        if minutes is None:
            raise services.CollectionError(_("수집 주기는 분 단위 숫자로 입력하세요: %(v)s") % {
                "v": request.POST.get("collect_every_minutes", "")})
        services.account_schedule_update(company=request.company, account=account,
                                                 auto_collect=request.POST.get("auto_collect") == "on",
                                                 collect_every_minutes=minutes)
    except services.CollectionError as exc:
        messages.error(request, f"{account.name}: {exc}")
    else:
        messages.success(request, _("%(name)s 자동 수집 설정을 저장했습니다.") % {"name": account.name})
    return redirect("orders:schedules")
