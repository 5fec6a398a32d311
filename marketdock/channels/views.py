"""쇼핑몰 계정 screens (LST-1). Views parse the request, call selectors/services and render.

Credentials are posted only to account_create/account_edit; both are marked with
sensitive_post_parameters (Django's error reports show them as stars) and the helper that holds
them with sensitive_variables, so a secret never reaches a log or an error mail."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import oauth, selectors, services
from .connectors import cafe24, shopify
from .credentials import credential_fields
from .forms import CREDENTIAL_KEYS, ChannelAccountForm
from .models import ChannelAccount, ChannelKind

SCREEN = "channels.accounts"
PAGE_SIZES = (50, 100, 500)


def _get(request, pk: int) -> ChannelAccount:
    return get_or_404(selectors.channel_account_get, request.company, pk, _("쇼핑몰 계정을 찾을 수 없습니다."))


def _expiry(account: ChannelAccount, today) -> tuple[str, int | None]:
    """("expired" | "soon" | "ok" | "", days left)."""
    if not account.credentials_expire_on:
        return "", None
    days = (account.credentials_expire_on - today).days
    if days < 0:
        return "expired", days
    if days <= selectors.EXPIRY_WARNING_DAYS:
        return "soon", days
    return "ok", days


def _identifier(account: ChannelAccount) -> str:
    """The non-secret part of the credentials (application id, vendor id, shop domain)."""
    try:
        values = account.credentials
    except ValueError:
        return _("(복호화할 수 없음)")
    parts = [str(values.get(f.key)) for f in credential_fields(account.kind) if not f.secret and values.get(f.key)]
    if account.kind == ChannelKind.SHOPIFY:
        parts.append(_("Admin API %(version)s") % {"version": shopify.API_VERSION})
    if account.kind == ChannelKind.CAFE24:
        parts.append(_("API 버전 %(version)s") % {"version": cafe24.API_VERSION})
    return " · ".join(parts)


def _oauth_state(account: ChannelAccount) -> dict | None:
    """Cafe24: whether the mall approved the app and how long the refresh token has left."""
    if account.kind != ChannelKind.CAFE24:
        return None
    from .rotating_tokens import refresh_state

    state, days = refresh_state(account)
    return {"state": state, "days": days, "expires_at": account.token_refresh_expires_at,
            "api_version": cafe24.API_VERSION}


@screen_view(SCREEN)
def account_list(request):
    company = request.company
    f = {"kind": request.GET.get("kind", ""), "q": request.GET.get("q", "").strip(),
         "active": request.GET.get("active", ""), "expiring": request.GET.get("expiring") == "1"}
    size = params.size_param(request.GET.get("size"), PAGE_SIZES, 50)
    page = Paginator(selectors.channel_accounts_search(company, **f), size).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for account in page:
        state, days = _expiry(account, today)
        rows.append({"account": account, "expiry_state": state, "expiry_days": days,
                     "expiry_days_abs": abs(days) if days is not None else None,
                     "identifier": _identifier(account), "oauth": _oauth_state(account)})
    return render(request, "channels/account_list.html", {
        "page": page, "rows": rows, "size": size, "page_sizes": PAGE_SIZES, "f": f, "kinds": ChannelKind.choices,
        "warning_days": selectors.EXPIRY_WARNING_DAYS,
    })


@sensitive_variables("credentials", "data")
def _account_form(request, account: ChannelAccount | None):
    form = ChannelAccountForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = account.kind if account else data["kind"]
        credentials = form.credentials_for(kind)
        values = {"name": data["name"], "base_url": data["base_url"], "credentials": credentials,
                  "collect_every_minutes": data["collect_every_minutes"], "auto_collect": data["auto_collect"],
                  "credentials_expire_on": data["credentials_expire_on"], "is_active": data["is_active"],
                  **{name: data[name] if data[name] is not None else getattr(account, name, default)
                     for name, default in (("dispatch_days", 2), ("dispatch_cutoff_hour", 15))}}
        try:
            if account is None:
                saved = services.channel_account_create(company=request.company, kind=kind, **values)
            else:
                before = account.credentials_expire_on
                saved = services.channel_account_update(account=account, **values)
        except ValidationError as exc:
            form.add_services_error(kind, exc)
        else:
            messages.success(request, _("%(name)s 계정을 저장했습니다.") % {"name": saved.name})
            defaulted = (saved.kind == ChannelKind.COUPANG and saved.credentials_expire_on
                         and saved.credentials_expire_on != data["credentials_expire_on"]
                         and (account is None or saved.credentials_expire_on != before))
            if defaulted:
                messages.info(request, _(
                    "쿠팡 OPEN API 키는 발급 후 %(days)s일 동안 유효하므로 인증키 만료일을 %(date)s로 설정했습니다. "
                    "WING에 표시된 실제 만료일과 다르면 고쳐 주세요.") % {
                    "days": services.COUPANG_KEY_VALID_DAYS, "date": saved.credentials_expire_on.isoformat()})
            return redirect("channels:account_edit", saved.pk)
    return render(request, "channels/account_form.html", {
        "form": form, "account": account, "kinds": ChannelKind.choices,
        "oauth": _oauth_state(account) if account else None,
        "selected_kind": account.kind if account else (form["kind"].value() or ChannelKind.NAVER),
    })


@sensitive_post_parameters(*CREDENTIAL_KEYS)
@screen_view(SCREEN)
def account_create(request):
    return _account_form(request, None)


@sensitive_post_parameters(*CREDENTIAL_KEYS)
@screen_view(SCREEN)
def account_edit(request, pk: int):
    return _account_form(request, _get(request, pk))


@screen_view(SCREEN)
def account_test(request, pk: int):
    account = _get(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    result = services.channel_account_test(account=account)
    if request.htmx:
        return render(request, "channels/_test_result.html", {"account": account, "result": result})
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("channels:account_edit", account.pk)


@screen_view(SCREEN)
def account_delete(request, pk: int):
    account = _get(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    name = account.name
    try:
        services.channel_account_delete(account=account)
    except services.ChannelAccountInUse as exc:
        messages.error(request, str(exc))
        return redirect("channels:account_edit", account.pk)
    messages.success(request, _("%(name)s 계정을 삭제했습니다.") % {"name": name})
    return redirect("channels:account_list")


@screen_view(SCREEN)
def account_oauth_start(request, pk: int):
    """카페24 연결: a new single-use state, then off to the mall's consent page."""
    account = _get(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    redirect_uri = request.build_absolute_uri(reverse("channels:oauth_callback"))
    try:
        url = oauth.connect_start(account=account, user=request.user, redirect_uri=redirect_uri)
    except oauth.OAuthRefused as exc:
        messages.error(request, str(exc))
        return redirect("channels:account_edit", account.pk)
    return redirect(url)


@screen_view(SCREEN, write=True)
def oauth_callback(request):
    """The mall sends the browser back here with `code` and `state` (or `error`)."""
    try:
        account = oauth.connect_finish(company=request.company, user=request.user,
                                       state=request.GET.get("state", ""), code=request.GET.get("code", ""),
                                       error=request.GET.get("error_description") or request.GET.get("error", ""))
    except oauth.OAuthRefused as exc:
        return render(request, "channels/oauth_refused.html", {"message": str(exc)}, status=exc.status)
    messages.success(request, _("%(name)s 계정을 카페24에 연결했습니다. 토큰은 매일 자동으로 갱신합니다.") % {"name": account.name})
    return redirect("channels:account_edit", account.pk)
