"""How a view becomes a screen: login, the company, the screen permission and the menu access log.

Class-based views::

    class ProductList(ScreenMixin, ListView):
        screen = "catalog.products"        # GET/HEAD need read; every other method needs write

Function views::

    @screen_view("catalog.products")
    def product_export(request): ...

    @screen_view("catalog.products", write=True)
    def product_bulk_delete(request): ...
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import permissions
from .services import menu_access_record

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def check_screen(request, screen: str, *, write: bool | None = None, log: bool = True) -> None:
    user = request.user
    if request.company is None:
        raise PermissionDenied(_("회사에 소속된 사용자만 사용할 수 있습니다."))
    need_write = (request.method not in SAFE_METHODS) if write is None else write
    permissions.require(user, screen, write=need_write)
    request.screen = screen
    request.can_write = permissions.can_write(user, screen)
    if log and request.method == "GET" and not getattr(request, "htmx", False):
        menu_access_record(user=user, screen=screen, request=request)


class ScreenMixin(LoginRequiredMixin):
    screen: str = ""
    #: force write permission even for GET (e.g. a form page that only writers may open)
    screen_write: bool | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        check_screen(request, self.screen, write=self.screen_write)
        return super().dispatch(request, *args, **kwargs)

    @property
    def company(self):
        return self.request.company


def _strip_nul(request) -> None:
    """A NUL character in a query or form value means nothing to a seller and PostgreSQL refuses it
    in any text comparison (a 500 on every search box): every screen reads values without it."""
    for attr in ("GET", "POST"):
        data = getattr(request, attr)
        if any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data):
            clean = data.copy()
            for key in list(clean):
                values = [v.replace("\x00", "") for v in clean.getlist(key)]
                del clean[key]
                clean.setlist(key.replace("\x00", ""), values)
            clean._mutable = False
            setattr(request, attr, clean)


def screen_view(screen: str, *, write: bool | None = None, log: bool = True):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_screen(request, screen, write=write, log=log)
            _strip_nul(request)
            return view(request, *args, **kwargs)

        wrapper.screen = screen
        return wrapper

    return decorator
