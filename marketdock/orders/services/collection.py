"""Collection runs (ORD-1): the ledger of one collection, the account's claim (a lease renewed per
page), the schedule, and the collector that pages through the marketplace window and hands each page to
`ingest.channel_orders_ingest`.

A collection run claims its account with a conditional UPDATE (one run per account at a time, across
worker machines), pages through the window [collected_until − overlap, now] and commits the
connector's cursor in the same transaction as each page, so a crash re-collects from the last
committed page; `collected_until` advances when the window is done.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import FetchWindow
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.jobs import company_xact_lock, retry_on_conflict
from marketdock.core.models import Company, JobRun, User

from ..models import CollectionRun
from .ingest import channel_orders_ingest

OVERLAP = timedelta(minutes=10)
FIRST_RUN = timedelta(days=3)
MAX_BACKFILL = timedelta(days=90)
LEASE = timedelta(minutes=10)  # a claimed account is free again if its run stops renewing the claim
RUNNING = "running"


class CollectionError(Exception):
    """A collection could not start; `str(exc)` is a Korean message for the user."""


# --- collection runs -----------------------------------------------------------------------------------


def collection_run_open(*, account: ChannelAccount, trigger: str = CollectionRun.Trigger.UPLOAD,
                        user: User | None = None, job_run: JobRun | None = None, window_start: datetime | None = None,
                        window_end: datetime | None = None) -> CollectionRun:
    """A new ledger row (e.g. for an Excel upload, which then calls `channel_orders_ingest`)."""
    return CollectionRun.objects.create(company=account.company, account=account, trigger=trigger, job_run=job_run,
                                        window_start=window_start, window_end=window_end,
                                        created_by=user if user and user.pk else None)


def collection_run_close(*, run: CollectionRun, error: str = "") -> CollectionRun:
    run.refresh_from_db()
    if error:
        run.status = CollectionRun.Status.FAILED
    elif run.quarantined:
        run.status = CollectionRun.Status.PARTIAL
    else:
        run.status = CollectionRun.Status.SUCCEEDED
    run.error = error[:5000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def _lease_valid(now: datetime):
    return Q(last_status=RUNNING, next_collect_at__gt=now)


def account_collect_claim(*, account: ChannelAccount, now: datetime | None = None) -> bool:
    """Claim the account for one collection: a conditional UPDATE, so of two workers (on any
    machine, SQLite or PostgreSQL) exactly one wins. The claim is a lease kept alive per page."""
    now = now or timezone.now()
    won = ChannelAccount.objects.filter(pk=account.pk, company=account.company_id).exclude(_lease_valid(now)).update(
        last_status=RUNNING, next_collect_at=now + LEASE)
    if won:
        account.last_status, account.next_collect_at = RUNNING, now + LEASE
    return bool(won)


def _lease_renew(account: ChannelAccount) -> None:
    ChannelAccount.objects.filter(pk=account.pk, last_status=RUNNING).update(next_collect_at=timezone.now() + LEASE)


def _finish_stale_runs(account: ChannelAccount) -> None:
    """Runs of this account left RUNNING by a worker that died (its lease expired)."""
    stale = list(CollectionRun.objects.filter(account=account, status=CollectionRun.Status.RUNNING)
                 .values_list("pk", "job_run_id"))
    if not stale:
        return
    message = _("작업자가 중단되어 수집이 끝나지 않았습니다. 다음 수집이 이어서 가져옵니다.")
    now = timezone.now()
    CollectionRun.objects.filter(pk__in=[pk for pk, _j in stale]).update(
        status=CollectionRun.Status.FAILED, error=message, finished_at=now)
    JobRun.objects.filter(pk__in=[j for _p, j in stale if j], status__in=[JobRun.Status.RUNNING, JobRun.Status.QUEUED]
                          ).update(status=JobRun.Status.FAILED, error=message, finished_at=now)


def collection_due_accounts(*, now: datetime | None = None) -> list[ChannelAccount]:
    """Accounts whose scheduled collection is due (auto on, active, API marketplaces)."""
    now = now or timezone.now()
    return list(ChannelAccount.objects.filter(is_active=True, auto_collect=True)
                .exclude(kind=ChannelKind.MANUAL).exclude(_lease_valid(now))
                .filter(Q(next_collect_at__isnull=True) | Q(next_collect_at__lte=now)).select_related("company"))


def collection_schedule_claim(*, account: ChannelAccount, now: datetime | None = None) -> bool:
    """Take the account's due slot (so the minute scheduler enqueues it once even if several
    schedulers run): next_collect_at moves to the next interval with a conditional UPDATE."""
    now = now or timezone.now()
    nxt = now + timedelta(minutes=max(1, account.collect_every_minutes))
    return bool(ChannelAccount.objects.filter(pk=account.pk).filter(
        Q(next_collect_at__isnull=True) | Q(next_collect_at__lte=now)).exclude(_lease_valid(now))
        .update(next_collect_at=nxt))


def account_schedule_update(*, company: Company, account: ChannelAccount, auto_collect: bool,
                            collect_every_minutes: int) -> ChannelAccount:
    """자동주문스케줄관리: auto collection on/off and its interval (5 minutes to a day)."""
    if account.company_id != company.pk:
        raise CollectionError(_("쇼핑몰 계정을 찾을 수 없습니다."))
    if not isinstance(collect_every_minutes, int) or not 5 <= collect_every_minutes <= 1440:
        raise CollectionError(_("수집 주기는 5분에서 1440분 사이여야 합니다: %(v)s") % {"v": collect_every_minutes})
    account.auto_collect = bool(auto_collect)
    account.collect_every_minutes = collect_every_minutes
    fields = ["auto_collect", "collect_every_minutes", "updated_at"]
    if account.last_status != RUNNING:
        account.next_collect_at = timezone.now() + timedelta(minutes=collect_every_minutes) if auto_collect else None
        fields.append("next_collect_at")
    account.save(update_fields=fields)
    return account


def collection_run_start(*, account: ChannelAccount, user: User | None = None, trigger: str = "manual",
                         window_start: datetime | None = None, window_end: datetime | None = None) -> JobRun:
    """Enqueue a collection of `account` (지금 수집, the schedule, or a backfill of a past period of at
    most 90 days). Returns the JobRun whose page shows the progress."""
    from ..tasks import collect_orders

    now = timezone.now()
    if account.kind == ChannelKind.MANUAL:
        raise CollectionError(_("기타(엑셀 업로드) 쇼핑몰은 API 수집이 없습니다. 주문은 엑셀로 등록하세요."))
    if not account.is_active:
        raise CollectionError(_("사용 중지된 쇼핑몰 계정입니다: %(name)s") % {"name": account.name})
    if trigger not in CollectionRun.Trigger.values or trigger == CollectionRun.Trigger.UPLOAD:
        raise CollectionError(_("알 수 없는 수집 구분입니다: %(t)s") % {"t": trigger})
    if trigger == CollectionRun.Trigger.BACKFILL:
        if window_start is None or window_end is None:
            raise CollectionError(_("기간 수집은 시작과 끝을 모두 입력하세요."))
        window_end = min(window_end, now)
        if window_end <= window_start:
            raise CollectionError(_("수집기간의 끝은 시작보다 뒤여야 합니다."))
        if window_end - window_start > MAX_BACKFILL:
            raise CollectionError(_("기간 수집은 최대 90일까지입니다."))
        params = {"window_start": window_start.isoformat(), "window_end": window_end.isoformat()}
        title = _("주문 기간수집: %(name)s") % {"name": account.name}
    else:
        params = {}
        title = _("주문 수집: %(name)s") % {"name": account.name}
    if account.last_status == RUNNING and account.next_collect_at and account.next_collect_at > now \
            and trigger != CollectionRun.Trigger.SCHEDULE:
        raise CollectionError(_("이 계정은 이미 수집 중입니다. 끝난 뒤 다시 시도하세요."))
    return collect_orders.start(company=account.company, user=user, title=title, account_id=account.pk,
                                trigger=trigger, **params)


# --- the collector -----------------------------------------------------------------------------------


def connector_options(account: ChannelAccount) -> HttpOptions | None:
    """HTTP options for the account's connector (tests and benchmarks replace this)."""
    return None


def _connector(account: ChannelAccount):
    from marketdock.channels.services import connector_for

    conn = connector_for(account, options=connector_options(account))
    page_size = (account.options or {}).get("page_size")
    if isinstance(page_size, int) and page_size > 0:
        conn.page_size = max(1, min(conn.page_size, page_size))
    return conn


@dataclass
class _Pending:
    start: datetime
    end: datetime
    cursor: str | None

    def dump(self) -> str:
        return json.dumps({"ws": self.start.isoformat(), "we": self.end.isoformat(), "c": self.cursor})

    @classmethod
    def load(cls, text: str) -> _Pending | None:
        try:
            data = json.loads(text)
            return cls(datetime.fromisoformat(data["ws"]), datetime.fromisoformat(data["we"]), data.get("c"))
        except (ValueError, KeyError, TypeError):
            return None


def collection_execute(*, account_id: int, trigger: str = "manual", window_start: datetime | None = None,
                       window_end: datetime | None = None, job_run: JobRun | None = None, user: User | None = None,
                       progress: Callable[..., None] | None = None, log: Callable[[str], None] | None = None,
                       after_page: Callable[[int], None] | None = None) -> dict:
    """Run one collection of an account now (the job calls this). Returns the ledger counts."""
    account = ChannelAccount.objects.select_related("company").get(pk=account_id)
    log = log or (lambda line: None)
    if not account_collect_claim(account=account):
        log(_("이 계정은 이미 수집 중이어서 건너뜁니다."))
        return {"skipped": 1}
    _finish_stale_runs(account)
    backfill = trigger == CollectionRun.Trigger.BACKFILL
    now = timezone.now()
    windows: list[_Pending] = []
    if backfill:
        windows.append(_Pending(window_start, window_end, None))
    else:
        pending = _Pending.load(account.cursor) if account.cursor else None
        if pending:
            windows.append(pending)  # a run died mid-window: finish it from its last committed page
        start = account.collected_until - OVERLAP if account.collected_until else now - FIRST_RUN
        if pending:
            start = min(start, pending.end - OVERLAP)
        windows.append(_Pending(start, now, None))
    run = collection_run_open(account=account, trigger=trigger, user=user, job_run=job_run,
                              window_start=windows[0].start, window_end=windows[-1].end)
    pages = 0
    try:
        with _connector(account) as conn:
            for window in windows:
                fetch = FetchWindow(start=window.start, end=window.end)
                cursor = window.cursor
                for page in conn.iter_pages(fetch, cursor):
                    counted = {key: getattr(run, key) for key in _RUN_COUNTS}

                    def commit_page(page=page, window=window, counted=counted, done=pages) -> None:
                        for key, value in counted.items():  # a retried page counts once
                            setattr(run, key, value)
                        with transaction.atomic():
                            if settings.COLLECT_PAGE_PER_COMPANY:
                                company_xact_lock(COLLECT_LOCK_NAMESPACE, account.company_id)
                            channel_orders_ingest(account=account, orders=page.orders, run=run, errors=page.errors,
                                                  user=user)
                            CollectionRun.objects.filter(pk=run.pk).update(pages=done + 1)
                            if not backfill:  # the cursor commits with the page
                                state = _Pending(window.start, window.end, page.next_cursor).dump() \
                                    if page.has_more else ""
                                fields = {"cursor": state}
                                if not page.has_more:
                                    fields["collected_until"] = window.end
                                ChannelAccount.objects.filter(pk=account.pk).update(**fields)

                    # a deadlock rolled the whole page back (orders, stock, cursor): ingesting it again is exact
                    retry_on_conflict(commit_page)
                    pages += 1
                    _lease_renew(account)
                    if progress:
                        progress(pages, seen=run.seen, created=run.created, updated=run.updated,
                                 unchanged=run.unchanged, quarantined=run.quarantined)
                    if after_page:
                        after_page(pages)
    except (ConnectorError, ValueError) as exc:
        message = str(exc)
        log(message)
        collection_run_close(run=run, error=message)
        ChannelAccount.objects.filter(pk=account.pk).update(
            last_status=CollectionRun.Status.FAILED, last_error=message[:2000], last_collected_at=timezone.now(),
            next_collect_at=timezone.now() + timedelta(minutes=max(1, account.collect_every_minutes)))
        raise CollectionFailed(message, run=run) from exc
    except BaseException as exc:
        message = f"{exc.__class__.__name__}: {exc}"
        collection_run_close(run=run, error=message)
        ChannelAccount.objects.filter(pk=account.pk).update(
            last_status=CollectionRun.Status.FAILED, last_error=message[:2000],
            next_collect_at=timezone.now() + timedelta(minutes=max(1, account.collect_every_minutes)))
        raise
    run = collection_run_close(run=run)
    ChannelAccount.objects.filter(pk=account.pk).update(
        last_status=run.status, last_error="", last_collected_at=timezone.now(),
        next_collect_at=timezone.now() + timedelta(minutes=max(1, account.collect_every_minutes)))
    log(_("수집 완료: 조회 %(seen)s, 신규 %(created)s, 변경 %(updated)s, 변경없음 %(unchanged)s, 오류 %(q)s") % {
        "seen": run.seen, "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
        "q": run.quarantined})
    return {"run": run.pk, "pages": pages, "seen": run.seen, "created": run.created, "updated": run.updated,
            "unchanged": run.unchanged, "quarantined": run.quarantined}


_RUN_COUNTS = ("seen", "created", "updated", "unchanged", "quarantined")
COLLECT_LOCK_NAMESPACE = 11  # advisory lock key space of "one collection page per company"


class CollectionFailed(Exception):
    """The marketplace refused or failed; the message is the marketplace's own."""

    def __init__(self, message: str, *, run: CollectionRun) -> None:
        super().__init__(message)
        self.run = run
