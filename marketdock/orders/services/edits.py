"""Changes of an order that are not moves of its status: 발송지연 (ORD-7: a new expected ship date and
reason, sent to Naver and Coupang) and the buyer/recipient edit with its change log (ORD-5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core.models import Company, User
from marketdock.core.validators import normalize_phone

from .. import events
from ..models import (
    OPEN_STATUSES,
    SHIPPED_STATUSES,
    DueSource,
    EventKind,
    Order,
    OrderLine,
    OrderStatus,
    status_label,
)
from . import effects
from .ingest import buyer_key, phone_digits
from .lines import FlowError, OrderOutcome, TransitionResult, line_is_cancelled
from .transitions import apply_move, copy_order

S = OrderStatus


class DelayReason:
    """발송지연 사유 (Naver's `delayedDispatchReason` codes; the connectors map them)."""

    CHOICES = (
        ("PRODUCT_PREPARE", gettext_lazy("상품 준비중")),
        ("CUSTOMER_REQUEST", gettext_lazy("고객 요청")),
        ("CUSTOM_BUILD", gettext_lazy("주문 제작")),
        ("RESERVED_DISPATCH", gettext_lazy("예약 발송")),
        ("OVERSEA_DELIVERY", gettext_lazy("해외 배송")),
        ("ETC", gettext_lazy("기타")),
    )
    VALUES = frozenset(c for c, _label in CHOICES)


def order_delay(*, company: Company, orders: Sequence[Order], expected_date: date, reason_code: str, message: str,
                user: User | None, hold: bool = False) -> TransitionResult:
    """발송지연 (ORD-7): a new expected ship date and reason, sent to Naver and Coupang (outbox "delay");
    refused for Shopify, which has no such operation; recorded only for channels without an API."""
    message = (message or "").strip()
    result = TransitionResult()
    problem = ""
    if reason_code not in DelayReason.VALUES:
        problem = _("발송지연 사유를 고르세요.")
    elif not isinstance(expected_date, date) or expected_date < timezone.localdate():
        problem = _("발송예정일은 오늘 이후 날짜여야 합니다.")
    elif not message:
        problem = _("발송지연 상세사유를 입력하세요 (구매자에게 안내됩니다).")
    elif len(message) > 300:
        problem = _("발송지연 상세사유는 300자 이내로 입력하세요.")
    if problem:
        result.outcomes = [OrderOutcome(o, False, problem) for o in orders]
        return result
    label = dict(DelayReason.CHOICES)[reason_code]
    for given in orders:
        try:
            with transaction.atomic():
                order = Order.objects.select_for_update().select_related("account").get(company=company, pk=given.pk)
                if order.status not in OPEN_STATUSES:
                    raise FlowError(_("%(s)s 상태의 주문은 발송지연을 할 수 없습니다.") % {"s": status_label(order.status)})
                if order.account.kind not in effects.DELAY_CHANNELS and order.account.kind not in effects.NO_API_CHANNELS:
                    raise FlowError(_("%(channel)s은(는) 발송지연 안내를 지원하지 않습니다.") % {
                        "channel": order.account.get_kind_display()})
                active = [ln for ln in OrderLine.objects.filter(company=company, order=order).order_by("id")
                          if not line_is_cancelled(ln) and ln.status not in SHIPPED_STATUSES]
                if not active:
                    raise FlowError(_("발송지연할 상품이 없습니다."))
                order.expected_ship_date, order.delay_reason_code, order.delay_message = expected_date, reason_code, message
                order.changed_at = timezone.now()
                for ln in active:  # the new expected date is the lines' 출고기한 from now on
                    ln.dispatch_due, ln.dispatch_due_source = expected_date, DueSource.DELAY
                OrderLine.objects.bulk_update(active, ["dispatch_due", "dispatch_due_source"])
                dues = [ln.dispatch_due for ln in OrderLine.objects.filter(company=company, order=order)
                        if ln.dispatch_due and ln.status in OPEN_STATUSES and not line_is_cancelled(ln)]
                order.dispatch_due = min(dues) if dues else None
                order.save(update_fields=["expected_ship_date", "delay_reason_code", "delay_message", "changed_at",
                                          "dispatch_due"])
                sent = order.account.kind in effects.DELAY_CHANNELS
                if sent:
                    effects.delay_enqueue(company=company, order=order, lines=active, expected=expected_date.isoformat(),
                                          reason_code=reason_code, message=message)
                text = _("발송지연: %(d)s, %(r)s · %(m)s") % {"d": expected_date.isoformat(), "r": label, "m": message}
                if not sent:
                    text += " " + _("(쇼핑몰 전송 없음)")
                events.record(company=company, order=order, kind=EventKind.DELAY, message=text, user=user,
                              data={"expected_date": expected_date.isoformat(), "reason": reason_code,
                                    "message": message})
                if hold and order.status != S.HOLD:
                    apply_move(company=company, order=order, to=S.HOLD, user=user, reason=text)
        except Order.DoesNotExist:
            result.outcomes.append(OrderOutcome(given, False, _("주문을 찾을 수 없습니다.")))
            continue
        except FlowError as exc:
            result.outcomes.append(OrderOutcome(given, False, str(exc)))
            continue
        copy_order(given, order)
        result.outcomes.append(OrderOutcome(given, True, _("발송지연 %(d)s") % {"d": expected_date.isoformat()}))
    return result


EDITABLE_FIELDS = {
    "buyer_name": 100, "buyer_phone": 30, "buyer_email": 200, "recipient_name": 100, "recipient_phone": 30,
    "recipient_postal_code": 10, "recipient_address1": 300, "recipient_address2": 300, "delivery_message": 300,
}


ADDRESS_EDIT_FIELDS = ("recipient_postal_code", "recipient_address1", "recipient_address2")


def order_recipient_update(*, company: Company, order: Order, fields: dict[str, str], user: User | None,
                           reason: str = "") -> list[str]:
    """Edit buyer/recipient information (ORD-5) with a change log: one OrderEvent listing the changed
    fields, old → new values kept in its data (the history shows them to users allowed to see
    personal data). Saving the address confirms it (clears the "주소 변경" warning). Returns the names
    of the fields that changed."""
    if order.company_id != company.pk:
        raise FlowError(_("주문을 찾을 수 없습니다."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise FlowError(_("바꿀 수 없는 항목입니다: %(f)s") % {"f": ", ".join(sorted(unknown))})
    clean: dict[str, str] = {}
    for name, value in fields.items():
        value = " ".join(str(value or "").split())
        if len(value) > EDITABLE_FIELDS[name]:
            raise FlowError(_("%(f)s은(는) %(n)s자 이내로 입력하세요.") % {
                "f": Order._meta.get_field(name).verbose_name, "n": EDITABLE_FIELDS[name]})
        if name.endswith("_phone") and value and not 9 <= len(normalize_phone(value)) <= 12:
            raise FlowError(_("전화번호 '%(v)s' 형식이 올바르지 않습니다. 예: 010-1234-5678") % {"v": value})
        clean[name] = value
    if "recipient_name" in clean and not clean["recipient_name"]:
        raise FlowError(_("수령자 이름을 입력하세요."))
    if "recipient_address1" in clean and not clean["recipient_address1"]:
        raise FlowError(_("주소를 입력하세요."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(company=company, pk=order.pk)
        if order.status in SHIPPED_STATUSES or order.status == S.CANCELLED:
            raise FlowError(_("%(s)s 상태의 주문은 주문자/수령자 정보를 바꿀 수 없습니다.") % {"s": status_label(order.status)})
        changed = {name: (getattr(order, name), value) for name, value in clean.items() if getattr(order, name) != value}
        address_touched = any(f in clean for f in ADDRESS_EDIT_FIELDS)
        if not changed and not (address_touched and order.address_changed):
            return []
        for name, (_old, new) in changed.items():
            setattr(order, name, new)
        order.buyer_phone_digits = phone_digits(order.buyer_phone)
        order.recipient_phone_digits = phone_digits(order.recipient_phone)
        order.buyer_key = buyer_key(order.buyer_name, order.buyer_phone, company.pk)
        if address_touched:
            order.address_changed = False
        order.changed_at = timezone.now()
        order.save(update_fields=list(changed) + ["buyer_phone_digits", "recipient_phone_digits", "buyer_key",
                                                  "address_changed", "changed_at"])
        labels = ", ".join(str(Order._meta.get_field(n).verbose_name) for n in changed) or _("주소 확인")
        events.record(
            company=company, order=order, kind=EventKind.EDIT, user=user,
            message=(_("주문자/수령자 정보 변경: %(f)s") % {"f": labels}
                     + (f" · {reason.strip()}" if reason.strip() else "")),
            data={"changes": {n: {"old": o, "new": v} for n, (o, v) in changed.items()}, "reason": reason.strip()})
    return list(changed)
