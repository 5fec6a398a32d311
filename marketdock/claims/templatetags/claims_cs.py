"""Template filters of the 클레임 분석 tables."""

from django import template

register = template.Library()


@register.filter
def rate_cell(value, _index=None) -> str:
    """A rate (float, 0.125) as "12.5%", a count as "1,234", no value as "-"."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
