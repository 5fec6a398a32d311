"""The operator's view (superusers only): every company with plan, usage, trial end and state, and
the plan or state change the operator records (no payment integration)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketdock.core.models import Company

from . import selectors, services
from .forms import PlanChangeForm


def _operator(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied(_("서비스 운영자만 볼 수 있습니다."))


@login_required
def operator_companies(request):
    _operator(request)
    return render(request, "saas/operator_companies.html", {"rows": selectors.operator_companies()})


@login_required
def operator_company(request, pk: int):
    _operator(request)
    company = Company.objects.filter(pk=pk).first()
    if company is None:
        raise Http404(_("회사를 찾을 수 없습니다."))
    sub = selectors.subscription(company)
    form = PlanChangeForm(request.POST or None, initial={"plan": company.plan, "status": company.status,
                                                         "buyer_data_days": sub.buyer_data_days})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.operator_save(company=company, by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s의 요금제·상태를 기록했습니다.") % {"name": company.name})
            return redirect("saas:operator_company", company.pk)
    return render(request, "saas/operator_company.html", {
        "company": company, "form": form, "rows": selectors.usage_rows(company),
        "changes": selectors.plan_changes(company), "deletion_date": services.deletion_date(company),
        "trial_days_left": selectors.trial_days_left(company)})
