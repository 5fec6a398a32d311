"""Operator commands:

    marketdock company create CODE NAME --business-no 123-45-67890 --admin ADMIN [--password P] [--plan base]
    marketdock company terminate CODE [--note TEXT]
    marketdock company purge [--dry-run] [--company CODE]     terminated companies past their 3 months
    marketdock company purge-buyer-data [--company CODE]      buyer personal data past retention, now
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from marketdock.core.models import Company


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Companies as a service: create, terminate, purge (terminated companies), purge-buyer-data."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new company (15-day trial) with its main admin")
        create.add_argument("code")
        create.add_argument("name")
        create.add_argument("--business-no", required=True)
        create.add_argument("--admin", required=True, help="the main admin's username")
        create.add_argument("--password", default="", help="default: a generated one, printed")
        create.add_argument("--plan", default="base")
        terminate = sub.add_parser("terminate", help="terminate: users locked out, data kept 3 months")
        terminate.add_argument("code")
        terminate.add_argument("--note", default="")
        purge = sub.add_parser("purge", help="delete terminated companies whose 3 months have passed")
        purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
        purge.add_argument("--company", help="only this company code")
        buyer = sub.add_parser("purge-buyer-data", help="mask buyer personal data past retention now")
        buyer.add_argument("--company", help="only this company code")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _company(self, code: str) -> Company:
        company = Company.objects.filter(code=code).first()
        if company is None:
            raise CommandError(_("회사 코드가 없습니다: %(code)s") % {"code": code})
        return company

    def _create(self, o) -> None:
        from marketdock.saas import services

        try:
            company, password = services.service_company_create(
                code=o["code"], name=o["name"], business_no=o["business_no"], admin_username=o["admin"],
                admin_password=o["password"], plan=o["plan"])
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from None
        self.stdout.write(_("회사 %(code)s (%(name)s)를 만들었습니다. 무료 체험 종료: %(end)s") % {
            "code": company.code, "name": company.name, "end": company.trial_ends_at.date().isoformat()})
        if not o["password"]:
            self.stdout.write(_("주관리자 %(admin)s 비밀번호: %(password)s") % {"admin": o["admin"], "password": password})

    def _terminate(self, o) -> None:
        from marketdock.saas import services

        company = self._company(o["code"])
        try:
            services.company_terminate(company=company, note=o["note"])
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from None
        self.stdout.write(_("%(code)s 를 해지했습니다. 자료는 %(date)s 까지 보관한 뒤 삭제합니다.") % {
            "code": company.code, "date": services.deletion_date(company).date().isoformat()})

    def _purge(self, o) -> None:
        from marketdock.saas import services

        due = services.terminated_due()
        if o.get("company"):
            due = [c for c in due if c.code == o["company"]]
        if not due:
            self.stdout.write(_("삭제할 회사가 없습니다."))
            return
        for company in due:
            counts = services.company_data_counts(company)
            verb = _("삭제 예정") if o["dry_run"] else _("삭제")
            self.stdout.write(f"{company.code} ({company.name}): {verb}, {sum(n for _m, n in counts)}")
            for label, n in counts:
                self.stdout.write(f"  {label}: {n}")
            if not o["dry_run"]:
                services.company_delete(company)

    def _purge_buyer_data(self, o) -> None:
        from marketdock.saas import services

        companies = [self._company(o["company"])] if o.get("company") else Company.objects.order_by("pk")
        for company in companies:
            run = services.buyer_data_purge(company)
            self.stdout.write(f"{company.code}: {run.orders if run else 0}")
