"""`marketdock sandbox`: a local marketplace speaking the Naver Commerce API, Coupang WING and Shopify
Admin GraphQL protocols (what the connectors use), with demo shops, orders arriving over time and
switchable faults. See marketdock/sandbox/server.py for the admin API."""

import logging
import os
import signal
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from marketdock.sandbox.server import SandboxApp, make_server
from marketdock.sandbox.state import SandboxState


def _default_port() -> int:
    """MARKETDOCK_SANDBOX_PORT, else the port of MARKETDOCK_SANDBOX_URL (where the web app and the workers
    look for the sandbox), else 8010."""
    if os.environ.get("MARKETDOCK_SANDBOX_PORT"):
        return int(os.environ["MARKETDOCK_SANDBOX_PORT"])
    return urlsplit(os.environ.get("MARKETDOCK_SANDBOX_URL") or "http://127.0.0.1:8010").port or 8010


class Command(BaseCommand):
    help = "Run the sandbox marketplace (Naver / Coupang / Shopify protocols) on 127.0.0.1:8010."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("MARKETDOCK_SANDBOX_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=_default_port())
        parser.add_argument("--order-rate", type=float, default=1.0, help="new orders per minute per shop")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--initial-orders", type=int, default=40, help="orders per shop at start")
        parser.add_argument("--no-seeded-claims", dest="seeded_claims", action="store_false",
                            help="start without the demo's returns and exchanges on the initial orders")
        parser.add_argument("--persist", action="store_true",
                            help="keep the state in MARKETDOCK_VAR/sandbox/state.json across restarts")

    def handle(self, *args, **options):
        logging.basicConfig(level=logging.INFO)
        persist = Path(settings.VAR_DIR) / "sandbox" / "state.json" if options["persist"] else None
        state = SandboxState(seed=options["seed"], order_rate=options["order_rate"],
                             initial_orders=options["initial_orders"], persist_path=persist,
                             seeded_claims=options["seeded_claims"])
        if persist and state.load():
            self.stdout.write(f"state loaded from {persist}")
        server = make_server(SandboxApp(state), options["host"], options["port"])
        base = f"http://{options['host']}:{server.server_address[1]}"
        self.stdout.write(self.style.SUCCESS(f"sandbox marketplace on {base}  (Ctrl-C stops)"))
        for shop in state.describe():
            self.stdout.write(f"  {shop['code']:<15} {shop['protocol']:<8} {shop['credentials']}")
        self.stdout.write(f"  base URLs: naver {base}/external · coupang {base} · shopify {base}")
        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)  # `marketdock serve` stops its children with SIGTERM
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            state.save()
