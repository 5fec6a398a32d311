"""Company isolation probe, used by every screen's and API's tests.

    assert_isolated(other_client, [reverse("catalog:product_edit", args=[p.pk]), ...])

Each URL is requested with GET and POST by a user of *another* company; every answer must be 403
or 404 and must not contain the given secret strings. Every URL pattern that takes an object id is
recorded when probed; `make test` fails when such a pattern was never probed (see conftest)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, resolve

_probed: set[str] = set()

# URL names with an id that are not company data (or are probed another way); keep this short.
EXEMPT = {
    "admin:",  # the platform operator's admin: superusers only
    "media",
    "api-",
    "set_language",
}


def assert_isolated(client, urls, *, secrets: tuple[str, ...] = (), methods=("get", "post")) -> None:
    for url in urls:
        match = resolve(url.split("?")[0])
        _probed.add(match.view_name)
        for method in methods:
            response = getattr(client, method)(url)
            assert response.status_code in (403, 404), (
                f"{method.upper()} {url} by another company answered {response.status_code}, expected 403/404"
            )
            body = response.content.decode(errors="ignore")
            for secret in secrets:
                assert secret not in body, f"{method.upper()} {url} leaked {secret!r} to another company"


def _walk(resolver, prefix="", route=""):
    """(namespaced name, full route) of every named URL pattern that takes an object id."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else ""
            yield from _walk(entry, prefix + ns, route + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            if entry.name and entry.pattern.converters:
                yield prefix + entry.name, route + str(entry.pattern)


def object_url_names() -> list[str]:
    return sorted({name for name, _route in _walk(get_resolver())})


def probed_names() -> set[str]:
    return set(_probed)


def check_isolation_coverage(probed_elsewhere: set[str] = frozenset()) -> list[str]:
    """URL names with an object id never probed. Names that share one route (an API path answering
    several methods, each operation named on its own) count as probed together: the probe requested
    that route."""
    probed = _probed | set(probed_elsewhere)
    routes = dict(_walk(get_resolver()))
    probed_routes = {routes[name] for name in probed if name in routes}
    return [
        name for name in object_url_names()
        if name not in probed and routes[name] not in probed_routes and not any(name.startswith(e) for e in EXEMPT)
    ]
