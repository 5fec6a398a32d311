"""Home "처리할 일" tiles for orders: to confirm, to print, to scan, sent but failed, delayed, held.

운송장 출력 대기 / 출고검수 대기 count orders by status; where shipping is installed its package-based
tiles of the same steps take their place (core.dashboard `step`), so each step shows one number."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketdock.core.dashboard import Tile

from .models import OPEN_STATUSES, Order, OrderStatus
from .selectors import due_q, failed_effect_order_ids

S = OrderStatus


def order_tiles(*, company, user):
    url = reverse("orders:list")
    counts = Order.objects.filter(company=company).aggregate(
        new=Count("id", filter=Q(status=S.NEW)), confirmed=Count("id", filter=Q(status=S.CONFIRMED)),
        ready=Count("id", filter=Q(status=S.READY)), hold=Count("id", filter=Q(status=S.HOLD)),
        delayed=Count("id", filter=Q(expected_ship_date__isnull=False, status__in=OPEN_STATUSES)),
        due_today=Count("id", filter=due_q("today")), overdue=Count("id", filter=due_q("overdue")))
    failed = Order.objects.filter(company=company, id__in=failed_effect_order_ids(company)).count()
    screen = "orders.list"
    yield Tile("orders_to_confirm", _("주문확정 대기"), counts["new"], f"{url}?status=new", screen,
               "primary", _("신규 주문: 확인 후 주문확정(발주확인)"))
    yield Tile("orders_to_print", _("운송장 출력 대기"), counts["confirmed"], f"{url}?status=confirmed", screen,
               "primary", _("주문확정: 출고준비·운송장 출력"), step="to_print")
    yield Tile("orders_to_scan", _("출고검수 대기"), counts["ready"], f"{url}?status=ready", screen,
               "primary", _("출고준비: 검수 후 출고완료"), step="to_scan")
    yield Tile("orders_due_today", _("오늘 출고기한"), counts["due_today"], f"{url}?due=today&sort=dispatch_due",
               screen, "warning" if counts["due_today"] else "secondary", _("오늘까지 출고해야 하는 주문"))
    yield Tile("orders_overdue", _("기한 초과"), counts["overdue"], f"{url}?due=overdue&sort=dispatch_due", screen,
               "danger" if counts["overdue"] else "secondary", _("출고기한이 지났는데 아직 출고되지 않은 주문"))
    yield Tile("orders_effect_failed", _("쇼핑몰 전송 실패"), failed, f"{url}?effect=failed", screen,
               "danger" if failed else "secondary", _("발주확인·송장·발송지연 전송 실패: 확인 후 재전송"))
    yield Tile("orders_delayed", _("발송지연"), counts["delayed"], f"{url}?delayed=1", screen,
               "warning" if counts["delayed"] else "secondary")
    yield Tile("orders_held", _("보류"), counts["hold"], f"{url}?status=hold", screen,
               "warning" if counts["hold"] else "secondary")
