"""Chart data for the stock screens, drawn by plotly.js (static/core/md-charts.js reads it from a
json_script block: hover values, zoom on a period, no hand-written drawing code, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _


def stock_history_chart(points: Sequence, *, label: str = "") -> dict | None:
    """A step line of on hand over time. `points` are objects with `.at` (aware datetime) and
    `.on_hand`, oldest first (see selectors.sku_history). None when there is nothing to draw."""
    if not points:
        return None
    return {
        "id": "chart-stock", "key": "stock", "title": label, "kind": "step", "unit": "개",
        "x": [timezone.localtime(p.at).strftime("%Y-%m-%d %H:%M") for p in points],
        "series": [{"name": _("현재고"), "y": [p.on_hand for p in points]}],
    }
