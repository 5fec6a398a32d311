"""Home tiles (처리할 일) of the claims: waiting for a decision, returns waiting for 입고검수, and the
overdue ones (past `models.OVERDUE_BUSINESS_DAYS`) in red."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketdock.core.dashboard import Tile

from . import selectors


def claim_tiles(*, company, user):
    counts = selectors.tile_counts(company)
    url = reverse("claims:list")
    yield Tile("claims_waiting", _("결정 대기 클레임"), counts["waiting"], url + "?status=requested&status=held",
               "cs.claims", "primary" if counts["waiting"] else "secondary")
    yield Tile("claims_inspecting", _("입고검수 대기"), counts["inspecting"], reverse("claims:inspection"),
               "cs.inspection", "warning" if counts["inspecting"] else "secondary")
    if counts["overdue"]:
        yield Tile("claims_overdue", _("처리기한 지난 클레임"), counts["overdue"], url + "?overdue=1", "cs.claims",
                   "danger", _("요청 후 처리기한(영업일)이 지나도록 결정하지 않은 클레임"))


def order_actions(*, request, order):
    """The order detail's buttons into the claims and 문자 발송 (only for users who may write them)."""
    from marketdock.core import permissions

    actions = []
    if permissions.can_write(request.user, "cs.claims"):
        url = reverse("claims:new", args=[order.pk])
        actions += [(_("클레임 등록"), url), (_("품절 취소"), url + "?type=sold_out")]
    if permissions.can_write(request.user, "cs.sms"):  # 문자 발송 to this order's buyer (CS-4)
        actions.append((_("문자 발송"), f"{reverse('claims:sms_send_orders')}?order={order.pk}"))
    return actions


def order_bulk_actions(*, request):
    """The order list's bulk 문자 보내기 to the selected orders' buyers (CS-4), for users who may send."""
    from marketdock.core import permissions
    from marketdock.orders.hooks import BulkAction

    if permissions.can_write(request.user, "cs.sms"):
        yield BulkAction("sms", _("문자 보내기"), reverse("claims:sms_send_orders"))
