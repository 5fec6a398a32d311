"""The operator's side of a company: creation (15-day trial), plan and state changes (recorded, no
payment), termination (data kept 3 months, then deleted by `retention.terminated_delete_due`)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import TRIAL_DAYS, Company, CompanyStatus, Plan
from marketdock.core.services import company_create

from ..models import PlanChange, Subscription


def generated_password() -> str:
    return secrets.token_urlsafe(12) + "!7"


def service_company_create(*, code: str, name: str, business_no: str, admin_username: str,
                           admin_password: str = "", plan: str = Plan.BASE) -> tuple[Company, str]:
    """A new company in its 15-day trial with its main administrator. Without a password one is
    generated and returned (shown once). Raises ValidationError with Korean messages."""
    code = (code or "").strip().lower()
    if Company.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("회사코드 %(code)s는 이미 있습니다.") % {"code": code}]})
    if plan not in Plan.values:
        raise ValidationError({"plan": [_("알 수 없는 요금제입니다: %(plan)s") % {"plan": plan}]})
    from marketdock.core.models import User

    if User.objects.filter(username__iexact=admin_username).exists():
        raise ValidationError({"admin": [_("아이디 %(u)s는 이미 사용 중입니다.") % {"u": admin_username}]})
    password = admin_password or generated_password()
    with transaction.atomic():
        company = company_create(code=code, name=name, business_no=business_no, admin_username=admin_username,
                                 admin_password=password, plan=plan)
        Subscription.objects.get_or_create(company=company)
        PlanChange.objects.create(company=company, new_plan=plan, new_status=company.status,
                                  note=_("가입 (무료 체험 %(days)s일)") % {"days": TRIAL_DAYS})
    return company, password


def plan_change(*, company: Company, plan: str, status: str, note: str = "", by=None) -> PlanChange:
    """The operator records a plan or state change (payment is handled outside marketdock)."""
    if plan not in Plan.values:
        raise ValidationError({"plan": [_("알 수 없는 요금제입니다.")]})
    if status not in CompanyStatus.values:
        raise ValidationError({"status": [_("알 수 없는 상태입니다.")]})
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        change = PlanChange.objects.create(company=company, old_plan=company.plan, new_plan=plan,
                                           old_status=company.status, new_status=status, note=note[:300],
                                           by=by if by and by.pk else None)
        company.plan, company.status = plan, status
        if status == CompanyStatus.TRIAL and not company.trial_ends_at:
            company.trial_ends_at = timezone.now() + timedelta(days=TRIAL_DAYS)
        company.save(update_fields=["plan", "status", "trial_ends_at"])
        sub, _created = Subscription.objects.get_or_create(company=company)
        if status == CompanyStatus.TERMINATED and not sub.terminated_at:
            sub.terminated_at = timezone.now()
        elif status != CompanyStatus.TERMINATED:
            sub.terminated_at = None
        sub.save(update_fields=["terminated_at"])
    return change


def company_terminate(*, company: Company, note: str = "", by=None) -> Subscription:
    """해지: users can no longer sign in (inactive); the data is kept 3 months, then deleted."""
    if company.status == CompanyStatus.TERMINATED:
        raise ValidationError(_("이미 해지된 회사입니다."))
    with transaction.atomic():
        plan_change(company=company, plan=company.plan, status=CompanyStatus.TERMINATED,
                    note=note or _("서비스 해지"), by=by)
        company.users.update(is_active=False)
    return Subscription.objects.get(company=company)



def operator_save(*, company: Company, plan: str, status: str, buyer_data_days: int | None = None, note: str = "",
                  by=None) -> None:
    """The operator's form: a plan/state change (recorded in the history when something changed) and
    the company's buyer-data retention days (empty: the default)."""
    with transaction.atomic():
        if plan != company.plan or status != company.status or note:
            plan_change(company=company, plan=plan, status=status, note=note, by=by)
        sub, _created = Subscription.objects.get_or_create(company=company)
        sub.buyer_data_days = buyer_data_days or None
        sub.save(update_fields=["buyer_data_days"])
