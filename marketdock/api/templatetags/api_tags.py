from django import template

from ..models import SCOPES

register = template.Library()


@register.filter
def scope_labels(key) -> list:
    """The key's scopes in the user's language (never the raw scope code)."""
    return [SCOPES[s] for s in key.scopes if s in SCOPES]
