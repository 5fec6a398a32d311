"""공통코드관리 (SYS-10): the company's code groups and, per group, an inline-editable (htmx) code grid."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import selectors
from .forms_codes import CodeForm, CodeGroupForm
from .models import CommonCode, CommonCodeGroup
from .screens import screen_view
from .services_codes import (
    code_create,
    code_delete,
    code_group_create,
    code_group_delete,
    code_group_update,
    code_update,
)

SCREEN = "core.codes"


def _group(request, pk: int) -> CommonCodeGroup:
    try:
        return selectors.code_group_get(request.company, pk)
    except CommonCodeGroup.DoesNotExist:
        raise Http404(_("코드 그룹을 찾을 수 없습니다."))


def _code(request, pk: int) -> CommonCode:
    try:
        return selectors.code_get(request.company, pk)
    except CommonCode.DoesNotExist:
        raise Http404(_("코드를 찾을 수 없습니다."))


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _flash_errors(request, errors: dict[str, list[str]]) -> None:
    for msgs in errors.values():
        for m in msgs:
            messages.error(request, m)


@screen_view(SCREEN)
def code_groups(request):
    groups = selectors.code_groups(request.company)
    return render(request, "core/codes/groups.html", {"groups": groups})


@screen_view(SCREEN, write=True)
def code_group_create_view(request):
    form = CodeGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = code_group_create(company=request.company, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("코드 그룹을 등록했습니다. 이제 코드를 추가하세요."))
            return redirect("core:code_group_detail", pk=group.pk)
    return render(request, "core/codes/group_form.html", {"form": form, "group": None})


@screen_view(SCREEN, write=True)
def code_group_edit(request, pk: int):
    group = _group(request, pk)
    initial = {"code": group.code, "name": group.name, "description": group.description}
    form = CodeGroupForm(request.POST or None, initial=initial)
    if group.is_system:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            code_group_update(group=group, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("코드 그룹을 저장했습니다."))
            return redirect("core:code_group_detail", pk=group.pk)
    return render(request, "core/codes/group_form.html", {"form": form, "group": group})


@screen_view(SCREEN, write=True)
def code_group_delete_view(request, pk: int):
    group = _group(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        code_group_delete(group=group)
    except ValidationError as exc:
        _flash_errors(request, _errors(exc))
        return redirect("core:code_group_detail", pk=group.pk)
    messages.success(request, _("코드 그룹을 삭제했습니다."))
    return redirect("core:code_groups")


def _rows_context(request, group, *, new_form=None, new_errors=None):
    return {"group": group, "codes": selectors.codes_of_group(request.company, group.pk),
            "new": new_form or {}, "new_errors": new_errors or {}}


@screen_view(SCREEN)
def code_group_detail(request, pk: int):
    group = _group(request, pk)
    return render(request, "core/codes/group_detail.html", _rows_context(request, group))


@screen_view(SCREEN, write=True)
def code_create_view(request, pk: int):
    group = _group(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CodeForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        code_create(group=group, code=data.get("code", ""), name=data.get("name", ""),
                    sort_order=data.get("sort_order"), is_active=True)
    except ValidationError as exc:
        errors = _errors(exc)
        if not request.htmx:
            _flash_errors(request, errors)
            return redirect("core:code_group_detail", pk=group.pk)
        ctx = _rows_context(request, group, new_form=request.POST, new_errors=errors)
        return render(request, "core/codes/_rows.html", ctx)
    if not request.htmx:
        messages.success(request, _("코드를 추가했습니다."))
        return redirect("core:code_group_detail", pk=group.pk)
    return render(request, "core/codes/_rows.html", _rows_context(request, group))


@screen_view(SCREEN, write=True)
def code_update_view(request, pk: int):
    code = _code(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CodeForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    errors, saved = {}, False
    try:
        code_update(code=code, new_code=data.get("code", ""), name=data.get("name", ""),
                    sort_order=data.get("sort_order"), is_active=data.get("is_active", False))
        saved = True
    except ValidationError as exc:
        errors = _errors(exc)
    if not request.htmx:
        if errors:
            _flash_errors(request, errors)
        else:
            messages.success(request, _("코드를 저장했습니다."))
        return redirect("core:code_group_detail", pk=code.group_id)
    row = code if saved else None
    ctx = {"c": row or _code(request, pk), "errors": errors, "saved": saved, "posted": request.POST if errors else None}
    return render(request, "core/codes/_row.html", ctx)


@screen_view(SCREEN, write=True)
def code_delete_view(request, pk: int):
    code = _code(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    group_id = code.group_id
    try:
        code_delete(code=code)
    except ValidationError as exc:
        if request.htmx:
            return render(request, "core/codes/_row.html", {"c": code, "errors": {"code": exc.messages}})
        _flash_errors(request, _errors(exc))
        return redirect("core:code_group_detail", pk=group_id)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, _("코드를 삭제했습니다."))
    return redirect("core:code_group_detail", pk=group_id)
