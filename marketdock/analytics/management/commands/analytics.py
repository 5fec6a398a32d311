"""`marketdock analytics rebuild [--company CODE] [--since YYYY-MM-DD]`: recompute the sales rollup
from the orders (every company, or one; every day, or from a day on)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from marketdock.core.models import Company
from marketdock.core.params import date_param


class Command(BaseCommand):
    help = "Sales analytics tools (rebuild: recompute the sales rollup from the orders)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="recompute the sales rollup from the orders")
        rebuild.add_argument("--company", help="company code (default: every company)")
        rebuild.add_argument("--since", help="first KST order day to recompute, YYYY-MM-DD (default: all)")

    def handle(self, *args, **options):
        from marketdock.analytics import services

        since = None
        if options.get("since"):
            since = date_param(options["since"])
            if since is None:
                raise CommandError(_("--since 날짜 형식이 잘못되었습니다 (YYYY-MM-DD): %(value)s") % {"value": options["since"]})
        companies = Company.objects.order_by("pk")
        if options.get("company"):
            companies = companies.filter(code=options["company"])
            if not companies.exists():
                raise CommandError(_("회사 코드가 없습니다: %(code)s") % {"code": options["company"]})
        for company in companies:
            rows = services.rollup_rebuild(company, since=since)
            self.stdout.write(f"{company.code}: {rows} rows")
