"""사용자관리 (core.users), 화면권한관리 (core.roles) and the "forgot password" page (SYS-2, SYS-3).
Thin: parse the form, call services_users, show the result."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import params, selectors, services_auth, services_users
from .forms_users import (
    CHANNEL_CHOICES,
    PasswordForgotForm,
    PasswordResetCodeForm,
    RoleForm,
    UnlockForm,
    UserCreateForm,
    UserEditForm,
    role_matrix_rows,
)
from .masking import mask_email, mask_name, mask_phone
from .models import Role, User
from .screens import screen_view
from .services import client_ip
from .views import throttled_response

PAGE_SIZES = (50, 100, 500)


def _apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the matching field (or on top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _get_user(request, pk: int) -> User:
    try:
        return selectors.user_get(request.company, pk)
    except User.DoesNotExist:
        raise Http404(_("사용자를 찾을 수 없습니다."))


def _get_role(request, pk: int) -> Role:
    try:
        return selectors.role_get(request.company, pk)
    except Role.DoesNotExist:
        raise Http404(_("권한을 찾을 수 없습니다."))


def _page_size(request) -> int:
    return params.size_param(request.GET.get("size"), PAGE_SIZES, PAGE_SIZES[0])


# --- 사용자관리 -----------------------------------------------------------------------------------


@screen_view("core.users")
def user_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    role_id = params.id_param(request.GET.get("role"))
    qs = selectors.users_search(request.company, q=q, status=status, role_id=role_id)
    page = Paginator(qs, _page_size(request)).get_page(request.GET.get("page"))
    for u in page:  # personal data is masked in lists (full on the edit screen)
        u.masked_name, u.masked_phone, u.masked_email = mask_name(u.name), mask_phone(u.phone), mask_email(u.email)
    locked = selectors.lock_sources(request.company, [u.username for u in page])
    for u in page:
        u.lock_ips = locked.get(u.username, [])
    limit = request.company.user_limit
    active_count = selectors.company_users(request.company).filter(is_active=True).count()
    return render(request, "core/users/list.html", {
        "page": page, "q": q, "status": status, "role_id": role_id, "locked": locked,
        "roles": selectors.roles_with_counts(request.company), "limit": limit, "active_count": active_count,
        "channels": CHANNEL_CHOICES, "page_sizes": PAGE_SIZES, "size": _page_size(request),
    })


@sensitive_post_parameters("password")
@screen_view("core.users")
def user_create(request):
    if request.method == "GET" and not request.can_write:
        return redirect("core:user_list")
    form = UserCreateForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, where = services_users.user_create(
                company=request.company, actor=request.user, username=data["username"], name=data["name"],
                role=data["role"], email=data["email"], phone=data["phone"], password=data["password"],
                channel=data["channel"], request=request,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if where:
                messages.success(request, _("사용자 %(username)s 를 등록하고 임시 비밀번호를 %(where)s(으)로 보냈습니다.")
                                 % {"username": user.username, "where": where})
            else:
                messages.success(request, _("사용자 %(username)s 를 등록했습니다.") % {"username": user.username})
            return redirect("core:user_list")
    return render(request, "core/users/form.html", {"form": form, "creating": True,
                                                    "limit": request.company.user_limit})


@screen_view("core.users")
def user_edit(request, pk: int):
    target = _get_user(request, pk)
    form = UserEditForm(request.POST or None, company=request.company, user=target)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = services_users.user_update(
                company=request.company, actor=request.user, user=target, name=data["name"], email=data["email"],
                phone=data["phone"], role=data["role"], is_active=data["is_active"], request=request,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if changes:
                messages.success(request, _("사용자 %(username)s 정보를 저장했습니다.") % {"username": target.username})
            else:
                messages.info(request, _("바뀐 내용이 없습니다."))
            return redirect("core:user_list")
    sources = selectors.lock_sources(request.company, [target.username])
    locked = target.username in sources
    return render(request, "core/users/form.html", {
        "form": form, "target": target, "locked": locked, "lock_ips": sources.get(target.username, []),
        "channels": CHANNEL_CHOICES,
        "contact_channels": services_users.contact_channels(target),
    })


@screen_view("core.users")
def user_unlock(request, pk: int):
    """Clear the lock and send a temporary password (also used as 'issue a temporary password')."""
    target = _get_user(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = UnlockForm(request.POST)
    channel = form.cleaned_data["channel"] if form.is_valid() else ""
    try:
        was_locked = services_users.user_is_locked(target)
        where = services_users.user_unlock(company=request.company, actor=request.user, user=target,
                                           channel=channel, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if was_locked:
            msg = _("%(username)s 의 잠금을 해제하고 임시 비밀번호를 %(where)s(으)로 보냈습니다.")
        else:
            msg = _("%(username)s 에게 임시 비밀번호를 %(where)s(으)로 보냈습니다.")
        messages.success(request, msg % {"username": target.username, "where": where})
    if request.POST.get("next") == "edit":
        return redirect("core:user_edit", pk=target.pk)
    return redirect("core:user_list")


# --- 화면권한관리 ---------------------------------------------------------------------------------


@screen_view("core.roles")
def role_list(request):
    return render(request, "core/roles/list.html", {"roles": selectors.roles_with_counts(request.company)})


def _role_form_page(request, *, role: Role | None):
    assignable = services_users.role_assignable_screens()
    initial = None
    levels = selectors.role_levels(request.company, role) if role else {}
    if role:
        initial = {"name": role.name, "description": role.description}
        initial.update({f"perm__{k}": v for k, v in levels.items()})
    form = RoleForm(request.POST or None, initial=initial, assignable=assignable)
    editable = role is None or not role.builtin
    if request.method == "POST":
        if not editable:
            messages.error(request, _("기본 권한(관리자/운영자/조회전용)은 바꿀 수 없습니다. 새 권한을 만들어 쓰세요."))
            return redirect("core:role_edit", pk=role.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if role is None:
                    role = services_users.role_create(
                        company=request.company, actor=request.user, name=data["name"],
                        description=data["description"], levels=form.levels(), request=request,
                    )
                    messages.success(request, _("권한 '%(name)s' 을 만들었습니다.") % {"name": role.name})
                else:
                    services_users.role_update(
                        company=request.company, actor=request.user, role=role, name=data["name"],
                        description=data["description"], levels=form.levels(), request=request,
                    )
                    messages.success(request, _("권한 '%(name)s' 을 저장했습니다.") % {"name": role.name})
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return redirect("core:role_list")
        levels = {k: request.POST.get(f"perm__{k}", "") for k in assignable}
    return render(request, "core/roles/form.html", {
        "form": form, "role": role, "editable": editable, "groups": role_matrix_rows(levels),
        "level_choices": [("", _("없음")), ("read", pgettext("permission level", "조회")), ("write", _("조회+수정"))],
    })


@screen_view("core.roles")
def role_create(request):
    if request.method == "GET" and not request.can_write:
        return redirect("core:role_list")
    return _role_form_page(request, role=None)


@screen_view("core.roles")
def role_edit(request, pk: int):
    return _role_form_page(request, role=_get_role(request, pk))


@screen_view("core.roles")
def role_delete(request, pk: int):
    role = _get_role(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        name = role.name
        services_users.role_delete(company=request.company, actor=request.user, role=role, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("권한 '%(name)s' 을 삭제했습니다.") % {"name": name})
    return redirect("core:role_list")


# --- forgot password --------------------------------------------------------------------------------


@never_cache
def password_forgot(request):
    """Anyone: username + registered e-mail or phone → a one-time code to that contact (sent by a job).
    The answer is the same, in the same time, whether or not the account exists."""
    if request.user.is_authenticated:
        return redirect("password_change")
    form = PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = selectors.password_reset_requests_wait(ip=client_ip(request))
        if wait:
            return throttled_response(request, wait, _("이 주소에서 비밀번호 찾기 요청이 많아 잠시 막았습니다."))
        services_auth.password_reset_request(
            username=form.cleaned_data["username"], contact=form.cleaned_data["contact"], request=request,
        )
        request.session["reset_username"] = form.cleaned_data["username"][:150]
        return redirect("password_reset_code")
    return render(request, "core/auth/password_forgot.html", {"form": form})


@never_cache
@sensitive_post_parameters("code", "new_password1", "new_password2")
def password_reset_code(request):
    """Step 2 of 비밀번호 찾기: the code received + a new password. Nothing changed before this."""
    if request.user.is_authenticated:
        return redirect("password_change")
    form = PasswordResetCodeForm(request.POST or None, initial={"username": request.session.get("reset_username", "")})
    if request.method == "POST":
        wait = selectors.password_reset_requests_wait(ip=client_ip(request))
        if wait:
            return throttled_response(request, wait, _("이 주소에서 인증번호 오류가 많아 잠시 막았습니다."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services_auth.password_reset_confirm(username=data["username"], code=data["code"],
                                                     new_password=data["new_password1"], request=request)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                request.session.pop("reset_username", None)
                messages.success(request, _("새 비밀번호를 설정했습니다. 새 비밀번호로 로그인하세요."))
                return redirect("login")
    return render(request, "core/auth/password_reset_code.html",
                  {"form": form, "code_minutes": settings.PASSWORD_RESET_CODE_MINUTES})
