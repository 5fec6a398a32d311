"""`marketdock demo`: the demo companies, users and data. Idempotent: running it again changes nothing
that already exists. Later capabilities add their own demo data through `DEMO_STEPS`."""

from django.core.management.base import BaseCommand
from django.db import transaction

from marketdock.core.demo import DEMO_PASSWORD, run_demo


class Command(BaseCommand):
    help = "Create the demo companies (demo, demo2) with their users and sample data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            lines = run_demo()
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"demo ready: admin / viewer / demo2admin, password {DEMO_PASSWORD}"))
