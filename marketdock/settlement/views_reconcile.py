"""정산 대사 (the 정산 오류 queue and an issue's detail), 정산 내역 (expected vs paid per channel and
period, the import runs, an on-demand import) and 정산 리포트 (screen, xlsx, PDF)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from marketdock.core.downloads import xlsx_response
from marketdock.core.params import choice_param, date_param, id_param, int_param, text_param
from marketdock.core.screens import screen_view
from marketdock.core.services import personal_data_download_record
from marketdock.core.views_helpers import get_or_404

from . import selectors_reconcile as sel
from . import services
from .models import IssueKind, IssueState
from .report_files import report_pdf, report_xlsx
from .tasks_import import settlement_import_now

QUEUE, STATEMENTS, REPORT = "settlement.reconcile", "settlement.statements", "settlement.report"


def _period(request, days: int = 30, ahead: int = 14):
    """The chosen period; by default the last `days` days and the coming `ahead` (payouts already
    scheduled, and the differences due in them, belong on a settlement screen)."""
    today = timezone.localdate()
    default_end = today + timedelta(days=ahead)
    end = date_param(request.GET.get("end"), default_end) or default_end
    default_start = end - timedelta(days=days + ahead)
    start = date_param(request.GET.get("start"), default_start) or default_start
    return (start, end) if start <= end else (end, start)


@screen_view(QUEUE)
def reconcile(request):
    state = choice_param(request.GET.get("state"), IssueState.values, IssueState.OPEN)
    kind = choice_param(request.GET.get("kind"), IssueKind.values, "")
    rows = sel.issues(request.company, state=state, kind=kind, account_id=id_param(request.GET.get("account")),
                      query=text_param(request.GET.get("q")))
    page = Paginator(rows, 50).get_page(int_param(request.GET.get("page"), 1, min_value=1))
    counts = sel.issue_counts(request.company)
    return render(request, "settlement/reconcile.html", {
        "page": page, "state": state, "kind": kind, "kinds": IssueKind.choices,
        "states": [(value, label, counts.get(value, 0)) for value, label in IssueState.choices],
        "accounts": sel.accounts(request.company)})


@screen_view(QUEUE)
def issue_detail(request, pk: int):
    issue = get_or_404(sel.issue_get, request.company, pk, _("정산 오류를 찾을 수 없습니다."))
    if request.method == "POST":
        to = choice_param(request.POST.get("to"), IssueState.values, "")
        try:
            issue = services.issue_decide(issue=issue, to=to, user=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("정산 오류를 '%(state)s' 상태로 바꿨습니다.") % {"state": issue.get_state_display()})
            return redirect("settlement:issue_detail", pk=issue.pk)
    return render(request, "settlement/issue_detail.html", {
        "issue": issue, "events": issue.events.select_related("user", "issue"), "records": sel.issue_records(issue)})


@screen_view(STATEMENTS)
def statements(request):
    start, end = _period(request)
    return render(request, "settlement/statements.html", {
        "report": sel.settlement_report(request.company, start, end), "start": start, "end": end,
        "runs": sel.runs(request.company), "accounts": sel.accounts(request.company)})


@screen_view(STATEMENTS, write=True)
def import_now(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    account = get_or_404(lambda company, pk: sel.accounts(company).get(pk=pk), request.company,
                         id_param(request.POST.get("account")), _("쇼핑몰 계정을 찾을 수 없습니다."))
    today = timezone.localdate()
    start = date_param(request.POST.get("start"), today - timedelta(days=30)) or today - timedelta(days=30)
    end = date_param(request.POST.get("end"), today) or today
    if start > end or (end - start).days > 92:
        messages.error(request, _("가져올 기간이 잘못되었습니다 (시작일 ≤ 종료일, 최대 92일)."))
    else:
        settlement_import_now(account.pk, start.isoformat(), end.isoformat(), request.user.pk)
        messages.success(request, _("%(account)s 정산 가져오기를 시작했습니다. 끝나면 대사까지 합니다.") % {"account": account.name})
    return redirect("settlement:statements")


@screen_view(STATEMENTS, write=True)
def upload(request):
    from marketdock.core.uploads import MAX_FILE_BYTES, UploadRejected

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    account = get_or_404(lambda company, pk: sel.accounts(company).get(pk=pk), request.company,
                         id_param(request.POST.get("account")), _("쇼핑몰 계정을 찾을 수 없습니다."))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("올릴 정산 파일을 선택하세요."))
        return redirect("settlement:statements")
    try:
        run, _recon = services.settlement_file_upload(account, upload.read(MAX_FILE_BYTES + 1), file_name=upload.name,
                                                      user=request.user)
    except UploadRejected as exc:
        messages.error(request, str(exc))
        return redirect("settlement:statements")
    text = _("정산 파일을 읽었습니다: %(seen)s행 (신규 %(created)s, 변경 %(updated)s, 오류 %(bad)s).") % {
        "seen": run.seen, "created": run.created, "updated": run.updated, "bad": run.quarantined}
    (messages.warning if run.quarantined else messages.success)(request, text + (f" {run.error[:300]}" if run.error else ""))
    return redirect("settlement:statements")


@screen_view(REPORT)
def report(request):
    start, end = _period(request)
    account_id = id_param(request.GET.get("account"))
    return render(request, "settlement/report.html", {
        "report": sel.settlement_report(request.company, start, end, account_id), "start": start, "end": end,
        "account_id": account_id, "accounts": sel.accounts(request.company)})


@screen_view(REPORT)
def report_download(request, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404(_("지원하지 않는 파일 형식입니다."))
    start, end = _period(request)
    account_id = id_param(request.GET.get("account"))
    data = sel.settlement_report(request.company, start, end, account_id)
    name = f"정산리포트_{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "pdf":
        response = HttpResponse(report_pdf(data, request.company.name), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{name}.pdf")
        return response
    details = list(sel.issues(request.company, account_id=account_id).exclude(state=IssueState.RESOLVED)[:20000]) \
        if request.GET.get("details") else []
    if details:  # order numbers of buyers' orders: a personal-data download
        personal_data_download_record(company=request.company, user=request.user, screen=REPORT,
                                      description=_("정산 리포트 (정산 오류 상세 포함)"), record_count=len(details),
                                      filters={"start": start.isoformat(), "end": end.isoformat(),
                                               "account": account_id}, file_name=f"{name}.xlsx", request=request)
    return xlsx_response(report_xlsx(data, details), f"{name}.xlsx")
