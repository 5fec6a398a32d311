"""`marketdock bench <name> [options] [--json]`: run a registered benchmark (see marketdock.core.bench).

The database named by DATABASE_URL (or the default SQLite file under MARKETDOCK_VAR) is migrated
first, so a benchmark can run against a fresh, empty database. With `--json` the last line of
output is exactly one JSON object with the figures."""

from __future__ import annotations

import json
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from marketdock.core.bench import discover


class Command(BaseCommand):
    help = "Run a benchmark registered by an app's benchmarks.py (e.g. `marketdock bench oversell --json`)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        self._parser = parser
        return parser

    def add_arguments(self, parser):
        benches = discover()
        subparsers = parser.add_subparsers(dest="bench_name", metavar="name", title="benchmarks")
        subparsers.required = True
        for name, bench in benches.items():
            sub = subparsers.add_parser(name, help=bench.help, description=bench.help)
            sub.add_argument("--json", action="store_true", dest="as_json", help="print the figures as one JSON object")
            sub.add_argument("--no-migrate", action="store_true", help="do not migrate the database first")
            if bench.add_arguments:
                bench.add_arguments(sub)

    def handle(self, *args, **options):
        benches = discover()
        name = options["bench_name"]
        if name not in benches:
            raise CommandError(f"unknown benchmark {name!r}; known: {', '.join(benches) or '-'}")
        as_json = options.get("as_json", False)
        if not options.get("no_migrate"):
            call_command("migrate", interactive=False, verbosity=0)

        def out(line: str) -> None:
            if not as_json:
                self.stdout.write(line)
            else:
                self.stderr.write(line)

        result = benches[name].run(options, out)
        result.setdefault("benchmark", name)
        result.setdefault("database", connection.vendor)
        if as_json:
            sys.stdout.flush()
            self.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=True))
        else:
            width = max((len(k) for k in result), default=0)
            for key, value in result.items():
                self.stdout.write(f"{key.ljust(width)}  {value}")
