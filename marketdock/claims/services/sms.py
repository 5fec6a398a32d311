"""문자 발송 (CS-4): the company's verified sender numbers and messages to buyers from an order, a
claim or an inquiry, one or many at once, each with its own result in the message log.

- A sender number (발신번호) is registered, a 6-digit code is sent to it through the SMS backend,
  and it can send only once the code is confirmed (Korean law: only registered numbers may send).
- The text may hold variables: {구매자} {주문번호} {송장번호} {상품명}; a variable without a value for
  a recipient fails that recipient (clearly), the others are sent.
- The buyer's full number goes only to the backend: `SmsMessage.to_masked`, the claim/inquiry
  history and the log all carry the masked number (010-1234-****)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.masking import mask_name, mask_phone
from marketdock.core.sms import send_sms
from marketdock.core.validators import format_phone, normalize_phone, validate_phone

from ..models import ClaimEvent, ClaimEventKind, InquiryEvent, SmsMessage, SmsSender

CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
TEXT_MAX = 1000  # SOLAPI: 한글 1,000자 (LMS)
BULK_MAX = 500
_PHONE = re.compile(r"0\d{8,10}")
VARIABLES = ("{구매자}", "{주문번호}", "{송장번호}", "{상품명}")


# --- sender numbers ---------------------------------------------------------------------------------------


def _code_hash(sender: SmsSender, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{sender.company_id}:{sender.number}:{code}".encode(), hashlib.sha256).hexdigest()


def _send_code(sender: SmsSender) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    text = _("[marketdock] 발신번호 인증번호는 %(code)s 입니다. 10분 안에 입력하세요.") % {"code": code}
    result = send_sms(to=sender.number, text=text)
    if not result.ok:
        raise ValidationError(_("인증번호를 보내지 못했습니다: %(error)s") % {"error": result.error or "-"})
    sender.code_hash = _code_hash(sender, code)
    sender.code_expires_at = timezone.now() + CODE_TTL
    sender.code_attempts = 0
    sender.save(update_fields=["code_hash", "code_expires_at", "code_attempts"])


def sender_register(*, company, number: str, label: str = "") -> SmsSender:
    """Register a sender number and send it a verification code. The number stays unable to send
    until `sender_confirm`."""
    validate_phone(number)
    digits = normalize_phone(number)
    if not digits:
        raise ValidationError(_("발신번호를 입력하세요."))
    try:
        with transaction.atomic():
            sender = SmsSender.objects.create(company=company, number=digits, label=label.strip()[:60])
            _send_code(sender)
    except IntegrityError:
        raise ValidationError(_("이미 등록된 발신번호입니다.")) from None
    return sender


def sender_resend(*, sender: SmsSender) -> None:
    if sender.verified_at:
        raise ValidationError(_("이미 인증된 발신번호입니다."))
    _send_code(sender)


def sender_confirm(*, sender: SmsSender, code: str) -> SmsSender:
    """Confirm the number with the code it received; wrong codes count, an expired code must be sent
    again."""
    if sender.verified_at:
        return sender
    if not sender.code_hash or not sender.code_expires_at or sender.code_expires_at < timezone.now():
        raise ValidationError(_("인증번호가 만료되었습니다. 인증번호를 다시 받으세요."))
    if sender.code_attempts >= CODE_MAX_ATTEMPTS:
        raise ValidationError(_("인증번호를 너무 많이 틀렸습니다. 인증번호를 다시 받으세요."))
    if not hmac.compare_digest(sender.code_hash, _code_hash(sender, (code or "").strip())):
        sender.code_attempts += 1
        sender.save(update_fields=["code_attempts"])
        raise ValidationError(_("인증번호가 맞지 않습니다."))
    sender.verified_at = timezone.now()
    sender.code_hash, sender.code_expires_at, sender.code_attempts = "", None, 0
    if not SmsSender.objects.filter(company_id=sender.company_id, is_default=True).exists():
        sender.is_default = True
    sender.save(update_fields=["verified_at", "code_hash", "code_expires_at", "code_attempts", "is_default"])
    return sender


def sender_set_default(*, sender: SmsSender) -> None:
    if not sender.verified_at:
        raise ValidationError(_("인증하지 않은 발신번호는 기본으로 정할 수 없습니다."))
    with transaction.atomic():
        SmsSender.objects.filter(company_id=sender.company_id).exclude(pk=sender.pk).update(is_default=False)
        SmsSender.objects.filter(pk=sender.pk).update(is_default=True)


def sender_delete(*, sender: SmsSender) -> None:
    sender.delete()


# --- messages -----------------------------------------------------------------------------------------------


@dataclass
class Recipient:
    """One buyer to text: the full number stays in memory only for the send."""

    phone: str
    name: str = ""
    order: object = None
    claim: object = None
    inquiry: object = None
    tracking_number: str = ""
    product_name: str = ""


def render_text(text: str, r: Recipient) -> str:
    """The text with its variables filled for `r`; ValidationError names a variable without a value."""
    order = r.order
    values = {"{구매자}": r.name, "{주문번호}": getattr(order, "channel_order_id", "") if order else "",
              "{송장번호}": r.tracking_number, "{상품명}": r.product_name}
    out = text
    for var in VARIABLES:
        if var in out:
            if not values[var]:
                raise ValidationError(_("%(var)s 값이 없어 보낼 수 없습니다.") % {"var": var})
            out = out.replace(var, values[var])
    return out


def sender_for_sending(company, sender: SmsSender | None) -> SmsSender:
    if sender is None:
        sender = SmsSender.objects.filter(company=company, is_default=True, verified_at__isnull=False).first()
        if sender is None:
            raise ValidationError(_("인증된 발신번호가 없습니다. [발신번호]에서 번호를 등록하고 인증하세요."))
    if sender.company_id != company.pk:
        raise ValidationError(_("발신번호를 찾을 수 없습니다."))
    if not sender.verified_at:
        raise ValidationError(_("인증하지 않은 발신번호로는 보낼 수 없습니다. 먼저 인증번호를 확인하세요."))
    return sender


def _text_check(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("보낼 내용을 입력하세요."))
    if len(text) > TEXT_MAX:
        raise ValidationError(_("내용은 %(n)s자까지 보낼 수 있습니다.") % {"n": TEXT_MAX})
    return text


def _history(message: SmsMessage, user) -> None:
    state = _("발송") if message.status == SmsMessage.Status.SENT else _("발송 실패")
    note = f"{_('문자')} {state}: {message.to_masked} — {message.text[:80]}"
    if message.claim_id:
        ClaimEvent.objects.create(company_id=message.company_id, claim_id=message.claim_id, kind=ClaimEventKind.SMS,
                                  message=note[:1000], user=user)
    if message.inquiry_id:
        InquiryEvent.objects.create(company_id=message.company_id, inquiry_id=message.inquiry_id,
                                    kind=ClaimEventKind.SMS, message=note[:1000], user=user)


def _send_one(company, sender: SmsSender, text: str, r: Recipient, user) -> SmsMessage:
    message = SmsMessage(company=company, sender=sender, sender_number=sender.number,
                         to_masked=mask_phone(r.phone) if normalize_phone(r.phone) else "",
                         to_name=mask_name(r.name), text=text, order=r.order, claim=r.claim, inquiry=r.inquiry,
                         user=user)
    try:
        if not normalize_phone(r.phone):
            raise ValidationError(_("받는 사람의 전화번호가 없습니다."))
        if not _PHONE.fullmatch(normalize_phone(r.phone)):  # the error never repeats the number
            raise ValidationError(_("받는 사람의 전화번호 형식이 올바르지 않습니다."))
        message.text = render_text(text, r)
    except ValidationError as exc:
        message.status, message.error = SmsMessage.Status.FAILED, "; ".join(exc.messages)[:500]
        message.to_masked = message.to_masked or "-"
        message.save()
        _history(message, user)
        return message
    message.save()
    result = send_sms(to=format_phone(r.phone), text=message.text, sender=sender.number)
    message.provider, message.provider_message_id = result.provider[:40], result.message_id[:100]
    if result.ok:
        message.status, message.sent_at = SmsMessage.Status.SENT, timezone.now()
    else:
        message.status, message.error = SmsMessage.Status.FAILED, (result.error or _("발송 실패"))[:500]
    message.save(update_fields=["status", "sent_at", "error", "provider", "provider_message_id"])
    _history(message, user)
    return message


def sms_send(*, company, user, text: str, recipients: list[Recipient], sender: SmsSender | None = None
             ) -> list[SmsMessage]:
    """Send `text` to each recipient (per-recipient result rows in the message log)."""
    sender = sender_for_sending(company, sender)
    text = _text_check(text)
    if not recipients:
        raise ValidationError(_("받는 사람이 없습니다."))
    if len(recipients) > BULK_MAX:
        raise ValidationError(_("한 번에 %(n)s명까지 보낼 수 있습니다.") % {"n": BULK_MAX})
    return [_send_one(company, sender, text, r, user) for r in recipients]


def _tracking(order) -> str:
    numbers = [n for n in order.lines.values_list("tracking_number", flat=True) if n]
    return numbers[0] if numbers else ""


def _order_recipient(order, *, claim=None, inquiry=None) -> Recipient:
    first = order.lines.order_by("pk").first()
    return Recipient(phone=order.buyer_phone or order.recipient_phone, name=order.buyer_name or order.recipient_name,
                     order=order, claim=claim, inquiry=inquiry, tracking_number=_tracking(order),
                     product_name=(first.product_name if first else ""))


def sms_to_orders(*, company, user, text: str, orders, sender: SmsSender | None = None) -> list[SmsMessage]:
    """Text the buyer of each order (one order = one recipient)."""
    return sms_send(company=company, user=user, text=text, sender=sender,
                    recipients=[_order_recipient(o) for o in orders])


def sms_to_claim(*, company, user, text: str, claim, sender: SmsSender | None = None) -> SmsMessage:
    r = _order_recipient(claim.order, claim=claim)
    r.product_name = claim.line.product_name or r.product_name
    r.tracking_number = claim.line.tracking_number or r.tracking_number
    return sms_send(company=company, user=user, text=text, sender=sender, recipients=[r])[0]


def sms_to_inquiry(*, company, user, text: str, inquiry, sender: SmsSender | None = None) -> SmsMessage:
    if inquiry.order_id is None:
        raise ValidationError(_("주문과 연결되지 않은 문의라 구매자 전화번호를 알 수 없습니다."))
    r = _order_recipient(inquiry.order, inquiry=inquiry)
    r.product_name = inquiry.product_name or r.product_name
    return sms_send(company=company, user=user, text=text, sender=sender, recipients=[r])[0]
