"""Authentication of an API call: the key (Authorization: Bearer or X-API-Key), its state, its IP
allow-list, the rate limit and the operation's scope. `logged` wraps every API URL so each call with a
known key lands in the API log with its status and duration, and every answer carries the
X-RateLimit-* headers."""

from __future__ import annotations

import json
import time
from functools import wraps

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja.security.http import HttpBearer

from marketdock.core.services import client_ip

from . import services
from .errors import body as errors_body
from .models import SCOPES


class KeyAuth(HttpBearer):
    """Bearer API key (`md_<prefix>_<secret>`); `X-API-Key: <key>` is accepted too."""

    def __init__(self, scope: str):
        assert scope in SCOPES, scope
        self.scope = scope
        super().__init__()

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        token = header[7:] if header[:7].lower() == "bearer " else request.headers.get("X-API-Key", "")
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        key = getattr(request, "api_key", None)
        if key is None:
            ip = client_ip(request)
            found = services.key_find(token)
            request.api_key_seen = found  # logged even when refused below
            key = services.key_check(found, ip)
            state = services.rate_take(key)
            request.api_rate = state
            if state.retry_after:
                raise services.Refused(429, "rate_limited", _("호출 한도를 넘었습니다. %(s)s초 뒤에 다시 시도하세요.")
                                       % {"s": state.retry_after}, headers=state.headers)
            request.api_key = key
            request.company = key.company
        if self.scope not in key.scopes:
            raise services.Refused(403, "scope_missing", _("이 API 키에는 '%(scope)s'(%(label)s) 권한이 없습니다.")
                                   % {"scope": self.scope, "label": SCOPES[self.scope]})
        return key


def _refuse_bad_input(request):
    """A NUL character means nothing to a seller and PostgreSQL refuses it in text; a request body must be a
    JSON object. Either is a 400/422 in the one error shape, never a 500."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query or b"\\u0000" in request.body or b"\x00" in request.body:
        return JsonResponse(errors_body("invalid", _("입력값에 허용되지 않는 문자(NUL)가 있습니다.")), status=400)
    if request.body.strip():
        try:
            value = json.loads(request.body)
        except ValueError:
            return JsonResponse(errors_body("invalid_json", _("요청 본문이 올바른 JSON이 아닙니다.")), status=400)
        if not isinstance(value, dict):
            return JsonResponse(errors_body("invalid", _("요청 본문은 JSON 객체({...})여야 합니다.")), status=422)
    return None


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: the JSON 404, not the HTML page."""
    return JsonResponse(errors_body("not_found", _("찾을 수 없습니다.")), status=404)


def logged(view):
    """Wrap an API URL's view: log the call (when the key was recognised) and add the rate headers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        started = time.monotonic()
        request.api_key = None
        request.api_key_seen = None
        request.api_rate = None
        refused = _refuse_bad_input(request)
        response = refused or view(request, *args, **kwargs)
        state = request.api_rate
        if state is not None:
            for name, value in state.headers.items():
                if not response.has_header(name):
                    response[name] = value
        key = request.api_key_seen
        if key is not None:
            services.call_record(key=key, method=request.method, path=request.path, status=response.status_code,
                                 duration_ms=int((time.monotonic() - started) * 1000), ip=client_ip(request))
        return response

    return wrapper
