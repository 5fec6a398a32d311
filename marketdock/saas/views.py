"""웹훅 and 서비스 사용량 screens; the operator's company list (superusers)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services
from .forms import WebhookForm
from .services.webhooks import SIGNATURE_HEADER, endpoint_secret

SCREEN = "saas.webhooks"


def _form_errors(form, exc: ValidationError) -> None:
    for name, errs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        form.add_error(name if name in form.fields else None, errs)


@screen_view(SCREEN)
def webhooks(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, _secret = services.webhook_create(company=request.company, name=data["name"], url=data["url"],
                                                        events=data["events"], user=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("웹훅을 등록했습니다. 서명 비밀키로 수신한 이벤트를 확인하세요."))
            return redirect("saas:webhook_detail", endpoint.pk)
    return render(request, "saas/webhooks.html", {"endpoints": selectors.webhooks(request.company), "form": form})


@screen_view(SCREEN)
def webhook_detail(request, pk: int):
    endpoint = get_or_404(selectors.webhook_get, request.company, pk, _("웹훅을 찾을 수 없습니다."))
    form = WebhookForm(request.POST or None, initial={"name": endpoint.name, "url": endpoint.url,
                                                      "events": endpoint.events, "is_active": endpoint.is_active})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.webhook_update(endpoint=endpoint, name=data["name"], url=data["url"], events=data["events"],
                                    is_active=data["is_active"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("웹훅을 저장했습니다."))
            return redirect("saas:webhook_detail", endpoint.pk)
    return render(request, "saas/webhook_detail.html", {
        "endpoint": endpoint, "form": form, "header": SIGNATURE_HEADER,
        "secret": endpoint_secret(endpoint) if request.can_write else "",
        "messages_list": selectors.webhook_messages(request.company, endpoint)[:50],
        "deliveries": selectors.webhook_deliveries(request.company, endpoint)[:100]})


@screen_view(SCREEN, write=True)
def webhook_action(request, pk: int, action: str):
    endpoint = get_or_404(selectors.webhook_get, request.company, pk, _("웹훅을 찾을 수 없습니다."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action == "test":
        services.webhook_send_test(endpoint=endpoint)
        messages.success(request, _("테스트 이벤트를 보냈습니다. 아래 전송 기록에서 결과를 확인하세요."))
    elif action == "rotate":
        services.webhook_rotate_secret(endpoint=endpoint)
        messages.success(request, _("서명 비밀키를 새로 만들었습니다. 수신 서버의 비밀키도 바꾸세요."))
    elif action == "delete":
        services.webhook_delete(endpoint=endpoint)
        messages.success(request, _("웹훅을 삭제했습니다."))
        return redirect("saas:webhooks")
    return redirect("saas:webhook_detail", endpoint.pk)


@screen_view(SCREEN, write=True)
def webhook_redeliver(request, pk: int, message_id: int):
    endpoint = get_or_404(selectors.webhook_get, request.company, pk, _("웹훅을 찾을 수 없습니다."))
    message = get_or_404(lambda c, i: selectors.webhook_message_get(c, endpoint, i), request.company, message_id,
                         _("전송 기록을 찾을 수 없습니다."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    messages.info(request, services.webhook_redeliver(endpoint=endpoint, message=message))
    return redirect("saas:webhook_detail", endpoint.pk)


@screen_view("saas.usage")
def usage(request):
    company = request.company
    return render(request, "saas/usage.html", {
        "panel": {"rows": selectors.usage_rows(company), "plan": services.plan_of(company), "company": company,
                  "trial_days_left": selectors.trial_days_left(company), "chart": selectors.usage_chart(company)},
        "history": selectors.usage_history(company), "changes": selectors.plan_changes(company)[:20],
        "purges": selectors.purge_runs(company)[:20], "retention_days": services.buyer_data_days(company)})

