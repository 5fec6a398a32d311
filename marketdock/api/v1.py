"""The NinjaAPI of /api/v1/: OpenAPI 3 at /api/v1/openapi.json, Swagger UI at /api/v1/docs (served from
the installed django-ninja static files, so it runs under the site's CSP: no CDN, no inline script)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from . import errors
from .routers import catalog, channels, claims, orders, stock

DESCRIPTION = """marketdock 오픈 API. 회사의 주관리자가 **시스템관리 › Open API**에서 만든 키를
`Authorization: Bearer md_…` (또는 `X-API-Key`) 헤더로 보냅니다. 쓰기 요청에 `Idempotency-Key` 헤더를 붙이면
24시간 안에 같은 키로 다시 보낸 요청에는 처음 응답을 그대로 돌려주고 아무것도 다시 바꾸지 않습니다(키는 회사별이며,
24시간이 지난 키는 새 요청으로 처리합니다). 오류는 항상 `{code, message, fields[]}` 모양이며 메시지는
`Accept-Language`(ko 기본, en)에 따릅니다. 키마다 분당 호출 한도가 있고 응답의 `X-RateLimit-Limit/Remaining/Reset`
헤더로 알려 주며, 넘으면 429와 `Retry-After`를 보냅니다.

marketdock Open API. Send a key made by the company's main admin (System › Open API) as
`Authorization: Bearer md_…` (or `X-API-Key`). Writes accept an `Idempotency-Key` header: a repeat within
24 hours returns the first answer and changes nothing (keys are per company; after 24 hours the same key is a
new request). Errors are always `{code, message, fields[]}` in the language of `Accept-Language` (Korean by
default). Each key has a per-minute limit reported in `X-RateLimit-*` headers; over it the answer is 429 with
`Retry-After`."""

api = NinjaAPI(title="marketdock API", version="1.0.0", description=DESCRIPTION, urls_namespace="v1",
               docs=Swagger(settings={"persistAuthorization": False}))
errors.install(api)
for module in (orders, catalog, stock, channels, claims):
    api.add_router("/", module.router)
