from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import mark_safe
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


def _td(c: dict) -> str:
    css = "" if c["kind"] == "text" else ' class="num text-nowrap"'
    if c.get("url"):
        return format_html('<td{}><a href="{}">{}</a></td>', mark_safe(css), c["url"], c["value"])
    return format_html("<td{}>{}</td>", mark_safe(css), cell(c["value"], c["kind"]))


@register.simple_tag
def table_rows(rows) -> str:
    """The body rows of a screen table in one go (a long period has hundreds of cells: rendering
    them cell by cell through the template engine cost more than the queries)."""
    return mark_safe("".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows))


@register.simple_tag
def table_cells(cells) -> str:
    return mark_safe("".join(_td(c) for c in cells))
