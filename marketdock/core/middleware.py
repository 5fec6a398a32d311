from django.shortcuts import redirect
from django.urls import reverse


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
