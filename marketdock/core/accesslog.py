"""Keep buyers' search terms out of logs. Order search sends phone numbers and names in the query
string (`/orders/?phone=010-…`); every place that logs a request path — gunicorn's access log
(`marketdock serve` uses `GunicornLogger`), the 메뉴 접속 로그 — logs it through `redact_path`, which
keeps the parameter names and replaces the values of personal ones (settings.LOG_REDACTED_QUERY_PARAMS)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from django.conf import settings

REDACTED = "***"


def _redacted_keys() -> frozenset[str]:
    try:
        return frozenset(k.lower() for k in settings.LOG_REDACTED_QUERY_PARAMS)
    except Exception:  # noqa: BLE001 - settings not configured (gunicorn master before Django loads)
        from marketdock.settings import LOG_REDACTED_QUERY_PARAMS

        return frozenset(k.lower() for k in LOG_REDACTED_QUERY_PARAMS)


def redact_query(query: str) -> str:
    if not query:
        return query
    keys = _redacted_keys()
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{quote(k, safe='')}={REDACTED if (k.lower() in keys and v) else quote(v, safe='')}" for k, v in pairs
    )


def redact_path(path: str) -> str:
    """'/orders/?phone=010-1234-5678&page=2' → '/orders/?phone=***&page=2' (a full URL works too)."""
    if not path or "?" not in path:
        return path
    parts = urlsplit(path)
    return urlunsplit(parts._replace(query=redact_query(parts.query)))


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a runtime dependency
    _GunicornLogger = object  # type: ignore[misc,assignment]


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's access log with personal query values replaced (request line, query, referer)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        raw = redact_path(environ.get("RAW_URI", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {raw} {environ.get('SERVER_PROTOCOL')}"
        atoms["q"] = redact_query(environ.get("QUERY_STRING", ""))
        atoms["f"] = redact_path(environ.get("HTTP_REFERER", "-"))
        if "{referer}i" in atoms:
            atoms["{referer}i"] = atoms["f"]
        return atoms
