"""Sandbox claims (취소 / 반품 / 교환): one generic claim book per shop that every protocol renders in
its own words (`naver_claims`, `coupang_claims`), so the truth is one list.

A claim covers one order line. The marketplace's order status follows it (Naver claimType/claimStatus
and productOrderStatus, Coupang holdCountForCancel/cancelCount), as the real ones do.

Life of a claim (`state`):
    cancel    requested ─approve→ completed (the line is cancelled)      ─reject→ rejected
    return    requested ─approve→ collecting ─(collect_seconds)→ collected ─approve→ completed
              requested/collecting ─receive→ collected (the seller confirms the parcel is in: Coupang 입고확인)
              collecting/collected ─complete→ completed (the seller's last step once the goods are in:
              Naver 반품 승인, Coupang 반품승인, Shopify returnClose; the collection is then done too)
    exchange  requested ─approve→ collecting ─(collect_seconds)→ collected ─reship→ reshipped
              ─(collect_seconds)→ completed
              requested/collecting/collected ─receive→ collected (Naver 교환 수거 완료, Coupang 입고확인)
    hold: requested/collected → held; release: held → where it was; reject: requested/held/collected.
    seller_cancel: a line without a claim, not shipped yet → a completed cancel asked by the seller.

Naver and Coupang (`SELF_COLLECT`) pick returned and exchanged goods up themselves: a return or
exchange request goes requested ─(collect_seconds)→ collecting ─(collect_seconds)→ collected on the
sandbox's clock, with no call of the seller (`advance`; `claim_collect_seconds` = 0 — state or the
admin API's claim stream `collect_seconds` — does both at the next look). Their approve of a return
(Naver return/approve, Coupang approval) is the refund: at any open stage before completion — still
requested (the goods not back yet) included — it completes the return at once, as the real ones do.

Claims arrive at a steady rate: every live order generated has `claim_share` chance of bringing a
claim on an earlier order (a cancel on an unshipped one, a return or an exchange on a delivered one).
The demo's initial cancel requests (`state._assign_claim`) are adopted into the book."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Line, Order, SandboxState, Shop

KINDS = ("cancel", "return", "exchange")
CLAIM_PROTOCOLS = ("naver", "coupang", "shopify", "elevenst")
STREAM_KINDS = {"shopify": ("return", "exchange")}  # Shopify buyers cannot ask to cancel
SELF_COLLECT = ("naver", "coupang")  # the marketplace picks returns and exchanges up itself
OPEN = ("requested", "held", "collecting", "collected", "reshipped")
# unshipped / delivered order statuses per protocol (where a cancel / a return or exchange can start)
UNSHIPPED = {"naver": ("PAYED",), "coupang": ("ACCEPT", "INSTRUCT"), "shopify": ("UNFULFILLED",),
             "elevenst": ("202", "301")}
DELIVERED = {"naver": ("DELIVERED", "DELIVERING"), "coupang": ("FINAL_DELIVERY", "DELIVERING"),
             "shopify": ("FULFILLED",), "elevenst": ("501", "401")}
REASONS = {
    "cancel": [("INTENT_CHANGED", "단순 변심으로 취소합니다"), ("DELAYED_DELIVERY", "배송이 늦어 취소합니다")],
    "return": [("COLOR_AND_SIZE", "사이즈가 맞지 않아요"), ("BROKEN", "받아보니 파손되어 있어요"),
               ("INTENT_CHANGED", "마음이 바뀌었어요"), ("WRONG_DELIVERY", "다른 상품이 왔어요")],
    "exchange": [("COLOR_AND_SIZE", "한 치수 큰 것으로 바꿔주세요"), ("WRONG_OPTION", "주문한 색상과 달라요")],
}
SELLER_FAULT = {"BROKEN", "WRONG_DELIVERY", "WRONG_OPTION", "DELAYED_DELIVERY"}


@dataclass
class SandboxClaim:
    claim_id: str  # per line (Naver claimId; Coupang renders group_id as receiptId / exchangeId)
    group_id: str  # one buyer request over the order's lines
    kind: str
    order_seq: int
    line_no: str
    quantity: int
    state: str
    reason_code: str
    reason_text: str
    requested_at: datetime
    changed_at: datetime
    requester: str = "buyer"
    fee: int = 0
    fee_payer: str = ""
    collect_carrier: str = ""
    collect_tracking: str = ""
    reship_carrier: str = ""
    reship_tracking: str = ""
    held_from: str = ""
    decisions: list[dict[str, Any]] = field(default_factory=list)


def claim_json(claim: SandboxClaim) -> dict[str, Any]:
    data = asdict(claim)
    for key in ("requested_at", "changed_at"):
        data[key] = getattr(claim, key).isoformat()
    return data


def claim_from_json(data: dict[str, Any]) -> SandboxClaim:
    data = dict(data)
    for key in ("requested_at", "changed_at"):
        data[key] = datetime.fromisoformat(data[key])
    return SandboxClaim(**data)


# --- the order follows the claim ------------------------------------------------------------------

_NAVER_STATUS = {
    ("cancel", "requested"): "CANCEL_REQUEST", ("cancel", "completed"): "CANCEL_DONE",
    ("cancel", "rejected"): "CANCEL_REJECT",
    ("return", "requested"): "RETURN_REQUEST", ("return", "held"): "RETURN_REQUEST",
    ("return", "collecting"): "COLLECTING", ("return", "collected"): "COLLECT_DONE",
    ("return", "completed"): "RETURN_DONE", ("return", "rejected"): "RETURN_REJECT",
    ("exchange", "requested"): "EXCHANGE_REQUEST", ("exchange", "held"): "EXCHANGE_REQUEST",
    ("exchange", "collecting"): "COLLECTING", ("exchange", "collected"): "COLLECT_DONE",
    ("exchange", "reshipped"): "EXCHANGE_REDELIVERING", ("exchange", "completed"): "EXCHANGE_DONE",
    ("exchange", "rejected"): "EXCHANGE_REJECT",
}
_NAVER_CHANGE = {"requested": "CLAIM_REQUESTED", "collected": "COLLECT_DONE", "completed": "CLAIM_COMPLETED",
                 "rejected": "CLAIM_REJECTED", "reshipped": "CLAIM_REDELIVERING", "held": "CLAIM_REQUESTED",
                 "collecting": "CLAIM_REQUESTED"}
_NAVER_DONE = {"cancel": "CANCELED", "return": "RETURNED", "exchange": "EXCHANGED"}


def naver_claim_status(claim: SandboxClaim) -> str:
    return _NAVER_STATUS[(claim.kind, claim.state)]


def coupang_receipt_status(claim: SandboxClaim) -> str:
    if claim.kind == "cancel":
        return "RETURNS_COMPLETED" if claim.state == "completed" else "RELEASE_STOP_UNCHECKED"
    return {"collected": "VENDOR_WAREHOUSE_CONFIRM", "completed": "RETURNS_COMPLETED"}.get(
        claim.state, "RETURNS_UNCHECKED")


def _follow(shop: Shop, order: Order, claim: SandboxClaim, now: datetime) -> None:
    """The order's status at the marketplace after the claim changed."""
    order.changed_at = now
    if shop.protocol == "naver":
        order.claim_type = claim.kind.upper()
        order.claim_status = naver_claim_status(claim)
        order.change_type = _NAVER_CHANGE.get(claim.state, "CLAIM_REQUESTED")
        if claim.state == "completed":
            order.status = _NAVER_DONE[claim.kind]
    elif shop.protocol == "coupang":
        if claim.kind == "cancel":
            order.claim_type = "" if claim.state == "rejected" else "CANCEL"
            order.claim_status = {"requested": "RU", "completed": "CC"}.get(claim.state, "")
        else:
            order.claim_type, order.claim_status = claim.kind.upper(), claim.state
    elif shop.protocol == "elevenst":
        _follow_elevenst(order, claim)
    elif shop.protocol == "shopify" and claim.kind == "cancel" and claim.state == "completed":
        order.cancelled_at, order.financial = order.cancelled_at or now, "REFUNDED"


# 11st ordPrdStat of a line under a claim (None: back to the order's own stage)
_ELEVENST_STAGE = {("cancel", "requested"): "701", ("cancel", "completed"): "B01", ("return", "completed"): "A01"}


def _follow_elevenst(order: Order, claim: SandboxClaim) -> None:
    """11st: the claimed line's ordPrdStat (701 취소처리중, 601 클레임진행중, B01 주문취소, A01 반품완료);
    the order's own claim_status when every line is at the same claim stage."""
    if claim.state in OPEN and claim.kind != "cancel":
        stage: str | None = "601"
    else:
        stage = _ELEVENST_STAGE.get((claim.kind, claim.state))
    if stage is None:
        order.line_status.pop(claim.line_no, None)
    else:
        order.line_status[claim.line_no] = stage
    stages = {order.line_status.get(line.line_no) for line in order.lines}
    common = stages.pop() if len(stages) == 1 else None
    if common in ("701", "601"):
        order.claim_type, order.claim_status = ("CANCEL" if common == "701" else claim.kind.upper()), common
    else:
        order.claim_type, order.claim_status = "", ""
    if common in ("B01", "A01"):
        order.status, order.line_status = common, {}


def _set(shop: Shop, claim: SandboxClaim, state: str, now: datetime) -> None:
    from .state import _rng  # noqa: PLC0415 - one deterministic rng for the sandbox

    claim.state, claim.changed_at = state, now
    if state == "collecting" and not claim.collect_tracking:
        rng = _rng(shop.code, claim.claim_id, "collect")
        claim.collect_carrier, claim.collect_tracking = "CJGLS", f"7{rng.randint(10**10, 10**11 - 1)}"
    for order in shop.orders:
        if order.seq == claim.order_seq:
            _follow(shop, order, claim, now)
            break


# --- generation -----------------------------------------------------------------------------------

def _next_ids(shop: Shop) -> tuple[int, int]:
    """(the next request's group id, the next claim id): fresh numbers per shop."""
    groups = len({c.group_id for c in shop.claims})
    return 60_000_000 + shop.index * 5_000_000 + groups + 1, 70_000_000 + shop.index * 5_000_000 + len(shop.claims) + 1


def open_claims(state: SandboxState, shop: Shop, order: Order, kind: str, now: datetime, *,
                requester: str = "buyer", lines: list[Line] | None = None, reason: tuple[str, str] | None = None,
                claim_state: str = "requested") -> list[SandboxClaim]:
    """A buyer's (or the seller's) request over `lines` of `order` (all lines when None)."""
    from .state import _rng  # noqa: PLC0415

    rng = _rng(state.seed, shop.code, "claim-reason", order.seq, kind)
    code, text = reason or rng.choice(REASONS[kind])
    group, first = _next_ids(shop)
    made = []
    for index, line in enumerate(lines or order.lines):
        seller_pays = code in SELLER_FAULT or requester == "seller"
        fee = 0 if kind == "cancel" else (3000 if shop.currency == "KRW" else 5) * (1 if kind == "return" else 2)
        claim = SandboxClaim(
            claim_id=str(first + index), group_id=str(group), kind=kind, order_seq=order.seq,
            line_no=line.line_no, quantity=line.quantity, state=claim_state, reason_code=code, reason_text=text,
            requested_at=now, changed_at=now, requester=requester, fee=fee,
            fee_payer="" if kind == "cancel" else ("seller" if seller_pays else "buyer"))
        shop.claims.append(claim)
        made.append(claim)
        _set(shop, claim, claim_state, now)
    return made


def adopt(state: SandboxState, shop: Shop, order: Order) -> None:
    """The demo's initial cancel requests (set on the order by `_assign_claim`) become claims; a
    Shopify order generated cancelled is a completed cancel."""
    if shop.protocol not in CLAIM_PROTOCOLS or any(c.order_seq == order.seq for c in shop.claims):
        return
    if shop.protocol == "shopify" and order.cancelled_at:
        open_claims(state, shop, order, "cancel", order.cancelled_at, claim_state="completed",
                    reason=("CUSTOMER", "구매자 요청으로 취소"))
    elif order.claim_type == "CANCEL":
        open_claims(state, shop, order, "cancel", order.changed_at)


# the initial returns and exchanges of a seeded sandbox (`SandboxState(seeded_claims=True)`, as
# `marketdock sandbox` runs): (kind, where it stands, hours before the anchor it was asked), each on
# the first delivered order of at most two lines still free of claims
SEEDED = (("return", "collected", 30), ("return", "requested", 5), ("exchange", "requested", 3),
          ("return", "collecting", 20))


def seed_returns(state: SandboxState, shop: Shop) -> None:
    """Returns and exchanges buyers asked on earlier delivered orders, at the stages a demo shows: a
    return the seller approved whose parcel is back (입고검수 waits), one being picked up, and a return
    and an exchange waiting for the seller's decision."""
    if shop.protocol not in CLAIM_PROTOCOLS:
        return
    for kind, stage, hours in SEEDED:
        if kind not in STREAM_KINDS.get(shop.protocol, KINDS):
            continue
        eligible = [o for o in shop.orders if _eligible(shop, kind, o)]
        if not eligible:
            continue
        order = min(eligible, key=lambda o: (len(o.lines) > 2, o.seq))  # a small order reads best
        asked = max(order.changed_at, state.anchor - timedelta(hours=hours))
        made = open_claims(state, shop, order, kind, asked)
        if stage == "requested":
            continue
        approved = min(state.anchor, asked + timedelta(hours=2))
        for claim in made:
            if shop.protocol not in SELF_COLLECT:  # (Naver and Coupang collect without the seller's word)
                claim.decisions.append({"at": approved.isoformat(), "action": "approve"})
            _set(shop, claim, "collecting", approved)
            if stage == "collected":
                _set(shop, claim, "collected", min(state.anchor, approved + timedelta(hours=20)))


def _eligible(shop: Shop, kind: str, order: Order) -> bool:
    if order.claim_type or any(c.order_seq == order.seq for c in shop.claims):
        return False
    statuses = UNSHIPPED if kind == "cancel" else DELIVERED
    return order.status in statuses.get(shop.protocol, ()) and not (kind == "cancel" and order.placed and
                                                                   shop.protocol == "coupang")


def generate(state: SandboxState, shop: Shop, seq: int, now: datetime) -> SandboxClaim | None:
    """Called for every live order generated: with `claim_share` chance a claim on an earlier order."""
    from .state import _rng  # noqa: PLC0415

    if shop.protocol not in CLAIM_PROTOCOLS or state.claim_share <= 0:
        return None
    rng = _rng(state.seed, shop.code, "claim-gen", seq)
    if rng.random() >= state.claim_share:
        return None
    kind = rng.choice(STREAM_KINDS.get(shop.protocol, KINDS))
    made = create(state, shop, kind, now, rng_pick=rng.random())
    return made[0] if made else None


def create(state: SandboxState, shop: Shop, kind: str, now: datetime, rng_pick: float = 0.0,
           promote: bool = False, order_seq: int | None = None) -> list[SandboxClaim]:
    """A claim of `kind` on an eligible order (the admin API and the stream); [] when none is.
    `promote` (admin API): with no delivered order left, one unshipped order is delivered first.
    `order_seq` (admin API): that order only (a test that needs a known order), [] when not eligible."""
    if kind not in STREAM_KINDS.get(shop.protocol, KINDS):
        raise ValueError(f"kind must be one of {', '.join(STREAM_KINDS.get(shop.protocol, KINDS))}")
    if order_seq is not None:
        chosen = [o for o in shop.orders if o.seq == order_seq and _eligible(shop, kind, o)]
        return open_claims(state, shop, chosen[0], kind, now) if chosen else []
    candidates = [o for o in shop.orders if _eligible(shop, kind, o)]
    if not candidates and kind != "cancel" and promote:  # deliver an order so a return/exchange can start
        shipped = [o for o in shop.orders if not o.claim_type and o.status in UNSHIPPED.get(shop.protocol, ())
                   and not any(c.order_seq == o.seq for c in shop.claims)]
        if shipped:
            order = shipped[0]
            order.status = DELIVERED[shop.protocol][0]
            order.placed, order.changed_at = True, now
            order.change_type = "DISPATCHED"
            candidates = [order]
    if not candidates:
        return []
    order = candidates[int(rng_pick * len(candidates)) % len(candidates)]
    return open_claims(state, shop, order, kind, now)


def advance(state: SandboxState, shop: Shop, now: datetime) -> None:
    """Returns travel back: collecting → collected, re-shipped exchanges → completed; at Naver and
    Coupang a return or exchange request is picked up first (requested → collecting), by the marketplace."""
    wait = timedelta(seconds=state.claim_collect_seconds)
    for claim in shop.claims:
        if (claim.state == "requested" and claim.kind != "cancel" and shop.protocol in SELF_COLLECT
                and now - claim.changed_at >= wait):
            _set(shop, claim, "collecting", max(now, claim.changed_at))
        if claim.state == "collecting" and now - claim.changed_at >= wait:
            _set(shop, claim, "collected", max(now, claim.changed_at))
        elif claim.state == "reshipped" and now - claim.changed_at >= wait:
            _set(shop, claim, "completed", max(now, claim.changed_at))


# --- decisions ------------------------------------------------------------------------------------

class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def decide(shop: Shop, claim: SandboxClaim, action: str, now: datetime, **details: Any) -> None:
    """Apply one decision of the seller (raises Refused with the marketplace's words)."""
    state, kind = claim.state, claim.kind
    if action == "approve":
        if state in ("requested", "held") and kind == "return" and shop.protocol in SELF_COLLECT:
            new = "completed"  # Naver 반품 승인 / Coupang 반품승인 is the refund, goods back or not
        elif state in ("requested", "held"):
            new = "completed" if kind == "cancel" else "collecting"
        elif state == "collected" and kind == "return":
            new = "completed"
        elif state == "collected" and kind == "exchange":
            new = "collected"  # 수거 승인: the replacement may leave now
        else:
            raise Refused("INVALID_STATE", f"현재 클레임 상태({state})에서는 승인할 수 없습니다.")
    elif action == "reject":
        if state not in ("requested", "held", "collected"):
            raise Refused("INVALID_STATE", f"현재 클레임 상태({state})에서는 거부할 수 없습니다.")
        new = "rejected"
    elif action == "hold":
        if kind == "cancel" or state not in ("requested", "collected"):
            raise Refused("INVALID_STATE", f"현재 클레임 상태({state})에서는 보류할 수 없습니다.")
        claim.held_from, new = state, "held"
    elif action == "release_hold":
        if state != "held":
            raise Refused("INVALID_STATE", "보류 중인 클레임이 아닙니다.")
        new = claim.held_from or "requested"
    elif action == "receive":  # the seller says the goods are in (반품 / 교환 입고확인, 교환 수거 완료)
        allowed = ("requested", "collecting", "collected") if kind == "exchange" else ("requested", "collecting")
        if kind == "cancel" or state not in allowed:
            raise Refused("INVALID_STATE", f"현재 클레임 상태({state})에서는 입고확인할 수 없습니다.")
        new = "collected"
    elif action == "complete":
        if kind != "return" or state not in ("collecting", "collected"):
            raise Refused("INVALID_STATE", f"현재 클레임 상태({state})에서는 반품을 완료할 수 없습니다.")
        new = "completed"
    elif action == "reship":
        if kind != "exchange" or state != "collected":
            raise Refused("INVALID_STATE", "수거가 완료된 교환만 재배송할 수 있습니다.")
        if not details.get("tracking"):
            raise Refused("INVALID_TRACKING", "재배송 송장번호가 없습니다.")
        claim.reship_carrier, claim.reship_tracking = str(details.get("carrier") or ""), str(details["tracking"])
        new = "reshipped"
    else:
        raise Refused("INVALID_ACTION", f"알 수 없는 처리입니다: {action}")
    claim.decisions.append({"at": now.isoformat(), "action": action,
                            **{k: v for k, v in details.items() if v not in (None, "")}})
    shop.record(now, "claim_decision", claim_id=claim.claim_id, kind=kind, action=action, state=new)
    _set(shop, claim, new, now)


def seller_cancel(state: SandboxState, shop: Shop, order: Order, line: Line, now: datetime,
                  reason: str = "SOLD_OUT") -> SandboxClaim:
    if any(c.order_seq == order.seq and c.line_no == line.line_no and c.state in OPEN for c in shop.claims):
        raise Refused("CLAIM_EXISTS", "이미 진행 중인 클레임이 있습니다.")
    if order.status not in UNSHIPPED.get(shop.protocol, ()):
        raise Refused("INVALID_STATE", "이미 발송된 주문은 판매취소할 수 없습니다.")
    claim = open_claims(state, shop, order, "cancel", now, requester="seller", lines=[line],
                        reason=(reason, "품절로 판매자가 취소했습니다"), claim_state="completed")[0]
    claim.decisions.append({"at": now.isoformat(), "action": "seller_cancel"})
    shop.record(now, "claim_decision", claim_id=claim.claim_id, kind="cancel", action="seller_cancel",
                state="completed")
    return claim


def withdraw(shop: Shop, claim: SandboxClaim, now: datetime) -> None:
    """The buyer withdraws an open request (철회): listed by 11st's withdraw/retract lists."""
    if claim.state not in ("requested", "held"):
        raise Refused("INVALID_STATE", f"현재 클레임 상태({claim.state})에서는 철회할 수 없습니다.")
    shop.record(now, "claim_withdrawn", claim_id=claim.claim_id, kind=claim.kind)
    _set(shop, claim, "withdrawn", now)


def malformed(shop: Shop, claim: SandboxClaim) -> bool:
    """Fault `malformed_claim`: the shop's first claim (its whole request) renders a broken field."""
    if not shop.faults.malformed_claim:
        return False
    asked = [c for c in shop.claims if c.kind in STREAM_KINDS.get(shop.protocol, KINDS)]  # (Shopify: a return)
    return bool(asked) and claim.group_id == asked[0].group_id


def find(shop: Shop, claim_id: str) -> SandboxClaim | None:
    return next((c for c in shop.claims if c.claim_id == claim_id), None)


def open_for_line(shop: Shop, line_no: str, kind: str | None = None) -> SandboxClaim | None:
    """The latest claim of a line (open ones first)."""
    mine = [c for c in shop.claims if c.line_no == line_no and (kind is None or c.kind == kind)]
    live = [c for c in mine if c.state in OPEN]
    return (live or mine or [None])[-1]


def truth(shop: Shop) -> dict[str, Any]:
    """Every claim with its state and the decisions it received, and the counts a bench compares."""
    claims = [{**claim_json(c), "malformed": malformed(shop, c)} for c in shop.claims]
    by_kind: dict[str, int] = {}
    by_state: dict[str, int] = {}
    for c in shop.claims:
        by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
        by_state[c.state] = by_state.get(c.state, 0) + 1
    return {"shop": shop.code, "protocol": shop.protocol, "claims": claims,
            "counts": {"claims": len(claims), "by_kind": by_kind, "by_state": by_state,
                       "decisions": sum(len(c.decisions) for c in shop.claims)}}
