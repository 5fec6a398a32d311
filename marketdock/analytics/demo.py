"""Demo step: the demo companies' sales rollup, built from the orders the earlier steps created."""

from __future__ import annotations

from . import services


def demo_analytics(company, out: list[str]) -> None:
    state = services.rollup_refresh(company)
    out.append(f"sales rollup of {company.code}: {state.days} days")
