from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


class CompanyMiddleware:
    """`request.company` is always the signed-in user's company (None when anonymous or an operator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        request.company = user.company if user is not None and user.is_authenticated else None
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """A user holding a temporary password must change it before doing anything else (SYS-3)."""

    ALLOWED_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/", "/accounts/logout", "/accounts/password/change")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            return redirect(reverse("password_change"))
        return self.get_response(request)


class NoStoreMiddleware:
    """Every page and download a signed-in user gets holds company data — buyers' names, phones and
    addresses on orders, labels and exports — so no browser or proxy may keep a copy:
    `Cache-Control: no-store` (a response that already decided, e.g. product images, keeps its own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
