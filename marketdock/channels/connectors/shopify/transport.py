"""Shopify — one GraphQL call: POST https://{shop}/admin/api/{API_VERSION}/graphql.json with
`X-Shopify-Access-Token`, HTTP errors mapped to connector errors, and cost-based throttling: after each
call read `extensions.cost` (requestedQueryCost, throttleStatus.currentlyAvailable / restoreRate) and
wait before a call that would not fit; a `THROTTLED` error is retried a limited number of times after
the computed wait. Also the ID helpers every concern uses (gid ↔ numeric id, connection nodes)."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from .. import values as v
from ..base import Connector, response_json
from ..errors import (
    AuthError,
    BusinessError,
    MalformedPayload,
    RateLimited,
    TemporaryError,
)
from ..http import ApiClient, HttpOptions, unparsed_body
from ..models import (
    ConnectionStatus,
)
from .auth import (
    API_VERSION,
    MP,
    TOKEN_PATH,
    TOKENS,
    IssuedToken,
    ShopifyCredentials,
    TokenStore,
    parse_token_response,
)

ORDERS_PAGE = 25
THROTTLE_RETRIES = 5

SHOP_QUERY = "query Shop { shop { name myshopifyDomain currencyCode } }"


# --- IDs and connections ---------------------------------------------------------------------

def gid_tail(value: Any, field: str) -> str:
    text = v.text(value, field, marketplace=MP, required=True)
    tail = text.rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise MalformedPayload(field, "Shopify ID가 아닙니다", marketplace=MP, value=value)
    return tail


def order_gid(order_id: str) -> str:
    return f"gid://shopify/Order/{order_id}"


def next_page_query(name: str, root: str, field: str, first: int, fields: str) -> str:
    """The query for the pages after the first of the nested connection `field` of `root(id:)` (Shopify
    pages every connection alike: `first`/`after` and pageInfo)."""
    return f"""query {name}($id: ID!, $after: String) {{
  {root}(id: $id) {{
    {field}(first: {first}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{{fields}
      }}
    }}
  }}
}}"""


def connection_nodes(connection: Any, field: str) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        raise MalformedPayload(field, "목록이 아닙니다", marketplace=MP, value=connection)
    if "nodes" in connection:
        nodes = connection["nodes"]
    else:
        nodes = [edge.get("node") for edge in connection.get("edges") or [] if isinstance(edge, Mapping)]
    if not isinstance(nodes, list):
        raise MalformedPayload(f"{field}.nodes", "목록이 아닙니다", marketplace=MP, value=nodes)
    return nodes



# The documented limit (shopify.dev, "GraphQL Admin API rate limits"): a leaky bucket of cost points per
# app and store, restoring 100 points/s on the standard plan (Advanced 200, Plus 1000); a query runs only
# when the bucket holds its requested cost, and no single query may cost more than 1000 points, the
# standard plan's bucket. The stock push's floor and message size are figured on these (a bigger plan
# only goes faster); the pacing itself follows what each response says (throttleStatus).
COST_RESTORE_RATE = 100.0
COST_BUCKET = 1000.0


class CostBuckets:
    """Per rate limiter and shop, what the last response said of the cost bucket: (currently available,
    restore rate, maximum, when). A push message builds a new connector; through this it knows what the
    previous message spent and waits for exactly the points it lacks, by the restore rate, instead of
    sending blind into THROTTLED. Kept beside the request limiter (one per process, or the one a caller
    passes), so separate limiters never share a guess."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, float, float, float]]] = \
            weakref.WeakKeyDictionary()

    def note(self, limiter: Any, key: str, available: float, restore: float, maximum: float) -> None:
        with self._lock:
            self._seen.setdefault(limiter, {})[key] = (available, restore, maximum, self._clock())

    def estimate(self, limiter: Any, key: str) -> tuple[float, float] | None:
        """(points available now — restored since the last response, up to the maximum —, restore rate)."""
        with self._lock:
            seen = self._seen.get(limiter, {}).get(key)
        if seen is None:
            return None
        available, restore, maximum, at = seen
        return min(maximum, available + max(0.0, self._clock() - at) * restore), restore


COST_BUCKETS = CostBuckets()


class ShopifyTransport(Connector):
    """The connection to one shop: HTTP client, access token and the GraphQL call."""

    def __init__(self, credentials: ShopifyCredentials, *, base_url: str | None = None,
                 options: HttpOptions | None = None, page_size: int = ORDERS_PAGE,
                 token_store: TokenStore | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.credentials = credentials
        self.clock = clock or (lambda: datetime.now(UTC))
        self.page_size = max(1, min(ORDERS_PAGE, page_size))
        self.api = ApiClient(marketplace=MP, base_url=base_url or f"https://{credentials.shop_domain}",
                             limiter_key=f"shopify:{credentials.shop_domain}", rate=self.DEFAULT_RATE, options=options,
                             default_headers={"Content-Type": "application/json", "Accept": "application/json"})
        self._path = f"/admin/api/{API_VERSION}/graphql.json"
        self.token_store: TokenStore = token_store or TOKENS.for_key((self.api.base_url, credentials.client_id))
        self._location = ""
        self._available: float | None = None
        self._restore_rate = COST_RESTORE_RATE
        self._last_cost = 0.0

    def _pause_for_cost(self, cost: float) -> None:
        """Wait until the bucket holds `cost` points: for the points it lacks at the restore rate. Before
        this connector's first response, the last one another connector of this shop saw counts."""
        available, restore = self._available, self._restore_rate
        if available is None:
            available, restore = COST_BUCKETS.estimate(self.api.limiter, self.api.limiter_key) or (None, restore)
        if available is not None and cost > available and restore > 0:
            self.api.options.sleep((cost - available) / restore)

    def _issue_token(self) -> IssuedToken:
        """The client-credentials grant: one POST with a form body."""
        creds = self.credentials
        response = self.api.send("POST", TOKEN_PATH, data={
            "client_id": creds.client_id, "client_secret": creds.client_secret, "grant_type": "client_credentials"},
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}, idempotent=True)
        if response.status_code in (400, 401, 403, 404):
            _raise_for(response, auth=True)
        if response.status_code >= 400:
            _raise_for(response)
        return parse_token_response(response_json(response, MP), self.clock())

    def _access_token(self, rejected: str = "") -> str:
        if not self.credentials.uses_client_credentials:
            return self.credentials.access_token
        return self.token_store.token(self._issue_token, rejected=rejected)

    def _graphql(self, query: str, variables: Mapping[str, Any] | None = None, *,
                 path: str | None = None, cost: float | None = None) -> Mapping[str, Any]:
        """One GraphQL request. `cost`: its requested cost when the caller can tell (else the last
        query's is assumed), so a cheap mutation after an expensive read does not wait for the read's."""
        rejected, requested = "", cost
        for _attempt in range(THROTTLE_RETRIES + 1):
            self._pause_for_cost(self._last_cost if requested is None else requested)
            token = self._access_token(rejected)
            response = self.api.send("POST", path or self._path, json={"query": query, "variables": dict(variables or {})},
                                     headers={"X-Shopify-Access-Token": token})
            if response.status_code == 401 and self.credentials.uses_client_credentials and not rejected:
                rejected = token  # revoked or expired early: one new token, one retry
                continue
            if response.status_code >= 400:
                _raise_for(response)
            body = response_json(response, MP)
            if not isinstance(body, Mapping):
                raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=body)
            cost = (body.get("extensions") or {}).get("cost") or {}
            throttle = cost.get("throttleStatus") or {}
            if throttle:
                self._available = float(throttle.get("currentlyAvailable", 0))
                self._restore_rate = float(throttle.get("restoreRate") or self._restore_rate)
                COST_BUCKETS.note(self.api.limiter, self.api.limiter_key, self._available, self._restore_rate,
                                  float(throttle.get("maximumAvailable") or COST_BUCKET))
            if cost.get("requestedQueryCost") is not None:
                self._last_cost = float(cost["requestedQueryCost"])
            errors = body.get("errors") or []
            if isinstance(errors, str):
                raise BusinessError(errors, marketplace=MP)
            codes = [str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, Mapping)]
            if "THROTTLED" in codes:
                # wait for the points it lacked, at the restore rate (not a fixed pause nor a full bucket)
                wait = max(0.05, (self._last_cost - (self._available or 0)) / max(self._restore_rate, 1.0))
                self.api.options.sleep(wait)
                self._available = self._last_cost  # what the wait restored; the next response corrects it
                continue
            if errors:
                message = "; ".join(str(e.get("message")) for e in errors if isinstance(e, Mapping)) or str(errors)
                code = next((c for c in codes if c), "")
                if code == "ACCESS_DENIED":
                    raise AuthError(message, marketplace=MP, code=code)
                raise BusinessError(message, marketplace=MP, code=code)
            data = body.get("data")
            if not isinstance(data, Mapping):
                raise MalformedPayload("data", "응답에 data가 없습니다", marketplace=MP)
            return data
        raise RateLimited("Shopify 쿼리 비용 한도(THROTTLED)가 계속되어 중단했습니다", marketplace=MP,
                          retry_after=self._last_cost / max(self._restore_rate, 1.0))


    def test_connection(self) -> ConnectionStatus:
        shop = self._graphql(SHOP_QUERY).get("shop") or {}
        how = "클라이언트 자격증명 토큰" if self.credentials.uses_client_credentials else "액세스 토큰"
        return ConnectionStatus(ok=True, account_name=str(shop.get("name") or self.credentials.shop_domain),
                                detail=f"{shop.get('myshopifyDomain') or ''} · Admin API {API_VERSION} · {how}")


def _raise_for(response: httpx.Response, *, auth: bool = False) -> None:
    """`auth`: an answer of the token endpoint, where 400/404 mean the app's id or secret is wrong, or the
    app is not installed on this shop."""
    status = response.status_code
    message = unparsed_body(response)
    try:
        body = response.json()
        if isinstance(body, Mapping) and body.get("errors"):
            errors = body["errors"]
            message = errors if isinstance(errors, str) else str(errors)
    except ValueError:
        pass
    if auth:
        raise AuthError(f"액세스 토큰을 받지 못했습니다 (HTTP {status}: {message}) — Dev Dashboard 앱의 Client ID·"
                        "Secret이 맞는지, 앱이 이 상점에 설치되어 있는지 확인하세요", marketplace=MP, status=status,
                        code="TOKEN_REFUSED")
    if status in (401, 403):
        raise AuthError(message, marketplace=MP, status=status)
    if status >= 500:
        raise TemporaryError(f"HTTP {status}: {message}", marketplace=MP, status=status)
    raise BusinessError(message, marketplace=MP, status=status)


def to_gid(kind: str, value: str) -> str:
    text = str(value)
    if text.startswith("gid://"):
        return text
    if not text.isdigit():
        raise BusinessError(f"Shopify ID가 아닙니다: {value!r}", marketplace=MP, code="BAD_ID")
    return f"gid://shopify/{kind}/{text}"


def user_errors(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = answer.get("userErrors") or []
    return [dict(e) for e in errors if isinstance(e, Mapping)]
