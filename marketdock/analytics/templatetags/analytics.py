from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from marketdock.core.money import format_money

register = template.Library()


@register.filter
def cell(value, kind: str = "int") -> str:
    """A table cell the way a seller reads it: 12,900원, 1,234, 12.5%, 1.3 (days); '-' when unknown."""
    if value is None or value == "":
        return "-"
    if kind == "krw":
        return format_money(value)
    if kind == "int":
        return intcomma(value)
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:,.1f}"
    return str(value)


@register.filter
def signed_pct(value) -> str:
    if value is None:
        return _("비교 불가")
    return f"{value * 100:+.1f}%"
