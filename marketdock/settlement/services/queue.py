"""What must be recomputed: order lines queued by the orders hook, by claims and by rule changes. The
queue is drained in bulk by the refresh job (`expected.expected_refresh`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from marketdock.core.models import Company
from marketdock.orders.models import OrderLine

from ..models import RecomputeQueue


def queue_lines(company_id: int, line_ids: Iterable[int]) -> None:
    """The orders hook's listener: cheap (one INSERT … ON CONFLICT DO NOTHING per call)."""
    now = timezone.now()
    RecomputeQueue.objects.bulk_create(
        [RecomputeQueue(company_id=company_id, line_id=i, queued_at=now) for i in line_ids],
        ignore_conflicts=True, batch_size=2000)


def queue_accounts(company: Company, account_ids: Iterable[int]) -> None:
    """Every line of these accounts (a rule or schedule changed), in one INSERT … SELECT."""
    ids = sorted({int(a) for a in account_ids})
    if not ids:
        return
    queue = RecomputeQueue._meta.db_table
    lines = OrderLine._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {queue} (company_id, line_id, queued_at) "  # noqa: S608 - table names, not input
            f"SELECT company_id, id, %s FROM {lines} WHERE company_id = %s AND account_id IN ({marks}) "
            f"ON CONFLICT (company_id, line_id) DO NOTHING",
            [timezone.now(), company.pk, *ids])
