"""Exchanges (교환): the replacement SKU, its order and package, and the re-shipment.

After 입고검수 of the item that came back, the replacement — the SKU chosen on the claim, by default the
SKU the line was matched to — becomes an order of its own (`orders.services.order_reship_create`:
same channel account and recipient, 주문확정, stock reserved) and goes into a package
(`shipping.services_packages.packages_build`), so it is printed, scanned and shipped like any other.
When it ships, the order flow asks the registered shipment taker (`reship_taken`, registered at
ready()): the marketplace hears a RESHIP of the claim with the carrier's marketplace code and the
tracking number (no 송장전송 of an order it does not know), and the claim is 완료.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.channels.connectors.cs_models import ClaimAction
from marketdock.core.models import Company, User
from marketdock.orders import services as order_services
from marketdock.orders.models import StockState
from marketdock.shipping.services_packages import packages_build

from ..models import Claim, ClaimEventKind, ClaimStatus, ClaimType
from .effects import claim_decision_enqueue
from .flow import ClaimError, claim_event, claim_move


def _line_skus(company: Company, claim: Claim) -> list[tuple[int, int]]:
    return order_services.line_components(company, [claim.line]).get(claim.line_id, [])


def exchange_sku(company: Company, claim: Claim) -> SKU | None:
    """The replacement SKU: the one chosen on the claim, else the line's own SKU (one-SKU lines)."""
    if claim.exchange_sku_id:
        return SKU.objects.filter(company=company, pk=claim.exchange_sku_id).first()
    comps = _line_skus(company, claim)
    if len(comps) == 1:
        return SKU.objects.filter(company=company, pk=comps[0][0]).first()
    return None


def exchange_sku_set(*, company: Company, claim: Claim, sku: SKU | None, user: User | None) -> None:
    """Choose the replacement SKU (before the replacement is made)."""
    if claim.company_id != company.pk or (sku is not None and sku.company_id != company.pk):
        raise ClaimError(_("클레임을 찾을 수 없습니다."))
    if claim.type != ClaimType.EXCHANGE:
        raise ClaimError(_("교환 클레임에서만 교환 SKU를 고를 수 있습니다."))
    if claim.reship_order_id or claim.status in (ClaimStatus.RESHIPPING, ClaimStatus.COMPLETED):
        raise ClaimError(_("재발송 주문을 만든 뒤에는 교환 SKU를 바꿀 수 없습니다."))
    with transaction.atomic():
        old = claim.exchange_sku.code if claim.exchange_sku_id else ""
        claim.exchange_sku = sku
        claim.save(update_fields=["exchange_sku"])
        claim_event(claim, ClaimEventKind.NOTE, _("교환 SKU: %(sku)s") % {"sku": sku.code if sku else _("같은 상품")},
                    user, old, sku.code if sku else "")


def _quantity(company: Company, claim: Claim) -> int:
    comps = _line_skus(company, claim)
    units = comps[0][1] if len(comps) == 1 else claim.line.quantity
    return max(1, order_services.component_units(claim.line, units, claim.quantity))


def reship_start(claim: Claim, user: User | None) -> str:
    """Create the replacement order (stock reserved) and its package; returns what happened (Korean)."""
    company = claim.company
    sku = exchange_sku(company, claim)
    if sku is None:
        raise ClaimError(_("교환으로 보낼 SKU를 선택하세요."))
    order = order_services.order_reship_create(
        company=company, source=claim.line, sku_id=sku.pk, quantity=_quantity(company, claim), suffix=f"X{claim.pk}",
        user=user, reason=_("클레임 %(no)s") % {"no": claim.channel_claim_id or claim.pk})
    claim.reship_order = order
    claim.save(update_fields=["reship_order"])
    packages_build(company=company, orders=[order], user=user)
    state = StockState(order.stock_state).label
    text = _("교환 재발송 주문 %(no)s을(를) 만들었습니다 (%(sku)s, 재고 %(state)s). 합포장·운송장 출력·출고검수를 거쳐 "
             "출고하세요.") % {"no": order.channel_order_id, "sku": sku.code, "state": state}
    claim_event(claim, ClaimEventKind.RESHIPPED, text, user)
    return text


def reship_taken(*, company, order, lines, shipment) -> bool:
    """The order flow's shipment taker: a replacement order shipping completes its claim (inside the
    order flow's transaction) and tells the marketplace RESHIP instead of a 송장전송."""
    claim = (Claim.objects.select_for_update(of=("self",)).select_related("order", "line", "account")
             .filter(company=company, reship_order_id=order.pk).first())
    if claim is None:
        return False
    carrier = shipment.carrier
    claim.reship_carrier_key = carrier.key if carrier is not None else ""
    claim.reship_tracking_number = shipment.number
    claim.save(update_fields=["reship_carrier_key", "reship_tracking_number"])
    from .decisions import tells_marketplace

    if tells_marketplace(claim):
        claim_decision_enqueue(claim=claim, action=ClaimAction.RESHIP, tracking_number=shipment.number,
                               marketplace_carrier_code=carrier.code_for(claim.account.kind) if carrier else "")
    claim_event(claim, ClaimEventKind.RESHIPPED, _("재발송 출고: %(what)s") % {"what": shipment.label})
    if claim.status == ClaimStatus.RESHIPPING:
        claim_move(claim, ClaimStatus.COMPLETED, user=None)
    return True
