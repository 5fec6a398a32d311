"""`marketdock apikey create --company CODE --name NAME --scopes orders:read,stock:write [--ips ...]
[--expires YYYY-MM-DD] [--rate N]`: a new API key for scripts and tests; the key is the last line."""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from marketdock.api import services
from marketdock.core.models import Company
from marketdock.core.params import date_param


class Command(BaseCommand):
    help = "API keys: `apikey create --company CODE --name NAME --scopes a,b` prints the new key as its last line"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key")
        create.add_argument("--company", required=True, help="company code")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="comma-separated, e.g. orders:read,stock:write; 'all' for every scope")
        create.add_argument("--ips", default="", help="comma-separated IP addresses or networks allowed")
        create.add_argument("--expires", default="", help="YYYY-MM-DD (KST, end of day)")
        create.add_argument("--rate", type=int, default=600, help="calls per minute")

    def handle(self, *args, **options):
        company = Company.objects.filter(code=options["company"]).first()
        if company is None:
            raise CommandError(f"no company with code {options['company']!r}")
        scopes = list(services.SCOPES) if options["scopes"] == "all" else options["scopes"].split(",")
        expires = None
        if options["expires"]:
            day = date_param(options["expires"])
            if day is None:
                raise CommandError("--expires must be YYYY-MM-DD")
            expires = timezone.make_aware(datetime.combine(day, time.max), timezone.get_default_timezone())
        try:
            new = services.api_key_create(company=company, name=options["name"], scopes=scopes,
                                          allowed_ips=options["ips"], expires_at=expires,
                                          rate_per_minute=options["rate"])
        except services.ApiKeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"created key {new.key.name!r} for {company.code} (prefix {new.key.prefix}, "
                          f"scopes {','.join(new.key.scopes)})")
        self.stdout.write(new.token)
