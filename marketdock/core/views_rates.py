"""환율관리: the company's dated exchange rates, used wherever foreign-currency amounts are totalled in won."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors
from .forms import BootstrapFormMixin
from .models import ExchangeRate
from .screens import screen_view
from .services_rates import rate_delete, rate_save

SCREEN = "core.rates"


class RateForm(BootstrapFormMixin, forms.Form):
    currency = forms.CharField(label=gettext_lazy("통화"), max_length=3, help_text=gettext_lazy("예: USD, JPY"))
    valid_from = forms.DateField(label=gettext_lazy("적용일"), widget=forms.DateInput(attrs={"type": "date"}))
    krw_per_unit = forms.CharField(label=gettext_lazy("환율(원)"), max_length=20,
                                   help_text=gettext_lazy("1단위당 원 (예: 1 USD = 1385.5)"))
    memo = forms.CharField(label=gettext_lazy("메모"), max_length=200, required=False)


@screen_view(SCREEN)
def rate_list(request):
    form = RateForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            row = rate_save(company=request.company, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            messages.success(request, _("%(currency)s 환율을 저장했습니다 (%(day)s부터 1 %(currency)s = %(rate)s원).") % {
                "currency": row.currency, "day": row.valid_from.isoformat(), "rate": f"{row.krw_per_unit:,}"})
            return redirect("core:rate_list")
    return render(request, "core/rates.html", {"rates": selectors.exchange_rates(request.company), "form": form})


@screen_view(SCREEN, write=True)
def rate_delete_view(request, pk: int):
    try:
        rate = selectors.exchange_rate_get(request.company, pk)
    except ExchangeRate.DoesNotExist:
        raise Http404(_("환율을 찾을 수 없습니다."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    rate_delete(rate=rate)
    messages.success(request, _("환율을 삭제했습니다."))
    return redirect("core:rate_list")
