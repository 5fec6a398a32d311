"""`marketdock serve`: the web app (gunicorn) and the job worker in one process group.

Ctrl-C (SIGINT) or SIGTERM stops both cleanly. Extra long-running services (the sandbox
marketplace) register themselves in `marketdock.core.serve` and start with the web app and the worker;
then the registered start-up steps (the demo's first collection and settlement import from the sandbox)
run in a thread beside them."""

import os
import signal
import subprocess
import sys
import threading
import time

from django.core.management.base import BaseCommand
from django.db import connections

from marketdock.core.serve import extra_processes, startup_steps


class Command(BaseCommand):
    help = "Serve the web app and run the worker together (what `make run` starts)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("MARKETDOCK_BIND", "127.0.0.1:8000"))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, **options):
        python = sys.executable
        procs: list[tuple[str, subprocess.Popen]] = []
        web = [
            python, "-m", "gunicorn", "marketdock.wsgi:application", "--bind", options["bind"],
            "--workers", str(options["web_workers"]), "--threads", "4", "--timeout", "120",
            "--access-logfile", "-", "--logger-class", "marketdock.core.accesslog.GunicornLogger",
            "--graceful-timeout", "10",
        ]
        for name, argv in extra_processes():
            procs.append((name, subprocess.Popen(argv)))
        procs.insert(0, ("web", subprocess.Popen(web)))
        if not options["no_worker"]:
            procs.insert(1, ("worker", subprocess.Popen([python, "-m", "marketdock.manage", "worker"])))
        # beside the web app, never before it: a slow or stuck marketplace cannot keep the screens from coming up
        threading.Thread(target=self._startup, name="startup-steps", daemon=True).start()
        self.stdout.write(self.style.SUCCESS(f"marketdock on http://{options['bind']}  (Ctrl-C stops everything)"))

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                for name, p in procs:
                    if p.poll() is not None:
                        self.stderr.write(f"{name} exited with {p.returncode}; stopping the rest")
                        exit_code = p.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop(procs)
        sys.exit(exit_code)

    def _startup(self) -> None:
        """The registered start-up steps, in a thread of this process once the web app and the worker are
        started; a failing step is reported and skipped (the periodic schedule does the same work later)."""
        for step in startup_steps():
            try:
                step(self.stdout.write)
            except Exception as exc:  # a demo nicety must never keep the app from starting
                self.stderr.write(f"start-up step {getattr(step, '__name__', step)} failed: {exc}")
        connections.close_all()

    @staticmethod
    def _stop(procs: list[tuple[str, subprocess.Popen]]) -> None:
        for _, p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for _, p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
