"""Links that keep the screen's filters: `{% query_with request page=3 %}` renders the current query
string with `page` replaced. Reading request.GET through a tag, not `request.GET.items` in the
template, so a parameter named `items` cannot change what the template iterates."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def query_with(request, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return query.urlencode()
