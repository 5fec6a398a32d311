"""Demo step: default commission rules and payout schedules for the demo accounts, the expected
settlement of the demo orders, a few store sales when the company has a store, and the sales rollup."""

from __future__ import annotations

from . import services


def demo_settlement(company, out: list[str]) -> None:
    result = services.settlement_refresh(company)
    out.append(f"settlement of {company.code}: {result['lines']} lines, {result['days']} days")
