"""`marketdock worker`: runs the Huey job consumer (periodic tasks on by default).

Run one worker with periodic tasks and any number more with `--no-periodic` (on other machines too,
when REDIS_URL points them at the same Redis)."""

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background job worker (Huey consumer)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", "-w", type=int, default=None)
        parser.add_argument("--no-periodic", action="store_true", help="do not run the periodic schedule here")

    def handle(self, *args, **options):
        argv = []
        if options["workers"]:
            argv += ["--workers", str(options["workers"])]
        if options["no_periodic"]:
            argv += ["--no-periodic"]
        # run_huey gives the "huey" logger its own handler; without this every line is printed twice
        # (once more through the root console handler of settings.LOGGING).
        logging.getLogger("huey").propagate = False
        call_command("run_huey", *argv)
