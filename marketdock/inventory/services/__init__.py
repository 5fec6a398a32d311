"""Inventory state changes. Every change of stock goes through `ledger._apply` and so through the
ledger (the concurrency rules are in `ledger`'s docstring). Callers read
`from marketdock.inventory import services`; the modules hold:

- `errors`: stock errors, the line and result types every other module speaks
- `ledger`: the engine (set expansion, one conditional UPDATE per line, ledger rows, the stock hook)
- `reservations`: order-driven stock: lock, reserve (all or per order), release, deduct, return
- `levels`: direct level changes: adjustment, transfer, reconciliation, low-stock thresholds
- `warehouses`: warehouse settings (INV-1)
- `xlsx`: reading the inbound and count Excel files
- `inbound`: inbound orders (INV-3), by screen or Excel
- `counts`: physical count sheets (INV-4)
"""

from .counts import (
    count_sheet_apply,
    count_sheet_cancel,
    count_sheet_create,
    count_sheet_import_xlsx,
    count_sheet_mark_failed,
    count_sheet_set_counts,
    count_sheet_submit,
    count_sheets_apply_scheduled,
)
from .errors import (
    MAX_SET_DEPTH,
    ExcelRejected,
    InsufficientStock,
    Reference,
    RowError,
    Shortage,
    StockError,
    StockInputError,
    StockLine,
    StockResult,
)
from .inbound import (
    inbound_cancel,
    inbound_confirm,
    inbound_confirm_xlsx,
    inbound_create,
    inbound_register,
    inbound_xlsx_precheck,
)
from .ledger import warehouse_default
from .levels import (
    Drift,
    sku_thresholds_update,
    stock_adjust,
    stock_levels_reconcile,
    stock_set,
    transfer_create,
)
from .reservations import (
    stock_deduct,
    stock_lock,
    stock_release,
    stock_reserve,
    stock_reserve_each,
    stock_return,
)
from .warehouses import WAREHOUSE_FIELDS, warehouse_save
from .xlsx import COUNT_XLSX_HEADERS, COUNT_XLSX_KEYS, INBOUND_XLSX_HEADERS, INBOUND_XLSX_KEYS, XLSX_MAX_ROWS

__all__ = [
    "COUNT_XLSX_HEADERS",
    "COUNT_XLSX_KEYS",
    "Drift",
    "ExcelRejected",
    "INBOUND_XLSX_HEADERS",
    "INBOUND_XLSX_KEYS",
    "InsufficientStock",
    "MAX_SET_DEPTH",
    "Reference",
    "RowError",
    "Shortage",
    "StockError",
    "StockInputError",
    "StockLine",
    "StockResult",
    "WAREHOUSE_FIELDS",
    "XLSX_MAX_ROWS",
    "count_sheet_apply",
    "count_sheet_cancel",
    "count_sheet_create",
    "count_sheet_import_xlsx",
    "count_sheet_mark_failed",
    "count_sheet_set_counts",
    "count_sheet_submit",
    "count_sheets_apply_scheduled",
    "inbound_cancel",
    "inbound_confirm",
    "inbound_confirm_xlsx",
    "inbound_create",
    "inbound_register",
    "inbound_xlsx_precheck",
    "sku_thresholds_update",
    "stock_adjust",
    "stock_set",
    "stock_deduct",
    "stock_levels_reconcile",
    "stock_lock",
    "stock_release",
    "stock_reserve",
    "stock_reserve_each",
    "stock_return",
    "transfer_create",
    "warehouse_default",
    "warehouse_save",
]
