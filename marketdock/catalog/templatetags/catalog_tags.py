from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def won(value) -> str:
    """12900 → '12,900원'."""
    try:
        return _("%(amount)s원") % {"amount": f"{int(value):,}"}
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
