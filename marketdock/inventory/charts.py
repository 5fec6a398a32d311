"""Server-side SVG charts (no JavaScript, no CDN): the stock history step chart of a SKU."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def stock_history_svg(points: Sequence, *, width: int = 860, height: int = 240, label: str = "") -> SafeString:
    """A step line of on hand over time. `points` are objects with `.at` (aware datetime) and
    `.on_hand`, oldest first (see selectors.sku_history)."""
    pad_l, pad_r, pad_t, pad_b = 48, 12, 14, 28
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    if not points:
        return mark_safe("")
    start: datetime = points[0].at
    end: datetime = points[-1].at
    span = max((end - start).total_seconds(), 1.0)
    low = min(0, min(p.on_hand for p in points))
    top = _nice_max(max(p.on_hand for p in points))
    rng = max(top - low, 1)

    def x(at: datetime) -> float:
        return pad_l + (at - start).total_seconds() / span * plot_w

    def y(v: int) -> float:
        return pad_t + (top - v) / rng * plot_h

    path: list[str] = []
    prev_y = None
    for p in points:
        px, py = x(p.at), y(p.on_hand)
        if prev_y is None:
            path.append(f"M{px:.1f},{py:.1f}")
        else:
            path.append(f"H{px:.1f}V{py:.1f}")
        prev_y = py
    area = "".join(path) + f"V{y(low):.1f}H{x(start):.1f}Z"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="md-chart w-100" role="img" '
        f'aria-label="{escape(label)}" data-testid="stock-chart" style="max-height:{height}px">',
        f"<title>{escape(label)}</title>",
    ]
    for i in range(5):  # horizontal grid with labels
        v = low + rng * i / 4
        gy = y(v)
        parts.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#e3e7ee"/>')
        parts.append(f'<text x="{pad_l - 6}" y="{gy + 4:.1f}" font-size="11" text-anchor="end" fill="#667">'
                     f"{int(round(v)):,}</text>")
    for i in range(5):  # date ticks
        at = start + (end - start) * i / 4
        tx = x(at)
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        stamp = timezone.localtime(at).strftime("%m-%d")
        parts.append(f'<text x="{tx:.1f}" y="{height - 8}" font-size="11" text-anchor="{anchor}" fill="#667">{stamp}</text>')
    parts.append(f'<path d="{area}" fill="#0d6efd" fill-opacity=".08" stroke="none"/>')
    parts.append(f'<path d="{"".join(path)}" fill="none" stroke="#0d6efd" stroke-width="2"/>')
    last = points[-1]
    parts.append(f'<circle cx="{x(last.at):.1f}" cy="{y(last.on_hand):.1f}" r="3.5" fill="#0d6efd"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped or a number
