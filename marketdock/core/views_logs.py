"""사용자계정로그 (core.logs, main admin only): access, menu access, account change and personal-data
download logs, each filterable by period and user, paginated and exportable to Excel (SYS-4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors
from .downloads import new_workbook, workbook_bytes, xlsx_response
from .forms_users import LogFilterForm
from .menu import screen_label
from .screens import screen_view
from .services import personal_data_download_record
from .services_users import ACTION_LABELS

EXPORT_MAX_ROWS = 100_000
PAGE_SIZE = 50


def _when(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def _who(user, fallback: str = "") -> str:
    if user is None:
        return fallback
    return user.username


def _name(user) -> str:
    return user.name if user is not None else ""


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    headers: tuple
    query: Callable
    row: Callable


TABS: dict[str, Tab] = {
    t.key: t
    for t in (
        Tab(
            "access", gettext_lazy("접속"),
            (gettext_lazy("일시"), gettext_lazy("아이디"), gettext_lazy("이름"), gettext_lazy("구분"),
             gettext_lazy("IP"), gettext_lazy("브라우저"), gettext_lazy("내용")),
            selectors.access_logs,
            lambda r: [_when(r.at), r.username, _name(r.user), r.get_event_display(), r.ip or "", r.user_agent,
                       r.detail],
        ),
        Tab(
            "menu", gettext_lazy("메뉴접근"),
            (gettext_lazy("일시"), gettext_lazy("아이디"), gettext_lazy("이름"), gettext_lazy("화면"),
             gettext_lazy("경로"), gettext_lazy("IP")),
            selectors.menu_access_logs,
            lambda r: [_when(r.at), _who(r.user), _name(r.user), screen_label(r.screen), r.path, r.ip or ""],
        ),
        Tab(
            "account", gettext_lazy("계정변경"),
            (gettext_lazy("일시"), gettext_lazy("작업자"), gettext_lazy("대상"), gettext_lazy("작업"),
             gettext_lazy("항목"), gettext_lazy("변경 전"), gettext_lazy("변경 후"), gettext_lazy("IP")),
            selectors.account_change_logs,
            lambda r: [_when(r.at), _who(r.actor, _("(본인 요청)")), r.target_label,
                       str(ACTION_LABELS.get(r.action, r.action)), r.field, r.old_value, r.new_value, r.ip or ""],
        ),
        Tab(
            "pd", gettext_lazy("개인정보다운로드"),
            (gettext_lazy("일시"), gettext_lazy("아이디"), gettext_lazy("이름"), gettext_lazy("화면"),
             gettext_lazy("내용"), gettext_lazy("건수"), gettext_lazy("파일명"), gettext_lazy("IP")),
            selectors.personal_data_download_logs,
            lambda r: [_when(r.at), _who(r.user), _name(r.user), screen_label(r.screen), r.description,
                       r.record_count, r.file_name, r.ip or ""],
        ),
    )
}


def _filtered(request):
    """(tab, form, queryset). Without any filter in the URL the period is the last 7 days."""
    tab = TABS.get(request.GET.get("tab", ""), TABS["access"])
    data = request.GET.copy()
    if "date_from" not in data and "date_to" not in data:
        start, end = LogFilterForm.default_period()
        data["date_from"], data["date_to"] = start.isoformat(), end.isoformat()
    form = LogFilterForm(data, company=request.company)
    if form.is_valid():
        cd = form.cleaned_data
        qs = tab.query(request.company, date_from=cd["date_from"], date_to=cd["date_to"], user_id=cd["user"])
    else:
        qs = tab.query(request.company).none()
    return tab, form, qs


@screen_view("core.logs")
def logs(request):
    tab, form, qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    quick = [
        (_("오늘"), today, today),
        (_("7일"), today - timedelta(days=6), today),
        (_("1개월"), today - timedelta(days=30), today),
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/logs/list.html", {
        "tab": tab, "tabs": TABS.values(), "form": form, "page": page,
        "rows": [tab.row(r) for r in page], "quick": quick, "export_query": query.urlencode(),
        "user_value": form.data.get("user", ""),
    })


@screen_view("core.logs")
def logs_export(request):
    """The log as .xlsx. It holds users' personal data (names, IP), so it writes the download log."""
    tab, form, qs = _filtered(request)
    if not form.is_valid():
        return render(request, "core/logs/list.html", {
            "tab": tab, "tabs": TABS.values(), "form": form, "page": None, "rows": [], "quick": [],
            "export_query": "", "user_value": form.data.get("user", ""),
        }, status=400)
    rows = qs[:EXPORT_MAX_ROWS]
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet(str(tab.label))
    ws.append([str(h) for h in tab.headers])
    count = 0
    for obj in rows.iterator(chunk_size=2000):
        ws.append(tab.row(obj))
        count += 1
    file_name = f"{_('사용자계정로그')}_{tab.label}_{timezone.localdate():%Y%m%d}.xlsx"
    cd = form.cleaned_data
    personal_data_download_record(
        company=request.company, user=request.user, screen="core.logs",
        description=_("사용자계정로그 %(tab)s 엑셀다운로드") % {"tab": tab.label}, record_count=count,
        filters={"tab": tab.key, "date_from": str(cd["date_from"] or ""), "date_to": str(cd["date_to"] or ""),
                 "user": cd["user"] or ""},
        file_name=file_name, request=request,
    )
    return xlsx_response(workbook_bytes(wb), file_name)
