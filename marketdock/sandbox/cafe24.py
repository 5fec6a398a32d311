"""Sandbox side of the Cafe24 Admin API (the parts the connector uses), in Cafe24's manner:

- OAuth 2.0: `GET /api/v2/oauth/authorize` answers a tiny consent page (the mall operator's approval)
  whose 승인 link sends the browser back to `redirect_uri` with a one-minute, single-use `code` and the
  `state`; 거절 sends `error=access_denied`. `POST /api/v2/oauth/token` (form body, `Authorization:
  Basic base64(client_id:client_secret)`) exchanges the code, or with `grant_type=refresh_token`
  ROTATES the pair: the refresh token used is dead from then on (`invalid_grant`), access tokens live
  2 hours, refresh tokens 14 days; times answer as KST without offset, as Cafe24 does.
  Token pairs are numbered per mall and derived from the seed, so a pair issued before a sandbox
  restart is still recognised (a refresh token not older than the mall's current pair is accepted);
  pair 0 is what the demo stores directly (`seeded_tokens`).
- Admin calls need `Authorization: Bearer` with the mall's current access token (401 otherwise) and
  may carry `X-Cafe24-Api-Version` (a malformed or unknown version answers 400).
- A leaky bucket per mall, 40 calls deep, draining 2 calls/s: every answer carries `X-Api-Call-Limit:
  used/40`; a call that would overflow answers 429 (plus the `rate_limit_every` fault).
- Orders: `GET /api/v2/admin/orders` and `/orders/count` by `date_type` (pay_date, order_date,
  cancel_request_date, …), `start_date`/`end_date` at most 3 months apart, `limit` ≤ 1000, `offset`
  ≤ 15,000 (422 beyond), `embed=items,receivers,buyer`; one order `GET /api/v2/admin/orders/{id}`.
- 배송준비중 `PUT /api/v2/admin/orders` (process_status=prepare, N10 → N20); shipments `POST
  /api/v2/admin/shipments` with the mall's own carrier codes (`GET /api/v2/admin/carriers`; the second
  demo mall numbers its carriers differently) → N30, the number kept as ground truth.
- Products: variant stock `PUT /products/{no}/variants/{code}/inventories`, price and
  selling/display `PUT /products/{no}`.
- Faults: rate_limit_every, error_500_every/rate, slow/timeout, malformed_order (a broken order_date)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from . import inquiries_boards
from .http import KST, Request, Response, kst_iso
from .state import Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

PREFIX = "/api/v2/"
ACCESS_LIFETIME = timedelta(hours=2)
REFRESH_LIFETIME = timedelta(days=14)
CODE_LIFETIME = timedelta(minutes=1)
BUCKET, DRAIN = 40, 2.0
VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OLDEST_VERSION = "2024-03-01"
MAX_RANGE = timedelta(days=92)
DATE_FIELDS = {"pay_date", "order_date", "cancel_request_date", "return_request_date", "exchange_request_date",
               "shipbegin_date", "shipend_date", "cancel_date", "place_date"}
# the mall's carrier settings: code → (name, OMS carrier key); mall 2 numbers them differently
CARRIERS = [
    {"0001": ("자체배송", "direct"), "0006": ("CJ대한통운", "cj"), "0018": ("한진택배", "hanjin"),
     "0004": ("로젠택배", "logen"), "0079": ("롯데택배", "lotte"), "0012": ("우체국택배", "epost")},
    {"0001": ("자체배송", "direct"), "0091": ("CJ대한통운", "cj"), "0092": ("한진택배", "hanjin"),
     "0019": ("롯데택배", "lotte")},
]
STATUS_TEXT = {"N10": "상품준비중", "N20": "배송준비중", "N30": "배송중", "N40": "배송완료", "C00": "취소신청"}

_ORDER = re.compile(r"^/api/v2/admin/orders/(?P<id>\d{8}-\d{7})$")
_INVENTORY = re.compile(r"^/api/v2/admin/products/(?P<no>[^/]+)/variants/(?P<code>[^/]+)/inventories$")
_PRODUCT = re.compile(r"^/api/v2/admin/products/(?P<no>[^/]+)$")


def _h(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _token(seed: int, shop: str, kind: str, gen: int) -> str:
    """22 characters like Cafe24's: the pair number, then a digest only this seed/mall produces."""
    return f"{kind}{gen:05d}{_h(seed, shop, kind, gen)[:16]}"


def seeded_tokens(seed: int, shop_code: str) -> dict[str, str]:
    """Pair 0 of a mall: what the demo stores on its Cafe24 account instead of a browser consent."""
    return {"access_token": _token(seed, shop_code, "A", 0), "refresh_token": _token(seed, shop_code, "R", 0)}


def _auth(app: SandboxApp, shop: Shop) -> dict[str, Any]:
    store = app.state.__dict__.setdefault("cafe24_auth", {})
    return store.setdefault(shop.code, {"gen": 0, "issued": {0: app.state.anchor}, "codes": {}, "level": 0.0,
                                        "at": time.monotonic()})


def _gen_of(app: SandboxApp, shop: Shop, token: str, kind: str) -> int | None:
    if len(token) != 22 or token[0] != kind or not token[1:6].isdigit():
        return None
    gen = int(token[1:6])
    return gen if token == _token(app.state.seed, shop.code, kind, gen) else None


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": {"code": status, "message": message, "more_info": {}}}, headers)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return _json(status, {"error": error, "error_description": description})


def _shops(app: SandboxApp) -> list[Shop]:
    return [s for s in app.state.shops.values() if s.protocol == "cafe24"]


def handle(app: SandboxApp, req: Request) -> Response | None:
    if not req.path.startswith(PREFIX):
        return None
    if req.path == "/api/v2/oauth/authorize" and req.method == "GET":
        return _authorize(app, req)
    if req.path == "/api/v2/oauth/token":
        return _token_endpoint(app, req) if req.method == "POST" else _oauth_error(405, "invalid_request", "POST only")
    if not req.path.startswith("/api/v2/admin/"):
        return _error(404, "No API found.")
    bearer = req.headers.get("authorization", "")
    token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
    shop = next((s for s in _shops(app) if _gen_of(app, s, token, "A") is not None), None)
    if shop is None:
        return _error(401, "Invalid access_token")
    auth = _auth(app, shop)
    gen = _gen_of(app, shop, token, "A")
    issued = auth["issued"].get(gen)
    if gen != auth["gen"] or issued is None or app.now() >= issued + ACCESS_LIFETIME:
        return _error(401, "access_token time expired. (invalid_token)")
    version = req.headers.get("x-cafe24-api-version")
    if version is not None and (not VERSION.match(version) or version < OLDEST_VERSION or version > "2099"):
        return _error(400, f"The API version ({version}) is invalid or no longer supported.")
    # leaky bucket
    now = time.monotonic()
    level = max(0.0, auth["level"] - (now - auth["at"]) * DRAIN)
    auth["at"] = now
    if level + 1 > BUCKET:
        auth["level"] = level
        return _error(429, "Too many requests.", {"X-Api-Call-Limit": f"{BUCKET}/{BUCKET}"})
    auth["level"] = level + 1
    limit = {"X-Api-Call-Limit": f"{int(auth['level'] + 0.999)}/{BUCKET}"}
    fault = app.fault(shop)
    if fault == "rate_limit":
        return _error(429, "Too many requests.", {"X-Api-Call-Limit": f"{BUCKET}/{BUCKET}",
                                                  "Retry-After": str(shop.faults.retry_after)})
    if fault == "error_500":
        return _error(500, "Internal Server Error")
    response = _admin(app, shop, req)
    response.headers.update(limit)
    return response


# --- OAuth -----------------------------------------------------------------------------------

def _authorize(app: SandboxApp, req: Request) -> Response:
    params = req.params
    shop = next((s for s in _shops(app) if s.credentials["cafe24_client_id"] == params.get("client_id")), None)
    if shop is None:
        return _oauth_error(400, "invalid_client", "client_id is invalid")
    if params.get("response_type") != "code" or not params.get("state") or not params.get("redirect_uri"):
        return _oauth_error(400, "invalid_request", "response_type=code, state and redirect_uri are required")
    code = secrets.token_urlsafe(16)[:22]
    _auth(app, shop)["codes"][code] = (params["redirect_uri"], app.now() + CODE_LIFETIME)
    sep = "&" if "?" in params["redirect_uri"] else "?"
    approve = params["redirect_uri"] + sep + urlencode({"code": code, "state": params["state"]})
    deny = params["redirect_uri"] + sep + urlencode({"error": "access_denied", "state": params["state"]})
    scopes = html.escape(params.get("scope", ""))
    page = (f"<!doctype html><html lang='ko'><head><meta charset='utf-8'><title>앱 권한 승인</title></head><body>"
            f"<h1>{html.escape(shop.credentials['mall_id'])} 쇼핑몰 (샌드박스)</h1>"
            f"<p>앱이 다음 권한을 요청합니다: <code>{scopes}</code></p>"
            f"<p><a id='approve' href='{html.escape(approve)}'>승인</a> · "
            f"<a id='deny' href='{html.escape(deny)}'>거절</a></p></body></html>")
    return Response(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _pair(app: SandboxApp, shop: Shop, gen: int) -> Response:
    auth = _auth(app, shop)
    now = app.now().replace(microsecond=0)
    auth["gen"], auth["issued"] = gen, {gen: now}
    local = now.astimezone(KST).replace(tzinfo=None)
    shop.record(app.now(), "token", gen=gen)
    return _json(200, {
        "access_token": _token(app.state.seed, shop.code, "A", gen),
        "expires_at": (local + ACCESS_LIFETIME).isoformat(timespec="milliseconds"),
        "refresh_token": _token(app.state.seed, shop.code, "R", gen),
        "refresh_token_expires_at": (local + REFRESH_LIFETIME).isoformat(timespec="milliseconds"),
        "client_id": shop.credentials["cafe24_client_id"], "mall_id": shop.credentials["mall_id"],
        "user_id": shop.credentials["mall_id"], "issued_at": local.isoformat(timespec="milliseconds"),
        "scopes": ["mall.read_order", "mall.write_order", "mall.read_product", "mall.write_product"]})


def _token_endpoint(app: SandboxApp, req: Request) -> Response:
    basic = req.headers.get("authorization", "")
    try:
        client_id, _, secret = base64.b64decode(basic[6:].strip()).decode().partition(":") \
            if basic.lower().startswith("basic ") else ("", "", "")
    except (ValueError, UnicodeDecodeError):
        client_id, secret = "", ""
    shop = next((s for s in _shops(app) if s.credentials["cafe24_client_id"] == client_id
                 and s.credentials["cafe24_client_secret"] == secret), None)
    if shop is None:
        return _oauth_error(401, "invalid_client", "Basic 인증(client_id:client_secret)이 올바르지 않습니다")
    if "application/x-www-form-urlencoded" not in req.headers.get("content-type", ""):
        return _oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
    form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
    auth = _auth(app, shop)
    if form.get("grant_type") == "authorization_code":
        entry = auth["codes"].pop(form.get("code", ""), None)  # single use
        if entry is None or entry[1] <= app.now():
            return _oauth_error(400, "invalid_grant", "code is invalid or expired (1 minute)")
        if entry[0] != form.get("redirect_uri"):
            return _oauth_error(400, "invalid_grant", "redirect_uri does not match")
        return _pair(app, shop, auth["gen"] + 1)
    if form.get("grant_type") == "refresh_token":
        gen = _gen_of(app, shop, form.get("refresh_token", ""), "R")
        issued = auth["issued"].get(gen) if gen is not None else None
        if gen is None or gen < auth["gen"] or (issued is not None and issued + REFRESH_LIFETIME <= app.now()):
            return _oauth_error(400, "invalid_grant", "refresh_token is invalid, used or expired")
        return _pair(app, shop, max(gen, auth["gen"]) + 1)  # rotation: this refresh token dies now
    return _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")


# --- admin -----------------------------------------------------------------------------------

def _admin(app: SandboxApp, shop: Shop, req: Request) -> Response:
    path = req.path
    if path == "/api/v2/admin/store" and req.method == "GET":
        return _json(200, {"store": {"shop_no": 1, "shop_name": f"샌드박스몰 {shop.index + 1}",
                                     "mall_id": shop.credentials["mall_id"]}})
    if path == "/api/v2/admin/carriers" and req.method == "GET":
        rows = [{"shop_no": 1, "carrier_id": i + 1, "shipping_carrier_code": code, "shipping_carrier": name,
                 "default_shipping_carrier": "T" if i == 1 else "F"}
                for i, (code, (name, _key)) in enumerate(CARRIERS[shop.index % 2].items())]
        return _json(200, {"carriers": rows})
    if path in ("/api/v2/admin/orders", "/api/v2/admin/orders/count") and req.method == "GET":
        return _list(app, shop, req, count_only=path.endswith("/count"))
    if path == "/api/v2/admin/orders" and req.method == "PUT":
        return _prepare(app, shop, req)
    if match := _ORDER.match(path):
        order = next((o for o in shop.orders if o.order_no == match["id"]), None)
        if order is None:
            return _error(404, "No order found.")
        return _json(200, {"order": _render(app, shop, order)})
    if path == "/api/v2/admin/shipments" and req.method == "POST":
        return _ship(app, shop, req)
    if (match := _INVENTORY.match(path)) and req.method == "PUT":
        return _inventory(app, shop, req, match["no"], match["code"])
    if (match := _PRODUCT.match(path)) and req.method == "PUT":
        return _product(app, shop, req, match["no"])
    return inquiries_boards.route_cafe24(app, shop, req) or _error(404, "No API found.")


def _when(raw: str, *, end: bool) -> datetime | None:
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=KST)
            return day + timedelta(days=1) - timedelta(seconds=1) if end else day
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=KST)


def _stage(order: Order, line_no: str) -> str:
    return order.claim_status or order.line_status.get(line_no) or order.status


def _date_of(order: Order, date_type: str) -> datetime | None:
    if date_type == "pay_date":
        return order.paid_at
    if date_type == "order_date":
        return order.ordered_at
    if date_type == "cancel_request_date":
        return order.changed_at if order.claim_status == "C00" else None
    if date_type in ("shipbegin_date",):
        return order.changed_at if order.status in ("N30", "N40") else None
    return None


def _list(app: SandboxApp, shop: Shop, req: Request, *, count_only: bool) -> Response:
    params = req.params
    date_type = params.get("date_type", "order_date")
    if date_type not in DATE_FIELDS:
        return _error(422, f"date_type is invalid: {date_type}")
    start = _when(params.get("start_date", ""), end=False)
    end = _when(params.get("end_date", ""), end=True)
    if start is None or end is None:
        return _error(422, "start_date and end_date are required (YYYY-MM-DD or YYYY-MM-DD hh:mm:ss).")
    if end < start:
        return _error(422, "end_date must not be before start_date.")
    if end - start > MAX_RANGE:
        return _error(422, "The search period cannot exceed 3 months.")
    try:
        limit, offset = int(params.get("limit", "10")), int(params.get("offset", "0"))
    except ValueError:
        return _error(422, "limit and offset must be numbers.")
    if not 1 <= limit <= 1000:
        return _error(422, "limit must be between 1 and 1000.")
    if not 0 <= offset <= 15000:
        return _error(422, "offset cannot exceed 15000.")
    found = []
    for order in shop.orders:
        at = _date_of(order, date_type)
        if at is not None and start <= at < end + timedelta(seconds=1):
            found.append((at, order.order_no, order))
    found.sort(key=lambda row: (row[0], row[1]))
    if count_only:
        return _json(200, {"count": len(found)})
    page = [order for _at, _no, order in found[offset:offset + limit]]
    if shop.faults.duplicate_items and offset > 0 and page:
        page.insert(0, found[offset - 1][2])  # the previous page's last order again
    embed = set(params.get("embed", "").split(","))
    for order in page:
        order.collected = True
    return _json(200, {"orders": [_render(app, shop, order, embed=embed) for order in page]})


def _shipment(app: SandboxApp, shop: Shop, order: Order, line_id: str) -> tuple[str, str]:
    for number, entry in app.state.shipments.items():
        if entry["shop"] == shop.code and line_id in entry["lines"]:
            return entry.get("marketplace_code", ""), number
    cj = next(code for code, (_name, key) in CARRIERS[shop.index % 2].items() if key == "cj")
    return cj, f"6{order.seq:011d}"  # shipped outside marketdock (the seller's own Cafe24 admin)


def _render(app: SandboxApp, shop: Shop, order: Order, *, embed: set[str] | None = None) -> dict[str, Any]:
    embed = {"items", "receivers", "buyer"} if embed is None else embed
    malformed = order.seq == app.state.malformed_seq(shop)
    data: dict[str, Any] = {
        "shop_no": 1, "currency": shop.currency, "order_id": order.order_no, "market_id": "self",
        "order_date": "2024-13-45T25:61:00+09:00" if malformed else kst_iso(order.ordered_at),
        "payment_date": kst_iso(order.paid_at), "paid": "T", "canceled": "F", "billing_name": order.buyer_name,
        "order_place_id": "cafe24",
        "actual_order_amount": {"shipping_fee": f"{order.shipping_fee}.00",
                                "order_price_amount": f"{sum(li.unit_price * li.quantity for li in order.lines)}.00"},
    }
    if "buyer" in embed:
        data["buyer"] = {"name": order.buyer_name, "email": order.buyer_email, "phone": "",
                         "cellphone": order.buyer_phone}
    shipping_code = f"D-{order.order_no}-00"
    if "receivers" in embed:
        data["receivers"] = [{"name": order.recipient_name, "phone": "", "cellphone": order.recipient_phone,
                              "zipcode": order.postal_code, "address1": order.address1, "address2": order.address2,
                              "shipping_message": order.message, "shipping_code": shipping_code}]
    if "items" in embed:
        items = []
        for index, line in enumerate(order.lines):
            product, option = shop.option(line.option_id)
            line_id = f"{order.order_no}-{line.line_no}"
            stage = _stage(order, line.line_no)
            carrier, number = _shipment(app, shop, order, line_id) if stage in ("N30", "N40") else ("", "")
            items.append({
                "shop_no": 1, "item_no": index + 1, "order_item_code": line_id, "product_no": int(product.product_id),
                "variant_code": option.option_id, "product_name": product.name, "option_value": option.name,
                "quantity": line.quantity, "product_price": f"{line.unit_price - option.extra_price}.00",
                "option_price": f"{option.extra_price}.00",
                "additional_discount_price": f"{line.discount * line.quantity}.00", "coupon_discount_price": "0.00",
                "app_item_discount_amount": "0.00", "order_status": stage, "status_text": STATUS_TEXT.get(stage, ""),
                "tracking_no": number or None, "shipping_company_code": carrier or None,
                "shipping_company_name": CARRIERS[shop.index % 2][carrier][0] if carrier else None,
                "shipping_code": shipping_code, "custom_product_code": product.code, "custom_variant_code": option.sku,
                "shipped_date": kst_iso(order.changed_at) if number else None})
        data["items"] = items
    return data


def _requests(req: Request) -> list[dict[str, Any]] | Response:
    try:
        body = req.json()
    except ValueError:
        return _error(400, "The request body is not JSON.")
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests or not all(isinstance(r, dict) for r in requests):
        return _error(422, "requests (a list) is required.")
    if len(requests) > 100:
        return _error(422, "requests cannot exceed 100 items.")
    return requests


def _answer(rows_key: str, rows: list[dict], errors: list[dict]) -> Response:
    if errors and not rows:
        return _error(422, errors[0]["message"])
    body: dict[str, Any] = {rows_key: rows}
    if errors:
        body["errors"] = errors
    return _json(207 if errors else 200, body)


def _prepare(app: SandboxApp, shop: Shop, req: Request) -> Response:
    requests = _requests(req)
    if isinstance(requests, Response):
        return requests
    rows, errors = [], []
    now = app.now()
    for request in requests:
        order = next((o for o in shop.orders if o.order_no == request.get("order_id")), None)
        codes = request.get("order_item_code") or []
        if order is None:
            errors.append({"order_id": request.get("order_id"), "code": 404, "message": "No order found."})
            continue
        if request.get("process_status") != "prepare":
            errors.append({"order_id": order.order_no, "code": 422, "message": "process_status is not supported."})
            continue
        done, problem = [], ""
        for code in codes:
            line_no = str(code).rsplit("-", 1)[-1]
            if not any(li.line_no == line_no for li in order.lines) or not str(code).startswith(order.order_no):
                problem = f"order_item_code {code} is not in the order."
                continue
            stage = _stage(order, line_no)
            if stage == "N20":
                done.append(code)
            elif stage == "N10":
                order.line_status[line_no] = "N20"
                done.append(code)
            else:
                problem = f"배송준비중으로 바꿀 수 없는 상태입니다 ({stage})."
        if all(order.line_status.get(li.line_no) == "N20" or order.status == "N20" for li in order.lines) \
                and not order.claim_status:
            order.status, order.changed_at, order.line_status = "N20", now.replace(microsecond=0), {}
        if done:
            shop.record(now, "confirm", lines=done, order=order.order_no)
            rows.append({"shop_no": 1, "order_id": order.order_no, "process_status": "prepare",
                         "order_item_code": done})
        if problem:
            errors.append({"order_id": order.order_no, "code": 422, "message": problem})
    return _answer("orders", rows, errors)


def _ship(app: SandboxApp, shop: Shop, req: Request) -> Response:
    requests = _requests(req)
    if isinstance(requests, Response):
        return requests
    carriers = CARRIERS[shop.index % 2]
    rows, errors = [], []
    now = app.now()
    for request in requests:
        order = next((o for o in shop.orders if o.order_no == request.get("order_id")), None)
        code, number = str(request.get("shipping_company_code") or ""), str(request.get("tracking_no") or "")
        if order is None:
            errors.append({"order_id": request.get("order_id"), "code": 404, "message": "No order found."})
            continue
        if code not in carriers:
            errors.append({"order_id": order.order_no, "code": 422,
                           "message": f"shipping_company_code {code} is not a carrier of this mall."})
            continue
        if not number.isdigit() or not 9 <= len(number) <= 14:
            errors.append({"order_id": order.order_no, "code": 422, "message": "tracking_no is invalid."})
            continue
        done = []
        for item_code in request.get("order_item_code") or []:
            line_no = str(item_code).rsplit("-", 1)[-1]
            stage = _stage(order, line_no)
            if not any(li.line_no == line_no for li in order.lines):
                continue
            if stage in ("N10", "N20", "N21"):
                order.line_status[line_no] = "N30"
                done.append(item_code)
            elif stage == "N30" and _shipment(app, shop, order, str(item_code))[1] == number:
                done.append(item_code)  # already shipped with this number
        if not done:
            errors.append({"order_id": order.order_no, "code": 422, "message": "발송처리할 수 있는 품목이 없습니다."})
            continue
        if all(order.line_status.get(li.line_no) == "N30" for li in order.lines):
            order.status, order.changed_at, order.line_status = "N30", now.replace(microsecond=0), {}
        shop.record(now, "dispatch", lines=done, carrier=code, tracking_number=number)
        app.state.ship(shop, carrier=carriers[code][1], number=number, lines=done, at=now)
        app.state.shipments[number]["marketplace_code"] = code
        rows.append({"shop_no": 1, "tracking_no": number, "shipping_company_code": code, "status": "shipping",
                     "order_id": order.order_no, "shipping_code": f"D-{order.order_no}-00", "order_item_code": done,
                     "carrier_id": list(carriers).index(code) + 1})
    return _answer("shipments", rows, errors)


def _request_body(req: Request) -> dict[str, Any] | None:
    try:
        body = req.json()
    except ValueError:
        return None
    request = body.get("request") if isinstance(body, dict) else None
    return request if isinstance(request, dict) else None


def _inventory(app: SandboxApp, shop: Shop, req: Request, product_no: str, variant: str) -> Response:
    product = shop.product(product_no)
    option = next((o for o in product.options if o.option_id == variant), None) if product else None
    if option is None:
        return _error(404, "No variant found.")
    request = _request_body(req)
    quantity = request.get("quantity") if request else None
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        return _error(422, "quantity must be a number of 0 or more.")
    option.stock = quantity
    shop.record(app.now(), "stock", product_id=product_no, option_id=variant, quantity=quantity)
    return _json(200, {"inventory": {"shop_no": 1, "variant_code": variant, "quantity": quantity,
                                     "use_inventory": "T"}})


def _product(app: SandboxApp, shop: Shop, req: Request, product_no: str) -> Response:
    product = shop.product(product_no)
    if product is None:
        return _error(404, "No product found.")
    request = _request_body(req)
    if not request:
        return _error(422, "request is required.")
    if "price" in request:
        try:
            price = int(float(str(request["price"])))
        except ValueError:
            return _error(422, "price is invalid.")
        if price <= 0:
            return _error(422, "price must be positive.")
        product.price = price
        shop.record(app.now(), "price", product_id=product_no, price=price)
    if "selling" in request or "display" in request:
        flags = {request.get("selling", "T"), request.get("display", "T")}
        if not flags <= {"T", "F"}:
            return _error(422, "selling/display must be T or F.")
        product.selling = request.get("selling", "T") == "T" and request.get("display", "T") == "T"
        shop.record(app.now(), "sale_status", product_id=product_no, on_sale=product.selling)
    return _json(200, {"product": {"shop_no": 1, "product_no": int(product_no), "price": f"{product.price}.00",
                                   "selling": "T" if product.selling else "F",
                                   "display": "T" if product.selling else "F"}})
