"""The nightly snapshot of the cumulative usage metrics (SKUs, users, stores) for the monthly history."""

from __future__ import annotations

from marketdock.core.models import Company
from marketdock.core.usage import usage_snapshot

from ..selectors import cumulative_now


def usage_snapshot_all() -> int:
    companies = list(Company.objects.exclude(status="terminated").order_by("pk"))
    for company in companies:
        for metric, value in cumulative_now(company).items():
            usage_snapshot(company, metric, value)
    return len(companies)
