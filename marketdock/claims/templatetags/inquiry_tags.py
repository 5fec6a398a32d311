from django import template

from ..inquiry_dashboard import age_text

register = template.Library()


@register.filter
def inquiry_age(moment):
    """How long ago a question was asked, in Korean (35분 / 5시간 / 3일)."""
    return age_text(moment) if moment else ""
