"""Claims as a marketplace reports them, fed through the real claim ingest (no HTTP)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.db import transaction

from marketdock.channels.connectors.cs_models import ChannelClaim
from marketdock.claims.models import ClaimRun
from marketdock.claims.services import channel_claims_ingest

_seq = itertools.count(1)


def channel_claim(line, *, kind: str, progress: str, claim_id: str = "", **kw) -> ChannelClaim:
    """The marketplace's word on a claim of `kind` at `progress` on order line `line`."""
    values = dict(marketplace=line.order.account.kind, claim_id=claim_id or f"MC{next(_seq):05d}", kind=kind,
                  order_id=line.order.channel_order_id, order_line_id=line.channel_line_id,
                  quantity=line.quantity, progress=progress, raw_status=progress.upper(),
                  requested_at=datetime(2026, 3, 4, 1, 0, tzinfo=UTC))
    values.update(kw)
    return ChannelClaim(**values)


def ingest_claims(account, claims) -> ClaimRun:
    """One collection run that reports `claims` (one page, one transaction, like the collector)."""
    run = ClaimRun.objects.create(company=account.company, account=account, trigger="manual")
    with transaction.atomic():
        channel_claims_ingest(account=account, claims=list(claims), run=run, retry_waiting=True)
    return run
