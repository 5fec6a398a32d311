"""Actual settlement import (STL-3): the marketplace's settled rows into `SettlementRecord`, by API
(`settlement_import`, a daily job and on demand) or from an uploaded file (`settlement_file_import`: the
rows an Excel mapping produced). Idempotent: one row per (account, record_id); a re-import with the same
content changes nothing, a changed row is updated. Every import is a `SettlementRun` (the ledger).

`SettlementRecord.order_line_id` holds the marketplace's settlement line key (`ChannelSettlement.key`):
the line id where the marketplace settles per line (Naver), `{orderId}/{vendorItemId}` for Coupang, the
order id for Shopify — the key reconciliation compares on. `line` is our order line when the key names
exactly one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.base import connector_class
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.models import RecordError
from marketdock.channels.connectors.settlement_models import ChannelSettlement
from marketdock.channels.models import ChannelAccount
from marketdock.orders.models import OrderLine

from ..excel_settlements import file_rows
from ..models import SettlementRecord, SettlementRun

PAGE_LIMIT = 5000  # pages of one import (a runaway cursor stops here)
_FIELDS = ("kind", "order_id", "order_line_id", "settle_date", "pay_date", "paid", "currency", "sale_amount",
           "seller_discount", "marketplace_discount", "shipping_fee", "sale_commission", "payment_commission",
           "shipping_commission", "other_fee", "payout_amount", "payout_id")


def key_functions(kind: str) -> tuple[Callable[[str, str], str], Callable[[str], str]]:
    """(line key, shipping key) of this marketplace: what our lines are compared on (its connector
    decides; channels without a connector: the line id, shipping with the line)."""
    try:
        cls = connector_class(kind)
    except ConnectorError:
        return (lambda order_id, line_id: line_id), (lambda order_id: "")
    return cls.settlement_match_key, cls.settlement_shipping_key


def match_key(kind: str, order_id: str, line_id: str) -> str:
    return key_functions(kind)[0](order_id, line_id)


def line_keys(account: ChannelAccount, order_ids: Iterable[str] | None = None) -> dict[str, int]:
    """{match key: our order line id} for the account's lines (of these channel orders); a key naming
    several lines (Shopify: an order) maps to its first line."""
    lines = OrderLine.objects.filter(company_id=account.company_id, account=account)
    if order_ids is not None:
        lines = lines.filter(order__channel_order_id__in=list(order_ids))
    keys: dict[str, int] = {}
    line_key, shipping_key = key_functions(account.kind)
    for line_id, order_id, channel_line in lines.order_by("id").values_list("id", "order__channel_order_id",
                                                                            "channel_line_id").iterator(chunk_size=5000):
        keys.setdefault(line_key(order_id, channel_line), line_id)
        ship = shipping_key(order_id)
        if ship:
            keys.setdefault(ship, line_id)
    return keys


def _hash(row: ChannelSettlement) -> str:
    data = row.model_dump(mode="json", exclude={"raw"})
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def settlement_records_store(account: ChannelAccount, rows: Sequence[ChannelSettlement], run: SettlementRun,
                             keys: dict[str, int] | None = None) -> None:
    """Upsert one page of rows (one transaction; the run's counters move with it)."""
    if not rows:
        return
    if keys is None:
        keys = line_keys(account, {r.order_id for r in rows if r.order_id})
    now = timezone.now()
    by_id: dict[str, ChannelSettlement] = {r.record_id: r for r in rows}  # the last copy of a repeated row wins
    with transaction.atomic():
        existing = {record_id: (digest, line_id) for record_id, digest, line_id in SettlementRecord.objects.filter(
            company_id=account.company_id, account=account, record_id__in=list(by_id)).values_list(
            "record_id", "payload_hash", "line_id")}
        upserts, created = [], 0
        for record_id, row in by_id.items():
            digest = _hash(row)
            line_id = keys.get(row.key) if row.key else None
            old = existing.get(record_id)
            if old == (digest, line_id):
                continue
            created += old is None
            values = {name: getattr(row, name) for name in _FIELDS}
            values["kind"] = row.kind.value
            values["order_line_id"] = row.key
            upserts.append(SettlementRecord(company_id=account.company_id, account=account, run=run,
                                            marketplace=str(row.marketplace), record_id=record_id, line_id=line_id,
                                            raw=row.raw, payload_hash=digest, imported_at=now, updated_at=now,
                                            **values))
        # one upsert for new and changed rows (a changed row keeps its first import time)
        SettlementRecord.objects.bulk_create(
            upserts, batch_size=1000, update_conflicts=True, unique_fields=["company", "account", "record_id"],
            update_fields=[*_FIELDS, "marketplace", "line", "raw", "payload_hash", "updated_at", "run"])
        run.seen += len(rows)
        run.created += created
        run.updated += len(upserts) - created
        run.unchanged += len(by_id) - len(upserts)
        run.save(update_fields=["seen", "created", "updated", "unchanged"])


def _quarantine(run: SettlementRun, errors: Sequence[RecordError]) -> None:
    if not errors:
        return
    run.quarantined += len(errors)
    notes = [f"{e.order_id or e.order_line_id or '-'}: {e.field} {e.message}" for e in errors[:20]]
    run.error = "\n".join(filter(None, [run.error, *notes]))[:5000]
    run.save(update_fields=["quarantined", "error"])


def run_start(account: ChannelAccount | None, what: str, *, company_id: int | None = None, trigger: str = "schedule",
              start: date | None = None, end: date | None = None, user=None, file_name: str = "") -> SettlementRun:
    return SettlementRun.objects.create(company_id=company_id or account.company_id, account=account, what=what,
                                        trigger=trigger, period_start=start, period_end=end, created_by=user,
                                        file_name=file_name[:300])


def run_finish(run: SettlementRun, *, error: str = "") -> SettlementRun:
    if error:
        run.status = SettlementRun.Status.PARTIAL if run.seen else SettlementRun.Status.FAILED
        run.error = "\n".join(filter(None, [error, run.error]))[:5000]
    else:
        run.status = SettlementRun.Status.PARTIAL if run.quarantined else SettlementRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def settlement_import(account: ChannelAccount, start: date, end: date, *, trigger: str = "schedule", user=None,
                      connector=None) -> SettlementRun:
    """Pull the account's settlement rows for [start, end] page by page; each page commits on its own,
    so a failure keeps what was read (the run says PARTIAL with the marketplace's message)."""
    run = run_start(account, SettlementRun.What.IMPORT, trigger=trigger, start=start, end=end, user=user)
    if start > end:
        return run_finish(run, error=_("기간이 잘못되었습니다: 시작일이 종료일보다 늦습니다"))
    try:
        if connector is None:
            from marketdock.channels.services import connector_for

            connector = connector_for(account)
        if not connector.capabilities.settlements:
            return run_finish(run, error=_("이 쇼핑몰은 정산 API가 없습니다. 정산 파일을 업로드하세요."))
        cursor = None
        for _page in range(PAGE_LIMIT):
            page = connector.fetch_settlements(start, end, cursor)
            settlement_records_store(account, page.records, run)
            _quarantine(run, page.errors)
            if not page.has_more:
                break
            cursor = page.next_cursor
    except (ConnectorError, ValueError) as exc:
        return run_finish(run, error=str(getattr(exc, "message", None) or exc))
    return run_finish(run)


def settlement_file_store(account: ChannelAccount, rows: Sequence[ChannelSettlement], errors: Sequence[RecordError], *,
                          file_name: str, user=None) -> SettlementRun:
    """Rows an Excel settlement mapping produced (one run of kind FILE)."""
    run = run_start(account, SettlementRun.What.FILE, trigger="manual", user=user, file_name=file_name,
                    start=min((r.settle_date for r in rows), default=None),
                    end=max((r.settle_date for r in rows), default=None))
    keys = line_keys(account, {r.order_id for r in rows if r.order_id})
    for offset in range(0, len(rows), 2000):
        settlement_records_store(account, rows[offset:offset + 2000], run, keys)
    _quarantine(run, errors)
    return run_finish(run)


def settlement_file_import(account: ChannelAccount, data: bytes, *, file_name: str, user=None) -> SettlementRun:
    """An uploaded settlement file of the account's format → a FILE run (UploadRejected when unreadable)."""
    records, errors = file_rows(account.kind, data)
    return settlement_file_store(account, records, errors, file_name=file_name, user=user)
