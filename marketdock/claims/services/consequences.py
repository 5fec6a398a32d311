"""What an approved cancel does to the order and stock, through the order and shipping services only.

A cancel approved before the line shipped cancels the claimed quantity of the line
(`orders.services.order_line_cancel`): reservations are released, stock deducted at 출고준비 for goods
that never left is put back — read from the ledger, so it happens exactly once even when the cancel is
approved again or the marketplace's collection reports the same cancel. The line's cancelled
quantity becomes the sum of the line's approved cancel claims (never less than what the marketplace
reported), so two claims on one line each count once and one claim never counts twice.

When the order's label was already printed, the existing "출력 후 취소/보류" warning must stop the
box: an order cancelled whole is stopped by its status already; an order cancelled in part is put on
보류 through the order flow, so the scan check and the home tile flag its package the same way.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from marketdock.core.models import User
from marketdock.orders import services as order_services
from marketdock.orders.models import OrderStatus
from marketdock.orders.services import FlowError
from marketdock.shipping import selectors as shipping_selectors
from marketdock.shipping.models import PackageStatus

from ..models import Claim, ClaimEventKind, ClaimStatus, ClaimType
from .flow import claim_event

APPLIED_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.COMPLETED)


def cancelled_quantity_for(claim: Claim) -> int:
    """The line's cancelled quantity once `claim` (already 승인) counts: its approved cancel claims."""
    total = (Claim.objects.filter(company_id=claim.company_id, line_id=claim.line_id, type=ClaimType.CANCEL,
                                  status__in=APPLIED_STATUSES).aggregate(n=Sum("quantity"))["n"] or 0)
    return min(claim.line.quantity, total)


def cancel_apply(claim: Claim, user: User | None) -> str:
    """Cancel the claimed quantity of the line and give its stock back; returns what happened (Korean)."""
    company = claim.company
    reason = _("클레임 %(no)s") % {"no": claim.channel_claim_id or claim.pk}
    order = order_services.order_line_cancel(company=company, line=claim.line,
                                             cancelled_quantity=cancelled_quantity_for(claim), user=user,
                                             reason=reason)
    done = _("주문상품을 취소하고 재고를 되돌렸습니다.")
    claim_event(claim, ClaimEventKind.STOCK, done, user)
    package = shipping_selectors.package_for_order(company, order)
    if package is None or package.status != PackageStatus.PRINTED:
        return done
    if order.status not in (OrderStatus.CANCELLED, OrderStatus.HOLD):
        result = order_services.order_hold(company=company, orders=[order], user=user,
                                           reason=_("운송장 출력 후 일부 상품 취소 (%(why)s)") % {"why": reason})
        if result.failed:
            raise FlowError(result.failed[0].message)
    warning = _("운송장 %(no)s을(를) 출력한 뒤 취소되었습니다. 출고검수에서 출고가 중지됩니다.") % {
        "no": package.tracking_number or package.code}
    claim_event(claim, ClaimEventKind.NOTE, warning, user)
    return f"{done} {warning}"
