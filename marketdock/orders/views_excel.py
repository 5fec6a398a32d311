"""엑셀다운로드양식설정 (ORD-8), the order Excel download, and 수기주문/엑셀주문등록 (ORD-10).
Thin: parse input, call selectors/services, render."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.downloads import xlsx_response
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .forms import ManualLineFormSet, ManualOrderForm, UploadForm, UploadMappingForm
from .views_list import parse_filters

# ---------------------------------------------------------------- export


@screen_view("orders.list")
def order_export(request):
    company = request.company
    filters = parse_filters(request.GET)
    template = None
    template_id = params.id_param(request.GET.get("template"))
    if template_id:
        template = get_or_404(selectors.export_template_get, company, template_id)
    ids = services.excel_order_ids(company, request.GET.getlist("order")) if request.GET.getlist("order") else None
    if ids is not None and not ids:
        messages.error(request, _("선택한 주문을 찾을 수 없습니다."))
        return redirect("orders:list")
    result = services.orders_export(company=company, user=request.user, filters=filters, order_ids=ids,
                                          template=template, request=request)
    return xlsx_response(result.file, result.filename)


# ---------------------------------------------------------------- export templates


def _column_rows(selected: list[str]) -> list[dict]:
    """Chosen columns first in their order, then the rest of the catalogue."""
    rows = [{"col": services.COLUMNS_BY_KEY[k], "checked": True} for k in selected if k in services.COLUMNS_BY_KEY]
    rows += [{"col": c, "checked": False} for c in services.EXPORT_COLUMNS if c.key not in selected]
    return rows


def _template_page(request, template=None, *, name="", columns=None, status=200):
    company = request.company
    columns = columns if columns is not None else (template.columns if template else services.DEFAULT_COLUMNS)
    return render(request, "orders/excel/export_templates.html", {
        "templates": list(selectors.export_templates(company)), "editing": template,
        "name": name or (template.name if template else ""), "column_rows": _column_rows(columns),
        "default_columns": [services.COLUMNS_BY_KEY[k] for k in services.DEFAULT_COLUMNS],
    }, status=status)


@screen_view("orders.export_templates")
def export_templates(request):
    if request.method == "POST":
        name, columns = request.POST.get("name", ""), request.POST.getlist("columns")
        try:
            services.export_template_save(company=request.company, user=request.user, name=name, columns=columns)
        except services.OrderExcelError as exc:
            messages.error(request, str(exc))
            return _template_page(request, name=name, columns=columns, status=400)
        messages.success(request, _("양식 '%(name)s'을(를) 저장했습니다.") % {"name": name.strip()})
        return redirect("orders:export_templates")
    return _template_page(request)


@screen_view("orders.export_templates")
def export_template_edit(request, pk: int):
    template = get_or_404(selectors.export_template_get, request.company, pk)
    if request.method == "POST":
        name, columns = request.POST.get("name", ""), request.POST.getlist("columns")
        try:
            services.export_template_save(company=request.company, user=request.user, name=name,
                                                columns=columns, template=template)
        except services.OrderExcelError as exc:
            messages.error(request, str(exc))
            return _template_page(request, template, name=name, columns=columns, status=400)
        messages.success(request, _("양식 '%(name)s'을(를) 저장했습니다.") % {"name": template.name})
        return redirect("orders:export_templates")
    return _template_page(request, template)


@screen_view("orders.export_templates", write=True)
def export_template_delete(request, pk: int):
    template = get_or_404(selectors.export_template_get, request.company, pk)
    if request.method != "POST":
        return redirect("orders:export_template_edit", pk=pk)
    services.export_template_delete(company=request.company, template=template)
    messages.success(request, _("양식 '%(name)s'을(를) 삭제했습니다.") % {"name": template.name})
    return redirect("orders:export_templates")


# ---------------------------------------------------------------- upload


def _upload_context(request, *, form=None, manual_form=None, line_formset=None, result=None, tab="file"):
    company = request.company
    accounts = selectors.channel_accounts(company).filter(is_active=True)
    mappings = list(selectors.upload_mappings(company))
    return {
        "form": form or UploadForm(accounts=accounts, mappings=mappings),
        "manual_form": manual_form or ManualOrderForm(accounts=accounts, prefix="m"),
        "line_formset": line_formset or ManualLineFormSet(prefix="line"),
        "builtins": services.BUILTIN_MAPPINGS.values(), "mappings": mappings, "result": result, "tab": tab,
        "result_errors_json": json.dumps([e.as_dict() for e in result.errors], ensure_ascii=False)
        if result and result.errors else "",
    }


@screen_view("orders.manual")
def order_upload(request):
    company = request.company
    accounts = selectors.channel_accounts(company).filter(is_active=True)
    mappings = list(selectors.upload_mappings(company))
    if request.method != "POST":
        return render(request, "orders/excel/upload.html", _upload_context(request))
    form = UploadForm(request.POST, request.FILES, accounts=accounts, mappings=mappings)
    if not form.is_valid():
        return render(request, "orders/excel/upload.html", _upload_context(request, form=form), status=400)
    kind, _sep, ref = form.cleaned_data["mapping"].partition(":")
    mapping = None
    if kind == "user":
        mapping = get_or_404(selectors.upload_mapping_get, company, int(ref))
    upload = form.cleaned_data["file"]
    try:
        result = services.orders_upload(
            company=company, user=request.user, account=form.cleaned_data["account"], data=upload.read(),
            filename=upload.name, builtin_code=ref if kind == "builtin" else "", mapping=mapping,
            skip_bad_rows=form.cleaned_data["skip_bad_rows"])
    except services.OrderExcelError as exc:
        form.add_error("file", str(exc))
        return render(request, "orders/excel/upload.html", _upload_context(request, form=form), status=400)
    if result.ok:
        messages.success(request, result.message)
    else:
        messages.error(request, result.message)
    return render(request, "orders/excel/upload.html", _upload_context(request, form=form, result=result),
                  status=200 if result.ok else 400)


@screen_view("orders.manual")
def upload_sample(request):
    """The sample xlsx of one built-in mapping (?code=naver|coupang: its header and a sample row)."""
    code = request.GET.get("code", "")
    builtin = services.BUILTIN_MAPPINGS.get(code)
    if builtin is None:
        raise Http404(_("자료를 찾을 수 없습니다."))
    return xlsx_response(services.builtin_sample_bytes(code), _("%(name)s_샘플.xlsx") % {"name": builtin.name})


@screen_view("orders.manual", write=True)
def manual_order(request):
    company = request.company
    accounts = selectors.channel_accounts(company).filter(is_active=True)
    if request.method != "POST":
        return redirect("orders:upload")
    form = ManualOrderForm(request.POST, accounts=accounts, prefix="m")
    lines = ManualLineFormSet(request.POST, prefix="line")
    if not (form.is_valid() and lines.is_valid()):
        return render(request, "orders/excel/upload.html",
                      _upload_context(request, manual_form=form, line_formset=lines, tab="manual"), status=400)
    d = form.cleaned_data
    order = {k: d.get(k) or "" for k in ("order_id", "buyer_name", "buyer_phone", "recipient_name", "recipient_phone",
                                         "postal_code", "address1", "address2", "delivery_message")}
    order["ordered_at"] = d["ordered_at"]
    order["shipping_fee"] = d.get("shipping_fee") or 0
    line_rows = [dict(f.cleaned_data, unit_price=f.cleaned_data.get("unit_price") or 0,
                      total_amount=(f.cleaned_data.get("unit_price") or 0) * f.cleaned_data["quantity"])
                 for f in lines.forms if f.cleaned_data]
    try:
        result, run_id = services.manual_order_create(company=company, user=request.user, account=d["account"],
                                                            order=order, lines=line_rows)
    except (services.OrderExcelError, ValueError) as exc:
        messages.error(request, str(exc))
        return render(request, "orders/excel/upload.html",
                      _upload_context(request, manual_form=form, line_formset=lines, tab="manual"), status=400)
    if result.get("quarantined") and not (result.get("created") or result.get("updated")):
        # the ingest refused the record: say so and why, never "등록했습니다"
        from .models import QuarantinedRecord

        reasons = list(QuarantinedRecord.objects.filter(company=company, run_id=run_id).values_list("message", flat=True)[:3])
        messages.error(request, _("수기주문을 등록하지 못했습니다: %(why)s 입력을 고쳐 다시 등록하세요.") % {
            "why": " / ".join(reasons) or _("주문 내용이 올바르지 않아 격리했습니다.")})
        return render(request, "orders/excel/upload.html",
                      _upload_context(request, manual_form=form, line_formset=lines, tab="manual"), status=400)
    messages.success(request, _("수기주문 %(no)s을(를) 등록했습니다.") % {"no": result["order_id"]})
    return redirect(f"{_list_url()}?order_no={quote(result['order_id'])}")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("orders:list")


@screen_view("orders.manual", write=True)
def upload_errors(request):
    """The per-row results of an upload as an xlsx (posted back from the result table)."""
    if request.method != "POST":
        return redirect("orders:upload")
    try:
        errors = json.loads(request.POST.get("errors", "[]"))
        errors = [e for e in errors if isinstance(e, dict)][:10000]
    except ValueError:
        errors = []
    return xlsx_response(services.errors_workbook_bytes(errors), "주문업로드_오류.xlsx")


# ---------------------------------------------------------------- user mappings


def _mapping_page(request, form, mapping=None, status=200):
    return render(request, "orders/excel/mapping_form.html", {"form": form, "mapping": mapping}, status=status)


def _mapping_initial(mapping) -> dict:
    initial = {"account": mapping.account_id, "name": mapping.name, "header_row": mapping.header_row}
    initial.update({f"col_{k}": v for k, v in (mapping.columns or {}).items()})
    return initial


@screen_view("orders.manual")
def upload_mapping_create(request):
    return _mapping_save(request, None)


@screen_view("orders.manual")
def upload_mapping_edit(request, pk: int):
    return _mapping_save(request, get_or_404(selectors.upload_mapping_get, request.company, pk))


def _mapping_save(request, mapping):
    company = request.company
    accounts = selectors.channel_accounts(company)
    if request.method != "POST":
        initial = _mapping_initial(mapping) if mapping else {"header_row": 1}
        return _mapping_page(request, UploadMappingForm(accounts=accounts, initial=initial), mapping)
    form = UploadMappingForm(request.POST, accounts=accounts)
    if not form.is_valid():
        return _mapping_page(request, form, mapping, status=400)
    try:
        saved = services.upload_mapping_save(
            company=company, account=form.cleaned_data["account"], name=form.cleaned_data["name"],
            columns=form.columns(), header_row=form.cleaned_data["header_row"], mapping=mapping)
    except services.OrderExcelError as exc:
        form.add_error(None, str(exc))
        return _mapping_page(request, form, mapping, status=400)
    messages.success(request, _("매핑 '%(name)s'을(를) 저장했습니다.") % {"name": saved.name})
    return redirect("orders:upload")


@screen_view("orders.manual", write=True)
def upload_mapping_delete(request, pk: int):
    mapping = get_or_404(selectors.upload_mapping_get, request.company, pk)
    if request.method != "POST":
        return redirect("orders:upload_mapping_edit", pk=pk)
    services.upload_mapping_delete(company=request.company, mapping=mapping)
    messages.success(request, _("매핑 '%(name)s'을(를) 삭제했습니다.") % {"name": mapping.name})
    return redirect("orders:upload")
