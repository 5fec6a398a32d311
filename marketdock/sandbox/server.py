"""The sandbox marketplace HTTP server: one port speaking the Naver Commerce API, Coupang WING,
Shopify Admin GraphQL, the 11st Open API (XML in EUC-KR) and the Cafe24 Admin API (OAuth with rotating
refresh tokens, leaky bucket) — the parts the connectors use — plus a
small admin API under /_sandbox/.

Admin API (JSON):
  GET  /_sandbox/shops                      shops with their demo credentials
  GET  /_sandbox/shops/<shop>/orders        ground truth (orders, line ids, raw statuses)
  POST /_sandbox/shops/<shop>/orders        {"count": n}: n new orders now
  GET  /_sandbox/shops/<shop>/faults        current faults
  POST /_sandbox/shops/<shop>/faults        merge faults, e.g. {"rate_limit_every": 3, "duplicate_items": true};
                                            11st: {"maintenance": true} answers result_code -1000
                                            ESM: {"esm_lookup_interval": 0} lifts the 1-per-5-s order lookup limit
  GET  /_sandbox/shops/<shop>/received      every write received (confirm, dispatch, delay, stock, price,
                                            sale_status, register_listing, update_listing)
  GET  /_sandbox/shops/<shop>/inquiries     ground truth of buyers' questions and the answers the shop holds
  GET  /_sandbox/shops/<shop>/listings      ground truth of the shop's products: per option stock, price,
                                            sale status (registering a listing adds a product)
  GET  /_sandbox/shops/<shop>/claims        claims ground truth (Naver, Coupang, 11st): every claim with its state and the
                                            decisions received, and counts (claims, by kind, by state, decisions)
  POST /_sandbox/shops/<shop>/claims        {"count": n, "kind": "cancel"|"return"|"exchange"}: n buyer claims now;
                                            "order_seq": s asks on that order only (409 when it cannot take one)
  GET|POST /_sandbox/claims                 {"claim_share": 0.1, "collect_seconds": 600}: claim stream settings
  POST /_sandbox/reset                      {"seed": 7, "order_rate": 2}: regenerate everything
  GET  /_sandbox/shops/<shop>/settlements   the settlement ledger's seeded differences by kind (settlement_api)
  POST /_sandbox/shops/<shop>/settlements   {"share": 0.1}: the share of deliberate differences of each kind
  GET  /_sandbox/tracking/<carrier>/<number>[?now=ISO]
                                            tracking events of a number the sandbox received in a
                                            dispatch (404 otherwise): picked_up at dispatch, then
                                            in_transit, out_for_delivery, delivered, one stage per
                                            `stage_seconds`; `now` lets a test look ahead in time
  GET|POST /_sandbox/tracking               {"stage_seconds": 60}: tracking speed
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from . import cafe24, coupang, elevenst, esm, inquiries, naver, settlement_api, shopify, shopify_graphql
from . import claims as sandbox_claims
from .http import Request, Response
from .state import SandboxState, Shop
from .tracking import tracking_events

log = logging.getLogger("marketdock.sandbox")

_SHOP_ROUTE = re.compile(r"^/_sandbox/shops/(?P<shop>[\w-]+)/(?P<what>orders|faults|received|listings|claims|inquiries|settlements)$")
_TRACKING_ROUTE = re.compile(r"^/_sandbox/tracking/(?P<carrier>[^/]+)/(?P<number>[^/]+)$")


class SandboxApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        shopify_graphql.warm()

    # faults --------------------------------------------------------------------------------
    def fault(self, shop: Shop) -> str | None:
        """Count the call and decide which fault (if any) answers it: "rate_limit" | "error_500".
        Slow/timeout faults sleep here."""
        with self.state.lock:
            shop.calls += 1
            faults, calls = shop.faults, shop.calls
            chosen = None
            if faults.rate_limit_every and calls % faults.rate_limit_every == 0:
                chosen = "rate_limit"
            elif faults.error_500_every and calls % faults.error_500_every == 0:
                chosen = "error_500"
            elif faults.error_500_rate and shop.fault_rng.random() < faults.error_500_rate:
                chosen = "error_500"
            delay = faults.slow_ms / 1000.0
            if faults.timeout_every and calls % faults.timeout_every == 0:
                delay += faults.timeout_seconds
        if delay:
            time.sleep(delay)
        return chosen

    def now(self) -> datetime:
        return datetime.now(UTC)

    # dispatch ------------------------------------------------------------------------------
    def dispatch(self, req: Request) -> Response:
        try:
            if req.path.startswith("/_sandbox/"):
                return self._admin(req)
            self.state.advance(self.now())
            for module in (naver, coupang, shopify, elevenst, cafe24, esm):
                response = module.handle(self, req)
                if response is not None:
                    self.state.save()
                    return response
            return Response(404, {"code": "NOT_FOUND", "message": f"no such sandbox endpoint: {req.method} {req.path}"})
        except Exception:  # a sandbox bug must answer 500, not kill the connection silently
            log.exception("sandbox error on %s %s", req.method, req.path)
            return Response(500, {"code": "SANDBOX_ERROR", "message": "sandbox internal error (see its log)"})

    def _admin(self, req: Request) -> Response:
        state = self.state
        if req.path == "/_sandbox/shops" and req.method == "GET":
            return Response(200, {"shops": state.describe(), "anchor": state.anchor.isoformat(),
                                  "order_rate": state.order_rate, "seed": state.seed})
        if req.path == "/_sandbox/reset" and req.method == "POST":
            body = _json_body(req) or {}
            state.reset(seed=body.get("seed"), order_rate=body.get("order_rate"))
            state.save()
            return Response(200, {"ok": True, "seed": state.seed, "order_rate": state.order_rate})
        if req.path == "/_sandbox/tracking":
            if req.method == "POST":
                body = _json_body(req)
                try:
                    seconds = float((body or {}).get("stage_seconds"))
                except (TypeError, ValueError):
                    return Response(400, {"error": "stage_seconds (a positive number) expected"})
                if seconds <= 0:
                    return Response(400, {"error": "stage_seconds must be positive"})
                state.tracking_stage_seconds = seconds
                state.save()
            return Response(200, {"stage_seconds": state.tracking_stage_seconds})
        if req.path == "/_sandbox/claims":
            return _claim_settings(state, req)
        tracking = _TRACKING_ROUTE.match(req.path)
        if tracking and req.method == "GET":
            return tracking_events(state, unquote(tracking["carrier"]), unquote(tracking["number"]),
                                   req.params.get("now"), self.now())
        match = _SHOP_ROUTE.match(req.path)
        if not match:
            return Response(404, {"error": "unknown sandbox admin endpoint"})
        shop = state.shops.get(match["shop"])
        if shop is None:
            return Response(404, {"error": f"unknown shop {match['shop']!r}", "shops": list(state.shops)})
        what = match["what"]
        with state.lock:
            if what == "orders" and req.method == "GET":
                state.advance(self.now())
                return Response(200, state.ground_truth(shop))
            if what == "orders" and req.method == "POST":
                count = int((_json_body(req) or {}).get("count", 1))
                created = [state.add_order(shop) for _ in range(max(0, min(count, 500)))]
                state.save()
                return Response(201, {"created": [line for o in created for line in shop.line_ids(o)]})
            if what == "faults" and req.method == "GET":
                return Response(200, asdict(shop.faults))
            if what == "faults" and req.method == "POST":
                body = _json_body(req)
                if not isinstance(body, dict):
                    return Response(400, {"error": "JSON object expected"})
                try:
                    shop.faults.update(body)
                except (ValueError, TypeError) as exc:
                    return Response(400, {"error": str(exc)})
                state.save()
                return Response(200, asdict(shop.faults))
            if what == "received" and req.method == "GET":
                return Response(200, {"received": shop.received})
            if what == "inquiries" and req.method == "GET":
                state.advance(self.now())
                return Response(200, inquiries.ground_truth(self, shop))
            if what == "listings" and req.method == "GET":
                return Response(200, state.listings_truth(shop))
            if what == "claims":
                return _shop_claims(self, shop, req)
        if what == "settlements" and req.method == "GET":  # the ledger takes the lock itself
            return Response(200, settlement_api.truth(self, shop))
        if what == "settlements" and req.method == "POST":
            return settlement_api.configure(self, shop, _json_body(req))
        return Response(405, {"error": "method not allowed"})


def _claim_settings(state: SandboxState, req: Request) -> Response:
    if req.method == "POST":
        body = _json_body(req)
        try:
            share = float((body or {}).get("claim_share", state.claim_share))
            seconds = float((body or {}).get("collect_seconds", state.claim_collect_seconds))
        except (TypeError, ValueError):
            return Response(400, {"error": "claim_share (0..1) and collect_seconds (≥ 0) expected"})
        if not 0 <= share <= 1 or seconds < 0:
            return Response(400, {"error": "claim_share must be within 0..1 and collect_seconds not negative"})
        state.claim_share, state.claim_collect_seconds = share, seconds
        state.save()
    with state.lock:  # the counts a bench compares, per shop serving claims
        counts = {code: sandbox_claims.truth(shop)["counts"] for code, shop in state.shops.items()
                  if shop.protocol in sandbox_claims.CLAIM_PROTOCOLS}
    return Response(200, {"claim_share": state.claim_share, "collect_seconds": state.claim_collect_seconds,
                          "counts": counts})


def _shop_claims(app: SandboxApp, shop: Shop, req: Request) -> Response:
    state = app.state
    state.advance(app.now())
    if req.method == "GET":
        return Response(200, sandbox_claims.truth(shop))
    if req.method != "POST":
        return Response(405, {"error": "method not allowed"})
    body = _json_body(req) or {}
    if shop.protocol not in sandbox_claims.CLAIM_PROTOCOLS:
        return Response(400, {"error": f"claims are served for {', '.join(sandbox_claims.CLAIM_PROTOCOLS)} only"})
    try:
        seq = int(body["order_seq"]) if body.get("order_seq") is not None else None
        made = [c for _ in range(max(0, min(int(body.get("count", 1)), 200)))
                for c in sandbox_claims.create(state, shop, str(body.get("kind", "return")), app.now(),
                                                     promote=True, order_seq=seq)]
    except (TypeError, ValueError) as exc:
        return Response(400, {"error": str(exc)})
    if seq is not None and not made:
        return Response(409, {"error": f"order {seq} cannot take a {body.get('kind', 'return')} claim now"})
    state.save()
    return Response(201, {"created": [sandbox_claims.claim_json(c) for c in made]})


def _json_body(req: Request):
    try:
        return req.json()
    except ValueError:
        return None


# --- HTTP server ------------------------------------------------------------------------------

def _handler(app: SandboxApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # headers and body leave in one segment (no Nagle/delayed-ACK stall)
        disable_nagle_algorithm = True
        server_version = "marketdock-sandbox"

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(method=self.command, path=path, query=query,
                          headers={k.lower(): v for k, v in self.headers.items()}, body=body)
            response = app.dispatch(req)
            payload = response.encode()
            try:
                self.send_response(response.status)
                content_type = response.headers.get("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in response.headers.items():
                    if name != "Content-Type":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout fault)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
            log.debug("%s %s", self.address_string(), format % args)

    return Handler


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(app: SandboxApp, host: str = "127.0.0.1", port: int = 8010) -> SandboxServer:
    return SandboxServer((host, port), _handler(app))


def serve_in_thread(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> tuple[SandboxServer, str]:
    """Start on a free port in a daemon thread (tests). Returns (server, base_url); call
    server.shutdown() to stop."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox",
                              daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_address[1]}"

