"""`marketdock bench workers`: the production layout under load, for real.

PostgreSQL from DATABASE_URL, RedisHuey from REDIS_URL (HUEY_NAME), the sandbox marketplace on a free
port in this process, the demo data (2 companies × Naver, Coupang, Shopify = 6 accounts whose listings
share SKUs, one catalogue per company) and two worker processes started exactly as the README says —
`marketdock worker` (periodic schedule) and `marketdock worker --no-periodic`, WORKER_THREADS threads
each. For `--seconds` this process then keeps, at the same time:

- a steady order stream (`--orders-per-minute` new orders per shop) while a few SKUs of every company
  are at 0 and the rest low, so pages mix reservable and short orders on shared SKUs;
- collections of every account every `--collect-every` seconds (besides the worker's own minute
  schedule; the account lease keeps one collection per account);
- stock changes (inbound, corrections) on the shared SKUs, which mark listings for the stock push;
- confirms (발주확인) of reserved orders, which go to the marketplace through the outbox.

Then the stream stops, every account is collected once more, the workers drain the queue and the
outbox, and the figures are taken: runs / failed_runs (job runs of the period), deadlocks
(pg_stat_database.deadlocks delta of this database; deadlocks_in_job_errors counts failed jobs that
died of one), retries (conflict retries recorded by the jobs), sandbox_orders / db_orders / duplicates
/ lost (every order the sandbox holds is collected exactly once), ledger_drift (stock levels against
the sum of the ledger) and push_mismatches (sandbox option stock against what the OMS computes).

Needs an empty database (`createdb …` first): the demo companies are created by the run itself.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from marketdock.core.bench import register

KINDS = ("naver", "coupang", "shopify")


def add_arguments(parser) -> None:
    parser.add_argument("--seconds", type=int, default=180, help="how long the load runs (default 3 minutes)")
    parser.add_argument("--orders-per-minute", type=float, default=20.0, help="new orders per minute per shop")
    parser.add_argument("--collect-every", type=float, default=6.0, help="seconds between collections of an account")
    parser.add_argument("--stock-changes", type=float, default=2.0, help="stock changes per second")
    parser.add_argument("--confirms", type=float, default=1.0, help="order confirms per second")
    parser.add_argument("--sold-out", type=int, default=4, help="SKUs per company set to 0 at the start")
    parser.add_argument("--settle", type=float, default=300.0, help="seconds to wait for the queue to drain")
    parser.add_argument("--seed", type=int, default=11)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_deadlocks() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0] or 0)


def _start_workers(var_dir: str, out) -> list[tuple[subprocess.Popen, object]]:
    workers = []
    for name, extra in (("periodic", []), ("no-periodic", ["--no-periodic"])):
        log = open(os.path.join(var_dir, f"bench-worker-{name}.log"), "w")  # noqa: SIM115 - closed in _stop_workers
        command = [sys.executable, "-m", "marketdock.manage", "worker", *extra]
        workers.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)), log))
        out(f"started `marketdock worker {' '.join(extra)}`".rstrip())
    return workers


def _stop_workers(workers) -> None:
    for proc, _log in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # huey's graceful stop: finish the running tasks
    for proc, log in workers:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _setup(base_url: str, sold_out: int, rng: random.Random, out):
    from marketdock.catalog.models import SKU
    from marketdock.channels.models import ChannelAccount
    from marketdock.core.demo import run_demo
    from marketdock.core.models import Company
    from marketdock.inventory import services as inventory
    from marketdock.inventory.models import StockLevel
    from marketdock.listings.models import ListingOption
    from marketdock.orders.models import Order

    if Order.objects.exists():
        raise SystemExit("bench workers needs an empty database (it creates the demo companies itself)")
    os.environ["MARKETDOCK_SANDBOX_URL"] = base_url
    for line in run_demo():
        out(line)
    companies = list(Company.objects.filter(code__in=("demo", "demo2")).order_by("code"))
    accounts = list(ChannelAccount.objects.filter(company__in=companies, kind__in=KINDS).select_related("company")
                    .order_by("company__code", "kind"))
    skus: dict[int, list] = {}
    for company in companies:
        warehouse = inventory.warehouse_default(company)
        listed = set(ListingOption.objects.filter(company=company, sku__isnull=False).values_list("sku_id", flat=True))
        skus[company.pk] = [(pk, warehouse.pk) for pk in SKU.objects.filter(company=company, pk__in=listed, is_set=False)
                            .order_by("code").values_list("pk", flat=True)]
        for i, (sku_id, wh_id) in enumerate(skus[company.pk]):
            level = StockLevel.objects.filter(company=company, sku_id=sku_id, warehouse_id=wh_id).first()
            have = level.on_hand - level.reserved if level else 0
            want = 0 if i < sold_out else rng.randint(2, 8)  # a few sold out, the rest scarce
            if have != want and (level is None or want - have + level.on_hand >= level.reserved):
                inventory.stock_adjust(company=company, sku_id=sku_id, warehouse_id=wh_id, quantity=want - have,
                                       reason="벤치 재고 설정")
        out(f"{company.code}: {len(skus[company.pk])} listed SKUs shared by its 3 accounts, {sold_out} at 0")
    ChannelAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(collect_every_minutes=1, auto_collect=True)
    return companies, accounts, skus


def _stock_change(company, pairs, rng: random.Random) -> str:
    from marketdock.inventory import services as inventory

    sku_id, wh_id = rng.choice(pairs)
    try:
        if rng.random() < 0.6:
            inventory.stock_adjust(company=company, sku_id=sku_id, warehouse_id=wh_id, quantity=rng.randint(1, 4),
                                   reason="벤치 입고")
            return "inbound"
        inventory.stock_adjust(company=company, sku_id=sku_id, warehouse_id=wh_id, quantity=-1, reason="벤치 조정")
        return "correction"
    except inventory.StockError:
        return "refused"


def _confirm_one(company, admin, rng: random.Random) -> bool:
    from marketdock.orders.models import Order, OrderStatus, StockState
    from marketdock.orders.services import order_transition

    ids = list(Order.objects.filter(company=company, status=OrderStatus.NEW, stock_state=StockState.RESERVED)
               .values_list("pk", flat=True)[:20])
    if not ids:
        return False
    order = Order.objects.get(pk=rng.choice(ids))
    result = order_transition(company=company, orders=[order], to=OrderStatus.CONFIRMED, user=admin)
    return all(o.ok for o in result.outcomes)


def _busy(since) -> bool:
    from marketdock.core.models import JobRun
    from marketdock.listings.models_sync import ListingDirty
    from marketdock.outbox.models import OutboxMessage

    return (JobRun.objects.filter(created_at__gte=since, status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING])
            .exists() or OutboxMessage.objects.filter(status__in=["pending", "sending"]).exists()
            or ListingDirty.objects.exists())


def _wait_idle(since, limit: float, out) -> bool:
    deadline = time.monotonic() + limit
    quiet = 0
    while time.monotonic() < deadline:
        quiet = 0 if _busy(since) else quiet + 1
        if quiet >= 4:
            return True
        time.sleep(1)
    out("the queue did not drain in time")
    return False


def _figures(state, companies, accounts, since, deadlocks_before: int) -> dict:
    from marketdock.core.models import JobRun
    from marketdock.inventory.services import stock_levels_reconcile
    from marketdock.listings.benchmarks import _compare
    from marketdock.orders.models import CollectionRun, Order, OrderLine

    runs = JobRun.objects.filter(created_at__gte=since)
    failed = list(runs.filter(status=JobRun.Status.FAILED).values_list("kind", "error"))
    retries = sum(int((c or {}).get("retries", 0)) for c in runs.values_list("counts", flat=True))
    figures = {
        "runs": runs.filter(kind="orders.collect").count(),
        "collection_runs": CollectionRun.objects.filter(account__in=accounts, started_at__gte=since).count(),
        "jobs": runs.count(),
        "failed_runs": len(failed),
        "failed_collections": CollectionRun.objects.filter(account__in=accounts, started_at__gte=since,
                                                           status=CollectionRun.Status.FAILED).count(),
        "failed_kinds": sorted({k for k, _e in failed}),
        "deadlocks": _pg_deadlocks() - deadlocks_before,
        "deadlocks_in_job_errors": sum(1 for _k, e in failed if "deadlock detected" in (e or "")),
        "retries": retries,
    }
    durations = sorted((r.finished_at - r.started_at).total_seconds() for r in CollectionRun.objects.filter(
        account__in=accounts, started_at__gte=since, finished_at__isnull=False))
    if durations:
        figures["collection_seconds_p50"] = round(durations[len(durations) // 2], 2)
        figures["collection_seconds_p95"] = round(durations[min(len(durations) - 1, int(len(durations) * 0.95))], 2)
    figures["pages"] = sum(CollectionRun.objects.filter(account__in=accounts, started_at__gte=since)
                           .values_list("pages", flat=True))
    totals = {"sandbox_orders": 0, "db_orders": 0, "duplicates": 0, "lost": 0, "extra": 0}
    for account in accounts:
        shop = state.shops[f"{account.kind}-{account.company.code}"]
        truth = state.ground_truth(shop)
        good = [o for o in truth["orders"] if not o["malformed"]]
        want = {line for o in good for line in o["line_ids"]}
        have = list(OrderLine.objects.filter(account=account).values_list("channel_line_id", flat=True))
        orders = list(Order.objects.filter(account=account).values_list("channel_order_id", flat=True))
        totals["sandbox_orders"] += len(good)
        totals["db_orders"] += len(set(orders))
        totals["duplicates"] += (len(have) - len(set(have))) + (len(orders) - len(set(orders)))
        totals["lost"] += len(want - set(have))
        totals["extra"] += len(set(have) - want)
    figures.update(totals)
    figures["ledger_drift"] = sum(stock_levels_reconcile(company=c, fix=False)["drift"] for c in companies)
    mismatches = 0
    for company in companies:
        mine = [(a, state.shops[f"{a.kind}-{company.code}"]) for a in accounts if a.company_id == company.pk]
        mismatches += _compare(company, state, mine)[0]
    figures["push_mismatches"] = mismatches
    return figures


def run(options: dict, out) -> dict:
    import logging

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from marketdock.channels.demo import sandbox_seed
    from marketdock.channels.hosts import operator_allow
    from marketdock.core.models import User
    from marketdock.orders.services import collection_run_start
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("bench workers runs the production layout: set DATABASE_URL (PostgreSQL) and REDIS_URL")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(options["seed"])  # noqa: S311 - a benchmark's workload, not security
    state = SandboxState(seed=sandbox_seed(), order_rate=0, initial_orders=5)
    server, base_url = serve_in_thread(SandboxApp(state), port=_free_port())
    out(f"sandbox on {base_url}")
    operator_allow(base_url)  # the accounts may call it: here and in the workers
    HUEY.flush()  # this HUEY_NAME's queue only
    workers = []
    try:
        companies, accounts, skus = _setup(base_url, options["sold_out"], rng, out)
        admins = {c.pk: User.objects.filter(company=c, is_active=True).order_by("pk").first() for c in companies}
        shops = [state.shops[f"{a.kind}-{a.company.code}"] for a in accounts]
        since = timezone.now() - timedelta(seconds=1)
        deadlocks_before = _pg_deadlocks()
        threads = int(settings.HUEY["consumer"]["workers"])
        workers = _start_workers(str(settings.VAR_DIR), out)
        out(f"load for {options['seconds']} s: 2 workers × {threads} threads, {len(accounts)} accounts")
        t0 = time.monotonic()
        next_collect = t0
        owed = {"orders": 0.0, "stock": 0.0, "confirms": 0.0}
        load = {"orders_added": 0, "stock_changes": 0, "confirms": 0, "collections_enqueued": 0}
        last = t0
        while time.monotonic() - t0 < options["seconds"]:
            now = time.monotonic()
            elapsed, last = now - last, now
            owed["orders"] += elapsed * options["orders_per_minute"] / 60.0
            owed["stock"] += elapsed * options["stock_changes"]
            owed["confirms"] += elapsed * options["confirms"]
            while owed["orders"] >= 1:
                owed["orders"] -= 1
                paid_by_now = datetime.now(UTC) - timedelta(minutes=3)  # paid (so listed) at once
                for shop in shops:
                    state.add_order(shop, at=paid_by_now)
                    load["orders_added"] += 1
            while owed["stock"] >= 1:
                owed["stock"] -= 1
                company = rng.choice(companies)
                _stock_change(company, skus[company.pk], rng)
                load["stock_changes"] += 1
            while owed["confirms"] >= 1:
                owed["confirms"] -= 1
                company = rng.choice(companies)
                load["confirms"] += _confirm_one(company, admins[company.pk], rng)
            if now >= next_collect:
                next_collect = now + options["collect_every"]
                for account in accounts:
                    collection_run_start(account=account, trigger="schedule")
                    load["collections_enqueued"] += 1
            time.sleep(0.2)
        out("stream stopped; draining, then one last collection of every account")
        _wait_idle(since, options["settle"], out)
        for account in accounts:
            collection_run_start(account=account, trigger="schedule")
        settled = _wait_idle(since, options["settle"], out)
        _stop_workers(workers)
        workers = []
        time.sleep(1.5)  # the workers' statistics reach pg_stat_database when they exit
        figures = _figures(state, companies, accounts, since, deadlocks_before)
        return {"seconds": options["seconds"], "worker_processes": 2, "threads_per_worker": threads,
                "accounts": len(accounts), "companies": len(companies), **load, "settled": settled, **figures}
    finally:
        if workers:
            _stop_workers(workers)
        server.shutdown()
        server.server_close()


register("workers", help="the production layout (PostgreSQL, Redis, 2 worker processes) under orders, stock changes "
                         "and confirms: failed runs, deadlocks, retries, duplicates, lost, ledger drift, push "
                         "mismatches", add_arguments=add_arguments, run=run)
