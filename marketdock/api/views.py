"""시스템관리 › Open API: the company's API keys (created by the main admin, shown once, revocable) and the
API log (view, Excel download). Thin: parse, call a service or selector, render."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import params
from marketdock.core.downloads import new_workbook, workbook_bytes, xlsx_response
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .forms import ApiKeyForm
from .models import SCOPES

SCREEN = "api.keys"
EXPORT_MAX_ROWS = 100_000


def _require_admin(request) -> None:
    if not request.user.is_company_admin:
        raise PermissionDenied(_("API 키는 회사의 주관리자만 만들거나 폐기할 수 있습니다."))


def _expiry(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.max), timezone.get_default_timezone())


@screen_view(SCREEN)
def key_list(request):
    form, created = ApiKeyForm(), None
    if request.method == "POST":
        _require_admin(request)
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = services.api_key_create(
                    company=request.company, name=d["name"], scopes=d["scopes"], allowed_ips=d["allowed_ips"],
                    expires_at=_expiry(d["expires_on"]), rate_per_minute=d["rate_per_minute"], user=request.user)
                form = ApiKeyForm()
            except services.ApiKeyError as exc:
                form.add_error(None if exc.field == "__all__" else exc.field, str(exc))
    return render(request, "api/keys.html", {
        "keys": list(selectors.api_keys(request.company)), "form": form, "created": created, "scopes": SCOPES,
        "is_admin": request.user.is_company_admin, "now": timezone.now(),
    }, status=422 if form.errors else 200)


@screen_view(SCREEN, write=True)
def key_revoke(request, pk: int):
    key = get_or_404(selectors.api_key_get, request.company, pk, _("API 키를 찾을 수 없습니다."))
    _require_admin(request)
    if request.method == "POST":
        services.api_key_revoke(company=request.company, key=key)
        messages.success(request, _("API 키 '%(name)s'을(를) 폐기했습니다.") % {"name": key.name})
    return redirect("api:keys")


def _row(c) -> list:
    return [timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M:%S"), c.key.name, c.key.prefix, c.method, c.path,
            c.status, c.duration_ms, c.ip or ""]


HEADERS = (gettext_lazy("일시"), gettext_lazy("API 키"), gettext_lazy("키 앞자리"), gettext_lazy("메서드"),
           gettext_lazy("경로"), gettext_lazy("응답코드"), gettext_lazy("처리시간(ms)"), gettext_lazy("IP"))


@screen_view(SCREEN)
def call_log(request):
    g = request.GET
    key_id = params.id_param(g.get("key"))
    date_from, date_to = params.date_param(g.get("date_from", "")), params.date_param(g.get("date_to", ""))
    status = g.get("status", "") if g.get("status", "") in ("ok", "error") else ""
    calls = selectors.api_calls(request.company, key_id=key_id, date_from=date_from, date_to=date_to, status=status)
    if g.get("export") == "1":
        wb = new_workbook(write_only=True)
        ws = wb.create_sheet(_("API 호출 기록"))
        ws.append([str(h) for h in HEADERS])
        for c in calls[:EXPORT_MAX_ROWS]:
            ws.append(_row(c))
        return xlsx_response(workbook_bytes(wb), "api-log.xlsx")
    page = Paginator(calls, 50).get_page(params.int_param(g.get("page"), 1))
    query = g.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(request, "api/logs.html", {
        "page": page, "rows": [_row(c) for c in page.object_list], "headers": [str(h) for h in HEADERS],
        "keys": list(selectors.api_keys(request.company)), "key_id": key_id, "status": status,
        "date_from": date_from, "date_to": date_to, "query": query.urlencode(),
    })
