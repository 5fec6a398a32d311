"""Claim collection (CS-1): per account, on the order-collection schedule (the account's
`auto_collect` / `collect_every_minutes`) and on demand (`claims_collect_now`).

A run pages through the window [end of the last finished run − OVERLAP, now] (the first run looks
back FIRST_RUN), ingests each page in its own transaction (`ingest.channel_claims_ingest`) and keeps
a `ClaimRun` ledger. A run that dies leaves its window to the next run (the window starts at the
last *finished* run, and the ingest is idempotent). One run per account at a time: a run still
RUNNING and younger than LEASE makes another one skip. Claims whose order line is not collected yet
wait (see `ingest`), and the run asks for an order collection of the account so they link next time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.base import next_page_cursor
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import FetchWindow
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.jobs import retry_on_conflict
from marketdock.core.models import Company, JobRun, User

from ..models import ClaimRun
from .ingest import channel_claims_ingest

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)
FIRST_RUN = timedelta(days=3)
LEASE = timedelta(minutes=10)
_COUNTS = ("seen", "created", "updated", "unchanged", "quarantined")


class ClaimCollectError(Exception):
    """A claim collection could not start; `str(exc)` is a Korean message for the user."""


def connector_options(account: ChannelAccount) -> HttpOptions | None:
    """HTTP options for the account's connector (tests and benchmarks replace this)."""
    return None


def _connector(account: ChannelAccount):
    from marketdock.channels.services import connector_for

    return connector_for(account, options=connector_options(account))


def claims_supported(account: ChannelAccount) -> bool:
    """The account's marketplace has a claim API (connector capability `claims`)."""
    if account.kind == ChannelKind.MANUAL:
        return False
    from marketdock.channels.connectors.base import connector_class

    try:
        return bool(connector_class(account.kind).capabilities.claims)
    except ConnectorError:
        return False


def _accounts_q() -> Q:
    return Q(is_active=True) & ~Q(kind=ChannelKind.MANUAL)


def claims_collect_now(company: Company, account: ChannelAccount | None = None,
                       user: User | None = None) -> list[JobRun]:
    """클레임 수집 now: one job per claim-capable active account of `company` (or just `account`)."""
    from ..tasks import collect_claims

    if account is not None:
        if account.company_id != company.pk:
            raise ClaimCollectError(_("쇼핑몰 계정을 찾을 수 없습니다."))
        if not account.is_active:
            raise ClaimCollectError(_("사용 중지된 쇼핑몰 계정입니다: %(name)s") % {"name": account.name})
        if not claims_supported(account):
            raise ClaimCollectError(_("이 쇼핑몰은 클레임 수집 API가 없습니다: %(name)s") % {"name": account.name})
        accounts = [account]
    else:
        accounts = [a for a in ChannelAccount.objects.filter(_accounts_q(), company=company) if claims_supported(a)]
        if not accounts:
            raise ClaimCollectError(_("클레임을 수집할 수 있는 쇼핑몰 계정이 없습니다."))
    return [collect_claims.start(company=company, user=user, title=_("클레임 수집: %(name)s") % {"name": a.name},
                                 account_id=a.pk, trigger="manual") for a in accounts]


def claims_due_accounts(*, now: datetime | None = None) -> list[ChannelAccount]:
    """Accounts whose scheduled claim collection is due: auto collection on (the order schedule) and
    no claim run started within their interval."""
    now = now or timezone.now()
    due = []
    for account in ChannelAccount.objects.filter(_accounts_q(), auto_collect=True).select_related("company"):
        if not claims_supported(account):
            continue
        since = now - timedelta(minutes=max(1, account.collect_every_minutes))
        if not ClaimRun.objects.filter(account=account, what=ClaimRun.What.CLAIMS, started_at__gt=since).exists():
            due.append(account)
    return due


def claims_schedule_start(*, account: ChannelAccount) -> JobRun:
    from ..tasks import collect_claims

    return collect_claims.start(company=account.company, title=_("클레임 수집: %(name)s") % {"name": account.name},
                                account_id=account.pk, trigger="schedule")


def _window(account: ChannelAccount, now: datetime) -> tuple[datetime, datetime]:
    last = ClaimRun.objects.filter(account=account, what=ClaimRun.What.CLAIMS, window_end__isnull=False,
                                   status__in=[ClaimRun.Status.SUCCEEDED, ClaimRun.Status.PARTIAL]
                                   ).order_by("-window_end").values_list("window_end", flat=True).first()
    return (last - OVERLAP if last else now - FIRST_RUN), now


def _open_run(account: ChannelAccount, trigger: str, now: datetime) -> ClaimRun | None:
    """The ledger row of a new run, None while another run of the account holds it."""
    with transaction.atomic():
        ChannelAccount.objects.select_for_update().filter(pk=account.pk).first()  # one opener at a time
        busy = ClaimRun.objects.filter(account=account, what=ClaimRun.What.CLAIMS, status=ClaimRun.Status.RUNNING)
        if busy.filter(started_at__gt=now - LEASE).exists():
            return None
        busy.update(status=ClaimRun.Status.FAILED, finished_at=now,
                    error=_("작업자가 중단되어 수집이 끝나지 않았습니다. 다음 수집이 이어서 가져옵니다."))
        start, end = _window(account, now)
        return ClaimRun.objects.create(company=account.company, account=account, what=ClaimRun.What.CLAIMS,
                                       trigger=trigger, window_start=start, window_end=end, started_at=now)


def _close(run: ClaimRun, error: str = "") -> ClaimRun:
    if error:
        run.status = ClaimRun.Status.FAILED
    elif run.quarantined:
        run.status = ClaimRun.Status.PARTIAL
    else:
        run.status = ClaimRun.Status.SUCCEEDED
    run.error, run.finished_at = error[:5000], timezone.now()
    run.save(update_fields=[*_COUNTS, "status", "error", "finished_at"])
    return run


def _ingest_page(account: ChannelAccount, run: ClaimRun, page, first: bool) -> int:
    """One page in one transaction; a conflict (two writers) rolls it back and it runs again."""
    before = {key: getattr(run, key) for key in _COUNTS}

    def commit() -> int:
        for key, value in before.items():
            setattr(run, key, value)
        with transaction.atomic():
            counts = channel_claims_ingest(account=account, claims=page.claims, errors=page.errors, run=run,
                                           retry_waiting=first)
            for key in _COUNTS:
                setattr(run, key, getattr(run, key) + getattr(counts, key))
            run.save(update_fields=list(_COUNTS))
        return counts.waiting

    try:
        return retry_on_conflict(commit)
    except IntegrityError:  # another writer inserted the same claim meanwhile: this time it updates
        return commit()


def _ask_order_collection(account: ChannelAccount, log: Callable[[str], None]) -> None:
    from marketdock.orders.services import CollectionError, collection_run_start

    try:
        collection_run_start(account=account, trigger="manual")
    except CollectionError as exc:
        log(str(exc))


def claims_collection_execute(*, account_id: int, trigger: str = "manual", log: Callable[[str], None] | None = None,
                              progress: Callable[..., None] | None = None) -> dict:
    """Run one claim collection of an account now (the job calls this). Returns the ledger counts."""
    log = log or (lambda line: None)
    account = ChannelAccount.objects.select_related("company").get(pk=account_id)
    run = _open_run(account, trigger, timezone.now())
    if run is None:
        log(_("이 계정은 이미 클레임을 수집 중이어서 건너뜁니다."))
        return {"skipped": 1}
    pages = waiting = 0
    try:
        with _connector(account) as conn:
            window = FetchWindow(start=run.window_start, end=run.window_end)
            cursor = None
            while True:
                page = conn.fetch_claims(window, cursor)
                waiting += _ingest_page(account, run, page, first=pages == 0)
                pages += 1
                if progress:
                    progress(pages, **{key: getattr(run, key) for key in _COUNTS})
                if not page.has_more:
                    break
                cursor = next_page_cursor(page, cursor, account.kind)
    except (ConnectorError, ValueError) as exc:
        _close(run, str(exc))
        log(str(exc))
        raise ClaimCollectFailed(str(exc), run=run) from exc
    except BaseException as exc:
        _close(run, f"{exc.__class__.__name__}: {exc}")
        raise
    run = _close(run)
    if waiting:
        log(_("주문이 아직 수집되지 않은 클레임 %(n)s건은 주문 수집 뒤 연결합니다.") % {"n": waiting})
        transaction.on_commit(lambda: _ask_order_collection(account, log))
    log(_("클레임 수집 완료: 조회 %(seen)s, 신규 %(created)s, 변경 %(updated)s, 변경없음 %(unchanged)s, 오류 %(q)s")
        % {"seen": run.seen, "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
           "q": run.quarantined})
    return {"run": run.pk, "pages": pages, "waiting": waiting, **{key: getattr(run, key) for key in _COUNTS}}


class ClaimCollectFailed(Exception):
    """The marketplace refused or failed; the message is the marketplace's own."""

    def __init__(self, message: str, *, run: ClaimRun) -> None:
        super().__init__(message)
        self.run = run
