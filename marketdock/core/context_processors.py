from django.conf import settings

from . import permissions
from .menu import MENU, screen_url
from .selectors import notices_to_show


def shell(request):
    """The menu tree visible to this user, the current screen and pending notices."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "company", None) is None:
        return {"md_version": settings.VERSION}
    levels = permissions.screen_levels(user)
    current = getattr(request, "screen", None)
    sections = []
    for section in MENU:
        items = []
        for s in section.screens:
            if s.key not in levels:
                continue
            items.append({"key": s.key, "label": s.label, "url": screen_url(s), "active": s.key == current})
        if items:
            sections.append(
                {"key": section.key, "label": section.label, "icon": section.icon, "items": items,
                 "active": any(i["active"] for i in items)}
            )
    return {
        "md_menu": sections,
        "md_version": settings.VERSION,
        "md_screen": current,
        "md_notices": lambda: list(notices_to_show(user)[:3]),
    }
