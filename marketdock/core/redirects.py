"""The one place a user-supplied `next` (or Referer) becomes a redirect target.

Every view that reads `next` calls `safe_next`: only a path on this site (or an absolute URL whose host
is this request's host, with https kept when the request is secure) is returned; anything else —
`http://evil.example/`, `//evil.example`, `javascript:` — gives the fallback."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next(request: HttpRequest, url: str | None) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request: HttpRequest, fallback: str = "", *, referer: bool = False) -> str:
    """The request's `next` (POST, then GET; then the Referer when `referer`) when it points to this
    site, else `fallback` (a URL name or path for `redirect`)."""
    candidates = [request.POST.get("next"), request.GET.get("next")]
    if referer:
        candidates.append(request.META.get("HTTP_REFERER"))
    for url in candidates:
        if url and is_safe_next(request, url):
            return url
    return fallback
