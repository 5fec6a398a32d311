"""문자 발송 (CS-4): the message log, the company's sender numbers, and sending to the buyer of an
order (one or the selected ones), of a claim or of an inquiry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketdock.core.masking import mask_name, mask_phone
from marketdock.core.params import choice_param, id_list, id_param, int_param
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors_cs as selectors
from .forms_cs import SenderForm, SmsForm
from .models import SmsMessage
from .services import sms as sms_services

LOG = "cs.sms"
SENDERS = "cs.sms_senders"


@screen_view(LOG)
def sms_log(request):
    status = choice_param(request.GET.get("status"), SmsMessage.Status.choices)
    links = {key: id_param(request.GET.get(key)) for key in ("order", "claim", "inquiry")}
    rows = selectors.sms_messages(request.company, status=status,
                                  **{f"{key}_id": pk for key, pk in links.items() if pk is not None})
    page = Paginator(rows, 50).get_page(int_param(request.GET.get("page"), 1, min_value=1))
    return render(request, "claims/sms_log.html", {"page": page, "status": status,
                                                    "statuses": SmsMessage.Status.choices})


# --- sender numbers -------------------------------------------------------------------------------------


@screen_view(SENDERS)
def sms_senders(request):
    form = SenderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sms_services.sender_register(company=request.company, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("발신번호를 등록하고 인증번호를 보냈습니다. 받은 인증번호를 입력하세요."))
            return redirect("claims:sms_senders")
    return render(request, "claims/sms_senders.html", {"senders": selectors.sms_senders(request.company),
                                                       "form": form})


def _sender_action(request, pk: int, action, done: str):
    sender = get_or_404(selectors.sms_sender_get, request.company, pk)
    try:
        action(sender)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("claims:sms_senders")


@require_POST
@screen_view(SENDERS, write=True)
def sms_sender_confirm(request, pk: int):
    return _sender_action(request, pk, lambda s: sms_services.sender_confirm(sender=s, code=request.POST.get("code")),
                          _("발신번호를 인증했습니다. 이제 이 번호로 문자를 보낼 수 있습니다."))


@require_POST
@screen_view(SENDERS, write=True)
def sms_sender_resend(request, pk: int):
    return _sender_action(request, pk, lambda s: sms_services.sender_resend(sender=s), _("인증번호를 다시 보냈습니다."))


@require_POST
@screen_view(SENDERS, write=True)
def sms_sender_default(request, pk: int):
    return _sender_action(request, pk, lambda s: sms_services.sender_set_default(sender=s),
                          _("기본 발신번호로 정했습니다."))


@require_POST
@screen_view(SENDERS, write=True)
def sms_sender_delete(request, pk: int):
    return _sender_action(request, pk, lambda s: sms_services.sender_delete(sender=s), _("발신번호를 삭제했습니다."))


# --- sending ----------------------------------------------------------------------------------------------


def _recipients_shown(orders) -> list[dict]:
    return [{"order": o, "name": mask_name(o.buyer_name or o.recipient_name),
             "phone": mask_phone(o.buyer_phone or o.recipient_phone) or "-"} for o in orders]


def _send_page(request, *, title: str, orders, send, back: str):
    """The form (GET) and the send with per-recipient results (POST) of every SMS entry point."""
    form = SmsForm(request.POST or None, company=request.company)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = send(form.cleaned_data["sender"], form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            sent = sum(1 for m in results if m.status == SmsMessage.Status.SENT)
            messages.success(request, _("%(sent)s건 발송, %(failed)s건 실패했습니다.") % {
                "sent": sent, "failed": len(results) - sent})
    return render(request, "claims/sms_send.html", {
        "title": title, "form": form, "recipients": _recipients_shown(orders), "results": results,
        "back": back, "has_sender": selectors.verified_senders(request.company).exists()})


def _orders_back(request) -> str:
    """Where 돌아가기 leads: `next` (an order's detail), or the order list with the query it was opened
    from (`back`, as the list's bulk buttons pass it)."""
    back = request.GET.get("back", "")
    if back and not back.startswith(("/", "http")) and "://" not in back:
        return f"{reverse('orders:list')}?{back}"
    return safe_next(request, "", referer=False)


@screen_view(LOG)
def sms_send_orders(request):
    """GET/POST ?order=<id>&order=<id>…: text the buyers of the selected orders (from the order list or
    an order's detail; one id = a single order)."""
    ids = id_list(request.GET.getlist("order") or request.POST.getlist("order"))
    orders = selectors.orders_for_sms(request.company, ids)
    if request.method == "POST" and not orders:
        messages.error(request, _("문자를 보낼 주문을 선택하세요."))
    return _send_page(request, title=_("주문 구매자에게 문자 발송"), orders=orders, back=_orders_back(request),
                      send=lambda sender, text: sms_services.sms_to_orders(
                          company=request.company, user=request.user, text=text, orders=orders, sender=sender))


@screen_view(LOG)
def sms_send_claim(request, pk: int):
    claim = get_or_404(selectors.claim_get, request.company, pk)
    return _send_page(request, title=_("클레임 구매자에게 문자 발송"), orders=[claim.order], back=safe_next(request, ""),
                      send=lambda sender, text: [sms_services.sms_to_claim(
                          company=request.company, user=request.user, text=text, claim=claim, sender=sender)])


@screen_view(LOG)
def sms_send_inquiry(request, pk: int):
    inquiry = get_or_404(selectors.inquiry_get, request.company, pk)
    orders = [inquiry.order] if inquiry.order_id else []
    return _send_page(request, title=_("문의 작성자에게 문자 발송"), orders=orders, back=safe_next(request, ""),
                      send=lambda sender, text: [sms_services.sms_to_inquiry(
                          company=request.company, user=request.user, text=text, inquiry=inquiry, sender=sender)])
