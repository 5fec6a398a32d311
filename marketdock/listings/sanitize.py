"""The one HTML sanitiser for everything sent to the channels as 상세설명 (nh3, a maintained
allow-list sanitiser: no scripts, event handlers, javascript: links or frames)."""

from __future__ import annotations

import nh3


def sanitize_html(value: str) -> str:
    """Safe HTML of `value`: nh3's allow-list (text formatting, tables, lists, images, links over
    http(s)/mailto), everything else removed."""
    return nh3.clean(value or "", url_schemes={"http", "https", "mailto"}).strip()
