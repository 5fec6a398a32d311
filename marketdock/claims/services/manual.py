"""Claims entered by hand (Excel/manual channels, or any order) and the seller's own cancel (품절 취소).

A manual claim (취소 / 반품 / 교환 on one order line, with quantity and reason) starts at 요청 and follows
the same flow as a collected one, without anything sent to a marketplace. A seller's cancel of a
sold-out line is decided at once: the claim is created 승인, the line cancelled and its stock given
back (`consequences.cancel_apply`), and — where the channel has an API — the marketplace is told
(SELLER_CANCEL) in the same transaction. Refused input changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.cs_models import ClaimAction
from marketdock.core.models import Company, User
from marketdock.orders.models import SHIPPED_STATUSES, OrderLine
from marketdock.orders.services import FlowError, line_effective_quantity, line_is_cancelled
from marketdock.orders.services.effects import NO_API_CHANNELS

from .. import hooks
from ..models import Claim, ClaimEventKind, ClaimSource, ClaimStatus, ClaimType, ReasonClass, Requester
from . import consequences
from .effects import claim_decision_enqueue
from .flow import ClaimError, claim_event, claim_move


def _check(company: Company, line: OrderLine, type_: str, quantity: int) -> None:
    if line is None or line.company_id != company.pk:
        raise ClaimError(_("주문상품을 찾을 수 없습니다."))
    if type_ not in ClaimType.values:
        raise ClaimError(_("클레임 구분을 선택하세요 (취소, 반품, 교환)."))
    if not isinstance(quantity, int) or quantity < 1 or quantity > line.quantity:
        raise ClaimError(_("수량은 1부터 %(max)s까지 입력하세요.") % {"max": line.quantity})
    shipped = line.status in SHIPPED_STATUSES
    if type_ == ClaimType.CANCEL:
        if shipped:
            raise ClaimError(_("이미 출고된 상품은 취소할 수 없습니다. 반품으로 등록하세요."))
        if line_is_cancelled(line) or quantity > line_effective_quantity(line):
            raise ClaimError(_("취소할 수 있는 수량은 %(n)s개입니다.") % {"n": line_effective_quantity(line)})
    elif not shipped:
        raise ClaimError(_("출고 전 상품은 반품·교환이 아니라 취소로 등록하세요."))


def _new(company: Company, line: OrderLine, type_: str, quantity: int, reason: str, user: User | None, *,
         source: str, requester: str, reason_class: str = "") -> Claim:
    now = timezone.now()
    claim = Claim.objects.create(
        company=company, order_id=line.order_id, line=line, account_id=line.account_id, type=type_,
        status=ClaimStatus.REQUESTED, source=source, requester=requester, quantity=quantity,
        reason_text=reason[:1000], reason_class=reason_class, currency=line.currency, requested_at=now,
        created_at=now, updated_at=now)
    claim_event(claim, ClaimEventKind.CREATED, _("%(source)s: %(type)s %(n)s개 · %(reason)s") % {
        "source": claim.get_source_display(), "type": claim.get_type_display(), "n": quantity, "reason": reason[:200]},
        user, "", ClaimStatus.REQUESTED)
    hooks.claim_created(company, [claim.pk])
    return claim


def claim_create_manual(*, company: Company, line: OrderLine, type: str, quantity: int, reason: str,
                        user: User | None) -> Claim:
    """A claim entered by hand at 요청 (decided later like any other)."""
    reason = (reason or "").strip()
    _check(company, line, type, quantity)
    if not reason:
        raise ClaimError(_("사유를 입력하세요."))
    with transaction.atomic():
        return _new(company, line, type, quantity, reason, user, source=ClaimSource.MANUAL, requester=Requester.BUYER)


def seller_cancel(*, company: Company, line: OrderLine, quantity: int, reason: str, user: User | None) -> Claim:
    """판매자 취소 (품절): cancel `quantity` of a line that has not shipped, decided at once."""
    reason = (reason or "").strip() or _("품절")
    _check(company, line, ClaimType.CANCEL, quantity)
    try:
        with transaction.atomic():
            claim = _new(company, line, ClaimType.CANCEL, quantity, reason, user, source=ClaimSource.SELLER,
                         requester=Requester.SELLER, reason_class=ReasonClass.SOLD_OUT)
            claim = Claim.objects.select_related("order", "line", "account").get(pk=claim.pk)
            claim_move(claim, ClaimStatus.APPROVED, user=user, note=reason)
            if claim.account.kind not in NO_API_CHANNELS:
                claim_decision_enqueue(claim=claim, action=ClaimAction.SELLER_CANCEL, reason_code="SOLD_OUT",
                                       memo=reason)
            consequences.cancel_apply(claim, user)
            claim_move(claim, ClaimStatus.COMPLETED, user=user)
    except FlowError as exc:
        raise ClaimError(str(exc)) from None
    return claim
