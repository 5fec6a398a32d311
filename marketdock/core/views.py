"""Platform views: sign-in, home dashboard, health, password change, 작업 현황 (job runs)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import dashboard, permissions, selectors, services_auth
from .forms import LoginForm, PasswordChangeForm
from .jobs import job_label
from .models import JobRun
from .screens import screen_view
from .services import client_ip
from .services_users import user_password_changed


def throttled_response(request, wait_seconds: int, message: str):
    """The Korean 429 page: how long to wait, and what else can be done."""
    minutes = max(1, -(-wait_seconds // 60))
    response = render(request, "core/auth/throttled.html", {"minutes": minutes, "message": message}, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response


class LoginView(auth_views.LoginView):
    template_name = "core/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = (request.POST.get("username") or "").strip()
        wait = selectors.login_throttle_wait(ip=client_ip(request), username=username)
        if wait:
            services_auth.login_throttled_record(username=username, request=request)
            return throttled_response(request, wait, _("이 주소에서 로그인 실패가 많아 잠시 로그인을 막았습니다."))
        response = super().post(request, *args, **kwargs)
        # axes counts the failure that reaches the limit exactly once per lock: tell the owner then
        if (getattr(request, "axes_locked_out", False)
                and getattr(request, "axes_failures_since_start", 0) == settings.AXES_FAILURE_LIMIT):
            services_auth.account_locked_notify(username=username)
        return response


@login_required
def home(request):
    if request.company is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        return render(request, "core/no_company.html", status=403)
    tiles = dashboard.tiles_for(request.company, request.user)
    recent_failures = selectors.job_runs(request.company).filter(status=JobRun.Status.FAILED)[:5]
    notices = None
    if permissions.can_read(request.user, "core.notices"):
        notices = selectors.notices_active(request.company).order_by("-starts_at")[:5]
    panels = dashboard.panels_for(request.company, request.user)
    return render(request, "core/home.html", {"tiles": tiles, "recent_failures": recent_failures, "notices": notices,
                                              "panels": panels, "charts": any(p.charts for p in panels)})


@never_cache
@require_GET
def healthz(request):
    status = selectors.health()
    return JsonResponse(status, status=200 if status["db"] == "ok" else 503)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        user_password_changed(user=user, request=request)
        update_session_auth_hash(request, user)
        messages.success(request, _("비밀번호를 변경했습니다."))
        return redirect("home")
    return render(request, "core/auth/password_change.html", {"form": form, "forced": request.user.must_change_password})


@screen_view("core.jobs")
def job_list(request):
    qs = selectors.job_runs(request.company)
    status = request.GET.get("status", "")
    if status == "running":
        qs = qs.filter(status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING])
    elif status in JobRun.Status.values:
        qs = qs.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    kinds = selectors.job_runs(request.company).order_by().values_list("kind", flat=True).distinct()
    return render(
        request,
        "core/jobs/list.html",
        {"page": page, "status": status, "kind": kind, "kinds": [(k, job_label(k)) for k in sorted(set(kinds))], "statuses": JobRun.Status.choices},
    )


def _job_run(request, pk: int) -> JobRun:
    try:
        return selectors.job_run_get(request.company, pk)
    except JobRun.DoesNotExist:
        raise Http404(_("작업을 찾을 수 없습니다."))


@screen_view("core.jobs")
def job_detail(request, pk: int):
    run = _job_run(request, pk)
    template = "core/jobs/_progress.html" if request.htmx else "core/jobs/detail.html"
    return render(request, template, {"run": run})


@screen_view("core.jobs")
def job_errors(request, pk: int):
    """The row errors a job recorded in its result (an upload run as a job) as an xlsx report."""
    from .downloads import errors_workbook_bytes, xlsx_response

    run = _job_run(request, pk)
    errors = (run.result or {}).get("errors") or []
    if not errors:
        raise Http404(_("내려받을 오류 목록이 없습니다."))
    return xlsx_response(errors_workbook_bytes(errors), f"{run.title}_{_('오류')}_{run.pk}.xlsx")


@login_required
def media(request, path: str):
    """Uploaded files are company data: they live under `<app>/<company id>/...` and are served
    only to signed-in users of that company (product images, uploaded Excel files...)."""
    parts = path.split("/")
    if request.company is None or len(parts) < 3 or parts[1] != str(request.company.pk) or ".." in parts:
        raise Http404(_("파일을 찾을 수 없습니다."))
    from django.views.static import serve

    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.get("Content-Type", "").startswith("image/"):
        response["Cache-Control"] = "private, max-age=3600"  # product images: no personal data
    # uploaded Excel files (orders, buyers) get no-store from NoStoreMiddleware
    return response
