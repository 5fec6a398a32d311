"""The arithmetic of one line's expected settlement (STL-1, STL-2), free of the database so it is
easy to test and fast in bulk: `line_figures(LineInput) -> (ExpectedValues, [AdjustmentValues])`.

Rules:
- the settled quantity is the ordered quantity minus units cancelled or returned *before payout*
  (the marketplace nets them out: the line leaves, or partly leaves, the expected payout);
- a refund *after payout* (the claim completed after the payout date) leaves the line as paid and
  becomes a negative adjustment: the refund (the claim's refund amount, else the units' share of the
  line), the commission given back per the rule (`refund_reverses_commission`), and a return shipping
  fee the buyer paid, which the seller keeps;
- a return shipping fee the buyer pays on a return before payout is added to the line's payout;
- the order's shipping fee goes to its first line still settled; commission on it by the rule's
  shipping rate;
- marketplace-reported commissions and expected settlement (Naver product orders) win over the rule;
- commissions are truncated below one unit (원 미만 절사).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..models import AdjustmentKind, ExpectedState, FigureSource
from .commission import Rates, pct


@dataclass(frozen=True)
class ClaimInput:
    id: int
    kind: str  # "cancel" | "return"
    quantity: int
    day: date  # KST date the refund happened (completion)
    refund_amount: int | None
    buyer_return_fee: int  # the return shipping fee the buyer pays (0 when the seller pays)


@dataclass(frozen=True)
class Reported:
    """Figures the marketplace reported on the line itself."""

    sale_commission: int
    payment_commission: int
    expected_settlement: int


@dataclass
class LineInput:
    quantity: int
    channel_cancelled: int  # units the marketplace reports cancelled (no date: before payout)
    unit_price: int
    discount_amount: int  # seller discount for the whole ordered quantity
    marketplace_discount: int
    shipping_fee: int  # the order's fee when this line carries it, else 0
    carries_order_fee: bool
    currency: str
    rates: Rates
    payout_date: date | None  # when the marketplace pays (or paid) the line
    paid: bool
    estimated: bool
    returned_without_claim: bool = False  # the marketplace shows the line returned, no claim known
    claims: list[ClaimInput] = field(default_factory=list)
    reported: Reported | None = None


@dataclass
class ExpectedValues:
    quantity: int
    cancelled_quantity: int
    sale_amount: int
    seller_discount: int
    marketplace_discount: int
    shipping_fee: int
    sale_commission: int
    payment_commission: int
    shipping_commission: int
    fixed_fee: int
    refunded_amount: int
    buyer_return_fee: int
    expected_payout: int
    state: str
    source: str


@dataclass
class AdjustmentValues:
    key: str
    claim_id: int
    kind: str
    quantity: int
    amount: int
    commission_reversed: int
    shipping_fee: int
    net: int
    booked_on: date


def share(amount: int, part: int, whole: int) -> int:
    """`amount` × part / whole, rounded half up (0 when whole is 0)."""
    if whole <= 0 or part <= 0:
        return 0
    if part >= whole:
        return amount
    sign = -1 if amount < 0 else 1
    return sign * ((abs(amount) * part * 2 + whole) // (2 * whole))


def _after_payout(li: LineInput, claim: ClaimInput) -> bool:
    return li.payout_date is not None and claim.day > li.payout_date


def line_figures(li: LineInput) -> tuple[ExpectedValues, list[AdjustmentValues]]:
    qty = max(0, li.quantity)
    pre = [c for c in li.claims if not _after_payout(li, c)]
    post = [c for c in li.claims if _after_payout(li, c)]
    cancels = max(li.channel_cancelled, sum(c.quantity for c in pre if c.kind == "cancel"))
    returns = sum(c.quantity for c in pre if c.kind == "return")
    if li.returned_without_claim and not li.claims:
        returns = qty
    removed = min(qty, cancels + returns)
    eff = qty - removed
    line_net = li.unit_price * qty - li.discount_amount
    sale = li.unit_price * eff
    discount = share(li.discount_amount, eff, qty)
    base = sale - discount
    shipping = li.shipping_fee if (li.carries_order_fee and eff > 0) else 0
    buyer_fee = sum(c.buyer_return_fee for c in pre if c.kind == "return")
    rates = li.rates
    ship_comm = pct(shipping, rates.shipping)
    if li.reported is not None and eff > 0:
        source = FigureSource.MARKETPLACE
        sale_comm, pay_comm, fixed = li.reported.sale_commission, li.reported.payment_commission, 0
        payout = li.reported.expected_settlement + shipping - ship_comm + buyer_fee
    else:
        source = FigureSource.RULE if rates.rule_id else FigureSource.NONE
        sale_comm, pay_comm = pct(base, rates.sale), pct(base, rates.payment)
        fixed = 0
        if rates.currency == li.currency and eff > 0:
            fixed = rates.fixed_line + (rates.fixed_order if li.carries_order_fee else 0)
        payout = base + shipping + buyer_fee - sale_comm - pay_comm - ship_comm - fixed
    if eff == 0:
        state = ExpectedState.CANCELLED
    elif li.paid:
        state = ExpectedState.PAID
    elif li.estimated:
        state = ExpectedState.WAITING
    else:
        state = ExpectedState.SCHEDULED
    values = ExpectedValues(
        quantity=eff, cancelled_quantity=removed, sale_amount=sale, seller_discount=discount,
        marketplace_discount=share(li.marketplace_discount, eff, qty), shipping_fee=shipping,
        sale_commission=sale_comm, payment_commission=pay_comm, shipping_commission=ship_comm, fixed_fee=fixed,
        refunded_amount=share(line_net, removed, qty), buyer_return_fee=buyer_fee, expected_payout=payout,
        state=state, source=source)
    return values, _adjustments(li, post, eff, base, sale_comm + pay_comm)


def _adjustments(li: LineInput, post: list[ClaimInput], eff: int, base: int, commission: int
                 ) -> list[AdjustmentValues]:
    out: list[AdjustmentValues] = []
    left = eff
    for claim in sorted(post, key=lambda c: (c.day, c.id)):
        units = min(claim.quantity, left)
        if units <= 0 and not claim.buyer_return_fee:
            continue
        left -= max(units, 0)
        refund = claim.refund_amount if claim.refund_amount is not None else share(base, units, eff)
        reversed_comm = share(commission, units, eff) if li.rates.reverses else 0
        fee = claim.buyer_return_fee if claim.kind == "return" else 0
        out.append(AdjustmentValues(
            key=f"claim:{claim.id}", claim_id=claim.id, kind=AdjustmentKind.REFUND, quantity=units,
            amount=-abs(refund), commission_reversed=reversed_comm, shipping_fee=fee,
            net=-abs(refund) + reversed_comm + fee, booked_on=claim.day))
    return out
