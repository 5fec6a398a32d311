"""Order processing screens (ORD-4..7, ORD-9, SHP-4): bulk actions from the order list with a result
per order, the detail's status buttons, partial shipment, 발송지연, buyer/recipient edit, retry of
failed marketplace writes, the Excel status/tracking upload and the shipped-list download.
Thin: parse, call the order services, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketdock.core import params
from marketdock.core.downloads import xlsx_response
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .models import Order, OrderStatus
from .views_list import parse_filters

SCREEN = "orders.list"
MAX_BULK = 1000
BULK_ACTIONS = {
    "confirm": OrderStatus.CONFIRMED, "ready": OrderStatus.READY, "cancel": OrderStatus.CANCELLED,
    "delivered": OrderStatus.DELIVERED, "new": OrderStatus.NEW,
}


def _order(request, pk: int) -> Order:
    return get_or_404(selectors.order_get, request.company, pk, _("주문을 찾을 수 없습니다."))


def _selected(request, source) -> tuple[list[Order], list[str]]:
    raw = [x for x in source.getlist("order") if x][:MAX_BULK]
    ids = params.id_list(raw)
    found = {o.pk: o for o in selectors.orders_by_ids(request.company, ids).select_related("account")}
    missing = [x for x in raw if params.id_param(x) not in found]
    return [found[i] for i in ids if i in found], missing


def _back(request) -> str:
    back = request.POST.get("back", "") or request.GET.get("back", "")
    return reverse("orders:list") + (f"?{back}" if back and not back.startswith(("/", "http")) else "")


def _results(request, title: str, result: services.TransitionResult, missing: list[str] = (), status: int = 200):
    rows = [{"order": o.order, "ok": o.ok, "message": o.message} for o in result.outcomes]
    rows += [{"order": None, "no": m, "ok": False, "message": _("주문을 찾을 수 없습니다.")} for m in missing]
    return render(request, "orders/flow/bulk_result.html", {
        "title": title, "rows": rows, "ok": sum(1 for r in rows if r["ok"]),
        "failed": sum(1 for r in rows if not r["ok"]), "back": _back(request)}, status=status)


@screen_view(SCREEN)
def bulk_action(request):
    """The list's bulk action bar: the chosen action on the selected orders, a result per order."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()[:300]
    orders, missing = _selected(request, request.POST)
    if not orders and not missing:
        messages.error(request, _("주문을 선택하세요."))
        return redirect(_back(request))
    titles = {"confirm": _("주문확정"), "ready": _("출고준비"), "cancel": _("주문취소"), "hold": _("보류"),
              "unhold": _("보류 해제"), "retry": _("쇼핑몰 재전송"), "delivered": _("배송완료"), "new": _("신규로 되돌리기")}
    if action not in titles:
        messages.error(request, _("알 수 없는 작업입니다."))
        return redirect(_back(request))
    user, company = request.user, request.company
    if action == "hold":
        result = services.order_hold(company=company, orders=orders, reason=reason, user=user)
    elif action == "unhold":
        result = services.order_unhold(company=company, orders=orders, user=user, reason=reason)
    elif action == "retry":
        result = services.order_effects_retry(company=company, orders=orders, user=user)
    else:
        result = services.order_transition(company=company, orders=orders, to=BULK_ACTIONS[action], user=user, reason=reason)
    return _results(request, titles[action], result, missing)


@screen_view(SCREEN)
def order_status(request, pk: int):
    """A status button of the order detail (with a reason)."""
    order = _order(request, pk)
    if request.method != "POST":
        return redirect("orders:detail", pk=order.pk)
    to = request.POST.get("to", "")
    reason = request.POST.get("reason", "").strip()[:300]
    if to == "unhold":
        outcome = services.order_unhold(company=request.company, orders=[order], user=request.user, reason=reason).outcomes[0]
    elif to == OrderStatus.HOLD:
        outcome = services.order_hold(company=request.company, orders=[order], reason=reason, user=request.user).outcomes[0]
    else:
        outcome = services.order_transition(company=request.company, orders=[order], to=to, user=request.user,
                                   reason=reason).outcomes[0]
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("orders:detail", pk=order.pk)


@screen_view(SCREEN)
def order_ship(request, pk: int):
    """출고 (all or some lines): carrier + tracking number, or 방문수령/직접배송 without a number."""
    order = _order(request, pk)
    if request.method != "POST":
        return redirect("orders:detail", pk=order.pk)
    line_ids = {int(x) for x in request.POST.getlist("line") if x.isdigit()}
    lines = [ln for ln in selectors.order_lines(request.company, order) if ln.pk in line_ids]
    if not lines:
        messages.error(request, _("출고할 상품을 선택하세요."))
        return redirect("orders:detail", pk=order.pk)
    method = request.POST.get("method", "parcel")
    tracking = None
    if method == "parcel":
        carrier, number = request.POST.get("carrier", "").strip(), request.POST.get("number", "").strip()
        if not carrier or not number:
            messages.error(request, _("택배사와 송장번호를 입력하세요."))
            return redirect("orders:detail", pk=order.pk)
        tracking = (carrier, number)
    outcome = services.order_ship_lines(company=request.company, order=order, lines=lines, user=request.user,
                               tracking=tracking, method=method)
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("orders:detail", pk=order.pk)


@screen_view(SCREEN)
def order_retry(request, pk: int):
    order = _order(request, pk)
    if request.method != "POST":
        return redirect("orders:detail", pk=order.pk)
    outcome = services.order_effects_retry(company=request.company, orders=[order], user=request.user).outcomes[0]
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("orders:detail", pk=order.pk)


@screen_view(SCREEN)
def order_delay_view(request):
    """발송지연 for the selected orders: new expected ship date, reason code and detailed reason."""
    source = request.POST if request.method == "POST" else request.GET
    orders, missing = _selected(request, source)
    values = {"expected_date": source.get("expected_date", ""), "reason_code": source.get("reason_code", ""),
              "message": source.get("message", ""), "hold": source.get("hold") == "1"}
    error = ""
    if request.method == "POST":
        when = params.date_param(values["expected_date"])
        if when is None:
            error = _("발송예정일을 YYYY-MM-DD 형식으로 입력하세요.")
        if not orders:
            error = _("주문을 선택하세요.")
        if not error:
            result = services.order_delay(company=request.company, orders=orders, expected_date=when,
                                 reason_code=values["reason_code"], message=values["message"], user=request.user,
                                 hold=values["hold"])
            return _results(request, _("발송지연"), result, missing)
    return render(request, "orders/flow/delay.html", {
        "orders": orders, "missing": missing, "values": values, "reasons": services.DelayReason.CHOICES, "error": error,
        "back_query": source.get("back", "")}, status=400 if error else 200)


@screen_view(SCREEN)
def order_edit(request, pk: int):
    """주문자/수령자 정보 수정 with a change log (ORD-5)."""
    order = _order(request, pk)
    error = ""
    values = {name: getattr(order, name) for name in services.EDITABLE_FIELDS}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in services.EDITABLE_FIELDS}
        try:
            changed = services.order_recipient_update(company=request.company, order=order, fields=values, user=request.user,
                                             reason=request.POST.get("reason", ""))
        except services.FlowError as exc:
            error = str(exc)
        else:
            messages.success(request, _("주문자/수령자 정보를 저장했습니다.") if changed else _("바뀐 내용이 없습니다."))
            return redirect("orders:detail", pk=order.pk)
    fields = [{"name": n, "label": Order._meta.get_field(n).verbose_name, "value": values[n], "max": m}
              for n, m in services.EDITABLE_FIELDS.items()]
    return render(request, "orders/flow/edit.html", {"order": order, "fields": fields, "error": error},
                  status=400 if error else 200)


@screen_view(SCREEN)
def status_upload(request):
    """엑셀 송장/상태 일괄변경 (ORD-9, SHP-7): rows validated, all or nothing by default."""
    result = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        partial = request.POST.get("partial") == "1"
        if upload is None:
            error = _("파일을 선택하세요.")
        else:
            try:
                result = services.status_upload_apply(
                    company=request.company, user=request.user, data=upload.read(), filename=upload.name,
                    all_or_nothing=not partial)
            except services.StatusExcelError as exc:
                error = str(exc)
    return render(request, "orders/flow/status_upload.html", {
        "result": result, "error": error, "columns": services.UPLOAD_HEADERS},
        status=400 if error or (result and result.errors and not result.applied) else 200)


@screen_view(SCREEN)
def status_sheet(request):
    """The status/tracking sheet of the listed orders (to edit and upload again); no personal data."""
    result = services.status_sheet_export(company=request.company, filters=parse_filters(request.GET))
    return xlsx_response(result.file, result.filename)


@screen_view(SCREEN)
def shipped_export(request):
    """출고 내역 download (shipped orders with recipient and tracking number; logged as a personal-data
    download)."""
    result = services.shipped_export(company=request.company, user=request.user,
                                                  filters=parse_filters(request.GET), request=request)
    return xlsx_response(result.file, result.filename)


# --- the order detail's flow panel (views_list.order_detail renders it) ------------------------------


def detail_context(request, order: Order) -> dict:
    from .hooks import shipping
    from .models import OPEN_STATUSES, SHIPPED_STATUSES, OrderEffect, status_label

    company = request.company
    effects = []
    for e in selectors.order_effects(company, order):
        state = e.state
        if state != OrderEffect.State.SUPERSEDED:
            if e.message.status in services.FAILED_MESSAGE:
                state = "failed"
            elif state == OrderEffect.State.PENDING and e.message.status == "sent":
                state = "sent"
        effects.append({"label": services.effect_label(e.kind), "state": state, "attempts": e.message.attempts,
                        "error": e.error or (e.message.last_error if state == "failed" else ""),
                        "created_at": e.created_at})
    lines = list(selectors.order_lines(company, order))
    targets = [(s, status_label(s)) for s in services.allowed_targets(order) if s != OrderStatus.SHIPPED]
    if order.status == OrderStatus.HOLD:
        targets = [(s, label) for s, label in targets if s == OrderStatus.CANCELLED]
    return {
        "targets": targets,
        "hold_from_label": status_label(order.hold_from) if order.hold_from else "",
        "delay_label": dict(services.DelayReason.CHOICES).get(order.delay_reason_code, order.delay_reason_code),
        "can_delay": order.status in OPEN_STATUSES
        and (services.delay_supported(order.account) or order.account.kind == "manual"),
        "shippable": [ln for ln in lines if not services.line_is_cancelled(ln) and ln.status not in SHIPPED_STATUSES],
        "methods": list(services.METHOD_LABELS.items()), "carriers": shipping().carriers(active_only=True),
        "effects": effects, "has_failed": any(e["state"] == "failed" for e in effects),
    }
