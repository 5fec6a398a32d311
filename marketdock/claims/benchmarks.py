"""Claims and CS benchmark for `marketdock bench claims`.

A sandbox marketplace (in a thread) with every fault on (429, 500, timeouts, duplicates across pages,
a malformed order and a malformed claim) serves `--orders` orders across the shops; a share of them
become cancels / returns / exchanges, and the order stream brings buyers' questions. Everything that talks
to the marketplace runs in a child worker process, a Huey consumer exactly as `marketdock worker` runs it:
this process starts the collections (orders, claims, inquiries) as the screens do (`orders.collect`,
`claims.collect`, `claims.collect_inquiries` jobs) and waits on the jobs' progress; decisions and answers
go out through the outbox (`outbox.deliver_account`, started when they commit, and again — as the minute
sweep would — when a retry comes due). The worker keeps the production retries with short waits: HTTP
timeouts and retry backoffs for the sandbox, and OUTBOX_BACKOFF_BASE_SECONDS = 0.2 s. Between the
collections this process does what the seller does: approve every cancel and return, inspect every
returned item (alternately 정상 / 불량) and answer every inquiry. Then the database is compared with the
sandbox's truth: `duplicates`, `lost` and `stock_drift` must be 0 and every decision and answer confirmed
by the sandbox — every decision pushed (`pushed_decisions` = `confirmed_by_sandbox`): the cancels' and
Shopify returns' approvals and, for every return inspected, the marketplace's own last step (Naver
반품 승인, Coupang 입고확인 + 반품승인, Shopify returnClose): `returns_open_at_marketplace` must be 0. A
Naver or Coupang return approved here is not pushed at all (those marketplaces pick the parcel up
themselves and their approval is the refund), so it counts in `approved` but not among the decisions;
`returns_refunded_before_inspection` (a return there that received that approval) must be 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

from django.db.models import Count

from marketdock.core.bench import register

SHOPS = ("naver-demo", "coupang-demo", "shopify-demo")
PAGE_SIZES = {"naver": 7, "coupang": 5, "shopify": 8}
KINDS = {"naver": ("cancel", "return", "exchange"), "coupang": ("cancel", "return", "exchange"),
         "shopify": ("return", "exchange")}
FAULTS = {"rate_limit_every": 5, "retry_after": 1, "error_500_every": 7, "timeout_every": 11,
          "timeout_seconds": 1.5, "duplicate_items": True, "malformed_order": True, "malformed_claim": True}
COLLECT_SECONDS = 2.0  # how long a returned parcel travels back in the sandbox
INITIAL_STOCK = 100_000
SKU_CODES = [f"SB-{p:02d}-{o:02d}" for p, n in ((1, 3), (2, 2), (3, 2), (4, 1), (5, 2), (6, 1))
             for o in range(1, n + 1)]


def add_arguments(parser) -> None:
    import argparse

    parser.add_argument("--orders", type=int, default=2000, help="sandbox orders across the shops")
    parser.add_argument("--shops", default=",".join(SHOPS), help="comma-separated sandbox shops")
    parser.add_argument("--claim-share", type=float, default=0.3, help="share of orders that bring a claim")
    parser.add_argument("--child-step", default="", help=argparse.SUPPRESS)


# --- the worker (child process) -----------------------------------------------------------------------

WORKER_THREADS = 4
POLL = 0.1  # seconds between looks at the jobs' and the outbox's progress
OUTBOX_BACKOFF_SECONDS = 0.2  # the worker's outbox backoff (production: 30 s, doubling): retries stay real


def _short_timeouts() -> None:
    """Short HTTP timeouts and retry backoffs (the sandbox's timeouts hang longer) for every connector the
    worker uses, and a short outbox backoff: the same retries as in production, sooner."""
    import httpx
    from django.conf import settings

    from marketdock.channels.connectors.http import HttpOptions, RetryPolicy
    from marketdock.channels.connectors.ratelimit import Rate
    from marketdock.claims.services import collection as claim_collection
    from marketdock.claims.services import delivery, inquiries
    from marketdock.orders.services import collection, effects

    # the sandbox is no marketplace: no 2-calls-a-second pacing (its faults throttle it instead)
    options = lambda account: HttpOptions(timeout=httpx.Timeout(1.0, connect=2.0), rate=Rate(200.0, burst=50),  # noqa: E731
                                          retry=RetryPolicy(backoff_base=0.05, backoff_max=0.5))
    for module in (collection, effects, claim_collection, delivery, inquiries):
        module.connector_options = options
    settings.OUTBOX_BACKOFF_BASE_SECONDS = OUTBOX_BACKOFF_SECONDS


def _serve_worker() -> dict:
    """The child process: a Huey consumer exactly as `marketdock worker --no-periodic` runs it (the
    bench plays the minute schedule itself, sooner), until the bench closes its stdin."""
    from marketdock.core.jobs import run_consumer_in_thread, stop_consumer

    _short_timeouts()
    consumer = run_consumer_in_thread(workers=WORKER_THREADS, periodic=False)
    try:
        sys.stdin.read()
    finally:
        stop_consumer(consumer)
    return {"stopped": True}


def _start_worker(out):
    from django.conf import settings

    if settings.HUEY.get("immediate"):
        out("HUEY_IMMEDIATE: the jobs run in this process")
        _short_timeouts()
        return None
    command = [sys.executable, "-m", "marketdock.manage", "bench", "claims", "--no-migrate", "--json",
               "--child-step", "worker"]
    log = settings.VAR_DIR / "bench-claims-worker.log"
    with open(log, "w") as handle:  # the worker's log lines (every HTTP call): a pipe nobody reads would fill
        worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,  # noqa: S603
                                  stderr=handle, text=True)
    worker.log_path = log
    out(f"worker started (pid {worker.pid}, {WORKER_THREADS} threads, log {log.name})")
    return worker


def _worker_check(worker, label: str) -> None:
    if worker is not None and worker.poll() is not None:
        raise RuntimeError(f"the worker died during {label}: {worker.log_path.read_text()[-3000:]}")


def _stop_worker(worker) -> None:
    if worker is None:
        return
    worker.stdin.close()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _wait_jobs(company, runs, worker, out, label: str, limit: float = 900.0) -> list:
    """Wait until none of the company's jobs is queued or running (a claim collection may start an
    order collection of its own); returns the given runs that failed."""
    from marketdock.core.models import JobRun

    started = time.monotonic()
    live = (JobRun.Status.QUEUED, JobRun.Status.RUNNING)
    while JobRun.objects.filter(company=company, status__in=live).exists():
        _worker_check(worker, label)
        if time.monotonic() - started > limit:
            raise RuntimeError(f"{label}: the jobs did not finish within {limit:.0f} s")
        time.sleep(POLL)
    failed = list(JobRun.objects.filter(pk__in=[r.pk for r in runs], status=JobRun.Status.FAILED))
    out(f"{label}: {len(runs)} jobs in {time.monotonic() - started:.1f} s, failed {len(failed)}"
        + (f" ({failed[0].error.splitlines()[0][:200]})" if failed else ""))
    return failed


def _collect(company, accounts, what: str, worker, out, tries: int = 4) -> None:
    """Start the collection jobs (주문 / 클레임 / 문의 수집, as the screens and the schedule do) and wait for
    them; an account whose job failed (the marketplace failed several times in a row) is collected again,
    as its next scheduled run would."""
    from marketdock.claims.services import claims_collect_now, inquiries_collect_start
    from marketdock.claims.services.inquiries import inquiry_capable
    from marketdock.orders.services import collection_run_start

    pending = [a for a in accounts if what != "inquiries" or inquiry_capable(a)]
    for attempt in range(1, tries + 1):
        if what == "orders":
            runs = [collection_run_start(account=a, trigger="manual") for a in pending]
        elif what == "claims":
            runs = [run for a in pending for run in claims_collect_now(company, account=a)]
        else:
            runs = [inquiries_collect_start(company=company, account=a) for a in pending]
        failed = _wait_jobs(company, runs, worker, out, f"{what} #{attempt}")
        again = {run.params.get("account_id") for run in failed}
        pending = [a for a in pending if a.pk in again]
        if not pending:
            return
    raise RuntimeError(f"{what}: still failing after {tries} tries")


def _deliver(company, accounts, worker, out, limit: float = 600.0) -> None:
    """Wait until the outbox has nothing left to send for the accounts. The messages go out through the
    worker's `outbox.deliver_account` tasks (started when a decision commits); a retry that has come
    due is started as the minute sweep starts it (the same task), as soon as it is due."""
    from django.utils import timezone

    from marketdock.outbox.models import OutboxMessage
    from marketdock.outbox.tasks import deliver_account

    started = time.monotonic()
    ids = [a.pk for a in accounts]
    live = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING)
    kicked: dict[int, object] = {}
    kicks = 0
    while OutboxMessage.objects.filter(account_id__in=ids, status__in=live).exists():
        _worker_check(worker, "delivery")
        if time.monotonic() - started > limit:
            raise RuntimeError(f"delivery: messages still pending after {limit:.0f} s")
        due = set(OutboxMessage.objects.filter(account_id__in=ids, status=OutboxMessage.Status.PENDING,
                                               next_attempt_at__lte=timezone.now())
                  .values_list("account_id", flat=True).distinct()) - set(
            OutboxMessage.objects.filter(account_id__in=ids, status=OutboxMessage.Status.SENDING)
            .values_list("account_id", flat=True).distinct())  # a delivery of its own is running
        for account_id in due:
            previous = kicked.get(account_id)
            if previous is None or previous.get() is not None or worker is None:
                kicked[account_id] = deliver_account(account_id)
                kicks += 1
        time.sleep(POLL)
    counts = dict(OutboxMessage.objects.filter(account_id__in=ids).values_list("status").annotate(
        n=Count("pk")).order_by())
    out(f"delivery done in {time.monotonic() - started:.1f} s ({kicks} due retries started): {counts}")


# --- the seller (this process) --------------------------------------------------------------------------

def _setup(base: str, codes: list[str], shops: dict):
    from django.utils import timezone

    from marketdock.catalog.models import SKU, Product
    from marketdock.channels.models import ChannelAccount
    from marketdock.core.models import Company
    from marketdock.inventory import services as inv

    code = "claimbench-" + timezone.now().strftime("%m%d%H%M%S%f")
    company = Company.objects.create(code=code, name="클레임 벤치마크", business_no="124-81-00998")
    warehouse = inv.warehouse_default(company) or inv.warehouse_save(company=company, code="BENCH", name="벤치창고")
    product = Product.objects.create(company=company, code="BENCH-CLAIMS", name="벤치 상품")
    skus = SKU.objects.bulk_create([SKU(company=company, product=product, code=c, barcode=f"CB-{c}")
                                    for c in SKU_CODES])
    for sku in skus:
        inv.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=INITIAL_STOCK,
                         reason="벤치마크 기초재고")
    accounts = []
    for shop in codes:
        info = shops[shop]
        account = ChannelAccount(company=company, kind=info["protocol"], name=f"claimbench {shop}", base_url=base,
                                 options={"page_size": PAGE_SIZES[info["protocol"]]},
                                 collected_until=timezone.now() - timedelta(days=4))
        account.set_credentials(info["credentials"])
        account.save()
        accounts.append(account)
    return company, warehouse, accounts


def _make_claims(base: str, codes: list[str], shops: dict, per_shop: int, share: float) -> int:
    import httpx

    made = 0
    for shop in codes:
        kinds = KINDS[shops[shop]["protocol"]]
        count = max(1, round(per_shop * share / len(kinds)))
        for kind in kinds:
            response = httpx.post(f"{base}/_sandbox/shops/{shop}/claims", json={"count": count, "kind": kind},
                                  timeout=30)
            made += len(response.json().get("created", [])) if response.status_code == 201 else 0
    return made


def _decide(company, accounts, out) -> int:
    from marketdock.claims.models import Claim, ClaimStatus, ClaimType
    from marketdock.claims.services import claims_approve

    waiting = list(Claim.objects.filter(company=company, account__in=accounts, status=ClaimStatus.REQUESTED,
                                        type__in=(ClaimType.CANCEL, ClaimType.RETURN)).order_by("pk"))
    results = claims_approve(company=company, claims=waiting, user=None)
    refused = [r.message for r in results if not r.ok]
    out(f"approved {len(results) - len(refused)} of {len(results)} claims; refused: {refused[:3]}")
    return len(results) - len(refused)


def _answer(company, accounts, out) -> int:
    from marketdock.claims.models import Inquiry, InquiryStatus
    from marketdock.claims.services import AnswerError, answer_send

    sent = 0
    for inquiry in Inquiry.objects.filter(company=company, account__in=accounts, status=InquiryStatus.OPEN):
        try:
            answer_send(company=company, inquiry=inquiry, text=f"문의 주셔서 감사합니다. ({inquiry.pk}) 확인 후 처리하겠습니다.",
                        user=None)
            sent += 1
        except AnswerError as exc:
            out(f"answer refused: {exc}")
    return sent


def _inspect(company, warehouse, accounts, out) -> int:
    from marketdock.claims.models import Claim, ClaimStatus, ClaimType, InspectionOutcome
    from marketdock.claims.services import claim_inspect, inspection_items

    done = 0
    for n, claim in enumerate(Claim.objects.filter(company=company, account__in=accounts, type=ClaimType.RETURN,
                                                   status=ClaimStatus.INSPECTING).order_by("pk")):
        outcome = InspectionOutcome.RESTOCK if n % 2 == 0 else InspectionOutcome.DEFECT
        counts = {item.sku.pk: {outcome: item.expected} for item in inspection_items(company, claim)}
        result = claim_inspect(company=company, claim=claim, counts=counts, warehouse=warehouse, user=None)
        done += result.ok
        if not result.ok:
            out(f"inspection refused ({claim.pk}): {result.message}")
    return done


# --- comparing with the sandbox's truth ------------------------------------------------------------------

def _stock_drift(company) -> dict:
    """Per SKU, on hand now vs the ledger rules computed from the lines, claims and inspections:
    initial + 정상 재입고 − units shipped by marketdock (net of cancelled quantities, which are given back).
    A line the marketplace shipped without marketdock (외부출고) takes no stock (the company default), and
    a line not shipped holds its units as reserved unless it is cancelled."""
    from collections import defaultdict

    from django.db.models import Sum

    from marketdock.claims.models import ClaimInspection, InspectionOutcome
    from marketdock.inventory.models import StockLevel
    from marketdock.orders.models import OrderLine, OrderStatus, StockState

    unshipped = (OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY, OrderStatus.HOLD)
    expected_on_hand: dict[int, int] = defaultdict(lambda: INITIAL_STOCK)
    expected_reserved: dict[int, int] = defaultdict(int)
    restocked = 0
    for row in (ClaimInspection.objects.filter(company=company, outcome=InspectionOutcome.RESTOCK)
                .values("sku_id").annotate(n=Sum("quantity"))):
        expected_on_hand[row["sku_id"]] += row["n"]
        restocked += row["n"]
    lines = OrderLine.objects.filter(company=company).select_related("order").prefetch_related("components")
    for line in lines:
        net = line.quantity - line.cancelled_quantity
        for comp in line.components.all():
            units = comp.quantity * net // max(1, line.quantity)
            if line.stock_state == StockState.DEDUCTED:
                expected_on_hand[comp.sku_id] -= units
            elif line.order.status in unshipped and line.stock_state == StockState.RESERVED:
                expected_reserved[comp.sku_id] += units
    on_hand = dict(StockLevel.objects.filter(company=company).values("sku_id").annotate(n=Sum("on_hand"))
                   .values_list("sku_id", "n"))
    reserved = dict(StockLevel.objects.filter(company=company).values("sku_id").annotate(n=Sum("reserved"))
                    .values_list("sku_id", "n"))
    skus = set(on_hand) | set(expected_on_hand)
    return {"stock_drift": sum(abs(on_hand.get(s, 0) - expected_on_hand[s]) for s in skus),
            "reserved_drift": sum(abs(reserved.get(s, 0) - expected_reserved[s]) for s in skus | set(reserved)),
            "restocked_units": restocked}


def _compare_claims(base: str, shop: str, account) -> dict:
    import httpx

    from marketdock.claims.models import Claim, ClaimQuarantine, ClaimSource, ClaimStatus, ClaimType
    from marketdock.outbox.models import OutboxMessage

    orders = {o["seq"]: o for o in httpx.get(f"{base}/_sandbox/shops/{shop}/orders", timeout=30).json()["orders"]}
    book = httpx.get(f"{base}/_sandbox/shops/{shop}/claims", timeout=30).json()
    truth = book["claims"]
    # returns whose marketplace was sent its approve — at Naver and Coupang the refund — rather than the
    # completion after inspection: refunded before the goods were back
    early = sum(1 for c in truth if c["kind"] == "return" and book["protocol"] in ("naver", "coupang")
                and any(d["action"] == "approve" for d in c["decisions"]))
    want, bad, on_bad_orders, decisions = {}, 0, 0, {}
    for claim in truth:
        order = orders[claim["order_seq"]]
        line_id = order["line_ids"][[ln["line_no"] for ln in order["lines"]].index(claim["line_no"])]
        if claim["malformed"]:
            bad += 1
            continue
        if order["malformed"]:  # the order itself was quarantined: its claim waits for it, not lost
            on_bad_orders += 1
            continue
        want[(line_id, claim["kind"])] = claim
        decisions[(line_id, claim["kind"])] = {d["action"] for d in claim["decisions"]}
    rows = list(Claim.objects.filter(account=account, source=ClaimSource.CHANNEL)
                .values_list("line__channel_line_id", "type", "pk"))
    # returns inspected here (완료) that the marketplace still holds open: its last step never reached it
    done_here = Claim.objects.filter(account=account, source=ClaimSource.CHANNEL, type=ClaimType.RETURN,
                                     status=ClaimStatus.COMPLETED).values_list("line__channel_line_id", flat=True)
    open_there = sum(1 for line_id in done_here
                     if want.get((line_id, "return"), {}).get("state", "completed") != "completed")
    keys = [(line_id, kind) for line_id, kind, _pk in rows]
    pushed = confirmed = not_sent = 0
    by_pk = {pk: (line_id, kind) for line_id, kind, pk in rows}
    for message in OutboxMessage.objects.filter(account=account, kind="claim_decision"):
        pushed += 1
        not_sent += message.status != OutboxMessage.Status.SENT
        key = by_pk.get(message.payload.get("claim"))
        confirmed += bool(key and message.payload["item"]["action"] in decisions.get(key, set()))
    if set(want) - set(keys):
        lost = [want[k] for k in set(want) - set(keys)]
        print("lost:", json.dumps([(c["claim_id"], c["kind"], c["order_seq"]) for c in lost]), file=sys.stderr)
    return {"sandbox_claims": len(want), "db_claims": len(set(keys)), "duplicates": len(keys) - len(set(keys)),
            "lost": len(set(want) - set(keys)), "extra": len(set(keys) - set(want)),
            "claims_on_malformed_orders": on_bad_orders,
            "quarantined": ClaimQuarantine.objects.filter(account=account).exclude(record_id="").values(
                "record_id").distinct().count(), "malformed": bad,
            "pushed_decisions": pushed, "confirmed_by_sandbox": confirmed, "decisions_failed_here": not_sent,
            "returns_open_at_marketplace": open_there, "returns_refunded_before_inspection": early}


def _compare_inquiries(base: str, shop: str, account) -> dict:
    import httpx

    from marketdock.claims.models import Inquiry, InquiryAnswer

    from .services.inquiries import inquiry_capable

    if not inquiry_capable(account):  # (Shopify: no inquiry API; its questions stay on the marketplace)
        return {"sandbox_inquiries": 0, "inquiries": 0, "inquiry_duplicates": 0, "inquiries_lost": 0,
                "answered": 0, "answers_confirmed": 0}
    truth = httpx.get(f"{base}/_sandbox/shops/{shop}/inquiries", timeout=30).json().get("inquiries", [])
    held = {str(q["id"]): q for q in truth}
    ids = list(Inquiry.objects.filter(account=account).values_list("channel_inquiry_id", flat=True))
    answers = list(InquiryAnswer.objects.filter(inquiry__account=account).select_related("inquiry"))
    confirmed = 0
    for answer in answers:
        question = held.get(answer.inquiry.channel_inquiry_id) or {}
        confirmed += answer.text in json.dumps(question, ensure_ascii=False)
    return {"sandbox_inquiries": len(held), "inquiries": len(set(ids)),
            "inquiry_duplicates": len(ids) - len(set(ids)), "inquiries_lost": len(set(held) - set(ids)),
            "answered": len(answers), "answers_confirmed": confirmed}


# --- the run ----------------------------------------------------------------------------------------------

PROTOCOL_FIGURES = ("sandbox_claims", "db_claims", "duplicates", "lost", "extra", "claims_on_malformed_orders",
                    "quarantined", "malformed",
                    "pushed_decisions", "confirmed_by_sandbox", "decisions_failed_here", "returns_open_at_marketplace",
                    "returns_refunded_before_inspection",
                    "sandbox_inquiries", "inquiries",
                    "inquiry_duplicates", "inquiries_lost", "answered", "answers_confirmed")


def _returns_waiting(company, exclude_kind: str = "") -> int:
    from marketdock.claims.models import Claim, ClaimStatus, ClaimType

    return (Claim.objects.filter(company=company, type=ClaimType.RETURN, status=ClaimStatus.COLLECTING)
            .exclude(account__kind=exclude_kind).count())


def _receive_by_hand(company, accounts, out) -> None:
    """Shopify keeps a return OPEN until it is closed (no 수거완료 through the API): the seller marks the
    parcel as arrived (회수 도착)."""
    from marketdock.claims.models import Claim, ClaimStatus, ClaimType
    from marketdock.claims.services import claims_receive

    waiting = list(Claim.objects.filter(company=company, account__in=[a for a in accounts if a.kind == "shopify"],
                                        type=ClaimType.RETURN, status=ClaimStatus.COLLECTING))
    results = claims_receive(company=company, claims=waiting, user=None)
    out(f"marked {sum(r.ok for r in results)} Shopify returns as arrived")


def _collect_all(company, accounts, worker, out) -> None:
    """Orders first (cancels change them), then claims and inquiries: the schedule's order of work."""
    _collect(company, accounts, "orders", worker, out)
    _collect(company, accounts, "claims", worker, out)
    _collect(company, accounts, "inquiries", worker, out)


def _flow(base, codes, shops, options, out) -> tuple:
    company, warehouse, accounts = _setup(base, codes, shops)
    worker = _start_worker(out)
    try:
        _collect(company, accounts, "orders", worker, out)  # orders collected: matched and reserved
        made = _make_claims(base, codes, shops, options["orders"] // len(codes), options["claim_share"])
        out(f"sandbox buyers asked {made} claims")
        _collect_all(company, accounts, worker, out)
        approved = _decide(company, accounts, out)
        answered = _answer(company, accounts, out)
        out(f"approved {approved}, answers queued {answered}")
        _deliver(company, accounts, worker, out)
        deadline = time.monotonic() + COLLECT_SECONDS * 10
        while True:  # the parcels travel back; then the marketplace says 수거완료
            _collect(company, accounts, "claims", worker, out)
            if not _returns_waiting(company, exclude_kind="shopify") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        _receive_by_hand(company, accounts, out)
        inspected = _inspect(company, warehouse, accounts, out)
        out(f"inspected {inspected} returns")
        _deliver(company, accounts, worker, out)
        _collect_all(company, accounts, worker, out)  # the marketplace's last word on everything
    finally:
        _stop_worker(worker)
    return company, accounts, {"approved": approved, "inspected": inspected,
                               "returns_not_collected": _returns_waiting(company)}


def run(options: dict, out) -> dict:
    import httpx
    from django.db import connection

    from marketdock.channels.hosts import operator_allow
    from marketdock.sandbox.server import SandboxApp, serve_in_thread
    from marketdock.sandbox.state import SandboxState

    if options.get("child_step") == "worker":
        return _serve_worker()
    started = time.monotonic()
    codes = [c.strip() for c in options["shops"].split(",") if c.strip()]
    state = SandboxState(seed=int(time.time()) % 100000, order_rate=0,
                         initial_orders=max(1, options["orders"] // max(1, len(codes))))
    server, base = serve_in_thread(SandboxApp(state), port=0)
    operator_allow(base)
    try:
        httpx.post(f"{base}/_sandbox/claims", json={"claim_share": options["claim_share"],
                                                    "collect_seconds": COLLECT_SECONDS}).raise_for_status()
        shops = {s["code"]: s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"]}
        unknown = [c for c in codes if c not in shops or shops[c]["protocol"] not in PAGE_SIZES]
        if unknown or not codes:
            raise ValueError(f"not a claims sandbox shop: {', '.join(unknown) or '(none given)'}")
        for code in codes:
            httpx.post(f"{base}/_sandbox/shops/{code}/faults", json=FAULTS).raise_for_status()
        company, accounts, steps = _flow(base, codes, shops, options, out)
        per_protocol: dict[str, dict] = {}
        totals = dict.fromkeys(PROTOCOL_FIGURES, 0)
        for code, account in zip(codes, accounts, strict=True):
            figures = {**_compare_claims(base, code, account), **_compare_inquiries(base, code, account)}
            protocol = per_protocol.setdefault(account.kind, {"shops": [], **dict.fromkeys(PROTOCOL_FIGURES, 0)})
            protocol["shops"].append(code)
            for key in PROTOCOL_FIGURES:
                protocol[key] += figures[key]
                totals[key] += figures[key]
            out(f"{code}: {figures}")
    finally:
        server.shutdown()
        server.server_close()
    return {"database": connection.vendor, "orders": options["orders"], "shops": codes, **totals,
            **_stock_drift(company), **steps, "per_protocol": per_protocol,
            "faults": "429 every 5th call, 500 every 7th, timeout every 11th, duplicates across pages, "
                      "a malformed order and a malformed claim per shop",
            "seconds": round(time.monotonic() - started, 1)}


register("claims", help="Orders, claims and inquiries from the sandbox with every fault on; cancels and returns "
                        "approved, returns inspected, inquiries answered through the worker: 0 duplicates, 0 lost, "
                        "0 stock drift, every decision and answer confirmed.", add_arguments=add_arguments, run=run)
