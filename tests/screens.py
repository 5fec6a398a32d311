"""Helpers for tests that walk every screen: the URLs reachable without an argument, the query
keys a view reads (recorded while it answers, so a filter added later is covered without a list),
and where browser tests leave their screenshots."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.datastructures import MultiValueDict

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"  # kept after the run

# Not the seller's screens, or with an effect on GET.
SKIP_PREFIXES = ("operator/", "accounts/logout/", "i18n/", "healthz")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def screen_urls() -> list[str]:
    """Every URL pattern without a parameter, as a path."""
    urls = []
    for path, _pattern in _walk(get_resolver().url_patterns):
        if "<" in path or "(?P" in path or path.startswith(SKIP_PREFIXES):
            continue
        urls.append("/" + path.lstrip("^").rstrip("$"))
    return sorted(set(urls))


@contextmanager
def recording_keys():
    """Record every key looked up on any QueryDict/MultiValueDict while the block runs."""
    seen: set[str] = set()
    originals = {name: getattr(MultiValueDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def wrap(name):
        original = originals[name]

        def recorder(self, key, *args, **kwargs):
            if isinstance(key, str):
                seen.add(key)
            return original(self, key, *args, **kwargs)
        return recorder

    for name in originals:
        setattr(MultiValueDict, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(MultiValueDict, name, original)
