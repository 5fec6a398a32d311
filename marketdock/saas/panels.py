"""The 서비스 사용량 panel on the home screen (registered at ready())."""

from __future__ import annotations

from marketdock.core import permissions
from marketdock.core.dashboard import Panel

from . import selectors
from .plans import plan_of


def usage_panel(*, company, user) -> Panel | None:
    if not permissions.can_read(user, "saas.usage"):
        return None
    return Panel("usage", "saas/_usage_panel.html", {
        "rows": selectors.usage_rows(company), "plan": plan_of(company), "company": company,
        "trial_days_left": selectors.trial_days_left(company), "chart": selectors.usage_chart(company)},
        charts=True)
