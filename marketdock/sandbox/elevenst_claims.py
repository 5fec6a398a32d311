"""Sandbox side of 11st's claim APIs (research §5.3), rendered from the shared claim book (`claims.py`):

- the nine lists `GET /rest/claimservice/{list}/{start}/{end}` (times checked like the order lists:
  -3203/-3204/-3205, nothing found result_code 0), one `ns2:order` record per claimed line whose last
  change falls in the window:
    cancelorders (requested) · canceledorders (completed) · withdrawcanceledorders (withdrawn)
    returnorders (requested, held, collecting, collected) · returnedorders · retractretorders
    exchangeorders (… and reshipped) · exchangedorders · retractexcorders
  A rejected claim is in no list. Records carry ordNo, ordPrdSeq, ordPrdCnSeq (cancels) or clmReqSeq
  (returns/exchanges) = the book's claim id, ordCnQty/clmReqQty, the reason code and text, createDt,
  clmStat (01 신청, 02 보류, 03 수거중, 04 수거완료, 05 재배송 — the sandbox's own codes) and the pickup's
  clmDlvEtprsCd/clmInvcNo; the `malformed_claim` fault breaks createDt of the shop's first request.
- decisions, all GET, answered `<ns2:ResultOrder>` result_code 0 or a refusal with 11st-style words:
  cancelreqconf, cancelreqreject, returnreqconf, returnreqreject, returnclaimdefer, exchangereqconf
  (the seller has the returned item and sends the replacement: approve + collected + reship in one),
  exchangereqreject, and 판매불가 reqrejectorder (a seller cancel)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote
from xml.sax.saxutils import escape

from . import claims

if TYPE_CHECKING:
    from .server import SandboxApp
    from .state import Shop

LISTS = {
    "cancelorders": ("cancel", ("requested",)), "canceledorders": ("cancel", ("completed",)),
    "withdrawcanceledorders": ("cancel", ("withdrawn",)),
    "returnorders": ("return", ("requested", "held", "collecting", "collected")),
    "returnedorders": ("return", ("completed",)), "retractretorders": ("return", ("withdrawn",)),
    "exchangeorders": ("exchange", ("requested", "held", "collecting", "collected", "reshipped")),
    "exchangedorders": ("exchange", ("completed",)), "retractexcorders": ("exchange", ("withdrawn",)),
}
CLM_STAT = {"requested": "01", "held": "02", "collecting": "03", "collected": "04", "reshipped": "05"}
_LIST = re.compile(r"^/rest/claimservice/(?P<name>" + "|".join(LISTS) + r")/(?P<s>[^/]+)/(?P<e>[^/]+)$")
_SEG = r"/([^/]+)"
_DECISIONS = {  # call → (kind, action, the order of its path parameters)
    "cancelreqconf": ("cancel", "approve", ("seq", "ord", "line")),
    "cancelreqreject": ("cancel", "reject", ("ord", "line", "seq", "code", "reason")),
    "returnreqconf": ("return", "approve", ("seq", "ord", "line")),
    "returnreqreject": ("return", "reject", ("ord", "line", "seq", "code", "reason")),
    "returnclaimdefer": ("return", "hold", ("ord", "line", "seq", "code", "reason")),
    "exchangereqconf": ("exchange", "reship", ("seq", "ord", "line", "carrier", "invoice")),
    "exchangereqreject": ("exchange", "reject", ("ord", "line", "seq", "code", "reason")),
    "reqrejectorder": ("cancel", "seller_cancel", ("ord", "line", "code", "reason")),
}
_DECISION = re.compile(r"^/rest/claimservice/(?P<call>" + "|".join(_DECISIONS) + r")(?P<rest>(?:/[^/]+)+)$")


def route(app: SandboxApp, shop: Shop, path: str, window, result, xml, kst) -> object | None:
    """The claim lists and decisions; None for any other path. `window`, `result`, `xml`, `kst` are
    the 11st module's helpers (time checks, envelopes)."""
    if match := _LIST.match(path):
        checked = window(shop, match["s"], match["e"])
        if not isinstance(checked, tuple):
            return checked
        return _list(app, shop, match["name"], *checked, result=result, xml=xml, kst=kst)
    if match := _DECISION.match(path):
        return _decide(app, shop, match["call"], [unquote(p) for p in match["rest"].split("/")[1:]], result)
    return None


def _list(app: SandboxApp, shop: Shop, name: str, start: datetime, end: datetime, *, result, xml, kst):
    kind, states = LISTS[name]
    found = []
    with app.state.lock:
        for claim in shop.claims:
            if claim.kind != kind or claim.state not in states:
                continue
            if not start <= claim.changed_at < end + timedelta(minutes=1):
                continue
            order = next((o for o in shop.orders if o.seq == claim.order_seq), None)
            if order is None:
                continue
            order.collected = True
            line = next(ln for ln in order.lines if ln.line_no == claim.line_no)
            cancel = kind == "cancel"
            fields = {
                "ordNo": order.order_no, "ordPrdSeq": claim.line_no,
                ("ordPrdCnSeq" if cancel else "clmReqSeq"): claim.claim_id,
                ("ordCnQty" if cancel else "clmReqQty"): str(claim.quantity),
                ("ordCnRsnCd" if cancel else "clmReqRsnCd"): claim.reason_code,
                ("ordCnDtlsRsn" if cancel else "clmReqCont"): claim.reason_text,
                "createDt": "어제 오후" if claims.malformed(shop, claim) else kst(claim.requested_at),
                "clmStat": "" if cancel else CLM_STAT.get(claim.state, ""),
                "clmReqTypCd": "SELLER" if claim.requester == "seller" else "BUYER",
                "clmDlvEtprsCd": "00034" if claim.collect_tracking else "", "clmInvcNo": claim.collect_tracking,
                "prdNo": shop.option(line.option_id)[0].product_id,
                "clmCmplDt": kst(claim.changed_at) if claim.state in ("completed", "withdrawn") else "",
            }
            found.append("<ns2:order>" + "".join(f"<{k}>{escape(v)}</{k}>" if v else f"<{k}/>"
                                                 for k, v in fields.items()) + "</ns2:order>")
    if not found:
        return result(shop, "0", "조회된 데이터가 없습니다.")
    return xml(shop, "".join(found))


def _decide(app: SandboxApp, shop: Shop, call: str, parts: list[str], result):
    kind, action, names = _DECISIONS[call]
    if len(parts) != len(names):
        return result(shop, "-3301", f"요청 파라미터 수가 올바르지 않습니다 ({call}).", root="ResultOrder")
    args = dict(zip(names, parts, strict=True))
    now = app.now()
    with app.state.lock:
        order = next((o for o in shop.orders if o.order_no == args["ord"]), None)
        line = next((ln for ln in order.lines if ln.line_no == args["line"]), None) if order else None
        if order is None or line is None:
            return result(shop, "-3301", "주문 정보가 존재하지 않습니다.", root="ResultOrder")
        try:
            if action == "seller_cancel":
                claims.seller_cancel(app.state, shop, order, line, now, reason=args["code"])
            else:
                claim = claims.find(shop, args["seq"])
                if claim is None or claim.kind != kind or (claim.order_seq, claim.line_no) != (order.seq, line.line_no):
                    return result(shop, "-3401", "클레임 정보가 존재하지 않습니다.", root="ResultOrder")
                if action in ("reject", "hold") and not args["reason"].strip("- "):
                    return result(shop, "-3402", "사유를 입력해 주세요.", root="ResultOrder")
                if action == "reship":
                    if args["carrier"] not in ("00034", "00002", "00012"):
                        return result(shop, "-3307", f"택배사 코드가 올바르지 않습니다: {args['carrier']}",
                                      root="ResultOrder")
                    if claim.state in ("requested", "held"):  # 교환승인 = the item is back, the replacement leaves
                        claims.decide(shop, claim, "approve", now)
                    if claim.state == "collecting":
                        claims._set(shop, claim, "collected", now)
                claims.decide(shop, claim, action, now, reason=args.get("reason"), code=args.get("code"),
                              carrier=args.get("carrier"), tracking=args.get("invoice"))
        except claims.Refused as exc:
            return result(shop, "-3403", exc.message, root="ResultOrder")
    return result(shop, "0", "정상적으로 처리되었습니다.", root="ResultOrder")
