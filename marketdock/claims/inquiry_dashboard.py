"""Home tile: unanswered inquiries with the oldest one's age; red when any is past its deadline."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.dashboard import Tile

from . import inquiry_selectors


def age_text(moment, now=None) -> str:
    """A question's age in Korean: 35분, 5시간, 3일."""
    seconds = max(0, int(((now or timezone.now()) - moment).total_seconds()))
    if seconds < 3600:
        return _("%(n)s분") % {"n": seconds // 60}
    if seconds < 86400:
        return _("%(n)s시간") % {"n": seconds // 3600}
    return _("%(n)s일") % {"n": seconds // 86400}


def unanswered_tiles(*, company, user):
    summary = inquiry_selectors.unanswered_summary(company)
    if not summary["count"]:
        return []
    hint = _("가장 오래된 문의 %(age)s 경과") % {"age": age_text(summary["oldest"])}
    if summary["overdue"]:
        hint += " · " + _("답변기한 초과 %(n)s건") % {"n": summary["overdue"]}
    return [Tile(key="inquiries_unanswered", label=_("미답변 문의"), count=summary["count"],
                 url=reverse("claims:inquiries") + "?unanswered=1", screen="cs.inquiries",
                 level="danger" if summary["overdue"] else "warning", hint=hint)]
