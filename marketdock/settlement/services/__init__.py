"""Settlement state changes, by stage (callers write `from marketdock.settlement import services`):

- `commission`: published default rates and payout schedules seeded per account, rule editing, the
  rule in force for a line (STL-1)
- `schedule`: expected payout dates on KST business days
- `reported`: figures a marketplace reports on the line (they win over the rule)
- `figures`: one line's expected settlement and its refund adjustments (STL-1, STL-2), pure arithmetic
- `expected`: the bulk recomputation and the debounced refresh
- `queue`: what must be recomputed (the orders hook, rule changes)
- `sales`: the daily sales rollup (STL-5)
- `store`: store sales (STL-6)
- `imports`: the marketplaces' settled rows, by API or from an uploaded file (STL-3)
- `reconcile`: line-level reconciliation into 정산 오류 issues, and an upload stored then reconciled (STL-3)
- `issues`: the 정산 오류 queue's decisions (accept, dispute, reopen)
"""

from .commission import (
    DEFAULT_RATES,
    DEFAULT_SCHEDULES,
    RuleBook,
    rule_delete,
    rule_save,
    rules_seed,
    rules_seed_company,
    schedule_save,
)
from .expected import expected_recompute, expected_refresh
from .figures import ClaimInput, LineInput, Reported, line_figures
from .imports import line_keys, run_start, settlement_file_import, settlement_import, settlement_records_store
from .issues import issue_decide
from .queue import queue_accounts, queue_lines
from .reconcile import settlement_file_upload, settlement_import_reconcile, settlement_reconcile
from .sales import mark_days, sales_rebuild, sales_rebuild_days, sales_refresh
from .schedule import Schedule, basis_date, payout_date
from .store import SaleItem, store_sale_create, store_sale_void

__all__ = [
    "DEFAULT_RATES", "DEFAULT_SCHEDULES", "RuleBook", "rule_delete", "rule_save", "rules_seed", "rules_seed_company",
    "schedule_save", "expected_recompute", "expected_refresh", "ClaimInput", "LineInput", "Reported", "line_figures",
    "queue_accounts", "queue_lines", "mark_days", "sales_rebuild", "sales_rebuild_days", "sales_refresh", "Schedule",
    "basis_date", "payout_date", "SaleItem", "store_sale_create", "store_sale_void", "settlement_refresh",
    "line_keys", "run_start", "settlement_file_import", "settlement_import", "settlement_records_store",
    "issue_decide", "settlement_file_upload", "settlement_import_reconcile", "settlement_reconcile",
]


def settlement_refresh(company) -> dict:
    """The debounced job's work: expected settlements of what changed, then the sales days they touched."""
    rules_seed_company(company)
    expected = expected_refresh(company)
    sales = sales_refresh(company)
    return {"lines": expected.lines, "days": sales["days"], "seconds": round(expected.seconds + sales["seconds"], 3)}
