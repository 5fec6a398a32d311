"""Answering inquiries (CS-2): write an answer in marketdock and send it through the outbox (the
`InquiryAnswer` row, the inquiry's SENDING state and the outbox message in one transaction), the
delivery handler that writes the marketplace's answer back (ANSWERED with its answer id, or FAILED
with its message), editing where the marketplace allows it, retry, answer templates with variables
and the bulk answer of selected inquiries with a template (per-inquiry results)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from marketdock.channels.connectors.base import next_page_cursor
from marketdock.channels.connectors.cs_models import InquiryAnswer as AnswerItem
from marketdock.channels.connectors.errors import BusinessError, ConnectorError, TemporaryError
from marketdock.channels.connectors.models import FetchWindow
from marketdock.core.models import Company, User
from marketdock.orders.hooks import shipping
from marketdock.orders.services.effects import channel_capability, register_effect_handler
from marketdock.outbox.models import OutboxMessage

from ..models import AnswerTemplate, ClaimEventKind, Inquiry, InquiryAnswer, InquiryEvent, InquiryStatus
from .effects import inquiry_answer_enqueue
from .inquiries import _connector

MAX_ANSWER = 4000
VARIABLES = ("{구매자}", "{상품명}", "{주문번호}", "{송장번호}", "{택배사}")


class AnswerError(Exception):
    """An answer that cannot be sent; the message is Korean and names what is wrong."""


# --- templates ----------------------------------------------------------------------------------


def template_variables(inquiry: Inquiry) -> dict[str, str]:
    """The values of the template variables for one inquiry (empty when unknown)."""
    line = inquiry.line
    if line is None and inquiry.order_id:
        line = inquiry.order.lines.exclude(tracking_number="").first() or inquiry.order.lines.first()
    carrier = ""
    if line is not None and line.carrier_key:
        found = shipping().carrier(line.carrier_key)
        carrier = getattr(found, "name", "") or line.carrier_key
    return {
        "{구매자}": inquiry.buyer_name or (inquiry.order.buyer_name if inquiry.order_id else "") or _("고객"),
        "{상품명}": inquiry.product_name or (line.product_name if line else ""),
        "{주문번호}": inquiry.channel_order_id or (inquiry.order.channel_order_id if inquiry.order_id else ""),
        "{송장번호}": line.tracking_number if line else "",
        "{택배사}": carrier,
    }


_VARIABLE = re.compile(r"\{(구매자|상품명|주문번호|송장번호|택배사)\}")


def template_render(text: str, inquiry: Inquiry) -> str:
    """The template filled for `inquiry`; a variable with no value for it stays as written ({송장번호}
    before anything shipped), for the seller to fill in — never a hole in the buyer's answer."""
    values = template_variables(inquiry)
    return _VARIABLE.sub(lambda m: values[m.group(0)] or m.group(0), text)


def _template_clean(company: Company, name: str, text: str, template: AnswerTemplate | None) -> tuple[str, str]:
    name, text = (name or "").strip(), (text or "").strip()
    if not name:
        raise AnswerError(_("템플릿 이름을 입력하세요."))
    if not text:
        raise AnswerError(_("템플릿 내용을 입력하세요."))
    if len(name) > 100:
        raise AnswerError(_("템플릿 이름은 100자 이내로 입력하세요."))
    if len(text) > MAX_ANSWER:
        raise AnswerError(_("템플릿 내용은 %(n)s자 이내로 입력하세요.") % {"n": MAX_ANSWER})
    unknown = sorted(set(re.findall(r"\{[^{}]{1,20}\}", text)) - set(VARIABLES))
    if unknown:
        raise AnswerError(_("알 수 없는 변수입니다: %(v)s (사용 가능: %(all)s)") % {
            "v": ", ".join(unknown), "all": " ".join(VARIABLES)})
    clash = AnswerTemplate.objects.filter(company=company, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise AnswerError(_("같은 이름의 템플릿이 이미 있습니다: %(name)s") % {"name": name})
    return name, text


def template_save(*, company: Company, name: str, text: str, category: str = "", is_active: bool = True,
                  template: AnswerTemplate | None = None) -> AnswerTemplate:
    if template is not None and template.company_id != company.pk:
        raise AnswerError(_("템플릿을 찾을 수 없습니다."))
    name, text = _template_clean(company, name, text, template)
    template = template or AnswerTemplate(company=company)
    template.name, template.text, template.category = name, text, (category or "").strip()[:60]
    template.is_active, template.updated_at = bool(is_active), timezone.now()
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise AnswerError(_("같은 이름의 템플릿이 이미 있습니다: %(name)s") % {"name": name})
    return template


def template_delete(*, company: Company, template: AnswerTemplate) -> None:
    if template.company_id != company.pk:
        raise AnswerError(_("템플릿을 찾을 수 없습니다."))
    template.delete()


# --- sending --------------------------------------------------------------------------------------


def answer_edit_allowed(inquiry: Inquiry) -> bool:
    return channel_capability(inquiry.account, "answer_edit", False)


def _delivery_gave_up(inquiry: Inquiry) -> bool:
    """The outbox stopped retrying the last answer (dead after temporary failures): the inquiry is no
    longer being sent; its pending answer is marked failed with the outbox's last error."""
    message = OutboxMessage.objects.filter(company=inquiry.company_id, kind="inquiry_answer",
                                           reference=f"inquiry:{inquiry.pk}").order_by("-id").first()
    if message is None or message.status not in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD):
        return False
    inquiry.answers.filter(status=InquiryAnswer.Status.PENDING).update(
        status=InquiryAnswer.Status.FAILED, error=(message.last_error or "")[:1000])
    return True


def answer_send(*, company: Company, inquiry: Inquiry, text: str, user: User | None,
                template: AnswerTemplate | None = None, suggested_score: float | None = None) -> InquiryAnswer:
    """Queue `text` as the answer to `inquiry` (or as an edit of the answer the marketplace holds)."""
    text = (text or "").strip()
    if inquiry.company_id != company.pk:
        raise AnswerError(_("문의를 찾을 수 없습니다."))
    if not text:
        raise AnswerError(_("답변 내용을 입력하세요."))
    if len(text) > MAX_ANSWER:
        raise AnswerError(_("답변은 %(n)s자 이내로 입력하세요.") % {"n": MAX_ANSWER})
    unfilled = sorted(set(m.group(0) for m in _VARIABLE.finditer(text)))
    if unfilled:
        raise AnswerError(_("답변에 채워지지 않은 변수가 있습니다: %(v)s. 값을 직접 입력한 뒤 보내세요.")
                          % {"v": ", ".join(unfilled)})
    if not channel_capability(inquiry.account, "inquiry_answers", False):
        raise AnswerError(_("이 쇼핑몰은 API로 답변할 수 없습니다. 쇼핑몰 판매자센터에서 답변하세요."))
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().select_related("account").get(pk=inquiry.pk, company=company)
        if inquiry.status == InquiryStatus.SENDING and not _delivery_gave_up(inquiry):
            raise AnswerError(_("답변을 전송하는 중입니다. 결과를 확인한 뒤 다시 시도하세요."))
        is_edit = inquiry.status == InquiryStatus.ANSWERED
        if is_edit and not (answer_edit_allowed(inquiry) and inquiry.channel_answer_id):
            raise AnswerError(_("이 쇼핑몰은 등록된 답변을 수정할 수 없습니다."))
        if is_edit and text == inquiry.answer_text:
            raise AnswerError(_("답변 내용이 바뀌지 않았습니다."))
        answer = InquiryAnswer.objects.create(
            company=company, inquiry=inquiry, text=text, is_edit=is_edit, template=template,
            suggested_score=suggested_score, user=user if user and user.pk else None)
        inquiry.status, inquiry.updated_at = InquiryStatus.SENDING, timezone.now()
        inquiry.save(update_fields=["status", "updated_at"])
        InquiryEvent.objects.create(company=company, inquiry=inquiry, kind=ClaimEventKind.STATUS,
                                    user=answer.user, message=(_("답변 수정 전송") if is_edit else _("답변 전송")))
        inquiry_answer_enqueue(answer=answer)
    return answer


def answer_retry(*, company: Company, inquiry: Inquiry, user: User | None) -> InquiryAnswer:
    """Send the last failed answer again (a new row, a new outbox message)."""
    if inquiry.company_id != company.pk or inquiry.status != InquiryStatus.FAILED:
        raise AnswerError(_("전송 실패한 답변만 다시 보낼 수 있습니다."))
    last = inquiry.answers.filter(status=InquiryAnswer.Status.FAILED).order_by("-created_at", "-id").first()
    if last is None:
        raise AnswerError(_("다시 보낼 답변이 없습니다."))
    return answer_send(company=company, inquiry=inquiry, text=last.text, user=user, template=last.template)


@dataclass
class BulkResult:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (inquiry pk, Korean reason)


def answers_bulk(*, company: Company, inquiries: Iterable[Inquiry], template: AnswerTemplate,
                 user: User | None) -> BulkResult:
    """Answer each selected inquiry with `template` (variables filled per inquiry); one refusal does
    not stop the others."""
    if template.company_id != company.pk:
        raise AnswerError(_("템플릿을 찾을 수 없습니다."))
    if not template.is_active:
        raise AnswerError(_("사용 중지된 템플릿입니다: %(name)s") % {"name": template.name})
    result = BulkResult()
    for inquiry in inquiries:
        if inquiry.status == InquiryStatus.ANSWERED:
            result.failed.append((inquiry.pk, _("이미 답변한 문의입니다.")))
            continue
        try:
            answer_send(company=company, inquiry=inquiry, text=template_render(template.text, inquiry), user=user,
                        template=template)
        except AnswerError as exc:
            result.failed.append((inquiry.pk, str(exc)))
        else:
            result.sent.append(inquiry.pk)
    return result


# --- delivery (the outbox worker, outside any transaction) ------------------------------------------


def _record(answer: InquiryAnswer, *, ok: bool, error: str = "", answer_id: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=answer.inquiry_id)
        answer.status = InquiryAnswer.Status.SENT if ok else InquiryAnswer.Status.FAILED
        answer.error, answer.sent_at = error[:1000], now if ok else None
        answer.save(update_fields=["status", "error", "sent_at"])
        if ok:
            inquiry.status, inquiry.answer_text, inquiry.answered_at = InquiryStatus.ANSWERED, answer.text, now
            inquiry.channel_answer_id = answer_id or inquiry.channel_answer_id
            kind, message = ClaimEventKind.PUSH_SENT, _("쇼핑몰에 답변이 등록되었습니다")
        else:
            inquiry.status = InquiryStatus.ANSWERED if answer.is_edit else InquiryStatus.FAILED
            kind, message = ClaimEventKind.PUSH_FAILED, _("답변 전송 실패: %(e)s") % {"e": error}
        inquiry.updated_at = now
        inquiry.save(update_fields=["status", "answer_text", "answered_at", "channel_answer_id", "updated_at"])
        InquiryEvent.objects.create(company_id=inquiry.company_id, inquiry=inquiry, kind=kind,
                                    message=message[:1000], user=answer.user)


ANSWER_LOOKUP_PAGES = 100
ANSWER_LOOKUP_MARGIN = timedelta(minutes=1)


def _answer_already_there(conn, inquiry: Inquiry, item: AnswerItem):
    """The marketplace's copy of `inquiry` when it already holds this very answer text: a retried answer
    is refused ("이미 답변이 등록된 문의입니다" / ERR-NC-101006) because the first attempt went through
    and only its reply was lost. None when it holds no answer or another text (the refusal stands). A
    re-read that fails is a temporary failure: the outbox sends again later rather than give up."""
    window = FetchWindow(start=inquiry.asked_at - ANSWER_LOOKUP_MARGIN,
                         end=min(timezone.now(), inquiry.asked_at + ANSWER_LOOKUP_MARGIN))
    cursor = None
    try:
        for _page in range(ANSWER_LOOKUP_PAGES):
            page = conn.fetch_inquiries(window, cursor)
            for found in page.inquiries:
                if found.inquiry_id == item.inquiry_id:
                    same = found.answered and found.answer_text.strip() == item.text.strip()
                    return found if same else None
            if not page.has_more:
                return None
            cursor = next_page_cursor(page, cursor)
    except ConnectorError as exc:
        raise TemporaryError(_("답변이 이미 등록되었는지 다시 확인하지 못했습니다: %(e)s") % {"e": exc}) from exc
    return None


def deliver_inquiry_answer(message) -> dict[str, Any]:
    payload = message.payload or {}
    answer = InquiryAnswer.objects.filter(pk=payload.get("answer"), company=message.company_id).first()
    try:
        item = AnswerItem.model_validate(payload.get("item"))
    except ValidationError as exc:
        raise BusinessError(f"item: {exc.errors()[0]['msg']}", code="BAD_PAYLOAD") from exc
    if answer is None:
        raise BusinessError("답변을 찾을 수 없습니다", code="BAD_PAYLOAD")
    with _connector(message.account) as conn:
        result = conn.answer_inquiries([item])
        if item.inquiry_id not in result.done and message.attempts > 1 and not item.answer_id:
            held = _answer_already_there(conn, answer.inquiry, item)
            if held is not None:  # the earlier attempt went through; its answer was lost (a timeout)
                result.done.append(item.inquiry_id)
                result.answer_ids[item.inquiry_id] = held.answer_id
    if item.inquiry_id in result.done:
        _record(answer, ok=True, answer_id=result.answer_ids.get(item.inquiry_id, ""))
        return {"done": [item.inquiry_id], "answer_id": result.answer_ids.get(item.inquiry_id, "")}
    failure = next((f for f in result.failed if f.order_line_id == item.inquiry_id), None)
    text = (failure.message or failure.code) if failure else "응답에 결과가 없습니다"
    _record(answer, ok=False, error=text)
    raise BusinessError(text[:1900], code=(failure.code if failure else "") or "REFUSED")


def register_inquiry_handlers() -> None:
    register_effect_handler("inquiry_answer", deliver_inquiry_answer)
